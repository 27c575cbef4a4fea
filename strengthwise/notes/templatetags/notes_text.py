"""Show a note's text with the client's own words (in quotation marks) marked as theirs."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Matched on the *escaped* text: straight double quotes are "&quot;" there.
_QUOTED = re.compile(r"(“[^”\n]{1,2000}”|&quot;(?:(?!&quot;)[^\n]){1,2000}&quot;|«[^»\n]{1,2000}»)")


@register.filter
def client_words(text: str) -> SafeString:
    """Escape the text, keep line breaks, and wrap quoted passages in
    <span class="client-words"> (the quotation marks stay as typed). Only escaped text and our
    own span tags reach the page, so it is safe in element content."""
    marked = _QUOTED.sub(r'<span class="client-words">\1</span>', escape(text or ""))
    return mark_safe(marked.replace("\n", "<br>"))  # noqa: S308 — built from escaped text only
