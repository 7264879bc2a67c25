"""Server-rendered charts: inline SVG, no JavaScript, no style attributes (strict CSP).

`score_chart` (PHQ-9 / GAD-7 over time, severity bands shaded and labelled) and `mood_chart`
(diary moods with a 7-day rolling average) return a `Chart`: `.svg` (Markup, safe because it
is built only from numbers and fixed labels), `.summary` (one sentence, also the SVG's
<desc>), `.rows`/`.headers` (the data table for screen readers). Render with
`{% from "macros/charts.html" import chart with context %}{{ chart(c) }}`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from markupsafe import Markup, escape

from app.assessments import scoring
from app.i18n import N_, _t

#: Plain words for the severity bands (API value -> words a patient reads).
BAND_LABELS: Final[dict[str, str]] = {
    "minimal": N_("Minimal"), "mild": N_("Mild"), "moderate": N_("Moderate"),
    "moderately_severe": N_("Moderately severe"), "severe": N_("Severe"),
}
#: Muted fills, lowest band first; calm rather than alarming.
BAND_FILLS: Final[dict[str, str]] = {
    "minimal": "#e4efe8", "mild": "#edf1dc", "moderate": "#f8efd6",
    "moderately_severe": "#f8e3d3", "severe": "#f4dcd8",
}
MOOD_AVERAGE_DAYS: Final = 7

# Geometry in SVG user units. The drawing scales to the width of its container, so on a
# 360 px phone one unit is about one pixel: text sizes below are what a phone shows.
W, H = 360, 280
LEFT, RIGHT_GUTTER, TOP, BOTTOM = 30, 86, 14, 40
X0, X1 = LEFT, W - RIGHT_GUTTER
Y0 = TOP
Y1 = H - BOTTOM          # the score charts' baseline
MOOD_Y1 = H - 64         # the mood chart leaves room for its legend
TICK, LABEL = 13, 13     # font sizes: axis numbers and dates; band and end labels
INK, MUTED, LINE, GRID, DOT = "#1f2a30", "#4f5d63", "#2f6f62", "#c9c7bf", "#7fa89f"
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Chart:
    title: str
    svg: Markup
    summary: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    empty: bool = False
    ident: str = ""


def band_label(band: str | None) -> str:
    return _t(BAND_LABELS.get(band or "", N_("No score")))


def _day(d: datetime | date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def _day_year(d: datetime | date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


class _TimeScale:
    def __init__(self, times: Sequence[datetime]) -> None:
        self.lo, self.hi = min(times), max(times)
        self.pad = 14.0

    def x(self, t: datetime) -> float:
        span = (self.hi - self.lo).total_seconds()
        if span <= 0:
            return (X0 + X1) / 2
        frac = (t - self.lo).total_seconds() / span
        return X0 + self.pad + frac * (X1 - X0 - 2 * self.pad)

    def ticks(self) -> list[tuple[float, str, str]]:
        """(x, label, text-anchor): first and last date, and one between when there is room."""
        if self.hi == self.lo or self.hi.date() == self.lo.date():
            return [(self.x(self.lo), _day(self.lo), "middle")]
        out = [(self.x(self.lo), _day(self.lo), "start"), (self.x(self.hi), _day(self.hi), "end")]
        if (self.hi - self.lo) >= timedelta(days=4):
            mid = self.lo + (self.hi - self.lo) / 2
            out.insert(1, (self.x(mid), _day(mid), "middle"))
        return out


def _y(value: float, top_value: float, y1: float = Y1) -> float:
    return y1 - (value / top_value) * (y1 - Y0)


def _open(ident: str, title: str, summary: str) -> list[str]:
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" '
        f'role="img" aria-labelledby="{ident}-t {ident}-d" focusable="false">',
        f'<title id="{ident}-t">{escape(title)}</title>',
        f'<desc id="{ident}-d">{escape(summary)}</desc>',
    ]


def _text(x: float, y: float, label: str, *, anchor: str = "start", size: int = TICK,
          fill: str = MUTED, weight: str | None = None) -> str:
    w = f' font-weight="{weight}"' if weight else ""
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size}" {FONT} fill="{fill}" '
            f'text-anchor="{anchor}"{w}>{escape(label)}</text>')


def _x_axis(scale: _TimeScale, y1: float = Y1) -> list[str]:
    parts = [f'<line x1="{X0}" y1="{y1}" x2="{X1}" y2="{y1}" stroke="{MUTED}" stroke-width="1"/>']
    for x, label, anchor in scale.ticks():
        parts.append(f'<line x1="{_f(x)}" y1="{y1}" x2="{_f(x)}" y2="{y1 + 5}" stroke="{MUTED}"/>')
        parts.append(_text(x, y1 + 21, label, anchor=anchor))
    return parts


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# ---------------------------------------------------------------- PHQ-9 / GAD-7


def _bands(instrument: str) -> list[tuple[int, int, str]]:
    """(low, high, band) from the lowest band up, high inclusive."""
    spec = scoring.get_instrument(instrument)
    table = scoring.PHQ9_BANDS if instrument == "phq9" else scoring.GAD7_BANDS
    lows = sorted(table)
    out = []
    for i, (low, band) in enumerate(lows):
        high = lows[i + 1][0] - 1 if i + 1 < len(lows) else spec.max_total
        out.append((low, high, band))
    return out


def _band_of(instrument: str, total: int) -> str:
    return scoring.severity_band(instrument, total) or ""


def score_chart(instrument: str, points: Sequence[tuple[datetime, int | None]], *,
                ident: str | None = None, title: str | None = None,
                caseness: int | None = None, clinician: bool = False) -> Chart:
    """One questionnaire's totals over time, on its severity bands. `points` are
    (taken_at, total); totals of None (no valid score) are left out. `caseness`: draw a
    dashed line at that total (the clinician's record: PHQ-9 10, GAD-7 8); `clinician`:
    the summary speaks to the clinician about the patient, not to the patient."""
    spec = scoring.get_instrument(instrument)
    top = spec.max_total
    pts = sorted(((t, v) for t, v in points if v is not None), key=lambda p: p[0])
    ident = ident or _new_id(f"chart-{instrument}")
    title = title or f"{spec.name} scores over time"
    headers = ("Date", "Score", "Range")
    rows = [(_day_year(t), f"{v} out of {top}", band_label(_band_of(instrument, v))) for t, v in pts]
    if not pts:
        return Chart(title, Markup(""), f"No {spec.name} check-ins yet." + (
            "" if clinician else " Your scores will show here after your first one."),
            headers, [], empty=True, ident=ident)
    first, last = pts[0], pts[-1]
    if clinician:
        summary = (f"{len(pts)} {spec.name} score{'s' if len(pts) != 1 else ''}: first {first[1]} on "
                   f"{_day_year(first[0])}, latest {last[1]} on {_day_year(last[0])}"
                   + (f"; caseness line at {caseness}" if caseness is not None else "") + ".")
    elif len(pts) == 1:
        summary = (f"Your first {spec.name} score is {last[1]} out of {top} "
                   f"({band_label(_band_of(instrument, last[1])).lower()}), on {_day_year(last[0])}.")
    else:
        summary = (f"Over {len(pts)} check-ins your {spec.name} score went from {first[1]} "
                   f"({band_label(_band_of(instrument, first[1])).lower()}) on {_day_year(first[0])} "
                   f"to {last[1]} ({band_label(_band_of(instrument, last[1])).lower()}) on "
                   f"{_day_year(last[0])}; lower scores mean fewer problems.")

    parts = _open(ident, title, summary)
    for low, high, band in _bands(instrument):
        y_top, y_bottom = _y(high + 1 if high < top else top, top), _y(low, top)
        parts.append(f'<rect x="{X0}" y="{_f(y_top)}" width="{X1 - X0}" height="{_f(y_bottom - y_top)}" '
                     f'fill="{BAND_FILLS[band]}"/>')
        parts.append(f'<rect x="{X1}" y="{_f(y_top)}" width="{W - X1}" height="{_f(y_bottom - y_top)}" '
                     f'fill="{BAND_FILLS[band]}" opacity="0.6"/>')
        words = band_label(band).split(" ")
        mid = (y_top + y_bottom) / 2
        if len(words) == 1:
            parts.append(_text(X1 + 6, mid + 4.5, words[0], size=LABEL, fill=INK))
        else:
            parts.append(_text(X1 + 6, mid - 2, words[0], size=LABEL, fill=INK))
            parts.append(_text(X1 + 6, mid + 12, " ".join(words[1:]), size=LABEL, fill=INK))
        parts.append(f'<line x1="{X0}" y1="{_f(y_bottom)}" x2="{X1}" y2="{_f(y_bottom)}" '
                     f'stroke="#ffffff" stroke-width="1"/>')
        parts.append(_text(X0 - 5, y_bottom + 4.5, str(low), anchor="end"))
    parts.append(_text(X0 - 5, _y(top, top) + 10, str(top), anchor="end"))
    if caseness is not None:
        yc = _y(caseness, top)
        parts.append(f'<line x1="{X0}" y1="{_f(yc)}" x2="{X1}" y2="{_f(yc)}" stroke="{INK}" '
                     f'stroke-width="1.5" stroke-dasharray="6 4"/>')
        parts.append(_text(X1 - 4, yc + 15, f"caseness {caseness}", anchor="end", size=LABEL, fill=INK))

    scale = _TimeScale([t for t, _ in pts])
    parts += _x_axis(scale)
    coords = [(scale.x(t), _y(v, top)) for t, v in pts]
    if len(coords) > 1:
        path = " ".join(f"{_f(x)},{_f(y)}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="2.5" '
                     f'stroke-linejoin="round" stroke-linecap="round"/>')
    label_values = len(coords) <= 12
    for i, ((x, y), (_, v)) in enumerate(zip(coords, pts, strict=True)):
        latest = i == len(coords) - 1
        parts.append(f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{6.5 if latest else 5}" fill="{LINE}" '
                     f'stroke="#ffffff" stroke-width="1.5"/>')
        if label_values or latest:
            ly = y - 11 if y - 11 > Y0 + 10 else y + 22
            parts.append(_text(x, ly, str(v), anchor="middle", size=14, fill=INK, weight="700"))
    parts.append("</svg>")
    return Chart(title, Markup("".join(parts)), summary, headers, rows, ident=ident)


# ---------------------------------------------------------------- mood


def rolling_average(points: Sequence[tuple[datetime, int]],
                    days: int = MOOD_AVERAGE_DAYS) -> list[tuple[date, float | None]]:
    """For each day from the first entry to the last: the mean mood of the entries of that day
    and the days-1 days before it (None when there were none)."""
    if not points:
        return []
    by_day: dict[date, list[int]] = {}
    for t, v in points:
        by_day.setdefault(t.astimezone(UTC).date(), []).append(v)
    first, last = min(by_day), max(by_day)
    out = []
    d = first
    while d <= last:
        window = [v for k in range(days) for v in by_day.get(d - timedelta(days=k), [])]
        out.append((d, sum(window) / len(window) if window else None))
        d += timedelta(days=1)
    return out


def mood_chart(points: Sequence[tuple[datetime, int]], *, ident: str | None = None,
               title: str = "Mood over time") -> Chart:
    """Diary moods (0-10) over time: a dot per entry and the 7-day rolling average line."""
    pts = sorted(points, key=lambda p: p[0])
    ident = ident or _new_id("chart-mood")
    headers = ("Date", "Mood (0-10)", f"{MOOD_AVERAGE_DAYS}-day average")
    if not pts:
        return Chart(title, Markup(""), "No diary entries in this period yet. Your moods will show "
                     "here once you add some.", headers, [], empty=True, ident=ident)
    averages = rolling_average(pts)
    avg_of = dict(averages)
    rows = [(f"{_day_year(t)}, {t.astimezone(UTC):%H:%M}", str(v), _f(avg_of[t.astimezone(UTC).date()] or 0))
            for t, v in pts]
    known = [a for _, a in averages if a is not None]
    if len(pts) == 1:
        summary = f"One diary entry so far: mood {pts[0][1]} out of 10 on {_day_year(pts[0][0])}."
    else:
        now_avg, start_avg = known[-1], known[0]
        if now_avg - start_avg >= 0.5:
            trend = f"up from {_f(start_avg)} at the start"
        elif start_avg - now_avg >= 0.5:
            trend = f"down from {_f(start_avg)} at the start"
        else:
            trend = "about the same as at the start"
        summary = (f"{len(pts)} diary entries from {_day_year(pts[0][0])} to {_day_year(pts[-1][0])}; "
                   f"your {MOOD_AVERAGE_DAYS}-day average mood is {_f(now_avg)} out of 10, {trend}.")

    parts = _open(ident, title, summary)
    y1 = MOOD_Y1
    parts.append(f'<rect x="{X0}" y="{Y0}" width="{X1 - X0}" height="{y1 - Y0}" fill="#f3f6f4"/>')
    for value in (0, 5, 10):
        y = _y(value, 10, y1)
        dash = "" if value == 0 else ' stroke-dasharray="3 3"'
        parts.append(f'<line x1="{X0}" y1="{_f(y)}" x2="{X1}" y2="{_f(y)}" stroke="{GRID}" stroke-width="1"{dash}/>')
        parts.append(_text(X0 - 5, y + 4.5, str(value), anchor="end"))
    parts.append(_text(X1 + 6, _y(10, 10, y1) + 10, "Very good", size=LABEL, fill=INK))
    parts.append(_text(X1 + 6, _y(0, 10, y1), "Very low", size=LABEL, fill=INK))

    noon = time(12, tzinfo=UTC)
    # A day is the chart's unit: entries and that day's average share the day's x position.
    def at_noon(t: datetime) -> datetime:
        return datetime.combine(t.astimezone(UTC).date(), noon)

    times = [at_noon(t) for t, _ in pts] + [datetime.combine(d, noon) for d, _ in averages]
    scale = _TimeScale(times)
    parts += _x_axis(scale, y1)
    for t, v in pts:
        parts.append(f'<circle cx="{_f(scale.x(at_noon(t)))}" cy="{_f(_y(v, 10, y1))}" r="4" fill="{DOT}" '
                     f'stroke="#ffffff" stroke-width="1"/>')
    # The average line, broken where a whole window had no entries.
    runs: list[list[tuple[float, float]]] = [[]]
    for d, a in averages:
        if a is None:
            runs.append([])
        else:
            runs[-1].append((scale.x(datetime.combine(d, noon)), _y(a, 10, y1)))
    for run in runs:
        if len(run) > 1:
            path = " ".join(f"{_f(x)},{_f(y)}" for x, y in run)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{LINE}" stroke-width="3.5" '
                         f'stroke-linejoin="round" stroke-linecap="round"/>')
        elif len(run) == 1:
            x, y = run[0]
            parts.append(f'<line x1="{_f(x - 7)}" y1="{_f(y)}" x2="{_f(x + 7)}" y2="{_f(y)}" '
                         f'stroke="{LINE}" stroke-width="3.5" stroke-linecap="round"/>')
    # Legend, under the dates
    ly = H - 10
    parts.append(f'<circle cx="{X0 + 6}" cy="{ly - 4.5}" r="4" fill="{DOT}"/>')
    parts.append(_text(X0 + 16, ly, "Diary entry"))
    parts.append(f'<line x1="{X0 + 112}" y1="{ly - 4.5}" x2="{X0 + 134}" y2="{ly - 4.5}" stroke="{LINE}" '
                 f'stroke-width="3.5" stroke-linecap="round"/>')
    parts.append(_text(X0 + 142, ly, f"{MOOD_AVERAGE_DAYS}-day average"))
    parts.append("</svg>")
    return Chart(title, Markup("".join(parts)), summary, headers, rows, ident=ident)
