"""Charts as inline SVG, drawn on the server for the PDF (and later the web): no JavaScript, no network.

Small on purpose: column, bar, line and pie charts with value labels, axes and a legend are all
the council report needs. Text is set in the report's CJK face so WeasyPrint embeds it.
"""

import math
from html import escape

from yankao.core.report_registry import Chart, ChartKind, Number
from yankao.reports.renderers.numbers import number_format

FONT_FAMILY = "Noto Sans CJK TC, Noto Sans CJK, sans-serif"
# Series colours, told apart also in greyscale print: dark, orange, mid, light.
PALETTE = ("#1b3a5c", "#e07a1f", "#4f8fc0", "#9cc36b", "#8e5a9b", "#c9c9c9")
INK = "#222222"
GREY = "#666666"
GRID = "#d9d9d9"
TICKS = 5


def chart_svg(*, chart: Chart, width: int = 640, height: int = 360) -> str:
    """The chart as an SVG element; its accessible name is the chart's title."""
    body = {
        ChartKind.COLUMN: _columns,
        ChartKind.BAR: _bars,
        ChartKind.LINE: _lines,
        ChartKind.PIE: _pie,
    }[chart.kind](chart, width, height)
    label = escape(chart.title + (f"（單位：{chart.unit}）" if chart.unit else ""))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{label}" '
        f'font-family="{FONT_FAMILY}" font-size="12" fill="{INK}">{body}</svg>'
    )


def nice_ceiling(value: float) -> float:
    """The smallest round top of the value axis that holds `value` in TICKS equal, readable steps.

    Steps are 1, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten; 2.5 only from 25 up, so that counts
    of a few never get ticks at 2.5 and 7.5.
    """
    if value <= TICKS:
        # Counts of a few: ticks at whole numbers (shares and rates are drawn as percents).
        return float(TICKS)
    raw = value / TICKS
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step == 2.5 and power < 10:
            continue
        if raw <= step * power:
            return step * power * TICKS
    return 10 * power * TICKS


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: int = 12, color: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{color}">'
        f"{escape(text)}</text>"
    )


def _category_label(x: float, y: float, text: str, *, room: float, size: int = 11) -> str:
    """A category label under its column, on two lines when one would run into the next label."""
    width = sum(size if ord(char) > 0x2E80 else size * 0.6 for char in text)
    if width <= room or len(text) < 2:
        return _text(x, y, text, size=size)
    cut = text.find("年") + 1 or len(text) // 2  # 「112年」/「10月」 reads as a date
    first, second = escape(text[:cut]), escape(text[cut:])
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="{size}">'
        f'<tspan x="{x:.1f}">{first}</tspan><tspan x="{x:.1f}" dy="{size + 2}">{second}</tspan></text>'
    )


def _legend(chart: Chart, width: int, y: float) -> str:
    if len(chart.series) < 2:
        return ""
    item = 110
    x = (width - item * len(chart.series)) / 2
    parts = []
    for index, series in enumerate(chart.series):
        color = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{color}"/>')
        parts.append(_text(x + 18, y, series.name, anchor="start"))
        x += item
    return "".join(parts)


def _maximum(chart: Chart) -> float:
    return nice_ceiling(max((float(v) for series in chart.series for v in series.values), default=0.0))


def _value_grid(left: float, top: float, plot_width: float, plot_height: float, maximum: float) -> str:
    parts = []
    for tick in range(TICKS + 1):
        value = maximum * tick / TICKS
        y = top + plot_height - plot_height * tick / TICKS
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{left + plot_width:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y + 4, number_format(value), anchor="end", size=11, color=GREY))
    return "".join(parts)


def _columns(chart: Chart, width: int, height: int) -> str:
    left, right, top, bottom = 56.0, 12.0, 20.0, 64.0 if len(chart.series) > 1 else 44.0
    plot_width, plot_height = width - left - right, height - top - bottom
    maximum = _maximum(chart)
    parts = [_value_grid(left, top, plot_width, plot_height, maximum)]
    group = plot_width / max(len(chart.categories), 1)
    bar = group * 0.75 / len(chart.series)
    label_size = 11 if len(chart.categories) * len(chart.series) <= 30 else 9
    for index, category in enumerate(chart.categories):
        x0 = left + group * index + group * 0.125
        for number, series in enumerate(chart.series):
            value = float(series.values[index])
            bar_height = plot_height * value / maximum
            x = x0 + bar * number
            y = top + plot_height - bar_height
            color = PALETTE[number % len(PALETTE)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.92:.1f}" height="{bar_height:.1f}" fill="{color}">'
                f"<title>{escape(category)} {escape(series.name)} {number_format(series.values[index])}</title></rect>"
            )
            parts.append(_text(x + bar * 0.46, y - 3, number_format(series.values[index]), size=label_size))
        parts.append(
            _category_label(left + group * (index + 0.5), top + plot_height + 16, category, room=group * 0.95)
        )
    parts.append(_legend(chart, width, height - 10))
    return "".join(parts)


