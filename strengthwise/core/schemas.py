"""The base of every API request body."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from . import keyset


class InSchema(Schema):
    """A request body: a property the operation does not know is refused (422, naming it),
    never silently dropped — a misspelt field would otherwise look saved."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    """Every refusal's body: the reason, and per field where the reason names one."""

    detail: str
    errors: Any = None
    # A workflow refusal (409) lists the transitions that are allowed from here.
    allowed: list[str] | None = None


class ConflictOut(Schema):
    """Someone saved first (409): what is saved now and what you sent."""

    detail: str
    current: Any = None
    attempted: Any = None
    allowed: list[str] | None = None


# Whose words a text is (assessments.Author), and the protected categories of information
# (core.sensitivity.Category) — as the API names them.
WhoseWords = Literal["client", "worker", "together"]
Protected = Literal["substance_use", "hiv", "mental_health", "domestic_violence"]


class PageQuery(Schema):
    """The paging of a list that can grow without bound (core.keyset): the body stays a JSON
    array, the next page's address is in the `Link: <…>; rel="next"` header."""

    limit: int = Field(
        keyset.DEFAULT_LIMIT,
        ge=1,
        le=keyset.MAX_LIMIT,
        description=f"Rows a page (1–{keyset.MAX_LIMIT}, default {keyset.DEFAULT_LIMIT})",
    )
    cursor: str = Field(
        "",
        max_length=500,
        description='From the `Link: <…>; rel="next"` header of the page before; none for the '
        "first page. A cursor this list did not give out answers 400",
    )


# Said of every paged list in its OpenAPI description.
PAGED = (
    " A page at a time: `limit` rows (default 100, at most 500); the next page's address is in "
    'the `Link: <…>; rel="next"` header, absent on the last page.'
)

# The `Link` header of a paged list, declared on its 200 answer (`openapi_extra=`).
PAGED_OPENAPI: dict[str, Any] = {
    "responses": {
        200: {
            "headers": {
                "Link": {
                    "description": 'The next page: `<url>; rel="next"` (RFC 8288); absent on '
                    "the last page",
                    "schema": {"type": "string"},
                }
            }
        }
    }
}
