from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Studio
from postings.models import Role, Shoot
from tests.factories import RoleFactory, ShootFactory, city, published_role

pytestmark = pytest.mark.django_db

CREATE = reverse("postings:shoot_create")
MINE = reverse("postings:my_shoots")


def edit_url(shoot):
    return reverse("postings:shoot_edit", kwargs={"pk": shoot.pk})


def form_data(studio=None, roles=None, action="save", **shoot):
    start = timezone.localdate() + timedelta(days=20)
    data = {
        "title": "闪婚后霸总每天都在追我",
        "genre": "romance",
        "episodes": "80",
        "synopsis": "现代都市甜宠，竖屏 80 集。",
        "city": str(city("zhengzhou").pk),
        "base": "郑州 航空港区",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=6)).isoformat(),
        "daily_hours": "12",
        "meals_provided": "on",
        "payment_timing": "on_wrap",
        "action": action,
    }
    if studio is not None:
        data["studio"] = str(studio.pk)
    data.update(shoot)
    roles = roles if roles is not None else [{}]
    data |= {
        "roles-TOTAL_FORMS": str(len(roles)),
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "1",
        "roles-MAX_NUM_FORMS": "30",
    }
    for i, role in enumerate(roles):
        row = {
            "department": "lighting",
            "title": "灯光助理",
            "openings": "2",
            "pay_unit": "day",
            "pay_min": "400",
            "experience_level": "newcomer",
            "apply_by": (start - timedelta(days=2)).isoformat(),
        } | role
        data |= {f"roles-{i}-{k}": v for k, v in row.items()}
    return data


def edit_data(shoot, action="save", role_changes=None, **changes):
    """The edit form as the browser would post it back unchanged, plus changes."""
    data = form_data(
        action=action,
        title=shoot.title,
        synopsis=shoot.synopsis,
        city=str(shoot.city_id),
        base=shoot.base,
        start_date=shoot.start_date.isoformat(),
        end_date=shoot.end_date.isoformat(),
        roles=[],
    )
    if not shoot.meals_provided:
        del data["meals_provided"]
    data |= changes
    roles = list(shoot.roles.order_by("pk"))
    data["roles-TOTAL_FORMS"] = data["roles-INITIAL_FORMS"] = str(len(roles))
    for i, role in enumerate(roles):
        row = {
            "id": str(role.pk),
            "shoot": str(shoot.pk),
            "department": role.department,
            "title": role.title,
            "openings": str(role.openings),
            "pay_unit": role.pay_unit,
            "pay_min": str(role.pay_min),
            "experience_level": role.experience_level,
            "apply_by": role.apply_by.isoformat(),
        } | (role_changes or {}).get(i, {})
        data |= {f"roles-{i}-{k}": v for k, v in row.items()}
    return data


def test_member_posts_a_shoot_with_three_roles_and_publishes(as_user, recruiter, studio_a):
    roles = [
        {"department": "lighting", "title": "灯光助理"},
        {"department": "costume", "title": "服装助理", "pay_unit": "project", "pay_min": "2800"},
        {"department": "hair_makeup", "title": "化妆师", "pay_min": "600", "pay_max": "800"},
    ]
    response = as_user(recruiter).post(CREATE, form_data(studio_a, roles, action="submit"))
    assert response.status_code == 302
    shoot = Shoot.objects.get(studio=studio_a)
    assert shoot.status == Shoot.Status.PUBLISHED
    assert shoot.created_by == recruiter
    assert set(shoot.roles.values_list("department", flat=True)) == {
        "lighting",
        "costume",
        "hair_makeup",
    }
    assert Role.objects.listed().filter(shoot=shoot).count() == 3


def test_unverified_studio_waits_for_review(as_user, recruiter, studio_a):
    Studio.objects.filter(pk=studio_a.pk).update(verification_status="unverified")
    as_user(recruiter).post(CREATE, form_data(studio_a, action="submit"))
    shoot = Shoot.objects.get(studio=studio_a)
    assert shoot.status == Shoot.Status.PENDING
    assert not Role.objects.listed().filter(shoot=shoot).exists()


def test_flagged_shoot_of_verified_studio_waits(as_user, recruiter, studio_a):
    data = form_data(studio_a, [{"description": "进组前先交押金 500 元"}], action="submit")
    as_user(recruiter).post(CREATE, data)
    shoot = Shoot.objects.get(studio=studio_a)
    assert shoot.status == Shoot.Status.PENDING
    assert shoot.flags[0]["rule"] == "fee"


