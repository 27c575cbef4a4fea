"""Planning: goals in the client's words, conflicts, options weighed, steps, GAS, sign-off and
approval, client voice, the take-home plan; access for every page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from strengthwise.audit.models import AuditEvent
from strengthwise.core.errors import Conflict, DomainError, ValidationFailed
from strengthwise.plans import selectors, services
from strengthwise.plans.models import GasFollowUp, Goal, Plan, PlanEvent, PlanVersion, Step

GAS = {"gas_minus2": "a", "gas_minus1": "b", "gas_zero": "c", "gas_plus1": "d", "gas_plus2": "e"}


@pytest.fixture
def plan(personas):
    return services.plan_start(acting_user=personas.alice, client=personas.dana)


def goal(personas, plan, **fields):
    return services.goal_add(
        acting_user=personas.alice,
        plan=plan,
        fields={
            "statement": "Move into an apartment",
            "author": "client",
            "domain": "daily_living",
            **fields,
        },
    )


# --- goals and conflicts --------------------------------------------------------------------


def test_goal_keeps_who_wrote_it_and_the_workers_view_beside_it(personas, plan):
    g = goal(personas, plan, worker_view="Start with the voucher waiting list", verbatim=True)
    g.refresh_from_db()
    assert (g.author, g.verbatim, g.recorded_by) == ("client", True, personas.alice)
    assert g.worker_view == "Start with the voucher waiting list"
    assert AuditEvent.objects.filter(action="goal.added", client_id=personas.dana.pk).exists()


def test_two_people_editing_a_goal_get_a_conflict_with_both_texts(personas, plan):
    g = goal(personas, plan)
    services.goal_update(
        acting_user=personas.bob, goal=g, version=1, fields={"statement": "Bob's words"}
    )
    with pytest.raises(Conflict) as conflict:
        services.goal_update(
            acting_user=personas.alice, goal=g, version=1, fields={"statement": "Alice's words"}
        )
    assert conflict.value.current["statement"] == "Bob's words"
    assert conflict.value.attempted["statement"] == "Alice's words"
    assert Goal.objects.get(pk=g.pk).statement == "Bob's words"


@pytest.mark.parametrize(
    "bad",
    [
        {"domain": "astrology"},
        {"statement": ""},
        {"author": "the cat"},
        {"statement": "a\x00"},
        {"importance": 11},
        {"gas_baseline": 3},
    ],
)
def test_bad_goals_are_refused(personas, plan, bad):
    with pytest.raises(ValidationFailed):
        goal(personas, plan, **bad)
    assert not Goal.objects.exists()


def test_links_to_someone_elses_strengths_are_refused(planned):
    from strengthwise.assessments.models import Factor

    plan = selectors.plan_current(client=planned.dana)
    rosa_strength = Factor.objects.filter(client=planned.rosa).first()
    with pytest.raises(ValidationFailed):
        services.goal_add(
            acting_user=planned.alice,
            plan=plan,
            fields={"statement": "x", "domain": "health"},
            strengths=[rosa_strength],
        )


# --- options weighed, steps -----------------------------------------------------------------


def test_options_weighed_become_a_goal_and_stay_on_record(personas, plan):
    choice = services.option_set_add(
        acting_user=personas.alice,
        plan=plan,
        problem="Which course?",
        options=[
            {"text": "Evening course", "pros": "cheap", "cons": "late", "author": "client"},
            {"text": "Private program", "pros": "fast", "cons": "loan", "author": "client"},
        ],
    )
    with pytest.raises(DomainError):
        services.option_make_goal(
            acting_user=personas.alice, option_set=choice, domain="vocational_education"
        )
    services.option_choose(
        acting_user=personas.alice,
        option_set=choice,
        option=choice.options.get(text="Evening course"),
    )
    g = services.option_make_goal(
        acting_user=personas.alice, option_set=choice, domain="vocational_education"
    )
    assert (g.statement, g.author, g.why_it_matters) == ("Evening course", "client", "cheap")
    assert choice.options.count() == 2
    with pytest.raises(DomainError):
        services.option_make_goal(
            acting_user=personas.alice, option_set=choice, domain="vocational_education"
        )


def test_steps_name_who_does_them_and_the_clients_come_first(personas, plan):
    g = goal(personas, plan)
    services.step_add(
        acting_user=personas.alice, goal=g, fields={"text": "Call landlords", "who": "worker"}
    )
    services.step_add(
        acting_user=personas.alice,
        goal=g,
        fields={"text": "Drive to viewings", "who": "support", "who_name": "Marisol"},
    )
    services.step_add(
        acting_user=personas.alice, goal=g, fields={"text": "Gather pay stubs", "who": "client"}
    )
    with pytest.raises(ValidationFailed):
        services.step_add(
            acting_user=personas.alice,
            goal=g,
            fields={"text": "Help", "who": "agency", "who_name": ""},
        )
    ordered = selectors.plan_goals(plan=plan)[0].ordered_steps
    assert [s.text for s in ordered] == ["Gather pay stubs", "Call landlords", "Drive to viewings"]
    step = Step.objects.get(text="Gather pay stubs")
    services.step_mark_done(acting_user=personas.alice, step=step, done_on=dt.date(2026, 1, 5))
    assert Step.objects.get(pk=step.pk).done_on == dt.date(2026, 1, 5)


# --- GAS ------------------------------------------------------------------------------------


def test_follow_ups_need_all_five_levels_and_keep_both_scorers(personas, plan):
    g = goal(personas, plan, gas_zero="In an apartment")
    with pytest.raises(DomainError):
        services.gas_followup_add(acting_user=personas.alice, goal=g, level=0, scored_by="client")
    g = services.goal_update(
        acting_user=personas.alice, goal=g, version=g.version, fields={**GAS, "gas_baseline": -1}
    )
    services.gas_followup_add(
        acting_user=personas.alice,
        goal=g,
        level=1,
        scored_by="client",
        scored_on=dt.date(2026, 2, 1),
    )
    services.gas_followup_add(
        acting_user=personas.alice,
        goal=g,
        level=0,
        scored_by="worker",
        scored_on=dt.date(2026, 2, 1),
    )
    for bad in [3, -3, True]:
        with pytest.raises(ValidationFailed):
            services.gas_followup_add(
                acting_user=personas.alice, goal=g, level=bad, scored_by="client"
            )
    assert list(GasFollowUp.objects.values_list("scored_by", "level")) == [
        ("client", 1),
        ("worker", 0),
    ]


def test_t_score_series_uses_latest_scores_and_baselines(planned):
    plan = selectors.plan_current(client=planned.dana)
    goals = selectors.plan_goals(plan=plan)
    series = selectors.t_score_series(goals, "client")
    # 60 days ago both goals at −1 (weights 3×2 and 2×3) → 50 + 10·(−12)/sqrt(0.7·72 + 0.3·144) = 37.60
    assert round(series[0][1], 2) == 37.60
    # 7 days ago both at 0 → 50
    assert round(series[-1][1], 2) == 50.0


def test_past_t_scores_do_not_change_when_the_plan_changes_later(personas, plan):
    """A point at day D counts exactly the goals in the plan on D, each at its latest score on
    or before D (else its baseline). Worked out by hand (rho 0.3):
    T = 50 + 10·Σwx / √(0.7·Σw² + 0.3·(Σw)²)

    Oct 1: goal A (importance 2 × difficulty 2 → w 4, baseline −1) and B (1 × 2 → w 2, −2).
    Oct 5: client scores A 0, B −1 → Σwx = −2, √(0.7·20 + 0.3·36) = √24.8 = 4.97996
           → T = 50 − 20/4.97996 = 45.98
    Oct 20: client scores A +1 (B still −1) → Σwx = 4 − 2 = 2 → T = 54.02
    Oct 25: goal C added (3 × 3 → w 9, baseline −2); B revised into B2 (1 × 2 → w 2, baseline 0)
    Oct 28: A set aside by the client.
    Oct 30: client scores C −1. In the plan that day: B2 (0) and C (−1); A and B are not.
           Σwx = −9, √(0.7·85 + 0.3·121) = √95.8 = 9.78775 → T = 50 − 9.19517 = 40.80
    """
    import time_machine

    from strengthwise.outcomes import measures

    def at(day: int):
        return time_machine.travel(dt.datetime(2026, 10, day, 12, tzinfo=dt.UTC), tick=False)

    def scaled(statement, importance, difficulty, baseline):
        return goal(
            personas,
            plan,
            statement=statement,
            gas_importance=importance,
            gas_difficulty=difficulty,
            gas_baseline=baseline,
            **GAS,
        )

    def score(g, level, day):
        with at(day):
            services.gas_followup_add(
                acting_user=personas.alice, goal=g, level=level, scored_by="client"
            )

    def series():
        goals = selectors.plan_goals(plan=plan)
        return [(d.day, round(t, 2)) for d, t in selectors.t_score_series(goals, "client")]

    with at(1):
        a = scaled("A", 2, 2, -1)
        b = scaled("B", 1, 2, -2)
    score(a, 0, 5)
    score(b, -1, 5)
    score(a, 1, 20)
    assert series() == [(5, 45.98), (20, 54.02)]

    with at(25):
        c = scaled("C", 3, 3, -2)
        services.goal_update(
            acting_user=personas.alice, goal=b, version=b.version, fields={"status": "revised"}
        )
        scaled("B2", 1, 2, 0)
    assert series() == [(5, 45.98), (20, 54.02)]
    with at(28):
        a.refresh_from_db()
        services.goal_update(
            acting_user=personas.alice, goal=a, version=a.version, fields={"status": "set_aside"}
        )
    score(c, -1, 30)
    assert series() == [(5, 45.98), (20, 54.02), (30, 40.80)]

    # The reports apply the same rule: the latest point in the period, per client.
    dana = personas.dana.pk
    for end, expected in [(5, 45.98), (19, 45.98), (20, 54.02), (31, 40.80)]:
        scope = measures.Scope(agency_id=plan.agency_id, end=dt.date(2026, 10, end))
        assert round(measures.gas_scores(scope)[dana], 2) == expected, end


# --- client voice ---------------------------------------------------------------------------


def test_client_voice_share_and_flag(personas, plan):
    goal(personas, plan, author="worker", statement="Worker idea")
    voice = selectors.client_voice(list(Goal.objects.filter(plan=plan)))
    assert (voice.client_authored, voice.total, voice.flagged) == (0, 1, True)
    goal(personas, plan, author="client", statement="My words")
    voice = selectors.client_voice(list(Goal.objects.filter(plan=plan)))
    assert voice.share == 0.5 and not voice.flagged


# --- sign-off and approval ------------------------------------------------------------------


def test_sign_off_approval_return_and_resubmit(personas, plan):
    with pytest.raises(DomainError):  # nothing to agree to yet
        services.plan_client_agree(
            acting_user=personas.alice, plan=plan, signed_name="Dana Whitfield"
        )
    g = goal(personas, plan)
    with pytest.raises(ValidationFailed):
        services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="  ")
    with pytest.raises(DomainError):
        services.plan_worker_sign(acting_user=personas.alice, plan=plan)  # the client agrees first
    services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="Dana Whitfield")
    services.plan_worker_sign(acting_user=personas.alice, plan=plan)
    assert plan.status == Plan.Status.AWAITING_APPROVAL  # Housing Stability requires approval
    with pytest.raises(DomainError):  # carol supervises nothing here; alice is not a supervisor
        services.plan_review(acting_user=personas.alice, plan=plan, approve=True)
    with pytest.raises(ValidationFailed):
        services.plan_review(acting_user=personas.bob, plan=plan, approve=False, comment="")
    services.plan_review(
        acting_user=personas.bob, plan=plan, approve=False, comment="Add a legal aid step"
    )
    assert plan.status == Plan.Status.RETURNED
    services.step_add(
        acting_user=personas.alice, goal=g, fields={"text": "Legal aid", "who": "client"}
    )
    plan.refresh_from_db()
    assert (plan.number, plan.status) == (2, Plan.Status.DRAFT)
    services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="Dana Whitfield")
    services.plan_worker_sign(acting_user=personas.alice, plan=plan)
    services.plan_review(acting_user=personas.bob, plan=plan, approve=True)
    assert plan.status == Plan.Status.ACTIVE
    kinds = list(PlanEvent.objects.filter(plan=plan).values_list("kind", "number"))
    assert kinds == [
        ("client_agreed", 1),
        ("worker_signed", 1),
        ("submitted", 1),
        ("returned", 1),
        ("reopened", 2),
        ("client_agreed", 2),
        ("worker_signed", 2),
        ("submitted", 2),
        ("approved", 2),
    ]
    assert list(PlanVersion.objects.filter(plan=plan).values_list("number", flat=True)) == [1, 2]
    v1, v2 = PlanVersion.objects.order_by("number")
    assert len(v1.snapshot["goals"][0]["steps"]) == 0 and len(v2.snapshot["goals"][0]["steps"]) == 1


def test_a_change_after_sign_off_starts_a_new_version(personas, plan):
    g = goal(personas, plan)
    services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="Dana")
    services.goal_update(
        acting_user=personas.alice, goal=g, version=g.version, fields={"statement": "Changed words"}
    )
    plan.refresh_from_db()
    assert (plan.number, plan.status) == (2, Plan.Status.DRAFT)
    assert (
        PlanVersion.objects.get(plan=plan, number=1).snapshot["goals"][0]["statement"]
        == "Move into an apartment"
    )


def test_program_without_approval_goes_straight_to_active(personas):
    keisha = personas.carol_client
    plan = services.plan_start(acting_user=personas.carol, client=keisha)
    services.goal_add(
        acting_user=personas.carol,
        plan=plan,
        fields={"statement": "Safe home", "domain": "daily_living"},
    )
    services.plan_client_agree(acting_user=personas.carol, plan=plan, signed_name="Keisha")
    services.plan_worker_sign(acting_user=personas.carol, plan=plan)
    assert plan.status == Plan.Status.ACTIVE


# --- pages ----------------------------------------------------------------------------------


def urls(client, goal_id, step_id, set_id):
    base = f"/clients/{client.pk}/plan/"
    return {
        "get": [
            base,
            f"{base}goals/new/",
            f"{base}goals/{goal_id}/",
            f"{base}versions/",
            f"{base}take-home/",
            f"{base}take-home.pdf",
        ],
        "post": [
            f"{base}start/",
            f"{base}goals/new/",
            f"{base}goals/{goal_id}/",
            f"{base}goals/{goal_id}/steps/",
            f"{base}steps/{step_id}/done/",
            f"{base}goals/{goal_id}/followups/",
            f"{base}options/",
            f"{base}options/{set_id}/choose/",
            f"{base}options/{set_id}/make-goal/",
            f"{base}sign/client/",
            f"{base}sign/worker/",
            f"{base}sign/review/",
        ],
    }


@pytest.mark.parametrize("who", ["carol", "mallory", "priya"])
def test_others_get_404_everywhere_and_change_nothing(planned, web, who):
    plan = selectors.plan_current(client=planned.dana)
    g = Goal.objects.filter(plan=plan).first()
    step = Step.objects.filter(goal=g).first()
    option_set = plan.option_sets.first()
    browser = web(getattr(planned, who))
    events = PlanEvent.objects.count()
    paths = urls(planned.dana, g.pk, step.pk, option_set.pk)
    for path in paths["get"]:
        assert browser.get(path).status_code == 404, path
    for path in paths["post"]:
        assert (
            browser.post(
                path, {"statement": "x", "signed_name": "x", "decision": "approve", "text": "x"}
            ).status_code
            == 404
        ), path
    assert PlanEvent.objects.count() == events
    assert Goal.objects.get(pk=g.pk).statement == g.statement


def test_pages_require_sign_in(planned, web):
    assert web().get(f"/clients/{planned.dana.pk}/plan/").status_code == 302


def test_plan_page_shows_the_clients_words_voice_history_and_t_scores(planned, web, audit_events):
    html = web(planned.alice).get(f"/clients/{planned.dana.pk}/plan/").content.decode()
    assert "“Move into an apartment Jayden and I can stay in”" in html
    assert "2 of 2 goals in the client" in html
    assert "Community college evening course" in html and "their choice" in html
    assert "Marisol (sister)" in html
    assert "Returned with comments" in html and "Approved" in html
    assert "<svg" in html and "T-scores" in html
    assert audit_events("plan.viewed", client_id=planned.dana.pk)
    html = web(planned.bob).get("/plans/waiting/").content.decode()
    assert "Nothing is waiting for you" in html


def test_supervisor_sees_waiting_plans(personas, web, plan):
    goal(personas, plan)
    services.plan_client_agree(acting_user=personas.alice, plan=plan, signed_name="Dana")
    services.plan_worker_sign(acting_user=personas.alice, plan=plan)
    html = web(personas.bob).get("/plans/waiting/").content.decode()
    assert "Dana Whitfield" in html
    assert "Dana Whitfield" not in web(personas.carol).get("/plans/waiting/").content.decode()


def test_goal_form_creates_and_detects_conflicts(planned, web):
    browser = web(planned.alice)
    base = f"/clients/{planned.dana.pk}/plan/goals/"
    response = browser.post(
        f"{base}new/",
        {
            "statement": "Paint again",
            "author": "client",
            "verbatim": "on",
            "domain": "leisure",
            "status": "active",
        },
    )
    assert response.status_code == 302
    g = next(g for g in Goal.objects.all() if g.statement == "Paint again")
    browser.post(
        f"{base}{g.pk}/",
        {
            "version": g.version,
            "statement": "Paint every Sunday",
            "author": "client",
            "domain": "leisure",
            "status": "active",
        },
    )
    stale = browser.post(
        f"{base}{g.pk}/",
        {
            "version": g.version,
            "statement": "Paint with Jayden",
            "author": "client",
            "domain": "leisure",
            "status": "active",
        },
    )
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Paint every Sunday" in html and "Paint with Jayden" in html
    bad = browser.post(
        f"{base}new/",
        {"statement": "", "author": "client", "domain": "leisure", "status": "active"},
    )
    assert bad.status_code == 400


def test_take_home_pdf_has_the_clients_words(planned, web):
    response = web(planned.alice).get(f"/clients/{planned.dana.pk}/plan/take-home.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Move into an apartment Jayden and I can stay in" in text
    assert "Gather my last three pay stubs" in text and "Marisol (sister)" in text
    assert AuditEvent.objects.filter(
        action="plan.take_home_exported", client_id=planned.dana.pk
    ).exists()


def test_take_home_is_in_the_clients_language(planned, web):
    response = web(planned.alice).get(f"/clients/{planned.rosa.pk}/plan/take-home.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Mi plan" in text and "Tener mi propio taller de costura" in text
    html = web(planned.alice).get(f"/clients/{planned.rosa.pk}/plan/take-home/").content.decode()
    assert "Mi plan" in html and 'lang="es"' in html


def test_the_goal_form_offers_the_stages_of_change_in_spanish(planned, web):
    """Issue 10 item 12: the plan's goal form listed the stages of change in English."""
    client = web(planned.alice)
    client.cookies["django_language"] = "es"
    html = client.get(f"/clients/{planned.dana.pk}/plan/goals/new/").content.decode()
    from django.utils import translation

    from strengthwise.assessments.selectors import stages_of_change

    with translation.override("es"):
        spanish = [label for _key, label in stages_of_change()]
    assert spanish and all(label in html for label in spanish)
    with translation.override("en"):
        english = [label for _key, label in stages_of_change()]
    assert not any(label in html for label in english if label not in spanish)
