"""The ecomap SVG renderer: pure, no database. Parsed back with ElementTree and measured."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strengthwise.assessments.ecomap_svg import (
    DEFAULT_LEGEND_LABELS,
    FLOWS,
    KINDS,
    LEVELS,
    QUALITIES,
    STRENGTHS,
    EcoNode,
    EcoTie,
    render_ecomap,
)

NS = "{http://www.w3.org/2000/svg}"
STROKE = {"strong": "5", "moderate": "2.5", "tenuous": "2"}


# --- fixtures and helpers ------------------------------------------------------------------------


def dana() -> dict:
    """Dana Whitfield's ecomap (PERSONAS.md)."""
    nodes = [
        EcoNode("1", "Jayden (son)", "family", "meso"),
        EcoNode("2", "Marisol (sister)", "family", "meso"),
        EcoNode("3", "Tuesday meeting", "community", "meso"),
        EcoNode("4", "Employer (grocery store)", "work", "meso"),
        EcoNode("5", "Jayden's school", "school", "meso"),
        EcoNode("6", "Jayden's father", "family", "meso"),
        EcoNode("7", "Motel manager", "other", "meso"),
        EcoNode("8", "River City Community Services", "services", "meso"),
        EcoNode("9", "Saturday market", "community", "meso"),
    ]
    ties = [
        EcoTie("1", "strong", "positive", "both"),
        EcoTie("2", "strong", "positive", "both", note="drives Dana to appointments"),
        EcoTie("3", "strong", "positive", "to_client"),
        EcoTie("4", "tenuous", "neutral", "none"),
        EcoTie("5", "moderate", "neutral", "none"),
        EcoTie("6", "moderate", "stressful", "none"),
        EcoTie("7", "tenuous", "stressful", "none"),
        EcoTie("8", "strong", "positive", "to_client"),
        EcoTie("9", "strong", "positive", "both"),
    ]
    return {
        "center_label": "Dana Whitfield",
        "nodes": nodes,
        "ties": ties,
        "title": "Ecomap: Dana Whitfield",
        "dated": "12 March 2025",
        "household": ["Dana", "Jayden (9)"],
    }


REALISTIC = [
    "Grandmother Rosa",
    "Uncle Ray",
    "Best friend Keisha",
    "Neighbour next door",
    "Walmart shift manager",
    "Eastside Elementary School",
    "Dr. Patel (GP)",
    "Mercy Hospital emergency department",
    "St. Anne's parish",
    "Legal aid clinic",
    "SNAP office",
    "Probation officer Kim",
    "Housing authority voucher program",
    "Food pantry",
    "YMCA swim club",
    "Library",
    "Community college evening course",
    "Landlords refusing vouchers",
    "Bus line 7",
    "Childcare co-op",
    "Mental health counsellor",
    "AA sponsor",
    "Church choir",
    "Family court (custody hearing)",
]


def crowd(count: int) -> dict:
    """`count` systems with realistic labels, every kind and level, a spread of tie types."""
    combos = list(itertools.product(STRENGTHS, QUALITIES, FLOWS))
    nodes = [
        EcoNode(str(i), REALISTIC[i % len(REALISTIC)], KINDS[i % len(KINDS)], LEVELS[i % 3])
        for i in range(count)
    ]
    ties = [EcoTie(str(i), *combos[(i * 7) % len(combos)]) for i in range(count)]
    return {
        "center_label": "Dana Whitfield",
        "nodes": nodes,
        "ties": ties,
        "title": "Ecomap: Dana Whitfield",
        "dated": "12 March 2025",
        "household": ["Dana (34)", "Jayden (9)"],
    }


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def classes(el: ET.Element) -> list[str]:
    return el.get("class", "").split()


def find_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if cls in classes(el)]


def text_of(el: ET.Element) -> str:
    spans = el.findall(f"{NS}tspan")
    return " ".join(s.text or "" for s in spans) if spans else (el.text or "")


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in root.get("viewBox").split())
    return x, y, x + w, y + h