def test_suspended_studio_cannot_post_edit_close_cancel_or_copy(as_user, recruiter, studio_a):
    """Suspension refuses every change to the studio's shoots, with the reason; nothing
    changes."""

    shoot = published_role(shoot__studio=studio_a, title="灯光助理").shoot
    studio_a.suspend(by=None, reason="押金诈骗")
    client = as_user(recruiter)
    response = client.post(CREATE, form_data(studio_a, action="submit"), follow=True)
    assert "暂停" in response.content.decode()
    assert not Shoot.objects.exclude(pk=shoot.pk).exists()
    title = shoot.title
    edit = reverse("postings:shoot_edit", args=[shoot.pk])
    response = client.get(edit, follow=True)
    assert response.redirect_chain[-1][0] == reverse("postings:my_shoots")
    assert "暂停" in response.content.decode()
    client.post(edit, form_data(studio_a, title="改过的标题"))
    for name in ("shoot_close", "shoot_cancel", "shoot_duplicate", "shoot_submit"):
        response = client.post(reverse(f"postings:{name}", args=[shoot.pk]), follow=True)
        assert "暂停" in response.content.decode(), name
    shoot.refresh_from_db()
    assert (shoot.title, shoot.status) == (title, Shoot.Status.PUBLISHED)
    assert Shoot.objects.count() == 1


def test_save_draft_and_preview(as_user, recruiter, studio_a):
    client = as_user(recruiter)
    response = client.post(CREATE, form_data(studio_a, action="preview"))
    shoot = Shoot.objects.get(studio=studio_a)
    assert shoot.status == Shoot.Status.DRAFT
    assert response["Location"] == shoot.get_absolute_url()
    assert "preview-banner" in client.get(shoot.get_absolute_url()).content.decode()


def test_pay_is_required_on_every_role(as_user, recruiter, studio_a):
    data = form_data(studio_a, [{}, {"pay_min": ""}])
    response = as_user(recruiter).post(CREATE, data)
    assert response.status_code == 200
    assert response.context["formset"].forms[1].errors["pay_min"]
    assert "闪婚后霸总每天都在追我" in response.content.decode()  # what was typed is kept
    assert not Shoot.objects.exists()


def test_invalid_dates_rerender(as_user, recruiter, studio_a):
    start = timezone.localdate() + timedelta(days=10)
    data = form_data(
        studio_a,
        [{"apply_by": (start + timedelta(days=1)).isoformat()}],
        start_date=start.isoformat(),
        end_date=(start - timedelta(days=1)).isoformat(),
    )
    response = as_user(recruiter).post(CREATE, data)
    assert response.status_code == 200
    assert "end_date" in response.context["form"].errors
    assert not Shoot.objects.exists()


def test_apply_by_after_start_is_refused(as_user, recruiter, studio_a):
    start = timezone.localdate() + timedelta(days=10)
    data = form_data(
        studio_a,
        [{"apply_by": (start + timedelta(days=1)).isoformat()}],
        start_date=start.isoformat(),
    )
    response = as_user(recruiter).post(CREATE, data)
    assert response.status_code == 200
    assert "apply_by" in response.context["formset"].forms[0].errors


