"""The base of every API request body."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class InSchema(Schema):
    """A request body: a property the operation does not know is refused (422, naming it),
    never silently dropped — a misspelt field would otherwise look saved."""

    model_config = ConfigDict(extra="forbid")
