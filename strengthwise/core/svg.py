"""Small, pure, deterministic server-side SVG charts, safe under a strict Content-Security-Policy.

The charts are meant to be inlined in HTML: no ``style`` attributes, no ``<style>`` or
``<script>`` elements, only presentation attributes. Text and axes use ``currentColor`` so they
follow the page's text colour. Every chart has ``role="img"`` and ``aria-labelledby`` pointing at
its ``<title>`` and a one-sentence ``<desc>``; series are told apart by marker shape and dash
pattern as well as colour. Coordinates are rounded to one decimal; the same input always gives
the same bytes. Element ids start with ``id_prefix`` (default: derived from the chart's content)
so several charts can share a page.

Markers are ``<use class="point">`` elements whose ``x``/``y`` are the data point's centre, with
``data-series``/``data-index`` (line chart) or ``data-row``/``data-column`` (dot plot).
"""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

__all__ = ["Series", "bar_chart", "dot_plot", "line_chart"]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per x label; None = no value (gap)


# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 3")
# Marker shapes, centred on (0, 0), roughly equal in visual weight.
SHAPES = (
    ("circle", '<circle r="4.5"/>'),
    ("square", '<rect x="-4" y="-4" width="8" height="8"/>'),
    ("triangle", '<path d="M0,-5.5 L5,3.5 L-5,3.5 Z"/>'),
    ("diamond", '<path d="M0,-5.5 L5.5,0 L0,5.5 L-5.5,0 Z"/>'),
    ("triangle-down", '<path d="M0,5.5 L5,-3.5 L-5,-3.5 Z"/>'),
    (
        "plus",
        '<path d="M-1.8,-5 H1.8 V-1.8 H5 V1.8 H1.8 V5 H-1.8 V1.8 H-5 V-1.8 H-1.8 Z"/>',
    ),
)
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
WIDTH = 640
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# --- helpers -------------------------------------------------------------------------------


def _esc(text: object) -> str:
    """Escape for XML text and attribute values; drop characters XML 1.0 cannot carry."""
    return html.escape(_CONTROL.sub("", str(text)), quote=True)


