"""Browse and search: the filters of the role list, its sorts and its keyset pagination."""

from __future__ import annotations

import copy
import hashlib
import re
from datetime import date, datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jobboard.auth import signed_in_user
from jobboard.sql import prepared
from postings.choices import Department, PayUnit
from postings.models import City, Role

PAGE_SIZE = 20
PAGE_SQL_TTL = 600
# Counting every match of a broad search deep into a big table is slow; past this we say "1000+".
COUNT_CAP = 1000
COUNT_TTL = 600


class Sort:
    NEWEST = "newest"
    PAY = "pay"
    START = "start"
    APPLY_BY = "apply_by"
    CHOICES = [
        (NEWEST, _("Newest")),
        (PAY, _("Highest pay")),
        (START, _("Starting soonest")),
        (APPLY_BY, _("Apply-by soonest")),
    ]
    # The field each sort orders by (with the primary key as tie-breaker) and its direction;
    # every one is served by a partial index on listed roles (see Role.Meta.indexes).
    KEYS = {
        NEWEST: ("published_at", True),
        PAY: ("day_rate", True),
        START: ("start_date", False),
        APPLY_BY: ("apply_by", False),
    }


POSTED_WITHIN = [
    ("1", _("Last 24 hours")),
    ("3", _("Last 3 days")),
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
]


def cities_by_slug() -> dict[str, tuple[int, str, str]]:
    """Every city as ``slug: (id, Chinese name, English name)``, hubs first. Asked only when a
    search's SQL or its filter form is built, which the caches keyed by ContentVersion spare
    most requests."""
    return {
        slug: (pk, name_zh, name_en)
        for pk, slug, name_zh, name_en in City.objects.values_list(
            "pk", "slug", "name_zh", "name_en"
        )
    }


def city_choices() -> list[tuple[str, str]]:
    """The city filter's choices, named in the current language."""
    english = (get_language() or "").startswith("en")
    return [
        (slug, name_en if english else name_zh)
        for slug, (_pk, name_zh, name_en) in cities_by_slug().items()
    ]


class CheckFilter(django_filters.Filter):
    """A checkbox: ticked filters, unticked does nothing (never "only roles without...")."""

    field_class = forms.BooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        if self.method is not None:
            return super().filter(qs, value)
        return qs.filter(**{self.field_name: True})


