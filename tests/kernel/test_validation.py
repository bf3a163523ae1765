"""The kernel's parsers, field types, as_model, money and lifecycles, without a database."""

from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from core.errors import RuleViolation, field_errors
from core.money import format_money
from core.transitions import Lifecycle, TransitionTable, state
from core.validation import (
    Amount,
    Choices,
    Country,
    OneOf,
    Phone,
    RequiredText,
    as_model,
    checked,
    parse_amount,
    parse_whole_number,
    text_field,
)


class Form(BaseModel):
    name: RequiredText(20, "Enter the name.") = ""
    country: Country(required="Choose the country.", unknown="Choose a country from the list.") = ""
    phone: Phone(country_field="country") = ""
    amount: Amount("amount", optional=True) = None
    colors: Choices(("Red", "Green", "Blue"), what="colors", at_least_one="Choose a color.") = []
    kind: OneOf({"a": 1, "b c": 2}, fold=True, unknown="Choose a kind.", blank="a", kind=int) = 1


def errors(**data) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        Form.model_validate(data)
    return field_errors(exc.value)


def test_a_field_left_out_gets_the_message_of_an_empty_one():
    assert errors() == {"name": "Enter the name.", "country": "Choose the country.",
                        "phone": "Enter the contact's phone number.",
                        "colors": "Choose a color."}


def test_values_are_read_the_way_people_type_them():
    form = as_model(Form, dict(name="  Ada ", country="germany", phone="030 1234567",
                               amount="$1,250.5", colors="blue, red", kind="B_C"))
    assert (form.name, form.country, form.phone) == ("Ada", "DE", "+49 30 1234567")
    assert form.amount == Decimal("1250.50") and form.colors == ["Red", "Blue"]
    assert form.kind == 2 and as_model(Form, form) == form  # validating again changes nothing


def test_each_bad_value_has_its_own_message():
    assert errors(name="x" * 21, country="Atlantis", phone="12", colors=["Pink"], kind="z",
                  amount="0") == {
        "name": "Keep this to 20 characters or fewer.",
        "country": "Choose a country from the list.",
        "phone": "Enter a phone number with its country code, e.g. +44 20 7946 0958.",
        "amount": "The amount must be greater than 0.",
        "colors": "Choose colors from the list.", "kind": "Choose a kind."}


def test_amounts():
    assert parse_amount("0", what="fee", zero_ok=True) == Decimal("0.00")
    with pytest.raises(ValueError, match="at most two decimal places"):
        parse_amount("1.005", what="fee")
    with pytest.raises(ValueError, match="^Enter it.$"):
        parse_amount(0.5, what="fee", floats=False, invalid="Enter it.")
    with pytest.raises(ValueError, match="too large"):
        parse_amount("20000000000", what="fee")


def test_whole_numbers():
    assert parse_whole_number("1,200", invalid="No.", grouping=True) == 1200
    assert parse_whole_number(Decimal("7"), invalid="No.", low=1, high=10) == 7
    for bad in ("1,200", "2.5", True, None, 11):
        with pytest.raises(ValueError, match="^No.$"):
            parse_whole_number(bad, invalid="No.", high=10)


def test_checked_turns_a_parsers_message_into_a_rule_violation_on_the_field():
    assert checked("note", text_field, "  hi ", 10, required="Write it.") == "hi"
    with pytest.raises(RuleViolation) as exc:
        checked("note", text_field, " ", 10, required="Write it.")
    assert (str(exc.value), exc.value.field) == ("Write it.", "note")


def test_money():
    assert format_money(Decimal("1234.5")) == "$1,234.50"
    assert format_money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"
    assert format_money(Decimal("1234.5"), "USD", symbol=False) == "1,234.50 USD"
    assert format_money(Decimal("1234.5"), None) == "1,234.50"
    assert format_money(None) == ""


class Door(Lifecycle):
    OPEN = state("open", "Open", to=("shut",))
    SHUT = state("shut", "Shut", verb="closed", to=("open", "locked"))
    LOCKED = state("locked", "Locked")


def test_a_lifecycle_declares_labels_verbs_and_moves_once():
    table = TransitionTable.of(Door, "door")
    assert Door.SHUT == "shut" and Door("locked") is Door.LOCKED and str(Door.OPEN) == "open"
    assert table.labels == {Door.OPEN: "Open", Door.SHUT: "Shut", Door.LOCKED: "Locked"}
    assert table.moves == {Door.OPEN: {Door.SHUT}, Door.SHUT: {Door.OPEN, Door.LOCKED},
                           Door.LOCKED: frozenset()}
    assert table.can_move("shut", Door.LOCKED) and not table.can_move("open", Door.LOCKED)
    with pytest.raises(RuleViolation, match="This door is locked; it cannot be closed."):
        table.check_move("locked", Door.SHUT)


def test_a_move_to_an_unknown_status_fails_when_the_table_is_built():
    class Broken(Lifecycle):
        ONE = state("one", "One", to=("two",))

    with pytest.raises(ValueError):
        TransitionTable.of(Broken, "thing")
