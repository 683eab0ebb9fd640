import sys

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@login_not_required
@require_safe
def home(request):
    return render(request, "home.html")


@login_not_required
@require_safe
@never_cache
def healthz(request):
    """The process answers. Says nothing about the database, on purpose: a load balancer
    should not kill healthy web workers because PostgreSQL is restarting."""
    return JsonResponse({"status": "ok"})


@login_not_required
@require_safe
@never_cache
def readyz(request):
    """Ready to serve: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def bad_request(request, exception=None):
    """400, in the site's style and the request's language. Django's own renders its template
    without the request; a request refused for its host cannot be asked for it either, so
    that one gets a plain page."""
    from django.core.exceptions import DisallowedHost

    if isinstance(exception, DisallowedHost):
        return HttpResponse("Bad request (400)", status=400, content_type="text/plain")
    return render(request, "400.html", status=400)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent without its token (expired, another browser, cookies
    off) says so and what to do, in the site's style."""
    return render(request, "403_csrf.html", status=403)


def error_page_middleware(get_response):
    """Responses that leave their body empty (405 from ``require_POST`` and its kind) get the
    site's page for their status. In development (DEBUG) a 404 is the site's own page too, as
    people will see it, unless a developer asks for Django's debug page (DEBUG_PAGES=1)."""
    from django.conf import settings
    from django.views.defaults import page_not_found

    def middleware(request):
        response = get_response(request)
        if response.status_code == 404 and settings.DEBUG and not settings.DEBUG_PAGES:
            return page_not_found(request, None)
        if response.status_code == 405 and not response.content and request.method != "HEAD":
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response

    return middleware


def request_too_large_middleware(get_response):
    """A request whose body is larger than MAX_REQUEST_BYTES is refused before anything reads
    it (uploads included, which DATA_UPLOAD_MAX_MEMORY_SIZE does not count): a translated
    413 page. Put the same limit on a proxy in front (README)."""
    from django.conf import settings

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            limit_mb = settings.MAX_REQUEST_BYTES // (1024 * 1024)
            response = render(request, "413.html", {"limit_mb": limit_mb}, status=413)
            response["Connection"] = "close"
            return response
        return get_response(request)

    return middleware


def set_language(request):
    """Django's ``set_language``, reading the page to come back to in its own language.

    Django translates ``next`` by resolving it in the active language, which is the one saved
    in the cookie: with English saved, a /zh-hans/ page did not resolve and the switch sent the
    person back to the Chinese page. The address's own prefix decides instead."""
    from urllib.parse import urlsplit

    from django.utils import translation
    from django.utils.translation import get_language_from_path
    from django.views import i18n

    next_url = request.POST.get("next", request.GET.get("next")) or ""
    language = get_language_from_path(urlsplit(next_url).path) or translation.get_language()
    with translation.override(language):
        return i18n.set_language(request)


def server_error(request):
    """500 handler, and 503 when the cause is an unreachable database.

    Rendered without the request's context processors, which would query the database (the
    signed-in user) and fail again."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "5"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


# The framework's ceiling, measured beside our pages by benchmarks/run.py (enabled only when
# BENCHMARK_VIEWS is set): a bare view, and a Fortunes-like page (one 20-row query, a small
# template).


@login_not_required
@require_safe
def bench_ok(request):
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@require_safe
def bench_fortunes(request):
    from postings.models import City

    cities = City.objects.order_by("pk").only("pk", "name_zh", "name_en")[:20]
    return render(request, "bench_fortunes.html", {"cities": cities})
