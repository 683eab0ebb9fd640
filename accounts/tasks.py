from django.core.mail import EmailMessage
from django.tasks import task


@task
def send_rendered_email(*, to: list[str], subject: str, body: str, from_email: str) -> None:
    """Send an email rendered by the web request (allauth's messages)."""
    EmailMessage(subject=subject, body=body, to=to, from_email=from_email).send()
