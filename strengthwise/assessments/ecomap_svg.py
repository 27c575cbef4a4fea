"""An ecomap (Ann Hartman, 1978) drawn as one self-contained SVG string.

Pure and deterministic: no models, no database, no randomness; the same inputs give byte-identical
output. Safe under a strict Content-Security-Policy: presentation attributes only, no ``style``
attribute, no ``<style>`` or ``<script>`` element. Meaning never rests on colour alone: strength
is line weight and dashing, stress is hatching, flow is arrowheads, and every node names its kind
and level in text.

Layout: the client sits in a central circle (household names inside it); the other systems sit on
a ring (two alternating rings when crowded) at equal angles, sorted by kind, label and id. Each
label block is pushed radially outwards until it clears its own circle, so ties never run through
their own label. A small search over font size, wrap width, ring spacing and radius takes the
first layout in which no label, circle or tie collides and the drawing fits one printed page
(about 900 x 1000 user units); the estimates are conservative (0.6 em per character, 1 em for
wide East Asian characters).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "DEFAULT_LEGEND_LABELS",
    "FLOWS",
    "KINDS",
    "LEVELS",
    "QUALITIES",
    "STRENGTHS",
    "EcoNode",
    "EcoTie",
    "render_ecomap",
]


@dataclass(frozen=True)
class EcoNode:
    id: str
    label: str
    kind: str
    level: str


@dataclass(frozen=True)
class EcoTie:
    node_id: str
    strength: str
    quality: str
    flow: str
    note: str = ""


KINDS = (
    "family",
    "friends",
    "work",
    "school",
    "health",
    "faith",
    "services",
    "court",
    "community",
    "recreation",
    "other",
)
LEVELS = ("micro", "meso", "macro")
STRENGTHS = ("strong", "moderate", "tenuous")
QUALITIES = ("positive", "neutral", "stressful")
FLOWS = ("to_client", "from_client", "both", "none")

# Every visible or spoken word comes from here, so callers can translate all of it.
DEFAULT_LEGEND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        # legend rows
        "ties": "Ties",
        "flow": "Flow",
        "levels": "Level",
        "strong": "Strong",
        "moderate": "Moderate",
        "tenuous": "Tenuous",
        "stressful": "Stressful (hatched)",
        "to_client": "Energy to the client",
        "from_client": "Energy from the client",
        "both": "Both ways",
        "legend_micro": "micro: the person",
        "legend_meso": "meso: family, groups, local",
        "legend_macro": "macro: wider systems",
        # captions under each node, and the kind written inside its circle
        "micro": "micro",
        "meso": "meso",
        "macro": "macro",
        **{kind: kind for kind in KINDS},
        # household list inside the centre circle
        "more": "+{count} more",
        # the <desc> read by screen readers
        "connections_one": "1 connection",
        "connections_other": "{count} connections",
        "summary": (
            "{center} and {connections}: {strong} strong, {moderate} moderate, "
            "{tenuous} tenuous; {stressful} stressful; {both} both ways, "
            "{to_client} towards {center}, {from_client} from {center}."
        ),
        "untied": "{count} more shown without a tie.",
    }
)

# --- drawing constants --------------------------------------------------------------------------

INK = "#1d2430"
MUTED = "#414b5a"
RULE = "#9aa3ae"
BACKGROUND = "#ffffff"
LEVEL_FILL = {"micro": "#fbe2bf", "meso": "#d4e6f6", "macro": "#e2daf1"}
CLIENT_FILL = "#ffffff"
FONT_FAMILY = "Arial, Liberation Sans, Helvetica, sans-serif"

STROKE_WIDTH = {"strong": "5", "moderate": "2.5", "tenuous": "2"}
DASHARRAY = {"tenuous": "8 6"}
ARROW_LEN = 13.0
HATCH_HALF = 7.0
HATCH_STEP = 16.0

MAX_W = 900.0
MAX_H = 1000.0
MIN_W = 640.0
MARGIN = 24.0
TITLE_FS = 18.0
MIN_TEXT_PX = 11.0  # the smallest text at the drawing's own size (width, height)
NODE_R = 32.0
LABEL_GAP = 6.0  # between a node circle and its label block
PAD = 6.0  # minimum clearance between any two things that must not touch
MIN_TIE = 72.0  # shortest tie, room for two arrowheads and some hatching

# Text metrics (estimates): a line's ink sits between baseline - ASC*fs and baseline + DESC*fs.
ASC = 0.9
DESC = 0.25
LINE = 1.2
EM = 0.6
BOLD = 1.1

FONT_SIZES = (13.0, 12.0, 11.0, 10.0)
WRAP_CHARS = (18, 14, 11)
RING_GAPS = (0.0, 80.0, 110.0, 140.0)  # 0: one ring; otherwise the outer ring's extra radius
RADIUS_STEP = 8.0

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")
_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,40}")


# --- text helpers --------------------------------------------------------------------------------


def _clean(value: object) -> str:
    """str(), without characters XML cannot carry, whitespace collapsed."""
    return _WHITESPACE.sub(" ", _CONTROL.sub("", str(value))).strip()


def _esc(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def _num(value: float) -> str:
    text = f"{round(value, 1):.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _text_width(text: str, fs: float, bold: bool = False) -> float:
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else EM for ch in text)
    return ems * fs * (BOLD if bold else 1.0)


def _truncate(text: str, max_w: float, fs: float, bold: bool = False) -> str:
    if _text_width(text, fs, bold) <= max_w:
        return text
    while text and _text_width(text.rstrip() + "…", fs, bold) > max_w:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, max_w: float, fs: float, max_lines: int, bold: bool = False) -> list[str]:
    """Greedy word wrap to max_w; over-long words are split; overflow ends in an ellipsis."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if _text_width(candidate, fs, bold) <= max_w:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while _text_width(word, fs, bold) > max_w:
            cut = len(word) - 1
            while cut > 1 and _text_width(word[:cut], fs, bold) > max_w:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and _text_width(last.rstrip() + "…", fs, bold) > max_w:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + "…"]
    return lines