def _bars(chart: Chart, width: int, height: int) -> str:
    left = 12.0 + 13.0 * max((len(category) for category in chart.categories), default=2)
    right, top, bottom = 48.0, 12.0, 40.0 if len(chart.series) > 1 else 24.0
    plot_width, plot_height = width - left - right, height - top - bottom
    maximum = _maximum(chart)
    parts = []
    for tick in range(TICKS + 1):
        x = left + plot_width * tick / TICKS
        parts.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{top + plot_height:.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            _text(x, top + plot_height + 14, number_format(maximum * tick / TICKS), size=11, color=GREY)
        )
    group = plot_height / max(len(chart.categories), 1)
    bar = group * 0.75 / len(chart.series)
    for index, category in enumerate(chart.categories):
        y0 = top + group * index + group * 0.125
        parts.append(_text(left - 6, y0 + group * 0.375 + 4, category, anchor="end"))
        for number, series in enumerate(chart.series):
            value = float(series.values[index])
            y = y0 + bar * number
            length = plot_width * value / maximum
            color = PALETTE[number % len(PALETTE)]
            parts.append(
                f'<rect x="{left:.1f}" y="{y:.1f}" width="{length:.1f}" height="{bar * 0.9:.1f}" fill="{color}"/>'
            )
            parts.append(
                _text(
                    left + length + 4,
                    y + bar * 0.45 + 4,
                    number_format(series.values[index]),
                    anchor="start",
                    size=11,
                )
            )
    parts.append(_legend(chart, width, height - 6))
    return "".join(parts)


def _lines(chart: Chart, width: int, height: int) -> str:
    left, right, top, bottom = 56.0, 20.0, 20.0, 64.0 if len(chart.series) > 1 else 44.0
    plot_width, plot_height = width - left - right, height - top - bottom
    maximum = _maximum(chart)
    parts = [_value_grid(left, top, plot_width, plot_height, maximum)]
    step = plot_width / max(len(chart.categories), 1)
    for index, category in enumerate(chart.categories):
        parts.append(
            _category_label(left + step * (index + 0.5), top + plot_height + 16, category, room=step * 0.95)
        )
    for number, series in enumerate(chart.series):
        color = PALETTE[number % len(PALETTE)]
        points = [
            (left + step * (index + 0.5), top + plot_height - plot_height * float(value) / maximum)
            for index, value in enumerate(series.values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>')
        for (x, y), value in zip(points, series.values, strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>')
            parts.append(_text(x, y - 7, number_format(value), size=10))
    parts.append(_legend(chart, width, height - 10))
    return "".join(parts)


def _pie(chart: Chart, width: int, height: int) -> str:
    values: tuple[Number, ...] = chart.series[0].values
    total = float(sum(float(value) for value in values))
    radius = min(height / 2 - 16, width * 0.28)
    cx, cy = radius + 24, height / 2
    parts = []
    angle = -math.pi / 2  # start at twelve o'clock, as office charts do
    for index, value in enumerate(values):
        color = PALETTE[index % len(PALETTE)]
        share = float(value) / total if total else 0.0
        if share >= 0.9999:
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" fill="{color}"/>')
        elif share > 0:
            end = angle + 2 * math.pi * share
            x1, y1 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
            x2, y2 = cx + radius * math.cos(end), cy + radius * math.sin(end)
            large = 1 if share > 0.5 else 0
            parts.append(
                f'<path d="M{cx:.1f},{cy:.1f} L{x1:.1f},{y1:.1f} A{radius:.1f},{radius:.1f} 0 {large} 1 '
                f'{x2:.1f},{y2:.1f} Z" fill="{color}" stroke="#ffffff" stroke-width="1.5"/>'
            )
            middle = (angle + end) / 2
            if share >= 0.05:
                lx, ly = cx + radius * 0.62 * math.cos(middle), cy + radius * 0.62 * math.sin(middle)
                parts.append(_text(lx, ly + 5, f"{share:.0%}", size=14, color="#ffffff"))
            angle = end
    legend_x = cx + radius + 40
    row = 26.0
    legend_top = cy - row * len(values) / 2 + 10
    for index, (category, value) in enumerate(zip(chart.categories, values, strict=True)):
        y = legend_top + row * index
        color = PALETTE[index % len(PALETTE)]
        share = float(value) / total if total else 0.0
        parts.append(f'<rect x="{legend_x:.1f}" y="{y - 11:.1f}" width="14" height="14" fill="{color}"/>')
        unit = chart.unit
        parts.append(
            _text(
                legend_x + 22,
                y + 1,
                f"{category}　{number_format(value)}{unit}（{share:.1%}）",
                anchor="start",
                size=14,
            )
        )
    return "".join(parts)
