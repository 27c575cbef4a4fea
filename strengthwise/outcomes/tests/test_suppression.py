"""Small-count suppression: the rules, zeros, complementary cells, and a brute-force reader who
tries to work every hidden count out from what is shown."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from strengthwise.outcomes.suppression import SuppressedTable, Table, suppress, suppress_count

L = "<5"


# --- the brute-force reader ------------------------------------------------------------------


def recovered(published: SuppressedTable, truth: Table, *, upper: int | None = None) -> set:
    """Hidden entries (cells and totals) whose true value is the only one that fits what is
    shown, for a reader who knows that every hidden entry is at least 1 (zeros are shown) and,
    with `upper`, at most `upper` (a reader who takes "<5" at its word).

    Brute force, independent of the module's method: for each hidden entry, search every
    whole-number filling of the hidden cells for one that agrees with every shown cell and total
    and gives that entry another value. Returns an empty set when the truth itself breaks the
    reader's assumptions (then nothing true can be learnt)."""
    R, C = len(truth.rows), len(truth.columns)
    mark = published.marker
    hidden = [(i, j) for i in range(R) for j in range(C) if published.cells[i][j] == mark]
    row_shown = [None if t == mark else t for t in published.row_totals]
    col_shown = [None if t == mark else t for t in published.column_totals]
    grand = None if published.total == mark else published.total
    truth_of: dict[tuple, int] = {("cell", i, j): truth.cells[i][j] for i, j in hidden}
    truth_of.update({("row", i): truth.row_totals[i] for i in range(R) if row_shown[i] is None})
    truth_of.update({("col", j): truth.column_totals[j] for j in range(C) if col_shown[j] is None})
    if grand is None:
        truth_of[("all",)] = truth.total
    hi = upper if upper is not None else math.inf
    if any(not 1 <= v <= hi for v in truth_of.values()):
        return set()
    base = [[0 if c == mark else c for c in row] for row in published.cells]
    free_row = [None if t is None else t - sum(base[i]) for i, t in enumerate(row_shown)]
    free_col = [
        None if t is None else t - sum(base[i][j] for i in range(R))
        for j, t in enumerate(col_shown)
    ]
    free_all = None if grand is None else grand - sum(map(sum, base))
    generous = truth.total + 10  # a bound for a cell no shown total limits

    def cap(i: int, j: int) -> float:
        limits = [hi, generous, *(x for x in (free_row[i], free_col[j], free_all) if x is not None)]
        return min(limits)

    def fits(values: list[list[int]]) -> dict | None:
        rows = [sum(r) for r in values]
        cols = [sum(values[i][j] for i in range(R)) for j in range(C)]
        got: dict[tuple, int] = {("cell", i, j): values[i][j] for i, j in hidden}
        for key, shown, sums in (("row", row_shown, rows), ("col", col_shown, cols)):
            for k, value in enumerate(sums):
                if shown[k] is not None:
                    if value != shown[k]:
                        return None
                elif not 1 <= value <= hi:
                    return None
                else:
                    got[(key, k)] = value
        total = sum(rows)
        if grand is not None:
            if total != grand:
                return None
        elif not 1 <= total <= hi:
            return None
        else:
            got[("all",)] = total
        return got

    def another_value(entry: tuple) -> bool:
        if entry[0] == "cell":
            mine = [(entry[1], entry[2])]
        elif entry[0] == "row":
            mine = [c for c in hidden if c[0] == entry[1]]
        elif entry[0] == "col":
            mine = [c for c in hidden if c[1] == entry[1]]
        else:
            mine = list(hidden)
        order = mine + [c for c in hidden if c not in mine]
        last_row = {c[0]: k for k, c in enumerate(order)}
        last_col = {c[1]: k for k, c in enumerate(order)}
        left_row = [
            [sum(1 for c in order[k + 1 :] if c[0] == i) for i in range(R)]
            for k in range(len(order))
        ]
        left_col = [
            [sum(1 for c in order[k + 1 :] if c[1] == j) for j in range(C)]
            for k in range(len(order))
        ]
        values = [list(r) for r in base]
        target = truth_of[entry]

        def search(k: int) -> bool:
            if k == len(mine) and entry[0] != "all":
                if entry[0] == "cell":
                    now = values[entry[1]][entry[2]]
                elif entry[0] == "row":
                    now = sum(values[entry[1]])
                else:
                    now = sum(values[i][entry[1]] for i in range(R))
                if now == target:
                    return False
            if k == len(order):
                got = fits(values)
                return got is not None and got[entry] != target
            i, j = order[k]
            forced = set()
            if last_row[i] == k and row_shown[i] is not None:
                forced.add(row_shown[i] - sum(values[i]))
            if last_col[j] == k and col_shown[j] is not None:
                forced.add(col_shown[j] - sum(values[r][j] for r in range(R)))
            if forced:
                choices = list(forced) if len(forced) == 1 else []
            else:
                choices = list(range(1, int(cap(i, j)) + 1))
            for v in choices:
                if not 1 <= v <= cap(i, j):
                    continue
                values[i][j] = v
                # Every cell still to be filled is at least 1.
                if row_shown[i] is not None and sum(values[i]) + left_row[k][i] > row_shown[i]:
                    break
                column = sum(values[r][j] for r in range(R))
                if col_shown[j] is not None and column + left_col[k][j] > col_shown[j]:
                    break
                if grand is not None and sum(map(sum, values)) + len(order) - k - 1 > grand:
                    break
                if search(k + 1):
                    values[i][j] = 0
                    return True
            values[i][j] = 0
            return False

        return search(0)

    return {e for e in truth_of if not another_value(e)}


