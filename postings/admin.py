"""Moderation in the admin: the review queue, approve / reject with a reason, the report queue.

Every action goes through the model's transition method and leaves an admin log entry."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jobboard.transitions import InvalidTransition
from postings.forms import RejectForm, ReportDecisionForm
from postings.models import City, PendingShoot, Report, Role, Shoot


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name_zh", "name_en", "province", "slug", "is_hub"]
    list_filter = ["is_hub"]
    search_fields = ["name_zh", "name_en", "slug", "province"]
    prepopulated_fields = {"slug": ["name_en"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.sync_roles()  # the city's names are in its roles' search text


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    can_delete = False
    show_change_link = False
    fields = [
        "department",
        "title",
        "openings",
        "booked_count",
        "pay_unit",
        "pay_min",
        "pay_max",
        "overtime_rate",
        "apply_by",
        "description",
        "requirements",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        # Studios write roles; moderators read them.
        return False


def _run(modeladmin, request, queryset, method: str, done: str, **kwargs) -> None:
    count = 0
    for obj in queryset:
        try:
            getattr(obj, method)(by=request.user, **kwargs)
        except InvalidTransition as error:
            modeladmin.message_user(request, f"{obj}: {error}", messages.ERROR)
            continue
        modeladmin.log_change(request, obj, f"{done}" + (f": {kwargs}" if kwargs else ""))
        count += 1
    if count:
        modeladmin.message_user(
            request, gettext("%(count)d done.") % {"count": count}, messages.SUCCESS
        )


@admin.action(description=_("Approve and publish"))
def approve(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, "approve", "Approved")


@admin.action(description=_("Ask for changes (with a reason)…"))
def reject(modeladmin, request, queryset):
    """An intermediate page asks for the reason, which is emailed to the studio."""
    form = RejectForm(request.POST if "reason" in request.POST else None)
    if form.is_valid():
        _run(
            modeladmin,
            request,
            queryset,
            "reject",
            "Rejected",
            reason=form.cleaned_data["reason"],
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Ask the studio for changes"),
        "form": form,
        "shoots": queryset,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/postings/reject_shoots.html", context)


@admin.register(Shoot)
class ShootAdmin(admin.ModelAdmin):
    list_display = ["title", "studio", "city", "start_date", "status", "flag_count", "submitted_at"]
    list_filter = ["status", "studio__verification_status", "city"]
    list_select_related = ["studio", "city"]
    search_fields = ["title", "studio__name"]
    date_hierarchy = "start_date"
    inlines = [RoleInline]
    actions = [approve, reject]
    readonly_fields = [
        "status",
        "flag_list",
        "changes",
        "submitted_at",
        "published_at",
        "reviewed_by",
        "reviewed_at",
        "rejection_reason",
        "hidden_at",
        "duplicated_from",
        "created_by",
        "created_at",
        "updated_at",
    ]
    exclude = ["flags"]
    raw_id_fields = ["studio", "city"]

    @admin.display(description=_("flags"))
    def flag_count(self, obj):
        return len(obj.flags or [])

    @admin.display(description=_("anti-scam flags"))
    def flag_list(self, obj):
        labels = obj.flag_labels()
        if not labels:
            return "—"
        return format_html_join("", "<li>{}</li>", ((label,) for label in labels))

    @admin.display(description=_("changes since it was last published"))
    def changes(self, obj):
        rows = obj.changes_since_published()
        if not rows:
            return "—"
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody>"
            "</table>",
            _("field"),
            _("as published"),
            _("now"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((what, before or "—", after or "—") for what, before, after in rows),
            ),
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A moderator's edit of the dates, the city or the text reaches the roles' copies.
        form.instance.sync_roles()


@admin.register(PendingShoot)
class ReviewQueueAdmin(ShootAdmin):
    """Shoots waiting for review, oldest first, with their flags."""

    list_display = ["title", "studio", "verification", "flag_summary", "start_date", "submitted_at"]
    list_filter = ["city"]
    list_display_links = ["title"]
    date_hierarchy = None

    def get_queryset(self, request):
        return super().get_queryset(request).pending_review()

    def get_ordering(self, request):
        return ["submitted_at", "pk"]

    @admin.display(description=_("studio verification"))
    def verification(self, obj):
        return obj.studio.get_verification_status_display()

    @admin.display(description=_("anti-scam flags"))
    def flag_summary(self, obj):
        labels = obj.flag_labels()
        if not labels:
            return "—"
        return format_html_join("", "<div>{}</div>", ((label,) for label in labels))

    def has_add_permission(self, request):
        return False


def _decide_reports(modeladmin, request, queryset, *, acting: bool):
    """An intermediate page shows the reports and their shoots and asks for the reason (to
    cancel: emailed to the studio) or a note (to dismiss: emailed to the reporters) and a
    confirmation; only then is anything done."""
    action = "action_reports" if acting else "dismiss_reports"
    submitted = "confirm" in request.POST or "reason" in request.POST
    form = ReportDecisionForm(request.POST if submitted else None, acting=acting)
    if form.is_valid():
        _run(
            modeladmin,
            request,
            queryset,
            "action" if acting else "dismiss",
            "Actioned" if acting else "Dismissed",
            resolution=form.cleaned_data["reason"],
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Cancel the reported shoots") if acting else _("Dismiss the reports"),
        "acting": acting,
        "form": form,
        "reports": queryset.select_related("shoot__studio", "reporter"),
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/postings/decide_reports.html", context)


@admin.action(description=_("Dismiss: nothing wrong (with a note)…"))
def dismiss_reports(modeladmin, request, queryset):
    return _decide_reports(modeladmin, request, queryset, acting=False)


@admin.action(description=_("Action: cancel the shoot (with a reason)…"))
def action_reports(modeladmin, request, queryset):
    return _decide_reports(modeladmin, request, queryset, acting=True)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["shoot", "reason", "reporter", "status", "created_at", "handled_by"]
    list_filter = ["status", "reason"]
    list_select_related = ["shoot", "reporter", "handled_by"]
    search_fields = ["shoot__title", "details"]
    ordering = ["status", "created_at"]
    actions = [dismiss_reports, action_reports]
    readonly_fields = [
        "shoot",
        "reporter",
        "reason",
        "details",
        "status",
        "handled_by",
        "handled_at",
        "resolution",
        "created_at",
        "conversation",
    ]

    @admin.display(description=_("conversation"))
    def conversation(self, obj):
        """A report of a message, or Callsheet's screening of a thread: the conversation's
        messages, to read in full (each reading is logged for its participants)."""
        import re

        from django.urls import reverse
        from django.utils.html import format_html

        from applications.models import Message

        found = re.match(r"\[(message|thread) #(\d+)\]", obj.details or "")
        if not found:
            return "—"
        kind, pk = found.groups()
        messages = Message.objects.filter(**({"pk": pk} if kind == "message" else {}))
        if kind == "thread":
            messages = messages.filter(application_id=pk)
        message = messages.order_by("pk").first()
        if message is None:
            return "—"
        url = reverse("admin:applications_message_change", args=[message.pk])
        return format_html('<a href="{}">{}</a>', url, _("Read the conversation"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
