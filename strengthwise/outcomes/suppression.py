"""Small-count suppression for de-identified tables (the advocacy report, exports).

Pure: no Django, no database.

The data structure is a `Table`: row labels × column labels of whole counts (each ≥ 0), with
row totals, column totals and a grand total computed from the cells (a total is always the sum
of its cells, so a reader can subtract). `suppress(table)` returns a `SuppressedTable` with the
same shape whose cells and totals are either an int or the marker string ``"<5"``
(``f"<{threshold}"``).

Rules
-----
1. **Primary suppression.** Every count from 1 to ``threshold - 1`` (1–4 by default) is hidden —
   cells *and* totals, since a total is a count of people too.
2. **Zero stays 0.** A zero describes no one, so it cannot identify anyone; hiding zeros would
   also hide exactly what an advocacy report is for (a month with no one turned away, a domain
   with no gap). Because zeros are always shown, a reader knows that every hidden entry is at
   least 1; the rules below take that into account. (Known trade-off: a row such as
   ``[0, 0, 7]`` with its total shows that everyone in the row is in one column — accepted,
   since 7 is not a small count.)
3. **Complementary suppression**, repeated until nothing changes. Every row and column is an
   equation ``cells = total``; so are the totals themselves (the row totals add up to the grand
   total, and so do the column totals).

   a. When a line has a shown total and exactly one hidden member, the next smallest shown
      non-zero member of that line is hidden too (if it has none, the line's total is hidden).
   b. Then the whole table is audited: a hidden entry is safe when some other filling of the
      hidden entries — whole numbers, each at least 1 — agrees with every shown number and
      gives it a different value. That catches what (a) cannot see: a hidden cell pinned by
      several lines at once (``[[3, 1, 1], [10, 1, 0]]`` with its totals shown pins every
      hidden cell although no line has a single hidden cell), or two hidden cells that can only
      both be 1. When every hidden entry is a small count, the audit is repeated for a reader
      who also takes "<5" at its word (each hidden entry at most 4), so that e.g. two hidden
      cells adding up to 8 are not left as "both 4". For the first entry that is not safe, the
      smallest shown non-zero member of one of its lines (else a total of those lines) is
      hidden, and the rules start again.

   Each pass hides one more entry, so it ends; at worst every non-zero count is hidden. If a
   count can *still* be worked out then — only in tiny tables, e.g. ``[[1, 1, 1, 1]]`` under a
   total "<5" that a reader takes at its word must be four 1s — the result is marked
   ``withheld``: show that there were fewer than 5 in all, not the table.

   The audit is a feasibility question on a flow network (rows → columns, with the totals as the flows in and
   out), answered exactly with a maximum flow; whole-number bounds give whole-number flows, so
   "no other value is feasible" holds for counts, not only for fractions. A 20 × 24 table takes
   about 0.1 s. The hiding is greedy (the next smallest cell), not the least-loss choice.

The marker
----------
Every hidden entry carries the same marker, ``"<5"``: a complementary cell is *not* marked
differently, because a second marker would tell the reader which hidden cell is the small one.
Reports must therefore say in a footnote that ``"<5"`` means "fewer than 5, or hidden so that a
count under 5 cannot be worked out from the totals".

What is not promised: "safe" means not known exactly — a reader may still narrow a hidden count
to a short range (e.g. 3 or 4); no minimum width of that range is enforced. Nor is there
protection against a reader who knows some of the people counted, or against combining two
different tables published from the same data (publish one table per question, suppress each).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Table", "SuppressedTable", "suppress", "suppress_count", "marker"]

DEFAULT_THRESHOLD = 5

Cell = int | str
# An entry of the table with its totals: ("cell", i, j), ("row", i), ("col", j) or ("all",).
Entry = tuple[Any, ...]
GRAND: Entry = ("all",)


def marker(threshold: int = DEFAULT_THRESHOLD) -> str:
    """The string shown in place of a hidden count: ``"<5"`` for the default threshold."""
    return f"<{threshold}"


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ValueError(f"threshold must be a whole number of 2 or more, got {threshold!r}")


def _check_count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where} must be a whole number of 0 or more, got {value!r}")
    return value


def suppress_count(n: int, *, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    """One count on its own: 0 stays 0, 1 … threshold-1 becomes ``"<5"``, the rest is shown."""
    _check_threshold(threshold)
    _check_count(n, "the count")
    return marker(threshold) if 0 < n < threshold else n


@dataclass(frozen=True)
class Table:
    """Counts by row and column label. Totals are computed from the cells, never given."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "cells", tuple(tuple(r) for r in self.cells))
        if len(set(self.rows)) != len(self.rows):
            raise ValueError("row labels must be unique")
        if len(set(self.columns)) != len(self.columns):
            raise ValueError("column labels must be unique")
        if len(self.cells) != len(self.rows):
            raise ValueError(f"{len(self.rows)} row labels but {len(self.cells)} rows of cells")
        for i, row in enumerate(self.cells):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"row {self.rows[i]!r} has {len(row)} cells for {len(self.columns)} columns"
                )
            for j, value in enumerate(row):
                _check_count(value, f"cell ({self.rows[i]!r}, {self.columns[j]!r})")

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[tuple[str, str], int],
        *,
        rows: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> Table:
        """Build a table from ``{(row, column): count}``; missing pairs are 0. Without explicit
        labels, rows and columns are the labels present, sorted."""
        row_labels = tuple(rows) if rows is not None else tuple(sorted({r for r, _ in counts}))
        col_labels = (
            tuple(columns) if columns is not None else tuple(sorted({c for _, c in counts}))
        )
        unknown = [k for k in counts if k[0] not in row_labels or k[1] not in col_labels]
        if unknown:
            raise ValueError(f"counts for labels not in the table: {unknown[:3]!r}")
        return cls(
            rows=row_labels,
            columns=col_labels,
            cells=tuple(tuple(counts.get((r, c), 0) for c in col_labels) for r in row_labels),
        )

    @property
    def row_totals(self) -> tuple[int, ...]:
        return tuple(sum(row) for row in self.cells)

    @property
    def column_totals(self) -> tuple[int, ...]:
        return tuple(sum(row[j] for row in self.cells) for j in range(len(self.columns)))

    @property
    def total(self) -> int:
        return sum(self.row_totals)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": list(self.rows),
            "columns": list(self.columns),
            "cells": [list(r) for r in self.cells],
            "row_totals": list(self.row_totals),
            "column_totals": list(self.column_totals),
            "total": self.total,
        }


