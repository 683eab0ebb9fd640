from django.conf import settings
from django.utils.functional import SimpleLazyObject


def viewer(request):
    """``signed_in`` for templates, decided without loading a session when the request has no
    session cookie: reading the session adds ``Vary: Cookie``, which stops shared caches from
    serving anonymous pages."""

    def signed_in() -> bool:
        return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated

    return {"signed_in": SimpleLazyObject(signed_in)}
