"""Server-rendered SVG charts: no points (an empty message), one, two and many points;
accessible (role=img, title/desc, a data table), CSP-clean (no style attributes, no script)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import Markup

from app import charts

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def weekly(totals: list[int]) -> list[tuple[datetime, int]]:
    return [(T0 + timedelta(days=7 * i), t) for i, t in enumerate(totals)]


def parse(c: charts.Chart) -> ET.Element:
    root = ET.fromstring(str(c.svg))  # well-formed XML
    assert root.tag == f"{SVG}svg"
    return root


def check_accessible_and_clean(c: charts.Chart) -> ET.Element:
    root = parse(c)
    assert root.get("role") == "img" and root.get("viewBox") and root.get("width") == "100%"
    ids = root.get("aria-labelledby").split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert [title.get("id"), desc.get("id")] == ids
    assert title.text == c.title and desc.text == c.summary
    s = str(c.svg)
    assert "style=" not in s and "<script" not in s and "javascript:" not in s and "on" + "load" not in s
    assert isinstance(c.svg, Markup)
    return root


def circles(root: ET.Element) -> list[ET.Element]:
    return root.findall(f".//{SVG}circle")


# ---------------------------------------------------------------- score charts


@pytest.mark.parametrize("instrument", ["phq9", "gad7"])
def test_score_chart_with_no_points_is_an_empty_message(instrument):
    c = charts.score_chart(instrument, [])
    assert c.empty and str(c.svg) == "" and c.rows == []
    assert c.summary.startswith("No ") and "check-ins yet" in c.summary


def test_score_chart_with_one_point():
    c = charts.score_chart("phq9", weekly([11]))
    root = check_accessible_and_clean(c)
    assert not c.empty
    assert c.summary == "Your first PHQ-9 score is 11 out of 27 (moderate), on 2 March 2026."
    assert c.rows == [("2 March 2026", "11 out of 27", "Moderate")]
    assert len(circles(root)) == 1 and root.find(f".//{SVG}polyline") is None
    # a lone point sits in the middle, on the value's height
    cx = float(circles(root)[0].get("cx"))
    assert cx == pytest.approx((charts.X0 + charts.X1) / 2)


def test_score_chart_with_two_points():
    c = charts.score_chart("phq9", weekly([17, 9]))
    root = check_accessible_and_clean(c)
    assert c.summary == ("Over 2 check-ins your PHQ-9 score went from 17 (moderately severe) on 2 March 2026 "
                         "to 9 (mild) on 9 March 2026; lower scores mean fewer problems.")
    pts = circles(root)
    assert len(pts) == 2 and float(pts[0].get("cy")) < float(pts[1].get("cy"))  # 17 drawn higher than 9
    assert float(pts[0].get("cx")) < float(pts[1].get("cx"))
    assert len(root.findall(f".//{SVG}polyline")) == 1


def test_score_chart_with_many_points_and_gaps_in_scores():
    totals = [22, 20, 19, None, 15, 14, 12, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 1]
    pts = [(T0 + timedelta(days=7 * i), t) for i, t in enumerate(totals)]
    c = charts.score_chart("phq9", list(reversed(pts)))  # any order in, time order out
    root = check_accessible_and_clean(c)
    assert len(c.rows) == 19 and c.rows[0][1] == "22 out of 27" and c.rows[-1][1] == "1 out of 27"
    assert len(circles(root)) == 19
    assert "from 22 (severe)" in c.summary and "to 1 (minimal)" in c.summary


@pytest.mark.parametrize("instrument, bands", [
    ("phq9", ["Minimal", "Mild", "Moderate", "Moderately", "severe", "Severe"]),
    ("gad7", ["Minimal", "Mild", "Moderate", "Severe"]),
])
def test_severity_bands_are_shaded_and_labelled(instrument, bands):
    c = charts.score_chart(instrument, weekly([3, 12]))
    root = parse(c)
    labels = [t.text for t in root.findall(f".//{SVG}text")]
    for b in bands:
        assert b in labels
    fills = {r.get("fill") for r in root.findall(f".//{SVG}rect")}
    n_bands = 5 if instrument == "phq9" else 4
    assert len(fills & set(charts.BAND_FILLS.values())) == n_bands
    top = 27 if instrument == "phq9" else 21
    assert str(top) in labels and "0" in labels


def test_band_edges_follow_the_scoring_thresholds():
    # the boundary between mild and moderate is drawn at a total of 10
    bands = charts._bands("phq9")
    assert bands == [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 19, "moderately_severe"),
                     (20, 27, "severe")]
    assert charts._bands("gad7") == [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]


def test_same_day_points_do_not_divide_by_zero():
    c = charts.score_chart("gad7", [(T0, 5), (T0, 7)])
    root = check_accessible_and_clean(c)
    assert len(circles(root)) == 2


def test_ids_are_unique_per_chart_and_can_be_given():
    a, b = charts.score_chart("phq9", weekly([1])), charts.score_chart("phq9", weekly([1]))
    assert a.ident != b.ident
    c = charts.score_chart("phq9", weekly([1]), ident="patient-x-phq9")
    assert 'aria-labelledby="patient-x-phq9-t patient-x-phq9-d"' in str(c.svg)


# ---------------------------------------------------------------- mood chart


def test_mood_chart_with_no_points():
    c = charts.mood_chart([])
    assert c.empty and str(c.svg) == "" and "No diary entries" in c.summary


def test_mood_chart_with_one_point():
    c = charts.mood_chart([(T0, 6)])
    root = check_accessible_and_clean(c)
    assert c.summary == "One diary entry so far: mood 6 out of 10 on 2 March 2026."
    assert c.rows == [("2 March 2026, 09:00", "6", "6")]
    assert len([x for x in circles(root) if x.get("fill") == charts.DOT]) == 2  # the point and its legend dot


def test_mood_chart_with_two_points_and_the_rolling_average():
    c = charts.mood_chart([(T0, 2), (T0 + timedelta(days=1), 8)])
    check_accessible_and_clean(c)
    assert c.rows[1] == ("3 March 2026, 09:00", "8", "5")
    assert c.summary == ("2 diary entries from 2 March 2026 to 3 March 2026; your 7-day average mood is 5 out "
                         "of 10, up from 2 at the start.")


def test_mood_chart_with_many_points():
    pts = [(T0 + timedelta(hours=12 * i), (i * 3) % 11) for i in range(120)]
    c = charts.mood_chart(pts)
    root = check_accessible_and_clean(c)
    assert len(c.rows) == 120
    assert len(root.findall(f".//{SVG}polyline")) == 1
    labels = [t.text for t in root.findall(f".//{SVG}text")]
    assert "Very good" in labels and "Very low" in labels and "7-day average" in labels


def test_rolling_average_windows_and_gaps():
    pts = [(T0, 2), (T0 + timedelta(hours=3), 4), (T0 + timedelta(days=6), 9), (T0 + timedelta(days=20), 5)]
    avg = dict(charts.rolling_average(pts))
    d0 = T0.date()
    assert avg[d0] == 3
    assert avg[d0 + timedelta(days=6)] == pytest.approx(5)     # 2, 4, 9
    assert avg[d0 + timedelta(days=7)] == 9                     # day 0 left the window
    assert avg[d0 + timedelta(days=13)] is None                 # a week with nothing
    assert avg[d0 + timedelta(days=20)] == 5
    c = charts.mood_chart(pts)
    root = parse(c)
    assert len(root.findall(f".//{SVG}polyline")) == 1         # days 0-12 as a line


def test_trend_words():
    down = charts.mood_chart([(T0, 8), (T0 + timedelta(days=10), 3)])
    assert "down from 8 at the start" in down.summary
    same = charts.mood_chart([(T0, 5), (T0 + timedelta(days=10), 5)])
    assert "about the same as at the start" in same.summary


# ---------------------------------------------------------------- the macro


def render_macro(c: charts.Chart) -> str:
    from app.web import env  # the app's own environment (gettext, filters)
    tpl = env.from_string('{% from "macros/charts.html" import chart with context %}{{ chart(c) }}')
    return tpl.render(c=c)


def test_macro_renders_svg_summary_and_table_in_details():
    c = charts.score_chart("phq9", weekly([14, 9]))
    html = render_macro(c)
    assert str(c.svg) in html and c.summary in html
    assert "<details>" in html and "<table>" in html and html.count("<tr>") == 3
    assert '<th scope="row">2 March 2026</th>' in html
    assert "style=" not in html


def test_macro_empty_state():
    html = render_macro(charts.mood_chart([]))
    assert "No diary entries in this period yet" in html and "<svg" not in html and "<table" not in html
