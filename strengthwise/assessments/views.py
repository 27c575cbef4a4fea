"""Assessment pages, made to be filled in with the client: plain words, one thing at a time."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import access_client, access_client_object
from strengthwise.accounts.http import StaffRequest
from strengthwise.core import sensitivity, svg
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page
from strengthwise.core.text import show_date

from . import ecomap_changes, selectors, services
from . import screening as hrsn
from .ecomap_svg import EcoNode, EcoTie, render_ecomap
from .forms import (
    ConcernForm,
    FactorCategoriesForm,
    FactorForm,
    MotivationForm,
    NodeForm,
    RatingForm,
    SsmForm,
    StrengthsForm,
    TieForm,
)
from .models import Concern, EcomapNode, Factor, Kind
from .templates_data import localized_content, shipped_template, template_current


def _open(request: StaffRequest, client_id: int, kind: str, *, write: bool = False) -> Any:
    """The client through the access gate; a GET records that the page shows their record
    ("<kind>.viewed")."""
    return access_client(
        request.user, client_id, write=write, request=request, read=f"{kind}.viewed"
    )


# --- overview -------------------------------------------------------------------------------


@login_required
def overview(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "assessments")
    assessment, latest = selectors.strengths_assessment_get(client=client)
    return render_page(
        request,
        "assessments/overview.html",
        {
            "client": client,
            "tab": "overview",
            "latest": latest,
            "motivation": selectors.motivation_history(client=client)[:1],
            "ssm": selectors.ssm_administrations(client=client),
            "nodes": selectors.ecomap_nodes(client=client),
            "screens": selectors.screenings(client=client)[:1],
            "offers_screening": selectors.screening_offered(client=client),
        },
    )


# --- strengths assessment -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def strengths(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "strengths_assessment", write=request.method == "POST")
    assessment, latest = selectors.strengths_assessment_get(client=client)
    template = localized_content(
        (
            assessment.template
            if assessment
            else template_current(agency_id=client.agency_id, kind=Kind.STRENGTHS)
        ).content
    )
    status, conflict = 200, None
    if request.method == "POST":
        form = StrengthsForm(request.POST, template=template)
        status = 400
        if form.is_valid():
            try:
                services.strengths_assessment_revise(
                    acting_user=request.user,
                    client=client,
                    version=form.cleaned_data["version"],
                    content=form.content(),
                )
            except Conflict as error:
                assessment, latest = selectors.strengths_assessment_get(client=client)
                conflict = selectors.strengths_compare(
                    template=template, left=error.current, right=error.attempted
                )
                form = StrengthsForm(
                    template=template,
                    initial=StrengthsForm.initial_from(
                        error.current, assessment.version if assessment else 0
                    ),
                )
                status = 409
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Saved as a new version. Nothing earlier is lost."))
                return redirect("assessments:strengths", client_id=client.pk)
    else:
        content = latest.content if latest else {}
        form = StrengthsForm(
            template=template,
            initial=StrengthsForm.initial_from(content, assessment.version if assessment else 0),
        )
    return render_page(
        request,
        "assessments/strengths_form.html",
        {
            "client": client,
            "tab": "strengths",
            "form": form,
            "template": template,
            "latest": latest,
            "conflict": conflict,
        },
        status=status,
    )


@login_required
def strengths_versions(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "strengths_assessment")
    assessment, latest = selectors.strengths_assessment_get(client=client)
    versions = selectors.strengths_versions(assessment=assessment) if assessment else []
    rows, left, right = [], None, None
    numbers = {v.number: v for v in versions}
    try:
        a, b = int(request.GET.get("a", "0")), int(request.GET.get("b", "0"))
    except ValueError:
        a = b = 0
    if len(versions) >= 2 and not (a in numbers and b in numbers):
        a, b = versions[1].number, versions[0].number
    if a in numbers and b in numbers and assessment is not None:
        left, right = numbers[a], numbers[b]
        rows = selectors.strengths_compare(
            template=localized_content(assessment.template.content),
            left=left.content,
            right=right.content,
        )
    return render_page(
        request,
        "assessments/strengths_versions.html",
        {
            "client": client,
            "tab": "strengths",
            "versions": versions,
            "rows": rows,
            "left": left,
            "right": right,
        },
    )


# --- factors --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def factors(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "factors", write=request.method == "POST")
    domains = selectors.agency_life_domains(agency_id=client.agency_id)
    form = FactorForm(request.POST or None, domains=domains)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.factor_add(
                    acting_user=request.user, client=client, fields=form.cleaned_data
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                if not request.htmx:
                    return redirect("assessments:factors", client_id=client.pk)
                form, status = FactorForm(domains=domains), 200
    return render_page(
        request,
        "assessments/factors.html",
        {
            "client": client,
            "tab": "factors",
            "form": form,
            "groups": selectors.factors_for(client=client),
            "domain_labels": dict(domains),
            "category_choices": sensitivity.Category.choices,
        },
        partial="factor-list",
        status=status,
    )


@login_required
@require_POST
def factor_set_aside(request: StaffRequest, client_id: int, factor_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    factor = access_client_object(
        request.user, Factor, factor_id, write=True, request=request, client=client
    )
    services.factor_set_aside(acting_user=request.user, factor=factor)
    return redirect("assessments:factors", client_id=client.pk)


@login_required
@require_POST
def factor_categories(request: StaffRequest, client_id: int, factor_id: int) -> HttpResponse:
    """The worker confirms or corrects a factor's protected categories."""
    client = access_client(request.user, client_id, write=True, request=request)
    factor = access_client_object(
        request.user, Factor, factor_id, write=True, request=request, client=client
    )
    form = FactorCategoriesForm(request.POST)
    if form.is_valid():
        services.factor_categories_set(
            acting_user=request.user, factor=factor, categories=form.cleaned_data["categories"]
        )
    return redirect("assessments:factors", client_id=client.pk)


