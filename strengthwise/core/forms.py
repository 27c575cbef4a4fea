"""Form helpers shared by every app."""

from __future__ import annotations

from typing import Any

from .errors import DomainError


def apply_domain_error(form: Any, error: DomainError) -> None:
    """Show a service's refusal on the form: per field where it names one, else on top."""
    for field, problems in error.field_errors.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    if not error.field_errors:
        form.add_error(None, error.message)
