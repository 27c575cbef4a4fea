"""Errors raised by services. Views turn them into form errors, the API into 4xx answers."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused the change; the message is shown to the user."""

    status_code = 400

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class ValidationFailed(DomainError):
    """Input that failed the model's validation (full_clean)."""


class Conflict(DomainError):
    """Someone else saved the record since it was loaded (optimistic locking, DESIGN §4)."""

    status_code = 409

    def __init__(self, message: str, *, current: dict[str, Any], attempted: dict[str, Any]):
        super().__init__(message)
        self.current = current
        self.attempted = attempted
