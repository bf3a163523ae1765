"""A file's rows made into clean POS lines, column by column (each rule runs once per distinct
value of a column, then maps the column: no Python loop per rule per line), and every row that
cannot be cleaned kept as an exception with its reason. Nothing is dropped silently: each row
is clean, an exception or a duplicate.

Reasons, in the order they are checked (a row gets the first that applies):
missing_field, bad_date, future_date, bad_amount, sku_suggestion / unknown_sku,
unknown_reseller, no_rate, outlier."""

import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from core.customers import normalize_name
from core.pos.mapping import AMOUNTS, FIELDS, REQUIRED
from core.pos.values import (
    comma_decimal,
    convert,
    detect_date_format,
    parse_cents,
    parse_date,
    parse_quantity,
)

REASONS = ("missing_field", "bad_date", "bad_amount", "unknown_sku", "sku_suggestion",
           "no_rate", "unknown_reseller", "outlier", "future_date")
OUTLIER_PRICE = (0.2, 5.0)  # a unit price below a fifth or above five times the list price
OUTLIER_QUANTITY = 10_000
SAMPLE = 2_000  # distinct values looked at to detect a file's date and number conventions


def sku_key(sku: str) -> str:
    """A SKU without case, spaces, dashes, dots or slashes."""
    return "".join(ch for ch in str(sku).upper() if ch.isalnum())


@dataclass(frozen=True)
class Catalog:
    """What cleansing reads from the database, once per import."""

    products: Mapping[str, tuple[int, int, int]]  # SKU -> (product id, line id, list cents)
    keys: Mapping[str, str]  # sku_key -> SKU
    rates: Mapping[str, list[tuple[date, Fraction]]]  # currency -> sorted (valid_on, rate)
    partners: Mapping[str, int]  # normalized partner name -> id (resellers)
    base_currency: str
    today: date


@dataclass(frozen=True)
class Rules:
    """One submitter's conventions (its template; what it leaves open is detected)."""

    partner_id: int
    distributor: bool
    digest: str  # the file's hash: the key of a row without invoice and line
    date_format: str | None = None
    decimal_comma: bool | None = None
    sku_aliases: Mapping[str, str] = field(default_factory=dict)  # sku_key -> SKU
    reseller_aliases: Mapping[str, int] = field(default_factory=dict)  # name key -> id


