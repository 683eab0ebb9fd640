from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Studio
from jobboard.auth import signed_in_user
from jobboard.ratelimit import allow
from jobboard.transitions import InvalidTransition
from postings import pages
from postings.choices import Department
from postings.filters import role_listing
from postings.forms import ROLE_PAY_FIELDS, ReportForm, RoleFormSet, ShootForm
from postings.models import Report, Shoot

# --- Browse and search -------------------------------------------------------------------------


@login_not_required
@require_safe
def role_list(request):
    listing = role_listing(request.GET, request, after=request.GET.get("after"))
    context = {
        "filter": listing.filter,
        "form": listing.filter.form,
        "form_key": listing.form_key,
        "alert_query": listing.query,
        "roles": listing.rows,
        "cards": listing.cards,
        "body_version": listing.body_key,
        "count": listing.count,
        "more": listing.more,
        "next_cursor": listing.next_cursor,
        "is_later_page": listing.is_later_page,
        "has_errors": listing.has_errors,
    }
    if request.htmx:
        response = render(request, "postings/role_list.html#results", context)
    else:
        response = render(request, "postings/role_list.html", context)
    # One URL, two bodies (the results alone for htmx): caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_not_required
@require_safe
def role_detail(request, pk):
    page = pages.role_page(request, pk, viewer=signed_in_user(request))
    return render(request, "postings/role_detail.html", {"page": page})


@login_not_required
@require_safe
def call_sheet(request, pk):
    viewer = signed_in_user(request)
    sheet = pages.call_sheet(request, pk, viewer=viewer)
    context = {
        "shoot": sheet.shoot,
        "studio": sheet.shoot.studio,
        "roles": sheet.roles,
        "preview": sheet.preview,
        "is_member": sheet.is_member,
        "page_version": sheet.body_key,
    }
    # Contacts, once booked: the studio's members see their booked crew's; a booked crew
    # member sees the contact on set. Never in the cached body, which everyone shares.
    if viewer is not None:
        from applications.models import Application

        booked = Application.objects.booked().filter(role__shoot=sheet.shoot)
        if sheet.is_member:
            context["booked_crew"] = list(
                booked.select_related("role", "applicant__crew_profile").order_by("role_id", "pk")
            )
        else:
            context["my_booking"] = booked.filter(applicant=viewer).select_related("role").first()
    return render(request, "postings/call_sheet.html", context)


# --- Studio side -------------------------------------------------------------------------------


@require_safe
def my_shoots(request):
    shoots = (
        Shoot.objects.managed_by(request.user)
        .select_related("studio", "city")
        .annotate(
            role_count=Count("roles", distinct=True),
            # Why a moderator cancelled it, if a report was acted on.
            report_reason=Subquery(
                Report.objects.filter(shoot=OuterRef("pk"), status=Report.Status.ACTIONED)
                .order_by("-handled_at")
                .values("resolution")[:1]
            ),
        )
        .order_by("-updated_at", "-pk")
    )
    studios = list(Studio.objects.managed_by(request.user))
    return render(
        request,
        "postings/my_shoots.html",
        {
            "shoots": shoots,
            "studios": studios,
            "studio_create_url": reverse("accounts:studio_create"),
            "can_find_crew": any(studio.is_verified for studio in studios),
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
    managed = Studio.objects.managed_by(request.user)
    studios = managed.exclude(verification_status=Studio.Verification.SUSPENDED)
    if shoot is None and not studios.exists():
        if managed.exists():  # every studio of theirs is suspended
            messages.error(request, SUSPENDED_MESSAGE)
            return redirect("postings:my_shoots")
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
                if was_published and shoot.after_edit(material=material):
                    if shoot.flags:
                        messages.warning(
                            request,
                            _(
                                "Your edit needs a moderator's look (%(why)s): the shoot is back "
                                "in review and hidden until it is approved. We emailed you why."
                            )
                            % {"why": "; ".join(dict.fromkeys(_(f["label"]) for f in shoot.flags))},
                        )
                    else:
                        messages.warning(
                            request,
                            _(
                                "You changed dates, place, pay or conditions: the shoot is back "
                                "in review and hidden until a moderator approves it."
                            ),
                        )
            return _after_save(request, shoot, action)
    medians = _pay_medians_for(form, formset)
    return render(
        request,
        "postings/shoot_form.html",
        {
            "form": form,
            "formset": formset,
            "shoot": shoot,
            "show_errors": show_errors,
            "medians": medians,
        },
    )


def _pay_medians_for(form, formset) -> list:
    """What wrapped bookings paid per department in the shoot's city, beside the pay fields:
    each role row gets its department's median (``role_form.median``); the list is every
    department with enough bookings, for the table above the roles."""
    from applications.models import pay_medians

    try:
        city_id = int(form["city"].value())
    except (TypeError, ValueError):
        return []
    medians = pay_medians(city_id=city_id)
    labels = dict(Department.choices)
    for role_form in formset:
        found = medians.get(role_form["department"].value())
        role_form.median = (labels[role_form["department"].value()], *found) if found else None
    return [(labels[d], amount, n) for d, (amount, n) in sorted(medians.items()) if d in labels]


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


SUSPENDED_MESSAGE = gettext_lazy(
    "Your studio is suspended: its shoots cannot be posted, edited, closed, cancelled or "
    "copied. Callsheet emailed the owners the reason; reply to that email to appeal."
)


def _managed_shoot(request, pk) -> Shoot:
    return get_object_or_404(
        Shoot.objects.managed_by(request.user).select_related("studio", "city"), pk=pk
    )


class StudioSuspended(Exception):
    pass


def _writable_shoot(request, pk) -> Shoot:
    """A shoot of the user's studio that they may change: not while the studio is suspended
    (``StudioSuspended``)."""
    shoot = _managed_shoot(request, pk)
    if not shoot.studio.can_post:
        raise StudioSuspended
    return shoot


def _refuse_suspended(view):
    """Studio views that change a shoot: a suspended studio's member is told why and sent to
    their shoots, and nothing changes."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except StudioSuspended:
            messages.error(request, SUSPENDED_MESSAGE)
            return redirect("postings:my_shoots")

    return wrapper


@_refuse_suspended
def shoot_edit(request, pk):
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    shoot = _writable_shoot(request, pk)
    if not shoot.is_editable:
        messages.error(request, _("This shoot can no longer be edited. Duplicate it instead."))
        return redirect("postings:my_shoots")
    return _edit_shoot(request, shoot)


def _transition(request, pk, method: str, success: str):
    shoot = _writable_shoot(request, pk)
    try:
        getattr(shoot, method)(by=request.user)
    except InvalidTransition as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("postings:my_shoots")


@require_POST
@_refuse_suspended
def shoot_submit(request, pk):
    shoot = _writable_shoot(request, pk)
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
@_refuse_suspended
def shoot_close(request, pk):
    return _transition(request, pk, "close", _("Closed: the shoot no longer takes applications."))


@require_POST
@_refuse_suspended
def shoot_cancel(request, pk):
    return _transition(request, pk, "cancel", _("Cancelled."))


@require_POST
@_refuse_suspended
def shoot_duplicate(request, pk):
    shoot = _writable_shoot(request, pk)
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
