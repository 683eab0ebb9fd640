"""Studios find crew: search by department, cities, free dates, credits, rate; invite to
apply; crew choose to be found, decline, block."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import CrewProfile, StudioBlock, Unavailability
from applications.models import INVITATIONS_PER_DAY, RoleInvitation
from jobboard.transitions import InvalidTransition
from tests.applications.conftest import submit
from tests.factories import CrewProfileFactory, city, published_role

pytestmark = pytest.mark.django_db

SEARCH = "/en/studio/crew/"


def findable(name, department="lighting", home="hengdian", **extra):
    profile = CrewProfileFactory(
        user__name=name,
        departments=[department],
        home_city=city(home),
        visibility=CrewProfile.Visibility.VERIFIED_STUDIOS,
        **extra,
    )
    return profile


def names(response) -> list[str]:
    import re

    html = response.content.decode()
    return re.findall(r'class="crew-name"[^>]*>([^<]+)<', html)


@pytest.fixture
def role(studio_a):
    return published_role(shoot__studio=studio_a, title="灯光助理", openings=3)


def test_only_members_of_a_verified_studio_search(
    as_user, recruiter, other_recruiter, graduate, client, studio_b
):
    findable("甲")
    assert as_user(recruiter).get(SEARCH).status_code == 200
    studio_b.verification_status = "unverified"
    studio_b.save()
    assert as_user(other_recruiter).get(SEARCH).status_code == 404
    assert as_user(graduate).get(SEARCH).status_code == 404
    assert client.get(SEARCH).status_code == 302


def test_only_crew_who_chose_to_be_found_appear_and_never_their_contacts(
    as_user, recruiter, studio_a
):
    shown = findable("愿意被找到", user__phone="13800001111")
    CrewProfileFactory(user__name="默认不公开", departments=["lighting"], home_city=city())
    left = findable("已注销")
    left.user.is_active = False
    left.user.save()
    blocker = findable("屏蔽了星河")
    StudioBlock.objects.create(profile=blocker, studio=studio_a)
    response = as_user(recruiter).get(SEARCH)
    assert names(response) == ["愿意被找到"]
    html = response.content.decode()
    assert shown.user.email not in html and "13800001111" not in html


def test_filters_department_city_dates_rate_newcomers_and_credits(as_user, recruiter):
    today = timezone.localdate()
    a = findable("郑州灯光", home="zhengzhou", expected_day_rate=350)
    b = findable("横店灯光 可去郑州", expected_day_rate=500, experience_level="assistant")
    b.work_cities.add(city("zhengzhou"))
    c = findable("郑州化妆", department="makeup", home="zhengzhou")
    d = findable("郑州灯光 已有安排", home="zhengzhou")
    Unavailability.objects.create(
        profile=d, start_date=today + timedelta(days=10), end_date=today + timedelta(days=12)
    )
    page = as_user(recruiter)
    query = {"department": "lighting", "city": "zhengzhou"}
    assert set(names(page.get(SEARCH, query))) == {a.user.name, b.user.name, d.user.name}
    dates = {
        **query,
        "start": (today + timedelta(days=11)).isoformat(),
        "end": (today + timedelta(days=14)).isoformat(),
    }
    assert set(names(page.get(SEARCH, dates))) == {a.user.name, b.user.name}
    assert set(names(page.get(SEARCH, {**query, "max_rate": "400"}))) == {
        a.user.name,
        d.user.name,
    }
    assert b.user.name not in names(page.get(SEARCH, {**query, "newcomers": "on"}))
    # Best fit: those who live in the city first.
    assert names(page.get(SEARCH, query))[-1] == b.user.name
    assert c.user.name in names(page.get(SEARCH, {"city": "zhengzhou"}))


def test_a_booking_makes_the_person_busy_on_those_dates(as_user, recruiter, owner, role):
    person = findable("被录用的人")
    application = submit(role, person.user)
    application.offer(by=owner)
    application.accept(by=person.user)
    dates = {"start": role.start_date.isoformat(), "end": role.end_date.isoformat()}
    assert person.user.name not in names(as_user(recruiter).get(SEARCH, dates))
    assert person.user.name in names(as_user(recruiter).get(SEARCH))


def test_most_credits_sorts_by_credits(as_user, recruiter):
    from accounts.models import Credit

    few, many = findable("一条履历"), findable("三条履历")
    Credit.objects.create(profile=few, production_title="甲", role="灯光", year=2025)
    for title in "乙丙丁":
        Credit.objects.create(profile=many, production_title=title, role="灯光", year=2025)
    response = as_user(recruiter).get(SEARCH, {"sort": "credits"})
    assert names(response)[:2] == ["三条履历", "一条履历"]
    assert names(as_user(recruiter).get(SEARCH, {"credits": "3"})) == ["三条履历"]


def test_the_search_page_makes_the_same_queries_for_three_people_or_thirty(
    as_user, recruiter, role, django_assert_max_num_queries
):
    page = as_user(recruiter)
    findable("甲")
    page.get(SEARCH)
    with django_assert_max_num_queries(12) as few:
        page.get(SEARCH, {"city": "hengdian"})
    for n in range(29):
        findable(f"人{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page.get(SEARCH, {"city": "hengdian"})


def test_invite_email_apply_page_and_pipeline(as_user, recruiter, role, graduate):
    person = findable("被邀请的人")
    mail.outbox.clear()
    response = as_user(recruiter).post(
        reverse("accounts:crew_invite"),
        {"crew": person.user_id, "role": role.pk, "message": "看了你的履历，欢迎来聊。"},
    )
    assert response.status_code == 302
    invitation = RoleInvitation.objects.get()
    assert (invitation.crew, invitation.role, invitation.message) == (
        person.user,
        role,
        "看了你的履历，欢迎来聊。",
    )
    assert [m.to for m in mail.outbox] == [[person.user.email]]
    assert reverse("applications:apply", kwargs={"pk": role.pk}) in mail.outbox[0].body
    crew = as_user(person.user)
    cards = crew.get(reverse("applications:my_applications")).content.decode()
    assert "invitation-card" in cards and "看了你的履历" in cards
    apply_page = crew.get(reverse("applications:apply", kwargs={"pk": role.pk})).content.decode()
    assert "invitation-notice" in apply_page
    submit(role, person.user)
    cards = crew.get(reverse("applications:my_applications")).content.decode()
    assert "invitation-card" not in cards  # answered by applying
    pipeline = as_user(recruiter).get(
        "/en" + reverse("applications:pipeline", kwargs={"pk": role.shoot_id})[8:]
    )
    assert "Invitations to apply" in pipeline.content.decode()


def test_a_person_is_invited_to_a_role_once_and_hidden_crew_never(recruiter, role, graduate):
    person = findable("只邀请一次")
    RoleInvitation.send(role=role, crew=person.user, by=recruiter)
    with pytest.raises(InvalidTransition):
        RoleInvitation.send(role=role, crew=person.user, by=recruiter)
    with pytest.raises(InvalidTransition):  # the graduate never chose to be found
        RoleInvitation.send(role=role, crew=graduate, by=recruiter)
    assert RoleInvitation.objects.count() == 1


def test_a_studio_s_invitations_are_capped_per_day(recruiter, role, monkeypatch):
    import applications.models

    monkeypatch.setattr(applications.models, "INVITATIONS_PER_DAY", 2)
    people = [findable(f"人{n}").user for n in range(3)]
    RoleInvitation.send(role=role, crew=people[0], by=recruiter)
    RoleInvitation.send(role=role, crew=people[1], by=recruiter)
    with pytest.raises(InvalidTransition):
        RoleInvitation.send(role=role, crew=people[2], by=recruiter)
    assert INVITATIONS_PER_DAY == 30


def test_another_studio_cannot_invite_to_a_role_it_does_not_own(as_user, other_recruiter, role):
    person = findable("别家")
    response = as_user(other_recruiter).post(
        reverse("accounts:crew_invite"), {"crew": person.user_id, "role": role.pk}
    )
    assert response.status_code == 302
    assert not RoleInvitation.objects.exists()


def test_declining_with_a_reason_and_blocking_the_studio(as_user, recruiter, role):
    person = findable("不想去")
    invitation = RoleInvitation.send(role=role, crew=person.user, by=recruiter)
    as_user(person.user).post(
        reverse("applications:invitation_decline", kwargs={"pk": invitation.pk}),
        {"reason": "档期冲突", "block": "1"},
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decline_reason) == ("declined", "档期冲突")
    assert person.user.name not in names(as_user(recruiter).get(SEARCH))
    block = StudioBlock.objects.get()
    as_user(person.user).post(reverse("accounts:unblock_studio", kwargs={"pk": block.pk}))
    assert person.user.name in names(as_user(recruiter).get(SEARCH))


def test_someone_else_cannot_decline_an_invitation(as_user, recruiter, role, graduate):
    person = findable("本人")
    invitation = RoleInvitation.send(role=role, crew=person.user, by=recruiter)
    response = as_user(graduate).post(
        reverse("applications:invitation_decline", kwargs={"pk": invitation.pk})
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_a_studio_waits_for_an_answer_before_inviting_the_same_person_again(studio_a, recruiter):
    person = findable("一次一个")
    first = published_role(shoot__studio=studio_a, title="灯光助理")
    second = published_role(shoot__studio=studio_a, title="灯光大助")
    invitation = RoleInvitation.send(role=first, crew=person.user, by=recruiter)
    with pytest.raises(InvalidTransition):
        RoleInvitation.send(role=second, crew=person.user, by=recruiter)
    invitation.decline(by=person.user, reason="")
    RoleInvitation.send(role=second, crew=person.user, by=recruiter)


def test_existing_profiles_are_asked_again_before_crew_search(django_db_blocker):
    """The data migration turns off what meant "studios may read my profile" before it
    meant "find me and invite me"."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0006_ask_again_before_crew_search")
    profile = findable("以前选了公开")
    migration.ask_again(apps, None)
    profile.refresh_from_db()
    assert profile.visibility == "applied"


