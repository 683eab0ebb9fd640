import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Studio, StudioMembership
from jobboard.auth import signed_in_user
from jobboard.ratelimit import allow
from jobboard.sql import BIGINT_MAX, CompiledQuery, prepared
from jobboard.transitions import InvalidTransition
from postings.cards import Row, render_cards
from postings.filters import RoleFilter, capped_count, compiled_page, fetch_page, query_key
from postings.forms import ROLE_PAY_FIELDS, ReportForm, RoleFormSet, ShootForm
from postings.models import Report, Role, Shoot

# --- Browse and search -------------------------------------------------------------------------


@login_not_required
@require_safe
def role_list(request):
    filterset = RoleFilter(request.GET or None, queryset=Role.objects.listed(), request=request)
    page = compiled_page(filterset, request.GET.get("after"))
    rows, next_cursor = fetch_page(page)
    page_rows = [Row(row) for row in rows]
    key = query_key(request.GET)
    # "Fits my availability" depends on who asks: its count is cached for that person only.
    count, more = capped_count(
        lambda: filterset.qs,
        cache_key=f"{key}|user={request.user.pk}" if filterset.is_personal else key,
    )
    cards, cards_key = render_cards(page_rows)
    context = {
        "filter": filterset,
        "form": filterset.form,
        "form_key": key,
        "roles": page_rows,
        "cards": cards,
        # What the page's body shows besides the language and whether someone is signed in.
        "body_version": "|".join(
            map(str, [request.META.get("QUERY_STRING", ""), cards_key, count, more, next_cursor])
        ),
        "count": count,
        "more": more,
        "next_cursor": next_cursor,
        "is_later_page": page.is_later_page,
        "has_errors": page.has_errors,
    }
    if request.htmx:
        return render(request, "postings/role_list.html#results", context)
    return render(request, "postings/role_list.html", context)


def page_version(*parts) -> str:
    """The key of a public page's rendered body in the fragment cache: everything the body
    shows that can change (a shoot's edits bump its ``updated_at``; bookings change the roles'
    ``booked_count``), the viewer's situation, the language and the day (apply-by dates close
    roles at midnight)."""
    values = []
    for part in parts:
        if isinstance(part, Shoot):
            studio = part.studio
            part = (
                part.pk,
                part.status,
                part.hidden_at,
                part.updated_at,
                studio.name,
                studio.verification_status,
            )
        values.append(repr(part))
    values += [get_language(), timezone.localdate().isoformat()]
    return hashlib.sha256("|".join(values).encode()).hexdigest()


def _is_preview(shoot: Shoot) -> bool:
    """Seen by its studio or staff before (or instead of) publication."""
    return shoot_access(shoot.status, shoot.hidden_at, shoot.studio_id, None)[1]


def shoot_access(status: str, hidden_at, studio_id: int, viewer) -> tuple[bool, bool, bool]:
    """Whether ``viewer`` may open a shoot's pages (as ``Shoot.objects.visible_to`` decides),
    whether they see it as a preview (not public), and whether they are a member of its studio
    (asked of the database only for a shoot that is not public)."""
    S = Shoot.Status
    preview = not (status == S.PUBLISHED and hidden_at is None) and (
        status not in {S.CLOSED, S.EXPIRED} or hidden_at is not None
    )
    is_member = (
        preview
        and viewer is not None
        and StudioMembership.objects.filter(studio_id=studio_id, user=viewer).exists()
    )
    visible = not preview or (viewer is not None and (viewer.is_staff or is_member))
    return visible, preview, is_member


ROLE_PAGE_TTL = 600
# What a role's page shows can change only with these (see page_version).
ROLE_STATE = CompiledQuery(
    lambda pk: Role.objects.filter(pk=pk).values(
        "shoot_id",
        "booked_count",
        "listed",
        "apply_by",
        "shoot__status",
        "shoot__hidden_at",
        "shoot__updated_at",
        "shoot__studio_id",
        "shoot__studio__name",
        "shoot__studio__verification_status",
    ),
    int,
    prepare=True,
)
OTHER_ROLES = CompiledQuery(
    lambda shoot_id, pk: (
        Role.objects.filter(shoot_id=shoot_id)
        .exclude(pk=pk)
        .order_by("department", "pk")
        .values_list("pk", "booked_count")
    ),
    int,
    int,
    named=False,
    prepare=True,
)


