from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from postings.models import Report, Role, Shoot

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# A change to any of these on a role of a published shoot sends the shoot back to review.
ROLE_PAY_FIELDS = {"pay_unit", "pay_min", "pay_max", "overtime_rate"}


class ShootForm(forms.ModelForm):
    class Meta:
        model = Shoot
        fields = [
            "studio",
            "title",
            "genre",
            "episodes",
            "synopsis",
            "city",
            "base",
            "address",
            "contact_name",
            "contact_phone",
            "start_date",
            "end_date",
            "daily_hours",
            "meals_provided",
            "lodging_provided",
            "travel_paid",
            "insurance_provided",
            "contract_provided",
            "payment_timing",
            "payment_days",
            "conditions_note",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "synopsis": forms.Textarea(attrs={"rows": 3}),
            "conditions_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, studios=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A shoot stays with the studio that posted it.
            del self.fields["studio"]
        else:
            self.fields["studio"].queryset = studios
            self.fields["studio"].empty_label = None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last shoot day must not be before the first."))
        if (
            start
            and "start_date" in self.changed_data
            and start < timezone.localdate()
            and self.instance.status != Shoot.Status.PUBLISHED
        ):
            self.add_error("start_date", _("The first shoot day is in the past."))
        if cleaned.get("payment_timing") == "after_wrap" and not cleaned.get("payment_days"):
            self.add_error("payment_days", _("Say how many days after wrap crew are paid."))
        return cleaned


class RoleForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = [
            "department",
            "title",
            "openings",
            "pay_unit",
            "pay_min",
            "pay_max",
            "overtime_rate",
            "experience_level",
            "newcomers_welcome",
            "apply_by",
            "description",
            "requirements",
        ]
        widgets = {
            "apply_by": DATE,
            "description": forms.Textarea(attrs={"rows": 2}),
            "requirements": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("pay_min"), cleaned.get("pay_max")
        if low and high and high < low:
            self.add_error("pay_max", _("The top of the range must not be below the pay."))
        return cleaned


class BaseRoleFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        if not kept:
            raise forms.ValidationError(_("Add at least one role."))
        start = self.instance.start_date
        for form in kept:
            apply_by = form.cleaned_data.get("apply_by")
            if start and apply_by and apply_by > start:
                form.add_error(
                    "apply_by", _("The apply-by date must not be after the first shoot day.")
                )
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.applications.exists():
                raise forms.ValidationError(
                    _("“%(role)s” has applications: it cannot be removed.")
                    % {"role": form.instance.title}
                )


RoleFormSet = forms.inlineformset_factory(
    Shoot,
    Role,
    form=RoleForm,
    formset=BaseRoleFormSet,
    extra=0,
    min_num=1,
    max_num=30,
    # Never build more forms than that, whatever TOTAL_FORMS says (Django's default allows
    # 1,000 more: a request that took 30 seconds).
    absolute_max=30,
    validate_max=True,
    can_delete=True,
)


class ReportForm(forms.ModelForm):
    # One radio per reason, none ticked until the person picks one (a model field's choices
    # would add a blank "- Select an option -" radio, ticked).
    reason = forms.ChoiceField(
        label=Report._meta.get_field("reason").verbose_name,
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Report
        fields = ["reason", "details"]
        widgets = {"details": forms.Textarea(attrs={"rows": 4})}


class ReportDecisionForm(forms.Form):
    """The moderator's reason for acting on reports (emailed to the studio), or note for
    dismissing them (emailed to the reporters), and the confirmation."""

    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    confirm = forms.BooleanField(label=_("I have read the reports and the shoot"))

    def __init__(self, *args, acting: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        if acting:
            field.label = _("Why is the shoot cancelled? The studio receives this.")
        else:
            field.label = _("A note to the reporters (optional)")
            field.required = False


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("What must the studio change?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
