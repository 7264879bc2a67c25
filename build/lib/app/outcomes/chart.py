"""The outcomes chart: rates by month as grouped bars, server-rendered SVG built only from
numbers and fixed labels (so it is safe Markup), with a one-line summary."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.outcomes.rates import Rates

SERIES = (("recovery_rate", "Recovery", "#1d6fa5"),
          ("reliable_improvement_rate", "Reliable improvement", "#2e8540"),
          ("reliable_deterioration_rate", "Reliable deterioration", "#b3261e"))
W, H, LEFT, BOTTOM, TOP = 640, 260, 44, 36, 12


@dataclass(frozen=True)
class RatesChart:
    svg: Markup
    summary: str
    legend: tuple[tuple[str, str], ...]


def rates_chart(by_month: list[Rates]) -> RatesChart:
    legend = tuple((label, colour) for _, label, colour in SERIES)
    if not by_month:
        return RatesChart(Markup(""), "No episodes yet.", legend)
    plot_w, plot_h = W - LEFT - 8, H - BOTTOM - TOP
    group = plot_w / len(by_month)
    bar = max(2.0, min(18.0, group / (len(SERIES) + 1)))
    parts = [f'<svg class="outcomes-chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="oc-title" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="oc-title">Outcome rates by month</title>']
    for pct in (0, 25, 50, 75, 100):
        y = TOP + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{LEFT}" x2="{W - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc" stroke-width="1"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{pct}%</text>')
    for i, r in enumerate(by_month):
        x0 = LEFT + group * i + (group - bar * len(SERIES)) / 2
        for j, (field, label, colour) in enumerate(SERIES):
            value = getattr(r, field)
            if value is None:
                continue
            h = plot_h * float(value)
            parts.append(f'<rect x="{x0 + bar * j:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar - 1:.1f}" '
                         f'height="{max(h, 0.5):.1f}" fill="{colour}"><title>{r.period} {label}: '
                         f'{round(float(value) * 100)}%</title></rect>')
        parts.append(f'<text x="{LEFT + group * i + group / 2:.1f}" y="{H - BOTTOM + 16}" text-anchor="middle" '
                     f'font-size="11">{r.period}</text>')
    parts.append("</svg>")
    last = by_month[-1]
    pct = lambda v: "no data" if v is None else f"{round(v * 100)}%"  # noqa: E731
    summary = (f"{len(by_month)} month{'s' if len(by_month) != 1 else ''} shown. In {last.period}: recovery "
               f"{pct(last.recovery_rate)}, reliable improvement {pct(last.reliable_improvement_rate)}, "
               f"reliable deterioration {pct(last.reliable_deterioration_rate)} of {last.finished} finished "
               f"episode{'s' if last.finished != 1 else ''}.")
    return RatesChart(Markup("".join(parts)), summary, legend)