def _c(value: float) -> str:
    """A coordinate, rounded to one decimal: 12.0 -> '12', 3.25 -> '3.2', -0.0 -> '0'."""
    text = f"{round(value, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _num(value: float) -> str:
    """A data value for people: 7.0 -> '7', 2.5 -> '2.5', 1/3 -> '0.33'."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text_width(text: str, size: float) -> float:
    """Rough rendered width of ``text`` at font size ``size`` (sans-serif average glyph)."""
    return len(text) * size * 0.6


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return _("%(items)s and %(last)s") % {"items": ", ".join(words[:-1]), "last": words[-1]}


def _nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    span = hi - lo
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _prefix(id_prefix: str | None, *parts: object) -> str:
    if id_prefix is None:
        digest = hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:10]
        return f"chart-{digest}"
    if not _ID.match(id_prefix):
        raise ValueError(
            f"id_prefix must start with a letter and hold only letters, digits, '-' or '_': "
            f"{id_prefix!r}"
        )
    return id_prefix


def _check_number(value: float | None, lo: float, hi: float, what: str) -> None:
    if value is None:
        return
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{what}: not a finite number: {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{what}: {_num(value)} is outside {_num(lo)}..{_num(hi)}")


def _defs(prefix: str, count: int) -> str:
    shapes = "".join(
        SHAPES[i % len(SHAPES)][1].replace("/>", f' id="{prefix}-m{i}"/>', 1) for i in range(count)
    )
    return f"<defs>{shapes}</defs>"


def _marker(
    prefix: str, i: int, x: float, y: float, colour: str, attrs: str = "", title: str = ""
) -> str:
    """A ``<use>`` of marker shape ``i`` centred on (x, y); ``title`` is escaped here."""
    head = f'<use href="#{prefix}-m{i}" x="{_c(x)}" y="{_c(y)}" fill="{colour}"{attrs}'
    return f"{head}><title>{_esc(title)}</title></use>" if title else f"{head}/>"


def _open(prefix: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_c(width)} {_c(height)}" '
        f'width="100%" role="img" aria-labelledby="{prefix}-title {prefix}-desc" '
        f'font-family="{FONT}" font-size="12" fill="currentColor">',
        f'<title id="{prefix}-title">{_esc(title)}</title>',
        f'<desc id="{prefix}-desc">{_esc(desc)}</desc>',
    ]


def _legend(
    items: Sequence[tuple[str, float, str]], x0: float, x1: float, y0: float
) -> tuple[list[str], float]:
    """Lay out (sample, sample width, name) left to right, wrapping; returns (parts, height).

    A sample is markup drawn from x = 0 to its width and centred on y = 0; it is moved into
    place by a translated group.
    """
    parts = ['<g class="legend">']
    x, y, row_h = x0, y0 + 10, 20
    for sample, sample_w, name in items:
        width = sample_w + 6 + _text_width(name, 12) + 18
        if x > x0 and x + width > x1:
            x, y = x0, y + row_h
        parts.append(
            f'<g transform="translate({_c(x)} {_c(y)})">{sample}'
            f'<text x="{_c(sample_w + 6)}" dy="0.35em">{_esc(name)}</text></g>'
        )
        x += width
    parts.append("</g>")
    return parts, (y - y0) + 10


# --- line chart ----------------------------------------------------------------------------


def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_min: float,
    y_max: float,
    y_ticks: Sequence[float] | None = None,
    y_label: str = "",
    id_prefix: str | None = None,
) -> str:
    """Values of one or more series over categorical x labels (e.g. rulers over check-in dates).

    Each value gets a marker (shape per series); consecutive values are joined by a line (dash
    pattern per series). Where a series has no value (None) the marker is missing and the line
    bridges the gap, drawn fainter and thinner.
    """
    if not x_labels:
        raise ValueError("line_chart needs at least one x label")
    if not y_min < y_max:
        raise ValueError(f"y_min ({y_min}) must be less than y_max ({y_max})")
    for s in series:
        if len(s.values) != len(x_labels):
            raise ValueError(
                f"series {s.name!r} has {len(s.values)} values for {len(x_labels)} x labels"
            )
        for i, value in enumerate(s.values):
            _check_number(value, y_min, y_max, f"series {s.name!r} at {x_labels[i]!r}")
    ticks = [float(t) for t in (y_ticks if y_ticks is not None else _nice_ticks(y_min, y_max))]
    ticks = sorted({t for t in ticks if y_min <= t <= y_max})
    labels = [str(label) for label in x_labels]
    prefix = _prefix(
        id_prefix,
        "line",
        title,
        labels,
        [(s.name, list(s.values)) for s in series],
        y_min,
        y_max,
        ticks,
        y_label,
    )

    # Layout.
    n = len(labels)
    tick_w = max((_text_width(_num(t), 12) for t in ticks), default=0)
    left = 10 + (20 if y_label else 0) + tick_w + 8
    right, top, plot_h = 16, 12, 220
    x0, x1 = left, WIDTH - right
    y0, y1 = top, top + plot_h
    widths = [_text_width(label, 11) for label in labels]
    label_w = max(widths)

    def fit(inset: float) -> tuple[float, bool]:
        spacing = (x1 - x0 - 2 * inset) / (n - 1) if n > 1 else x1 - x0
        return spacing, n > 1 and label_w > spacing - 8

    inset = 16.0
    spacing, rotate = fit(inset)
    if n > 1 and not rotate:  # keep the first and last centred labels inside the chart
        inset = max(inset, widths[0] / 2 - x0 + 4, widths[-1] / 2 - right + 4)
        spacing, rotate = fit(inset)
    if rotate:  # rotated labels hang down-left from their tick
        inset = max(16.0, widths[0] * 0.71 - x0 + 4)
        spacing, _ = fit(inset)
    # Thin labels out only when even rotated ones would overlap.
    every = max(1, math.ceil(14 / spacing)) if rotate else 1
    xlabel_h = (label_w * 0.71 + 22) if rotate else 26

    def x_at(i: int) -> float:
        return (x0 + x1) / 2 if n == 1 else x0 + inset + i * spacing

    def y_at(v: float) -> float:
        return y1 - (v - y_min) / (y_max - y_min) * plot_h

    m = len(series)
    # Markers of different series at the same point sit side by side, not on top of each other.
    dodge = min(6.0, 10.0 / (m - 1), spacing / (4 * (m - 1))) if m > 1 else 0.0

    def x_of(k: int, i: int) -> float:
        return x_at(i) + (k - (m - 1) / 2) * dodge

    # Legend items.
    legend_items = []
    for k, s in enumerate(series):
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        sample = (
            f'<line x1="0" y1="0" x2="30" y2="0" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            f"{_marker(prefix, k, 15, 0, colour)}"
        )
        legend_items.append((sample, 30.0, s.name))
    legend_top = y1 + xlabel_h
    legend, legend_h = _legend(legend_items, x0, x1, legend_top) if series else ([], 0.0)
    height = legend_top + legend_h + 8

    parts = _open(prefix, WIDTH, height, title, _line_desc(labels, series, y_min, y_max))
    parts.append(_defs(prefix, m))
    parts.append(
        f'<rect class="plot-area" x="{_c(x0)}" y="{_c(y0)}" width="{_c(x1 - x0)}" '
        f'height="{_c(plot_h)}" fill="none"/>'
    )
    # Grid and y axis.
    parts.append('<g class="grid" stroke="currentColor" stroke-opacity="0.18">')
    parts.extend(
        f'<line x1="{_c(x0)}" y1="{_c(y_at(t))}" x2="{_c(x1)}" y2="{_c(y_at(t))}"/>' for t in ticks
    )
    parts.append("</g>")
    parts.append('<g class="y-axis" text-anchor="end">')
    parts.extend(
        f'<text x="{_c(x0 - 6)}" y="{_c(y_at(t))}" dy="0.35em">{_num(t)}</text>' for t in ticks
    )
    if y_label:
        cx, cy = 12, (y0 + y1) / 2
        parts.append(
            f'<text x="{_c(cx)}" y="{_c(cy)}" text-anchor="middle" dy="0.35em" '
            f'transform="rotate(-90 {_c(cx)} {_c(cy)})">{_esc(y_label)}</text>'
        )
    parts.append("</g>")
    # x axis.
    parts.append(
        f'<g class="axes" stroke="currentColor" stroke-opacity="0.6">'
        f'<line x1="{_c(x0)}" y1="{_c(y0)}" x2="{_c(x0)}" y2="{_c(y1)}"/>'
        f'<line x1="{_c(x0)}" y1="{_c(y1)}" x2="{_c(x1)}" y2="{_c(y1)}"/>'
    )
    parts.extend(
        f'<line x1="{_c(x_at(i))}" y1="{_c(y1)}" x2="{_c(x_at(i))}" y2="{_c(y1 + 4)}"/>'
        for i in range(n)
    )
    parts.append("</g>")
    parts.append('<g class="x-axis" font-size="11">')
    for i, label in enumerate(labels):
        if i % every and i != n - 1:
            continue
        x, y = x_at(i), y1 + 16
        if rotate:
            parts.append(
                f'<text x="{_c(x + 3)}" y="{_c(y - 4)}" text-anchor="end" '
                f'transform="rotate(-45 {_c(x + 3)} {_c(y - 4)})">{_esc(label)}</text>'
            )
        else:
            parts.append(f'<text x="{_c(x)}" y="{_c(y)}" text-anchor="middle">{_esc(label)}</text>')
    parts.append("</g>")
    # Series: lines first, then markers on top.
    for k, s in enumerate(series):
        colour, dash = COLOURS[k % len(COLOURS)], DASHES[k % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        given = {i: float(v) for i, v in enumerate(s.values) if v is not None}
        present = list(given)
        runs: list[list[int]] = []
        bridges: list[tuple[int, int]] = []
        for a, b in zip(present, present[1:], strict=False):
            if b == a + 1:
                if runs and runs[-1][-1] == a:
                    runs[-1].append(b)
                else:
                    runs.append([a, b])
            else:
                bridges.append((a, b))
        parts.append(
            f'<g class="series" data-series="{k}" fill="none" stroke="{colour}" '
            f'stroke-width="2" stroke-linejoin="round"{dash_attr}>'
        )
        for a, b in bridges:
            parts.append(
                f'<line class="gap" x1="{_c(x_of(k, a))}" y1="{_c(y_at(given[a]))}" '
                f'x2="{_c(x_of(k, b))}" y2="{_c(y_at(given[b]))}" stroke-width="1.2" '
                f'stroke-opacity="0.45"/>'
            )
        for run in runs:
            points = " ".join(f"{_c(x_of(k, i))},{_c(y_at(given[i]))}" for i in run)
            parts.append(f'<polyline points="{points}"/>')
        parts.append("</g>")
    for k, s in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        parts.append(f'<g class="points" data-series="{k}">')
        for i, value in enumerate(s.values):
            if value is None:
                continue
            parts.append(
                _marker(
                    prefix,
                    k,
                    x_of(k, i),
                    y_at(value),
                    colour,
                    f' class="point" data-series="{k}" data-index="{i}"',
                    f"{s.name}, {labels[i]}: {_num(value)}",
                )
            )
        parts.append("</g>")
    parts.extend(legend)
    parts.append("</svg>")
    return "".join(parts)


def _line_desc(labels: Sequence[str], series: Sequence[Series], y_min: float, y_max: float) -> str:
    names = _join([s.name for s in series]) or _("no series")
    if len(labels) == 1:
        over = _("over 1 point at %(at)s") % {"at": labels[0]}
    else:
        over = ngettext(
            "over %(n)d point from %(first)s to %(last)s",
            "over %(n)d points from %(first)s to %(last)s",
            len(labels),
        ) % {"n": len(labels), "first": labels[0], "last": labels[-1]}
    summaries = []
    for s in series:
        present = [(labels[i], v) for i, v in enumerate(s.values) if v is not None]
        if not present:
            summaries.append(_("%(name)s has no values") % {"name": s.name})
        elif len(present) == 1:
            summaries.append(
                _("%(name)s was %(value)s at %(at)s")
                % {"name": s.name, "value": _num(present[0][1]), "at": present[0][0]}
            )
        elif present[0][1] == present[-1][1]:
            summaries.append(
                _("%(name)s was %(value)s at the start and at the end")
                % {"name": s.name, "value": _num(present[0][1])}
            )
        else:
            summaries.append(
                _("%(name)s went from %(first)s to %(last)s")
                % {"name": s.name, "first": _num(present[0][1]), "last": _num(present[-1][1])}
            )
    text = _("Line chart of %(names)s on a scale of %(low)s to %(high)s %(over)s") % {
        "names": names,
        "low": _num(y_min),
        "high": _num(y_max),
        "over": over,
    }
    return text + (": " + "; ".join(summaries) + "." if summaries else ".")


# --- dot plot ------------------------------------------------------------------------------


def _wrap(text: str, width: float, size: float, max_lines: int = 2) -> list[str]:
    words = text.split()
    lines: list[str] = []
    for word in words:
        if lines and _text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        elif len(lines) < max_lines:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}"
    return lines or [""]


def _truncate(text: str, width: float, size: float) -> str:
    if _text_width(text, size) <= width:
        return text
    keep = max(1, int(width / (size * 0.6)) - 1)
    return text[:keep].rstrip() + "…"


def dot_plot(
    *,
    title: str,
    rows: Sequence[tuple[str, Sequence[float | None]]],
    column_names: Sequence[str],
    x_min: float,
    x_max: float,
    x_ticks: Sequence[float] | None = None,
    x_tick_labels: Mapping[float, str] | None = None,
    id_prefix: str | None = None,
) -> str:
    """One row per item (e.g. a Self-Sufficiency Matrix domain), one marker per column.

    Each column (e.g. an administration: "Entry 2026-03-01") has its own marker shape and colour;
    an arrow runs from a row's first to its last scored value so change is visible. None, or 0
    when 0 lies outside the scale ("not applicable"), draws nothing.
    """
    if not column_names:
        raise ValueError("dot_plot needs at least one column")
    if not x_min < x_max:
        raise ValueError(f"x_min ({x_min}) must be less than x_max ({x_max})")
    tick_labels = {float(k): str(v) for k, v in (x_tick_labels or {}).items()}
    cleaned: list[tuple[str, list[float | None]]] = []
    for label, values in rows:
        if len(values) != len(column_names):
            raise ValueError(
                f"row {label!r} has {len(values)} values for {len(column_names)} columns"
            )
        row: list[float | None] = []
        for c, value in enumerate(values):
            if value is not None and value == 0 and not x_min <= 0 <= x_max:
                value = None  # "not applicable / not scored"
            _check_number(value, x_min, x_max, f"row {label!r}, column {column_names[c]!r}")
            row.append(None if value is None else float(value))
        cleaned.append((str(label), row))
    if x_ticks is not None:
        ticks = [float(t) for t in x_ticks]
    elif tick_labels:
        ticks = list(tick_labels)
    else:
        ticks = _nice_ticks(x_min, x_max)
    ticks = sorted({t for t in ticks if x_min <= t <= x_max})
    columns = [str(name) for name in column_names]
    prefix = _prefix(
        id_prefix, "dot", title, cleaned, columns, x_min, x_max, ticks, sorted(tick_labels.items())
    )

    # Layout.
    row_h, size = 22.0, 12
    label_w = min(max((_text_width(label, size) for label, _values in cleaned), default=40), 200)
    x0 = 12 + label_w + 12
    right = 14
    x1 = WIDTH - right
    inset = 24.0
    heads: dict[float, list[str]] = {}
    for _attempt in range(
        2
    ):  # wrap the tick labels, then widen the inset if the outer ones overflow
        spacing = (x1 - x0 - 2 * inset) / max(len(ticks) - 1, 1)
        heads = {
            t: [_num(t), *(_wrap(tick_labels[t], spacing - 8, 11) if t in tick_labels else [])]
            for t in ticks
        }
        widest = max((_text_width(line, 11) for ls in heads.values() for line in ls), default=0)
        inset = max(24.0, widest / 2 - right + 2)

    def x_at(v: float) -> float:
        return x0 + inset + (v - x_min) / (x_max - x_min) * (x1 - x0 - 2 * inset)

    m = len(columns)
    dodge = min(6.0, 10.0 / (m - 1)) if m > 1 else 0.0

    legend_items = []
    for c, name in enumerate(columns):
        colour = COLOURS[c % len(COLOURS)]
        legend_items.append((_marker(prefix, c, 6, 0, colour), 12.0, name))
    if m > 1:
        legend_items.append(
            (
                '<line x1="2" y1="0" x2="23" y2="0" stroke="currentColor" stroke-opacity="0.6" '
                'stroke-width="1.5"/><path d="M29,0 L22,-3.5 L22,3.5 Z" fill-opacity="0.6"/>',
                30.0,
                _("change from first to latest score"),
            )
        )
    legend, legend_h = _legend(legend_items, 12, x1, 4)
    head_lines = max((len(ls) for ls in heads.values()), default=1)
    head_top = 4 + legend_h + 8
    rows_top = head_top + head_lines * 13 + 6
    rows_bottom = rows_top + row_h * len(cleaned)
    height = rows_bottom + 30

    parts = _open(
        prefix, WIDTH, height, title, _dot_desc(cleaned, columns, x_min, x_max, tick_labels)
    )
    parts.append(_defs(prefix, m))
    parts.extend(legend)
    parts.append(
        f'<rect class="plot-area" x="{_c(x0)}" y="{_c(rows_top)}" width="{_c(x1 - x0)}" '
        f'height="{_c(rows_bottom - rows_top)}" fill="none"/>'
    )
    # Row bands, gridlines, axis.
    parts.append('<g class="bands" fill="currentColor" fill-opacity="0.05">')
    parts.extend(
        f'<rect x="4" y="{_c(rows_top + r * row_h)}" width="{_c(x1 - 4)}" height="{_c(row_h)}"/>'
        for r in range(0, len(cleaned), 2)
    )
    parts.append("</g>")
    parts.append('<g class="grid" stroke="currentColor" stroke-opacity="0.18">')
    parts.extend(
        f'<line x1="{_c(x_at(t))}" y1="{_c(rows_top)}" x2="{_c(x_at(t))}" y2="{_c(rows_bottom)}"/>'
        for t in ticks
    )
    parts.append("</g>")
    parts.append(
        f'<g class="axes" stroke="currentColor" stroke-opacity="0.6">'
        f'<line x1="{_c(x0)}" y1="{_c(rows_bottom)}" x2="{_c(x1)}" y2="{_c(rows_bottom)}"/>'
        f'<line x1="{_c(x0)}" y1="{_c(rows_top)}" x2="{_c(x1)}" y2="{_c(rows_top)}"/>'
        "</g>"
    )
    parts.append('<g class="x-axis" font-size="11" text-anchor="middle">')
    for t in ticks:
        lines = heads[t]
        parts.append(f'<text x="{_c(x_at(t))}" y="{_c(head_top + 10)}">')
        for j, line in enumerate(lines):
            weight = ' font-weight="bold"' if j == 0 else ""
            dy = "0" if j == 0 else "13"
            parts.append(f'<tspan x="{_c(x_at(t))}" dy="{dy}"{weight}>{_esc(line)}</tspan>')
        parts.append("</text>")
        parts.append(f'<text x="{_c(x_at(t))}" y="{_c(rows_bottom + 16)}">{_num(t)}</text>')
    parts.append("</g>")
    # Rows.
    for r, (label, values) in enumerate(cleaned):
        cy = rows_top + r * row_h + row_h / 2
        shown = _truncate(label, label_w, size)
        full = f"<title>{_esc(label)}</title>" if shown != label else ""
        parts.append(
            f'<text class="row-label" x="{_c(x0 - 10)}" y="{_c(cy)}" dy="0.35em" '
            f'text-anchor="end">{full}{_esc(shown)}</text>'
        )
        scored = [(c, v) for c, v in enumerate(values) if v is not None]
        if not scored:
            parts.append(
                f'<text x="{_c(x0 + 8)}" y="{_c(cy)}" dy="0.35em" font-size="11" '
                f'font-style="italic" fill-opacity="0.7">{_esc(_("not scored"))}</text>'
            )
            continue
        (_first_col, first), (_last_col, last) = scored[0], scored[-1]
        if len(scored) > 1 and first != last:
            xa, xb = x_at(first), x_at(last)
            direction = 1 if xb > xa else -1
            head = abs(xb - xa) >= 20  # room for an arrowhead that stops short of the marker
            end = xb - direction * 12 if head else xb
            parts.append(
                f'<line class="change" x1="{_c(xa)}" y1="{_c(cy)}" x2="{_c(end)}" y2="{_c(cy)}" '
                f'stroke="currentColor" stroke-opacity="0.6" stroke-width="1.5"/>'
            )
            if head:
                tip, base = xb - direction * 6, xb - direction * 13
                parts.append(
                    f'<path class="arrowhead" d="M{_c(tip)},{_c(cy)} L{_c(base)},{_c(cy - 3.5)} '
                    f'L{_c(base)},{_c(cy + 3.5)} Z" fill-opacity="0.6"/>'
                )
        for c, value in scored:
            colour = COLOURS[c % len(COLOURS)]
            y = cy + (c - (m - 1) / 2) * dodge
            tick_name = tick_labels.get(value)
            words = f"{_num(value)} ({tick_name})" if tick_name else _num(value)
            parts.append(
                _marker(
                    prefix,
                    c,
                    x_at(value),
                    y,
                    colour,
                    f' class="point" data-row="{r}" data-column="{c}"',
                    f"{label}, {columns[c]}: {words}",
                )
            )
    parts.append("</svg>")
    return "".join(parts)


def _dot_desc(
    rows: Sequence[tuple[str, Sequence[float | None]]],
    columns: Sequence[str],
    x_min: float,
    x_max: float,
    tick_labels: Mapping[float, str],
) -> str:
    def end(v: float) -> str:
        return f"{_num(v)} ({tick_labels[v]})" if v in tick_labels else _num(v)

    head = ngettext(
        "Dot plot of %(n)d row on a scale from %(low)s to %(high)s",
        "Dot plot of %(n)d rows on a scale from %(low)s to %(high)s",
        len(rows),
    ) % {"n": len(rows), "low": end(x_min), "high": end(x_max)}
    scored = [[v for v in values if v is not None] for _label, values in rows]
    not_scored = sum(1 for s in scored if not s)
    if len(columns) == 1:
        return _("%(head)s for %(column)s: %(scored)d scored, %(not_scored)d not scored.") % {
            "head": head,
            "column": columns[0],
            "scored": len(rows) - not_scored,
            "not_scored": not_scored,
        }
    up = sum(1 for s in scored if len(s) > 1 and s[-1] > s[0])
    down = sum(1 for s in scored if len(s) > 1 and s[-1] < s[0])
    same = sum(1 for s in scored if len(s) > 1 and s[-1] == s[0])
    once = sum(1 for s in scored if len(s) == 1)
    counts = [
        _("%(n)d went up") % {"n": up},
        _("%(n)d went down") % {"n": down},
        _("%(n)d stayed the same") % {"n": same},
    ]
    if once:
        counts.append(_("%(n)d scored once") % {"n": once})
    if not_scored:
        counts.append(_("%(n)d not scored") % {"n": not_scored})
    return _("%(head)s, comparing %(columns)s: %(counts)s.") % {
        "head": head,
        "columns": _join(list(columns)),
        "counts": _join(counts),
    }


# --- bar chart -----------------------------------------------------------------------------


def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    value_max: float | None = None,
    unit: str = "",
    id_prefix: str | None = None,
) -> str:
    """Horizontal bars, one per label, with the value written at the end of each bar (so the
    chart reads without colour). ``None`` draws no bar and writes "—" (e.g. a suppressed or
    missing figure). The scale starts at zero."""
    if len(labels) != len(values):
        raise ValueError("bar_chart needs one value per label")
    if not labels:
        raise ValueError("bar_chart needs at least one bar")
    shown = [v for v in values if v is not None]
    top = value_max if value_max is not None else (max(shown) if shown else 1.0)
    top = top if top > 0 else 1.0
    for i, value in enumerate(values):
        _check_number(value, 0, top, f"bar {i}")
    prefix = _prefix(id_prefix, "bar", title, tuple(labels), tuple(values), top)
    label_w = min(220.0, max(_text_width(str(label), 12) for label in labels) + 12)
    left, right, row, top_pad = label_w, WIDTH - 70, 26, 8
    height = top_pad * 2 + row * len(labels)
    parts = _open(prefix, WIDTH, height, title, _bar_desc(labels, values, unit))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top_pad + i * row
        parts.append(
            f'<text x="{_c(left - 8)}" y="{_c(y + row / 2)}" dy="0.35em" text-anchor="end">'
            f"{_esc(_truncate(str(label), left - 12, 12))}</text>"
        )
        if value is None:
            parts.append(f'<text x="{_c(left + 4)}" y="{_c(y + row / 2)}" dy="0.35em">—</text>')
            continue
        width = (right - left) * (value / top)
        parts.append(
            f'<rect x="{_c(left)}" y="{_c(y + 4)}" width="{_c(max(width, 0.5))}" '
            f'height="{_c(row - 8)}" fill="{COLOURS[0]}"><title>{_esc(label)}: '
            f"{_esc(_num(value))}{_esc(unit)}</title></rect>"
        )
        parts.append(
            f'<text x="{_c(left + width + 6)}" y="{_c(y + row / 2)}" dy="0.35em">'
            f"{_esc(_num(value))}{_esc(unit)}</text>"
        )
    parts.append(
        f'<line x1="{_c(left)}" y1="{_c(top_pad)}" x2="{_c(left)}" y2="{_c(height - top_pad)}" '
        f'stroke="currentColor"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _bar_desc(labels: Sequence[str], values: Sequence[float | None], unit: str) -> str:
    pairs = [
        f"{label}: {_num(v) + unit if v is not None else _('not shown')}"
        for label, v in zip(labels, values, strict=True)
    ]
    bars = ngettext("%(n)d bar.", "%(n)d bars.", len(labels)) % {"n": len(labels)}
    return f"{bars} " + "; ".join(pairs[:12]) + ("…" if len(pairs) > 12 else "")
