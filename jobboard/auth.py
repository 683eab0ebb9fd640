from django.conf import settings


def signed_in_user(request):
    """The signed-in user, or None.

    A request without a session cookie cannot be signed in, and is decided without loading a
    session: reading one adds ``Vary: Cookie``, which stops shared caches from serving
    anonymous pages. (Alert matching passes a bare holder of ``user`` with no cookies.)"""
    cookies = getattr(request, "COOKIES", None)
    if cookies is not None and settings.SESSION_COOKIE_NAME not in cookies:
        return None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
