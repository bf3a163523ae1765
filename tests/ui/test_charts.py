"""ui.charts: the specs its builders make from a tiny frame carry the shared formats, tooltips
and theme; an empty frame gives the empty state. Pure: no Streamlit run."""

import tomllib
from datetime import date
from pathlib import Path

import pandas as pd

from ui import charts

WON = pd.DataFrame({"Partner": ["Acme", "Globex"], "Won": [1_234_567.5, 99.0],
                    "Tier": ["Gold", "Silver"]})


def tooltip(spec: dict, field: str) -> dict:
    return next(t for t in spec["encoding"]["tooltip"] if t["field"] == field)


def test_a_money_bar_chart_formats_dollars_on_its_axis_and_in_its_tooltip():
    spec = charts.bar_chart(WON, "Partner", "Won", money=True, tooltip=["Tier"]).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["axis"]["format"] == "$,.0f"  # $1,234,568
    assert spec["encoding"]["y"]["title"] == "Won"
    assert tooltip(spec, "Won") == {"field": "Won", "type": "quantitative", "format": "$,.2f",
                                    "title": "Won"}
    assert [t["field"] for t in spec["encoding"]["tooltip"]] == ["Partner", "Won", "Tier"]
    assert spec["encoding"]["x"]["sort"] == {"field": "Won", "op": "sum", "order": "descending"}


def test_a_horizontal_bar_chart_puts_the_measure_on_x():
    spec = charts.bar_chart(WON, "Partner", "Won", money=True, horizontal=True).to_dict()
    assert spec["encoding"]["x"]["field"] == "Won"
    assert spec["encoding"]["x"]["axis"]["format"] == "$,.0f"
    assert spec["encoding"]["y"]["field"] == "Partner"


def test_a_line_chart_has_dates_series_and_number_formats():
    df = pd.DataFrame({"Month": pd.to_datetime([date(2026, 1, 1), date(2026, 2, 1)]),
                       "Deals": [1200, 3], "Tier": ["Gold", "Gold"]})
    spec = charts.line_chart(df, "Month", "Deals", color="Tier").to_dict()
    assert spec["mark"] == {"type": "line", "point": True}
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["color"]["field"] == "Tier"
    assert tooltip(spec, "Month")["format"] == "%Y-%m-%d"
    assert tooltip(spec, "Deals")["format"] == charts.NUMBER
    assert spec["encoding"]["y"]["axis"]["format"] == charts.NUMBER


def test_an_empty_frame_gives_the_empty_state_not_blank_axes():
    spec = charts.bar_chart(WON.iloc[0:0], "Partner", "Won", money=True,
                            empty="No deals won in this period.").to_dict()
    assert spec["mark"]["type"] == "text"
    assert spec["encoding"] == {"text": {"field": "message", "type": "nominal"}}
    [rows] = spec["datasets"].values()
    assert rows == [{"message": "No deals won in this period."}]
    assert charts.line_chart(WON.iloc[0:0], "Partner", "Won").to_dict()["mark"]["type"] == "text"


def test_the_registered_theme_follows_the_app_theme():
    config = tomllib.loads((Path(__file__).parents[2] / ".streamlit/config.toml").read_text())
    assert config["theme"]["primaryColor"] == charts.PRIMARY
    spec = charts.bar_chart(WON, "Partner", "Won").to_dict()
    assert spec["config"]["range"]["category"][0] == charts.PRIMARY
    assert spec["config"]["bar"]["color"] == charts.PRIMARY
    assert spec["config"]["numberFormat"] == charts.NUMBER