def test_a_complete_profile_is_asked_once_whether_studios_may_find_it(as_user, graduate):
    page = as_user(graduate)
    assert "findable-ask" in page.get(reverse("accounts:dashboard")).content.decode()
    assert "findable-ask" in page.get(reverse("accounts:profile_edit")).content.decode()
    page.post(reverse("accounts:findable_answer"), {"findable": "yes"})
    profile = CrewProfile.objects.get(user=graduate)
    assert profile.visibility == "verified" and profile.findable_asked_at
    assert "findable-ask" not in page.get(reverse("accounts:dashboard")).content.decode()
    page.post(reverse("accounts:findable_answer"), {"findable": "no"})
    profile.refresh_from_db()
    assert profile.visibility == "applied"


def test_an_incomplete_profile_is_not_asked_yet(as_user):
    person = CrewProfileFactory(home_city=None).user
    assert "findable-ask" not in as_user(person).get(reverse("accounts:dashboard")).content.decode()


# --- The fast path (accounts.search): the search's SQL and cached HTML --------------------------


def card(response, profile) -> str:
    import re

    found = re.search(
        rf'<article class="crew-card" id="crew-{profile.pk}">(.*?)</article>',
        response.content.decode(),
        re.S,
    )
    return found.group(1) if found else ""


def test_the_search_s_compiled_sql_finds_what_the_orm_finds(recruiter, studio_a, role):
    from django.http import QueryDict

    from accounts.filters import CrewFilter
    from accounts.search import _fetch, card_rows
    from accounts.search import findable as crew_of

    today = timezone.localdate()
    near = findable("近的", home="zhengzhou")
    far = findable("远的", expected_day_rate=500)
    far.work_cities.add(city("zhengzhou"))
    Unavailability.objects.create(profile=near, start_date=today, end_date=today)
    for query in (
        "",
        "city=zhengzhou",
        f"start={today.isoformat()}",
        "department=lighting&sort=credits&max_rate=400",
        "start=nonsense&city=nowhere",
    ):
        data = QueryDict(query) or None

        def search(data=data):
            return CrewFilter(data, queryset=crew_of(studio_a))

        expected = list(card_rows(search())[:20])
        canonical = CrewFilter.canonical_query(data)
        assert _fetch(studio_a, search, canonical, 1) == expected  # compiled
        assert _fetch(studio_a, search, canonical, 1) == expected  # kept, prepared


