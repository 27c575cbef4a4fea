"""The JSON API: /api/v1/ with bearer tokens; OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from strengthwise.accounts.tokens import token_user
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.interop import idempotency


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


# The error answers every operation can give (the handlers below), for the OpenAPI document.
ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "RefusedError": {
        "type": "object",
        "description": "The service refused: `detail`, and per field where it names one.",
        "properties": {
            "detail": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": "The request does not match the schema (unknown properties included).",
        "properties": {
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
                },
            },
        },
        "required": ["detail", "errors"],
    },
    "ConflictError": {
        "type": "object",
        "description": "Someone saved first: what is saved now and what you sent.",
        "properties": {
            "detail": {"type": "string"},
            "current": {"type": "object"},
            "attempted": {"type": "object"},
        },
        "required": ["detail"],
    },
}


def _error(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


class StrengthwiseAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """The generated document, with the error answers of every operation declared (ninja
        lists only the ones an operation's `response=` names)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                answers = operation.setdefault("responses", {})
                defaults = {
                    "401": _error("No valid bearer token", "Error"),
                    "422": _error("The request does not match the schema", "ValidationError"),
                }
                # A record named in the path, the body or the query (`client_id`, `goal`…).
                defaults["404"] = _error("No such record, or not yours to see", "Error")
                if method != "get":
                    defaults["400"] = _error("Refused, with the reason", "RefusedError")
                    defaults["409"] = _error("A newer version was saved first", "ConflictError")
                for status, answer in defaults.items():
                    answers.setdefault(status, answer)
                if method == "post" and path.startswith("/api/v1/"):
                    operation.setdefault("parameters", []).append(idempotency.describe())
        return schema


api = StrengthwiseAPI(
    title="Strengthwise API",
    version="1",
    description=(
        "Strengths-based case management. Every call needs `Authorization: Bearer <token>` "
        "(create one with `strengthwise token create USERNAME`). The same access rules as the "
        "web pages apply: a record you may not see answers 404."
    ),
    auth=BearerAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": exc.message, "current": exc.current, "attempted": exc.attempted},
        status=409,
    )


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body: dict[str, Any] = {"detail": exc.message}
    if exc.field_errors:
        body["errors"] = exc.field_errors
    extra = getattr(exc, "api_body", None)
    if callable(extra):
        body.update(extra())
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": "Sign in with a bearer token: Authorization: Bearer <token>."},
        status=401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = [
        {
            "field": ".".join(str(p) for p in e.get("loc", [])[1:]) or "body",
            "reason": e.get("msg", "invalid"),
        }
        for e in exc.errors
    ]
    return api.create_response(
        request, {"detail": "The request is not valid.", "errors": problems}, status=422
    )


api.add_router("/v1/clients", "strengthwise.people.api.router")
api.add_router("/v1/", "strengthwise.questionnaires.api.router")
api.add_router("/v1/", "strengthwise.assessments.api.router")
api.add_router("/v1/", "strengthwise.plans.api.router")
api.add_router("/v1/directory", "strengthwise.directory.api.router")
api.add_router("/v1/", "strengthwise.referrals.api.router")
api.add_router("/v1/", "strengthwise.notes.api.router")
api.add_router("/v1/", "strengthwise.tasks.api.router")
api.add_router("/v1/", "strengthwise.people.api.caseload_router")
api.add_router("/v1/", "strengthwise.outcomes.api.router")
api.add_router("/v1/", "strengthwise.outcomes.report_api.router")
api.add_router("/v1/", "strengthwise.interop.api.router")
api.add_router("/v1/", "strengthwise.interop.webhook_api.router")
api.add_router("/v1/", "strengthwise.portal.api.router")
api.add_router("/hsds", "strengthwise.directory.hsds_api.router")
