"""What a POS line holds and how a file's columns map to it: the fields (close to EDI 867),
which are required, the header spellings distributors and resellers use, and the guess."""

import re
from collections.abc import Sequence

FIELDS = {
    "reseller": "Reseller (distributors' reports)",
    "invoice_number": "Invoice number",
    "invoice_line": "Invoice line",
    "invoice_date": "Invoice date",
    "sku": "SKU",
    "quantity": "Quantity",
    "unit_price": "Unit price",
    "currency": "Currency",
    "extended_amount": "Extended amount",
    "end_customer_name": "End customer",
    "end_customer_country": "End customer country",
    "postal_code": "Postal code",
    "rep_email": "Selling rep's e-mail",
}
REQUIRED = ("invoice_number", "invoice_date", "sku", "quantity")
AMOUNTS = ("unit_price", "extended_amount")  # one of them at least
ALIASES: dict[str, tuple[str, ...]] = {
    "reseller": ("reseller", "resellername", "soldto", "soldtoname", "shipto", "shiptoname",
                 "dealer", "dealername", "customer", "customername", "vartname", "var",
                 "partner", "partnername", "accountname", "resellercompany"),
    "invoice_number": ("invoice", "invoiceno", "invoicenumber", "invoicenum", "invno",
                       "documentnumber", "docno", "billingdocument", "ordernumber", "orderno"),
    "invoice_line": ("line", "lineno", "linenumber", "invoiceline", "invoicelinenumber",
                     "item", "itemno", "position", "pos", "lineitem"),
    "invoice_date": ("invoicedate", "date", "docdate", "documentdate", "billingdate",
                     "shipdate", "transactiondate", "saledate", "datesold", "orderdate"),
    "sku": ("sku", "partnumber", "partno", "vendorpartnumber", "mfrpartnumber", "mpn",
            "productcode", "itemcode", "material", "productsku", "manufacturerpartnumber",
            "vpn"),
    "quantity": ("quantity", "qty", "units", "qtysold", "quantitysold", "shippedqty",
                 "qtyshipped", "unitssold"),
    "unit_price": ("unitprice", "price", "sellprice", "unitsellprice", "netprice",
                   "unitcost", "priceperunit", "resaleprice"),
    "currency": ("currency", "currencycode", "curr", "ccy", "cur"),
    "extended_amount": ("extendedamount", "amount", "extendedprice", "extprice", "total",
                        "netamount", "linetotal", "totalprice", "extendedsales", "sales",
                        "revenue", "value", "linevalue"),
    "end_customer_name": ("endcustomer", "endcustomername", "enduser", "endusername",
                          "enduseraccount", "customerend", "endcustomeraccount"),
    "end_customer_country": ("endcustomercountry", "endusercountry", "country",
                             "countrycode", "shiptocountry"),
    "postal_code": ("postalcode", "zip", "zipcode", "postcode", "endcustomerzip",
                    "enduserzip", "shiptozip"),
    "rep_email": ("repemail", "salesrepemail", "rep", "salesrep", "selleremail",
                  "salespersonemail", "accountmanageremail"),
}
_FOLD = re.compile(r"[^a-z0-9]+")


def fold(header: str) -> str:
    return _FOLD.sub("", str(header).lower())


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """{field: header} for each field a header names (each header used once, the first
    field to claim it in the order of FIELDS)."""
    folded = {fold(h): h for h in headers if str(h).strip()}
    out: dict[str, str] = {}
    used: set[str] = set()
    for field in FIELDS:
        for alias in (field.replace("_", ""), *ALIASES[field]):
            header = folded.get(alias)
            if header is not None and header not in used:
                out[field], used = header, used | {header}
                break
    return out


def unmapped(mapping: dict[str, str], *, distributor: bool) -> list[str]:
    """The required fields the mapping leaves without a column."""
    missing = [f for f in REQUIRED if f not in mapping]
    if not any(f in mapping for f in AMOUNTS):
        missing.append("unit_price or extended_amount")
    if distributor and "reseller" not in mapping:
        missing.append("reseller")
    return missing
