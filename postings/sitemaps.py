from django.contrib.sitemaps import Sitemap

from postings.models import Role


class RoleSitemap(Sitemap):
    """Roles anyone can open and apply to: never drafts, shoots in review or hidden ones."""

    changefreq = "daily"
    limit = 5000
    i18n = True
    alternates = True

    def items(self):
        return Role.objects.listed().order_by("-published_at", "-pk").only("pk", "published_at")

    def lastmod(self, item):
        return item.published_at
