"""The definition module, without a database: FHIR round trips, our rules with every problem
named, and which questions are asked — checked against an independent reading of FHIR's
enableWhen rules on random questionnaires and answers."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import pytest

from strengthwise.questionnaires import definition as qdef

T = qdef.Text


def _sample() -> qdef.Definition:
    return qdef.Definition(
        title=T("Intake", "Ingreso"),
        description=T("About you", "Sobre usted"),
        items=(
            qdef.Item("served", "boolean", T("Served?", "¿Sirvió?"), required=True, level="micro"),
            qdef.Item(
                "branch",
                "choice",
                T("Branch", "Rama"),
                help=T("Any branch", "Cualquier rama"),
                repeats=True,
                options=(
                    qdef.Option("army", T("Army", "Ejército")),
                    qdef.Option("navy", T("Navy", "Marina")),
                ),
                enable_when=(qdef.Condition("served", "=", True),),
                level="macro",
                domain="vocational_education",
                author="worker",
            ),
            qdef.Item(
                "money",
                "group",
                T("Money", "Dinero"),
                items=(
                    qdef.Item("income", "decimal", T("Income", "Ingresos")),
                    qdef.Item(
                        "since",
                        "date",
                        T("Since when?", "¿Desde cuándo?"),
                        enable_when=(
                            qdef.Condition("income", ">", Decimal("0")),
                            qdef.Condition("served", "exists", True),
                        ),
                        enable_any=True,
                    ),
                    qdef.Item("words", "text", T("In your words", "En sus palabras")),
                ),
            ),
            qdef.Item(
                "ready",
                "choice",
                T("Ready?", "¿Listo?"),
                options=(
                    qdef.Option("0", T("No", "No"), Decimal("0")),
                    qdef.Option("1", T("Yes", "Sí"), Decimal("2.5")),
                ),
            ),
            qdef.Item("kids", "integer", T("Children", "Hijos")),
        ),
    )


def test_a_definition_survives_the_round_trip_through_fhir_and_json():
    defn = _sample()
    resource = qdef.to_fhir(
        defn, url="https://x.example/q", name="intake", version="3", status="active"
    )
    assert qdef.fhir_problems(resource) == []
    again, problems = qdef.parse_json(json.dumps(resource))
    assert problems == []
    assert qdef.read(again) == defn
    assert qdef.problems(defn) == []
    assert qdef.spanish_missing(defn) == []
    # The Spanish travels as FHIR's translation extension; help as an SDC help display item.
    assert resource["_title"]["extension"][0]["url"] == qdef.TRANSLATION
    branch = resource["item"][1]
    assert branch["item"][0]["type"] == "display"
    assert (
        branch["item"][0]["_text"]["extension"][0]["extension"][1]["valueString"]
        == "Cualquier rama"
    )
    ready = resource["item"][3]["answerOption"][1]
    assert ready["extension"] == [{"url": qdef.ORDINAL, "valueDecimal": 2.5}]


def test_every_problem_is_named_not_only_the_first():
    defn = qdef.Definition(
        title=T(""),
        items=(
            qdef.Item(
                "a", "choice", T("A"), options=(qdef.Option("x", T("X")), qdef.Option("x", T("")))
            ),
            qdef.Item("a", "string", T("Again")),
            qdef.Item("bad id!", "integer", T("Bad")),
            qdef.Item("c", "string", T("C"), enable_when=(qdef.Condition("nowhere", "=", "x"),)),
            qdef.Item("d", "string", T("D"), enable_when=(qdef.Condition("h", "=", "nope"),)),
            qdef.Item("e", "string", T("E"), enable_when=(qdef.Condition("h", ">", "x"),)),
            qdef.Item("f", "string", T("F"), repeats=True, level="mega", domain="moon"),
            qdef.Item("g", "group", T("Empty group")),
            qdef.Item(
                "h",
                "choice",
                T("Half scored"),
                options=(
                    qdef.Option("1", T("One"), Decimal(1)),
                    qdef.Option("2", T("Two")),
                ),
            ),
        ),
    )
    found = qdef.problems(defn)
    expected_fragments = [
        "needs a title",
        "the code x is used twice",
        "the answer x has no English text",
        "The link id a is used twice",
        "'bad id!'",
        "no such question",
        "has no answer coded 'nope'",
        "compares numbers and dates only",
        "only a choice may take several answers",
        "the level must be micro, meso or macro",
        "'moon' is not a life domain",
        "The group g holds no question",
        "either every answer has a score or none has",
    ]
    for fragment in expected_fragments:
        assert any(fragment in p for p in found), (fragment, found)
    assert len(qdef.spanish_missing(defn)) > 5


def test_conditions_in_a_circle_are_refused_and_never_loop():
    defn = qdef.Definition(
        title=T("Loop"),
        items=(
            qdef.Item("a", "string", T("A"), enable_when=(qdef.Condition("c", "exists", True),)),
            qdef.Item("b", "string", T("B"), enable_when=(qdef.Condition("a", "exists", True),)),
            qdef.Item("c", "string", T("C"), enable_when=(qdef.Condition("b", "exists", True),)),
            qdef.Item("d", "string", T("D")),
        ),
    )
    found = [p for p in qdef.problems(defn) if "circle" in p]
    assert found and "a" in found[0] and "c" in found[0]
    assert qdef.enabled(defn, {"a": ["x"], "b": ["y"], "c": ["z"]}) == {"d"}
    # A question inside a group that depends on its own group is a circle too.
    nested = qdef.Definition(
        title=T("Nested"),
        items=(
            qdef.Item(
                "g",
                "group",
                T("G"),
                enable_when=(qdef.Condition("inner", "exists", True),),
                items=(qdef.Item("inner", "string", T("Inner")),),
            ),
        ),
    )
    assert any("circle" in p for p in qdef.problems(nested))


def test_what_is_not_valid_fhir_is_named_by_the_fhir_model():
    assert qdef.parse_json("{nope")[1][0].startswith("This is not JSON")
    assert qdef.parse_json("[]")[1] == [
        "This is not a FHIR Questionnaire (a JSON object is expected)."
    ]
    assert qdef.parse_json(" " * (qdef.MAX_BYTES + 1))[1][0].startswith("The file is larger")
    resource, problems = qdef.parse_json(
        json.dumps({"resourceType": "Questionnaire", "item": [{"linkId": 5}]})
    )
    assert problems and all(p.startswith("FHIR R4:") for p in problems)
    unread = qdef.read(
        {"resourceType": "Patient", "item": [{"linkId": "a", "type": "attachment", "text": "A"}]}
    )
    assert any("not a FHIR Questionnaire" in p for p in qdef.problems(unread))
    assert any("attachment" in p for p in qdef.problems(unread))


def test_answers_are_typed_and_checked_against_the_definition():
    defn = _sample()
    typed, errors = qdef.check_answers(
        defn,
        {
            "served": "yes",
            "branch": ["army", "navy"],
            "income": "12.50",
            "since": "2024-05-01",
            "kids": "2",
            "ready": "1",
            "words": "  Getting by  ",
        },
    )
    assert errors == {}
    assert typed == {
        "served": [True],
        "branch": ["army", "navy"],
        "income": [Decimal("12.50")],
        "since": [dt.date(2024, 5, 1)],
        "kids": [2],
        "ready": ["1"],
        "words": ["Getting by"],
    }
    assert qdef.total_score(defn, typed) == Decimal("2.5")

    typed, errors = qdef.check_answers(
        defn,
        {"served": "no", "branch": "army", "kids": "two", "ready": "7", "nope": "x", "money": "1"},
    )
    assert "not asked" in errors["branch"][0]
    assert errors["kids"] == ["Enter a whole number."]
    assert "not one of this question's answers" in errors["ready"][0]
    assert errors[""] == ["There is no question 'nope'."]
    assert errors["money"] == ["A group takes no answer."]
    assert "branch" not in typed

    _typed, errors = qdef.check_answers(defn, {})
    assert errors == {"served": ["This question needs an answer."]}
    _typed, errors = qdef.check_answers(defn, {"served": True, "kids": True, "ready": ["0", "1"]})
    assert errors["kids"] == ["Enter a whole number."]
    assert errors["ready"] == ["This question takes one answer."]
    _typed, errors = qdef.check_answers(defn, {"served": True, "words": "x" * 5000})
    assert "under 4000" in errors["words"][0]


def test_a_response_keeps_whose_words_and_reads_back():
    defn = _sample()
    typed, _errors = qdef.check_answers(
        defn,
        {
            "served": True,
            "branch": ["navy"],
            "words": "We manage",
            "income": "3",
            "since": "2020-01-02",
        },
    )
    items = qdef.response_items(defn, typed, {"words": False})
    words = items[2]["item"][2]
    assert words["extension"] == [
        {"url": qdef.AUTHOR_EXT, "valueCode": "client"},
        {"url": qdef.VERBATIM_EXT, "valueBoolean": False},
    ]
    assert items[1]["extension"] == [{"url": qdef.AUTHOR_EXT, "valueCode": "worker"}]
    answers, verbatim = qdef.answers_from_response(items)
    assert answers == typed
    assert verbatim == {"words": False}


def test_editing_helpers_add_replace_move_and_remove_items():
    defn = _sample()
    added = qdef.with_item(
        defn, qdef.Item("pets", "boolean", T("Pets?", "¿Mascotas?")), parent="money"
    )
    assert [i.link_id for i in added.find("money").items][-1] == "pets"
    renamed = qdef.with_item(added, qdef.Item("pets", "string", T("Which pets?")), parent="money")
    assert renamed.find("pets").type == "string"
    assert renamed.find("money").items[-1].link_id == "pets"
    moved = qdef.moved(renamed, "kids", -1)
    assert [i.link_id for i in moved.items][-2:] == ["kids", "ready"]
    assert [i.link_id for i in qdef.moved(moved, "kids", -10).items][0] == "kids"
    assert qdef.without_item(moved, "pets").find("pets") is None


# --- which questions are asked: against an independent reading of the FHIR rules -------------


def _reference_enabled(items: list[dict], answers: dict[str, list]) -> set[str]:
    """FHIR R4's rules read plainly: iterate to a fixed point. An item is enabled when its
    parent is and (all | any) of its conditions hold, where a disabled item has no answer;
    `exists` compares presence; `=` holds if some answer equals, `!=` if none does; ordered
    comparisons hold if some answer compares so."""
    parent = {c["id"]: i["id"] for i in items for c in i.get("children", [])}
    flat = {i["id"]: i for i in items}
    for i in items:
        for c in i.get("children", []):
            flat[c["id"]] = c
    on = set(flat)
    for _ in range(len(flat) + 2):
        new = set()
        for key, item in flat.items():
            if key in parent and parent[key] not in on:
                continue
            results = []
            for q, op, want in item.get("when", []):
                given = answers.get(q, []) if q in on else []
                if op == "exists":
                    results.append(bool(given) == want)
                elif op == "=":
                    results.append(want in given)
                elif op == "!=":
                    results.append(want not in given)
                elif op == ">":
                    results.append(any(g > want for g in given))
                elif op == "<=":
                    results.append(any(g <= want for g in given))
            if not results or (any(results) if item.get("any") else all(results)):
                new.add(key)
        if new == on:
            break
        on = new
    return on


@pytest.mark.parametrize("seed", range(60))
def test_which_questions_are_asked_matches_the_reference(seed):
    rng = random.Random(seed)
    # Questions ordered so that a condition looks only backwards (no circles).
    plain = []
    for n in range(rng.randint(2, 7)):
        kind = rng.choice(["integer", "choice", "boolean"])
        plain.append({"id": f"q{n}", "type": kind, "when": []})
    for n, item in enumerate(plain[1:], 1):
        for _ in range(rng.randint(0, 2)):
            target = plain[rng.randrange(n)]
            if target["type"] == "integer":
                op = rng.choice(["=", "!=", ">", "<=", "exists"])
                want = True if op == "exists" else rng.randint(0, 3)
            elif target["type"] == "choice":
                op = rng.choice(["=", "!=", "exists"])
                want = True if op == "exists" else rng.choice(["a", "b", "c"])
            else:
                op = rng.choice(["=", "!=", "exists"])
                want = rng.choice([True, False])
            item["when"].append((target["id"], op, want))
        item["any"] = rng.random() < 0.4
    # Sometimes the last questions sit in a group that has a condition of its own.
    items = plain
    if len(plain) > 3 and rng.random() < 0.5:
        group = {
            "id": "grp",
            "type": "group",
            "when": plain[-2]["when"][:1],
            "children": plain[-2:],
        }
        group["when"] = [(plain[0]["id"], "exists", True)]
        items = plain[:-2] + [group]

    def to_item(raw: dict) -> qdef.Item:
        options = tuple(qdef.Option(c, T(c)) for c in "abc") if raw["type"] == "choice" else ()
        return qdef.Item(
            raw["id"],
            raw["type"],
            T(raw["id"]),
            options=options,
            enable_when=tuple(qdef.Condition(q, op, want) for q, op, want in raw.get("when", [])),
            enable_any=raw.get("any", False),
            items=tuple(to_item(c) for c in raw.get("children", [])),
        )

    defn = qdef.Definition(title=T("Random"), items=tuple(to_item(i) for i in items))
    assert [p for p in qdef.problems(defn) if "circle" in p] == []
    for _ in range(20):
        answers = {}
        for raw in plain:
            if rng.random() < 0.7:
                value = {
                    "integer": rng.randint(0, 3),
                    "choice": rng.choice("abc"),
                    "boolean": rng.random() < 0.5,
                }[raw["type"]]
                answers[raw["id"]] = [value]
        assert qdef.enabled(defn, answers) == _reference_enabled(items, answers), (items, answers)


# --- what an import carries that the editor does not show is kept, or refused by name ---------

LOINC = "http://loinc.org"


def _imported() -> dict:
    return {
        "resourceType": "Questionnaire",
        "status": "draft",
        "title": "Food",
        "item": [
            {
                "linkId": "worry",
                "type": "choice",
                "code": [{"system": LOINC, "code": "88122-7", "display": "Food worry"}],
                "text": "Worried food would run out",
                "answerOption": [
                    {"valueCoding": {"system": LOINC, "code": "LA28397-0", "display": "Often"}},
                    {"valueCoding": {"system": LOINC, "code": "LA28398-8", "display": "Never"}},
                ],
            },
            {"linkId": "note", "type": "string", "text": "Anything else?", "maxLength": 20},
            {"linkId": "more", "type": "group", "text": "More", "item": []},
        ],
    }


def test_imported_codes_answer_systems_and_max_length_survive_the_round_trip():
    defn = qdef.read(_imported())
    worry = defn.find("worry")
    assert worry.codes == (qdef.Coding(LOINC, "88122-7", "Food worry"),)
    assert {o.system for o in worry.options} == {LOINC}
    assert defn.find("note").max_length == 20
    out = qdef.to_fhir(defn, url="urn:x", name="x")
    assert out["item"][0]["code"] == _imported()["item"][0]["code"]
    assert [o["valueCoding"]["system"] for o in out["item"][0]["answerOption"]] == [LOINC, LOINC]
    assert out["item"][1]["maxLength"] == 20
    assert qdef.read(out) == defn
    # Answers leave in the answer's own system, and read back by code.
    typed, errors = qdef.check_answers(defn, {"worry": "LA28397-0"}, require=False)
    assert errors == {}
    items = qdef.response_items(defn, typed, {})
    assert items[0]["answer"][0]["valueCoding"]["system"] == LOINC
    assert qdef.answers_from_response(items)[0] == {"worry": ["LA28397-0"]}


def test_max_length_is_enforced_and_checked():
    defn = qdef.read(_imported())
    _typed, errors = qdef.check_answers(defn, {"note": "x" * 21}, require=False)
    assert errors["note"] == ["Keep this under 20 characters."]
    typed, errors = qdef.check_answers(defn, {"note": "x" * 20}, require=False)
    assert errors == {} and typed == {"note": ["x" * 20]}
    resource = _imported()
    resource["item"][1]["maxLength"] = 0
    resource["item"][0]["maxLength"] = 5
    found = qdef.problems(qdef.read(resource), draft=True)
    assert any("note" in p and "maxLength must be between 1 and 300" in p for p in found)
    assert any("worry" in p and "only a string or text has a maxLength" in p for p in found)


def test_what_we_do_not_keep_is_refused_by_name_never_dropped():
    resource = _imported()
    resource["item"][1]["initial"] = [{"valueString": "nothing"}]
    resource["item"][1]["prefix"] = "2."
    resource["item"][0]["answerOption"][1]["initialSelected"] = True
    found = qdef.problems(qdef.read(resource), draft=True)
    assert any("note" in p and "initial is not supported" in p for p in found)
    assert any("note" in p and "prefix is not supported" in p for p in found)
    assert any("worry" in p and "initialSelected" in p for p in found)


def test_the_editor_keeps_what_the_import_carried_and_moves_between_groups():
    defn = qdef.read(_imported())
    old = defn.find("worry")
    # The editor's item: same answers (one renamed), no codes, no systems.
    edited = qdef.Item(
        "worry",
        "choice",
        T("Worried the food would run out", "Preocupación"),
        options=(
            qdef.Option("LA28397-0", T("Often", "A menudo")),
            qdef.Option("sometimes", T("Sometimes", "A veces")),
        ),
    )
    kept = qdef.keeping_imported(old, edited)
    assert kept.codes == old.codes
    assert [o.system for o in kept.options] == [LOINC, ""]
    retyped = qdef.keeping_imported(defn.find("note"), qdef.Item("note", "integer", T("N")))
    assert retyped.max_length is None
    # An item given another group moves there (to its end), and back out again.
    inside = qdef.with_item(defn, qdef.Item("note", "string", T("Else?")), parent="more")
    assert [i.link_id for i in inside.items] == ["worry", "more"]
    assert [i.link_id for i in inside.find("more").items] == ["note"]
    assert qdef.parent_of(inside, "note") == "more"
    out = qdef.with_item(inside, qdef.Item("note", "string", T("Else?")), parent="")
    assert [i.link_id for i in out.items] == ["worry", "more", "note"]
    assert out.find("more").items == ()
