"""CV files: what we accept (a real PDF, at most 5 MB, judged by its content, never by its name)
and how we hand one out (an attachment the browser will neither sniff nor render inline).

``cv_response`` is shared with the applications app for the copies sent with applications."""

from __future__ import annotations

import os
import unicodedata

import filetype
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader

CV_MAX_BYTES = 5 * 1024 * 1024


def validate_cv(upload) -> None:
    """Refuse anything that is not a PDF that opens, or that is larger than 5 MB."""
    if upload.size == 0:
        raise ValidationError(_("This file is empty."), code="empty")
    if upload.size > CV_MAX_BYTES:
        raise ValidationError(_("Your CV must be 5 MB or smaller."), code="too_large")
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime != "application/pdf":
        raise ValidationError(_("Your CV must be a PDF file."), code="not_pdf")
    try:
        reader = PdfReader(upload, strict=False)
        if len(reader.pages) < 1:
            raise ValueError("no pages")
    except Exception as exc:  # pypdf raises many kinds of errors on a broken file
        raise ValidationError(
            _("This PDF could not be opened. Save it again as a PDF and upload that file."),
            code="broken_pdf",
        ) from exc
    finally:
        upload.seek(0)


def display_name(name: str) -> str:
    """What the uploader called the file, safe to show and to send back as a download name:
    no folders, no control characters, always ending in .pdf. Never used to store the file."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    stem = os.path.splitext(name)[0]
    try:
        stem = get_valid_filename(stem)
    except Exception:  # a name made only of dots or punctuation
        stem = ""
    return f"{(stem or 'cv')[:200]}.pdf"


def profile_cv_copy(profile):
    """A private copy of the CV on ``profile`` and the name to show for it, taken now so that
    later profile edits do not change what a studio received. OSError when it cannot be read."""
    from django.core.files.base import ContentFile

    with profile.cv.open("rb") as source:
        data = source.read()
    return ContentFile(data, name="cv.pdf"), display_name(profile.cv_name or "CV.pdf")


def cv_response(fieldfile, filename: str) -> FileResponse:
    """A private file as a download: RFC 6266 ``filename*``, never sniffed, never rendered."""
    response = FileResponse(
        fieldfile.open("rb"),
        as_attachment=True,
        filename=filename or "cv.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