def test_add_another_role_without_javascript(as_user, recruiter, studio_a):
    data = form_data(studio_a, [{"title": "灯光师"}], action="add_role")
    response = as_user(recruiter).post(CREATE, data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == 2
    html = response.content.decode()
    assert 'name="roles-1-title"' in html and 'value="灯光师"' in html
    assert "errorlist" not in html
    assert not Shoot.objects.exists()


def test_remove_a_role(as_user, recruiter, studio_a):
    shoot = ShootFactory(studio=studio_a)
    RoleFactory(shoot=shoot, title="甲")
    RoleFactory(shoot=shoot, title="乙")
    data = edit_data(shoot, role_changes={1: {"DELETE": "on"}})
    assert as_user(recruiter).post(edit_url(shoot), data).status_code == 302
    assert list(shoot.roles.values_list("title", flat=True)) == ["甲"]


def test_cannot_remove_every_role(as_user, recruiter, studio_a):
    shoot = ShootFactory(studio=studio_a)
    RoleFactory(shoot=shoot)
    data = edit_data(shoot, role_changes={0: {"DELETE": "on"}})
    response = as_user(recruiter).post(edit_url(shoot), data)
    assert response.status_code == 200
    assert shoot.roles.count() == 1


def test_edit_get_shows_the_shoot(as_user, recruiter, studio_a):
    shoot = ShootFactory(studio=studio_a)
    RoleFactory(shoot=shoot, title="道具助理")
    response = as_user(recruiter).get(edit_url(shoot))
    assert response.status_code == 200
    assert "道具助理" in response.content.decode()
    assert "studio" not in response.context["form"].fields


def test_material_edit_of_published_shoot_goes_back_to_review(as_user, recruiter, studio_a):
    role = published_role(shoot__studio=studio_a)
    shoot = role.shoot
    data = edit_data(shoot, role_changes={0: {"pay_min": "300"}})
    assert as_user(recruiter).post(edit_url(shoot), data).status_code == 302
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.PENDING
    assert not Role.objects.listed().filter(shoot=shoot).exists()


def test_material_shoot_field_edit_goes_back_to_review(as_user, recruiter, studio_a):
    shoot = published_role(shoot__studio=studio_a).shoot
    data = edit_data(shoot, lodging_provided="on")
    as_user(recruiter).post(edit_url(shoot), data)
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.PENDING


def test_wording_edit_of_published_shoot_stays_published(as_user, recruiter, studio_a):
    shoot = published_role(shoot__studio=studio_a).shoot
    data = edit_data(shoot, synopsis="改了简介")
    assert as_user(recruiter).post(edit_url(shoot), data).status_code == 302
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.PUBLISHED
    assert "改了简介" in Role.objects.get(shoot=shoot).search_document


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("synopsis", "入组前需交押金500元，详情加 微 信 hd2026"),
        ("title", "横店古装剧 加vx了解"),
        ("conditions_note", "服装费自理200元"),
    ],
)
def test_a_flagged_wording_edit_goes_back_to_review_with_an_email(
    as_user, recruiter, studio_a, field, text
):
    """Every edit of a published shoot is screened: one that asks for money or moves contact
    off the platform sends the shoot back to review (hidden, applications kept), the studio is
    emailed why, and moderators see what changed since it was published."""
    from django.core import mail

    from applications.models import Application
    from tests.applications.conftest import submit
    from tests.factories import CrewProfileFactory, UserFactory

    role = published_role(shoot__studio=studio_a)
    shoot = role.shoot
    application = submit(role, CrewProfileFactory().user)
    before = getattr(shoot, field)
    mail.outbox.clear()
    response = as_user(recruiter).post(edit_url(shoot), edit_data(shoot, **{field: text}))
    assert response.status_code == 302
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.PENDING and not shoot.is_public
    assert Application.objects.get(pk=application.pk).status == "submitted"
    bodies = [m.body for m in mail.outbox if recruiter.email in m.to]
    assert len(bodies) == 1 and "审核" in bodies[0]
    label = str(Shoot._meta.get_field(field).verbose_name)
    assert (label, before, text) in shoot.changes_since_published()
    admin_page = as_user(UserFactory(is_staff=True, is_superuser=True)).get(
        reverse("admin:postings_shoot_change", args=[shoot.pk])
    )
    assert text in admin_page.content.decode()


def test_other_studio_gets_404(as_user, other_recruiter, graduate, studio_a):
    shoot = ShootFactory(studio=studio_a)
    RoleFactory(shoot=shoot)
    for user in (other_recruiter, graduate):
        c = as_user(user)
        assert c.get(edit_url(shoot)).status_code == 404
        assert c.post(edit_url(shoot), edit_data(shoot)).status_code == 404
        for name in ("shoot_submit", "shoot_close", "shoot_cancel", "shoot_duplicate"):
            assert c.post(reverse(f"postings:{name}", kwargs={"pk": shoot.pk})).status_code == 404
    assert shoot.roles.count() == 1


def test_anonymous_is_sent_to_login(client):
    shoot = ShootFactory()
    for url in (MINE, CREATE, edit_url(shoot)):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_wrong_method_405(as_user, recruiter, studio_a):
    shoot = ShootFactory(studio=studio_a)
    c = as_user(recruiter)
    for name in ("shoot_submit", "shoot_close", "shoot_cancel", "shoot_duplicate"):
        assert c.get(reverse(f"postings:{name}", kwargs={"pk": shoot.pk})).status_code == 405
    assert c.put(edit_url(shoot)).status_code == 405
    assert c.delete(CREATE).status_code == 405
    assert c.post(MINE).status_code == 405


