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
    """Every response says how it may be cached (README, "Caching and a CDN"):

    - pages seen by a signed-in user: never stored by a browser or a shared cache;
    - an anonymous page that is the same for everyone (no cookie read, none set) and answered
      200 to a GET: ``public``; a shared cache (a CDN) may keep it ``PUBLIC_CACHE_SECONDS``,
      then serve it stale while it asks again; a browser asks again each time (``max-age=0``),
      so that a person who just posted, applied or signed in never sees an older page;
    - any other anonymous answer (a form with its CSRF cookie, a redirect, an error): private.

    Anonymous requests are decided without touching the session (see signed_in_user). A view
    that sets Cache-Control itself keeps it."""
    from django.conf import settings
    from django.utils.cache import has_vary_header

    def middleware(request):
        response = get_response(request)
        if signed_in_user(request) is not None:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        elif not response.has_header("Cache-Control"):
            shared = (
                request.method in ("GET", "HEAD")
                and response.status_code == 200
                and not response.cookies
                and not has_vary_header(response, "Cookie")
            )
            if shared:
                patch_cache_control(
                    response,
                    public=True,
                    max_age=0,
                    s_maxage=settings.PUBLIC_CACHE_SECONDS,
                    stale_while_revalidate=settings.PUBLIC_CACHE_SECONDS,
                )
            else:
                add_never_cache_headers(response)
                patch_cache_control(response, private=True)
        return response

    return middleware


def second_factor_passed(request, user) -> bool:
    """Whether this session passed the second factor: allauth records each way a session
    authenticated, an authenticator code ("mfa") among them, for the signed-in user."""
    from allauth.account.authentication import get_authentication_records

    return any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user)
    )


def staff_second_factor_middleware(get_response):
    """Staff powers need a session that passed the second factor.

    The request's user is marked (``second_factor_passed``), and ``User.has_staff_powers``,
    which every staff power asks, reads it: until the session passes, a staff account is an
    ordinary user on every page. The admin sends such a session to set up an authenticator
    (none yet) or to give a code (``mfa_reauthenticate``), then back."""
    from allauth.mfa.models import Authenticator
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import urlencode

    def middleware(request):
        user = signed_in_user(request)
        if user is not None and user.is_staff:
            passed = second_factor_passed(request, user)
            user.second_factor_passed = passed
            admin_root = reverse("admin:index")
            exempt = {reverse("admin:login"), reverse("admin:logout")}
            if not passed and request.path.startswith(admin_root) and request.path not in exempt:
                has_totp = Authenticator.objects.filter(
                    user=user, type=Authenticator.Type.TOTP
                ).exists()
                if not has_totp:
                    return redirect("mfa_activate_totp")
                next_url = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('mfa_reauthenticate')}?{next_url}")
        return get_response(request)

    return middleware