@login_not_required
@require_safe
def role_detail(request, pk):
    """A role's page. What it shows can change only with the columns read first (see
    ``page_version``), so its parts are rendered once per version and process, and a page
    that is already rendered costs two small queries."""
    viewer = signed_in_user(request)
    state = next(iter(ROLE_STATE(pk)), None) if pk <= BIGINT_MAX else None
    if state is None:
        raise Http404
    visible, preview, is_member = shoot_access(
        state["shoot__status"], state["shoot__hidden_at"], state["shoot__studio_id"], viewer
    )
    if not visible:
        raise Http404
    others = OTHER_ROLES(state["shoot_id"], pk)
    apply_url = reverse("applications:apply", kwargs={"pk": pk})
    version = page_version(
        pk, sorted(state.items()), preview, is_member, apply_url, others, request.get_host()
    )
    pages = caches["pages"]
    page = pages.get(f"role-page:{version}")
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
            "apply_url": apply_url,
            "share_url": request.build_absolute_uri(role.get_absolute_url()),
            "preview": preview,
            "is_member": is_member,
        }
        page = {
            "title": f"{role.title} · {shoot.title}",
            "description": " · ".join(
                [
                    role.pay_display,
                    f"{role.start_date:%Y-%m-%d} – {role.end_date:%Y-%m-%d}",
                    role.city.name,
                    shoot.studio.name,
                ]
            ),
            "json_ld": role.job_posting_json() if shoot.is_public else None,
            "body": render_to_string(
                "postings/includes/role_detail_body.html", context, request=request
            ),
        }
        pages.set(f"role-page:{version}", page, ROLE_PAGE_TTL)
    return render(request, "postings/role_detail.html", {"page": page})


@login_not_required
@require_safe
@prepared()  # the shoot, its roles and the viewer's membership, each found by key
def call_sheet(request, pk):
    viewer = signed_in_user(request)
    shoot = get_object_or_404(
        Shoot.objects.visible_to(viewer).select_related("studio", "city"), pk=pk
    )
    is_member = viewer is not None and shoot.studio.memberships.filter(user=viewer).exists()
    roles = shoot.roles.order_by("department", "pk")
    preview = _is_preview(shoot)
    # What the roles' rows show changes with the shoot's updated_at (roles are saved with their
    # shoot) or with bookings: the page's body is cached under that, and the roles themselves
    # are loaded only to render it.
    version = page_version(shoot, preview, is_member, list(roles.values_list("pk", "booked_count")))
    context = {
        "shoot": shoot,
        "studio": shoot.studio,
        "roles": roles.defer("search_document", "search_ascii"),
        "preview": preview,
        "is_member": is_member,
        "page_version": version,
    }
    return render(request, "postings/call_sheet.html", context)


# --- Studio side -------------------------------------------------------------------------------


@require_safe
def my_shoots(request):
    shoots = (
        Shoot.objects.managed_by(request.user)
        .select_related("studio", "city")
        .annotate(role_count=Count("roles", distinct=True))
        .order_by("-updated_at", "-pk")
    )
    studios = Studio.objects.managed_by(request.user)
    return render(
        request,
        "postings/my_shoots.html",
        {
            "shoots": shoots,
            "studios": studios,
            "studio_create_url": reverse("accounts:studio_create"),
        },
    )


def _add_role_row(data, prefix: str = "roles"):
    """The no-JavaScript "add another role" button: the same data with one more empty row."""
    data = data.copy()
    total = f"{prefix}-TOTAL_FORMS"
    try:
        rows = min(int(data.get(total, 0)), 29)
    except ValueError:
        rows = 0
    data[total] = str(rows + 1)
    # The new row starts with the model's defaults, as the first row of a new shoot does.
    for name, value in {"openings": "1", "pay_unit": "day", "experience_level": "newcomer"}.items():
        data.setdefault(f"{prefix}-{rows}-{name}", value)
    return data


def _is_material_edit(shoot_form, formset) -> bool:
    changed = set(shoot_form.changed_data)
    if changed & {name.removesuffix("_id") for name in Shoot.MATERIAL_FIELDS}:
        return True
    for form in formset.forms:
        if formset._should_delete_form(form):
            continue
        if form.instance.pk is None and form.has_changed():
            return True  # a new role brings new pay to check
        if ROLE_PAY_FIELDS & set(form.changed_data):
            return True
    return False


def _silence(form, formset) -> None:
    """After "add another role", show what was typed without complaining about the rows not
    finished yet (errors count as computed, and empty)."""
    from django.forms.utils import ErrorDict, ErrorList

    for each in [form, *formset.forms]:
        each._errors = ErrorDict()
        each.cleaned_data = {}
    formset._errors = [ErrorDict() for _form in formset.forms]
    formset._non_form_errors = ErrorList()


