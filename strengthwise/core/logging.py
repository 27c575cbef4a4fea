"""Logging filters."""

from __future__ import annotations

import logging
import re

_PARTNER_TOKEN = re.compile(r"(/partner/referrals/)[^/\s]+")


class RedactPartnerTokens(logging.Filter):
    """A receiving organisation's link is a bearer secret: log `/partner/referrals/…/` instead
    of the token (Django logs the path of every 4xx and 5xx)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/partner/referrals/" in message:
            record.msg = _PARTNER_TOKEN.sub(r"\1…", message)
            record.args = ()
        return True
