"""Server-side SVG charts: well-formed, accessible, CSP-safe and deterministic."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strengthwise.core.svg import Series, dot_plot, line_chart

NS = "{http://www.w3.org/2000/svg}"
NASTY = 'Tom & "Jerry" <x>'
SSM_LABELS = {1: "In crisis", 2: "Vulnerable", 3: "Safe", 4: "Building capacity", 5: "Empowered"}
SSM_DOMAINS = [
    "Housing",
    "Employment",
    "Income",
    "Food",
    "Child care",
    "Children's education",
    "Adult education",
    "Health care coverage",
    "Life skills",
    "Family/social relations",
    "Mobility",
    "Community involvement",
    "Parenting skills",
    "Legal",
    "Mental health",
    "Substance abuse",
    "Safety",
]
DATES = [f"2026-{month:02}-{day:02}" for month in range(1, 11) for day in (1, 15)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def points(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == "point"]


def plot_area(root: ET.Element) -> tuple[float, float, float, float]:
    (rect,) = [el for el in root.iter(f"{NS}rect") if el.get("class") == "plot-area"]
    x, y = float(rect.get("x")), float(rect.get("y"))
    return x, y, x + float(rect.get("width")), y + float(rect.get("height"))


def xy(el: ET.Element) -> tuple[float, float]:
    return float(el.get("x")), float(el.get("y"))


def rulers(**overrides) -> str:
    kwargs = {
        "title": "Importance and confidence",
        "x_labels": DATES[:5],
        "series": [
            Series("Importance", [4, 5, None, 7, 8]),
            Series("Confidence", [2, 3, 3, None, 6]),
        ],
        "y_min": 0,
        "y_max": 10,
        "y_label": "Ruler",
    }
    return line_chart(**{**kwargs, **overrides})


def ssm(**overrides) -> str:
    rows = [(name, [(i % 5) + 1, ((i + 2) % 5) + 1]) for i, name in enumerate(SSM_DOMAINS)]
    kwargs = {
        "title": "Self-Sufficiency Matrix",
        "rows": rows,
        "column_names": ["Entry 2026-03-01", "Review 2026-06-01"],
        "x_min": 1,
        "x_max": 5,
        "x_tick_labels": SSM_LABELS,
    }
    return dot_plot(**{**kwargs, **overrides})


CHARTS = [pytest.param(rulers, id="line_chart"), pytest.param(ssm, id="dot_plot")]


# --- shared properties ----------------------------------------------------------------------


@pytest.mark.parametrize("make", CHARTS)
def test_root_is_an_accessible_image(make):
    root = parse(make())
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))
    title, desc = root[0], root[1]
    assert title.tag == f"{NS}title" and title.text
    assert desc.tag == f"{NS}desc" and desc.text and desc.text.endswith(".")
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]


@pytest.mark.parametrize("make", CHARTS)
def test_no_inline_style_or_script(make):
    svg = make()
    for el in parse(svg).iter():
        assert el.tag not in (f"{NS}style", f"{NS}script", f"{NS}foreignObject")
        assert "style" not in el.attrib
        assert not [name for name in el.attrib if name.lower().startswith("on")]
    assert "<style" not in svg and "<script" not in svg and " style=" not in svg


@pytest.mark.parametrize("make", CHARTS)
def test_deterministic(make):
    assert make() == make()


@pytest.mark.parametrize("make", CHARTS)
def test_coordinates_have_at_most_one_decimal(make):
    geometry = {"x", "y", "x1", "y1", "x2", "y2", "width", "height", "points", "d", "transform"}
    seen = set()
    for el in parse(make()).iter():
        for name, value in el.attrib.items():
            if name in geometry or name == "viewBox":
                seen.add(name)
                assert not re.search(r"\d\.\d\d", value), (el.tag, name, value)
    assert seen >= {"x", "y", "x1", "y2", "width", "viewBox"}


@pytest.mark.parametrize("make", CHARTS)
def test_ids_use_the_prefix_are_unique_and_resolve(make):
    root = parse(make(id_prefix="c1"))
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert ids and len(ids) == len(set(ids))
    assert all(i.startswith("c1-") for i in ids)
    refs = [el.get("href") for el in root.iter() if el.get("href")]
    assert refs and all(ref[1:] in ids for ref in refs)


@pytest.mark.parametrize("make", CHARTS)
def test_default_id_prefix_differs_between_charts(make):
    first = parse(make()).find(f"{NS}title").get("id")
    other = parse(make(title="Another chart")).find(f"{NS}title").get("id")
    assert first != other
    assert re.fullmatch(r"[A-Za-z][\w-]*", first)


@pytest.mark.parametrize("make", CHARTS)
@pytest.mark.parametrize("bad", ["", "1abc", "a b", 'x"y', "a<b"])
def test_bad_id_prefix(make, bad):
    with pytest.raises(ValueError, match="id_prefix"):
        make(id_prefix=bad)


# --- line chart -----------------------------------------------------------------------------


def test_line_chart_one_marker_per_value_skipping_none():
    root = parse(rulers())
    marks = points(root)
    assert len(marks) == 4 + 4
    assert [m.get("data-index") for m in marks if m.get("data-series") == "0"] == [
        "0",
        "1",
        "3",
        "4",
    ]


def test_line_chart_points_inside_plot_and_ordered():
    values = [[3, 9, 0, 10, 6.5], [10, None, 1, 2.5, 7]]
    root = parse(
        rulers(series=[Series("A", values[0]), Series("B", values[1])], x_labels=DATES[:5])
    )
    left, top, right, bottom = plot_area(root)
    marks = points(root)
    for m in marks:
        x, y = xy(m)
        assert left < x < right and top <= y <= bottom
    by_value = sorted(
        marks,
        key=lambda m: values[int(m.get("data-series"))][int(m.get("data-index"))],
    )
    ys = [xy(m)[1] for m in by_value]
    assert ys == sorted(ys, reverse=True)  # higher value -> smaller y
    assert ys[0] == bottom and ys[-1] == top  # 0 and 10 sit on the plot's edges
    for k in ("0", "1"):
        xs = [xy(m)[0] for m in marks if m.get("data-series") == k]
        assert xs == sorted(xs) and len(set(xs)) == len(xs)


def test_line_chart_series_differ_by_shape_dash_and_colour():
    series = [Series(f"S{k}", [k, k + 1]) for k in range(4)]
    root = parse(rulers(series=series, x_labels=DATES[:2]))
    marks = points(root)
    shapes = {m.get("data-series"): m.get("href") for m in marks}
    colours = {m.get("data-series"): m.get("fill") for m in marks}
    assert len(set(shapes.values())) == 4
    assert len(set(colours.values())) == 4
    groups = [el for el in root.iter(f"{NS}g") if el.get("class") == "series"]
    assert len({g.get("stroke-dasharray") for g in groups}) == 4
    defs = root.find(f"{NS}defs")
    assert len({child.tag + str(sorted(child.attrib.items())[:-1]) for child in defs}) == 4


def test_line_chart_lines_and_gaps():
    root = parse(rulers(series=[Series("A", [1, 2, None, 4, 5, 6])], x_labels=DATES[:6]))
    (group,) = [el for el in root.iter(f"{NS}g") if el.get("class") == "series"]
    polylines = group.findall(f"{NS}polyline")
    assert [len(p.get("points").split()) for p in polylines] == [2, 3]
    gaps = [el for el in group if el.get("class") == "gap"]
    assert len(gaps) == 1


def test_line_chart_single_label():
    svg = line_chart(
        title="First check-in",
        x_labels=["2026-03-01"],
        series=[Series("Importance", [7]), Series("Confidence", [None])],
        y_min=0,
        y_max=10,
    )
    root = parse(svg)
    assert len(points(root)) == 1
    assert root.find(f".//{NS}polyline") is None
    desc = root.find(f"{NS}desc").text
    assert "Importance was 7 at 2026-03-01" in desc and "Confidence has no values" in desc


def test_line_chart_twenty_labels_all_shown():
    values = [float(i % 11) for i in range(20)]
    root = parse(rulers(x_labels=DATES, series=[Series("Importance", values)]))
    assert len(points(root)) == 20
    axis = [el for el in root.iter(f"{NS}g") if el.get("class") == "x-axis"][0]
    assert [t.text for t in axis] == DATES
    vb_width = float(root.get("viewBox").split()[2])
    left, _, right, _ = plot_area(root)
    assert 0 < left < right <= vb_width


def test_line_chart_ticks_and_legend():
    root = parse(rulers(y_ticks=[0, 5, 10, 12]))  # 12 is outside the scale: ignored
    axis = [el for el in root.iter(f"{NS}g") if el.get("class") == "y-axis"][0]
    assert [t.text for t in axis][:3] == ["0", "5", "10"]
    legend = [el for el in root.iter(f"{NS}g") if el.get("class") == "legend"][0]
    assert [t.text for t in legend.iter(f"{NS}text")] == ["Importance", "Confidence"]
    default = parse(rulers())
    axis = [el for el in default.iter(f"{NS}g") if el.get("class") == "y-axis"][0]
    assert [t.text for t in axis.findall(f"{NS}text")][:6] == ["0", "2", "4", "6", "8", "10"]


def test_line_chart_description():
    desc = parse(rulers()).find(f"{NS}desc").text
    assert desc == (
        "Line chart of Importance and Confidence on a scale of 0 to 10 over 5 points from "
        "2026-01-01 to 2026-03-01: Importance went from 4 to 8; Confidence went from 2 to 6."
    )


def test_line_chart_escapes_text():
    svg = rulers(
        title=NASTY,
        x_labels=[NASTY, "b"],
        series=[Series(NASTY, [1, 2])],
        y_label=NASTY,
    )
    assert "<x>" not in svg and "&amp;" in svg and "&lt;x&gt;" in svg
    root = parse(svg)
    assert root.find(f"{NS}title").text == NASTY
    texts = [el.text for el in root.iter(f"{NS}text")]
    assert texts.count(NASTY) == 3  # x label, y label, legend
    assert points(root)[0].find(f"{NS}title").text == f"{NASTY}, {NASTY}: 1"


def test_line_chart_drops_characters_xml_cannot_carry():
    root = parse(rulers(title="a\x00b\x1fc", x_labels=["\x0b1", "2"], series=[]))
    assert root.find(f"{NS}title").text == "abc"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"series": [Series("A", [1, 2])]}, "'A' has 2 values for 5 x labels"),
        ({"y_min": 10, "y_max": 10}, "y_min"),
        ({"y_min": 10, "y_max": 0}, "y_min"),
        ({"x_labels": [], "series": []}, "at least one x label"),
        ({"series": [Series("A", [1, 2, 3, 4, 11])]}, "outside 0..10"),
        ({"series": [Series("A", [1, 2, 3, 4, float("nan")])]}, "finite"),
    ],
)
def test_line_chart_rejects_bad_input(overrides, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        rulers(**overrides)


# --- dot plot -------------------------------------------------------------------------------


def test_dot_plot_seventeen_rows():
    root = parse(ssm())
    labels = [el for el in root.iter(f"{NS}text") if el.get("class") == "row-label"]
    assert [el.text for el in labels] == SSM_DOMAINS
    ys = [float(el.get("y")) for el in labels]
    assert {round(b - a, 1) for a, b in zip(ys, ys[1:], strict=False)} == {22.0}
    assert len(points(root)) == 34
    left, top, right, bottom = plot_area(root)
    assert bottom - top == 22 * 17


def test_dot_plot_points_inside_plot_and_ordered():
    rows = [("A", [1, 5]), ("B", [2, 4.5]), ("C", [3, None]), ("D", [5, 1])]
    root = parse(ssm(rows=rows))
    left, top, right, bottom = plot_area(root)
    marks = points(root)
    assert len(marks) == 7
    for m in marks:
        x, y = xy(m)
        assert left < x < right and top < y < bottom
    value = {(str(r), str(c)): v for r, (_, vs) in enumerate(rows) for c, v in enumerate(vs)}
    ordered = sorted(marks, key=lambda m: value[(m.get("data-row"), m.get("data-column"))])
    xs = [xy(m)[0] for m in ordered]
    assert xs == sorted(xs)  # larger value -> larger x
    # Rows go down the page in order.
    row_ys = [xy(m)[1] for m in marks if m.get("data-column") == "0"]
    assert row_ys == sorted(row_ys)


def test_dot_plot_columns_have_their_own_marker():
    root = parse(ssm(rows=[("Housing", [1, 2, 3])], column_names=["Entry", "Review", "Exit"]))
    marks = points(root)
    assert len({m.get("href") for m in marks}) == 3
    assert len({m.get("fill") for m in marks}) == 3
    legend = [el for el in root.iter(f"{NS}g") if el.get("class") == "legend"][0]
    assert [t.text for t in legend.iter(f"{NS}text")][:3] == ["Entry", "Review", "Exit"]


def test_dot_plot_zero_and_none_draw_nothing():
    rows = [("Housing", [0, 3]), ("Legal", [None, None]), ("Income", [0, 0]), ("Food", [2, 0])]
    root = parse(ssm(rows=rows))
    assert [(m.get("data-row"), m.get("data-column")) for m in points(root)] == [
        ("0", "1"),
        ("3", "0"),
    ]
    not_scored = [el for el in root.iter(f"{NS}text") if el.text == "not scored"]
    assert len(not_scored) == 2
    assert not [el for el in root.iter() if el.get("class") in ("change", "arrowhead")]
    assert root.find(f"{NS}desc").text.endswith("2 scored once and 2 not scored.")


def test_dot_plot_zero_is_a_value_when_on_the_scale():
    root = parse(ssm(rows=[("A", [0, 4])], x_min=0, x_max=4, x_tick_labels=None))
    assert len(points(root)) == 2


def test_dot_plot_change_arrows():
    rows = [
        ("Up", [1, None, 4]),
        ("Down", [5, 2, 3]),
        ("Same", [3, 1, 3]),
        ("Once", [2, None, None]),
    ]
    root = parse(ssm(rows=rows, column_names=["Entry", "Review", "Exit"]))
    lines = [el for el in root.iter(f"{NS}line") if el.get("class") == "change"]
    heads = [el for el in root.iter(f"{NS}path") if el.get("class") == "arrowhead"]
    assert len(lines) == len(heads) == 2
    marks = {(m.get("data-row"), m.get("data-column")): xy(m) for m in points(root)}
    up, down = lines
    # Each arrow starts on the first score and points towards the last one.
    assert float(up.get("x1")) == marks[("0", "0")][0] < float(up.get("x2")) < marks[("0", "2")][0]
    assert float(down.get("x1")) == marks[("1", "0")][0]
    assert float(down.get("x2")) > marks[("1", "2")][0]
    tip = [float(n) for n in re.findall(r"-?[\d.]+", heads[1].get("d"))]
    assert tip[0] < tip[2]  # the tip of the "Down" arrow is its leftmost point
    desc = root.find(f"{NS}desc").text
    assert desc == (
        "Dot plot of 4 rows on a scale from 1 (In crisis) to 5 (Empowered), comparing Entry, "
        "Review and Exit: 1 went up, 1 went down, 1 stayed the same and 1 scored once."
    )


def test_dot_plot_tick_labels():
    root = parse(ssm())
    axis = [el for el in root.iter(f"{NS}g") if el.get("class") == "x-axis"][0]
    words = " ".join("".join(t.itertext()) for t in axis.iter(f"{NS}text"))
    for number, label in SSM_LABELS.items():
        assert str(number) in words
        for word in label.split():
            assert word in words


def test_dot_plot_escapes_text():
    svg = ssm(
        title=NASTY,
        rows=[(NASTY, [1, 2])],
        column_names=[NASTY, "Review"],
        x_tick_labels={1: NASTY, 5: "Empowered"},
    )
    assert "<x>" not in svg and "&amp;" in svg
    root = parse(svg)
    assert root.find(f"{NS}title").text == NASTY
    labels = [el for el in root.iter(f"{NS}text") if el.get("class") == "row-label"]
    assert labels[0].text == NASTY
    assert points(root)[0].find(f"{NS}title").text == f"{NASTY}, {NASTY}: 1 ({NASTY})"


def test_dot_plot_long_row_label_is_shortened_with_full_title():
    long = "A very long domain name that would crowd out the plot entirely"
    root = parse(ssm(rows=[(long, [1, 2])]))
    (label,) = [el for el in root.iter(f"{NS}text") if el.get("class") == "row-label"]
    assert label.find(f"{NS}title").text == long
    assert "".join(label.itertext()).endswith("…")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rows": [("Housing", [1])]}, "'Housing' has 1 values for 2 columns"),
        ({"x_min": 5, "x_max": 5}, "x_min"),
        ({"x_min": 5, "x_max": 1}, "x_min"),
        ({"column_names": [], "rows": []}, "at least one column"),
        ({"rows": [("Housing", [1, 6])]}, "outside 1..5"),
    ],
)
def test_dot_plot_rejects_bad_input(overrides, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ssm(**overrides)


# --- properties -----------------------------------------------------------------------------

text = st.text(max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    title=text,
    labels=st.lists(text, min_size=1, max_size=20),
    data=st.data(),
)
def test_line_chart_any_text_and_values_parse(title, labels, data):
    values = st.one_of(st.none(), st.floats(min_value=0, max_value=10))
    series = [
        Series(
            data.draw(text), data.draw(st.lists(values, min_size=len(labels), max_size=len(labels)))
        )
        for _ in range(data.draw(st.integers(0, 4)))
    ]
    root = parse(line_chart(title=title, x_labels=labels, series=series, y_min=0, y_max=10))
    assert len(points(root)) == sum(v is not None for s in series for v in s.values)
    left, top, right, bottom = plot_area(root)
    for m in points(root):
        x, y = xy(m)
        assert left < x < right and top <= y <= bottom


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            text, st.lists(st.sampled_from([None, 0, 1, 2, 3, 4, 5]), min_size=2, max_size=2)
        ),
        max_size=18,
    )
)
def test_dot_plot_any_rows_parse(rows):
    root = parse(ssm(rows=rows))
    assert len(points(root)) == sum(bool(v) for _, vs in rows for v in vs)


def test_chart_words_follow_the_interface_language():
    """The words a chart writes itself (legend, "not scored", the description read aloud) are
    in the reader's language, not always English (issue 10 item 12)."""
    from django.utils import translation

    rows = [("Housing", [1, 3]), ("Income", [None, None])]
    with translation.override("es"):
        plot = ssm(rows=rows)
        line = rulers()
    assert "sin puntuar" in plot and "cambio de la primera a la última puntuación" in plot
    assert "Gráfico de puntos de 2 filas" in plot and "1 subieron" in plot
    assert "Gráfico de líneas de Importance y Confidence" in line
    assert "not scored" not in plot and "Line chart" not in line
    english = ssm(rows=rows)
    assert "not scored" in english and "Dot plot of 2 rows" in english
