from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from applications.models import (
    Application,
    ApplicationEvent,
    CVView,
    Message,
    TeamApplication,
    TeamPlace,
    Wrap,
)
from jobboard.transitions import InvalidTransition


class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor", "note", "is_private"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class CVViewInline(admin.TabularInline):
    model = CVView
    extra = 0
    can_delete = False
    fields = ["viewed_at", "viewer", "studio"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """For moderators settling disputes: everything readable, nothing editable here. Status
    changes go through the model's transitions (the studio's pipeline, the crew's page)."""

    list_display = ["applicant", "role", "studio", "status", "created_at", "updated_at"]
    list_filter = ["status", "created_at"]
    search_fields = [
        "applicant__email",
        "applicant__name",
        "role__title",
        "role__shoot__title",
        "role__shoot__studio__name",
    ]
    list_select_related = ["applicant", "role", "role__shoot", "role__shoot__studio"]
    date_hierarchy = "created_at"
    inlines = [ApplicationEventInline, CVViewInline]
    fields = [
        "role",
        "applicant",
        "status",
        "note",
        "cv_name",
        "dates_confirmed",
        "consent_at",
        "offered_at",
        "offer_reminded_at",
        "booked_dates",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description="studio", ordering="role__shoot__studio__name")
    def studio(self, obj):
        return obj.role.shoot.studio

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WrapReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(Wrap)
class WrapAdmin(admin.ModelAdmin):
    """After the wrap: crew answers about pay, the studios' word on work, and disputes. A
    moderator reads an open dispute with the application's history, hides an entry from the
    studio's record with a reason (an appeal upheld), or suspends the studio. Answers change
    only through the model's transitions (the crew's and the studio's pages)."""

    list_display = ["shoot", "role", "studio", "crew", "paid", "worked", "dispute", "hidden_at"]
    list_filter = ["dispute", "paid", "worked", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["shoot__title", "studio__name", "crew__email", "crew__name", "role__title"]
    list_select_related = ["shoot", "role", "studio", "crew"]
    readonly_fields = [
        "shoot",
        "role",
        "studio",
        "crew",
        "pay_due",
        "asked_at",
        "reminded_at",
        "paid",
        "days_late",
        "day_hours",
        "answered_at",
        "worked",
        "worked_at",
        "crew_reply",
        "dispute",
        "dispute_opened_at",
        "studio_response",
        "resolved_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
        "history",
    ]
    fields = readonly_fields
    actions = ["hide_from_record", "suspend_studios"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # an entry leaves a record by "hide", with its reason kept

    @admin.display(description=_("pay was due by"))
    def pay_due(self, wrap):
        return wrap.pay_due

    @admin.display(description=_("application history"))
    def history(self, wrap):
        if wrap.application_id is None:
            return "—"
        events = wrap.application.events.select_related("actor")
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} · {} · {} {}</li>",
                (
                    (f"{e.created_at:%Y-%m-%d %H:%M}", str(e), e.actor or "—", e.note)
                    for e in events
                ),
            ),
        )

    def _with_reason(self, request, queryset, title, act):
        form = WrapReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            return act(form.cleaned_data["reason"])
        return TemplateResponse(
            request,
            "admin/action_reason.html",
            {
                "items_label": _("After the wrap:"),
                **self.admin_site.each_context(request),
                "title": title,
                "form": form,
                "queryset": queryset,
                "action": request.POST.get("action"),
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Hide the selected entries from the studios' records"))
    def hide_from_record(self, request, queryset):
        def act(reason):
            for wrap in queryset:
                wrap.hide(by=request.user, reason=reason)
                self.log_change(
                    request, wrap, _("Hidden from the record: %(reason)s") % {"reason": reason}
                )
            self.message_user(
                request,
                _("%(count)d entries hidden from the record.") % {"count": len(queryset)},
                messages.SUCCESS,
            )

        return self._with_reason(
            request, queryset, _("Why are these entries hidden from the record?"), act
        )

    @admin.action(description=_("Suspend the studios of the selected entries"))
    def suspend_studios(self, request, queryset):
        def act(reason):
            studios = {wrap.studio_id: wrap.studio for wrap in queryset.select_related("studio")}
            for studio in studios.values():
                try:
                    with transaction.atomic():
                        studio.suspend(by=request.user, reason=reason)
                except InvalidTransition as error:
                    self.message_user(request, f"{studio}: {error}", messages.ERROR)
                    continue
                self.message_user(
                    request, _("%(studio)s suspended.") % {"studio": studio}, messages.SUCCESS
                )

        return self._with_reason(request, queryset, _("Why are these studios suspended?"), act)


class TeamPlaceInline(admin.TabularInline):
    model = TeamPlace
    extra = 0
    can_delete = False
    fields = ["member", "role", "confirmed_at", "application"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TeamApplication)
class TeamApplicationAdmin(admin.ModelAdmin):
    """Read-only: a team's application changes only through its members and the studio."""

    list_display = ["team", "shoot", "stage", "back_to_studio", "created_at"]
    list_filter = ["stage", "back_to_studio"]
    search_fields = ["team__name", "team__head__email", "shoot__title"]
    list_select_related = ["team", "shoot"]
    readonly_fields = [
        "team",
        "shoot",
        "note",
        "stage",
        "cancelled_why",
        "back_to_studio",
        "created_at",
        "sent_at",
    ]
    fields = readonly_fields
    inlines = [TeamPlaceInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Flagged and reported messages. Opening one shows its whole conversation; every opening
    is logged, and the conversation's participants see when a moderator read it."""

    list_display = ["application", "from_studio", "excerpt", "warns", "reported_at", "created_at"]
    list_filter = ["warns", ("reported_at", admin.EmptyFieldListFilter), "from_studio"]
    search_fields = ["body", "application__role__shoot__title"]
    list_select_related = ["application__role__shoot", "application__applicant"]
    readonly_fields = ["application", "from_studio", "flags", "warns", "reported_at", "thread"]
    fields = readonly_fields

    @admin.display(description=_("message"))
    def excerpt(self, obj):
        return obj.body[:80]

    @admin.display(description=_("conversation"))
    def thread(self, obj):
        rows = Message.objects.filter(application=obj.application).order_by("created_at", "pk")
        return format_html(
            '<ol class="thread-items">{}</ol>',
            format_html_join(
                "",
                "<li><strong>{}</strong> · {}<br>{}{}</li>",
                (
                    (
                        _("Studio") if m.from_studio else _("Crew member"),
                        m.created_at.strftime("%Y-%m-%d %H:%M"),
                        m.body,
                        f" [{m.attachment_name}]" if m.attachment_name else "",
                    )
                    for m in rows
                ),
            ),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Each look at a conversation is logged for its participants to see."""
        from applications.models import ThreadModeratorView

        message = self.get_object(request, object_id)
        if message is not None and request.method == "GET":
            ThreadModeratorView.objects.create(
                application_id=message.application_id, moderator=request.user
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in {"GET", "HEAD"} and super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
