"""Planning pages: the plan made with the client, goals in their words, options weighed,
steps, Goal Attainment Scaling, sign-off, approval and the take-home plan."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from strengthwise.accounts.access import access_client
from strengthwise.accounts.http import StaffRequest
from strengthwise.assessments import selectors as assessment_selectors
from strengthwise.assessments.models import Author, Factor
from strengthwise.core import svg
from strengthwise.core.errors import Conflict, DomainError
from strengthwise.core.forms import apply_domain_error
from strengthwise.core.htmx import render_page
from strengthwise.core.text import show_date

from . import compare, selectors, services
from .forms import ClientAgreeForm, FollowUpForm, GoalForm, OptionSetForm, ReviewForm, StepForm
from .models import Goal, Plan, Step
from .signatures import download_name


def _plan_or_404(client: Any) -> Plan:
    plan = selectors.plan_current(client=client)
    if plan is None:
        raise Http404("No plan")
    return plan


def _goal_of(request: StaffRequest, client: Any, goal_id: int) -> Goal:
    return selectors.goal_of(
        visible_to=request.user, client=client, goal_id=goal_id, write=True, request=request
    )


def _goal_form(
    client: Any,
    data: Any = None,
    instance: Goal | None = None,
    initial: dict[str, Any] | None = None,
) -> GoalForm:
    initial = dict(initial or {})
    if instance is not None:
        initial.setdefault("version", instance.version)
        initial.setdefault("categories", instance.categories)
        for name, value in selectors.goal_links(goal=instance).items():
            initial.setdefault(name, value)
    return GoalForm(
        data,
        instance=instance,
        initial=initial,
        domains=assessment_selectors.agency_life_domains(agency_id=client.agency_id),
        stages=assessment_selectors.stages_of_change(),
        **selectors.goal_form_choices(client=client),
    )


def _t_chart(goals: list[Goal]) -> tuple[str, list[tuple[str, float | None, float | None]]]:
    client_series = dict(selectors.t_score_series(goals, "client"))
    worker_series = dict(selectors.t_score_series(goals, "worker"))
    dates = sorted(set(client_series) | set(worker_series))
    if not dates:
        return "", []
    table = [(show_date(d), client_series.get(d), worker_series.get(d)) for d in dates]
    chart = svg.line_chart(
        title=_("Goal Attainment: T-score over time (50 = as expected)"),
        x_labels=[d for d, _c, _w in table],
        series=[
            svg.Series(
                _("Client's scores"),
                [round(c, 1) if c is not None else None for _d, c, _w in table],
            ),
            svg.Series(
                _("Worker's scores"),
                [round(w, 1) if w is not None else None for _d, _c, w in table],
            ),
        ],
        y_min=20,
        y_max=80,
        y_ticks=[20, 30, 40, 50, 60, 70, 80],
        id_prefix="gas-t",
    )
    return chart, table


@login_required
def plan_detail(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, request=request, read="plan.viewed")
    plan = selectors.plan_current(client=client)
    context: dict[str, Any] = {"client": client, "plan": plan, "tab": "plan"}
    if plan is not None:
        goals = selectors.plan_goals(plan=plan)
        today = timezone.localdate()
        for goal in goals:
            # One form per goal, each with ids of its own: with the same ids on every goal, a
            # label (and the browser's focus) pointed at the first goal's field.
            goal.step_form = StepForm(auto_id=f"id_goal{goal.pk}_%s")  # type: ignore[attr-defined]
            goal.followup_form = FollowUpForm(  # type: ignore[attr-defined]
                auto_id=f"id_goal{goal.pk}_followup_%s", initial={"scored_on": today}
            )
        chart, t_table = _t_chart(goals)
        context.update(
            {
                "goals": goals,
                "voice": selectors.client_voice(goals),
                "option_sets": selectors.plan_option_sets(plan=plan),
                "history": selectors.plan_history(plan=plan),
                "versions": selectors.plan_versions(plan=plan),
                "t_chart": chart,
                "t_table": t_table,
                "options_form": OptionSetForm(),
                "agree_form": ClientAgreeForm(),
                "review_form": ReviewForm(),
                "domains": assessment_selectors.agency_life_domains(agency_id=client.agency_id),
                "can_review": selectors.plan_review_open(visible_to=request.user, plan=plan),
            }
        )
    return render_page(request, "plans/plan_detail.html", context)


def _said(form: Any) -> str:
    """A form's errors named by the labels people see (not the fields' internal names)."""
    return "; ".join(
        f"{capfirst(form.fields[k].label) if k in form.fields else k}: {v[0]}"
        for k, v in form.errors.items()
    )


def _back_to_plan(client: Any, anchor: str = "") -> HttpResponse:
    """Back to the plan, at the part just worked on: the browser scrolls there and the next
    Tab starts from it, instead of from the top of a long page (a keyboard user's dozens of
    key presses after every step added)."""
    url = reverse("plans:plan", kwargs={"client_id": client.pk})
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_POST
def plan_start(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    try:
        services.plan_start(acting_user=request.user, client=client)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("plans:plan", client_id=client.pk)


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: StaffRequest, client_id: int, goal_id: int | None = None) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request, read="goal.viewed")
    plan = _plan_or_404(client)
    goal = _goal_of(request, client, goal_id) if goal_id else None
    form = _goal_form(client, request.POST if request.method == "POST" else None, instance=goal)
    conflict, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            links = {
                "strength_ids": data.pop("strengths"),
                "support_ids": data.pop("supports"),
                "concern_id": data.pop("concern", None),
            }
            version = data.pop("version")
            try:
                if goal is None:
                    saved = services.goal_add(
                        acting_user=request.user, plan=plan, fields=data, **links
                    )
                else:
                    saved = services.goal_update(
                        acting_user=request.user,
                        goal=goal,
                        version=version or 0,
                        fields=data,
                        **links,
                    )
            except Conflict as error:
                goal.refresh_from_db()  # type: ignore[union-attr]
                conflict = [
                    (form.fields[k].label, error.current.get(k), error.attempted.get(k))
                    for k in services.GOAL_FIELDS
                    if k in form.fields and error.current.get(k) != error.attempted.get(k)
                ]
                form = _goal_form(client, instance=goal)
                status = 409
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                messages.success(request, _("Goal saved."))
                return _back_to_plan(client, f"goal-{saved.pk}")
    return render_page(
        request,
        "plans/goal_form.html",
        {
            "client": client,
            "plan": plan,
            "goal": goal,
            "form": form,
            "conflict": conflict,
            "tab": "plan",
        },
        status=status,
    )


@login_required
@require_POST
def step_add(request: StaffRequest, client_id: int, goal_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    goal = _goal_of(request, client, goal_id)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.step_add(acting_user=request.user, goal=goal, fields=form.cleaned_data)
        except DomainError as error:
            messages.error(
                request,
                error.message
                + " "
                + " ".join(str(e) for v in error.field_errors.values() for e in v),
            )
            return _back_to_plan(client)
        return _back_to_plan(client, f"goal-{goal.pk}")
    messages.error(request, _("The step was not added: %(e)s") % {"e": _said(form)})
    return _back_to_plan(client)


@login_required
@require_POST
def step_done(request: StaffRequest, client_id: int, step_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    step = selectors.step_of(
        visible_to=request.user, client=client, step_id=step_id, write=True, request=request
    )
    services.step_mark_done(
        acting_user=request.user, step=step, done_on=None if step.done_on else timezone.localdate()
    )
    return _back_to_plan(client, f"goal-{step.goal_id}")


@login_required
@require_POST
def followup_add(request: StaffRequest, client_id: int, goal_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    goal = _goal_of(request, client, goal_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.gas_followup_add(acting_user=request.user, goal=goal, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
            return _back_to_plan(client)
    else:
        messages.error(request, _("The score was not saved: %(e)s") % {"e": _said(form)})
        return _back_to_plan(client)
    return _back_to_plan(client, f"goal-{goal.pk}")


@login_required
@require_POST
def options_add(request: StaffRequest, client_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    plan = _plan_or_404(client)
    form = OptionSetForm(request.POST)
    if form.is_valid():
        option_set = services.option_set_add(
            acting_user=request.user,
            plan=plan,
            problem=form.cleaned_data["problem"],
            options=form.options(),
        )
        return _back_to_plan(client, f"options-{option_set.pk}")
    messages.error(request, _("Write what they are deciding and at least one option."))
    return _back_to_plan(client)


@login_required
@require_POST
def option_choose(request: StaffRequest, client_id: int, set_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    option_set = selectors.option_set_of(
        visible_to=request.user, client=client, set_id=set_id, write=True, request=request
    )
    option = selectors.option_in(option_set=option_set, option_id=request.POST.get("option"))
    if option is None:
        messages.error(request, _("Choose one of the options."))
        return _back_to_plan(client)
    services.option_choose(acting_user=request.user, option_set=option_set, option=option)
    return _back_to_plan(client, f"options-{option_set.pk}")


@login_required
@require_POST
def option_make_goal(request: StaffRequest, client_id: int, set_id: int) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    option_set = selectors.option_set_of(
        visible_to=request.user, client=client, set_id=set_id, write=True, request=request
    )
    try:
        goal = services.option_make_goal(
            acting_user=request.user, option_set=option_set, domain=request.POST.get("domain", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back_to_plan(client)
    messages.success(
        request, _("Their choice is now a goal, in their words. Add its steps and levels.")
    )
    return _back_to_plan(client, f"goal-{goal.pk}")


@login_required
@require_POST
def sign(request: StaffRequest, client_id: int, who: str) -> HttpResponse:
    client = access_client(request.user, client_id, write=True, request=request)
    plan = _plan_or_404(client)
    if who not in ("client", "worker", "review"):
        raise Http404("Not found")
    try:
        if who == "client":
            form = ClientAgreeForm(request.POST, request.FILES)
            if not form.is_valid():
                raise DomainError(_("Choose how the client agrees, then fill in what it asks."))
            services.plan_client_agree(
                acting_user=request.user,
                plan=plan,
                method=form.cleaned_data["method"],
                signed_name=form.cleaned_data["signed_name"],
                witness_name=form.cleaned_data["witness_name"],
                document=form.cleaned_data["document"],
                request=request,
            )
            messages.success(request, _("The client's agreement to this version is recorded."))
        elif who == "worker":
            services.plan_worker_sign(acting_user=request.user, plan=plan)
            messages.success(request, _("Signed."))
        elif who == "review":
            review = ReviewForm(request.POST)
            if not review.is_valid():
                raise DomainError(_("Choose approve or return."))
            services.plan_review(
                acting_user=request.user,
                plan=plan,
                approve=review.cleaned_data["decision"] == "approve",
                comment=review.cleaned_data["comment"],
            )
            messages.success(request, _("Decision recorded."))
    except DomainError as error:
        said = [m for ms in (error.field_errors or {}).values() for m in ms]
        messages.error(request, " ".join(said) or error.message)
        return _back_to_plan(client)
    return _back_to_plan(client, "h-sign")


@login_required
def agreement_document(request: StaffRequest, client_id: int, event_id: str) -> HttpResponse:
    """The signed paper agreement, for those who may see the client (audited)."""
    client = access_client(request.user, client_id, request=request)
    document = services.plan_agreement_document_open(
        acting_user=request.user, client=client, event_id=event_id, request=request
    )
    if document is None:
        raise Http404("Not found")
    response = HttpResponse(bytes(document.data), content_type=document.content_type)
    name = download_name(f"plan-agreement-{document.event_id}", document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def versions(request: StaffRequest, client_id: int) -> HttpResponse:
    """Two versions of the plan side by side, what changed marked in words. Each version the
    client agreed to and "now" have their own value (`v3`, `now`), so "version 3 as agreed" and
    "now" can be compared even while both carry number 3. By default: the last agreed version
    that differs from now against now, or the two latest versions that differ."""
    client = access_client(request.user, client_id, request=request, read="plan.viewed")
    plan = _plan_or_404(client)
    items = selectors.plan_versions(plan=plan)
    choices: list[dict[str, Any]] = [
        {
            "key": f"v{v.number}",
            "number": v.number,
            "snapshot": v.snapshot,
            "label": _("Version %(n)d as agreed") % {"n": v.number},
        }
        for v in items
    ]
    choices.append(
        {
            "key": "now",
            "number": plan.number,
            "snapshot": services.snapshot(plan),
            "label": _("Now"),
        }
    )
    by_key = {c["key"]: c for c in choices}

    def same(one: dict[str, Any], other: dict[str, Any]) -> bool:
        return compare.same_content(one["snapshot"], other["snapshot"])

    def chosen(raw: str | None) -> dict[str, Any] | None:
        raw = (raw or "").strip()
        if raw.isdigit():  # links from before the values were distinct: a version number
            raw = f"v{raw}"
        return by_key.get(raw)

    now, agreed = choices[-1], choices[:-1]
    left, right = (agreed[-1] if agreed else now), now
    if agreed and same(agreed[-1], now):
        # Nothing changed since the last agreement: the two latest versions that differ.
        right = agreed[-1]
        left = next(
            (c for c in reversed(agreed[:-1]) if not same(c, right)),
            agreed[-1],
        )
        if left is right:
            left, right = agreed[-1], now
    left = chosen(request.GET.get("a")) or left
    right = chosen(request.GET.get("b")) or right
    diff = compare.compare(left["snapshot"], right["snapshot"])
    return render_page(
        request,
        "plans/plan_versions.html",
        {
            "client": client,
            "plan": plan,
            "choices": choices,
            "left": left,
            "right": right,
            "diff": diff,
            "sides": [
                {**left, "goals": diff["left"], "role": "older"},
                {**right, "goals": diff["right"], "role": "newer"},
            ],
            "same_side": left["key"] == right["key"],
            "only_one": len(choices) == 1,
            "tab": "plan",
        },
    )


def _strength_shown(factor: Factor) -> dict[str, Any]:
    """A strength on the take-home plan: the client's exact words quoted; anything else with a
    line, in the plan's language, saying who wrote it (the words stay as they were written)."""
    if factor.author == Author.CLIENT and factor.verbatim:
        return {"text": factor.description, "own_words": True, "byline": ""}
    bylines: dict[str, str] = {
        Author.CLIENT: _("what you said, written down by your worker"),
        Author.TOGETHER: _("written together with your worker"),
        Author.WORKER: _("written by your worker"),
    }
    return {
        "text": factor.description,
        "own_words": False,
        "byline": bylines.get(factor.author, bylines[Author.WORKER]),
    }