def test_a_card_follows_every_change(as_user, recruiter, owner, studio_a, role):
    """A card is kept under a digest of everything it shows: each change shows at once."""
    from accounts.models import Credit

    person = findable("会变的人", expected_day_rate=300)
    page = as_user(recruiter)

    def shown():
        return card(page.get(SEARCH), person)

    assert "¥300" in shown() and "0 on the profile" in shown()
    Credit.objects.create(profile=person, production_title="甲", role="灯光", year=2025)
    assert "1 on the profile" in shown()
    person.work_cities.add(city("zhengzhou"))
    assert "Zhengzhou" in shown()
    person.expected_day_rate = 450
    person.save()
    assert "¥450" in shown()
    person.user.name = "改名的人"
    person.user.save()
    assert "改名的人" in shown()
    StudioBlock.objects.create(profile=person, studio=studio_a)
    assert shown() == ""
    StudioBlock.objects.all().delete()
    application = submit(role, person.user)
    application.offer(by=owner)
    application.accept(by=person.user)
    dates = {"start": role.start_date.isoformat(), "end": role.end_date.isoformat()}
    assert card(page.get(SEARCH, dates), person) == ""


def test_invite_forms_carry_this_request_s_token_and_address(as_user, recruiter, role):
    from accounts.search import ADDRESS, FORM_FIELDS, ROLE_OPTIONS

    person = findable(f"{FORM_FIELDS}{ADDRESS}{ROLE_OPTIONS}")
    page = as_user(recruiter)
    for query in ({}, {"city": "hengdian"}):
        response = page.get(SEARCH, query)
        html = response.content.decode()
        assert FORM_FIELDS not in html and ADDRESS not in html and ROLE_OPTIONS not in html
        assert "&lt;!-- form fields --&gt;" in html
        form = card(response, person)
        assert 'name="csrfmiddlewaretoken" value="' in form
        address = SEARCH + ("?city=hengdian" if query else "")
        assert f'name="next" value="{address}#crew-{person.pk}"' in form
        assert f'<option value="{role.pk}">灯光助理 · ' in form