# --- motivation -----------------------------------------------------------------------------


def _stages() -> list[tuple[str, str]]:
    return selectors.stages_of_change()


def _concern_view(concern: Concern, stage_labels: dict[str, str]) -> dict[str, Any]:
    ratings = list(concern.ratings.all())
    return {
        "concern": concern,
        "ratings": ratings,
        "chart": _ruler_chart(concern),
        "stage_label": stage_labels.get(ratings[-1].stage, "") if ratings else "",
    }


def _ruler_chart(concern: Concern) -> str:
    ratings = list(concern.ratings.all())
    if not ratings:
        return ""
    return svg.line_chart(
        title=_("%(concern)s: importance and confidence over time") % {"concern": concern.label},
        x_labels=[show_date(r.rated_on) for r in ratings],
        series=[
            svg.Series(_("Importance"), [r.importance for r in ratings]),
            svg.Series(_("Confidence"), [r.confidence for r in ratings]),
        ],
        y_min=0,
        y_max=10,
        y_ticks=[0, 2, 4, 6, 8, 10],
        id_prefix=f"ruler-{concern.pk}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def motivation(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "motivation", write=request.method == "POST")
    domains = selectors.agency_life_domains(agency_id=client.agency_id)
    today = timezone.localdate()
    answers = MotivationForm(initial={"recorded_on": today})
    concern_form = ConcernForm(domains=domains)
    rating_form = RatingForm(stages=_stages(), initial={"rated_on": today})
    status = 200
    if request.method == "POST":
        status = 400
        action = request.POST.get("action")
        try:
            if action == "answers":
                answers = MotivationForm(request.POST)
                if answers.is_valid():
                    services.motivation_record_add(
                        acting_user=request.user, client=client, fields=answers.cleaned_data
                    )
                    return redirect("assessments:motivation", client_id=client.pk)
            elif action == "concern":
                concern_form = ConcernForm(request.POST, domains=domains)
                if concern_form.is_valid():
                    services.concern_add(
                        acting_user=request.user, client=client, **concern_form.cleaned_data
                    )
                    return redirect("assessments:motivation", client_id=client.pk)
            elif action == "rating":
                concern = access_client_object(
                    request.user,
                    Concern,
                    request.POST.get("concern"),
                    write=True,
                    request=request,
                    client=client,
                )
                rating_form = RatingForm(request.POST, stages=_stages())
                if rating_form.is_valid():
                    services.readiness_rate(
                        acting_user=request.user, concern=concern, fields=rating_form.cleaned_data
                    )
                    return redirect("assessments:motivation", client_id=client.pk)
            else:
                raise DomainError(_("Unknown action."))
        except DomainError as error:
            target = {"answers": answers, "concern": concern_form, "rating": rating_form}.get(
                action or "", answers
            )
            apply_domain_error(target, error)
    concerns = selectors.concerns_with_ratings(client=client)
    stage_labels = dict(_stages())
    return render_page(
        request,
        "assessments/motivation.html",
        {
            "client": client,
            "tab": "motivation",
            "answers_form": answers,
            "concern_form": concern_form,
            "rating_form": rating_form,
            "history": selectors.motivation_history(client=client),
            "concerns": [_concern_view(c, stage_labels) for c in concerns],
            "stage_labels": stage_labels,
            "template": localized_content(shipped_template(Kind.MOTIVATION)),
        },
        status=status,
    )


# --- Self-Sufficiency Matrix ----------------------------------------------------------------


def _ssm_chart(
    template: dict[str, Any], administrations: list[selectors.Matrix]
) -> tuple[str, list[Any]]:
    domains = [*template["domains"], *template.get("optional_domains", [])]
    columns = [f"{a.get_kind_display()} {show_date(a.administered_on)}" for a in administrations]
    scores = [a.scores for a in administrations]
    rows = [(d["label"], [sc.get(d["key"]) or None for sc in scores]) for d in domains]
    table = [(d["label"], [sc.get(d["key"]) for sc in scores]) for d in domains]
    chart = (
        svg.dot_plot(
            title=_("Self-Sufficiency Matrix: change across administrations"),
            rows=rows,
            column_names=columns,
            x_min=1,
            x_max=5,
            x_ticks=[1, 2, 3, 4, 5],
            x_tick_labels={int(k): v for k, v in template["scale"].items() if int(k) > 0},
            id_prefix="ssm",
        )
        if administrations
        else ""
    )
    return chart, table


@login_required
def ssm(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "ssm")
    administrations = selectors.ssm_administrations(client=client)
    people: dict[Any, list[selectors.Matrix]] = {}
    for a in administrations:
        people.setdefault(a.member, []).append(a)
    charts = []
    for member, items in people.items():
        template = localized_content(items[-1].template.content)
        chart, table = _ssm_chart(template, items)
        charts.append(
            {
                "member": member,
                "administrations": items,
                "chart": chart,
                "table": table,
                "scale": template["scale"],
            }
        )
    return render_page(
        request, "assessments/ssm.html", {"client": client, "tab": "ssm", "charts": charts}
    )


@login_required
@require_http_methods(["GET", "POST"])
def ssm_new(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "ssm", write=request.method == "POST")
    template = localized_content(
        template_current(agency_id=client.agency_id, kind=Kind.SSM).content
    )
    members = selectors.household_choices(client=client)
    form = SsmForm(
        request.POST or None,
        template=template,
        members=members,
        initial={"administered_on": timezone.localdate(), "kind": "entry"},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.ssm_administer(
                    acting_user=request.user,
                    client=client,
                    kind=form.cleaned_data["kind"],
                    administered_on=form.cleaned_data["administered_on"],
                    scores=form.scores(),
                    member_id=form.cleaned_data["member"],
                )
            except DomainError as error:
                for field, problems in error.field_errors.items():
                    for problem in problems:
                        form.add_error(
                            f"score_{field}"
                            if f"score_{field}" in form.fields
                            else (field if field in form.fields else None),
                            problem,
                        )
                if not error.field_errors:
                    form.add_error(None, error.message)
            else:
                messages.success(request, _("Matrix saved."))
                return redirect("assessments:ssm", client_id=client.pk)
    return render_page(
        request,
        "assessments/ssm_form.html",
        {
            "client": client,
            "tab": "ssm",
            "form": form,
            "template": template,
        },
        status=status,
    )


# --- ecomap ---------------------------------------------------------------------------------


def _ecomap_svg(
    client: Any,
    nodes: list[dict[str, Any]],
    *,
    title: str,
    dated: str = "",
    household: list[str] | None = None,
) -> str:
    if not nodes:
        return ""
    return render_ecomap(
        center_label=client.display_name if not isinstance(client, str) else client,
        nodes=[
            EcoNode(id=str(n["id"]), label=n["label"], kind=n["kind"], level=n["level"])
            for n in nodes
        ],
        ties=[
            EcoTie(
                node_id=str(n["id"]),
                strength=n["strength"],
                quality=n["quality"],
                flow=n["flow"],
                note=n.get("note", ""),
            )
            for n in nodes
        ],
        title=title,
        dated=dated,
        household=household or [],
        legend_labels=_legend_labels(),
    )


def _legend_labels() -> dict[str, str]:
    """The ecomap's words, translated (the renderer has English defaults)."""
    return {
        "ties": _("Ties"),
        "flow": _("Flow"),
        "levels": _("Level"),
        "strong": _("Strong"),
        "moderate": _("Moderate"),
        "tenuous": _("Tenuous"),
        "stressful": _("Stressful (hatched)"),
        "to_client": _("Energy to the client"),
        "from_client": _("Energy from the client"),
        "both": _("Both ways"),
        "legend_micro": _("micro: the person"),
        "legend_meso": _("meso: family, groups, local"),
        "legend_macro": _("macro: wider systems"),
        "micro": _("micro"),
        "meso": _("meso"),
        "macro": _("macro"),
        **{kind: str(label).lower() for kind, label in EcomapNode.NodeKind.choices},
    }


NODE_DEFAULTS = {"level": "meso", "strength": "moderate", "quality": "positive", "flow": "both"}


def _blank_node_form() -> NodeForm:
    return NodeForm(initial=NODE_DEFAULTS)


def _node_dicts(nodes: list[EcomapNode]) -> list[dict[str, Any]]:
    return [
        {
            "id": n.pk,
            "label": n.label,
            "kind": n.kind,
            "level": n.level,
            "strength": n.strength,
            "quality": n.quality,
            "flow": n.flow,
            "note": n.note,
        }
        for n in nodes
    ]


@login_required
@require_http_methods(["GET", "POST"])
def ecomap(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "ecomap", write=request.method == "POST")
    form = NodeForm(request.POST or None, initial=NODE_DEFAULTS)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.ecomap_node_add(
                    acting_user=request.user, client=client, fields=form.cleaned_data
                )
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                if not request.htmx:
                    return redirect("assessments:ecomap", client_id=client.pk)
                form, status = (
                    _blank_node_form(),
                    200,
                )
    return render_page(
        request,
        "assessments/ecomap.html",
        _ecomap_context(client, form),
        partial="ecomap-editor",
        status=status,
    )


def _ecomap_context(client: Any, form: Any) -> dict[str, Any]:
    nodes = selectors.ecomap_nodes(client=client)
    household = selectors.household_at_home(client=client)
    return {
        "client": client,
        "tab": "ecomap",
        "form": form,
        "nodes": nodes,
        "tie_forms": [(n, TieForm(instance=n, prefix=f"tie{n.pk}")) for n in nodes],
        "svg": _ecomap_svg(
            client,
            _node_dicts(nodes),
            title=_("Ecomap of %(name)s") % {"name": client.display_name},
            dated=show_date(timezone.localdate()),
            household=household,
        ),
        "snapshots": selectors.ecomap_snapshots(client=client),
    }


@login_required
@require_POST
def ecomap_tie(request: StaffRequest, client_id: int, node_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    node = access_client_object(
        request.user, EcomapNode, node_id, write=True, request=request, client=client
    )
    form = TieForm(request.POST, instance=node, prefix=f"tie{node.pk}")
    status = 200
    if form.is_valid():
        services.ecomap_node_update(acting_user=request.user, node=node, fields=form.cleaned_data)
    else:
        status = 400
    if not request.htmx:
        return redirect("assessments:ecomap", client_id=client.pk)
    return render_page(
        request,
        "assessments/ecomap.html",
        _ecomap_context(client, _blank_node_form()),
        partial="ecomap-editor",
        status=status,
    )


@login_required
@require_POST
def ecomap_node_remove(request: StaffRequest, client_id: int, node_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    node = access_client_object(
        request.user, EcomapNode, node_id, write=True, request=request, client=client
    )
    services.ecomap_node_remove(acting_user=request.user, node=node)
    if not request.htmx:
        return redirect("assessments:ecomap", client_id=client.pk)
    return render_page(
        request,
        "assessments/ecomap.html",
        _ecomap_context(client, _blank_node_form()),
        partial="ecomap-editor",
    )


@login_required
@require_POST
def ecomap_snapshot(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    try:
        services.ecomap_snapshot_take(acting_user=request.user, client=client)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("A dated copy of the ecomap was kept."))
    return redirect("assessments:ecomap", client_id=client.pk)


@login_required
def ecomap_compare(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "ecomap")
    snapshots = selectors.ecomap_snapshots(client=client)
    by_id = {str(s.pk): s for s in snapshots}
    current = _node_dicts(selectors.ecomap_nodes(client=client))

    def side(key: str) -> dict[str, Any] | None:
        if key == "current":
            household = selectors.household_at_home(client=client)
            return {
                "label": _("Today"),
                "svg": _ecomap_svg(
                    client,
                    current,
                    title=_("Ecomap today"),
                    dated=show_date(timezone.localdate()),
                    household=household,
                ),
                "nodes": current,
            }
        snap = by_id.get(key)
        if snap is None:
            return None
        return {
            "label": show_date(snap.taken_on),
            "nodes": snap.data["nodes"],
            "svg": _ecomap_svg(
                snap.data["center"],
                snap.data["nodes"],
                title=_("Ecomap"),
                dated=show_date(snap.taken_on),
                household=snap.data.get("household", []),
            ),
        }

    a, b = _ecomap_default_pair(snapshots, current)
    known = (*by_id, "current")
    a = next((v for v in [request.GET.get("a", "")] if v in known), a)
    b = next((v for v in [request.GET.get("b", "")] if v in known), b)
    sides = [side(a), side(b)]
    changes = None
    if sides[0] is not None and sides[1] is not None and a != b:
        changes = ecomap_changes.changes(sides[0]["nodes"], sides[1]["nodes"], _ecomap_words)
    return render_page(
        request,
        "assessments/ecomap_compare.html",
        {
            "client": client,
            "tab": "ecomap",
            "snapshots": snapshots,
            "sides": sides,
            "a": a,
            "b": b,
            "changes": changes,
        },
    )


def _ecomap_default_pair(snapshots: list[Any], current: list[dict[str, Any]]) -> tuple[str, str]:
    """The two latest copies that differ (older first): the latest dated copy against today
    when they differ; when today matches it, that copy against the latest earlier one unlike
    it; failing both, the latest copy against today (the page then says nothing changed).
    `snapshots` come newest first."""
    if not snapshots:
        return "current", "current"
    latest = snapshots[0]
    if not ecomap_changes.same(latest.data["nodes"], current):
        return str(latest.pk), "current"
    for snap in snapshots[1:]:
        if not ecomap_changes.same(snap.data["nodes"], latest.data["nodes"]):
            return str(snap.pk), str(latest.pk)
    return str(latest.pk), "current"


def _ecomap_words(field: str, value: str) -> str:
    """A stored ecomap value in words, translated (for the list of changes)."""
    if field == "level":
        return str(_legend_labels().get(value, value))
    choices = {
        "kind": EcomapNode.NodeKind,
        "strength": EcomapNode.Strength,
        "quality": EcomapNode.Quality,
        "flow": EcomapNode.Flow,
    }.get(field)
    if choices is None:
        return value
    return str(dict(choices.choices).get(value, value))


# --- screening ------------------------------------------------------------------------------


def _screening_items() -> list[dict[str, Any]]:
    return list(hrsn.hrsn_template()["items"])


def _screening_shown(version: int = 1) -> dict[str, Any]:
    """The screening template in the reader's language, each domain's preamble (read aloud
    before its questions) set on the domain's first item."""
    template = localized_content(hrsn.hrsn_template(version))
    seen: set[str] = set()
    preambles = {d["key"]: d.get("preamble", "") for d in template["domains"]}
    for item in template["items"]:
        if item["domain"] not in seen:
            seen.add(item["domain"])
            item["preamble"] = preambles.get(item["domain"], "")
    return template


def _screening_results(response: Any) -> list[dict[str, Any]]:
    """A saved screen's domains with their words in the reader's language: the saved keys and
    flags, the label and suggestion of the template version it was taken with."""
    try:
        domains = {d["key"]: d for d in _screening_shown(response.template_version)["domains"]}
    except ValueError:  # a version this install does not ship: show the words as saved
        domains = {}
    shown = []
    for key, saved in (response.results or {}).items():
        domain = domains.get(key, {})
        shown.append(
            {
                "key": key,
                "positive": saved.get("positive"),
                "label": domain.get("label") or saved.get("label", key),
                "suggestion": " ".join(
                    str(domain.get("suggestion") or saved.get("suggestion", "")).split()
                ),
            }
        )
    return shown


@login_required
@require_http_methods(["GET", "POST"])
def screening(request: StaffRequest, client_id: int) -> HttpResponse:
    client = _open(request, client_id, "screening", write=request.method == "POST")
    offered = selectors.screening_offered(client=client)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        answers: dict[str, Any] = {}
        for item in _screening_items():
            if item.get("multiple"):
                chosen = request.POST.getlist(item["key"])
                answers[item["key"]] = chosen or None
            else:
                answers[item["key"]] = request.POST.get(item["key"]) or None
        try:
            services.screening_record(acting_user=request.user, client=client, answers=answers)
        except DomainError as error:
            errors.append(error.message)
            status = 400
        else:
            messages.success(
                request,
                _(
                    "Screen saved. Positive answers are things to talk about — the client decides what becomes a goal."
                ),
            )
            return redirect("assessments:screening", client_id=client.pk)
    template = _screening_shown()
    past = selectors.screenings(client=client)
    return render_page(
        request,
        "assessments/screening.html",
        {
            "client": client,
            "tab": "screening",
            "offered": offered,
            "items": template["items"],
            "template": template,
            "past": past,
            "latest_results": _screening_results(past[0]) if past else [],
            "errors": errors,
        },
        status=status,
    )
