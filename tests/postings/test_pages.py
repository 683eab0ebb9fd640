import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Studio
from postings.models import Shoot
from tests.factories import RoleFactory, ShootFactory, published_role

pytestmark = pytest.mark.django_db


def detail(role):
    return reverse("postings:role_detail", kwargs={"pk": role.pk})


def sheet(shoot):
    return reverse("postings:call_sheet", kwargs={"pk": shoot.pk})


def main_of(response) -> str:
    """The page's own content, without the site's header and footer."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def json_ld(html: str) -> dict:
    start = html.index('<script type="application/ld+json"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_role_detail_shows_pay_first_and_other_roles(client):
    role = published_role(title="灯光助理", pay_min=450, overtime_rate=50)
    other = RoleFactory(shoot=role.shoot, title="摄影助理")
    role.shoot.sync_roles()
    response = client.get(detail(role))
    assert response.status_code == 200
    html = response.content.decode()
    main = html[html.index("<main") :]
    assert main.index("¥450") < main.index(role.shoot.title)
    assert other.title in html
    assert reverse("postings:report", kwargs={"pk": role.shoot_id}) in html
    assert "http://testserver" + detail(role) in html


def test_role_detail_job_posting_json_ld(client):
    role = published_role(pay_min=400)
    html = client.get(detail(role)).content.decode()
    assert 'nonce="' in html[html.index('type="application/ld+json"') - 60 :][:200]
    data = json_ld(html)
    assert data["@type"] == "JobPosting"
    assert data["baseSalary"]["currency"] == "CNY"
    assert data["baseSalary"]["value"]["unitText"] == "DAY"
    assert data["baseSalary"]["value"]["value"] == 400
    assert data["hiringOrganization"]["name"] == role.shoot.studio.name
    assert data["jobLocation"]["address"]["addressCountry"] == "CN"
    assert data["validThrough"].startswith(role.apply_by.isoformat())
    assert data["datePosted"] and data["employmentType"]
    # Google's required properties, and what says applying happens here.
    for name in ("title", "description", "datePosted", "hiringOrganization", "jobLocation"):
        assert data[name], name
    assert data["directApply"] is True
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "name": "Callsheet",
        "value": str(role.pk),
    }
    assert data["jobStartDate"] == role.start_date.isoformat()


def test_json_ld_cannot_close_the_script_element(client):
    role = published_role(description="</script><script>alert(1)</script> & more")
    html = client.get(detail(role)).content.decode()
    assert "</script><script>alert(1)" not in html
    assert json_ld(html)["description"].startswith("</script><script>alert(1)")


def test_unpublished_role_is_404_for_anonymous_crew_and_other_studios(
    client, as_user, graduate, other_recruiter, studio_a
):
    role = RoleFactory(shoot__studio=studio_a)
    for c in (client, as_user(graduate), as_user(other_recruiter)):
        assert c.get(detail(role)).status_code == 404
        assert c.get(sheet(role.shoot)).status_code == 404


def test_studio_member_and_staff_see_a_preview(as_user, recruiter, moderator, studio_a):
    role = RoleFactory(shoot__studio=studio_a)
    for user in (recruiter, moderator):
        response = as_user(user).get(detail(role))
        assert response.status_code == 200
        assert "preview-banner" in response.content.decode()
        assert "application/ld+json" not in response.content.decode()
        assert "preview-banner" in as_user(user).get(sheet(role.shoot)).content.decode()


def test_hidden_shoot_is_404(client):
    role = published_role()
    Shoot.objects.filter(pk=role.shoot_id).update(hidden_at=timezone.now())
    assert client.get(detail(role)).status_code == 404


def test_closed_shoot_stays_visible_without_apply(client):
    role = published_role(title="灯光助理")
    apply_url = reverse("applications:apply", kwargs={"pk": role.pk})
    assert apply_url in client.get(detail(role)).content.decode()  # while it is open
    role.shoot.close()

    response = client.get(detail(role))
    assert response.status_code == 200
    html = main_of(response)
    assert "<h1>灯光助理</h1>" in html and role.shoot.title in html
    assert "已停止报名" in html  # No longer taking applications
    assert apply_url not in html and "apply-button" not in html and "<form" not in html

    response = client.get(sheet(role.shoot))
    assert response.status_code == 200
    html = main_of(response)
    assert f"<h1>{role.shoot.title}</h1>" in html and "灯光助理" in html
    assert "该剧组不再接受报名。" in html  # This shoot no longer takes applications.
    assert apply_url not in html and "<form" not in html


def test_call_sheet_lists_every_role_with_openings_left(client):
    role = published_role(openings=3)
    RoleFactory(shoot=role.shoot, title="化妆助理", openings=1)
    role.shoot.sync_roles()
    html = client.get(sheet(role.shoot)).content.decode()
    assert "化妆助理" in html and "3 / 3" in html


def test_missing_objects_404(client):
    assert client.get(reverse("postings:role_detail", kwargs={"pk": 999999})).status_code == 404
    assert client.get(reverse("postings:call_sheet", kwargs={"pk": 999999})).status_code == 404


def test_wrong_method_405(client):
    role = published_role()
    assert client.post(detail(role)).status_code == 405
    assert client.post(sheet(role.shoot)).status_code == 405


# --- Query counts ------------------------------------------------------------------------------


def _roles(n):
    shoot = ShootFactory()
    for i in range(n):
        RoleFactory(shoot=shoot, title=f"灯光助理 {i}")
    shoot.submit()
    return shoot


@pytest.mark.parametrize("n", [1, 15])
def test_list_and_search_query_count_is_fixed(client, django_assert_num_queries, n):
    _roles(n)
    # content version + page + its cards (rendered once, then cached) + count + the cities
    # (for the filter form, rendered once)
    with django_assert_num_queries(5):
        assert client.get(reverse("postings:role_list")).status_code == 200
    # Again: cards, count and the form come from the fragment cache.
    with django_assert_num_queries(2):
        assert client.get(reverse("postings:role_list")).status_code == 200
    # A search: version + the cities (for the filter, then for the form's choices), page and
    # count (its cards are cached already)
    with django_assert_num_queries(6):
        response = client.get(
            reverse("postings:role_list"),
            {"q": "灯光", "department": ["lighting", "camera"], "city": "hengdian", "sort": "pay"},
        )
        assert len(response.context["roles"]) == n


@pytest.mark.parametrize("n", [1, 15])
def test_list_query_count_signed_in(as_user, graduate, django_assert_num_queries, n):
    _roles(n)
    c = as_user(graduate)
    # session + user + version + page + cards + count + cities
    with django_assert_num_queries(7):
        assert c.get(reverse("postings:role_list"), {"fits_me": "on"}).status_code == 200
    # Again: version + page (the count, cards and body are this person's, and cached)
    with django_assert_num_queries(4):
        assert c.get(reverse("postings:role_list"), {"fits_me": "on"}).status_code == 200


@pytest.mark.parametrize("n", [1, 15])
def test_detail_and_call_sheet_query_count_is_fixed(client, django_assert_num_queries, n):
    shoot = _roles(n)
    role = shoot.roles.first()
    # The content version and who may see the role, then (rendered once) the role, the
    # others in full and the pay median of wrapped bookings.
    with django_assert_num_queries(5):
        assert client.get(detail(role)).status_code == 200
    with django_assert_num_queries(2):
        assert client.get(detail(role)).status_code == 200
    # The call sheet: the version and the shoot, then (rendered once) its roles.
    with django_assert_num_queries(3):
        assert client.get(sheet(shoot)).status_code == 200
    with django_assert_num_queries(2):
        assert client.get(sheet(shoot)).status_code == 200


def test_feed_and_sitemap_list_published_roles_only(client):
    shown = published_role(title="公开角色")
    draft = RoleFactory(title="草稿角色")
    waiting = RoleFactory(
        title="待审角色", shoot__studio__verification_status=Studio.Verification.UNVERIFIED
    )
    waiting.shoot.submit()
    rejected = published_role(title="被拒角色")
    rejected.shoot.reject(by=None, reason="改")
    feed = client.get(reverse("postings:feed")).content.decode()
    sitemap = client.get(reverse("sitemap")).content.decode()
    for text in (feed,):
        assert "公开角色" in text
        for hidden in (draft, waiting, rejected):
            assert hidden.title not in text
    assert detail(shown) in sitemap
    for hidden in (draft, waiting, rejected):
        assert f"/roles/{hidden.pk}/" not in sitemap


def test_feed_keeps_the_search(client):
    published_role(title="灯光师")
    published_role(title="服装助理", department="costume")
    feed = client.get(reverse("postings:feed"), {"q": "服装"}).content.decode()
    assert "服装助理" in feed and "灯光师" not in feed
    assert "q=%E6%9C%8D%E8%A3%85" in feed
    listing = client.get(reverse("postings:role_list"), {"q": "服装"}).content.decode()
    assert reverse("postings:feed") + "?q=%E6%9C%8D%E8%A3%85" in listing


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get(reverse("robots_txt"))
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver" in response.content.decode()


def test_expired_apply_by_role_is_not_open(client):
    role = published_role()
    role.apply_by = timezone.localdate() - timedelta(days=1)
    role.save(update_fields=["apply_by"])
    html = client.get(detail(role)).content.decode()
    assert "apply-button" not in html
