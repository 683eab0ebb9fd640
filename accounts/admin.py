from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Credit,
    CrewProfile,
    Studio,
    StudioInvitation,
    StudioMembership,
    Unavailability,
    User,
)
from jobboard.transitions import InvalidTransition


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "preferred_language"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name", "phone", "preferred_language"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions = ["deactivate"]

    @admin.action(description=_("Block the selected users from signing in"))
    def deactivate(self, request, queryset):
        # A new unusable password would lose theirs; turning is_active off is reversible and,
        # with ModelBackend and allauth, ends their sessions on the next request.
        users = list(queryset.filter(is_active=True).exclude(pk=request.user.pk))
        for user in users:
            user.is_active = False
            user.save(update_fields=["is_active"])
            self.log_change(request, user, "Blocked")
        self.message_user(
            request, _("%(count)d user(s) blocked.") % {"count": len(users)}, messages.SUCCESS
        )


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0


class UnavailabilityInline(admin.TabularInline):
    model = Unavailability
    extra = 0


@admin.register(CrewProfile)
class CrewProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "headline", "home_city", "experience_level", "visibility"]
    list_filter = ["experience_level", "visibility", "home_city"]
    search_fields = ["user__email", "user__name", "headline", "school"]
    list_select_related = ["user", "home_city"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["work_cities"]
    readonly_fields = ["cv_name", "cv_uploaded_at", "created_at", "updated_at"]
    exclude = ["cv"]
    inlines = [CreditInline, UnavailabilityInline]


class MembershipInline(admin.TabularInline):
    model = StudioMembership
    extra = 0
    autocomplete_fields = ["user"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(Studio)
class StudioAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "credit_code", "verification_status", "submitted_at"]
    list_filter = ["verification_status", "city"]
    search_fields = ["name", "credit_code", "slug", "memberships__user__email"]
    list_select_related = ["city"]
    readonly_fields = [
        "verification_status",
        "status_reason",
        "verified_by",
        "verified_at",
        "submitted_at",
        "created_at",
    ]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    actions = ["verify", "reject", "suspend"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.sync_roles()  # its name is in its roles' search text

    def _apply(self, request, queryset, method: str, done_message, **kwargs) -> None:
        done = 0
        for studio in queryset:
            try:
                with transaction.atomic():
                    getattr(studio, method)(by=request.user, **kwargs)
            except InvalidTransition as error:
                self.message_user(request, f"{studio}: {error}", messages.ERROR)
                continue
            self.log_change(request, studio, f"{studio.get_verification_status_display()}")
            done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Verify the selected studios"))
    def verify(self, request, queryset):
        self._apply(request, queryset, "verify", _("%(count)d studio(s) verified."))

    def _with_reason(self, request, queryset, method: str, title, done_message):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._apply(request, queryset, method, done_message, reason=form.cleaned_data["reason"])
            return None
        return TemplateResponse(
            request,
            "admin/action_reason.html",
            {
                "items_label": _("Studios:"),
                **self.admin_site.each_context(request),
                "title": title,
                "form": form,
                "queryset": queryset,
                "action": method,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Reject the verification of the selected studios"))
    def reject(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            "reject",
            _("Why is the verification rejected?"),
            _("%(count)d studio(s) rejected."),
        )

    @admin.action(description=_("Suspend the selected studios"))
    def suspend(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            "suspend",
            _("Why are these studios suspended?"),
            _("%(count)d studio(s) suspended."),
        )


@admin.register(StudioMembership)
class StudioMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "studio", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__name", "studio__name"]
    list_select_related = ["user", "studio"]
    autocomplete_fields = ["user", "studio"]


@admin.register(StudioInvitation)
class StudioInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "studio", "invited_by", "created_at", "accepted_at"]
    search_fields = ["email", "studio__name"]
    list_select_related = ["studio", "invited_by"]
    readonly_fields = ["studio", "email", "invited_by", "created_at", "accepted_at"]