@dataclass(frozen=True)
class SuppressedTable:
    """The publishable table: every count is an int or the marker (``"<5"``)."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...]
    column_totals: tuple[Cell, ...]
    total: Cell
    marker: str
    # How many entries (cells and totals) were hidden as small counts, and how many more were
    # hidden to protect them — for the report's footnote, not for finding which is which.
    primary: int = 0
    complementary: int = 0
    # True when even hiding every non-zero count leaves one that can be worked out (a tiny table
    # of 1s): show only that there were fewer than 5 in all, not the table.
    withheld: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": list(self.rows),
            "columns": list(self.columns),
            "cells": [list(r) for r in self.cells],
            "row_totals": list(self.row_totals),
            "column_totals": list(self.column_totals),
            "total": self.total,
            "marker": self.marker,
            "primary": self.primary,
            "complementary": self.complementary,
            "withheld": self.withheld,
        }


@dataclass(frozen=True)
class _Line:
    """One equation of the table: the members add up to the total."""

    members: tuple[Entry, ...]
    total: Entry


def _lines(n_rows: int, n_cols: int) -> list[_Line]:
    lines = [_Line(tuple(("cell", i, j) for j in range(n_cols)), ("row", i)) for i in range(n_rows)]
    lines += [
        _Line(tuple(("cell", i, j) for i in range(n_rows)), ("col", j)) for j in range(n_cols)
    ]
    lines.append(_Line(tuple(("row", i) for i in range(n_rows)), GRAND))
    lines.append(_Line(tuple(("col", j) for j in range(n_cols)), GRAND))
    return lines


class _Flow:
    """Maximum flow (Dinic) on a small graph; edges are added with a capacity."""

    def __init__(self, n: int):
        self.graph: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def add(self, u: int, v: int, cap: int) -> int:
        self.graph[u].append(len(self.to))
        self.to.append(v)
        self.cap.append(cap)
        self.graph[v].append(len(self.to))
        self.to.append(u)
        self.cap.append(0)
        return len(self.to) - 2

    def max_flow(self, s: int, t: int) -> int:
        flow = 0
        while True:
            level = [-1] * len(self.graph)
            level[s] = 0
            queue = [s]
            for u in queue:
                for e in self.graph[u]:
                    if self.cap[e] > 0 and level[self.to[e]] < 0:
                        level[self.to[e]] = level[u] + 1
                        queue.append(self.to[e])
            if level[t] < 0:
                return flow
            position = [0] * len(self.graph)
            while got := self._push(s, t, 1 << 62, level, position):
                flow += got

    def _push(self, u: int, t: int, limit: int, level: list[int], position: list[int]) -> int:
        if u == t:
            return limit
        while position[u] < len(self.graph[u]):
            e = self.graph[u][position[u]]
            v = self.to[e]
            if self.cap[e] > 0 and level[v] == level[u] + 1:
                got = self._push(v, t, min(limit, self.cap[e]), level, position)
                if got:
                    self.cap[e] -= got
                    self.cap[e ^ 1] += got
                    return got
            position[u] += 1
        return 0


def _solve(
    bounds: Mapping[Entry, tuple[int, int]], n_rows: int, n_cols: int
) -> dict[Entry, int] | None:
    """Whole numbers for every entry within its bounds such that rows, columns and totals add
    up, or None if there are none.

    The table is a flow: source → row i (the row total) → column j (the cell) → sink (the
    column total) → back to the source (the grand total). Bounds on every edge make it a
    circulation with lower bounds, which is feasible exactly when the usual max-flow reduction
    saturates; flows with whole-number bounds have whole-number solutions."""
    source, sink = 0, 1
    row_node = [2 + i for i in range(n_rows)]
    col_node = [2 + n_rows + j for j in range(n_cols)]
    super_s, super_t = 2 + n_rows + n_cols, 3 + n_rows + n_cols
    flow = _Flow(4 + n_rows + n_cols)
    excess = [0] * (4 + n_rows + n_cols)
    edges: dict[Entry, tuple[int, int]] = {}

    def edge(entry: Entry, u: int, v: int) -> None:
        low, high = bounds[entry]
        if low > high:
            raise _Infeasible
        edges[entry] = (flow.add(u, v, high - low), low)
        excess[v] += low
        excess[u] -= low

    try:
        for i in range(n_rows):
            edge(("row", i), source, row_node[i])
            for j in range(n_cols):
                edge(("cell", i, j), row_node[i], col_node[j])
        for j in range(n_cols):
            edge(("col", j), col_node[j], sink)
        edge(GRAND, sink, source)
    except _Infeasible:
        return None
    needed = 0
    for node, amount in enumerate(excess):
        if amount > 0:
            flow.add(super_s, node, amount)
            needed += amount
        elif amount < 0:
            flow.add(node, super_t, -amount)
    if flow.max_flow(super_s, super_t) != needed:
        return None
    # The flow on an edge is what its reverse edge carries, plus the lower bound.
    return {entry: low + flow.cap[e ^ 1] for entry, (e, low) in edges.items()}


class _Infeasible(Exception):
    pass


def _pinned(
    hidden: set[Entry], value: Mapping[Entry, int], n_rows: int, n_cols: int, upper: int | None
) -> Entry | None:
    """The first hidden entry (in table order) that a reader could work out exactly, if any.

    The reader knows every shown number and that each hidden entry is at least 1 (zeros are
    shown) and, with `upper`, at most `upper`. An entry is safe when some whole-number filling
    of the hidden entries that agrees with everything shown gives it another value; each such
    filling found clears every entry it changes, so few searches are needed."""
    big = 2 * sum(value[e] for e in value if e != GRAND) + 2 * value[GRAND] + 10
    base: dict[Entry, tuple[int, int]] = {
        e: ((1, upper if upper is not None else big) if e in hidden else (value[e], value[e]))
        for e in value
    }
    if upper is not None and any(value[e] > upper for e in hidden):
        return None  # the reader's belief is false here: nothing true can be learnt from it
    unresolved = sorted(hidden, key=_entry_key)
    cleared: set[Entry] = set()
    partners = _swap_partners(hidden) if QUICK_WITNESS else {}
    for entry in unresolved:
        if entry in cleared:
            continue
        moved = _swap(entry, partners, value, base)
        if moved:
            cleared.update(moved)
            continue
        low, high = base[entry]
        truth = value[entry]
        for alternative in ((low, truth - 1), (truth + 1, high)):
            found = _solve({**base, entry: alternative}, n_rows, n_cols)
            if found is not None:
                cleared.update(e for e in hidden if found[e] != value[e])
                break
        else:
            return entry
    return None


# A cheap witness before each maximum flow (`_swap`); off only to check that it changes
# nothing (tests/test_suppression.py).
QUICK_WITNESS = True
SWAP_TRIES = 50


def _swap_partners(hidden: set[Entry]) -> dict[tuple[str, int], list[Entry]]:
    """The hidden cells of each column whose rows' totals are hidden too (key ("col", j)), and
    of each row whose columns' totals are hidden too (key ("row", i)), in table order."""
    found: dict[tuple[str, int], list[Entry]] = {}
    for e in sorted(hidden, key=_entry_key):
        if e[0] == "cell":
            if ("row", e[1]) in hidden:
                found.setdefault(("col", e[2]), []).append(e)
            if ("col", e[2]) in hidden:
                found.setdefault(("row", e[1]), []).append(e)
    return found


