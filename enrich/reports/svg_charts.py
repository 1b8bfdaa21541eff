"""Small charts as inline SVG text: a line chart (ROC), grouped bars (lift, conversion), a funnel.

No JavaScript, no external fonts or stylesheets: the SVG is pasted into a self-contained HTML page and
renders the same offline. Every label is escaped, since band, tier and asset names come from user files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 560
HEIGHT = 320
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 34, 48
PALETTE = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#dc2626", "#0891b2")
BAND_COLOURS = {"red": "#dc2626", "yellow": "#eab308", "green": "#16a34a", "undetermined": "#9ca3af"}


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # bars: one per category; None draws nothing
    colour: str


@dataclass(frozen=True)
class Line:
    name: str
    points: Sequence[tuple[float, float]]  # in data units, 0..1 on both axes
    colour: str


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: int = 11, extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="sans-serif" fill="#111827"{extra}>{escape(text)}</text>'
    )


def _frame(title: str, body: list[str], *, height: int = HEIGHT, label: str | None = None) -> str:
    aria = escape(label or title, quote=True)
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
            f'height="{height}" role="img" aria-label="{aria}">',
            f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
            _text(WIDTH / 2, 20, title, size=14, extra=' font-weight="bold"'),
            *body,
            "</svg>",
        ]
    )


def _legend(names: Sequence[tuple[str, str]], y: float) -> list[str]:
    items = []
    x = float(_LEFT)
    for name, colour in names:
        items.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{colour}"/>')
        items.append(_text(x + 14, y, name, anchor="start"))
        x += 24 + 7 * len(name)
    return items


def line_chart(
    title: str, lines: Sequence[Line], *, x_label: str, y_label: str, diagonal: bool = True
) -> str:
    """Lines on a unit square (e.g. ROC curves), with the chance diagonal."""
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM

    def px(x: float, y: float) -> tuple[float, float]:
        return _LEFT + x * plot_w, _TOP + (1 - y) * plot_h

    body = [f'<rect x="{_LEFT}" y="{_TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#d1d5db"/>']
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x, y = px(tick, tick)
        body.append(_text(x, _TOP + plot_h + 14, f"{tick:g}", size=10))
        body.append(_text(_LEFT - 6, y + 4, f"{tick:g}", anchor="end", size=10))
    if diagonal:
        (x0, y0), (x1, y1) = px(0, 0), px(1, 1)
        body.append(
            f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#9ca3af" stroke-dasharray="4 4"/>'
        )
    for line in lines:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in (px(*point) for point in line.points))
        body.append(f'<polyline points="{coords}" fill="none" stroke="{line.colour}" stroke-width="2"/>')
    body.append(_text(_LEFT + plot_w / 2, HEIGHT - 20, x_label))
    body.append(
        _text(14, _TOP + plot_h / 2, y_label, extra=f' transform="rotate(-90 14 {_TOP + plot_h / 2})"')
    )
    body += _legend([(line.name, line.colour) for line in lines], HEIGHT - 4)
    return _frame(title, body)


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    value_format: str = "{:.0%}",
    reference: float | None = None,
    reference_label: str = "",
    category_colours: Sequence[str] | None = None,
) -> str:
    """Grouped vertical bars; ``reference`` draws a dashed horizontal line (e.g. the overall rate).
    ``category_colours`` colours a single series per category (e.g. bands in their own colour)."""
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    values = [v for s in series for v in s.values if v is not None]
    top = max([*values, reference or 0.0, 1e-9]) * 1.15
    slot = plot_w / max(len(categories), 1)
    bar_w = slot * 0.8 / max(len(series), 1)
    axis_y = _TOP + plot_h
    body = [f'<line x1="{_LEFT}" y1="{axis_y}" x2="{_LEFT + plot_w}" y2="{axis_y}" stroke="#6b7280"/>']
    for index, category in enumerate(categories):
        x0 = _LEFT + index * slot + slot * 0.1
        for position, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else None
            if value is None:
                continue
            height = plot_h * value / top
            x = x0 + position * bar_w
            colour = category_colours[index] if category_colours and len(series) == 1 else one.colour
            body.append(
                f'<rect x="{x:.1f}" y="{_TOP + plot_h - height:.1f}" width="{bar_w - 2:.1f}" '
                f'height="{height:.1f}" fill="{colour}"><title>{escape(one.name)} {escape(category)}: '
                f"{escape(value_format.format(value))}</title></rect>"
            )
            body.append(
                _text(x + bar_w / 2 - 1, _TOP + plot_h - height - 4, value_format.format(value), size=9)
            )
        body.append(_text(_LEFT + index * slot + slot / 2, _TOP + plot_h + 14, category, size=10))
    if reference is not None:
        y = _TOP + plot_h * (1 - reference / top)
        body.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + plot_w}" y2="{y:.1f}" stroke="#6b7280" '
            'stroke-dasharray="4 4"/>'
        )
        body.append(_text(_LEFT + plot_w, y - 4, reference_label, anchor="end", size=9))
    body.append(
        _text(14, _TOP + plot_h / 2, y_label, extra=f' transform="rotate(-90 14 {_TOP + plot_h / 2})"')
    )
    if len(series) > 1:
        body += _legend([(one.name, one.colour) for one in series], HEIGHT - 4)
    return _frame(title, body)


def funnel_chart(title: str, steps: Sequence[tuple[str, int, str]]) -> str:
    """Horizontal bars, widest first: (label, count, annotation such as "12% won")."""
    row_h = 30
    height = _TOP + row_h * len(steps) + 16
    label_w = 150
    plot_w = WIDTH - label_w - _RIGHT - 110
    widest = max([count for _, count, _ in steps] + [1])
    body = []
    for index, (label, count, note) in enumerate(steps):
        y = _TOP + index * row_h
        width = plot_w * count / widest
        x = label_w + (plot_w - width) / 2
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 1):.1f}" height="{row_h - 6}" '
            f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(label)}: {count}</title></rect>'
        )
        body.append(_text(label_w - 8, y + row_h / 2, label, anchor="end"))
        body.append(_text(label_w + plot_w + 8, y + row_h / 2, f"{count:,}  {note}", anchor="start"))
    return _frame(title, body, height=height)
