import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import CrewProfile
from tests.accounts.conftest import pdf_bytes, pdf_upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/zh-hans/me/profile/"


def test_agreed_url_names():
    assert reverse("accounts:profile_edit") == URL
    assert reverse("accounts:dashboard") == "/zh-hans/me/"
    assert reverse("accounts:cv_download") == "/zh-hans/me/cv/"
    assert reverse("accounts:availability") == "/zh-hans/me/availability/"
    assert reverse("accounts:studio_create") == "/zh-hans/studios/new/"
    assert reverse("accounts:studio_detail", args=["x"]) == "/zh-hans/studios/x/"
    assert reverse("accounts:studio_team", args=["x"]) == "/zh-hans/studios/x/team/"
    assert reverse("accounts:data_export")
    assert reverse("accounts:account_delete")


def test_anonymous_is_sent_to_login(client):
    for url in [URL, "/zh-hans/me/", "/zh-hans/me/cv/", "/zh-hans/me/availability/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_profile_page_shows_completeness(as_user, graduate):
    response = as_user(graduate).get(URL)
    assert response.status_code == 200
    with translation.override("en"):
        assert "CV" in str(response.context["profile"].missing()[-1])
    assert b"<progress" in response.content


def test_dashboard_links_everything(as_user, graduate):
    response = as_user(graduate).get("/zh-hans/me/")
    assert response.status_code == 200
    for name in ["accounts:profile_edit", "accounts:availability", "accounts:data_export"]:
        assert reverse(name).encode() in response.content


def test_dashboard_offers_a_crew_profile_to_studio_people(as_user, owner):
    response = as_user(owner).get("/zh-hans/me/")
    assert response.status_code == 200
    assert response.context["profile"] is None
    assert reverse("accounts:studio_team", args=["xinghe"]).encode() in response.content


def test_save_profile_with_credits_and_cv(as_user, graduate, profile_data):
    client = as_user(graduate)
    data = {
        **profile_data,
        "credits-0-production_title": "闪婚后，豪门老公宠翻天",
        "credits-0-role": "灯光助理",
        "credits-0-year": "2025",
        "new_cv": pdf_upload("简历-张三.pdf"),
    }
    response = client.post(URL, data)
    assert response.status_code == 302, response.context["form"].errors
    profile = CrewProfile.objects.get(user=graduate)
    assert profile.departments == ["lighting", "camera"]
    assert profile.credits.get().production_title == "闪婚后，豪门老公宠翻天"
    assert profile.cv_name == "简历-张三.pdf"
    assert profile.cv.name.startswith("cvs/") and "张三" not in profile.cv.name
    assert profile.missing() == []

    download = client.get("/zh-hans/me/cv/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "sandbox"
    assert "attachment" in download["Content-Disposition"]
    assert "filename*=utf-8''" in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_edit_and_remove_credits_in_one_form(as_user, graduate, profile_data):
    profile = graduate.crew_profile
    keep = profile.credits.create(production_title="A", role="灯光助理", year=2024)
    drop = profile.credits.create(production_title="B", role="场务", year=2023)
    data = {
        **profile_data,
        "credits-TOTAL_FORMS": "3",
        "credits-INITIAL_FORMS": "2",
        "credits-0-id": keep.pk,
        "credits-0-production_title": "A 改名",
        "credits-0-role": "灯光助理",
        "credits-0-year": "2024",
        "credits-1-id": drop.pk,
        "credits-1-production_title": "B",
        "credits-1-role": "场务",
        "credits-1-year": "2023",
        "credits-1-DELETE": "on",
        "credits-2-production_title": "C",
        "credits-2-role": "灯光师",
        "credits-2-year": "2026",
    }
    response = as_user(graduate).post(URL, data)
    assert response.status_code == 302
    assert sorted(profile.credits.values_list("production_title", flat=True)) == ["A 改名", "C"]


def test_someone_elses_credit_cannot_be_edited(as_user, graduate, other_graduate, profile_data):
    theirs = other_graduate.crew_profile.credits.create(production_title="X", role="r", year=2024)
    data = {
        **profile_data,
        "credits-INITIAL_FORMS": "1",
        "credits-0-id": theirs.pk,
        "credits-0-production_title": "hijacked",
        "credits-0-role": "r",
        "credits-0-year": "2024",
    }
    as_user(graduate).post(URL, data)
    theirs.refresh_from_db()
    assert theirs.production_title == "X"
    assert theirs.profile.user == other_graduate


def test_invalid_form_is_rerendered_with_data_kept(as_user, graduate, profile_data):
    data = {**profile_data, "showreel_url": "javascript:alert(1)", "headline": "保留我"}
    response = as_user(graduate).post(URL, data)
    assert response.status_code == 200
    assert "showreel_url" in response.context["form"].errors
    assert "保留我".encode() in response.content


def test_studio_user_creates_a_crew_profile_later(as_user, owner, profile_data):
    assert not CrewProfile.objects.filter(user=owner).exists()
    assert as_user(owner).get(URL).status_code == 200
    response = as_user(owner).post(URL, profile_data)
    assert response.status_code == 302
    assert CrewProfile.objects.get(user=owner).headline == profile_data["headline"]


def test_cv_download_without_cv_is_404(as_user, graduate, owner):
    assert as_user(graduate).get("/zh-hans/me/cv/").status_code == 404
    assert as_user(owner).get("/zh-hans/me/cv/").status_code == 404


def test_cv_download_post_is_405(as_user, graduate):
    assert as_user(graduate).post("/zh-hans/me/cv/").status_code == 405


def test_cv_delete_is_post_only_and_removes_the_file(
    as_user, graduate, profile_data, django_capture_on_commit_callbacks
):
    client = as_user(graduate)
    client.post(URL, {**profile_data, "new_cv": pdf_upload()})
    profile = CrewProfile.objects.get(user=graduate)
    storage, name = profile.cv.storage, profile.cv.name
    assert client.get("/zh-hans/me/cv/delete/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/zh-hans/me/cv/delete/").status_code == 302
    assert not storage.exists(name)
    profile.refresh_from_db()
    assert not profile.cv


# --- Upload corpus ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cv.pdf", b"<html><body><script>alert(1)</script></body></html>"),
        (
            "photo.pdf",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
            + b"\x00" * 64,
        ),
        ("empty.pdf", b""),
        ("truncated.pdf", pdf_bytes()[:200]),
        ("big.pdf", pdf_bytes() + b"\n%" + b"0" * (5 * 1024 * 1024 + 1 - len(pdf_bytes()) - 2)),
    ],
    ids=["html-renamed", "png", "empty", "truncated", "5mb-plus-1"],
)
def test_refused_files_keep_the_rest_of_the_form(
    as_user, graduate, profile_data, settings, name, content, _private_media
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {**profile_data, "headline": "不要丢", "new_cv": SimpleUploadedFile(name, content)}
    response = as_user(graduate).post(URL, data)
    assert response.status_code == 200
    assert "new_cv" in response.context["form"].errors
    assert "不要丢".encode() in response.content
    profile = CrewProfile.objects.get(user=graduate)
    assert not profile.cv
    assert profile.headline != "不要丢"
    assert not [p for p in _private_media.rglob("*") if p.is_file()]


def test_exactly_5_mb_is_accepted(as_user, graduate, profile_data):
    base = pdf_bytes()
    content = base + b"\n%" + b"0" * (5 * 1024 * 1024 - len(base) - 2)
    assert len(content) == 5 * 1024 * 1024
    response = as_user(graduate).post(URL, {**profile_data, "new_cv": pdf_upload(content=content)})
    assert response.status_code == 302


def test_path_in_file_name_is_ignored(as_user, graduate, profile_data, _private_media):
    response = as_user(graduate).post(URL, {**profile_data, "new_cv": pdf_upload("../../x.pdf")})
    assert response.status_code == 302
    profile = CrewProfile.objects.get(user=graduate)
    assert profile.cv_name == "x.pdf"
    assert ".." not in profile.cv.name
    stored = [p for p in _private_media.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].parent == _private_media / "cvs"


def test_replacing_a_cv_removes_the_old_file(
    as_user, graduate, profile_data, django_capture_on_commit_callbacks, _private_media
):
    client = as_user(graduate)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {**profile_data, "new_cv": pdf_upload("one.pdf")})
    first = CrewProfile.objects.get(user=graduate).cv.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {**profile_data, "new_cv": pdf_upload("two.pdf")})
    profile = CrewProfile.objects.get(user=graduate)
    assert profile.cv.name != first
    assert not profile.cv.storage.exists(first)
    assert [p.name for p in _private_media.rglob("*.pdf")] == [profile.cv.name.split("/")[-1]]


