"""The Altair defaults the dashboards share: one theme that matches `.streamlit/config.toml`,
number and money formats on axes and in tooltips, a tooltip on every mark, and an empty state
instead of a blank frame.

The builders are pure (they return Altair charts, so a test reads their spec without a running
app); `show` draws one with this theme rather than Streamlit's own. Feed them the small frame
of an SQL aggregate, never a whole table (DESIGN: heavy reads are aggregates in the database).

    won = pd.DataFrame({"Partner": [...], "Won": [...]})
    show(bar_chart(won, "Partner", "Won", money=True, empty="No deals won in this period."))
"""

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

PRIMARY = "#1f6feb"  # [theme] primaryColor in .streamlit/config.toml
TEXT = "#31333f"  # Streamlit's text colour (light theme)
MUTED = "#808495"  # Streamlit's caption colour
GRID = "#e6eaf1"
FONT = '"Source Sans Pro", sans-serif'  # Streamlit's font
# Series after the first: a colour-blind-safe categorical palette (Tableau 10) after PRIMARY.
PALETTE = [PRIMARY, "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac"]

MONEY = "$,.0f"  # on axes: $1,250,000
MONEY_EXACT = "$,.2f"  # in tooltips: $1,250,000.00
NUMBER = ",~f"  # 12,500 and 0.45: separators, no trailing zeros
PERCENT = ".0%"  # for shares kept as fractions (0.45 is 45%): pass as number_format
DATE = "%Y-%m-%d"
HEIGHT = 320
EMPTY = "Nothing to show for this selection yet."
THEME = "prm"


@alt.theme.register(THEME, enable=True)
def theme() -> alt.theme.ThemeConfig:
    """Registered and enabled on import: every chart built here carries it."""
    return {"config": {
        "font": FONT,
        "background": "transparent",  # the page's own background shows through
        "view": {"stroke": None, "continuousHeight": HEIGHT},
        "range": {"category": PALETTE},
        "mark": {"color": PRIMARY},
        "bar": {"color": PRIMARY, "cornerRadiusEnd": 2},
        "line": {"color": PRIMARY, "strokeWidth": 2},
        "point": {"color": PRIMARY, "filled": True, "size": 40},
        "axis": {"labelColor": TEXT, "titleColor": TEXT, "labelFontSize": 12,
                 "titleFontSize": 12, "titleFontWeight": "normal", "gridColor": GRID,
                 "domainColor": GRID, "tickColor": GRID, "labelLimit": 180},
        "legend": {"labelColor": TEXT, "titleColor": TEXT, "labelFontSize": 12,
                   "titleFontSize": 12, "titleFontWeight": "normal", "orient": "bottom"},
        "title": {"color": TEXT, "fontSize": 14, "fontWeight": "normal", "anchor": "start"},
        "numberFormat": NUMBER,
        "timeFormat": DATE,
    }}


# ---------------------------------------------------------------- axes and tooltips


def money_axis(title: str | None = None) -> alt.Axis:
    """Dollars with thousands separators and no cents: $1,250,000."""
    return number_axis(title, number_format=MONEY)


def number_axis(title: str | None = None, *, number_format: str = NUMBER) -> alt.Axis:
    return alt.Axis(format=number_format, **({} if title is None else {"title": title}))


def value_tooltip(field: str, *, money: bool = False, title: str | None = None,
                  number_format: str = NUMBER) -> alt.Tooltip:
    """A measure in a tooltip: money to the cent ($1,250,000.00), a number with separators."""
    return alt.Tooltip(field=field, type="quantitative",
                       format=MONEY_EXACT if money else number_format, title=title or field)


def category_tooltip(field: str, title: str | None = None) -> alt.Tooltip:
    return alt.Tooltip(field=field, type="nominal", title=title or field)


def date_tooltip(field: str, title: str | None = None) -> alt.Tooltip:
    return alt.Tooltip(field=field, type="temporal", format=DATE, title=title or field)


# ---------------------------------------------------------------- charts