def _swap(
    entry: Entry,
    partners: Mapping[tuple[str, int], list[Entry]],
    value: Mapping[Entry, int],
    base: Mapping[Entry, tuple[int, int]],
) -> tuple[Entry, ...]:
    """A filling that gives `entry` another value, found without a flow: one moved from a
    hidden cell to another hidden cell of the same column (or row), and with it from the one's
    hidden row (or column) total to the other's. Every line still adds up, so when every moved
    entry stays within its bounds, a reader cannot tell the two fillings apart. Returns the
    entries it changes (all of them shown to be unknown), or () when no partner allows it."""
    if entry[0] != "cell":
        return ()

    def fits(e: Entry, change: int) -> bool:
        low, high = base[e]
        return low <= value[e] + change <= high

    _kind, i, j = entry
    for line, own_total, total_of in (
        (("col", j), ("row", i), lambda o: ("row", o[1])),
        (("row", i), ("col", j), lambda o: ("col", o[2])),
    ):
        # (A shown total cannot move: `fits` refuses it.) A few partners at most: past them,
        # the flow below decides.
        for other in partners.get(line, ())[:SWAP_TRIES]:
            if other == entry:
                continue
            other_total = total_of(other)
            for change in (-1, 1):
                if (
                    fits(entry, change)
                    and fits(own_total, change)
                    and fits(other, -change)
                    and fits(other_total, -change)
                ):
                    return (entry, own_total, other, other_total)
    return ()


