"""Show a note's text with the client's own words (in quotation marks) marked as quotes."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_QUOTED = re.compile(r"(“[^”\n]{1,2000}”|\"[^\"\n]{1,2000}\"|«[^»\n]{1,2000}»)")


@register.filter
def client_words(text: str) -> SafeString:
    """Escape the text, keep line breaks, and wrap quoted passages in <q class="client-words">
    (the quotation marks stay as typed, so nothing is added or removed)."""
    escaped = escape(text or "")
    marked = _QUOTED.sub(r'<span class="client-words">\1</span>', escaped.replace("&quot;", '"'))
    return mark_safe(marked.replace("\n", "<br>"))  # noqa: S308 — built from escaped text only