class ShallowFields(dict):
    """A form's ``base_fields`` that copy shallowly. Django deep-copies every field for every
    form instance (most of a millisecond for this form); the search form's fields hold no
    per-request state (choices are computed when iterated, widgets render from fresh attribute
    dicts, errors live on the form), so shallow copies are enough."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(field) for name, field in self.items()}


class RoleFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The last free day must not be before the first."))
        return cleaned


class RoleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Keywords"),
        method="filter_q",
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("e.g. 灯光助理, gaffer, 横店")}
        ),
    )
    department = django_filters.MultipleChoiceFilter(
        label=_("Departments"),
        choices=Department.choices,
        widget=forms.CheckboxSelectMultiple,
        method="filter_departments",
    )
    city = django_filters.MultipleChoiceFilter(
        label=_("Cities"),
        choices=city_choices,
        widget=forms.CheckboxSelectMultiple,
        method="filter_cities",
    )
    start = django_filters.DateFilter(
        label=_("Free from"),
        method="filter_dates",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = django_filters.DateFilter(
        label=_("Free until"),
        method="filter_dates",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    fits_me = CheckFilter(label=_("Only roles that fit my availability"), method="filter_fits_me")
    min_pay = django_filters.NumberFilter(
        label=_("Minimum pay per day (¥)"),
        field_name="day_rate",
        lookup_expr="gte",
        min_value=0,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 50}),
    )
    pay_unit = django_filters.ChoiceFilter(
        label=_("Pay unit"), choices=PayUnit.choices, empty_label=_("Any")
    )
    newcomers = CheckFilter(label=_("Newcomers welcome"), field_name="newcomers_welcome")
    meals = CheckFilter(label=_("Meals provided"), field_name="shoot__meals_provided")
    lodging = CheckFilter(label=_("Lodging provided"), field_name="shoot__lodging_provided")
    verified = CheckFilter(label=_("Verified studios only"), field_name="studio_verified")
    pays_on_time = CheckFilter(
        label=_("Studios that pay on time"), field_name="studio_pays_on_time"
    )
    posted = django_filters.ChoiceFilter(
        label=_("Posted"), choices=POSTED_WITHIN, method="filter_posted", empty_label=_("Any time")
    )
    sort = django_filters.ChoiceFilter(
        label=pgettext_lazy("search results", "Sort by"),
        choices=Sort.CHOICES,
        method="filter_nothing",
        empty_label=None,
    )

    class Meta:
        model = Role
        fields: list[str] = []
        form = RoleFilterForm

    _form_classes: dict = {}

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # As django-filter's own __init__, but with shallow copies of the declared filters: it
        # deep-copies them for every request (about a millisecond), and ours keep no state
        # of their own beyond ``model`` and ``parent``.
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset if queryset is not None else Role.objects.all()
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = self.queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method  # rebinds its FilterMethod to this copy
        if not self.signed_in:
            # Only a signed-in crew member has a calendar to fit.
            del self.filters["fits_me"]

    @property
    def signed_in(self) -> bool:
        return self.request is not None and signed_in_user(self.request) is not None

    def get_form_class(self):
        """One form class per set of filters, built once (django-filter builds one per
        request); form instances still get their own copies of its fields."""
        key = (type(self), tuple(self.filters))
        if key not in self._form_classes:
            form_class = super().get_form_class()
            form_class.base_fields = ShallowFields(form_class.base_fields)
            self._form_classes[key] = form_class
        return self._form_classes[key]

    def filter_departments(self, queryset, name, value):
        return queryset.in_departments(value) if value else queryset

    def filter_cities(self, queryset, name, value):
        ids = cities_by_slug()
        return queryset.in_cities([ids[slug][0] for slug in value]) if value else queryset

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_dates(self, queryset, name, value):
        # Both dates are applied once, together, by ``filter_queryset``.
        return queryset

    def filter_fits_me(self, queryset, name, value):
        # django-filter calls a method filter with False too (False is not one of its empty
        # values): an unticked box must filter nothing.
        if not value:
            return queryset
        return queryset.fitting(self.request.user.pk)

    def filter_posted(self, queryset, name, value):
        return queryset.filter(published_at__gte=timezone.now() - timedelta(days=int(value)))

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("start") or data.get("end"):
            queryset = queryset.within(data.get("start"), data.get("end"))
        return queryset

    @property
    def sort_order(self) -> str:
        value = self.cleaned("sort")
        return value if value in Sort.KEYS else Sort.NEWEST

    def cleaned(self, name: str):
        """A filter's validated value (None when unbound, invalid or not offered)."""
        if not self.is_bound or name not in self.filters:
            return None
        self.form.is_valid()  # validates once
        return self.form.cleaned_data.get(name)

    def raw_values(self) -> dict[str, list[str]]:
        """Each filter's value as its form field reads it from the parameters (the last of a
        repeated single value, every value of a multiple choice), without validation: what
        the search does is a function of these alone. Empty values are left out."""
        values = {}
        for name, field in self.get_form_class().base_fields.items():
            value = field.widget.value_from_datadict(self.data, {}, name)
            items = value if isinstance(value, list | tuple) else [value]
            items = sorted({str(item) for item in items if item not in (None, "", False)})
            if items:
                values[name] = items
        return values

    def canonical_query(self) -> str:
        """The search as a query string in a fixed order (see ``raw_values``): two requests
        with the same canonical query get the same results and the same form."""
        return urlencode([(name, v) for name, items in self.raw_values().items() for v in items])

    @property
    def is_personal(self) -> bool:
        """Whether the results may depend on who asks (their calendar): a signed-in person
        with the box ticked, or with any value that might tick it (a key more specific than
        needed is harmless; one less specific serves one person's results to another)."""
        return self.signed_in and "fits_me" in self.raw_values()

    @property
    def moves_with_the_clock(self) -> bool:
        """A "posted within" window: its results change as time passes, not only with writes."""
        return "posted" in self.raw_values()

    def cache_key(self, version: int) -> str | None:
        """What decides this search's results, count and form: the canonical query, who asks
        when it is personal, whether a calendar can be fitted, the content version and the
        day (apply-by dates close roles at midnight); None when its results move with the
        clock and must not be cached."""
        if self.moves_with_the_clock:
            return None
        key = f"{self.canonical_query()}|v={version}|day={timezone.localdate().isoformat()}"
        key += f"|signed_in={self.signed_in}"
        if self.is_personal:
            key += f"|user={self.request.user.pk}"
        return key

    @property
    def has_filters(self) -> bool:
        return any(value for name, value in self.data.items() if name not in {"sort", "after"})


def listed_roles():
    """What every listing starts from: open roles with what a card shows."""
    return Role.objects.listed().select_related("shoot__studio", "city")


# --- Keyset pagination --------------------------------------------------------------------------
# "Next page" links carry the sort key and id of the last role shown, so page 500 costs the same
# index range scan as page 1 (no OFFSET).


def _encode(value) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def cursor_for(role: Role | dict, sort: str) -> str:
    field, _descending = Sort.KEYS[sort]
    if isinstance(role, dict):
        return f"{_encode(role[field])}~{role['id']}"
    return f"{_encode(getattr(role, field))}~{role.pk}"


