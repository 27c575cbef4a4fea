"""Goal Attainment Scaling (Kiresuk & Sherman, 1968): levels, weights and the T-score.

Pure functions, no Django. See ``/work/shared/reference/goal-attainment-scaling.md``.

Each goal is scaled on five levels, written with the client when the goal is set; the expected
outcome is 0. The summary T-score (Turner-Stokes, Clin Rehabil 2009;23:362-70) is::

    T = 50 + 10 * sum(w_i * x_i) / sqrt((1 - rho) * sum(w_i ** 2) + rho * sum(w_i) ** 2)

T = 50 means the goals were met as expected; above is better, below is worse.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import cast

__all__ = [
    "DEFAULT_RHO",
    "LEVELS",
    "LEVEL_LABELS",
    "LEVEL_LOINC",
    "t_score",
    "weight",
]

#: The five attainment levels, worst to best. 0 is the expected outcome.
LEVELS: tuple[int, ...] = (-2, -1, 0, 1, 2)

#: Conventional assumed correlation between goal scales.
DEFAULT_RHO = 0.3

#: Plain-English meaning of each level (Kiresuk & Sherman).
LEVEL_LABELS: Mapping[int, str] = MappingProxyType(
    {
        2: "much better than expected",
        1: "better than expected",
        0: "expected outcome",
        -1: "less than expected",
        -2: "much less than expected",
    }
)

#: LOINC answer code for each level (answer list LL6900-6).
LEVEL_LOINC: Mapping[int, str] = MappingProxyType(
    {
        2: "LA34479-8",
        1: "LA34480-6",
        0: "LA34481-4",
        -1: "LA34483-0",
        -2: "LA34484-8",
    }
)


def _is_int(value: object) -> bool:
    """True for real integers (int, numpy integers); False for bool, float, str, None."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    """True for real numbers (int, float, Decimal, Fraction); False for bool, str, None."""
    return isinstance(value, numbers.Real | Decimal) and not isinstance(value, bool)


def _to_float(value: object) -> float:
    """The value as a float, or NaN when it is not a real number or too large for a float."""
    if not _is_real(value):
        return math.nan
    try:
        return float(cast(float, value))
    except (OverflowError, ValueError):
        return math.nan


def _as_list(values: object, what: str) -> list[object]:
    if isinstance(values, str | bytes) or values is None:
        raise ValueError(f"{what} must be a sequence of numbers, got {values!r}")
    try:
        return list(cast(Iterable[object], values))
    except TypeError:
        raise ValueError(f"{what} must be a sequence of numbers, got {values!r}") from None


def weight(importance: int, difficulty: int) -> int:
    """Turner-Stokes goal weight: importance to the client x expected difficulty.

    Each is rated 0-3 (0 = not at all, 3 = very), so the weight is 0-9.
    """
    for name, value in (("importance", importance), ("difficulty", difficulty)):
        if not _is_int(value) or not 0 <= value <= 3:
            raise ValueError(f"{name} must be a whole number from 0 to 3, got {value!r}")
    return int(importance) * int(difficulty)


def t_score(
    scores: Sequence[int],
    weights: Sequence[float] | None = None,
    rho: float = DEFAULT_RHO,
) -> float:
    """Summary GAS T-score for the attained levels ``scores`` (each -2..+2).

    ``weights`` defaults to 1 for every goal; ``rho`` is the assumed correlation between goal
    scales (0.3 by convention). Returns the unrounded T; round it for display.

    Raises ``ValueError`` for empty or out-of-range scores, bad weights or a bad ``rho``.
    """
    xs = _as_list(scores, "scores")
    if not xs:
        raise ValueError("scores must contain at least one goal's level; got none")
    levels: list[int] = []
    for i, x in enumerate(xs):
        if not _is_int(x) or int(cast(numbers.Integral, x)) not in LEVELS:
            raise ValueError(
                f"scores[{i}] is {x!r}; each score must be a whole number from -2 to +2 "
                "(-2, -1, 0, 1 or 2)"
            )
        levels.append(int(cast(numbers.Integral, x)))

    if weights is None:
        ws: list[float] = [1.0] * len(xs)
    else:
        raw = _as_list(weights, "weights")
        if len(raw) != len(xs):
            raise ValueError(
                f"weights must have one weight per score: got {len(raw)} weights "
                f"for {len(xs)} scores"
            )
        ws = []
        for i, w in enumerate(raw):
            value = _to_float(w)
            if not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"weights[{i}] is {w!r}; each weight must be a finite number of 0 or more"
                )
            ws.append(value)
        if not any(w > 0 for w in ws):
            raise ValueError("at least one weight must be greater than 0; all weights are 0")

    r = _to_float(rho)
    if not 0 <= r < 1:  # also rejects NaN
        raise ValueError(f"rho is {rho!r}; it must be a number from 0 up to (but not including) 1")

    # T is unchanged by scaling every weight, so scale the largest to 1: this keeps the squares
    # from overflowing or underflowing for extreme weights.
    top = max(ws)
    ws = [w / top for w in ws]

    # fsum is correctly rounded, so the result does not depend on the order of the goals.
    numerator = math.fsum(w * x for w, x in zip(ws, levels, strict=True))
    sum_w = math.fsum(ws)
    sum_w2 = math.fsum(w * w for w in ws)
    denominator = math.sqrt((1 - r) * sum_w2 + r * sum_w * sum_w)
    return 50 + 10 * numerator / denominator
