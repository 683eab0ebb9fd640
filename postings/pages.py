"""The public pages of roles and shoots, rendered once per version and reused.

What these pages show is a function of their role or shoot, its studio, city and sibling
roles, who asks (whether they may see a preview, whether they are a member of the studio),
the language, the day and the host: every write to the first group changes the
ContentVersion (jobboard.models), which every key below holds with the rest. See
docs/caches.md."""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from django.core.cache import caches
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from jobboard.models import content_version
from jobboard.sql import BIGINT_MAX, CompiledQuery, prepared
from postings.models import Role, Shoot

PAGE_TTL = 600


def page_key(kind: str, version: int, *parts) -> str:
    """A cache key holding the content version, the language, the day (apply-by dates close
    roles at midnight) and ``parts`` (the viewer's situation, the host)."""
    values = [kind, str(version), get_language() or "", timezone.localdate().isoformat()]
    values += [repr(part) for part in parts]
    return f"{kind}:" + hashlib.sha256("|".join(values).encode()).hexdigest()


# Who may see a role's page is decided by its shoot and studio (Shoot.access).
ROLE_ACCESS = CompiledQuery(
    lambda pk: Role.objects.filter(pk=pk).values(
        "shoot__status",
        "shoot__hidden_at",
        "shoot__studio_id",
        "shoot__studio__verification_status",
    ),
    int,
    prepare=True,
)


class RolePage(NamedTuple):
    title: str
    description: str
    json_ld: str | None
    body: str


def role_page(request, pk: int, viewer) -> RolePage:
    """The parts of role ``pk``'s page as ``viewer`` (a user or None) may see it; Http404 when
    they may not (``Shoot.objects.visible_to``'s rule, by ``Shoot.access``)."""
    version = content_version()
    rows = ROLE_ACCESS(pk) if pk <= BIGINT_MAX else []
    if not rows:
        raise Http404
    state = rows[0]
    access = Shoot.access(
        state["shoot__status"],
        state["shoot__hidden_at"],
        state["shoot__studio__verification_status"],
        state["shoot__studio_id"],
        viewer,
    )
    if not access.visible:
        raise Http404
    apply_url = reverse("applications:apply", kwargs={"pk": pk})
    key = page_key(
        "role-page", version, pk, access.preview, access.is_member, request.get_host(), apply_url
    )
    pages = caches["pages"]
    page = pages.get(key)
    if page is None:
        role = (
            Role.objects.select_related("shoot__studio", "shoot__city", "city")
            .filter(pk=pk)
            .first()
        )
        if role is None:
            raise Http404
        shoot = role.shoot
        context = {
            "role": role,
            "shoot": shoot,
            "studio": shoot.studio,
            "others": list(shoot.roles.exclude(pk=pk).order_by("department", "pk")),
            "median": role.pay_median(),
            "apply_url": apply_url,
            "share_url": request.build_absolute_uri(role.get_absolute_url()),
            "preview": access.preview,
            "is_member": access.is_member,
        }
        page = RolePage(
            title=f"{role.title} · {shoot.title}",
            description=" · ".join(
                [
                    role.pay_display,
                    f"{role.start_date:%Y-%m-%d} – {role.end_date:%Y-%m-%d}",
                    role.city.name,
                    shoot.studio.name,
                ]
            ),
            json_ld=role.job_posting_json() if shoot.is_public else None,
            body=render_to_string(
                "postings/includes/role_detail_body.html", context, request=request
            ),
        )
        pages.set(key, page, PAGE_TTL)
    return page


class CallSheet(NamedTuple):
    shoot: Shoot
    roles: object  # a queryset, evaluated only when the body is rendered
    preview: bool
    is_member: bool
    body_key: str


def call_sheet(request, pk: int, viewer) -> CallSheet:
    """Shoot ``pk`` as ``viewer`` may see it, its roles (loaded only if the body must be
    rendered) and the key of its rendered body; Http404 when they may not see it."""
    version = content_version()
    if pk > BIGINT_MAX:
        raise Http404
    with prepared():  # the shoot and the viewer's membership, each found by key
        shoot = (
            Shoot.objects.visible_to(viewer).select_related("studio", "city").filter(pk=pk).first()
        )
        if shoot is None:
            raise Http404
        access = Shoot.access(
            shoot.status,
            shoot.hidden_at,
            shoot.studio.verification_status,
            shoot.studio_id,
            viewer,
            always_ask_membership=True,
        )
    roles = shoot.roles.order_by("department", "pk").defer("search_document", "search_ascii")
    key = page_key("call-sheet", version, pk, access.preview, access.is_member)
    return CallSheet(shoot, roles, access.preview, access.is_member, key)