# A cursor's id: ASCII digits only ("²".isdigit() is True, and int() refuses it).
_CURSOR_ID = re.compile(r"[0-9]{1,18}", re.ASCII)
_CURSOR_INT = re.compile(r"[0-9]{1,10}", re.ASCII)


def _decode(raw: str, sort: str):
    """``(value, pk)`` from a cursor, or None when it is malformed (we then start over). The
    grammar is strict: ``<value>~<id>`` with an ASCII id; the value an ISO date and time with
    its offset (newest), an ISO date (start, apply-by) or ASCII digits (pay)."""
    field, _descending = Sort.KEYS[sort]
    value, sep, pk = (raw or "").rpartition("~")
    if not sep or len(raw) > 80 or not _CURSOR_ID.fullmatch(pk) or not value.isascii():
        return None
    try:
        if field == "published_at":
            parsed = datetime.fromisoformat(value)
            if timezone.is_naive(parsed):
                return None
        elif field in {"start_date", "apply_by"}:
            parsed = date.fromisoformat(value)
        else:
            if not _CURSOR_INT.fullmatch(value):
                return None
            parsed = int(value)
            if not 0 <= parsed <= 2_000_000_000:
                return None
    except (ValueError, OverflowError):
        return None
    return parsed, int(pk)


def _order(sort: str) -> list[str]:
    field, descending = Sort.KEYS[sort]
    return [f"-{field}", "-pk"] if descending else [field, "pk"]


def page_queryset(queryset, sort: str, after: str | None):
    """The rows of one page (and one more, to know whether there is a next page) after the
    cursor, and whether the cursor was valid (a later page)."""
    field, descending = Sort.KEYS[sort]
    queryset = queryset.order_by(*_order(sort))
    decoded = _decode(after, sort) if after else None
    if decoded:
        value, pk = decoded
        op = "lt" if descending else "gt"
        # "(field, pk) after (value, pk)", written so that the bound on the field alone
        # ("lte"/"gte") lets PostgreSQL start the index scan at the cursor instead of at the
        # first row: deep pages cost what page 1 costs.
        queryset = queryset.filter(
            Q(**{f"{field}__{op}e": value}),
            Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk}),
        )
    return queryset[: PAGE_SIZE + 1], bool(decoded)


def _split(rows: list, sort: str):
    next_cursor = cursor_for(rows[PAGE_SIZE - 1], sort) if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], next_cursor


def paginate(queryset, sort: str, after: str | None):
    """One page of roles after the cursor, the cursor of the next page (or None) and whether
    this is a later page."""
    queryset, is_later_page = page_queryset(queryset, sort, after)
    rows, next_cursor = _split(list(queryset), sort)
    return rows, next_cursor, is_later_page


class CompiledPage(NamedTuple):
    sql: str | None  # None: the filters can match nothing
    params: tuple | None  # None: the values are written into the SQL
    sort: str
    is_later_page: bool
    has_errors: bool  # some parameters were invalid (and not applied)
    # Whether to run it as a prepared statement, planned once per connection (see
    # jobboard.sql.prepared): planning costs PostgreSQL more than running a page.
    prepare: bool = False


def compiled_page(filterset: RoleFilter, after: str | None, version: int) -> CompiledPage:
    """The SQL of one page of the role list's key columns (postings.cards.KEY_FIELDS).

    Building a filtered queryset and compiling it costs the ORM a few milliseconds, more than
    PostgreSQL takes to run it; the SQL of a search is a pure function of what
    ``RoleFilter.cache_key`` holds and the cursor, so each process keeps what it compiled for
    PAGE_SQL_TTL. Only the SQL is kept: every request still runs it, and sees the current
    roles. The form is validated only when the SQL is compiled.

    The statement is prepared when one plan is right for it every time:
    - an unfiltered page (only sorted, perhaps from a cursor) has the same best plan whatever
      its cursor, so it runs with parameters and is prepared at once;
    - a filter's best plan may depend on its values (a rare city, a high minimum pay, a
      keyword: a generic plan would walk the whole sort index for them), so a filtered page
      has its values written into its SQL (as Django's client-side binding does) and is
      prepared from its second run in this process: a plan made for those values, kept for
      the searches people repeat. psycopg keeps at most 100 per connection, dropping the
      least recently used."""
    from postings.cards import KEY_FIELDS

    search_key = filterset.cache_key(version)
    searches = caches["searches"]
    key = None
    if search_key is not None:
        page_key = f"{search_key}|after={after or ''}"
        key = "role-page-sql:" + hashlib.sha256(page_key.encode()).hexdigest()
    page = searches.get(key) if key else None
    if page is not None and page.params is None:
        return page._replace(prepare=True)  # seen before: worth planning once
    if page is None:
        # The page's ids first, then their key columns: PostgreSQL joins the shoot and the
        # studio for the 21 rows of the page, not for every match it sorts.
        sort = filterset.sort_order
        ids, is_later_page = page_queryset(filterset.qs.values("pk"), sort, after)
        queryset = Role.objects.filter(pk__in=ids).values(*KEY_FIELDS).order_by(*_order(sort))
        try:
            sql, params = queryset.query.get_compiler(queryset.db).as_sql()
            params = tuple(params)
        except EmptyResultSet:
            sql, params = None, ()
        has_errors = filterset.is_bound and bool(filterset.form.errors)
        # An unfiltered first page is planned once and prepared at once (its only value is the
        # day, which its key holds); any other page (a search, a later page by its cursor)
        # from its second run. Values written in, so that each is planned for them: a generic
        # plan with the day as a parameter cost a deep page a tenth of its speed.
        prepare = not filterset.has_filters and not is_later_page
        if sql is not None and key:
            sql, params = connection.ops.compose_sql(sql, params), None
        page = CompiledPage(sql, params, sort, is_later_page, has_errors, prepare)
        if key:
            searches.set(key, page, PAGE_SQL_TTL)
    return page