def test_cannot_post_for_a_studio_one_does_not_belong_to(as_user, recruiter, studio_b):
    response = as_user(recruiter).post(CREATE, form_data(studio_b))
    assert response.status_code == 200
    assert "studio" in response.context["form"].errors
    assert not Shoot.objects.exists()


def test_user_without_studio_is_sent_to_create_one(as_user, graduate):
    response = as_user(graduate).get(CREATE)
    assert response.status_code == 302


def test_my_shoots_lists_own_studio_shoots_with_status(as_user, recruiter, studio_a, studio_b):
    mine = ShootFactory(studio=studio_a, title="我方短剧")
    ShootFactory(studio=studio_b, title="别家短剧")
    html = as_user(recruiter).get(MINE).content.decode()
    assert mine.title in html and "别家短剧" not in html
    assert mine.get_status_display() in html


def test_close_cancel_and_duplicate(as_user, recruiter, studio_a):
    c = as_user(recruiter)
    shoot = published_role(shoot__studio=studio_a).shoot
    c.post(reverse("postings:shoot_close", kwargs={"pk": shoot.pk}))
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.CLOSED
    # closing twice is refused with a message, not a 500
    response = c.post(reverse("postings:shoot_close", kwargs={"pk": shoot.pk}), follow=True)
    assert response.status_code == 200 and list(response.context["messages"])
    response = c.post(reverse("postings:shoot_duplicate", kwargs={"pk": shoot.pk}))
    copy = Shoot.objects.exclude(pk=shoot.pk).get()
    assert response["Location"] == edit_url(copy)
    assert copy.status == Shoot.Status.DRAFT and copy.roles.count() == 1
    c.post(reverse("postings:shoot_cancel", kwargs={"pk": copy.pk}))
    copy.refresh_from_db()
    assert copy.status == Shoot.Status.CANCELLED
    assert c.get(edit_url(copy)).status_code == 302  # no longer editable


def test_submit_from_my_shoots(as_user, recruiter, studio_a):
    shoot = ShootFactory(studio=studio_a)
    c = as_user(recruiter)
    # without roles: refused with a message
    c.post(reverse("postings:shoot_submit", kwargs={"pk": shoot.pk}))
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.DRAFT
    RoleFactory(shoot=shoot)
    c.post(reverse("postings:shoot_submit", kwargs={"pk": shoot.pk}))
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.PUBLISHED


def test_tampered_form_never_500(as_user, recruiter, studio_a):
    c = as_user(recruiter)
    assert c.post(CREATE, {"title": "x", "action": "save"}).status_code == 200
    data = form_data(studio_a, action="add_role")
    data["roles-TOTAL_FORMS"] = "lots"
    assert c.post(CREATE, data).status_code == 200
    data = form_data(studio_a, [{"pay_min": "-1", "openings": "0", "apply_by": "2026-02-30"}])
    assert c.post(CREATE, data).status_code == 200
    assert not Shoot.objects.exists()


def test_studio_members_reach_the_applicants_from_their_shoots(as_user, recruiter, studio_a):
    role = published_role(shoot__studio=studio_a)
    pipeline = reverse("applications:pipeline", args=[role.shoot_id])
    assert pipeline in as_user(recruiter).get(reverse("postings:my_shoots")).content.decode()
    assert pipeline in as_user(recruiter).get(role.shoot.get_absolute_url()).content.decode()
    assert pipeline not in Client().get(role.shoot.get_absolute_url()).content.decode()


def test_the_preview_can_submit_the_shoot(as_user, recruiter, studio_a):
    """A draft's preview offers to publish it (verified studio) or submit it for review, with
    the form outside the cached page body (it carries the visitor's CSRF token)."""
    client = as_user(recruiter)
    client.post(CREATE, form_data(studio_a, action="preview"))
    shoot = Shoot.objects.get(studio=studio_a)
    page = client.get(shoot.get_absolute_url()).content.decode()
    submit = reverse("postings:shoot_submit", args=[shoot.pk])
    assert f'action="{submit}"' in page and "发布" in page
    client.post(submit)
    shoot.refresh_from_db()
    assert shoot.status == Shoot.Status.PUBLISHED
    assert f'action="{submit}"' not in client.get(shoot.get_absolute_url()).content.decode()
