from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.cv import validate_cv
from accounts.models import Credit, CrewProfile, Studio, StudioMembership, Unavailability, User
from postings.choices import Department
from postings.models import City


class SignupForm(AllauthSignupForm):
    """allauth's sign-up plus a name and what the person comes for. Crew get an (empty) crew
    profile straight away; studio people register their studio after verifying their email."""

    class Intent:
        CREW = "crew"
        STUDIO = "studio"

    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    intent = forms.ChoiceField(
        label=_("I am here to"),
        choices=[
            (Intent.CREW, _("Look for crew work")),
            (Intent.STUDIO, _("Hire crew for a studio")),
        ],
        widget=forms.RadioSelect,
        initial=Intent.CREW,
    )

    field_order = ["name", "email", "password1", "password2", "intent"]

    def save(self, request):
        user = super().save(request)
        user.name = self.cleaned_data["name"].strip()
        language = get_language() or ""
        if language in dict(User._meta.get_field("preferred_language").choices):
            user.preferred_language = language
        user.save(update_fields=["name", "preferred_language"])
        if self.cleaned_data["intent"] == self.Intent.CREW:
            CrewProfile.objects.get_or_create(user=user)
        return user


class CrewProfileForm(forms.ModelForm):
    """The crew profile, the person's name (kept on the user) and an optional new CV."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("Optional. Only a studio that books you sees it, with your WeChat ID."),
    )
    departments = forms.MultipleChoiceField(
        label=_("Departments"),
        choices=Department.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    new_cv = forms.FileField(
        label=_("CV (PDF, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=_("Only studios you apply to, or that you allow below, can open it."),
    )

    class Meta:
        model = CrewProfile
        fields = [
            "headline",
            "departments",
            "home_city",
            "work_cities",
            "experience_level",
            "school",
            "major",
            "graduation_year",
            "bio",
            "showreel_url",
            "portfolio_url",
            "expected_day_rate",
            "own_kit",
            "wechat_id",
            "visibility",
        ]
        widgets = {
            "work_cities": forms.CheckboxSelectMultiple,
            "visibility": forms.RadioSelect,
            "bio": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["name"].initial = user.name
        self.fields["phone"].initial = user.phone
        cities = City.objects.all()
        self.fields["home_city"].queryset = cities
        self.fields["work_cities"].queryset = cities
        self.fields["visibility"].help_text = _(
            "Off until you turn it on. When on, members of verified studios can find your "
            "profile (name, departments, cities, credits, expected rate; never your phone, "
            "email or CV) in their crew search and invite you to apply. You can block a studio "
            "from any invitation."
        )
        self.order_fields(["name"])

    def clean_new_cv(self):
        upload = self.cleaned_data.get("new_cv")
        if upload:
            validate_cv(upload)
        return upload


CreditFormSet = inlineformset_factory(
    CrewProfile,
    Credit,
    fields=["production_title", "role", "year", "studio_name", "link"],
    extra=1,
    can_delete=True,
    max_num=50,
)


class UnavailabilityForm(forms.ModelForm):
    class Meta:
        model = Unavailability
        fields = ["start_date", "end_date", "note"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, profile: CrewProfile, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.profile = profile
        self.fields["end_date"].required = False
        self.fields["end_date"].help_text = _("Leave empty for a single day.")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and not end:
            end = data["end_date"] = start
            self.instance.end_date = end
        if start and end:
            if end < start:
                self.add_error("end_date", _("The last day cannot be before the first day."))
            elif (end - start).days > 365:
                self.add_error("end_date", _("Mark at most a year at a time."))
            elif (
                Unavailability.objects.filter(profile=self.instance.profile)
                .filter(start_date__lte=end, end_date__gte=start)
                .exists()
            ):
                raise forms.ValidationError(
                    _("Some of these days are already marked as unavailable."),
                    code="overlap",
                )
        return data

    def validate_unique(self):
        # Overlaps (and so duplicates) are refused in clean() with a clearer message.
        pass


class StudioForm(forms.ModelForm):
    class Meta:
        model = Studio
        fields = ["name", "city", "credit_code", "website", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the recruiter"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, studio: Studio, **kwargs):
        super().__init__(*args, **kwargs)
        self.studio = studio

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if StudioMembership.objects.filter(studio=self.studio, user__email__iexact=email).exists():
            raise forms.ValidationError(_("This person is already in your team."))
        if self.studio.invitations.filter(email__iexact=email, accepted_at__isnull=True).exists():
            raise forms.ValidationError(_("This person has already been invited."))
        return email


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my profile, CVs and personal details will be erased."),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


class RoleInviteForm(forms.Form):
    """A studio member invites a crew member found in crew search to one of their studio's
    roles that take applications."""

    crew = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ModelChoiceField(label=_("Invite to"), queryset=None, empty_label=None)
    message = forms.CharField(
        label=_("A short message (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles
        self.fields["role"].label_from_instance = lambda role: f"{role.title} · {role.shoot.title}"