def _format(template: str, default: str, **values: object) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError):
        return default.format(**values)


# --- geometry ------------------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Circle = tuple[float, float, float]  # cx, cy, r
Segment = tuple[float, float, float, float]


def _boxes_overlap(a: Box, b: Box, pad: float) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


def _box_hits_circle(b: Box, c: Circle, pad: float) -> bool:
    dx = max(b[0] - c[0], 0.0, c[0] - b[2])
    dy = max(b[1] - c[1], 0.0, c[1] - b[3])
    return dx * dx + dy * dy < (c[2] + pad) ** 2


def _segment_hits_circle(s: Segment, c: Circle, pad: float) -> bool:
    x1, y1, x2, y2 = s
    dx, dy = x2 - x1, y2 - y1
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((c[0] - x1) * dx + (c[1] - y1) * dy) / length2))
    px, py = x1 + t * dx - c[0], y1 + t * dy - c[1]
    return px * px + py * py < (c[2] + pad) ** 2


def _segment_hits_box(s: Segment, b: Box, pad: float) -> bool:
    """Liang-Barsky clip of the segment against the box grown by pad."""
    x1, y1, x2, y2 = s
    dx, dy = x2 - x1, y2 - y1
    lo, hi = 0.0, 1.0
    for p, q in (
        (-dx, x1 - (b[0] - pad)),
        (dx, (b[2] + pad) - x1),
        (-dy, y1 - (b[1] - pad)),
        (dy, (b[3] + pad) - y1),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def _push_out(ux: float, uy: float, hw: float, hh: float, clearance: float) -> float:
    """Smallest t so that a hw x hh half-size box centred at t*(ux, uy) clears a circle of radius
    `clearance` round the origin."""

    def distance(t: float) -> float:
        return math.hypot(max(0.0, abs(ux) * t - hw), max(0.0, abs(uy) * t - hh))

    lo, hi = 0.0, 2.0 * (clearance + hw + hh)
    for _ in range(40):
        mid = (lo + hi) / 2
        if distance(mid) >= clearance:
            hi = mid
        else:
            lo = mid
    return hi


# --- layout --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    dy: float  # baseline, relative to the top of its block


@dataclass(frozen=True)
class _Block:
    """A node's label and level caption, measured; baselines relative to the block's top."""

    label: tuple[_Line, ...]
    caption: _Line
    fs: float
    caption_fs: float
    width: float
    height: float


@dataclass(frozen=True)
class _Centre:
    label: tuple[_Line, ...]
    household: tuple[_Line, ...]
    label_fs: float
    household_fs: float
    width: float
    height: float
    radius: float


@dataclass(frozen=True)
class _Placed:
    node: EcoNode
    tie: EcoTie | None
    x: float  # node centre, relative to the client's centre
    y: float
    block: _Block
    bx: float  # block top-left, relative to the client's centre
    by: float


@dataclass(frozen=True)
class _Layout:
    placed: tuple[_Placed, ...]
    kind_fs: float
    width: float
    height: float
    cx: float  # client centre on the canvas
    cy: float
    legend_top: float


def _centre_block(
    center_label: str, household: Sequence[str], labels: Mapping[str, str]
) -> _Centre:
    label_fs, household_fs = 16.0, 12.0
    label_lines = _wrap(center_label, 170.0, label_fs, 2, bold=True) or [""]
    names = [name for name in (_clean(n) for n in household) if name]
    if len(names) > 4:
        more = _format(labels["more"], DEFAULT_LEGEND_LABELS["more"], count=len(names) - 3)
        names = names[:3] + [more]
    names = [_truncate(name, 150.0, household_fs) for name in names]
    lines, y = [], ASC * label_fs
    for text in label_lines:
        lines.append(_Line(text, y))
        y += LINE * label_fs
    bottom = lines[-1].dy + DESC * label_fs
    hh_lines, y = [], bottom + 5 + ASC * household_fs
    for text in names:
        hh_lines.append(_Line(text, y))
        bottom = y + DESC * household_fs
        y += LINE * household_fs
    width = max(
        [_text_width(t, label_fs, True) for t in label_lines]
        + [_text_width(t, household_fs) for t in names]
    )
    radius = max(56.0, math.hypot(width / 2, bottom / 2) + 8.0)
    return _Centre(tuple(lines), tuple(hh_lines), label_fs, household_fs, width, bottom, radius)


def _node_block(node: EcoNode, labels: Mapping[str, str], fs: float, wrap_w: float) -> _Block:
    caption_fs = fs - 2
    label_lines = _wrap(_clean(node.label), wrap_w, fs, 3)
    caption = _truncate(_clean(labels[node.level]), wrap_w, caption_fs)
    lines, y, bottom = [], ASC * fs, 0.0
    for text in label_lines:
        lines.append(_Line(text, y))
        bottom = y + DESC * fs
        y += LINE * fs
    caption_y = bottom + (2.0 if lines else 0.0) + ASC * caption_fs
    width = max([_text_width(t, fs) for t in label_lines] + [_text_width(caption, caption_fs)])
    return _Block(
        tuple(lines),
        _Line(caption, caption_y),
        fs,
        caption_fs,
        width,
        caption_y + DESC * caption_fs,
    )


def _kind_font(texts: Sequence[str]) -> float:
    """The largest size at which every kind fits inside a node circle, whole words on one or two
    lines (below that, words break and the last line may end in an ellipsis)."""
    for fs in (11.0, 10.5, 10.0, 9.5, 9.0, 8.5, 8.0):
        if all(" ".join(_kind_lines(t, fs)) == t for t in texts):
            return fs
    return 8.0


def _kind_lines(text: str, fs: float) -> list[str]:
    """The kind, written inside its circle: one line, else two, else cut with an ellipsis."""
    room = NODE_R - 3
    if math.hypot(_text_width(text, fs) / 2, (ASC + DESC) * fs / 2) <= room:
        return [text]
    half_height = (ASC + LINE + DESC) * fs / 2
    width = 2 * math.sqrt(max(0.0, room * room - half_height * half_height))
    return _wrap(text, width, fs, 2)


def _kind_baselines(cy: float, fs: float, count: int) -> list[float]:
    """Baselines that centre `count` lines of the kind on the circle's centre."""
    top = cy - (ASC + LINE * (count - 1) + DESC) * fs / 2
    return [top + ASC * fs + LINE * fs * k for k in range(count)]


def _try_layout(
    nodes: Sequence[EcoNode],
    ties: Mapping[str, EcoTie],
    blocks: Sequence[_Block],
    offsets: Sequence[tuple[float, float]],
    angles: Sequence[tuple[float, float]],
    centre: _Centre,
    r_inner: float,
    ring_gap: float,
) -> tuple[tuple[_Placed, ...], Box, bool]:
    """Place every node; return the placements, their extent, and whether nothing collides."""
    placed = []
    circles: list[Circle] = [(0.0, 0.0, centre.radius)]
    boxes: list[Box] = [
        (-centre.width / 2, -centre.height / 2, centre.width / 2, centre.height / 2)
    ]
    segments: list[Segment | None] = [None]
    for i, node in enumerate(nodes):
        ux, uy = angles[i]
        radius = r_inner + (ring_gap if ring_gap and i % 2 else 0.0)
        x, y = ux * radius, uy * radius
        block = blocks[i]
        bx = x + offsets[i][0] - block.width / 2
        by = y + offsets[i][1] - block.height / 2
        placed.append(_Placed(node, ties.get(node.id), x, y, block, bx, by))
        circles.append((x, y, NODE_R))
        boxes.append((bx, by, bx + block.width, by + block.height))
        has_tie = node.id in ties
        segments.append(
            (ux * centre.radius, uy * centre.radius, x - ux * NODE_R, y - uy * NODE_R)
            if has_tie
            else None
        )
    extent = (
        min(min(c[0] - c[2] for c in circles), min(b[0] for b in boxes)),
        min(min(c[1] - c[2] for c in circles), min(b[1] for b in boxes)),
        max(max(c[0] + c[2] for c in circles), max(b[2] for b in boxes)),
        max(max(c[1] + c[2] for c in circles), max(b[3] for b in boxes)),
    )
    return tuple(placed), extent, _no_collisions(circles, boxes, segments)


def _no_collisions(
    circles: Sequence[Circle], boxes: Sequence[Box], segments: Sequence[Segment | None]
) -> bool:
    # Index 0 is the client: its text block sits inside its own circle by design, and its
    # ties start on that circle.
    for i, j in _pair_order(len(circles)):
        if _boxes_overlap(boxes[i], boxes[j], PAD) or _circles_overlap(circles[i], circles[j]):
            return False
        if _box_hits_circle(boxes[i], circles[j], PAD) or _box_hits_circle(
            boxes[j], circles[i], PAD
        ):
            return False
        for a, b in ((i, j), (j, i)):
            seg = segments[a]
            if seg is None:
                continue
            if _segment_hits_box(seg, boxes[b], PAD / 2):
                return False
            if b and _segment_hits_circle(seg, circles[b], PAD / 2):
                return False
    return True


@functools.lru_cache(maxsize=64)
def _pair_order(count: int) -> tuple[tuple[int, int], ...]:
    """Every pair of items, ring neighbours first: a crowded ring fails there, so a layout that
    does not fit is rejected quickly."""

    def ring_distance(pair: tuple[int, int]) -> int:
        i, j = pair
        if i == 0:
            return count
        return min(j - i, count - 1 - (j - i))

    pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
    return tuple(sorted(pairs, key=lambda pair: (ring_distance(pair), pair)))


def _circles_overlap(a: Circle, b: Circle) -> bool:
    return math.hypot(a[0] - b[0], a[1] - b[1]) < a[2] + b[2] + PAD


def _choose_layout(
    nodes: Sequence[EcoNode],
    ties: Mapping[str, EcoTie],
    centre: _Centre,
    labels: Mapping[str, str],
    header_h: float,
    legend_height: Callable[[float], float],
) -> _Layout:
    count = len(nodes)
    angles = [
        (
            math.cos(-math.pi / 2 + 2 * math.pi * i / count),
            math.sin(-math.pi / 2 + 2 * math.pi * i / count),
        )
        for i in range(count)
    ]
    r_min = centre.radius + NODE_R + MIN_TIE
    kind_fs = _kind_font([_clean(labels[n.kind]) for n in nodes])

    def canvas(extent: Box) -> tuple[float, float]:
        width = max(MIN_W, extent[2] - extent[0] + 2 * MARGIN)
        height = header_h + (extent[3] - extent[1]) + 18.0 + legend_height(width) + MARGIN
        return width, height

    def finish(placed: tuple[_Placed, ...], extent: Box) -> _Layout:
        width, height = canvas(extent)
        cx = (width - (extent[2] - extent[0])) / 2 - extent[0]
        cy = header_h - extent[1]
        legend_top = header_h + (extent[3] - extent[1]) + 18.0
        return _Layout(placed, kind_fs, width, height, cx, cy, legend_top)

    if not count:
        placed, extent, _ = _try_layout(nodes, ties, [], [], [], centre, r_min, 0.0)
        return finish(placed, extent)

    def prepare(fs: float, chars: int) -> tuple[list[_Block], list[tuple[float, float]]]:
        blocks = [_node_block(n, labels, fs, chars * EM * fs) for n in nodes]
        offsets = []
        for (ux, uy), block in zip(angles, blocks, strict=True):
            t = _push_out(ux, uy, block.width / 2, block.height / 2, NODE_R + LABEL_GAP)
            offsets.append((ux * t, uy * t))
        return blocks, offsets

    # Preference: larger text first, then one ring (the classic drawing) over two, then wider
    # label lines, then the smallest radius.
    prepared = {}
    for fs in FONT_SIZES:
        for ring_gap in RING_GAPS:
            if ring_gap and count < 8:
                continue
            for chars in WRAP_CHARS:
                if (fs, chars) not in prepared:
                    prepared[fs, chars] = prepare(fs, chars)
                blocks, offsets = prepared[fs, chars]
                radius = r_min
                while True:
                    placed, extent, ok = _try_layout(
                        nodes, ties, blocks, offsets, angles, centre, radius, ring_gap
                    )
                    width, height = canvas(extent)
                    if width > MAX_W or height > MAX_H:
                        break
                    if ok:
                        return finish(placed, extent)
                    radius += RADIUS_STEP

    # Too many systems for one page: keep everything legible and let the canvas grow (the
    # viewBox still scales it down to the page).
    blocks, offsets = prepare(FONT_SIZES[-1], WRAP_CHARS[-1])
    ring_gap = RING_GAPS[2] if count >= 8 else 0.0
    radius = r_min
    while True:
        placed, extent, ok = _try_layout(
            nodes, ties, blocks, offsets, angles, centre, radius, ring_gap
        )
        if ok or radius > 4000:
            return finish(placed, extent)
        radius += RADIUS_STEP * 2


# --- legend --------------------------------------------------------------------------------------

LEGEND_FS = 12.0
LEGEND_ROW = 24.0


def _legend(
    width: float, top: float, labels: Mapping[str, str], arrow_start: str, arrow_end: str
) -> tuple[list[str], float]:
    """The key, flowed into rows across the canvas; returns its elements and its height."""
    parts = [
        f'<line class="legend-rule" x1="{_num(MARGIN)}" y1="{_num(top)}" '
        f'x2="{_num(width - MARGIN)}" y2="{_num(top)}" stroke="{RULE}" stroke-width="1"/>'
    ]
    rows = [
        ("ties", [("tie", key) for key in ("strong", "moderate", "tenuous", "stressful")]),
        ("flow", [("flow", key) for key in ("to_client", "from_client", "both")]),
        ("levels", [("level", key) for key in LEVELS]),
    ]
    headings = {key: _truncate(_clean(labels[key]), 110.0, LEGEND_FS, True) for key, _ in rows}
    heading_w = max(_text_width(text, LEGEND_FS, True) for text in headings.values())
    start = MARGIN + heading_w + 14.0
    right = width - MARGIN
    sample_w = {"tie": 44.0, "flow": 60.0, "level": 16.0}
    row_mid = top + 10.0 + LEGEND_ROW / 2
    baseline_shift = 0.35 * LEGEND_FS
    for heading, items in rows:
        parts.append(
            f'<text class="legend-heading" x="{_num(MARGIN)}" y="{_num(row_mid + baseline_shift)}" '
            f'font-size="{_num(LEGEND_FS)}" font-weight="bold" fill="{INK}">'
            f"{_esc(headings[heading])}</text>"
        )
        x = start
        for sort, key in items:
            label_key = f"legend_{key}" if sort == "level" else key
            sw = sample_w[sort]
            text = _truncate(_clean(labels[label_key]), right - start - sw - 6.0, LEGEND_FS)
            item_w = sw + 6.0 + _text_width(text, LEGEND_FS)
            if x > start and x + item_w > right:
                x = start
                row_mid += LEGEND_ROW
            parts.extend(_legend_sample(sort, key, x, row_mid, sw, arrow_start, arrow_end))
            parts.append(
                f'<text class="legend-text" x="{_num(x + sw + 6.0)}" '
                f'y="{_num(row_mid + baseline_shift)}" font-size="{_num(LEGEND_FS)}" '
                f'fill="{INK}">{_esc(text)}</text>'
            )
            x += item_w + 18.0
        row_mid += LEGEND_ROW
    height = row_mid - LEGEND_ROW / 2 - top
    return parts, height


def _legend_sample(
    sort: str, key: str, x: float, y: float, width: float, arrow_start: str, arrow_end: str
) -> list[str]:
    if sort == "level":
        return [
            f'<circle class="legend-swatch" cx="{_num(x + 8)}" cy="{_num(y)}" r="7" '
            f'fill="{LEVEL_FILL[key]}" stroke="{INK}" stroke-width="1.5"/>'
        ]
    if sort == "tie":
        strength = "moderate" if key == "stressful" else key
        parts = [_line((x, y, x + width, y), strength, cls="legend-line")]
        if key == "stressful":
            for hx in (x + width / 2 - 12, x + width / 2, x + width / 2 + 12):
                parts.append(_hatch_line(hx, y - 6, hx, y + 6))
        return parts
    # flow: the client as a small white circle on the left, another system on the right
    r = 6.0
    left, right = x + r, x + width - r
    start = left + r + (ARROW_LEN if key in ("to_client", "both") else 0.0)
    end = right - r - (ARROW_LEN if key in ("from_client", "both") else 0.0)
    markers = _markers(key, arrow_start, arrow_end)
    return [
        f'<circle class="legend-swatch" cx="{_num(left)}" cy="{_num(y)}" r="{_num(r)}" '
        f'fill="{CLIENT_FILL}" stroke="{INK}" stroke-width="2"/>',
        f'<circle class="legend-swatch" cx="{_num(right)}" cy="{_num(y)}" r="{_num(r)}" '
        f'fill="{LEVEL_FILL["meso"]}" stroke="{INK}" stroke-width="1.5"/>',
        _line((start, y, end, y), "moderate", markers, "legend-line"),
    ]


# --- elements ------------------------------------------------------------------------------------


def _markers(flow: str, arrow_start: str, arrow_end: str) -> str:
    attrs = ""
    if flow in ("to_client", "both"):
        attrs += f' marker-start="url(#{arrow_start})"'
    if flow in ("from_client", "both"):
        attrs += f' marker-end="url(#{arrow_end})"'
    return attrs


def _line(seg: Segment, strength: str, extra: str = "", cls: str = "tie-line") -> str:
    dash = f' stroke-dasharray="{DASHARRAY[strength]}"' if strength in DASHARRAY else ""
    return (
        f'<line class="{cls}" x1="{_num(seg[0])}" y1="{_num(seg[1])}" x2="{_num(seg[2])}" '
        f'y2="{_num(seg[3])}" stroke="{INK}" stroke-width="{STROKE_WIDTH[strength]}"{dash}'
        f'{extra} fill="none"/>'
    )


def _hatch_line(x1: float, y1: float, x2: float, y2: float, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<line{klass} x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
        f'stroke="{INK}" stroke-width="2"/>'
    )


def _text(cls: str, x: float, lines: Sequence[tuple[str, float]], fs: float, extra: str) -> str:
    """A text element; several lines become tspans with absolute x and y."""
    if len(lines) == 1:
        text, y = lines[0]
        return (
            f'<text class="{cls}" x="{_num(x)}" y="{_num(y)}" font-size="{_num(fs)}" '
            f'text-anchor="middle"{extra}>{_esc(text)}</text>'
        )
    spans = "".join(f'<tspan x="{_num(x)}" y="{_num(y)}">{_esc(text)}</tspan>' for text, y in lines)
    return (
        f'<text class="{cls}" x="{_num(x)}" y="{_num(lines[0][1])}" font-size="{_num(fs)}" '
        f'text-anchor="middle"{extra}>{spans}</text>'
    )


def _tie_group(p: _Placed, layout: _Layout, centre_r: float, ids: Mapping[str, str]) -> str:
    tie = p.tie
    assert tie is not None
    distance = math.hypot(p.x, p.y)
    ux, uy = p.x / distance, p.y / distance
    a = centre_r + (ARROW_LEN if tie.flow in ("to_client", "both") else 0.0)
    b = distance - NODE_R - (ARROW_LEN if tie.flow in ("from_client", "both") else 0.0)
    cx, cy = layout.cx, layout.cy
    seg = (cx + ux * a, cy + uy * a, cx + ux * b, cy + uy * b)
    parts = [
        f'<g class="tie" data-node="{_esc(p.node.id)}" data-strength="{tie.strength}" '
        f'data-quality="{tie.quality}" data-flow="{tie.flow}">'
    ]
    note = _clean(tie.note)
    if note:
        parts.append(f"<title>{_esc(_clean(p.node.label))}: {_esc(note)}</title>")
    parts.append(_line(seg, tie.strength, _markers(tie.flow, ids["start"], ids["end"])))
    if tie.quality == "stressful":
        lo, hi = a + 8.0, b - 8.0
        usable = max(0.0, hi - lo)
        count = int(usable // HATCH_STEP) + 1
        mid = (lo + hi) / 2
        vx, vy = -uy * HATCH_HALF, ux * HATCH_HALF
        for k in range(count):
            s = mid + (k - (count - 1) / 2) * HATCH_STEP
            px, py = cx + ux * s, cy + uy * s
            parts.append(_hatch_line(px - vx, py - vy, px + vx, py + vy, "hatch"))
    parts.append("</g>")
    return "".join(parts)


def _node_group(p: _Placed, layout: _Layout, labels: Mapping[str, str]) -> str:
    node, block = p.node, p.block
    x, y = layout.cx + p.x, layout.cy + p.y
    left, top = layout.cx + p.bx, layout.cy + p.by
    mid = left + block.width / 2
    kind = [line for line in _kind_lines(_clean(labels[node.kind]), layout.kind_fs) if line]
    parts = [
        f'<g class="node" data-node="{_esc(node.id)}" data-kind="{node.kind}" '
        f'data-level="{node.level}">',
        # The full name, however the label block was wrapped or cut: a tooltip, and what a
        # screen reader announces for the node.
        f"<title>{_esc(_clean(node.label))}</title>",
        f'<circle class="node-circle" cx="{_num(x)}" cy="{_num(y)}" r="{_num(NODE_R)}" '
        f'fill="{LEVEL_FILL[node.level]}" stroke="{INK}" stroke-width="1.5"/>',
    ]
    if kind:
        parts.append(
            _text(
                "node-kind",
                x,
                list(zip(kind, _kind_baselines(y, layout.kind_fs, len(kind)), strict=True)),
                layout.kind_fs,
                f' fill="{INK}"',
            )
        )
    if block.label:
        parts.append(
            _text(
                "node-label",
                mid,
                [(line.text, top + line.dy) for line in block.label],
                block.fs,
                f' fill="{INK}"',
            )
        )
    if block.caption.text:
        parts.append(
            _text(
                "node-level",
                mid,
                [(block.caption.text, top + block.caption.dy)],
                block.caption_fs,
                f' fill="{MUTED}" font-style="italic"',
            )
        )
    parts.append("</g>")
    return "".join(parts)


# --- validation and identity ---------------------------------------------------------------------


def _check(value: object, allowed: Sequence[str], what: str, owner: str) -> None:
    if value not in allowed:
        raise ValueError(f"{owner}: {what} must be one of {', '.join(allowed)}; got {value!r}")


def _validate(nodes: Sequence[EcoNode], ties: Sequence[EcoTie]) -> None:
    seen: set[str] = set()
    for node in nodes:
        if not isinstance(node.id, str) or not node.id:
            raise ValueError(f"ecomap node {node!r}: id must be a non-empty string")
        if node.id in seen:
            raise ValueError(f"ecomap node id {node.id!r} appears more than once")
        seen.add(node.id)
        _check(node.kind, KINDS, "kind", f"ecomap node {node.id!r}")
        _check(node.level, LEVELS, "level", f"ecomap node {node.id!r}")
    tied: set[str] = set()
    for tie in ties:
        if tie.node_id not in seen:
            raise ValueError(f"ecomap tie to unknown node id {tie.node_id!r}")
        if tie.node_id in tied:
            raise ValueError(f"ecomap node {tie.node_id!r} has more than one tie to the client")
        tied.add(tie.node_id)
        owner = f"ecomap tie to node {tie.node_id!r}"
        _check(tie.strength, STRENGTHS, "strength", owner)
        _check(tie.quality, QUALITIES, "quality", owner)
        _check(tie.flow, FLOWS, "flow", owner)


def _merge_labels(legend_labels: Mapping[str, str] | None) -> dict[str, str]:
    labels = dict(DEFAULT_LEGEND_LABELS)
    for key, value in (legend_labels or {}).items():
        if key not in DEFAULT_LEGEND_LABELS:
            raise ValueError(
                f"unknown ecomap legend label {key!r}; known: {', '.join(DEFAULT_LEGEND_LABELS)}"
            )
        labels[key] = str(value)  # lazy translations become text here
    return labels


def _id_prefix(id_prefix: str | None, payload: object) -> str:
    if id_prefix is not None:
        if not _ID_PREFIX.fullmatch(id_prefix):
            raise ValueError(
                f"id_prefix must be a letter then letters, digits, '-' or '_'; got {id_prefix!r}"
            )
        return id_prefix
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return "eco-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10]


# --- the entry point -----------------------------------------------------------------------------


def render_ecomap(
    *,
    center_label: str,
    nodes: Sequence[EcoNode],
    ties: Sequence[EcoTie],
    title: str,
    dated: str = "",
    household: Sequence[str] = (),
    legend_labels: Mapping[str, str] | None = None,
    id_prefix: str | None = None,
) -> str:
    """Return the ecomap as one ``<svg>`` element (a string, not yet marked safe).

    `legend_labels` overrides any of DEFAULT_LEGEND_LABELS (unknown keys are an error; lazy
    translation strings are fine). Element ids start with `id_prefix`, by default ``eco-`` and a
    hash of the inputs, so several ecomaps can share a page. Raises ValueError on an unknown
    kind, level, strength, quality or flow, a duplicate node id, a tie to an unknown node, or a
    second tie to the same node.
    """
    nodes = tuple(nodes)
    ties = tuple(ties)
    household = tuple(str(name) for name in household)
    _validate(nodes, ties)
    labels = _merge_labels(legend_labels)
    center = _clean(center_label)
    heading = _clean(title) + (f" — {_clean(dated)}" if _clean(dated) else "")
    prefix = _id_prefix(
        id_prefix,
        {
            "center": center,
            "nodes": sorted([n.id, n.label, n.kind, n.level] for n in nodes),
            "ties": sorted([t.node_id, t.strength, t.quality, t.flow, t.note] for t in ties),
            "title": heading,
            "household": list(household),
            "labels": labels,
        },
    )
    ids = {
        "title": f"{prefix}-title",
        "desc": f"{prefix}-desc",
        "start": f"{prefix}-arrow-start",
        "end": f"{prefix}-arrow-end",
    }

    ordered = sorted(nodes, key=lambda n: (KINDS.index(n.kind), n.label.casefold(), n.label, n.id))
    tie_by_node = {tie.node_id: tie for tie in ties}
    centre = _centre_block(center, household, labels)
    header_h = MARGIN + TITLE_FS * (ASC + DESC) + 14.0
    legend_heights: dict[float, float] = {}

    def legend_height(width: float) -> float:
        if width not in legend_heights:
            legend_heights[width] = _legend(width, 0.0, labels, ids["start"], ids["end"])[1]
        return legend_heights[width]

    layout = _choose_layout(ordered, tie_by_node, centre, labels, header_h, legend_height)
    width, height = layout.width, layout.height
    # The size at which its smallest text is MIN_TEXT_PX pixels: a page may scale the drawing to
    # its column (CSS width: 100%), but a phone keeps this size and lets it scroll sideways, as
    # the whole drawing shrunk to a 360-pixel screen has 5-pixel labels.
    smallest = min(
        [LEGEND_FS, centre.household_fs]
        + ([layout.kind_fs] if layout.placed else [])
        + [p.block.caption_fs for p in layout.placed]
    )
    scale = max(1.0, MIN_TEXT_PX / smallest)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ecomap" viewBox="0 0 {_num(width)} '
        f'{_num(height)}" width="{math.ceil(width * scale)}" height="{math.ceil(height * scale)}" '
        f'role="img" aria-labelledby="{ids["title"]}" '
        f'aria-describedby="{ids["desc"]}" font-family="{FONT_FAMILY}">',
        f'<title id="{ids["title"]}">{_esc(heading)}</title>',
        f'<desc id="{ids["desc"]}">{_esc(_summary(center, nodes, ties, labels))}</desc>',
        "<defs>",
        f'<marker id="{ids["end"]}" viewBox="0 0 13 12" refX="0" refY="6" markerWidth="13" '
        f'markerHeight="12" markerUnits="userSpaceOnUse" orient="auto">'
        f'<path d="M0,0 L13,6 L0,12 z" fill="{INK}"/></marker>',
        f'<marker id="{ids["start"]}" viewBox="0 0 13 12" refX="13" refY="6" markerWidth="13" '
        f'markerHeight="12" markerUnits="userSpaceOnUse" orient="auto">'
        f'<path d="M13,0 L0,6 L13,12 z" fill="{INK}"/></marker>',
        "</defs>",
        f'<rect class="ecomap-background" x="0" y="0" width="{_num(width)}" '
        f'height="{_num(height)}" fill="{BACKGROUND}"/>',
    ]
    header = _truncate(heading, width - 2 * MARGIN, TITLE_FS, bold=True)
    if header:
        parts.append(
            f'<text class="ecomap-title" x="{_num(MARGIN)}" y="{_num(MARGIN + ASC * TITLE_FS)}" '
            f'font-size="{_num(TITLE_FS)}" font-weight="bold" fill="{INK}">{_esc(header)}</text>'
        )

    parts.append('<g class="ties">')
    parts.extend(_tie_group(p, layout, centre.radius, ids) for p in layout.placed if p.tie)
    parts.append("</g>")

    cx, cy = layout.cx, layout.cy
    top = cy - centre.height / 2
    parts.append('<g class="client">')
    parts.append(
        f'<circle class="client-circle" cx="{_num(cx)}" cy="{_num(cy)}" '
        f'r="{_num(centre.radius)}" fill="{CLIENT_FILL}" stroke="{INK}" stroke-width="3"/>'
    )
    parts.append(
        f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(centre.radius - 5)}" fill="none" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    if centre.label[0].text:
        parts.append(
            _text(
                "client-label",
                cx,
                [(line.text, top + line.dy) for line in centre.label],
                centre.label_fs,
                f' font-weight="bold" fill="{INK}"',
            )
        )
    if centre.household:
        parts.append(
            _text(
                "household",
                cx,
                [(line.text, top + line.dy) for line in centre.household],
                centre.household_fs,
                f' fill="{INK}"',
            )
        )
    parts.append("</g>")

    parts.append('<g class="nodes">')
    parts.extend(_node_group(p, layout, labels) for p in layout.placed)
    parts.append("</g>")

    legend_parts, _ = _legend(width, layout.legend_top, labels, ids["start"], ids["end"])
    parts.append('<g class="legend">')
    parts.extend(legend_parts)
    parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _summary(
    center: str, nodes: Sequence[EcoNode], ties: Sequence[EcoTie], labels: Mapping[str, str]
) -> str:
    count = len(ties)
    connections_key = "connections_one" if count == 1 else "connections_other"
    connections = _format(
        labels[connections_key], DEFAULT_LEGEND_LABELS[connections_key], count=count
    )
    counts = Counter(tie.strength for tie in ties) + Counter(tie.flow for tie in ties)
    counts["stressful"] = sum(1 for tie in ties if tie.quality == "stressful")
    values: dict[str, object] = {key: counts[key] for key in (*STRENGTHS, "stressful", *FLOWS)}
    values.update(center=center, connections=connections, count=count)
    text = _format(labels["summary"], DEFAULT_LEGEND_LABELS["summary"], **values)
    untied = len(nodes) - count
    if untied:
        text += " " + _format(labels["untied"], DEFAULT_LEGEND_LABELS["untied"], count=untied)
    return text
