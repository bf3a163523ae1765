"""Tables that fit and read as words: one way every page shows rows.

Columns are declared once per table with the helpers below (money as money in the base
currency, times in the user's zone to the minute, days as dates, the key column pinned), an
empty cell reads "—", and a table whose rows are records opens the record its user selects
(`st.dataframe` row selection, keyed, so AppTest drives it through session state)."""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from core.settings import get_settings
from ui.context import current_user
from ui.registry import page_file

EMPTY = "—"
Column = Any  # a st.column_config column


def _zone() -> str:
    user = current_user()
    return user.time_zone if user else "UTC"


def key_col(label: str = "#") -> Column:
    """The record's number: pinned, so a wide table keeps it in view."""
    return st.column_config.NumberColumn(label, format="%d", pinned=True, width=60)


def text_col(label: str, width: str | int | None = None, *, pinned: bool = False,
             help: str | None = None) -> Column:
    return st.column_config.TextColumn(label, width=width, pinned=pinned, help=help)


def money_col(label: str, width: str | int | None = "small") -> Column:
    """An amount in the program's base currency, named in the header ("Value (USD)")."""
    return st.column_config.NumberColumn(f"{label} ({get_settings().base_currency})",
                                         format="accounting", width=width)


def count_col(label: str, width: str | int | None = "small", *,
              help: str | None = None) -> Column:
    return st.column_config.NumberColumn(label, format="localized", width=width, help=help)


def day_col(label: str, width: str | int | None = "small") -> Column:
    return st.column_config.DateColumn(label, format="YYYY-MM-DD", width=width)


def time_col(label: str, width: str | int | None = "medium") -> Column:
    """A moment, shown in the signed-in user's zone, to the minute."""
    return st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm",
                                           timezone=_zone(), width=width)


def flag_col(label: str, width: str | int | None = "small") -> Column:
    return st.column_config.CheckboxColumn(label, width=width)


def list_col(label: str, width: str | int | None = "medium") -> Column:
    return st.column_config.ListColumn(label, width=width)


def _cell(value: Any) -> Any:
    # Amounts are exact Decimals in core; a table only shows them, and Arrow shows floats.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return pd.Timestamp(value).tz_convert("UTC")
    return value


def frame(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, Column]) -> pd.DataFrame:
    """The rows as a frame with exactly the declared columns, in their order."""
    return pd.DataFrame([{c: _cell(r.get(c)) for c in columns} for r in rows],
                        columns=list(columns))


def table(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, Column], *,
          key: str | None = None, select: bool = False,
          height: int | str = "auto") -> int | None:
    """Show `rows` (dicts keyed by the column ids of `columns`); with `select`, the position
    of the row the user selected, or None."""
    data = frame(rows, columns)
    if not select:
        st.dataframe(data, column_config=dict(columns), hide_index=True, width="stretch",
                     height=height, placeholder=EMPTY, key=key)
        return None
    event = st.dataframe(data, column_config=dict(columns), hide_index=True, width="stretch",
                         height=height, placeholder=EMPTY, key=key, on_select="rerun",
                         selection_mode="single-row")
    chosen = event.selection.rows
    return chosen[0] if chosen and chosen[0] < len(rows) else None


def record_table(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, Column], *,
                 key: str, page: str | Callable[[Mapping[str, Any]], str | None],
                 id_column: str = "id", height: int | str = "auto",
                 hint: str = "Select a row to open it.") -> None:
    """A table of records: selecting a row opens that record's page (`page`, a route name,
    or a function of the row giving one, or None for a row that opens nothing) at
    ?id=<the row's id_column>. The table's key moves on when it opens one, so coming back
    finds nothing selected (else it would open the same record again at once)."""
    generation = f"prm_table_generation:{key}"
    turn = st.session_state.get(generation, 0)
    chosen = table(rows, columns, key=f"{key}-{turn}", select=True, height=height)
    if rows:
        st.caption(hint)
    if chosen is None:
        return
    route = page(rows[chosen]) if callable(page) else page
    # Moved on either way: a row that opens nothing must not stay selected, or the same
    # position would open another record once the rows change under it.
    st.session_state[generation] = turn + 1
    if route is None:
        st.rerun()
    open_record(route, rows[chosen][id_column])


def open_record(page: str, record_id: int) -> None:
    st.switch_page(page_file(page), query_params={"id": str(record_id)})