def text_box(el: ET.Element) -> tuple[float, float, float, float]:
    """Estimated ink box: 0.6 x font-size per character, 0.9 em above to 0.25 em below."""
    fs = float(el.get("font-size"))
    anchor = el.get("text-anchor", "start")
    spans = el.findall(f"{NS}tspan")
    lines = [(float(s.get("x")), float(s.get("y")), s.text or "") for s in spans] or [
        (float(el.get("x")), float(el.get("y")), el.text or "")
    ]
    x0s, y0s, x1s, y1s = [], [], [], []
    for x, y, text in lines:
        width = 0.6 * fs * len(text)
        left = {"middle": x - width / 2, "end": x - width}.get(anchor, x)
        x0s.append(left)
        x1s.append(left + width)
        y0s.append(y - 0.9 * fs)
        y1s.append(y + 0.25 * fs)
    return min(x0s), min(y0s), max(x1s), max(y1s)


def circle_of(el: ET.Element) -> tuple[float, float, float]:
    return float(el.get("cx")), float(el.get("cy")), float(el.get("r"))


def line_of(el: ET.Element) -> tuple[float, float, float, float]:
    return tuple(float(el.get(k)) for k in ("x1", "y1", "x2", "y2"))


def boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def box_circle_distance(box, circle) -> float:
    dx = max(box[0] - circle[0], 0.0, circle[0] - box[2])
    dy = max(box[1] - circle[1], 0.0, circle[1] - box[3])
    return math.hypot(dx, dy)


def box_inside_circle(box, circle) -> bool:
    return all(
        math.hypot(x - circle[0], y - circle[1]) <= circle[2]
        for x in (box[0], box[2])
        for y in (box[1], box[3])
    )


