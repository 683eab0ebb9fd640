from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import CrewProfile
from accounts.tasks import send_rendered_email


class AccountAdapter(DefaultAccountAdapter):
    """Where people land after signing in, and allauth's emails through the tasks framework."""

    def get_login_redirect_url(self, request):
        user = request.user
        if user.studio_memberships.exists():
            return reverse("accounts:dashboard")
        profile = CrewProfile.objects.filter(user=user).first()
        if profile is None:
            # Signed up to hire: nothing to do before the studio is registered.
            return reverse("accounts:studio_create")
        if profile.missing():
            return reverse("accounts:profile_edit")
        return reverse("accounts:dashboard")

    def get_signup_redirect_url(self, request):
        return self.get_login_redirect_url(request)

    def get_email_verification_redirect_url(self, email_address):
        if self.request.user.is_authenticated:
            return self.get_login_redirect_url(self.request)
        return super().get_email_verification_redirect_url(email_address)

    @staticmethod
    def site() -> SimpleNamespace:
        """The site as allauth's emails name it ("Hello from 剧组通告!"): our name in the
        active language, and the host the request came to, as the links in those emails
        (SITE_URL's outside a request)."""
        from allauth.core import context as allauth_context

        request = allauth_context.request
        domain = request.get_host() if request else urlsplit(settings.SITE_URL).netloc
        return SimpleNamespace(name=_("Callsheet"), domain=domain)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Rendered here, in the recipient's language when we know them, and sent by a task
        so a slow mail server never holds up the page."""
        user = context.get("user")
        language = getattr(user, "preferred_language", "") or translation.get_language()
        with translation.override(language or settings.LANGUAGE_CODE):
            context = {"current_site": self.site(), "email": email, **context}
            message = self.render_mail(template_prefix, email, context)
        send_rendered_email.enqueue(
            to=list(message.to),
            subject=message.subject,
            body=message.body,
            from_email=message.from_email,
        )
