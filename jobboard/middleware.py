from django.conf import settings
from django.utils.cache import add_never_cache_headers, patch_cache_control


def private_cache_middleware(get_response):
    """Pages seen by a signed-in user are never stored by a browser or a shared cache.

    Only a request that carries a session cookie can be signed in, so anonymous requests are
    decided without touching the session (which would add ``Vary: Cookie``)."""

    def middleware(request):
        response = get_response(request)
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response

    return middleware


def staff_second_factor_middleware(get_response):
    """A staff member without an activated TOTP authenticator is sent to set one up before any
    admin page (the admin's own login and logout excepted)."""
    from allauth.mfa.models import Authenticator
    from django.shortcuts import redirect
    from django.urls import reverse

    def middleware(request):
        # Without a session cookie nobody is signed in: decide so without loading the session
        # (which would add ``Vary: Cookie`` to every anonymous page).
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            admin_root = reverse("admin:index")
            exempt = {reverse("admin:login"), reverse("admin:logout")}
            if request.path.startswith(admin_root) and request.path not in exempt:
                has_totp = Authenticator.objects.filter(
                    user=user, type=Authenticator.Type.TOTP
                ).exists()
                if not has_totp:
                    return redirect("mfa_activate_totp")
        return get_response(request)

    return middleware
