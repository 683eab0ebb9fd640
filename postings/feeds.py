import re

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from postings.filters import RoleFilter, listed_roles

FEED_SIZE = 50
XML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class RoleFeed(Feed):
    """The newest roles, or the newest roles of any search: the feed URL carries the same
    query string as the list page."""

    feed_type = Atom1Feed

    def get_object(self, request, *args, **kwargs):
        filterset = RoleFilter(request.GET or None, queryset=listed_roles(), request=request)
        query = request.GET.urlencode()
        return {
            "roles": filterset.qs,
            "query": query,
            "q": filterset.form.cleaned_data.get("q")
            if filterset.is_bound and filterset.form.is_valid()
            else "",
        }

    def title(self, obj):
        if obj["q"]:
            # Control characters typed into the search cannot go into XML 1.0: drop them.
            q = XML_CONTROL.sub("", obj["q"])
            return _("Callsheet roles: %(query)s") % {"query": q}
        return _("Newest crew roles on Callsheet")

    def subtitle(self, obj):
        return _("Paid crew roles on micro-drama shoots, with dates, city and pay.")

    def link(self, obj):
        url = reverse("postings:role_list")
        return f"{url}?{obj['query']}" if obj["query"] else url

    def items(self, obj):
        return obj["roles"].order_by("-published_at", "-pk")[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.title} · {item.shoot.title}"

    def item_description(self, item):
        return _("%(pay)s · %(start)s – %(end)s · %(city)s · %(studio)s") % {
            "pay": item.pay_display,
            "start": item.start_date.isoformat(),
            "end": item.end_date.isoformat(),
            "city": item.city.name,
            "studio": item.shoot.studio.name,
        }

    def item_pubdate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.shoot.studio.name
