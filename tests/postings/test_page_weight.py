"""The role list and search stay light whatever the number of hits: one page of cards, however
many roles match, with the longest titles and names the models allow (issue: HTML under
40 KB, so a phone on a slow connection gets the first results quickly)."""

import pytest

from postings.choices import Department, PayUnit
from postings.filters import PAGE_SIZE
from tests.factories import StudioFactory, published_role

pytestmark = pytest.mark.django_db

LIMIT = 40 * 1024


@pytest.fixture
def longest_roles():
    studio = StudioFactory(name="星" * 100)
    return [
        published_role(
            title=f"{n:03d}" + "灯光助理" * 19 + "灯",  # 80 characters, the limit
            department=Department.LIGHTING,
            pay_unit=PayUnit.PROJECT,
            pay_min=12000,
            pay_max=18000,
            newcomers_welcome=True,
            shoot__studio=studio,
            shoot__title="霸" * 100,
            shoot__lodging_provided=True,
        )
        for n in range(PAGE_SIZE * 3)
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("query", ["", "?q=灯光助理", "?department=lighting&sort=pay"])
def test_a_page_of_hits_stays_under_40_kb(client, longest_roles, language, query):
    response = client.get(f"/{language}/roles/{query}")
    assert response.status_code == 200
    assert len(response.context["roles"]) == PAGE_SIZE  # a full page, and more behind it
    assert response.context["next_cursor"]
    assert len(response.content) < LIMIT, len(response.content)
