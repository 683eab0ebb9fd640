"""The keyword search is served by the trigram index, not a scan of the listed roles."""

from datetime import timedelta

import pytest
from django.db import connection

from postings.models import Role
from tests.factories import RoleFactory, published_role

pytestmark = pytest.mark.django_db

TITLES = ["摄影大助", "服装助理", "化妆师", "场务", "道具师", "录音师", "制片助理", "场记"]


def seed(count: int) -> None:
    shoot = published_role(title="灯光助理 Gaffer", description="Gaffer 灯光组长").shoot
    roles = []
    for n in range(count):
        role = RoleFactory.build(
            shoot=shoot,
            department="costume",
            title=f"{TITLES[n % len(TITLES)]} {n}",
            description=f"第{n}号岗位，现代都市短剧，包吃住。",
            apply_by=shoot.start_date,
            city_id=shoot.city_id,
            start_date=shoot.start_date,
            end_date=shoot.end_date,
            published_at=shoot.published_at - timedelta(minutes=n),
            listed=True,
            studio_verified=True,
            day_rate=400,
        )
        role.search_document = role.build_search_document(shoot)
        roles.append(role)
    Role.objects.bulk_create(roles, batch_size=1000)
    with connection.cursor() as cursor:
        # Move rows from GIN's pending list into the index proper, as autovacuum would.
        cursor.execute("SELECT gin_clean_pending_list('role_search_trgm'::regclass)")
        cursor.execute("SELECT gin_clean_pending_list('role_search_ascii_trgm'::regclass)")
        cursor.execute("SELECT gin_clean_pending_list('rolegrams_grams'::regclass)")
        cursor.execute("ANALYZE postings_role, postings_rolegrams")


@pytest.mark.parametrize("query", ["灯光助理", "gaffer 灯光"])
def test_keyword_search_uses_the_trigram_index(query):
    seed(6000)
    queryset = Role.objects.listed().search(query).order_by("-published_at", "-pk")
    assert queryset.count() == 1
    text = queryset.explain()
    assert "role_search_trgm" in text, text
    assert "Seq Scan" not in text, text


def test_a_rare_english_word_uses_the_ascii_trigram_index():
    seed(6000)
    queryset = Role.objects.listed().search("Gaffer").order_by("-published_at", "-pk")
    assert [r.title for r in queryset] == ["灯光助理 Gaffer"]
    text = queryset.explain()
    assert "role_search_ascii_trgm" in text, text
    assert "Seq Scan" not in text, text


def test_a_common_english_word_walks_the_newest_first_index():
    """Every seeded role is in the costume department: the first page is found by walking the
    default sort's index, which carries the ASCII text, and stopping after a page."""
    seed(6000)
    queryset = Role.objects.listed().search("costume").order_by("-published_at", "-pk")[:21]
    assert len(queryset) == 21
    text = queryset.explain()
    assert "role_listed_newest" in text, text
    assert "Seq Scan" not in text, text


@pytest.mark.parametrize(
    ("document", "query", "found"),
    [
        ("灯光助理gaffer灯光组", "gaffer", True),
        ("gaffer 灯光组长 best boy", "gaffer 灯光", True),  # not ASCII: the whole document
        ("punctual and hard-working; 新人可带", "hard-working;", True),
        ("grip 灯光 assistant", "grip assistant", False),  # Chinese between: no match
        ("grip灯光assistant", "grip assistant", False),
        ("grip灯光assistant", "gripassistant", False),
        ("day rate 800 元/天", "800 元", True),
        ("day rate 800 元/天", "800 /", False),
    ],
)
def test_ascii_queries_match_as_on_the_whole_document(document, query, found):
    """``search_ascii`` keeps the document's ASCII runs and puts a separator no query holds in
    place of the rest: an ASCII query finds exactly what a search of the whole document finds."""
    role = published_role()
    Role.objects.filter(pk=role.pk).update(search_document=document)
    assert Role.objects.listed().search(query).exists() is found
    assert Role.objects.listed().filter(search_document__contains=query.lower()).exists() is found


@pytest.mark.parametrize("query", ["灯光", "ff"])
def test_two_character_words_use_the_gram_index(query):
    """Most Chinese words have two characters, too few for a trigram."""
    seed(6000)
    queryset = Role.objects.listed().search(query).order_by("-published_at", "-pk")
    assert [r.title for r in queryset] == ["灯光助理 Gaffer"]
    text = queryset.explain()
    assert "rolegrams_grams" in text, text
    assert "Seq Scan" not in text, text


def test_grams_follow_the_search_document():
    """Database triggers keep RoleGrams in step, whoever writes the document."""
    from postings.models import RoleGrams

    role = published_role(title="灯光助理")
    assert "灯光" in RoleGrams.objects.get(role=role).grams
    assert Role.objects.listed().search("灯光").get() == role
    Role.objects.filter(pk=role.pk).update(search_document="场务 runner")
    grams = RoleGrams.objects.get(role=role).grams
    assert "场务" in grams and "灯光" not in grams
    assert not Role.objects.listed().search("灯光").exists()
    assert Role.objects.listed().search("场务").get() == role
    role.delete()
    assert not RoleGrams.objects.filter(role_id=role.pk).exists()
