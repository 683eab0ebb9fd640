from django.contrib.auth import middleware as auth_middleware
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import SimpleLazyObject

from jobboard.auth import signed_in_user
from jobboard.sql import prepared


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with the signed-in user's session and account read by prepared statements:
    both are found by their key, so one plan serves every request (see jobboard.sql)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))


def _user(request):
    with prepared():
        return auth_middleware.get_user(request)


def private_cache_middleware(get_response):
    """Pages seen by a signed-in user are never stored by a browser or a shared cache.

    Anonymous requests are decided without touching the session (see signed_in_user)."""

    def middleware(request):
        response = get_response(request)
        if signed_in_user(request) is not None:
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
        user = signed_in_user(request)
        if user is not None and user.is_staff:
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
