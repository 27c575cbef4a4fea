"""Every report figure as a de-identified reader may see it (program managers, agency admins,
the `strengthwise report` command).

`deidentify(result, categories)` takes `measures.measure_all`'s result and returns the same
shape with:

- every count of people or records from 1 to 4 shown as ``"<5"`` (`suppression.marker`);
- the counts that add up to a shown total laid out as a `suppression.Table` and suppressed
  together, so that no hidden count can be worked out from the totals (complementary cells);
  a count that is part of a shown whole (e.g. the plans without a client goal out of all plans)
  is suppressed with the rest of the whole beside it, so the rest cannot single anyone out either;
- a share, mean or median shown only when what it is taken over is shown and is 5 or more
  (a mean of one client is that client's value; a share of a hidden count gives it away);
- a figure whose whole is under 5 — or that cannot be protected by hiding cells
  (`SuppressedTable.withheld`) — withheld: every count ``"<5"``, every value ``None`` and
  ``"withheld": True``, shown as "fewer than 5 in all";
- no client ids, and no free text (the strengths table is dropped).

Pure: no database. It is the one place where this happens: the reports page, CSV, XLSX, PDF,
`/api/v1/reports/{name}` and `strengthwise report` all read its output (`reports.build`).
The advocacy tables are left as `suppression.Table`s: they are suppressed for every reader
where they are shown (`reports.advocacy_tables`, `serialize.plain`).

Known limits (as in `suppression`): a hidden count may be narrowed to a short range; the
figures are suppressed one by one, and a reader who combines two different figures about the
same people (e.g. the GAS table by the client and by the worker) is not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import suppression

THRESHOLD = suppression.DEFAULT_THRESHOLD
MARK = suppression.marker(THRESHOLD)

Cell = int | str


def deidentify(
    result: Mapping[str, Any], categories: Mapping[str, Iterable[str]] | None = None
) -> dict[str, Any]:
    """The de-identified copy of `measures.measure_all`'s result (module docstring).
    `categories` maps a service id (str) to its category names, so that a category's count is
    hidden when it would give away a hidden service count."""
    out: dict[str, Any] = {}
    for key, value in result.items():
        if key == "strengths":
            continue  # clients' and workers' words
        if key in ("gas", "gas_worker"):
            out[key] = _gas(value)
        elif key == "ssm":
            out[key] = _ssm(value)
        elif key == "goals":
            out[key] = _goals(value)
        elif key == "referrals":
            out[key] = _referrals(value, categories or {})
        elif key == "client_voice":
            out[key] = _client_voice(value)
        elif key == "data_quality":
            out[key] = _data_quality(value)
        elif key == "questionnaires":
            out[key] = [_questionnaire(q) for q in value]
        else:
            out[key] = value  # scope; advocacy (suppression.Table, suppressed where shown)
    return out


# --- building blocks ------------------------------------------------------------------------


def _table(cells: Sequence[Sequence[int]]) -> suppression.SuppressedTable:
    return suppression.suppress(
        suppression.Table(
            rows=tuple(f"r{i}" for i in range(len(cells))),
            columns=tuple(f"c{j}" for j in range(len(cells[0]))),
            cells=tuple(tuple(row) for row in cells),
        ),
        threshold=THRESHOLD,
    )


def _too_small(table: suppression.SuppressedTable, total: int) -> bool:
    """A table to withhold: it cannot be protected, or it counts fewer than 5 in all."""
    return table.withheld or 0 < total < THRESHOLD


def _count(n: int) -> Cell:
    return suppression.suppress_count(n, threshold=THRESHOLD)


def _part(part: int, whole: int) -> Cell:
    """A count that is part of a shown whole: hidden when it, or the rest of the whole, is
    small (the rest is the whole minus the part, so showing both would show the rest)."""
    if whole < part:  # not a part after all: on its own
        return _count(part)
    return _table([[part, whole - part]]).cells[0][0]


def _over(shown: Cell, true: int, value: Any) -> Any:
    """A mean, median or share over `true` things, shown as `shown`: only when that is shown
    and is 5 or more."""
    return value if isinstance(shown, int) and true >= THRESHOLD else None


def _share(figure: Mapping[str, Any], numerator: Cell, denominator: Cell) -> dict[str, Any]:
    value = figure.get("value")
    if not isinstance(numerator, int):
        value = None
    return {
        **figure,
        "value": _over(denominator, figure.get("denominator", 0), value),
        "numerator": numerator,
        "denominator": denominator,
    }


def _withhold(value: Any, *, keep: tuple[str, ...] = ()) -> Any:
    """Every count "<5" (zeros too) and every value None, keeping the labels (for a figure too small to
    show at all); client ids dropped."""
    if isinstance(value, dict):
        return {
            k: (v if k in keep else _withhold(v, keep=keep))
            for k, v in value.items()
            if k != "client_ids"
        }
    if isinstance(value, list):
        return [_withhold(v, keep=keep) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return MARK  # zeros too: which cells are empty is part of what is withheld
    if isinstance(value, float):
        return None
    return value


def _withheld(value: Mapping[str, Any], *, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    found: dict[str, Any] = _withhold(value, keep=keep)
    found["withheld"] = True
    return found


# --- the figures -----------------------------------------------------------------------------


def _gas(g: Mapping[str, Any]) -> dict[str, Any]:
    """The bins as two rows — below 50 and at or above 50 — so that the share at or above 50
    is a row total and the number of clients the grand total of one suppressed table."""
    bins = g["distribution"]
    below = [b["count"] if b["from"] < 50 else 0 for b in bins]
    above = [b["count"] if b["from"] >= 50 else 0 for b in bins]
    n = g["clients"]
    table = _table([below, above])
    if _too_small(table, n):
        return _withheld(g, keep=("from", "to", "scored_by"))
    clients = table.total
    return {
        **g,
        "clients": clients,
        "left_out": _count(g["left_out"]),
        "goals": _count(g["goals"]),
        "weighted_clients": _part(g["weighted_clients"], n),
        "mean": {
            **g["mean"],
            "value": _over(clients, n, g["mean"]["value"]),
            "denominator": clients,
        },
        "at_or_above_50": _share(g["at_or_above_50"], table.row_totals[1], clients),
        "distribution": [
            {**b, "count": table.cells[1 if b["from"] >= 50 else 0][j]} for j, b in enumerate(bins)
        ],
    }


def _ssm(ssm: Mapping[str, Any]) -> dict[str, Any]:
    """Per domain one table: the clients compared (improved, unchanged, worse) and those for
    whom the domain did not apply, whose sum is usually every client compared."""
    n_pairs = ssm["clients"]
    if 0 < n_pairs < THRESHOLD:
        return _withheld(ssm, keep=("domain", "label"))
    pairs_shown = _count(n_pairs)
    domains = []
    for d in ssm["domains"]:
        up, same, down = (d[k]["numerator"] for k in ("improved", "unchanged", "worse"))
        na = d["not_applicable"]
        table = _table([[up, same, down, 0], [0, 0, 0, na]])
        if table.total == MARK and up + same + down + na == n_pairs:
            pairs_shown = MARK  # the grand total is the number of clients compared
        if _too_small(table, up + same + down + na):
            domains.append(_withheld(d, keep=("domain", "label")))
            continue
        clients = table.row_totals[0]
        domains.append(
            {
                **d,
                "clients": clients,
                "not_applicable": table.row_totals[1],
                "improved": _share(d["improved"], table.cells[0][0], clients),
                "unchanged": _share(d["unchanged"], table.cells[0][1], clients),
                "worse": _share(d["worse"], table.cells[0][2], clients),
                "mean_change": {
                    **d["mean_change"],
                    "value": _over(clients, d["clients"], d["mean_change"]["value"]),
                    "denominator": clients,
                },
            }
        )
    return {
        **ssm,
        "clients": pairs_shown,
        "left_out": _count(ssm["left_out"]),
        "domains": domains,
    }


GOAL_STATUSES = ("achieved", "set_aside", "revised", "active")


def _intake(itp: Mapping[str, Any]) -> dict[str, Any]:
    n = itp["denominator"]
    shown = _count(n)
    return {
        **itp,
        "median_days": _over(shown, n, itp["median_days"]),
        "mean_days": _over(shown, n, itp["mean_days"]),
        "denominator": shown,
        "left_out": _count(itp["left_out"]),
    }


def _goals(goals: Mapping[str, Any]) -> dict[str, Any]:
    counts = [goals[k] for k in GOAL_STATUSES]
    total = goals["total"]
    other = total - sum(counts)  # 0 today; keeps the row adding up if a status is added
    table = _table([[*counts, max(other, 0)]])
    if _too_small(table, total):
        found = _withheld({k: v for k, v in goals.items() if k != "intake_to_plan"})
        found["intake_to_plan"] = _intake(goals["intake_to_plan"])
        return found
    return {
        **goals,
        **{k: table.cells[0][j] for j, k in enumerate(GOAL_STATUSES)},
        "total": table.total,
        "achieved_share": _share(goals["achieved_share"], table.cells[0][0], table.total),
        "intake_to_plan": _intake(goals["intake_to_plan"]),
    }


def _days(stats: Mapping[str, Any], shown: Cell) -> dict[str, Any]:
    n = stats["denominator"]
    return {
        **stats,
        "median_days": _over(shown, n, stats["median_days"]),
        "mean_days": _over(shown, n, stats["mean_days"]),
        "denominator": shown,
    }


def _referrals(ref: Mapping[str, Any], categories: Mapping[str, Iterable[str]]) -> dict[str, Any]:
    """Finished referrals as one table — rows completed / rejected / other, columns no capacity
    / other reason — so that the completion rate, the rejections and the no-capacity share are
    its totals; the ratings per service as another, whose total is every rating."""
    finished = ref["finished"]
    completed = ref["completion"]["numerator"]
    rejected = ref["rejected"]
    no_capacity = ref["rejected_no_capacity"]["numerator"]
    table = _table(
        [
            [0, completed],
            [no_capacity, rejected - no_capacity],
            [0, max(finished - completed - rejected, 0)],
        ]
    )
    out: dict[str, Any] = dict(ref)
    if _too_small(table, finished):
        for key in ("finished", "completion", "rejected", "rejected_no_capacity"):
            out[key] = _withhold(ref[key])
        out["withheld"] = True
        completed_shown: Cell = MARK
    else:
        completed_shown = table.row_totals[0]
        out.update(
            finished=table.total,
            completion=_share(ref["completion"], completed_shown, table.total),
            rejected=table.row_totals[1],
            rejected_no_capacity=_share(
                ref["rejected_no_capacity"], table.column_totals[0], table.total
            ),
        )
    out["days_to_accept"] = _days(
        ref["days_to_accept"], _count(ref["days_to_accept"]["denominator"])
    )
    to_complete = ref["days_to_complete"]["denominator"]
    out["days_to_complete"] = _days(
        ref["days_to_complete"],
        MARK if completed_shown == MARK else _part(to_complete, completed),
    )
    out.update(_helpfulness(ref, categories, finished, finished_shown=out["finished"]))
    return out


def _helpfulness(
    ref: Mapping[str, Any],
    categories: Mapping[str, Iterable[str]],
    finished: int,
    *,
    finished_shown: Cell,
) -> dict[str, Any]:
    services = list(ref["helpfulness_by_service"])
    ratings = ref["ratings"]
    if not services:
        return {"ratings": _count(ratings)}
    table = _table([[s["denominator"]] for s in services])
    if _too_small(table, ratings):
        return {
            "helpfulness_by_service": [],
            "helpfulness_by_category": [],
            "ratings": MARK if ratings else 0,
            "helpfulness_withheld": True,
        }
    shown_services = []
    hidden_ids = set()
    for s, row in zip(services, table.cells, strict=True):
        n_shown = row[0]
        if n_shown == MARK:
            hidden_ids.add(s["service_id"])
        shown_services.append(
            {**s, "denominator": n_shown, "value": _over(n_shown, s["denominator"], s["value"])}
        )
    # A category's count is the sum of its services' counts: with a hidden one among them it
    # would give that one away, so it is hidden too (and its mean with it).
    in_category: dict[str, set[str]] = {}
    for service_id, names in categories.items():
        for name in names:
            in_category.setdefault(name, set()).add(service_id)
    shown_categories = []
    for c in ref["helpfulness_by_category"]:
        n = c["denominator"]
        members = in_category.get(c["category"])
        # Not known which services it sums: hide rather than guess.
        of: Cell = MARK if members is None or members & hidden_ids else _count(n)
        shown_categories.append({**c, "denominator": of, "value": _over(of, n, c["value"])})
    ratings_shown = table.total
    if isinstance(finished_shown, int) and isinstance(ratings_shown, int):
        # The ratings are part of the finished referrals: the unrated rest must not be small.
        ratings_shown = _part(ratings, finished)
    return {
        # Withheld means last, so the order says nothing about them.
        "helpfulness_by_service": _ordered(shown_services, "service"),
        "helpfulness_by_category": _ordered(shown_categories, "category"),
        "ratings": ratings_shown,
    }


def _ordered(rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return sorted(
        rows,
        key=lambda r: (r["value"] is None, -(r["value"] or 0), str(r[name])),
    )


def _client_voice(voice: Mapping[str, Any]) -> dict[str, Any]:
    share = voice["client_authored"]
    total = share["denominator"]
    counts = [share["numerator"], voice["together"], voice["worker"]]
    table = _table([[*counts, max(total - sum(counts), 0)]])
    if _too_small(table, total):
        return _withheld(voice)
    return {
        **voice,
        "client_authored": _share(share, table.cells[0][0], table.total),
        "together": table.cells[0][1],
        "worker": table.cells[0][2],
    }


def _data_quality(dq: Mapping[str, Any]) -> dict[str, Any]:
    """Each check is a count out of a denominator; the rest of the denominator must not be a
    small count either. The reassessment check's denominator (clients assessed) is itself part
    of the open clients."""
    out: dict[str, Any] = {"as_of": dq["as_of"], "open_clients": _count(dq["open_clients"])}
    for key in (
        "missing_strengths",
        "plans_without_client_goal",
        "stale_referrals",
        "overdue_reassessments",
    ):
        item = dq[key]
        count, denominator = item["count"], item["denominator"]
        table = _table([[count, max(denominator - count, 0)]])
        shown_count, shown_denominator = table.cells[0][0], table.total
        if key == "overdue_reassessments" and isinstance(shown_denominator, int):
            shown_denominator = _part(denominator, dq["open_clients"])
        found = {k: v for k, v in item.items() if k != "client_ids"}
        found.update(
            _share(item, shown_count, shown_denominator),
            count=shown_count,
        )
        if "clients" in item:
            found["clients"] = _count(item["clients"])
        out[key] = found
    return out


def _questionnaire(q: Mapping[str, Any]) -> dict[str, Any]:
    """Per coded question, the clients by answer suppressed together (a question answered by
    fewer than 5 in all is withheld); the score change as the matrix's is."""
    questions = []
    for question in q["questions"]:
        counts = [a["clients"] for a in question["answers"]]
        table = _table([counts])
        # "Fewer than 5 in all" is about people: clients who answered, not answers given.
        if _too_small(table, question["clients"]):
            questions.append(
                {
                    **question,
                    "withheld": True,
                    "clients": MARK,
                    "answers": [{**a, "clients": MARK} for a in question["answers"]],
                }
            )
            continue
        questions.append(
            {
                **question,
                "clients": _count(question["clients"]),
                "answers": [
                    {**a, "clients": table.cells[0][n]} for n, a in enumerate(question["answers"])
                ],
            }
        )
    change = q.get("score_change")
    if change is not None:
        n = change["clients"]
        if 0 < n < THRESHOLD:
            change = _withheld(change)
        else:
            up, same, down = (change[k]["numerator"] for k in ("improved", "unchanged", "worse"))
            table = _table([[up, same, down]])
            if _too_small(table, n):
                change = _withheld(change)
            else:
                change = {
                    **change,
                    "improved": _share(change["improved"], table.cells[0][0], n),
                    "unchanged": _share(change["unchanged"], table.cells[0][1], n),
                    "worse": _share(change["worse"], table.cells[0][2], n),
                }
    return {**q, "questions": questions, "score_change": change}
