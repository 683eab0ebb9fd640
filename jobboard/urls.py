from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from jobboard import views
from postings.urls import sitemaps
from postings.views import robots_txt

# Choosing a language is harmless and open to everyone; exempting it from CSRF keeps the
# switcher form from setting a csrftoken cookie on every anonymous page.
set_language_view = login_not_required(csrf_exempt(views.set_language))

# The admin's login goes through allauth: rate-limited, and staff verify their email too.
admin.site.login = secure_admin_login(admin.site.login)
# The admin is Callsheet's moderation desk, not "Django administration".
admin.site.site_header = _("Callsheet moderation")
admin.site.site_title = _("Callsheet moderation")
admin.site.index_title = _("Moderation")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/setlang/", set_language_view, name="set_language"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        login_not_required(sitemap),
        {"sitemaps": sitemaps, "template_name": "postings/sitemap.xml"},
        name="sitemap",
    ),
]

if settings.BENCHMARK_VIEWS:
    urlpatterns += [
        path("bench/ok", views.bench_ok, name="bench_ok"),
        path("bench/fortunes", views.bench_fortunes, name="bench_fortunes"),
    ]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("postings.urls")),
    path("", include("applications.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    prefix_default_language=True,
)

handler400 = "jobboard.views.bad_request"
handler500 = "jobboard.views.server_error"