def _take_home_data(client: Any, sources: dict[str, Any]) -> dict[str, Any]:
    shown = [_strength_shown(f) for f in sources["strengths"]]
    # The client's own words first (stable otherwise).
    strengths = sorted(shown, key=lambda s: not s["own_words"])
    worker = client.primary_worker
    contacts = (
        [(_("%(name)s (your worker)") % {"name": worker.label}, worker.email)] if worker else []
    )
    contacts += [(f"{m.name} ({m.relationship})", "") for m in sources["outside"]]
    return {"goals": sources["goals"], "strengths": strengths, "contacts": contacts}


def _quoted_for(words: str, language: str) -> str:
    from .pdf import quoted

    return quoted(words, language)


def _who(step: Step, client: Any) -> str:
    if step.who == Step.Who.CLIENT:
        return _("You")
    if step.who == Step.Who.WORKER:
        worker = client.primary_worker
        return _("%(name)s (your worker)") % {"name": worker.label} if worker else _("Your worker")
    return step.who_name


@login_required
def take_home(request: StaffRequest, client_id: int, fmt: str = "html") -> HttpResponse:
    """The one-page plan in the client's language: their words first."""
    client = access_client(request.user, client_id, request=request)
    plan = _plan_or_404(client)
    sources = selectors.take_home_sources(
        visible_to=request.user, client=client, plan=plan, fmt=fmt, request=request
    )
    language = client.preferred_language if client.preferred_language in ("en", "es") else "en"
    with translation.override(language):
        data = _take_home_data(client, sources)
        if fmt == "pdf":
            from .pdf import PlanGoal, PlanStep, TakeHomePlan, render_take_home_pdf

            document = TakeHomePlan(
                client_name=client.display_name,
                title=_("My plan"),
                dated=date_format(timezone.localdate(), "DATE_FORMAT"),
                intro=_(
                    "This plan is yours. It is written in your words, with the steps you chose."
                ),
                strengths_heading=_("My strengths"),
                strengths=[
                    _quoted_for(s["text"], language)
                    if s["own_words"]
                    else f"{s['text']} ({s['byline']})"
                    for s in data["strengths"]
                ],
                goals_heading=_("My goals"),
                goals=[
                    PlanGoal(
                        words=g.statement,
                        own_words=g.author == "client",
                        why=g.why_it_matters,
                        steps=[
                            PlanStep(
                                text=s.text,
                                who=_who(s, client),
                                target=date_format(s.target_date, "DATE_FORMAT")
                                if s.target_date
                                else "",
                                done=bool(s.done_on),
                            )
                            for s in g.ordered_steps
                        ],
                    )
                    for g in data["goals"]
                ],
                steps_heading=_("Next steps"),
                who_label=_("Who"),
                when_label=_("By when"),
                done_label=_("Done"),
                contacts_heading=_("Who to call"),
                contacts=data["contacts"],
                footer=_("This plan belongs to you. Bring it to our next meeting."),
                language=language,
            )
            response = HttpResponse(render_take_home_pdf(document), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="plan-{client.pk}.pdf"'
            return response
        return render_page(
            request,
            "plans/take_home.html",
            {
                "client": client,
                "plan": plan,
                "language": language,
                "who": {s.pk: _who(s, client) for g in data["goals"] for s in g.ordered_steps},
                **data,
            },
        )


@login_required
def waiting(request: StaffRequest) -> HttpResponse:
    """The supervisor's list of plans waiting for approval."""
    return render_page(
        request,
        "plans/plans_waiting.html",
        {"plans": list(selectors.plans_awaiting_approval(visible_to=request.user))},
    )
