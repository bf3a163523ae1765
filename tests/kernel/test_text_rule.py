"""The kernel's rules for what people type, without a database: one text rule for every text
field, numbers grouped only by thousands, dates from 1900 to 2100, bounded name keys, host
names DNS can hold, and exports that a spreadsheet never runs as a formula."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from core.customers import normalize_name, registrable_domain
from core.customers.matching import name_form, name_key, retrieval_keys
from core.errors import field_errors
from core.exports import safe_cell, to_csv
from core.validation import (
    Amount,
    Date,
    Headcount,
    OptionalText,
    RequiredText,
    clean_text,
    parse_amount,
    parse_date,
    parse_headcount,
    text_field,
)

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


class Form(BaseModel):
    name: RequiredText(200, "Enter the name.") = ""
    title: OptionalText(120) = ""
    notes: OptionalText(4000, multiline=True) = ""
    amount: Amount("amount", optional=True) = None
    day: Date("close date", optional=True) = None
    headcount: Headcount = 1


def errors(**data) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        Form.model_validate({"name": "Acme"} | data)
    return field_errors(exc.value)


# ---------------------------------------------------------------- the text rule


@pytest.mark.parametrize("bad", ["Acme\x00", "Ac\x07me", "Acme\x1b[31m", "Acme\x9fCorp",
                                 "Acme\x7fCorp", "Ac\ud800me"])
def test_nul_and_control_characters_are_refused_in_every_text_field(bad):
    for field in ("name", "title", "notes"):
        assert "control characters" in errors(**{field: bad})[field]


def test_tabs_and_line_breaks_only_in_multi_line_fields():
    assert errors(name="Acme\nCorp") == {"name": "Keep this on one line: no line breaks or tabs."}
    assert errors(title="CIO\tCTO")["title"].startswith("Keep this on one line")
    form = Form.model_validate({"name": "Acme\n", "notes": "one\r\ntwo\rthree\u2028\tfour"})
    assert (form.name, form.notes) == ("Acme", "one\ntwo\nthree\n\tfour")


def test_zero_width_and_bidi_controls_are_dropped():
    form = Form.model_validate({"name": "\u202eAc\u200bme\u200d Corp\ufeff\u2066",
                                "title": "\u00adCIO\u200f"})
    assert (form.name, form.title) == ("Acme Corp", "CIO")


def test_a_name_that_is_empty_once_cleaned_is_refused():
    assert errors(name=" \u200b\u202e\u2060 ") == {"name": "Enter the name."}


def test_private_use_characters_are_refused_with_a_message():
    assert errors(name="Acme \ue000", notes="\U000f0001")["name"].startswith(
        "Remove the private-use characters")


def test_text_is_stored_in_nfc_and_trimmed():
    decomposed = "  Cafe\u0301 Mu\u0308ller  "
    assert Form.model_validate({"name": decomposed}).name == "Café Müller"
    assert len(Form.model_validate({"name": decomposed}).name) == 11


@pytest.mark.parametrize("wrong", [123, 12.5, Decimal("1"), True, ["Acme"], {"a": 1}, b"Acme"])
def test_wrong_types_are_refused_not_turned_into_text(wrong):
    assert errors(name=wrong, title=wrong) == {"name": "Enter this as text.",
                                               "title": "Enter this as text."}


@FAST
@given(st.text(max_size=60))
def test_any_text_is_clean_or_refused_with_a_message(raw):
    try:
        text = clean_text(raw)
    except ValueError as e:
        assert str(e).startswith(("Remove the", "Keep this on one line"))
        return
    assert text == text.strip() and "\x00" not in text
    assert all(ch not in text for ch in "\n\t\u202e\u200b\ufeff")


# ---------------------------------------------------------------- numbers and dates


@pytest.mark.parametrize("typed", ["12,5", "1,2", "1,25", "12,50", "1,250 000", "1e5", "1_000"])
def test_a_comma_is_only_a_thousands_separator(typed):
    with pytest.raises(ValueError):
        parse_amount(typed, what="amount")
    assert "amount" in errors(amount=typed)


def test_a_decimal_comma_is_explained():
    assert errors(amount="12,5") == {"amount": "Write the amount with a decimal point, e.g. "
                                     "1250.50: a comma only separates thousands, as in "
                                     "1,250.50."}


def test_well_grouped_amounts_and_headcounts_are_read():
    assert parse_amount("1,250.00", what="x") == Decimal("1250.00")
    assert parse_amount("$ 1,250,000", what="x") == Decimal("1250000.00")
    assert parse_amount("1 250", what="x") == Decimal("1250.00")
    assert parse_headcount("1,200") == 1200
    for bad in ("1,2", "12,5", "1,20"):
        with pytest.raises(ValueError, match="whole number"):
            parse_headcount(bad)


@pytest.mark.parametrize("day", ["1899-12-31", "2101-01-01", "0001-01-01", "9999-12-31",
                                 date(1066, 10, 14), datetime(2200, 1, 1)])
def test_dates_outside_1900_to_2100_are_refused(day):
    with pytest.raises(ValueError, match="between 1900 and 2100"):
        parse_date(day, what="close date")
    assert errors(day=day) == {"day": "Enter the close date between 1900 and 2100."}


def test_dates_at_the_limits_are_accepted_and_other_types_refused():
    assert parse_date("1900-01-01", what="d") == date(1900, 1, 1)
    assert parse_date("2100-12-31", what="d") == date(2100, 12, 31)
    for wrong in (20270101, 2027.0, ["2027-01-01"]):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            parse_date(wrong, what="d")


@FAST
@given(st.from_regex(r"\$?[0-9]{1,7}(,[0-9]{1,4})*(\.[0-9]{0,3})?", fullmatch=True))
def test_an_amount_read_from_text_is_the_number_it_shows_or_a_message(typed):
    try:
        amount = parse_amount(typed, what="amount")
    except ValueError as e:
        assert str(e).startswith(("Write the amount", "Enter the amount", "Give the amount",
                                  "The amount"))
        return
    groups = typed.lstrip("$").partition(".")[0].split(",")
    if len(groups) > 1:  # a comma only between thousands
        assert len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
    assert amount == Decimal(typed.lstrip("$").replace(",", ""))


# ---------------------------------------------------------------- keys and domains


@pytest.mark.parametrize("name", ["北京" * 100, "Ä" * 200, "😀" * 200, "co " * 66,
                                  "Intl Corp " * 20])
def test_keys_and_stored_forms_of_a_name_at_the_limit_fit_their_columns(name):
    name = name.strip()[:200]
    key = name_key(name)
    assert len(normalize_name(name)) <= 200  # normalized_name, customer_key
    assert len(name_form(key)) <= 420  # customer_name_form, account_name_form
    assert all(len(k) <= 120 for k in retrieval_keys(key))  # end_customer_keys.key


def test_a_host_name_dns_cannot_hold_is_no_website():
    label = "a" * 63
    longest = ".".join([label, label, label, "a" * 57, "com"])  # 253 characters
    assert len(longest) == 253 and registrable_domain(longest) is not None
    assert registrable_domain("b" + longest) is None  # 254
    assert registrable_domain("x." + "a" * 64 + ".com") is None  # a label over 63


def test_a_long_website_gets_the_fields_message():
    from core.validation import website

    with pytest.raises(ValueError, match="^Enter a website.$"):
        website("https://" + "a." * 140 + "com", invalid="Enter a website.")


# ---------------------------------------------------------------- exports


@pytest.mark.parametrize("cell", [" =1+1", "\n@SUM(A1)", "  +1", " \t-1", "Acme;=cmd",
                                  "a|b", "x;y"])
def test_exports_neutralise_formulas_behind_blanks_and_cells_with_separators(cell):
    assert safe_cell(cell) == "'" + cell
    assert to_csv(["c"], [[cell]]).decode("utf-8-sig").splitlines()[1].lstrip('"')[0] == "'"
    # Plain text and numbers stay as they are.
    assert [safe_cell(v) for v in ("Acme Corp", " Acme", "a-b", 5, -5)] == [
        "Acme Corp", " Acme", "a-b", 5, -5]


def test_text_field_keeps_its_messages():
    assert text_field("  hi ", 10, required="Write it.") == "hi"
    with pytest.raises(ValueError, match="^Write it.$"):
        text_field("\u200b", 10, required="Write it.")
