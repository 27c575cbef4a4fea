"""/api/v1/reports/{name}: the same figures as the reports page, as JSON, scoped by role."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse, JsonResponse
from ninja import Field, Query, Router, Schema

from strengthwise.accounts.http import StaffRequest
from strengthwise.core.errors import ValidationFailed

from . import measures, reports, selectors, serialize

router = Router(tags=["reports"])


class ReportQuery(Schema):
    program: int | None = Field(default=None, gt=0, lt=2**63)
    team: int | None = Field(default=None, gt=0, lt=2**63)
    worker: int | None = Field(default=None, gt=0, lt=2**63)
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")


@router.get("/reports/{name}", summary="One report's figures (gas, ssm, goals, referrals, …)")
def report(request: StaffRequest, name: str, q: Query[ReportQuery]) -> HttpResponse:
    if name not in serialize.NAMES and name != "all":
        raise Http404("Not found")
    # Parsing, as the page's filter form does (there an invalid period is not applied).
    problem = measures.period_problem(q.start, q.end)
    if problem:
        raise ValidationFailed(problem, field_errors={"to": [problem]})
    filters = reports.Filters(
        program_id=q.program, team_id=q.team, worker_id=q.worker, start=q.start, end=q.end
    )
    # The page's gate and its recorded read (the filters with it).
    report = selectors.report_read(
        visible_to=request.user, filters=filters, name=name, request=request
    )
    if report.pending:  # the first figures of this choice are still being computed
        return JsonResponse(  # type: ignore[return-value]
            {"detail": reports.pending_note()}, status=503, headers={"Retry-After": "15"}
        )
    result, deidentified = report.figures, report.deidentified
    if name != "all" and result.get(name) is None:
        raise Http404("Not found")
    response = HttpResponse(
        serialize.report_json(result, name, deidentified=deidentified),
        content_type="application/json; charset=utf-8",
    )
    # When the figures were computed, and whether a write may have moved them since
    # (outcomes/snapshots.py): the body stays what it always was.
    if report.as_of is not None:
        response["X-Report-As-Of"] = report.as_of.at.isoformat()
        response["X-Report-Up-To-Date"] = "true" if report.as_of.fresh else "false"
    return response