def empty_state(message: str = EMPTY, *, height: int = HEIGHT) -> alt.Chart:
    """A frame that says why there is nothing to draw, in place of empty axes."""
    return (alt.Chart(pd.DataFrame({"message": [message]}))
            .mark_text(color=MUTED, fontSize=14)
            .encode(text=alt.Text(field="message", type="nominal"))
            .properties(height=height))


def bar_chart(df: pd.DataFrame, x: str, y: str, *, money: bool = False,
              number_format: str = NUMBER, color: str | None = None, horizontal: bool = False,
              sort: bool = True, x_title: str | None = None, y_title: str | None = None,
              title: str | None = None, tooltip: Sequence[str] = (),
              empty: str = EMPTY, height: int = HEIGHT) -> alt.Chart:
    """Bars of the measure `y` per category `x`, largest first (`sort=False`: in the frame's
    order); `horizontal` lays them along the x axis (long category names read better).
    `money` formats the measure as dollars, else `number_format` does; `color` splits each
    bar by a second category; `tooltip` adds columns to the tooltip."""
    if df.empty:
        return empty_state(empty, height=height)
    order = alt.EncodingSortField(field=y, op="sum", order="descending") if sort else None
    category = (alt.Y if horizontal else alt.X)(field=x, type="nominal", sort=order,
                                                 title=x_title or x)
    measure = _measure(alt.X if horizontal else alt.Y, y, money, number_format, y_title)
    x_channel, y_channel = (measure, category) if horizontal else (category, measure)
    value = value_tooltip(y, money=money, title=y_title, number_format=number_format)
    return _chart(alt.Chart(df).mark_bar(), x_channel, y_channel,
                  (category_tooltip(x, x_title), value), color, tooltip, title, height)


def line_chart(df: pd.DataFrame, x: str, y: str, *, money: bool = False,
               number_format: str = NUMBER, color: str | None = None, temporal: bool = True,
               x_title: str | None = None, y_title: str | None = None,
               title: str | None = None, tooltip: Sequence[str] = (),
               empty: str = EMPTY, height: int = HEIGHT) -> alt.Chart:
    """The measure `y` along `x` (dates unless `temporal=False`), one line per `color`, with
    a point on each value to hover. Formats as in `bar_chart`."""
    if df.empty:
        return empty_state(empty, height=height)
    along = alt.X(field=x, type="temporal" if temporal else "ordinal", title=x_title or x)
    when = date_tooltip(x, x_title) if temporal else category_tooltip(x, x_title)
    value = value_tooltip(y, money=money, title=y_title, number_format=number_format)
    return _chart(alt.Chart(df).mark_line(point=True), along,
                  _measure(alt.Y, y, money, number_format, y_title), (when, value), color,
                  tooltip, title, height)


def _measure(channel, y: str, money: bool, number_format: str, title: str | None):
    return channel(field=y, type="quantitative", title=title or y,
                   axis=money_axis() if money else number_axis(number_format=number_format))


def _chart(chart: alt.Chart, x, y, where_and_value: tuple[alt.Tooltip, alt.Tooltip],
           color: str | None, tooltip: Sequence[str], title: str | None,
           height: int) -> alt.Chart:
    """What both kinds share: the tooltip (where the pointer is, its series, its value, then
    the extra columns), the series colour, the title and the height."""
    where, value = where_and_value
    tips = [where, *([category_tooltip(color)] if color else []), value,
            *[category_tooltip(f) for f in tooltip]]
    extra = {"color": alt.Color(field=color, type="nominal")} if color else {}
    chart = chart.encode(x=x, y=y, tooltip=tips, **extra).properties(height=height)
    return chart.properties(title=title) if title else chart


def show(chart: alt.Chart, *, alt_text: str | None = None) -> None:
    """Draw a chart full width with this theme (Streamlit's own would replace it);
    `alt_text` describes it to screen readers."""
    st.altair_chart(chart, theme=None, width="stretch", alt=alt_text)