def test_pages_of_results(as_user, recruiter, role):
    from accounts.search import PAGE_SIZE

    for n in range(PAGE_SIZE + 2):
        findable(f"人{n:02d}")
    page = as_user(recruiter)
    first, second = names(page.get(SEARCH)), names(page.get(SEARCH, {"page": "2"}))
    assert len(first) == PAGE_SIZE and len(second) == 2 and not set(first) & set(second)
    assert names(page.get(SEARCH, {"page": "9"})) == second  # past the last: the last
    assert names(page.get(SEARCH, {"page": "x"})) == first
    assert names(page.get(SEARCH, {"page": "0"})) == second  # below the first: the last
    assert "22 people" in page.get(SEARCH, {"page": "2"}).content.decode()


def test_where_someone_works_follows_their_home_and_work_cities():
    """CrewProfile.works_in, the copy crew search's index reads, follows every write of the
    home city and the work cities (database triggers), however it is made."""
    from accounts.models import CrewProfile

    hengdian, zhengzhou, xian = city("hengdian"), city("zhengzhou"), city("xian")
    profile = findable("在哪儿工作")

    def works_in():
        return CrewProfile.objects.values_list("works_in", flat=True).get(pk=profile.pk)

    assert works_in() == [hengdian.pk]
    profile.work_cities.add(zhengzhou, xian)
    assert works_in() == sorted([hengdian.pk, zhengzhou.pk, xian.pk])
    profile.work_cities.remove(xian)
    assert works_in() == sorted([hengdian.pk, zhengzhou.pk])
    profile.home_city = xian
    profile.save()  # Django writes its own (stale) works_in: the trigger replaces it
    assert works_in() == sorted([xian.pk, zhengzhou.pk])
    CrewProfile.objects.filter(pk=profile.pk).update(home_city=zhengzhou)
    assert works_in() == [zhengzhou.pk]
    profile.work_cities.set([hengdian])
    assert works_in() == sorted([zhengzhou.pk, hengdian.pk])
    through = CrewProfile.work_cities.through
    through.objects.filter(crewprofile=profile).update(city=xian)
    assert works_in() == sorted([zhengzhou.pk, xian.pk])
    profile.work_cities.clear()
    assert works_in() == [zhengzhou.pk]
    other = findable("批量")
    through.objects.bulk_create(
        [through(crewprofile=p, city=xian) for p in (profile, other)], ignore_conflicts=True
    )
    assert works_in() == sorted([zhengzhou.pk, xian.pk])
    assert CrewProfile.objects.get(pk=other.pk).works_in == sorted([hengdian.pk, xian.pk])
