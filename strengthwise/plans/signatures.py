"""How a client's agreement was given — to a plan or to a consent — said the same way
everywhere, and the checks on an uploaded signed paper form. Referrals (consent) use this too."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from strengthwise.core.errors import ValidationFailed

from .models import SignatureMethod

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# The first bytes of each accepted file type: the browser's content type alone is not trusted.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
DOCUMENT_TYPES = set(SIGNATURES)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def download_name(stem: str, content_type: str) -> str:
    """A safe file name for a download: never the uploader's own file name."""
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"


@dataclass(frozen=True)
class Upload:
    """A checked upload, ready to store."""

    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def upload_problem(document: Any) -> tuple[str, bytes]:
    """Read an uploaded file; return (problem, data): problem is "" when it is a PDF, JPEG or
    PNG (checked by its first bytes) of at most 5 MB."""
    blob = document.read(MAX_DOCUMENT_BYTES + 1)
    content_type = getattr(document, "content_type", "")
    if len(blob) > MAX_DOCUMENT_BYTES:
        return _("The file is larger than 5 MB."), b""
    if not blob:
        return _("The file is empty."), b""
    if content_type not in DOCUMENT_TYPES or not blob.startswith(SIGNATURES[content_type]):
        return _("Upload a PDF, JPEG or PNG file."), b""
    if _WEB_PAGE.search(blob[:4096]) or _WEB_PAGE.search(blob[-1024:]):
        # A polyglot: a file that is also a web page (a browser might run it).
        return _("This file also reads as a web page. Upload a plain PDF, JPEG or PNG."), b""
    return "", blob


_WEB_PAGE = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed)\b", re.I)


def clean_filename(name: str) -> str:
    """The file's own name without any folder part (`../../x.pdf`, `C:\\x.pdf` → `x.pdf`),
    control characters or more than 200 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip(" .")
    return base[:200] or "signed-form"


def checked_upload(document: Any, *, field: str = "document") -> Upload:
    """The upload as an Upload, or ValidationFailed naming the field."""
    problem, blob = upload_problem(document)
    if problem:
        raise ValidationFailed(
            _("Please correct the errors below."), field_errors={field: [problem]}
        )
    name = clean_filename(str(getattr(document, "name", "") or ""))
    return Upload(filename=name, content_type=document.content_type, data=blob)


def agreement_line(*, name: str, method: str, witness: str = "", at: dt.datetime | None) -> str:
    """One sentence saying who agreed, how and when: "Agreed by Dana Whitfield, typed on the
    worker's device, Nov. 3, 2026"."""
    day = date_format(timezone.localtime(at) if at else timezone.now(), "DATE_FORMAT")
    values = {"name": name, "witness": witness or _("no witness named"), "day": day}
    if method == SignatureMethod.VERBAL:
        return _("Agreed by %(name)s, verbally, witnessed by %(witness)s, %(day)s") % values
    if method == SignatureMethod.PAPER:
        return _("Agreed by %(name)s on a signed paper form, uploaded %(day)s") % values
    if method == SignatureMethod.DRAWN:
        return _("Agreed by %(name)s, drawn on the worker's device, %(day)s") % values
    if method == SignatureMethod.PORTAL:
        return _("Agreed by %(name)s in the client portal, %(day)s") % values
    return _("Agreed by %(name)s, typed on the worker's device, %(day)s") % values
