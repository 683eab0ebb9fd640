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