def fetch_page(page: CompiledPage) -> tuple[list[dict], str | None]:
    """Run a compiled page: its rows (as ``QuerySet.values`` gives them) and the next cursor."""
    rows = []
    if page.sql is not None:
        with connection.cursor() as cursor, prepared(page.prepare):
            cursor.execute(page.sql, page.params)
            names = [column.name for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return _split(rows, page.sort)


def capped_count(queryset, cache_key: str | None = None) -> tuple[int, bool]:
    """The number of matches up to COUNT_CAP, and whether there are more. With ``cache_key``
    (a search's ``RoleFilter.cache_key``, which changes with every write to what it counts)
    the count is kept for COUNT_TTL. ``queryset`` may be a function that returns it, called
    only when the count is not cached."""
    searches = caches["searches"]
    key = None
    if cache_key is not None:
        key = "role-count:" + hashlib.sha256(cache_key.encode()).hexdigest()
    count = searches.get(key) if key else None
    if count is None:
        if callable(queryset):
            queryset = queryset()
        count = queryset.order_by()[: COUNT_CAP + 1].count()
        if key:
            searches.set(key, count, COUNT_TTL)
    return min(count, COUNT_CAP), count > COUNT_CAP


class Listing(NamedTuple):
    """One page of the role list, as ``role_listing`` serves it."""

    filter: RoleFilter
    rows: list  # postings.cards.Row
    cards: str  # their rendered cards
    count: int
    more: bool  # more than ``count``
    next_cursor: str | None
    is_later_page: bool
    has_errors: bool
    # The key of everything the page's body shows (with the language and whether someone is
    # signed in), and of its filter form; the canonical search, for alerts.
    body_key: str
    form_key: str
    query: str


def role_listing(params: QueryDict, request, after: str | None) -> Listing:
    """A page of open roles for the list page's parameters, as ``request``'s user sees it,
    after the cursor ``after``.

    Its parts come from per-process caches whose keys hold everything they depend on (see
    docs/caches.md): the page's SQL (``compiled_page``), the count, the cards
    (postings.cards) and, in the template, the body and the filter form. The ContentVersion is
    read first, so that nothing cached under it is older than it."""
    from jobboard.models import content_version
    from postings.cards import Row, render_cards

    version = content_version()
    filterset = RoleFilter(params or None, queryset=Role.objects.listed(), request=request)
    page = compiled_page(filterset, after, version)
    rows, next_cursor = fetch_page(page)
    rows = [Row(row) for row in rows]
    search_key = filterset.cache_key(version)
    count, more = capped_count(lambda: filterset.qs, cache_key=search_key)
    cards, cards_key = render_cards(rows, version)
    raw = params.urlencode()  # the links of the body are built from the parameters as given
    body_key = "|".join(map(str, [raw, search_key, cards_key, count, more, next_cursor]))
    if search_key is None:
        body_key += f"|now={timezone.now().isoformat()}"  # never the same twice
    return Listing(
        filter=filterset,
        rows=rows,
        cards=cards,
        count=count,
        more=more,
        next_cursor=next_cursor,
        is_later_page=page.is_later_page,
        has_errors=page.has_errors,
        body_key=hashlib.sha256(body_key.encode()).hexdigest(),
        form_key=hashlib.sha256(f"{search_key or body_key}|{count}|{more}".encode()).hexdigest(),
        query=filterset.canonical_query(),
    )