def lines_with_one_hidden(published: SuppressedTable) -> list[str]:
    """Rows, columns and margins whose total is shown and that hide exactly one member."""
    mark = published.marker
    found = []
    for i, row in enumerate(published.cells):
        if published.row_totals[i] != mark and sum(c == mark for c in row) == 1:
            found.append(f"row {i}")
    for j in range(len(published.columns)):
        column = [row[j] for row in published.cells]
        if published.column_totals[j] != mark and sum(c == mark for c in column) == 1:
            found.append(f"column {j}")
    if published.total != mark:
        for name, margin in (
            ("row totals", published.row_totals),
            ("column totals", published.column_totals),
        ):
            if sum(c == mark for c in margin) == 1:
                found.append(name)
    return found


def table(cells: list[list[int]]) -> Table:
    return Table(
        rows=[f"r{i}" for i in range(len(cells))],
        columns=[f"c{j}" for j in range(len(cells[0]))],
        cells=cells,
    )


# --- single counts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "shown"), [(0, 0), (1, L), (2, L), (4, L), (5, 5), (6, 6), (1234, 1234)]
)
def test_suppress_count(n: int, shown: Any) -> None:
    assert suppress_count(n) == shown


def test_suppress_count_other_threshold_and_bad_input() -> None:
    assert suppress_count(10, threshold=11) == "<11"
    assert suppress_count(11, threshold=11) == 11
    for bad in (-1, 2.0, True, None, "3"):
        with pytest.raises(ValueError):
            suppress_count(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        suppress_count(3, threshold=1)


# --- the table -------------------------------------------------------------------------------


def test_table_totals_and_from_counts() -> None:
    t = Table.from_counts(
        {("housing", "2025-01"): 3, ("housing", "2025-02"): 7, ("income", "2025-02"): 5},
        columns=["2025-01", "2025-02", "2025-03"],
    )
    assert t.rows == ("housing", "income")
    assert t.cells == ((3, 7, 0), (0, 5, 0))
    assert t.row_totals == (10, 5)
    assert t.column_totals == (3, 12, 0)
    assert t.total == 15
    with pytest.raises(ValueError, match="not in the table"):
        Table.from_counts({("x", "y"): 1}, rows=["x"], columns=["z"])
    with pytest.raises(ValueError):
        Table(rows=["a"], columns=["x"], cells=[[-1]])
    with pytest.raises(ValueError):
        Table(rows=["a", "a"], columns=["x"], cells=[[1], [2]])
    with pytest.raises(ValueError):
        Table(rows=["a"], columns=["x", "y"], cells=[[1]])


def test_nothing_small_nothing_hidden() -> None:
    s = suppress(table([[5, 0, 12], [7, 9, 0]]))
    assert s.cells == ((5, 0, 12), (7, 9, 0))
    assert s.row_totals == (17, 16)
    assert s.column_totals == (12, 9, 12)
    assert s.total == 33
    assert (s.primary, s.complementary) == (0, 0)


def test_a_row_with_one_small_cell_and_a_shown_total_hides_a_second_cell() -> None:
    # One row [3, 10, 20], total 33. Hiding only the 3 would give it away (33 − 10 − 20), so
    # the next smallest cell, 10, is hidden too. Then column y shows its total (10) with one
    # hidden cell and no other cell to hide, so that column total is hidden as well. The
    # reader now knows only that the two hidden cells add up to 13.
    truth = table([[3, 10, 20]])
    s = suppress(truth)
    assert s.cells == ((L, L, 20),)
    assert s.row_totals == (33,)
    assert s.column_totals == (L, L, 20)
    assert s.total == 33
    assert (s.primary, s.complementary) == (2, 2)  # cell and column total 3; then 10 and 10
    assert lines_with_one_hidden(s) == []
    assert recovered(s, truth) == set()


def test_two_by_two_pattern_protects_a_small_cell() -> None:
    # [[3, 10, 20], [12, 15, 30]]: the 3 is hidden; row r0 then hides the 10 (next smallest),
    # column c0 the 12, column c1 the 15. Each hidden cell now shares its row and its column
    # with another hidden cell: with a0 = t, a1 = 13 − t, b0 = 15 − t, b1 = 12 + t, any t from
    # 1 to 12 fits every total.
    truth = table([[3, 10, 20], [12, 15, 30]])
    s = suppress(truth)
    assert s.cells == ((L, L, 20), (L, L, 30))
    assert s.row_totals == (33, 57)
    assert s.column_totals == (15, 25, 50)
    assert s.total == 90
    assert (s.primary, s.complementary) == (1, 3)
    assert recovered(s, truth) == set()
    assert recovered(s, truth, upper=4) == set()


def test_the_checker_finds_what_per_line_rules_miss() -> None:
    # [[3, 1, 1], [10, 1, 0]] with row totals 5 and 11 and column total 13 shown. Hiding the
    # small cells and, per line, one more (rule a) hides every non-zero cell — yet with a, b, c
    # the first row and d, e the second: a + b + c = 5 and d + e = 11 and a + d = 13, each ≥ 1,
    # force a ≤ 3 and d ≥ 10, e = 11 − d ≥ 1 so a = 3: everything follows. The audit in
    # suppress() must catch it; the brute-force reader proves both statements.
    truth = table([[3, 1, 1], [10, 1, 0]])
    per_line_only = SuppressedTable(
        rows=truth.rows,
        columns=truth.columns,
        cells=((L, L, L), (L, L, 0)),
        row_totals=(5, 11),
        column_totals=(13, L, L),
        total=16,
        marker=L,
    )
    assert lines_with_one_hidden(per_line_only) == []
    assert ("cell", 0, 0) in recovered(per_line_only, truth)  # the leak exists
    s = suppress(truth)
    assert recovered(s, truth) == set()
    assert recovered(s, truth, upper=4) == set()
    assert s.cells[1][2] == 0  # the zero stays shown


def test_zero_stays_zero_and_is_never_chosen_as_a_complement() -> None:
    # [[0, 3, 8]]: the 3 is hidden; the row's next smallest *non-zero* cell is the 8 (the zero
    # describes no one and stays 0); the 8 column then hides its total.
    truth = table([[0, 3, 8]])
    s = suppress(truth)
    assert s.cells == ((0, L, L),)
    assert s.row_totals == (11,)
    assert s.column_totals == (0, L, L)
    assert s.total == 11
    assert recovered(s, truth) == set()
    # A table of zeros and large counts is shown as it is.
    assert suppress(table([[0, 7], [0, 9]])).cells == ((0, 7), (0, 9))


def test_hidden_cells_that_could_only_all_be_4_are_protected() -> None:
    # [[4, 4, 9]]: hiding the two 4s leaves 8 = 4 + 4 for a reader who takes "<5" at its word;
    # both columns of a 4 also show their total (4, hidden itself as small). So another cell
    # must go.
    truth = table([[4, 4, 9]])
    s = suppress(truth)
    assert recovered(s, truth, upper=4) == set()
    assert recovered(s, truth) == set()
    assert s.cells[0][2] == L


def test_small_totals_are_hidden_too() -> None:
    truth = table([[2, 0], [1, 6]])
    s = suppress(truth)
    assert s.row_totals[0] == L  # 2 people in the first row
    assert recovered(s, truth) == set()
    assert lines_with_one_hidden(s) == []


def test_a_tiny_table_of_ones_is_withheld() -> None:
    # Four people, one in each column: every count is hidden, yet a reader who takes the
    # hidden total "<5" at its word knows 4 cells of at least 1 add up to at most 4 — all 1s.
    # Nothing is left to hide, so the table is marked withheld (show "fewer than 5" instead).
    truth = table([[1, 1, 1, 1]])
    s = suppress(truth)
    assert s.cells == ((L, L, L, L),)
    assert s.total == L
    assert s.withheld is True
    assert recovered(s, truth, upper=4) == {("cell", 0, j) for j in range(4)} | {
        ("col", j) for j in range(4)
    } | {("row", 0), ("all",)}
    # Three people in four columns leave room for doubt: not withheld.
    assert suppress(table([[1, 1, 1, 0]])).withheld is False
    assert suppress(table([[3, 10, 20]])).withheld is False


def test_marker_follows_the_threshold() -> None:
    s = suppress(table([[10, 30], [40, 50]]), threshold=11)
    assert s.marker == "<11"
    assert s.cells[0][0] == "<11"
    assert recovered(s, table([[10, 30], [40, 50]])) == set()


def test_bad_input() -> None:
    with pytest.raises(TypeError):
        suppress([[1, 2]])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        suppress(table([[1]]), threshold=0)


def test_a_real_sized_table_is_quick_and_consistent() -> None:
    import random
    import time

    rng = random.Random(3)
    cells = [
        [0 if rng.random() < 0.2 else rng.choice([1, 2, 3, 4, 6, 9, 15, 30]) for _ in range(12)]
        for _ in range(15)
    ]
    truth = table(cells)
    started = time.perf_counter()
    s = suppress(truth)
    assert time.perf_counter() - started < 5
    assert lines_with_one_hidden(s) == []
    for i, row in enumerate(cells):
        for j, v in enumerate(row):
            if 0 < v < 5:
                assert s.cells[i][j] == L
            elif v == 0:
                assert s.cells[i][j] == 0
            else:
                assert s.cells[i][j] in (v, L)
    assert s.primary > 0 and s.complementary > 0


# --- properties ------------------------------------------------------------------------------

counts = st.one_of(
    st.just(0), st.integers(min_value=1, max_value=4), st.integers(min_value=5, max_value=12)
)


@st.composite
def tables(draw: Any) -> Table:
    n_rows = draw(st.integers(min_value=1, max_value=3))
    n_cols = draw(st.integers(min_value=1, max_value=4))
    return table([[draw(counts) for _ in range(n_cols)] for _ in range(n_rows)])


@settings(max_examples=150, deadline=None)
@given(tables())
@example(table([[1, 1, 1, 1]]))
@example(table([[3, 1, 1], [10, 1, 0]]))
def test_no_hidden_count_can_be_worked_out(truth: Table) -> None:
    s = suppress(truth)
    n_rows, n_cols = len(truth.rows), len(truth.columns)
    shown = [
        (s.cells[i][j], truth.cells[i][j]) for i in range(n_rows) for j in range(n_cols)
    ] + list(zip(s.row_totals, truth.row_totals, strict=True))
    shown += list(zip(s.column_totals, truth.column_totals, strict=True))
    shown.append((s.total, truth.total))
    for published, true in shown:
        if 0 < true < 5:
            assert published == L  # every small count is hidden
        elif true == 0:
            assert published == 0  # zeros are shown
        else:
            assert published in (true, L)  # nothing shown is changed
    assert lines_with_one_hidden(s) == []
    assert recovered(s, truth) == set()
    if s.withheld:
        # Nothing is left to hide: every non-zero count already is.
        assert all(p == L for p, true in shown if true)
    else:
        assert recovered(s, truth, upper=4) == set()


@st.composite
def larger_tables(draw: Any) -> Table:
    n_rows = draw(st.integers(min_value=1, max_value=12))
    n_cols = draw(st.integers(min_value=1, max_value=5))
    return table([[draw(counts) for _ in range(n_cols)] for _ in range(n_rows)])


def _without_the_quick_witness(truth: Table) -> SuppressedTable:
    from strengthwise.outcomes import suppression

    before, suppression.QUICK_WITNESS = suppression.QUICK_WITNESS, False
    try:
        return suppress(truth)
    finally:
        suppression.QUICK_WITNESS = before


@settings(max_examples=200, deadline=None)
@given(larger_tables())
@example(table([[1], [1], [2], [7], [1], [4], [9], [3]]))
@example(table([[1, 1, 1, 1]]))
@example(table([[4], [4], [4], [12]]))
def test_the_quick_witness_changes_no_result(truth: Table) -> None:
    """The one-unit move between two hidden cells (`suppression._swap`) only spares maximum
    flows: every table comes out exactly as the flows alone decide it."""
    assert suppress(truth) == _without_the_quick_witness(truth)


def test_a_long_column_needs_few_maximum_flows(monkeypatch: Any) -> None:
    """The ratings of thousands of services (one column): each hidden count used to need a
    maximum flow over every row (about 4 minutes at 9,000 rows). The one-unit moves answer
    almost all of them; the result is still the flows'."""
    import random

    from strengthwise.outcomes import suppression

    rng = random.Random(3)
    long = table([[rng.choice([0, 1, 2, 3, 5, 8, 13, 40])] for _ in range(400)])
    expected = _without_the_quick_witness(long)
    solved = []
    real = suppression._solve

    def counted(*args: Any) -> Any:
        solved.append(1)
        return real(*args)

    monkeypatch.setattr(suppression, "_solve", counted)
    quick = suppress(long)
    assert quick == expected and quick.primary > 100
    assert len(solved) < 10  # the flows alone: one per hidden count or two
