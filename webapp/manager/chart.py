"""The weekly on-time chart, laid out on the server as SVG coordinates."""
from __future__ import annotations

from dataclasses import dataclass

from webapp.words import short_date

WIDTH = 640
HEIGHT = 240
LEFT = 48  # room for the percentage axis labels
BOTTOM = 40  # room for the week labels
TOP = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_text: str
    label_x: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    gridlines: list[tuple[float, str]]  # (y, "50%")
    baseline: float


def weekly_chart(weeks) -> Chart:
    """One bar per week, its height the week's on-time percentage; weeks with no records have none."""
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - 8
    slot = plot_width / max(1, len(weeks))
    bar_width = max(2.0, slot * 0.6)
    bars = []
    for index, week in enumerate(weeks):
        percent = week.tally.on_time_percent
        height = 0.0 if percent is None else plot_height * percent / 100
        x = LEFT + index * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                x=round(x, 1),
                y=round(TOP + plot_height - height, 1),
                width=round(bar_width, 1),
                height=round(height, 1),
                label=short_date(week.last_day),
                value_text="no records" if percent is None else f"{percent:.0f}%",
                label_x=round(x + bar_width / 2, 1),
            )
        )
    gridlines = [(round(TOP + plot_height * (1 - p / 100), 1), f"{p}%") for p in (0, 25, 50, 75, 100)]
    # Label every week when they fit, else every few weeks so the text never overlaps.
    step = max(1, round(len(bars) / 12))
    bars = [
        bar if (len(bars) - 1 - i) % step == 0 else Bar(bar.x, bar.y, bar.width, bar.height, "", bar.value_text, bar.label_x)
        for i, bar in enumerate(bars)
    ]
    return Chart(WIDTH, HEIGHT, bars, gridlines, TOP + plot_height)