@functools.lru_cache(maxsize=64)
def suppress_kept(table: Table) -> SuppressedTable:
    """`suppress(table)`, solved once per table value in this process (a `Table` is frozen and
    `suppress` pure: equal tables, equal result) rather than on every read of the same figures
    (the advocacy page, its exports and the API). The result is shared: frozen."""
    return suppress(table)


def suppress(table: Table, *, threshold: int = DEFAULT_THRESHOLD) -> SuppressedTable:
    """Hide small counts and whatever would let a reader work them out (module docstring)."""
    _check_threshold(threshold)
    if not isinstance(table, Table):
        raise TypeError(f"suppress() takes a Table, got {type(table).__name__}")
    n_rows, n_cols = len(table.rows), len(table.columns)
    value: dict[Entry, int] = {GRAND: table.total}
    for i, row in enumerate(table.cells):
        for j, v in enumerate(row):
            value[("cell", i, j)] = v
    for i, v in enumerate(table.row_totals):
        value[("row", i)] = v
    for j, v in enumerate(table.column_totals):
        value[("col", j)] = v

    def small(e: Entry) -> bool:
        return 0 < value[e] < threshold

    hidden: set[Entry] = {e for e in value if small(e)}
    primary = set(hidden)
    withheld = False
    lines = _lines(n_rows, n_cols)
    # Position of each entry, so ties between equal values are broken the same way every time.
    order = {e: k for k, e in enumerate(sorted(value, key=_entry_key))}

    def smallest_shown(candidates: Iterable[Entry]) -> Entry | None:
        shown = [e for e in candidates if e not in hidden and value[e] > 0]
        return min(shown, key=lambda e: (value[e], order[e])) if shown else None

    def hide_next(line: _Line) -> None:
        """Hide the next smallest shown non-zero member of the line, or else its total."""
        chosen = smallest_shown(line.members)
        hidden.add(chosen if chosen is not None else line.total)

    while True:
        # (a) a line with a shown total and exactly one hidden member.
        changed = False
        for line in lines:
            if line.total in hidden:
                continue
            if sum(1 for m in line.members if m in hidden) == 1:
                hide_next(line)
                changed = True
        if changed:
            continue
        # (b) a hidden entry that can still be worked out from the rest.
        found = _pinned(hidden, value, n_rows, n_cols, None)
        if found is None and all(e in primary for e in hidden):
            found = _pinned(hidden, value, n_rows, n_cols, threshold - 1)
        if found is None:
            break
        chosen = _neighbour(found, hidden, value, lines, smallest_shown)
        if chosen is None:
            # Every non-zero count is hidden and a reader can still work one out from the
            # shape alone (e.g. [[1, 1, 1, 1]]: four hidden cells, each at least 1, under a
            # hidden total of at most 4). Only withholding the table protects it.
            withheld = True
            break
        hidden.add(chosen)

    mark = marker(threshold)

    def show(e: Entry) -> Cell:
        return mark if e in hidden else value[e]

    return SuppressedTable(
        rows=table.rows,
        columns=table.columns,
        cells=tuple(tuple(show(("cell", i, j)) for j in range(n_cols)) for i in range(n_rows)),
        row_totals=tuple(show(("row", i)) for i in range(n_rows)),
        column_totals=tuple(show(("col", j)) for j in range(n_cols)),
        total=show(GRAND),
        marker=mark,
        primary=len(primary),
        complementary=len(hidden) - len(primary),
        withheld=withheld,
    )


def _entry_key(e: Entry) -> tuple[int, int, int]:
    kind = {"cell": 0, "row": 1, "col": 2, "all": 3}[e[0]]
    return (kind, e[1] if len(e) > 1 else 0, e[2] if len(e) > 2 else 0)


def _neighbour(
    entry: Entry,
    hidden: set[Entry],
    value: Mapping[Entry, int],
    lines: Sequence[_Line],
    smallest_shown: Any,
) -> Entry | None:
    """What to hide next so that `entry` can no longer be worked out: the smallest shown
    non-zero member of a line the entry belongs to (for the grand total: a shown row or column
    total), else the smallest shown total of those lines, else the smallest shown non-zero
    entry anywhere; None when every non-zero entry is already hidden."""
    own = [line for line in lines if entry in line.members]
    chosen = smallest_shown(m for line in own for m in line.members)
    if chosen is None:
        chosen = smallest_shown(m for line in lines if line.total == entry for m in line.members)
    if chosen is None:
        chosen = smallest_shown(line.total for line in own)
    if chosen is None:
        chosen = smallest_shown(value)
    return chosen  # type: ignore[no-any-return]
