"""The parts of the demo that show the applications side: an application in every status and a
pending report. Called by ``load_demo`` after the shoots exist; idempotent like the rest of it
(an application is matched by its role and applicant, the report by its shoot and reporter)."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from applications.models import Application
from postings.models import Report, Role

# Who applies, and how far each application goes. Every status appears at least once; each
# person is booked at most once, so bookings never overlap.
PLAN = [
    ("grad@callsheet.example", "submitted"),
    ("grad@callsheet.example", "shortlisted"),
    ("grad@callsheet.example", "offered"),
    ("grad@callsheet.example", "booked"),
    ("grad@callsheet.example", "rejected"),
    ("makeup@callsheet.example", "declined"),
    ("makeup@callsheet.example", "withdrawn"),
    ("makeup@callsheet.example", "released"),
    ("sound@callsheet.example", "submitted"),
    ("sound@callsheet.example", "booked"),
]

PERSONAS = [
    ("Graduate (crew)", "grad@callsheet.example"),
    ("Experienced crew", "sound@callsheet.example"),
    ("Studio owner (verified studio)", "owner@xinghe.example"),
    ("Studio recruiter (verified studio)", "recruiter@xinghe.example"),
    ("Studio owner (unverified studio)", "owner@haichao.example"),
    ("Moderator (staff, /admin/)", "moderator@callsheet.example"),
]


def _move_to(application: Application, status: str, studio_user, applicant) -> None:
    """Walk the application to ``status`` through the model's own transitions."""
    S = Application.Status
    if status in {S.SHORTLISTED, S.OFFERED, S.BOOKED, S.DECLINED, S.RELEASED}:
        application.shortlist(by=studio_user)
    if status in {S.OFFERED, S.BOOKED, S.DECLINED, S.RELEASED}:
        application.offer(by=studio_user, message="欢迎进组！Welcome aboard.")
    if status in {S.BOOKED, S.RELEASED}:
        application.accept(by=applicant)
    if status == S.RELEASED:
        application.release(by=studio_user, note="拍摄计划调整。The schedule changed.")
    if status == S.DECLINED:
        application.decline(by=applicant)
    if status == S.REJECTED:
        application.reject(by=studio_user, message="这次名额已满，欢迎下次再投。")
    if status == S.WITHDRAWN:
        application.withdraw(by=applicant)


def add_applications_and_report(stdout) -> int:
    """Create the demo applications and report; return how many applications were added."""
    users = {u.email: u for u in get_user_model().objects.filter(email__endswith=".example")}
    # Sign-in asks for a verified address: the demo's addresses are verified up front.
    for user in users.values():
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    # Roles that take applications, the first demo studio's first so that its owner sees a
    # full pipeline; one person applies at most once per shoot, so bookings never overlap.
    roles = [
        role
        for role in Role.objects.listed()
        .select_related("shoot__studio")
        .order_by("start_date", "pk")
        if role.is_open
    ]
    roles.sort(key=lambda role: role.shoot.studio.slug != "xinghe")
    added, used = 0, set()
    # Matched as a whole: once the demo crew have applied, a second run adds nothing (the
    # roles taking applications change as bookings fill them).
    already = Application.objects.filter(applicant__email__in={e for e, _ in PLAN}).exists()
    for email, status in [] if already else PLAN:
        applicant = users.get(email)
        fresh = (r for r in roles if r.pk not in used and (email, r.shoot_id) not in used)
        role = next(fresh, None)
        if applicant is None or role is None:
            continue
        used |= {role.pk, (email, role.shoot_id)}
        membership = role.shoot.studio.memberships.select_related("user").first()
        application = Application.submit(
            role=role,
            applicant=applicant,
            note="应届毕业生，可以跟组出差。New graduate, happy to travel.",
            cv="",
            cv_name="",
            dates_confirmed=True,
        )
        _move_to(application, status, membership.user, applicant)
        added += 1

    reporter = users.get("makeup@callsheet.example")
    shoot = roles[-1].shoot if roles else None
    if reporter and shoot:
        Report.objects.get_or_create(
            reporter=reporter,
            reason=Report.Reason.PAY,
            defaults={
                "shoot": shoot,
                "details": "群里说的日薪比这里写的低 100 元。The group chat quoted ¥100 less.",
            },
        )
    stdout.write("Personas:")
    for label, email in PERSONAS:
        stdout.write(f"  {label:<36} {email}")
    return added
