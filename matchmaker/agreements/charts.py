"""The dashboard's charts as server-side SVG: no script, no CDN, readable in print (black strokes,
a dashed target line) and on a phone (it scales to the width of the screen)."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP, PAD_RIGHT = 600, 220, 36, 28, 12, 12


def cumulative(series: list[int], target: int | None, months: list[tuple[int, int]], label: str) -> Markup:
    """A step line of the cumulative count per month against a straight line to the target."""
    top = max([*series, target or 0, 1])
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    n = len(series)

    def x(i: float) -> float:
        return PAD_LEFT + inner_w * i / max(n, 1)

    def y(v: float) -> float:
        return PAD_TOP + inner_h * (1 - v / top)

    points = [f"{x(0):.1f},{y(0):.1f}"]
    for i, value in enumerate(series):
        points.append(f"{x(i):.1f},{y(value):.1f}")
        points.append(f"{x(i + 1):.1f},{y(value):.1f}")
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
        f'<line x1="{PAD_LEFT}" y1="{y(0):.1f}" x2="{WIDTH - PAD_RIGHT}" y2="{y(0):.1f}" class="axis"/>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{y(0):.1f}" class="axis"/>',
    ]
    for value in sorted({0, top // 2, top}):
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y(value) + 4:.1f}" class="tick" text-anchor="end">{value}</text>'
        )
    step = 1 if n <= 12 else 3 if n <= 36 else 6
    for i, (year, month) in enumerate(months):
        if i % step == 0:
            text = f"{month}月" if n <= 12 else f"{year % 100}/{month}"
            parts.append(
                f'<text x="{x(i + 0.5):.1f}" y="{HEIGHT - 8}" class="tick" text-anchor="middle">{text}</text>'
            )
    if target:
        parts.append(
            f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(n):.1f}" y2="{y(target):.1f}" class="target-line"/>'
            f'<text x="{x(n) - 4:.1f}" y="{y(target) - 4:.1f}" class="tick" text-anchor="end">目标 {target}</text>'
        )
    parts.append(f'<polyline points="{" ".join(points)}" class="series"/>')
    if series:
        parts.append(
            f'<text x="{x(n) - 4:.1f}" y="{y(series[-1]) + 14:.1f}" class="tick strong" text-anchor="end">'
            f"已完成 {series[-1]}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
