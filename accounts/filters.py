"""Crew search for verified studios: crew who let verified studios find them, filtered by
department, role, the cities they work in, free dates (their unavailable days and bookings
both count), credits, newcomers and expected day rate; sorted by fit, credits or activity.
Never their contact details: results show what the profile shows a studio applied to."""

from __future__ import annotations

import copy

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import CrewProfile
from postings.choices import Department, ExperienceLevel
from postings.filters import CheckFilter
from postings.models import City

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CrewFilter(django_filters.FilterSet):
    department = django_filters.ChoiceFilter(
        label=_("Department"),
        choices=Department.choices,
        method="filter_department",
        empty_label=_("Any department"),
    )
    role = django_filters.CharFilter(
        label=_("Role or skill"),
        method="filter_role",
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 灯光助理, gaffer, make-up")}),
    )
    city = django_filters.ModelChoiceFilter(
        label=_("Works in"),
        queryset=City.objects.all(),
        to_field_name="slug",
        method="filter_city",
        empty_label=_("Any city"),
    )
    start = django_filters.DateFilter(label=_("Free from"), method="filter_nothing", widget=DATE)
    end = django_filters.DateFilter(label=_("Free until"), method="filter_nothing", widget=DATE)
    credits = django_filters.ChoiceFilter(
        label=_("Credits"),
        choices=[("1", _("At least one")), ("3", _("At least three"))],
        method="filter_credits",
        empty_label=_("Any"),
    )
    newcomers = CheckFilter(label=_("Newcomers only"), method="filter_newcomers")
    max_rate = django_filters.NumberFilter(
        label=_("Expected day rate up to (¥)"),
        method="filter_max_rate",
        min_value=0,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 50}),
    )
    sort = django_filters.ChoiceFilter(
        label=pgettext_lazy("search results", "Sort by"),
        choices=[
            ("fit", _("Best fit")),
            ("credits", _("Most credits")),
            ("active", _("Recently active")),
        ],
        method="filter_nothing",
        empty_label=None,
    )

    class Meta:
        model = CrewProfile
        fields: list[str] = []

    def filter_nothing(self, queryset, name, value):
        return queryset  # applied together in ``filter_queryset``

    def filter_department(self, queryset, name, value):
        return queryset.filter(departments__contains=[value])

    def filter_role(self, queryset, name, value):
        words = " ".join(value.split())
        return queryset.filter(Q(headline__icontains=words) | Q(bio__icontains=words))

    def filter_city(self, queryset, name, value):
        # Their home city or one of their work cities (CrewProfile.works_in holds both).
        return queryset.filter(works_in__contains=[value.pk])

    def filter_credits(self, queryset, name, value):
        wanted = int(value)
        total = F("confirmed_credits") + F("listed_credits")  # as "most credits" counts
        return queryset.alias(credit_total=total).filter(credit_total__gte=wanted)

    def filter_newcomers(self, queryset, name, value):
        # A method replaces CheckFilter.filter: unticked must filter nothing here too.
        if not value:
            return queryset
        return queryset.filter(experience_level=ExperienceLevel.NEWCOMER)

    def filter_max_rate(self, queryset, name, value):
        return queryset.filter(Q(expected_day_rate__lte=value) | Q(expected_day_rate__isnull=True))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start or end:
            start, end = start or end, end or start
            if end < start:
                start, end = end, start
            queryset = queryset.free_between(start, end)
        city = data.get("city")
        in_city = (
            Case(When(home_city=city, then=Value(1)), default=Value(0), output_field=IntegerField())
            if city
            else Value(0)
        )
        queryset = queryset.annotate(
            in_city=in_city, all_credits=F("confirmed_credits") + F("listed_credits")
        )
        sort = data.get("sort") or "fit"
        last_seen = F("user__last_login").desc(nulls_last=True)
        order = {
            "fit": ["-in_city", "-confirmed_credits", "-listed_credits", last_seen, "pk"],
            "credits": ["-all_credits", "-confirmed_credits", last_seen, "pk"],
            "active": [last_seen, "pk"],
        }[sort]
        return queryset.order_by(*order)

    _form_class = None

    @classmethod
    def form_class(cls):
        """The search's form class, built once (django-filter builds one per request); each
        form still gets its own copies of the fields (and a fresh query for the cities)."""
        if cls._form_class is None:
            filters = copy.deepcopy(cls.base_filters)
            fields = {name: filter_.field for name, filter_ in filters.items()}
            cls._form_class = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
        return cls._form_class

    def get_form_class(self):
        return self.form_class()

    @classmethod
    def raw(cls, data, name: str):
        """A filter's value as its form field reads it from the parameters (the last of a
        repeated value), not validated."""
        field = cls.form_class().base_fields[name]
        return field.widget.value_from_datadict(data, {}, name)

    @classmethod
    def canonical_query(cls, data) -> str:
        """The search in ``data`` as a query string in a fixed order, each filter's value as
        its field reads it (empty ones left out): two requests with the same canonical query
        find the same people and show the same form. Needs no FilterSet (nor its queryset)."""
        if not data:
            return ""
        values = ((name, cls.raw(data, name)) for name in cls.form_class().base_fields)
        return urlencode([(name, str(v)) for name, v in values if v not in (None, "", False)])

    @classmethod
    def dates_of(cls, data):
        """The date range searched, (start, end), as ``filter_queryset`` applies it (each date
        as its field cleans it, an invalid one ignored), or None. Reads only the two dates."""
        if not data:
            return None
        fields = cls.form_class().base_fields
        found = []
        for name in ("start", "end"):
            try:
                found.append(fields[name].clean(cls.raw(data, name)))
            except forms.ValidationError:
                found.append(None)
        start, end = found
        if not (start or end):
            return None
        start, end = start or end, end or start
        return (min(start, end), max(start, end))

    @property
    def dates(self):
        """The date range searched (``dates_of``), or None."""
        return self.dates_of(self.data if self.is_bound else None)