def segment_circle_distance(seg, circle) -> float:
    x1, y1, x2, y2 = seg
    dx, dy = x2 - x1, y2 - y1
    t = max(0.0, min(1.0, ((circle[0] - x1) * dx + (circle[1] - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x1 + t * dx - circle[0], y1 + t * dy - circle[1])


def segment_hits_box(seg, box) -> bool:
    # sample densely: plenty for lines this short
    x1, y1, x2, y2 = seg
    for k in range(201):
        t = k / 200
        x, y = x1 + t * (x2 - x1), y1 + t * (y2 - y1)
        if box[0] < x < box[2] and box[1] < y < box[3]:
            return True
    return False


def tie_groups(root: ET.Element) -> dict[str, ET.Element]:
    groups = find_class(root, "tie")
    ids = [g.get("data-node") for g in groups]
    assert len(ids) == len(set(ids)), "a tie is drawn more than once"
    return dict(zip(ids, groups, strict=True))


def assert_legible(svg: str) -> None:
    """No text over text, no text over a circle it does not sit inside, no tie through text or
    through another system's circle, no overlapping circles, nothing outside the viewBox."""
    root = parse(svg)
    vx0, vy0, vx1, vy1 = view_box(root)
    texts = [(el, text_box(el)) for el in root.iter(f"{NS}text")]
    circles = [
        (el, circle_of(el))
        for el in root.iter(f"{NS}circle")
        if {"node-circle", "client-circle"} & set(classes(el))
    ]
    for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
        assert not boxes_overlap(box_a, box_b), (text_of(a), text_of(b))
    for el, box in texts:
        for circle_el, circle in circles:
            centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            if math.hypot(centre[0] - circle[0], centre[1] - circle[1]) < circle[2]:
                assert box_inside_circle(box, circle), (text_of(el), "spills out of its circle")
            else:
                assert box_circle_distance(box, circle) > 0, (
                    text_of(el),
                    "overlaps",
                    circle_el.get("cx"),
                )
    for (_, a), (_, b) in itertools.combinations(circles, 2):
        assert math.hypot(a[0] - b[0], a[1] - b[1]) > a[2] + b[2]
    node_circles = {
        g.get("data-node"): circle_of(g.find(f"{NS}circle")) for g in find_class(root, "node")
    }
    for node_id, group in tie_groups(root).items():
        seg = line_of(group.find(f"{NS}line"))
        for el, box in texts:
            assert not segment_hits_box(seg, box), (node_id, "tie crosses", text_of(el))
        for other, circle in node_circles.items():
            if other != node_id:
                assert segment_circle_distance(seg, circle) > circle[2], (node_id, other)
    for el, box in texts:
        assert vx0 <= box[0] and box[2] <= vx1 and vy0 <= box[1] and box[3] <= vy1, text_of(el)
    for el in root.iter(f"{NS}circle"):
        cx, cy, r = circle_of(el)
        assert vx0 <= cx - r and cx + r <= vx1 and vy0 <= cy - r and cy + r <= vy1
    for el in root.iter(f"{NS}line"):
        x1, y1, x2, y2 = line_of(el)
        assert all(vx0 <= x <= vx1 for x in (x1, x2)) and all(vy0 <= y <= vy1 for y in (y1, y2))


def single(strength="strong", quality="positive", flow="both", **extra) -> str:
    return render_ecomap(
        center_label="Dana",
        nodes=[EcoNode("n1", "Marisol (sister)", "family", "meso")],
        ties=[EcoTie("n1", strength, quality, flow)],
        title="Ecomap",
        **extra,
    )


# --- ties ----------------------------------------------------------------------------------------


def test_dana_every_tie_drawn_once_with_its_attributes():
    data = dana()
    root = parse(render_ecomap(**data))
    groups = tie_groups(root)
    assert set(groups) == {t.node_id for t in data["ties"]}
    for tie in data["ties"]:
        group = groups[tie.node_id]
        assert group.get("data-strength") == tie.strength
        assert group.get("data-quality") == tie.quality
        assert group.get("data-flow") == tie.flow
        assert len(find_class(group, "tie-line")) == 1


@pytest.mark.parametrize(
    ("strength", "quality", "flow"), list(itertools.product(STRENGTHS, QUALITIES, FLOWS))
)
def test_tie_drawing_follows_strength_quality_and_flow(strength, quality, flow):
    root = parse(single(strength, quality, flow, id_prefix="t"))
    (group,) = find_class(root, "tie")
    assert (group.get("data-node"), group.get("data-strength")) == ("n1", strength)
    assert (group.get("data-quality"), group.get("data-flow")) == (quality, flow)
    (line,) = find_class(group, "tie-line")

    assert line.get("stroke-width") == STROKE[strength]
    assert (line.get("stroke-dasharray") is not None) == (strength == "tenuous")

    hatches = find_class(group, "hatch")
    if quality == "stressful":
        assert len(hatches) >= 2
        x1, y1, x2, y2 = line_of(line)
        length = math.hypot(x2 - x1, y2 - y1)
        ux, uy = (x2 - x1) / length, (y2 - y1) / length
        for hatch in hatches:
            hx1, hy1, hx2, hy2 = line_of(hatch)
            # perpendicular to the tie, centred on it, between its ends
            assert abs((hx2 - hx1) * ux + (hy2 - hy1) * uy) < 0.5
            mx, my = (hx1 + hx2) / 2, (hy1 + hy2) / 2
            assert abs((mx - x1) * uy - (my - y1) * ux) < 0.5
            assert 0 < (mx - x1) * ux + (my - y1) * uy < length
    else:
        assert hatches == []

    start, end = line.get("marker-start"), line.get("marker-end")
    assert (start == "url(#t-arrow-start)") == (flow in ("to_client", "both"))
    assert (end == "url(#t-arrow-end)") == (flow in ("from_client", "both"))
    assert start in (None, "url(#t-arrow-start)") and end in (None, "url(#t-arrow-end)")
    # marker-start sits at the client's end: the line runs from the client outwards
    (client,) = find_class(root, "client-circle")
    cx, cy, _ = circle_of(client)
    x1, y1, x2, y2 = line_of(line)
    assert math.hypot(x1 - cx, y1 - cy) < math.hypot(x2 - cx, y2 - cy)


def test_arrow_markers_are_defined_once_and_point_the_right_way():
    root = parse(single(id_prefix="t"))
    markers = {m.get("id"): m for m in root.iter(f"{NS}marker")}
    assert set(markers) == {"t-arrow-start", "t-arrow-end"}
    for marker in markers.values():
        assert marker.get("markerUnits") == "userSpaceOnUse"
    # arrow-end points forward along the line, arrow-start backward (toward the client)
    assert markers["t-arrow-end"].find(f"{NS}path").get("d").startswith("M0,0 L13,6")
    assert markers["t-arrow-start"].find(f"{NS}path").get("d").startswith("M13,0 L0,6")


def test_node_without_a_tie_is_drawn_without_a_line():
    data = dana()
    data["ties"] = [t for t in data["ties"] if t.node_id != "7"]
    root = parse(render_ecomap(**data))
    assert "7" not in tie_groups(root)
    assert "7" in {g.get("data-node") for g in find_class(root, "node")}
    assert "1 more shown without a tie." in root.find(f"{NS}desc").text


def test_tie_note_becomes_a_tooltip():
    root = parse(render_ecomap(**dana()))
    title = tie_groups(root)["2"].find(f"{NS}title")
    assert title.text == "Marisol (sister): drives Dana to appointments"
    assert tie_groups(root)["1"].find(f"{NS}title") is None


# --- labels, title, description -------------------------------------------------------------------


def test_client_and_every_node_label_appear():
    data = dana()
    root = parse(render_ecomap(**data))
    (client,) = find_class(root, "client-label")
    assert text_of(client) == "Dana Whitfield"
    (household,) = find_class(root, "household")
    assert text_of(household) == "Dana Jayden (9)"
    labels = {
        g.get("data-node"): text_of(find_class(g, "node-label")[0])
        for g in find_class(root, "node")
    }
    assert labels == {n.id: n.label for n in data["nodes"]}
    for group in find_class(root, "node"):
        node = next(n for n in data["nodes"] if n.id == group.get("data-node"))
        assert text_of(find_class(group, "node-kind")[0]) == node.kind
        assert text_of(find_class(group, "node-level")[0]) == node.level
        assert (group.get("data-kind"), group.get("data-level")) == (node.kind, node.level)


def test_labels_are_escaped_and_round_trip():
    nasty = 'Tom & "Jerry" <x>'
    svg = render_ecomap(
        center_label="Ana <b> & 'Bo'",
        nodes=[EcoNode('id "1" & <2>', nasty, "friends", "meso")],
        ties=[EcoTie('id "1" & <2>', "moderate", "neutral", "none", note="a <note> & more")],
        title="Ecomap <script>alert(1)</script>",
        dated="1 & 2",
        household=["Jo & <Jay>"],
    )
    assert "<script" not in svg and "<b>" not in svg and "<x>" not in svg
    root = parse(svg)
    assert text_of(find_class(root, "node-label")[0]) == nasty
    assert text_of(find_class(root, "client-label")[0]) == "Ana <b> & 'Bo'"
    assert text_of(find_class(root, "household")[0]) == "Jo & <Jay>"
    assert find_class(root, "tie")[0].get("data-node") == 'id "1" & <2>'
    assert root.find(f"{NS}title").text == "Ecomap <script>alert(1)</script> — 1 & 2"


def test_control_characters_are_dropped_so_the_xml_stays_valid():
    svg = render_ecomap(
        center_label="Da\x00na",
        nodes=[EcoNode("1", "Bell\x07 Ring\nRoad", "other", "macro")],
        ties=[],
        title="T\x1b",
    )
    root = parse(svg)
    assert text_of(find_class(root, "node-label")[0]) == "Bell Ring Road"
    assert text_of(find_class(root, "client-label")[0]) == "Dana"


def test_title_and_desc_are_wired_for_assistive_technology():
    root = parse(render_ecomap(**dana()))
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    title = ids[root.get("aria-labelledby")]
    desc = ids[root.get("aria-describedby")]
    assert title.tag == f"{NS}title" and desc.tag == f"{NS}desc"
    assert list(root)[0] is title  # the first child, as screen readers expect
    assert title.text == "Ecomap: Dana Whitfield — 12 March 2025"
    assert desc.text == (
        "Dana Whitfield and 9 connections: 5 strong, 2 moderate, 2 tenuous; 2 stressful; "
        "3 both ways, 2 towards Dana Whitfield, 0 from Dana Whitfield."
    )
    (heading,) = find_class(root, "ecomap-title")
    assert heading.text == "Ecomap: Dana Whitfield — 12 March 2025"


def test_title_without_date_and_one_connection_summary():
    root = parse(single())
    assert root.find(f"{NS}title").text == "Ecomap"
    assert root.find(f"{NS}desc").text.startswith("Dana and 1 connection: 1 strong")


def test_long_labels_wrap_to_three_lines_with_an_ellipsis():
    label = (
        "The Greater River City Metropolitan Area Interfaith Housing and Tenancy Support Alliance"
    )
    root = parse(
        render_ecomap(
            center_label="Dana",
            nodes=[EcoNode("1", label, "services", "macro")],
            ties=[EcoTie("1", "strong", "positive", "to_client")],
            title="Ecomap",
        )
    )
    (el,) = find_class(root, "node-label")
    lines = [s.text for s in el.findall(f"{NS}tspan")]
    assert 2 <= len(lines) <= 3
    assert lines[-1].endswith("…")
    assert " ".join(lines).rstrip("…").strip() in label
    assert_legible(ET.tostring(root, encoding="unicode"))


def test_many_household_members_are_summarised():
    root = parse(
        render_ecomap(
            center_label="Dana",
            nodes=[],
            ties=[],
            title="Ecomap",
            household=["Ann", "Bea", "Cy", "Di", "Ed", "Flo"],
        )
    )
    (household,) = find_class(root, "household")
    assert [s.text for s in household.findall(f"{NS}tspan")] == ["Ann", "Bea", "Cy", "+3 more"]


def test_nodes_are_placed_in_kind_then_label_order_starting_at_the_top():
    data = dana()
    root = parse(render_ecomap(**data))
    (client,) = find_class(root, "client-circle")
    cx, cy, _ = circle_of(client)
    angles = {}
    for group in find_class(root, "node"):
        x, y, _ = circle_of(group.find(f"{NS}circle"))
        angles[group.get("data-node")] = (math.degrees(math.atan2(y - cy, x - cx)) + 90) % 360
    by_angle = sorted(angles, key=angles.get)
    # family (Jayden (son), Jayden's father, Marisol), work, school, services, community x2, other
    assert by_angle == ["1", "6", "2", "4", "5", "8", "9", "3", "7"]
    assert angles["1"] == pytest.approx(0, abs=0.5)  # straight above the client
    steps = [angles[b] - angles[a] for a, b in itertools.pairwise(by_angle)]
    assert all(s == pytest.approx(40, abs=0.5) for s in steps)


# --- layout: legibility at every size ------------------------------------------------------------


def test_dana_is_legible():
    assert_legible(render_ecomap(**dana()))


@pytest.mark.parametrize("count", [0, 1, 2, 5, 8, 15, 20, 24])
def test_no_label_overlaps_and_it_fits_one_page(count):
    svg = render_ecomap(**crowd(count))
    assert_legible(svg)
    root = parse(svg)
    x0, y0, x1, y1 = view_box(root)
    assert x1 - x0 <= 900 and y1 - y0 <= 1000
    # Its own size keeps the smallest text at 11 pixels or more (a phone shows it at that size
    # and scrolls it sideways), in the drawing's proportions.
    width, height = float(root.get("width")), float(root.get("height"))
    scale = width / (x1 - x0)
    assert abs(height / (y1 - y0) - scale) < 0.01
    sizes = [float(el.get("font-size")) for el in root.iter() if el.get("font-size")]
    assert min(sizes) * scale >= 11 - 0.05
    assert len(find_class(root, "node")) == count


@pytest.mark.parametrize("count", [15, 24])
def test_long_labels_and_long_centre_label_stay_legible(count):
    data = crowd(count)
    data["center_label"] = "Dana Marie Whitfield-Hernández de la Cruz"
    data["household"] = ["Dana Marie Whitfield-Hernández", "Jayden", "Grandma Rosa", "Baby Lu", "X"]
    data["nodes"] = [
        EcoNode(n.id, n.label + " and the extended network around them", n.kind, n.level)
        for n in data["nodes"]
    ]
    svg = render_ecomap(**data)
    assert_legible(svg)
    x0, y0, x1, y1 = view_box(parse(svg))
    assert x1 - x0 <= 900 and y1 - y0 <= 1000


def test_far_too_many_systems_still_draw_legibly_on_a_larger_canvas():
    data = crowd(48)
    data["nodes"] = [EcoNode(n.id, f"{n.label} {n.id}", n.kind, n.level) for n in data["nodes"]]
    assert_legible(render_ecomap(**data))


label_text = st.text(
    alphabet=st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ éñüçß'&<>\"()-.0"
    ),
    min_size=0,
    max_size=48,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    labels=st.lists(label_text, min_size=0, max_size=24),
    center=label_text,
    data=st.data(),
)
def test_any_labels_stay_legible(labels, center, data):
    nodes = [
        EcoNode(
            str(i), label, data.draw(st.sampled_from(KINDS)), data.draw(st.sampled_from(LEVELS))
        )
        for i, label in enumerate(labels)
    ]
    ties = [
        EcoTie(
            n.id,
            data.draw(st.sampled_from(STRENGTHS)),
            data.draw(st.sampled_from(QUALITIES)),
            data.draw(st.sampled_from(FLOWS)),
        )
        for n in nodes
        if data.draw(st.booleans())
    ]
    svg = render_ecomap(center_label=center, nodes=nodes, ties=ties, title="Ecomap")
    assert_legible(svg)
    x0, y0, x1, y1 = view_box(parse(svg))
    assert x1 - x0 <= 900 and y1 - y0 <= 1000


# --- determinism and ids -------------------------------------------------------------------------


def test_output_is_deterministic_and_independent_of_input_order():
    data = dana()
    first = render_ecomap(**data)
    assert render_ecomap(**data) == first
    shuffled = dict(data, nodes=data["nodes"][::-1], ties=data["ties"][3:] + data["ties"][:3])
    assert render_ecomap(**shuffled) == first


def test_coordinates_are_rounded_to_one_decimal():
    svg = render_ecomap(**crowd(15))
    for value in re.findall(r'(?:x|y|x1|y1|x2|y2|cx|cy|r)="([-0-9.]+)"', svg):
        assert re.fullmatch(r"-?\d+(\.\d)?", value), value


def test_ids_are_unique_and_differ_between_two_ecomaps_on_one_page():
    a = render_ecomap(**dana())
    other = dana()
    other["dated"] = "1 June 2025"
    b = render_ecomap(**other)

    def ids(svg):
        found = [el.get("id") for el in parse(svg).iter() if el.get("id")]
        assert len(found) == len(set(found))
        return set(found)

    assert ids(a) and ids(b) and not ids(a) & ids(b)
    for svg in (a, b):
        root = parse(svg)
        known = ids(svg)
        for ref in re.findall(r"url\(#([^)]+)\)", svg):
            assert ref in known
        assert root.get("aria-labelledby") in known


def test_explicit_id_prefix_is_used_and_validated():
    svg = single(id_prefix="ecomap-2")
    assert 'id="ecomap-2-title"' in svg and 'id="ecomap-2-arrow-end"' in svg
    with pytest.raises(ValueError, match="id_prefix"):
        single(id_prefix='x" onload="alert(1)')


# --- content security policy ----------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 9, 24])
def test_no_inline_style_script_or_event_handlers(count):
    svg = render_ecomap(**crowd(count))
    assert not re.search(r"\sstyle\s*=", svg)  # (font-style= is a presentation attribute)
    assert "<style" not in svg and "<script" not in svg
    for el in parse(svg).iter():
        assert el.tag not in (f"{NS}style", f"{NS}script", f"{NS}foreignObject")
        assert "style" not in el.attrib
        assert not any(name.startswith("on") for name in el.attrib)
        assert not any("javascript:" in value for value in el.attrib.values())


def test_colour_is_never_the_only_signal():
    root = parse(render_ecomap(**crowd(12)))
    # every node states its kind and level in words
    for group in find_class(root, "node"):
        assert text_of(find_class(group, "node-kind")[0])
        assert text_of(find_class(group, "node-level")[0]) == group.get("data-level")
    # ties use a single dark ink; strength and stress show in width, dashes and hatching
    assert {
        line.get("stroke") for line in root.iter(f"{NS}line") if "tie-line" in classes(line)
    } == {"#1d2430"}


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nodes", "ties", "message"),
    [
        ([EcoNode("1", "A", "pets", "meso")], [], "kind"),
        ([EcoNode("1", "A", "family", "mezzo")], [], "level"),
        (
            [EcoNode("1", "A", "family", "meso")],
            [EcoTie("1", "huge", "positive", "both")],
            "strength",
        ),
        (
            [EcoNode("1", "A", "family", "meso")],
            [EcoTie("1", "strong", "great", "both")],
            "quality",
        ),
        ([EcoNode("1", "A", "family", "meso")], [EcoTie("1", "strong", "positive", "up")], "flow"),
        (
            [EcoNode("1", "A", "family", "meso")],
            [EcoTie("2", "strong", "positive", "both")],
            "unknown",
        ),
        (
            [EcoNode("1", "A", "family", "meso"), EcoNode("1", "B", "work", "meso")],
            [],
            "more than once",
        ),
        (
            [EcoNode("1", "A", "family", "meso")],
            [EcoTie("1", "strong", "positive", "both"), EcoTie("1", "tenuous", "neutral", "none")],
            "more than one tie",
        ),
        ([EcoNode("", "A", "family", "meso")], [], "non-empty"),
    ],
)
def test_bad_values_raise_value_error(nodes, ties, message):
    with pytest.raises(ValueError, match=message):
        render_ecomap(center_label="Dana", nodes=nodes, ties=ties, title="Ecomap")


def test_unknown_legend_label_key_raises():
    with pytest.raises(ValueError, match="unknown ecomap legend label 'strongg'"):
        single(legend_labels={"strongg": "Strong"})


# --- legend --------------------------------------------------------------------------------------


def legend_texts(root: ET.Element) -> list[str]:
    (legend,) = find_class(root, "legend")
    return [text_of(el) for el in legend.iter(f"{NS}text")]


def test_legend_is_present_with_english_defaults():
    root = parse(render_ecomap(**dana()))
    texts = legend_texts(root)
    for key in (
        "ties",
        "flow",
        "levels",
        "strong",
        "moderate",
        "tenuous",
        "stressful",
        "to_client",
        "from_client",
        "both",
        "legend_micro",
        "legend_meso",
        "legend_macro",
    ):
        assert DEFAULT_LEGEND_LABELS[key] in texts
    (legend,) = find_class(root, "legend")
    samples = [el for el in legend.iter(f"{NS}line") if "legend-line" in classes(el)]
    widths = [el.get("stroke-width") for el in samples[:3]]
    assert widths == ["5", "2.5", "2"]
    assert samples[2].get("stroke-dasharray")
    assert len([el for el in legend.iter(f"{NS}line") if not el.get("class")]) == 3  # hatching
    markers = [(el.get("marker-start"), el.get("marker-end")) for el in samples[4:7]]
    assert [(a is not None, b is not None) for a, b in markers] == [
        (True, False),
        (False, True),
        (True, True),
    ]


class Lazy:
    """Stands in for a lazy translation string."""

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text


def test_legend_and_node_words_use_custom_labels():
    spanish = {
        "ties": "Vínculos",
        "strong": "Fuerte",
        "moderate": Lazy("Moderado"),
        "tenuous": "Débil",
        "stressful": "Conflictivo (rayado)",
        "to_client": "Energía hacia la persona",
        "from_client": "Energía desde la persona",
        "both": "En ambos sentidos",
        "legend_meso": "meso: familia, grupos",
        "family": "familia",
        "meso": "meso",
        "connections_other": "{count} vínculos",
        "summary": "{center} y {connections}: {strong} fuertes.",
    }
    root = parse(render_ecomap(**dana(), legend_labels=spanish))
    texts = legend_texts(root)
    for key in ("ties", "strong", "tenuous", "stressful", "to_client", "from_client", "both"):
        assert spanish[key] in texts
    assert "Moderado" in texts
    assert "meso: familia, grupos" in texts
    assert DEFAULT_LEGEND_LABELS["strong"] not in texts
    assert DEFAULT_LEGEND_LABELS["legend_micro"] in texts  # untranslated keys keep the default
    kinds = {text_of(el) for el in find_class(root, "node-kind")}
    assert "familia" in kinds and "family" not in kinds
    assert root.find(f"{NS}desc").text == "Dana Whitfield y 9 vínculos: 5 fuertes."
    assert_legible(ET.tostring(root, encoding="unicode"))


def test_longer_kind_names_wrap_inside_their_circles():
    kinds = {
        "health": "health care",
        "faith": "faith community",
        "court": "courts and legal",
        "services": "servicios sociales",
        "recreation": "recreación",
    }
    data = crowd(11)  # one node of every kind
    svg = render_ecomap(**data, legend_labels=kinds)
    assert_legible(svg)  # also checks each kind text lies inside its circle
    root = parse(svg)
    written = {
        g.get("data-kind"): text_of(find_class(g, "node-kind")[0]) for g in find_class(root, "node")
    }
    for kind, text in kinds.items():
        assert written[kind] == text
    faith = next(g for g in find_class(root, "node") if g.get("data-kind") == "faith")
    assert len(find_class(faith, "node-kind")[0].findall(f"{NS}tspan")) == 2


def test_a_broken_translated_summary_falls_back_to_english():
    root = parse(single(legend_labels={"summary": "{center} {oops} {"}))
    assert root.find(f"{NS}desc").text.startswith("Dana and 1 connection:")


def test_long_translations_are_truncated_inside_the_canvas():
    long = {key: "Überaus ausführliche Beschriftung " * 6 for key in ("strong", "both")}
    svg = single(legend_labels=long)
    assert_legible(svg)
    assert any(t.endswith("…") for t in legend_texts(parse(svg)))