@dataclass
class Cleaned:
    lines: pd.DataFrame  # the clean rows, as pos_lines columns (amounts in cents)
    exceptions: list[dict]  # row_number, dedupe_key, reason, detail, raw
    duplicates: int
    rows: int
    # The conventions the file was read with (its template's, or detected): an exception
    # keeps them, so that a corrected row is read as its file was.
    date_format: str | None = None
    decimal_comma: bool = False

    @property
    def clean_cents(self) -> int:
        return int(self.lines["amount"].sum()) if len(self.lines) else 0

    def by_reason(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.exceptions:
            out[e["reason"]] = out.get(e["reason"], 0) + 1
        return out


def _mapped(series: pd.Series, parse: Callable) -> pd.Series:
    """`parse` run once per distinct value, then the column mapped through the results."""
    return _spread(series, *_distinct(series, parse))


def _distinct(series: pd.Series, parse: Callable) -> tuple[np.ndarray, list]:
    """Each value's position among the column's distinct values (in order of appearance),
    and `parse` of each distinct value."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    return codes, [parse(v) for v in uniques]


def _spread(series: pd.Series, codes: np.ndarray, parsed: list) -> pd.Series:
    """The column's values replaced by their parsed ones, as `series.map(dict)` gives them
    (the same dtype), by positions taken from an array of the distinct results."""
    if not len(parsed):
        return series.map({})
    values = pd.Series(parsed)  # the dtype map infers from a dict's values
    return pd.Series(values.to_numpy().take(codes), index=series.index, name=series.name,
                     dtype=values.dtype)


class _Verdicts:
    def __init__(self, n: int):
        self.reason = np.full(n, None, dtype=object)
        self.detail = np.full(n, "", dtype=object)
        self.open = np.ones(n, dtype=bool)  # not failed yet (reason None)

    def fail(self, mask, reason: str, detail: str | Callable[[int], str]) -> None:
        """The rows of `mask` not failed yet fail for `reason`; `detail` is the words, or a
        function of a row's position giving them (run only for the rows that fail)."""
        mask = np.asarray(mask, dtype=bool) & self.open
        if not mask.any():
            return
        self.reason[mask] = reason
        self.open[mask] = False
        if callable(detail):
            idx = np.flatnonzero(mask)
            self.detail[idx] = np.array([detail(int(i)) for i in idx], dtype=object)
        else:
            self.detail[mask] = detail

    @property
    def ok(self) -> np.ndarray:
        return self.open.copy()


def cleanse(frame: pd.DataFrame, mapping: Mapping[str, str], catalog: Catalog, rules: Rules,
            existing: Callable[[list[str], list[str]], set[str]]) -> Cleaned:
    """The file's rows (text, as read) cleaned; `existing(keys, invoice numbers)` says which
    of the rows' dedupe keys the submitter's earlier lines and exceptions hold."""
    n = len(frame)
    raw = {f: (frame[mapping[f]].astype(str).str.strip() if f in mapping
               else pd.Series([""] * n, index=frame.index)) for f in FIELDS}
    row_number = np.arange(2, n + 2)
    invoice = raw["invoice_number"].str.slice(0, 60)  # the column's width: keys as kept
    line = raw["invoice_line"].str.slice(0, 20)
    blank = raw["invoice_line"] == ""
    if blank.any():  # numbered within its invoice, in the file's order
        line = line.where(~blank, (invoice.groupby(invoice).cumcount() + 1).astype(str))
    keyed = invoice != ""
    dedupe = invoice + "|" + line
    if not keyed.all():
        dedupe = dedupe.where(keyed, rules.digest + ":"
                              + pd.Series(row_number, index=frame.index).astype(str))
    known = existing(dedupe.unique().tolist(), invoice.unique().tolist())
    duplicate = (dedupe.duplicated() | dedupe.isin(known)).to_numpy()
    v = _Verdicts(n)
    v.fail(duplicate, "duplicate", "")

    for f in REQUIRED:
        v.fail((raw[f] == "").to_numpy(), "missing_field", f"No {FIELDS[f].lower()}.")
    v.fail(((raw["unit_price"] == "") & (raw["extended_amount"] == "")).to_numpy(),
           "missing_field", "No unit price and no extended amount.")
    if rules.distributor:
        v.fail((raw["reseller"] == "").to_numpy(), "missing_field",
               "No reseller: a distributor's line names who it sold through.")

    date_format = rules.date_format or _detected_format(raw["invoice_date"])
    day_codes, days = _distinct(raw["invoice_date"], lambda t: parse_date(t, date_format))
    dates = _spread(raw["invoice_date"], day_codes, days)
    v.fail(dates.isna().to_numpy() & (raw["invoice_date"] != "").to_numpy(), "bad_date",
           lambda i: f"Not a date we read: {raw['invoice_date'].iat[i][:40]}")
    future = np.array([d is not None and d > catalog.today for d in days],
                      dtype=bool)[day_codes]
    v.fail(future, "future_date", "The invoice date is after today.")

    decimal = rules.decimal_comma
    if decimal is None:
        values = pd.concat([raw[a] for a in AMOUNTS]).unique()
        decimal = comma_decimal([x for x in values[:SAMPLE] if x])
    quantity = _mapped(raw["quantity"], parse_quantity)
    unit = _mapped(raw["unit_price"], lambda t: parse_cents(t, decimal))
    extended = _mapped(raw["extended_amount"], lambda t: parse_cents(t, decimal))
    bad_amount = ((quantity.isna() & (raw["quantity"] != ""))
                  | (unit.isna() & (raw["unit_price"] != ""))
                  | (extended.isna() & (raw["extended_amount"] != ""))
                  | (quantity == 0)).to_numpy()
    v.fail(bad_amount, "bad_amount", "Not a quantity or amount we read (or a quantity of 0).")

    product = _skus(raw["sku"], catalog, rules, v)
    reseller = _resellers(raw["reseller"], catalog, rules, v) if rules.distributor else None
    currency = raw["currency"].str.upper().where(raw["currency"] != "", catalog.base_currency)
    which, rates = _rates(currency, dates, day_codes, days, catalog, v)

    ok = v.ok
    q = quantity.where(ok, 1).fillna(1).astype("int64").to_numpy()
    ext, unit_cents = _amounts(q, unit.where(ok), extended.where(ok), ok)
    q = np.where((ext < 0) & (q > 0), -q, q)  # a credit note: a return
    ext = np.where((q < 0) & (ext > 0), -ext, ext)
    base = _converted(ext, np.where(ok, which, 0), rates)
    _outliers(base, q, product, catalog, v)

    ok = v.ok
    exceptions = _exceptions(frame, raw, v, row_number, dedupe, mapping, product)
    for e in exceptions:
        e["raw"].update({"_date_format": date_format or "", "_decimal_comma": str(decimal)})
    product_ids, line_ids, skus = _catalog_columns(product[ok], catalog)

    def text(column: pd.Series):  # the clean rows' texts, kept as the column holds them
        return column[ok].array

    lines = pd.DataFrame({
        "row_number": row_number[ok],
        "dedupe_key": text(dedupe),
        "invoice_number": text(invoice), "invoice_line": text(line),
        "invoice_date": dates[ok].to_numpy(),
        "product_id": product_ids, "product_line_id": line_ids, "sku": skus,
        "quantity": q[ok], "unit_price": unit_cents[ok], "currency": text(currency),
        "extended_amount": ext[ok], "amount": base[ok],
        "end_customer_name": text(raw["end_customer_name"].str.slice(0, 200)),
        "end_customer_country": text(raw["end_customer_country"].str.upper().str.slice(0, 2)),
        "postal_code": text(raw["postal_code"].str.slice(0, 20)),
        "rep_email": text(raw["rep_email"].str.lower().str.slice(0, 254)),
        "reseller_id": reseller[ok] if reseller is not None else np.full(int(ok.sum()), None),
    })
    return Cleaned(lines, exceptions, int(duplicate.sum()), n, date_format, bool(decimal))


def _detected_format(column: pd.Series) -> str | None:
    samples = [x for x in column.unique()[:SAMPLE] if x and not x.isdigit()]
    return detect_date_format(samples) if samples else None


def _skus(column: pd.Series, catalog: Catalog, rules: Rules, v: _Verdicts) -> np.ndarray:
    """The catalog SKU of each line ("" where none): as written, else as the template
    remembers; a near miss (case, spaces, dashes, one typo) is suggested, not taken."""
    found: dict[str, str] = {}
    suggestion: dict[str, str] = {}
    for text in column.unique():
        if text in catalog.products:
            found[text] = text
            continue
        key = sku_key(text)
        if key in rules.sku_aliases and rules.sku_aliases[key] in catalog.products:
            found[text] = rules.sku_aliases[key]
        elif key and (near := _near(key, catalog)):
            suggestion[text] = near
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    skus = np.array([found.get(u, "") for u in uniques], dtype=object)[codes]
    suggested = np.array([suggestion.get(u, "") for u in uniques], dtype=object)[codes]
    missing = (skus == "") & (column != "").to_numpy()
    v.fail(missing & (suggested != ""), "sku_suggestion",
           lambda i: f"Did you mean {suggested[i]}?")
    v.fail(missing, "unknown_sku", lambda i: f"Not a SKU of the catalog: {column.iat[i][:60]}")
    return skus


def _near(key: str, catalog: Catalog) -> str | None:
    if key in catalog.keys:
        return catalog.keys[key]
    match = process.extractOne(key, list(catalog.keys), scorer=Levenshtein.distance,
                               score_cutoff=1)
    return catalog.keys[match[0]] if match else None


def _resellers(column: pd.Series, catalog: Catalog, rules: Rules, v: _Verdicts) -> np.ndarray:
    def partner(text: str) -> int | None:
        key = normalize_name(text) if text else ""
        return rules.reseller_aliases.get(key) or catalog.partners.get(key)

    ids = _mapped(column, partner).to_numpy(dtype=object)
    v.fail(pd.isna(ids) & (column != "").to_numpy(), "unknown_reseller",
           lambda i: f"No partner of ours by this name: {column.iat[i][:80]}")
    return ids


def _rates(currency: pd.Series, dates: pd.Series, day_codes: np.ndarray, days: list,
           catalog: Catalog, v: _Verdicts) -> tuple[np.ndarray, list[Fraction]]:
    """Each line's rate to the base currency on its invoice date, as an index into the list
    of distinct rates returned (-1 where there is none); looked up once per distinct
    (currency, date text): `day_codes` are each line's position in `days`, the dates of the
    distinct texts of the column."""
    currency_codes, currencies = pd.factorize(currency, use_na_sentinel=False)
    width = max(len(days), 1)
    pairs, back = np.unique(currency_codes.astype(np.int64) * width + day_codes,
                            return_inverse=True)
    rates: list[Fraction] = [Fraction(1)]
    index: dict[Fraction, int] = {Fraction(1): 0}
    found = []
    for pair in pairs.tolist():
        cur, day = currencies[pair // width], days[pair % width]
        if cur == catalog.base_currency:
            found.append(0)
            continue
        table = catalog.rates.get(cur, [])
        i = bisect.bisect_right(table, (day, Fraction(10**12))) - 1 \
            if day is not None and not pd.isna(day) else -1
        if i < 0:
            found.append(-1)
            continue
        rate = table[i][1]
        found.append(index.setdefault(rate, len(rates)))
        if index[rate] == len(rates):
            rates.append(rate)
    which = np.array(found, dtype=np.int64)[back.ravel()]
    v.fail((which < 0) & dates.notna().to_numpy(), "no_rate",
           lambda i: f"No {currency.iat[i]} rate on or before {dates.iat[i]}: ask the admin "
                     "to add one.")
    return which, rates


def _converted(cents: np.ndarray, which: np.ndarray, rates: list[Fraction]) -> np.ndarray:
    """cents x each line's rate (`which`: its index in `rates`; 0, the base currency, and -1
    stay as they are), rounded half up (away from zero), over whole columns at once; exact
    (Python integers for a line where int64 could overflow)."""
    out = cents.copy()
    converted = which >= 1
    if not converted.any():
        return out
    if max(max(r.numerator, r.denominator) for r in rates) >= 2**62:
        for i in np.flatnonzero(converted):  # rates no int64 holds: rare enough
            out[i] = convert(int(cents[i]), rates[which[i]])
        return out
    numerators = np.array([r.numerator for r in rates], dtype=np.int64)[which[converted]]
    denominators = np.array([r.denominator for r in rates], dtype=np.int64)[which[converted]]
    part = cents[converted]
    size = np.abs(part)
    fits = size <= (2**62 - 1) // numerators  # size x numerator < 2**62
    q, r = np.divmod(np.where(fits, size, 0) * numerators, denominators)
    q = q + (2 * r >= denominators)
    values = np.sign(part) * q
    for j in np.flatnonzero(~fits):
        values[j] = convert(int(part[j]), rates[which[converted][j]])
    out[converted] = values
    return out


def _amounts(q: np.ndarray, unit: pd.Series, extended: pd.Series, ok: np.ndarray):
    """Extended and unit cents: the extended amount as given, else unit x quantity; the unit
    price as given, else extended / quantity (rounded half up)."""
    has_ext = extended.notna().to_numpy()
    has_unit = unit.notna().to_numpy()
    u = unit.fillna(0).astype("int64").to_numpy()
    e = extended.fillna(0).astype("int64").to_numpy()
    ext = np.where(has_ext, e, u * q)
    absq = np.abs(q)
    derived = (np.abs(ext) * 2 + absq) // (2 * absq) * np.sign(ext) * np.sign(q)
    unit_cents = np.where(has_unit, np.abs(u), np.abs(derived))
    return np.where(ok, ext, 0), np.where(ok, unit_cents, 0)


def _outliers(base: np.ndarray, q: np.ndarray, skus: np.ndarray, catalog: Catalog,
              v: _Verdicts) -> None:
    codes, distinct = pd.factorize(skus, use_na_sentinel=False)
    listed = np.array([catalog.products[s][2] if s else 0 for s in distinct],
                      dtype=np.float64)[codes]
    per_unit = np.abs(base) / np.maximum(np.abs(q), 1)
    low, high = OUTLIER_PRICE
    cheap = (listed > 0) & (per_unit < listed * low)
    dear = (listed > 0) & (per_unit > listed * high)
    many = np.abs(q) > OUTLIER_QUANTITY
    v.fail(cheap | dear | many, "outlier",
           "Far from this SKU's usual: check the quantity and the price against the list "
           "price.")


def _exceptions(frame, raw, v: _Verdicts, row_number, dedupe, mapping, skus) -> list[dict]:
    bad = np.flatnonzero((~v.ok) & (v.reason != "duplicate"))
    keys = dedupe.iloc[bad].tolist()
    cells = {f: raw[f].iloc[bad].tolist() for f in FIELDS if f in mapping}
    return [{"row_number": int(row_number[i]), "dedupe_key": keys[j], "reason": v.reason[i],
             "detail": str(v.detail[i])[:300], "raw": {f: cells[f][j] for f in cells}}
            for j, i in enumerate(bad)]


def _catalog_columns(skus: np.ndarray, catalog: Catalog) -> tuple:
    """The product id, product line id and SKU (as the frame would hold it from an array of
    texts) of each of these SKUs of the catalog, looked up once per distinct SKU."""
    if not len(skus):
        return [], [], skus
    codes, distinct = pd.factorize(skus, use_na_sentinel=False)
    found = [catalog.products[s] for s in distinct]
    texts = pd.Series(np.asarray(distinct, dtype=object)).array  # the dtype a frame infers
    return (np.array([f[0] for f in found], dtype=np.int64)[codes],
            np.array([f[1] for f in found], dtype=np.int64)[codes], texts.take(codes))
