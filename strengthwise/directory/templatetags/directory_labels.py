"""`{{ term.name|term_label }}`: a directory category's name in the reader's language."""

from __future__ import annotations

from django import template

from strengthwise.directory.labels import language_label as _language_label
from strengthwise.directory.labels import term_label as _term_label

register = template.Library()


@register.filter
def term_label(name: str) -> str:
    return _term_label(str(name or ""))


@register.filter
def language_label(language: object) -> str:
    """`{{ lang|language_label }}` for a service `Language` row."""
    return _language_label(getattr(language, "code", ""), getattr(language, "name", ""))
