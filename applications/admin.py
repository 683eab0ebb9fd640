from django.contrib import admin

from applications.models import Application, ApplicationEvent, CVView


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