def _edit_shoot(request, shoot: Shoot | None):
    """The one page where a studio writes a shoot and all its roles."""
    studios = Studio.objects.managed_by(request.user)
    if shoot is None and not studios.exists():
        messages.info(request, _("Create your studio first: shoots are posted by a studio."))
        return redirect(reverse("accounts:studio_create") or "postings:my_shoots")
    action = request.POST.get("action", "save")
    data = request.POST or None
    if data is not None and action == "add_role":
        data = _add_role_row(data)
    instance = shoot or Shoot(created_by=request.user)
    form = ShootForm(data, instance=instance, studios=studios)
    formset = RoleFormSet(data, instance=instance, prefix="roles")
    show_errors = action != "add_role"
    if not show_errors:
        _silence(form, formset)
    if request.method == "POST" and action != "add_role":
        was_published = shoot is not None and shoot.status == Shoot.Status.PUBLISHED
        if form.is_valid() and formset.is_valid():
            material = was_published and _is_material_edit(form, formset)
            with transaction.atomic():
                shoot = form.save()
                formset.instance = shoot
                formset.save()
                shoot.sync_roles()
                shoot.rescreen()
                if material:
                    shoot.after_material_edit()
                    messages.warning(
                        request,
                        _(
                            "You changed dates, place, pay or conditions: the shoot is back in "
                            "review and hidden until a moderator approves it."
                        ),
                    )
            return _after_save(request, shoot, action)
    return render(
        request,
        "postings/shoot_form.html",
        {"form": form, "formset": formset, "shoot": shoot, "show_errors": show_errors},
    )


def _after_save(request, shoot: Shoot, action: str):
    if action == "submit" and shoot.can_submit:
        try:
            shoot.submit(by=request.user)
        except InvalidTransition as error:
            messages.error(request, str(error))
            return redirect("postings:shoot_edit", pk=shoot.pk)
        if shoot.status == Shoot.Status.PUBLISHED:
            messages.success(request, _("Published: crew can now find and apply to your roles."))
        else:
            messages.info(
                request,
                _("Submitted: a moderator reviews the shoot before it is published."),
            )
        return redirect("postings:my_shoots")
    if action == "preview":
        return redirect("postings:call_sheet", pk=shoot.pk)
    messages.success(request, _("Saved."))
    return redirect("postings:shoot_edit", pk=shoot.pk)


def shoot_create(request):
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    return _edit_shoot(request, None)


def _managed_shoot(request, pk) -> Shoot:
    return get_object_or_404(
        Shoot.objects.managed_by(request.user).select_related("studio", "city"), pk=pk
    )


def shoot_edit(request, pk):
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    shoot = _managed_shoot(request, pk)
    if not shoot.is_editable:
        messages.error(request, _("This shoot can no longer be edited. Duplicate it instead."))
        return redirect("postings:my_shoots")
    return _edit_shoot(request, shoot)


def _transition(request, pk, method: str, success: str):
    shoot = _managed_shoot(request, pk)
    try:
        getattr(shoot, method)(by=request.user)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("postings:my_shoots")


@require_POST
def shoot_submit(request, pk):
    shoot = _managed_shoot(request, pk)
    try:
        shoot.submit(by=request.user)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        if shoot.status == Shoot.Status.PUBLISHED:
            messages.success(request, _("Published: crew can now find and apply to your roles."))
        else:
            messages.info(
                request, _("Submitted: a moderator reviews the shoot before it is published.")
            )
    return redirect("postings:my_shoots")


@require_POST
def shoot_close(request, pk):
    return _transition(request, pk, "close", _("Closed: the shoot no longer takes applications."))


@require_POST
def shoot_cancel(request, pk):
    return _transition(request, pk, "cancel", _("Cancelled."))


@require_POST
def shoot_duplicate(request, pk):
    shoot = _managed_shoot(request, pk)
    copy = shoot.duplicate(by=request.user)
    messages.success(request, _("A copy was saved as a draft: set the new dates and submit it."))
    return redirect("postings:shoot_edit", pk=copy.pk)


# --- Reports -----------------------------------------------------------------------------------


# Reporting is rate-limited per person: this many reports per window (in seconds).
REPORT_RATE = (5, 60)


def report(request, pk):
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    shoot = get_object_or_404(Shoot.objects.public().select_related("studio"), pk=pk)
    already = Report.objects.open().filter(shoot=shoot, reporter=request.user).exists()
    form = ReportForm(request.POST or None)
    if request.method == "POST" and not allow(f"report:{request.user.pk}", *REPORT_RATE):
        messages.error(request, _("Too many reports in a short time. Wait a minute."))
        context = {"shoot": shoot, "form": form, "already": already}
        return render(request, "postings/report.html", context, status=429)
    if request.method == "POST" and not already and form.is_valid():
        try:
            with transaction.atomic():
                Report.file(
                    shoot=shoot,
                    reporter=request.user,
                    reason=form.cleaned_data["reason"],
                    details=form.cleaned_data["details"],
                )
        except IntegrityError:
            already = True
        except InvalidTransition as error:
            messages.error(request, str(error))
            return redirect("postings:role_list")
        else:
            messages.success(
                request, _("Thank you. A moderator will look at this shoot and act on your report.")
            )
            return redirect(shoot)
    return render(
        request, "postings/report.html", {"shoot": shoot, "form": form, "already": already}
    )


# --- Discovery ---------------------------------------------------------------------------------


@login_not_required
@require_safe
def robots_txt(request):
    """Served at the site root by jobboard/urls.py."""
    lines = [
        "User-agent: *",
        "Disallow: /*/admin/",
        "Disallow: /*/me/",
        "Disallow: /*/studio/",
        "Disallow: /*/accounts/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
