"""The figures behind the dashboard's 逐月累计 charts, as plain data: the page prints them as a
table (the accessible and printable form) and hands the same numbers, as JSON, to Apache ECharts
(static/vendor/echarts, drawn by static/js/dashboard.js) — one source for both, so the chart and
the table never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from matchmaker.agreements import counting


@dataclass(frozen=True)
class Series:
    """One indicator month by month: the cumulative count at the end of each month (None for the
    months still to come) and the straight line from 0 to the target (the pace the plan asks)."""

    code: str
    name: str
    target: int | None
    cumulative: list[int | None]
    pace: list[float] | None


@dataclass(frozen=True)
class Progress:
    """Every indicator's series over the same months."""

    months: list[tuple[int, int]]
    series: list[Series]

    @property
    def labels(self) -> list[str]:
        """The months as the table names them (2026年3月)."""
        return [f"{y}年{m}月" for y, m in self.months]

    @property
    def short_labels(self) -> list[str]:
        """The months as the axis names them: 3月 within one year, 26年3月 over a plan period."""
        one_year = len({y for y, _ in self.months}) == 1
        return [f"{m}月" if one_year else f"{y % 100}年{m}月" for y, m in self.months]

    @property
    def rows(self) -> list[tuple[str, list[int | None]]]:
        """The table's rows: a month and each indicator's cumulative count at its end."""
        return [(label, [s.cumulative[i] for s in self.series]) for i, label in enumerate(self.labels)]

    def as_json(self) -> dict[str, Any]:
        """What dashboard.js draws."""
        return {
            "months": self.short_labels,
            "longMonths": self.labels,
            "series": [
                {
                    "code": s.code,
                    "name": s.name,
                    "target": s.target,
                    "cumulative": s.cumulative,
                    "pace": s.pace,
                }
                for s in self.series
            ],
        }


def progress(figures: list[counting.Figure], span: counting.Span, today: date) -> Progress:
    """Each figure's cumulative count per month of ``span``, stopped at the current month (a flat
    line into the future would read as data), against the pace towards its target."""
    months = span.months()
    current = (today.year, today.month)
    series = []
    for f in figures:
        counts = counting.cumulative(f.months, span)
        cumulative: list[int | None] = [
            c if m <= current else None for m, c in zip(months, counts, strict=True)
        ]
        pace = [round(f.target * (i + 1) / len(months), 2) for i in range(len(months))] if f.target else None
        series.append(Series(f.indicator.code, f.indicator.name, f.target, cumulative, pace))
    return Progress(months, series)
