"""Logging: no secret reaches a log line, whichever process writes it.

`redact_secrets` is the one rule; `RedactPartnerTokens` applies it to Django's records and
`RedactingGunicornLogger` (`strengthwise serve`) to gunicorn's access log, where the request
line, the referrer (a page opened from a partner link sends its address to every asset it
loads) and any header could carry one.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

_PARTNER_TOKEN = re.compile(r"(/partner/referrals/)[^/\s?#\"]+")
# Query parameters that carry a secret (reset links, tokens, one-time codes).
_SECRET_PARAM = re.compile(
    r"(?i)([?&;](?:token|key|code|password|secret|sessionid|session|access_token|otp)=)[^&\s\"]*"
)
_BEARER = re.compile(r"(?i)\b(Bearer|Token|Basic)\s+[A-Za-z0-9._~+/=-]+")
# Headers never written to a log, whatever the format asks for.
SECRET_HEADERS = frozenset(
    {"authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization"}
)
REDACTED = "[redacted]"


def redact_secrets(text: str) -> str:
    """`text` with every bearer secret replaced: partner-link tokens, secret query parameters
    and Authorization credentials."""
    if not text:
        return text
    text = _PARTNER_TOKEN.sub(r"\1…", text)
    text = _SECRET_PARAM.sub(r"\1…", text)
    return _BEARER.sub(r"\1 …", text)


class RedactPartnerTokens(logging.Filter):
    """Django's records (it logs the path of every 4xx and 5xx) without their secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_secrets(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's access log with every atom (request line, path, query, referrer, headers,
    environ values) passed through `redact_secrets`; secret headers are never written."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in list(atoms.items()):
            name = key[1:-2].lower() if key.startswith("{") and key[-2:] in ("}i", "}o") else ""
            if name in SECRET_HEADERS or key.lower() in {"{http_authorization}e", "{http_cookie}e"}:
                atoms[key] = REDACTED
            elif isinstance(value, str):
                atoms[key] = redact_secrets(value)
        return atoms