def test_failed_save_leaves_no_orphan(as_user, graduate, profile_data, monkeypatch, _private_media):
    from accounts.forms import CreditFormSet

    def boom(self, commit=True):
        raise RuntimeError("database went away")

    monkeypatch.setattr(CreditFormSet, "save", boom)
    client = as_user(graduate)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post(URL, {**profile_data, "new_cv": pdf_upload()})
    assert not list(_private_media.rglob("*.pdf"))
    assert not CrewProfile.objects.get(user=graduate).cv


def test_studio_member_cannot_download_a_crew_cv_through_profile_url(
    as_user, graduate, recruiter, profile_data
):
    as_user(graduate).post(URL, {**profile_data, "new_cv": pdf_upload()})
    # /me/cv/ is always the viewer's own CV: a recruiter without a CV gets 404.
    assert as_user(recruiter).get("/zh-hans/me/cv/").status_code == 404


def _completeness(response) -> str:
    """The profile page's status box: how complete the profile is and what is missing."""
    html = response.content.decode()
    start = html.index('<div class="completeness"')
    return html[start : html.index("</div>", start)]


def test_user_without_name_sees_it_missing(as_user, graduate):
    user = UserFactory(name="")
    CrewProfile.objects.create(user=user)
    response = as_user(user).get(URL)
    assert response.status_code == 200
    assert "还缺： 你的姓名, " in _completeness(response)  # Still missing: your name, ...
    # Someone with a name is not told it is missing.
    assert "你的姓名" not in _completeness(as_user(graduate).get(URL))


def test_completing_the_profile_returns_to_the_application(as_user, graduate, profile_data):
    apply_url = "/zh-hans/roles/1/apply/"
    response = as_user(graduate).post(f"{URL}?next={apply_url}", profile_data)
    assert response.status_code == 302
    assert response["Location"] == apply_url


def test_next_never_leaves_the_site(as_user, graduate, profile_data):
    response = as_user(graduate).post(f"{URL}?next=https://evil.example/", profile_data)
    assert response["Location"] == URL
