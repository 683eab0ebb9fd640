from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.cv import validate_cv


class ApplyForm(forms.Form):
    PROFILE_CV = "profile"
    UPLOAD_CV = "upload"

    note = forms.CharField(
        label=_("A short note to the studio"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why you fit this role, your kit, when you can arrive."),
    )
    cv_choice = forms.ChoiceField(
        label=_("CV"),
        widget=forms.RadioSelect,
        choices=[
            (PROFILE_CV, _("Send the CV on my profile")),
            (UPLOAD_CV, _("Upload another PDF")),
        ],
    )
    cv_file = forms.FileField(
        label=_("CV for this application (PDF, at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    dates_confirmed = forms.BooleanField(label=_("I can work every day of the shoot"))
    consent = forms.BooleanField(label="")

    def __init__(self, *args, profile, studio, start_date, end_date, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile = profile
        self.fields["dates_confirmed"].label = _(
            "I can work every day of the shoot, %(start)s – %(end)s"
        ) % {"start": start_date.isoformat(), "end": end_date.isoformat()}
        self.fields["consent"].label = _(
            "I agree to share my profile and CV with %(studio)s for this role"
        ) % {"studio": studio.name}
        has_profile_cv = bool(profile and profile.cv)
        if has_profile_cv:
            self.fields["cv_choice"].initial = self.PROFILE_CV
            self.fields["cv_choice"].choices = [
                (
                    self.PROFILE_CV,
                    _("Send the CV on my profile (%(name)s)")
                    % {"name": profile.cv_name or "CV.pdf"},
                ),
                (self.UPLOAD_CV, _("Upload another PDF")),
            ]
        else:
            self.fields["cv_choice"].choices = [(self.UPLOAD_CV, _("Upload a PDF"))]
            self.fields["cv_choice"].initial = self.UPLOAD_CV

    def clean_cv_file(self):
        upload = self.cleaned_data.get("cv_file")
        if upload:
            validate_cv(upload)
        return upload

    def clean(self):
        data = super().clean()
        if (
            data.get("cv_choice") == self.UPLOAD_CV
            and not data.get("cv_file")
            and "cv_file" not in self.errors
        ):
            self.add_error("cv_file", _("Choose a PDF to upload."))
        return data


class MessageForm(forms.Form):
    """An optional message to the applicant (reject, offer) or a note (release)."""

    message = forms.CharField(
        label=_("Message to the applicant (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PrivateNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Private note (only your studio sees it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkRejectForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=_("Applications"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    message = forms.CharField(
        label=_("One message to everyone not selected (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = queryset


# --- After the wrap ------------------------------------------------------------------------


class WrapAnswerForm(forms.Form):
    """The crew member's answer: were they paid, in full and on time?"""

    paid = forms.ChoiceField(label=_("Were you paid?"), widget=forms.RadioSelect)
    days_late = forms.IntegerField(
        label=_("How many days late?"),
        required=False,
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Only for “paid in full, but late”."),
    )
    day_hours = forms.IntegerField(
        label=_("How many hours did a typical day run? (optional)"),
        required=False,
        min_value=1,
        max_value=24,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Counted from call time to wrap, breaks included."),
    )

    def __init__(self, *args, **kwargs):
        from applications.models import Wrap

        super().__init__(*args, **kwargs)
        self.fields["paid"].choices = Wrap.Paid.choices

    def clean(self):
        from applications.models import Wrap

        data = super().clean()
        if data.get("paid") == Wrap.Paid.LATE and not data.get("days_late"):
            self.add_error("days_late", _("Say how many days late the pay came."))
        return data


class WorkForm(forms.Form):
    """The studio: did the person work?"""

    worked = forms.ChoiceField(label=_("Did they work the shoot?"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        from applications.models import Wrap

        super().__init__(*args, **kwargs)
        self.fields["worked"].choices = Wrap.Worked.choices


class WrapReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer to the studio"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "You can answer once. Studios you apply to see it next to what this studio said."
        ),
    )


class DisputeAnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    paid = forms.BooleanField(
        label=_("We have paid in full: ask the crew member to confirm"), required=False
    )

    def clean(self):
        data = super().clean()
        if not data.get("text") and not data.get("paid"):
            raise forms.ValidationError(_("Write an answer, or say that you have paid."))
        return data


class TeamForm(forms.Form):
    name = forms.CharField(
        label=_("Team name"),
        max_length=60,
        help_text=_("How studios will know your unit, for example “Wang Qiang's lighting team”."),
    )


class TeamInviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Their email address"),
        help_text=_("They join by signing in (or signing up) with this address."),
    )


class TeamApplyForm(forms.Form):
    """The head places people of the team on roles of one shoot."""

    NOT_PLACED = ""

    note = forms.CharField(
        label=_("A short note to the studio"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How long the team has worked together, its kit, when it can arrive."),
    )
    dates_confirmed = forms.BooleanField(label=_("I can work every day of the shoot"))
    consent = forms.BooleanField(label="")

    def __init__(self, *args, people, roles, studio, **kwargs):
        super().__init__(*args, **kwargs)
        self.people, self.roles = people, {str(role.pk): role for role in roles}
        choices = [(self.NOT_PLACED, _("Not on this application"))] + [
            (str(role.pk), f"{role.title} · {role.start_date:%m-%d}–{role.end_date:%m-%d}")
            for role in roles
        ]
        for person in people:
            self.fields[f"place_{person.pk}"] = forms.ChoiceField(
                label=person.display_name, choices=choices, required=False
            )
        self.fields["consent"].label = _(
            "I agree to share my profile and CV with %(studio)s for this role"
        ) % {"studio": studio.name}

    def place_fields(self):
        return [self[f"place_{person.pk}"] for person in self.people]

    def clean(self):
        data = super().clean()
        places = {}
        for person in self.people:
            role = self.roles.get(data.get(f"place_{person.pk}") or "")
            if role is not None:
                places[person] = role
        if len(places) < 2:
            raise forms.ValidationError(_("Place at least two people of the team on roles."))
        data["places"] = places
        return data


class TeamConfirmForm(forms.Form):
    dates_confirmed = forms.BooleanField(label=_("I can work every day of the shoot"))
    consent = forms.BooleanField(
        label=_("I agree to share my profile and its CV with the studio for this place")
    )


ATTACHMENT_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}


class ThreadMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )
    attachment = forms.FileField(
        label=_("Attach a PDF or an image (at most 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/png,image/jpeg,image/webp"}
        ),
    )

    def clean_attachment(self):
        """Judged by its content, never its name: a PDF that opens, or a PNG, JPEG or WebP."""
        import filetype

        upload = self.cleaned_data.get("attachment")
        if not upload:
            return upload
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("Attachments must be 5 MB or smaller."))
        upload.seek(0)
        kind = filetype.guess(upload.read(2048))
        upload.seek(0)
        if kind is None or kind.mime not in ATTACHMENT_TYPES:
            raise forms.ValidationError(_("Attach a PDF, or a PNG, JPEG or WebP image."))
        if kind.mime == "application/pdf":
            validate_cv(upload)  # a PDF that opens (its messages name a CV; the rule is one)
        upload.content_kind = kind.mime
        return upload

    def clean(self):
        data = super().clean()
        empty = not (data.get("body") or "").strip() and not data.get("attachment")
        if empty and not self.errors:
            raise forms.ValidationError(_("Write a message or attach a file."))
        return data


class MessageEmailsForm(forms.Form):
    message_emails = forms.ChoiceField(label=_("Emails about new messages"), choices=())

    def __init__(self, *args, **kwargs):
        from accounts.models import User

        super().__init__(*args, **kwargs)
        self.fields["message_emails"].choices = User.MessageEmails.choices
        self.fields["message_emails"].help_text = User._meta.get_field("message_emails").help_text
