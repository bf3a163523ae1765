"""Leads from a CRM export: Salesforce's and HubSpot's columns found, every bad row named by
line and field while the good ones come in, country names and company domains understood,
the files people really send read (encodings, XLSX) or refused in words, duplicates kept out,
a dry run that writes nothing, the form's refusals, who may import, and the audit trail."""

import csv
import hashlib
import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.errors import PermissionDenied, RuleViolation
from core.exports import safe_cell, to_csv
from core.leads import (
    DuplicateLead,
    TableError,
    create_lead,
    guess_mapping,
    import_leads,
    read_table,
)
from core.leads.desk import erase_contact
from core.leads.fields import NEEDS_CONTACT
from db.models import AuditEvent, Lead
from tests.conftest import NOW, actor_for

SALESFORCE = ("FirstName", "LastName", "Company", "Email", "Country", "State", "PostalCode",
              "Industry", "LeadSource", "Id")
HUBSPOT = ("First Name", "Last Name", "Email", "Country", "State/Region",
           "Associated Company Domain", "Lead Source")
SIMPLE = ("First Name", "Last Name", "Company", "Email", "Country")
MANAGERS = ("admin", "marketing", "channel")
NOT_MANAGERS = ("finance", "exec", "analyst", "p01.admin", "p01.rep1")


def csv_bytes(header, *rows, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def run(db, data: bytes, username: str = "marketing", **kwargs):
    return import_leads(db, actor_for(db, username), read_table(data), now=NOW, **kwargs)


def counts(report) -> tuple[int, int, int, int]:
    return report.rows, report.imported, report.duplicates, report.rejected


def lead_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Lead))


def lead_by_email(db, email: str) -> Lead:
    return db.scalars(select(Lead).where(Lead.email_key == email.lower())).one()


# ---------------------------------------------------------------- columns


def test_a_salesforce_lead_export_comes_in_with_every_column_in_its_field(seeded_db):
    assert guess_mapping(SALESFORCE) == {
        "first_name": 0, "last_name": 1, "company": 2, "email": 3, "country": 4, "state": 5,
        "postal_code": 6, "industry": 7, "source": 8, "source_id": 9}
    data = csv_bytes(SALESFORCE, ["Ada", "Lovelace", "Analytical Engines Ltd",
                                  "ada@engines.co.uk", "United Kingdom", "London", "EC1A 1BB",
                                  "Computer Software", "Web", "00Q5g00000AbCdEFGH"])
    report = run(seeded_db, data)
    assert counts(report) == (1, 1, 0, 0)
    lead = seeded_db.get(Lead, report.lead_ids[0])
    assert (lead.first_name, lead.last_name, lead.company, lead.email, lead.country, lead.state,
            lead.postal_code, lead.industry, lead.source, lead.source_id) == (
        "Ada", "Lovelace", "Analytical Engines Ltd", "ada@engines.co.uk", "GB", "London",
        "EC1A 1BB", "Computer Software", "Web", "00Q5g00000AbCdEFGH")
    assert (lead.region, lead.industry_key, lead.status, lead.company_from_domain) == (
        "EMEA", "Technology", "new", False)


def test_a_hubspot_contact_export_is_named_from_its_associated_company_domain(seeded_db):
    assert guess_mapping(HUBSPOT) == {
        "first_name": 0, "last_name": 1, "email": 2, "country": 3, "state": 4, "website": 5,
        "source": 6}
    data = csv_bytes(HUBSPOT, ["Grace", "Hopper", "grace.hopper@gmail.com", "USA", "Virginia",
                               "acme-robotics.co.uk", "Organic Search"])
    report = run(seeded_db, data)
    assert counts(report) == (1, 1, 0, 0)
    lead = lead_by_email(seeded_db, "grace.hopper@gmail.com")
    assert (lead.company, lead.company_from_domain, lead.domain, lead.country, lead.state,
            lead.source) == ("Acme Robotics", True, "acme-robotics.co.uk", "US", "Virginia",
                             "Organic Search")


def test_a_corrected_mapping_is_honoured_over_the_guess(seeded_db):
    header = ("Company", "Parent Account", "Land", "Work Email")
    data = csv_bytes(header, ["Acme EMEA Sales", "Acme Holding", "Germany", "jo@acme.de"])
    guessed = guess_mapping(header)
    assert guessed == {"company": 0, "email": 3}  # "Land" names no field of ours
    with pytest.raises(TableError, match="needs a country column"):
        run(seeded_db, data)
    with pytest.raises(TableError, match="names no column for 'country'"):
        run(seeded_db, data, mapping={**guessed, "country": 4})
    before = lead_count(seeded_db)
    report = run(seeded_db, data, mapping={"company": 1, "country": 2, "email": 3})
    assert counts(report) == (1, 1, 0, 0)
    assert lead_count(seeded_db) == before + 1
    lead = lead_by_email(seeded_db, "jo@acme.de")
    assert (lead.company, lead.country) == ("Acme Holding", "DE")


# ---------------------------------------------------------------- rows


def test_bad_rows_are_named_by_line_and_field_and_the_good_ones_come_in(seeded_db):
    data = csv_bytes(
        SIMPLE,
        ["Ann", "Good", "Good One GmbH", "ann@goodone.de", "Germany"],  # line 2
        ["Bob", "Nocountry", "Acme", "bob@acme.com", ""],  # 3
        ["Cy", "Narnian", "Acme", "cy@acme.com", "Narnia"],  # 4
        ["Di", "Nobody", "", "", "France"],  # 5
        [],  # 6: a blank line, skipped but counted as the spreadsheet shows it
        ["Ed", "Long", "x" * 10_000, "ed@long.com", "Spain"],  # 7
        ["Flo", "Badmail", "Acme", "flo-at-acme.com", "US"],  # 8
        ["Gus", "Good", "Good Two Ltd", "gus@goodtwo.co.uk", "UK"],  # 9
    )
    before = lead_count(seeded_db)
    report = run(seeded_db, data)
    assert counts(report) == (7, 2, 0, 5)
    assert report.rows == report.imported + report.duplicates + report.rejected
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "country"), (4, "country"), (5, "email"), (7, "company"), (8, "email")]
    messages = {e.line: e.message for e in report.errors}
    assert messages[3] == "Give the lead's country."
    assert messages[4].startswith("Not a country we know")
    assert messages[5] == NEEDS_CONTACT
    assert messages[7] == "Company is longer than 200 characters."
    assert messages[8].startswith("Not a valid e-mail address")
    assert lead_count(seeded_db) == before + 2
    assert sorted(seeded_db.scalars(select(Lead.email).where(Lead.id.in_(report.lead_ids)))) \
        == ["ann@goodone.de", "gus@goodtwo.co.uk"]


def test_an_unknown_product_line_is_named_and_a_known_one_is_linked(seeded_db):
    data = csv_bytes(("Email", "Country", "Product Interest"),
                     ["a@acme.com", "DE", "security suite"], ["b@acme.com", "DE", "Toasters"])
    report = run(seeded_db, data)
    assert counts(report) == (2, 1, 0, 1)
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (3, "product_line", "Not a product line of ours: Toasters.")]
    assert lead_by_email(seeded_db, "a@acme.com").product_line_id is not None


def test_country_names_as_people_write_them_become_iso_codes(seeded_db):
    names = {"United States": "US", "USA": "US", "U.S.": "US", "US": "US",
             "United Kingdom": "GB", "UK": "GB", "Great Britain": "GB", "Holland": "NL",
             "Deutschland": "DE", "Ivory Coast": "CI"}
    rows = [[f"C{i}", "Person", "Acme", f"c{i}@acme.com", name]
            for i, name in enumerate(names)]
    report = run(seeded_db, csv_bytes(SIMPLE, *rows))
    assert counts(report) == (10, 10, 0, 0)
    assert {name: lead_by_email(seeded_db, f"c{i}@acme.com").country
            for i, name in enumerate(names)} == names


def test_a_company_e_mail_names_the_company_and_a_free_mail_names_none(seeded_db):
    data = csv_bytes(SIMPLE,
                     ["Jo", "Domain", "", "jo@acme-robotics.co.uk", "GB"],
                     ["Al", "Given", "Initech Inc.", "al@initech-corp.com", "US"],
                     ["Mo", "Gmail", "", "mo.personal@gmail.com", "US"])
    assert counts(run(seeded_db, data)) == (3, 3, 0, 0)
    named = lead_by_email(seeded_db, "jo@acme-robotics.co.uk")
    given = lead_by_email(seeded_db, "al@initech-corp.com")
    free = lead_by_email(seeded_db, "mo.personal@gmail.com")
    assert (named.company, named.company_from_domain, named.domain) == (
        "Acme Robotics", True, "acme-robotics.co.uk")
    assert (given.company, given.company_from_domain, given.domain) == (
        "Initech Inc.", False, "initech-corp.com")
    assert (free.company, free.company_from_domain, free.domain) == ("", False, None)


def test_a_formula_looking_cell_is_kept_as_text_and_neutralised_in_an_export(seeded_db):
    formulas = ['=HYPERLINK("http://x","y")', "+cmd|calc", "@SUM(A1:A9)"]
    data = csv_bytes(SIMPLE, *[["Eve", f"F{i}", text, f"eve{i}@evil.example", "DE"]
                               for i, text in enumerate(formulas)])
    report = run(seeded_db, data)
    assert counts(report) == (3, 3, 0, 0)
    kept = [lead_by_email(seeded_db, f"eve{i}@evil.example").company for i in range(3)]
    assert kept == formulas
    assert [safe_cell(text) for text in kept] == ["'" + text for text in formulas]
    exported = list(csv.reader(io.StringIO(
        to_csv(["Company"], [[text] for text in kept]).decode("utf-8-sig"))))
    assert exported == [["Company"], *[["'" + text] for text in formulas]]


# ---------------------------------------------------------------- files


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_a_csv_in_each_encoding_excel_saves_is_read(encoding):
    data = csv_bytes(("Company", "Country", "Email"), ["Müller GmbH", "Österreich", "a@mueller.at"],
                     encoding=encoding)
    if encoding == "utf-16":
        assert data.startswith((b"\xff\xfe", b"\xfe\xff"))  # Python writes the BOM
    table = read_table(data)
    assert table.headers == ("Company", "Country", "Email")
    assert [row[:2] for row in table.rows] == [["Müller GmbH", "Österreich"]]
    assert table.lines == [2]
    assert table.digest == hashlib.sha256(data).hexdigest()


def test_a_windows_1252_file_imports_its_accents(seeded_db):
    data = csv_bytes(SIMPLE, ["Jürgen", "Müller", "Müller GmbH", "jm@mueller.de", "Deutschland"],
                     encoding="cp1252")
    assert counts(run(seeded_db, data)) == (1, 1, 0, 0)
    lead = lead_by_email(seeded_db, "jm@mueller.de")
    assert (lead.first_name, lead.company, lead.country) == ("Jürgen", "Müller GmbH", "DE")


def _broken_sheet() -> bytes:
    """A workbook whose sheet breaks off in its second row: found only when it is read."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(("Company", "Country"), ("Acme", "DE"))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as broken:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = content[:content.index(b'<row r="2"') + 30]
            broken.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("data, says", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00endobj\n",
     "not a spreadsheet or CSV file (application/pdf)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "not a spreadsheet or CSV file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old Excel (.xls) file: save it as"),
    (xlsx_bytes(("Company", "Country"), ("Acme", "DE"))[:400], "not an Excel workbook"),
    (_broken_sheet(), "Excel workbook cannot be read"),
    ("Company,Country\nA\x81c\x8dme,DE\n".encode("latin-1"), "not UTF-8 or Windows-1252"),
], ids=["pdf", "png", "xls", "truncated-xlsx", "broken-sheet-xlsx", "neither-encoding"])
def test_a_file_that_is_not_a_table_is_refused_in_words(data, says):
    with pytest.raises(TableError, match=says.replace("(", r"\(").replace(")", r"\)")):
        read_table(data)


def test_an_xlsx_workbook_is_read_with_its_numbers_as_text(seeded_db):
    data = xlsx_bytes(("Company", "Country", "Email", "Postal Code"),
                      ("Acme", "FR", "a@acme.fr", 75001),
                      (None, None, None, None),
                      ("Beta", "Narnia", "b@beta.fr", 75002.0),
                      ("Gamma", "Belgique", "g@gamma.be", "1000"))
    report = run(seeded_db, data)
    assert counts(report) == (3, 2, 0, 1)
    assert [(e.line, e.field) for e in report.errors] == [(4, "country")]
    assert (lead_by_email(seeded_db, "a@acme.fr").postal_code,
            lead_by_email(seeded_db, "g@gamma.be").country) == ("75001", "BE")


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"Email,Country\n",
                                  xlsx_bytes(), xlsx_bytes(("Email", "Country"))],
                         ids=["empty", "blank-lines", "header-only", "empty-xlsx",
                              "header-only-xlsx"])
def test_an_empty_or_header_only_file_has_no_rows(seeded_db, data):
    before = lead_count(seeded_db)
    report = run(seeded_db, data)
    assert (*counts(report), report.errors) == (0, 0, 0, 0, ())
    assert lead_count(seeded_db) == before


# ---------------------------------------------------------------- duplicates


def test_the_same_file_imported_again_imports_nothing(seeded_db):
    data = csv_bytes(SALESFORCE,
                     ["A", "One", "Acme", "a@acme.com", "DE", "", "", "", "", "00Q1"],
                     ["B", "Two", "Acme", "", "DE", "", "", "", "", ""],
                     ["C", "Three", "Beta", "c@beta.com", "FR", "", "", "", "", "00Q3"])
    assert counts(run(seeded_db, data)) == (3, 3, 0, 0)
    before = lead_count(seeded_db)
    again = run(seeded_db, data)
    assert counts(again) == (3, 0, 3, 0)
    assert again.lead_ids == ()
    assert lead_count(seeded_db) == before


def test_a_person_twice_in_one_file_counts_once(seeded_db):
    data = csv_bytes(SALESFORCE,
                     ["Jo", "Smith", "Acme", "Jo.Smith@Acme.com", "DE", "", "", "", "", "00QA"],
                     ["Jo", "Smith", "Acme", "jo.smith@acme.com", "DE", "", "", "", "", ""],
                     ["Jo", "S.", "Acme", "jsmith@acme.com", "DE", "", "", "", "", "00QA"],
                     ["Kim", "Lee", "Acme GmbH", "", "Germany", "", "", "", "", ""],
                     ["kim", "lee", "ACME", "", "DE", "", "", "", "", ""])
    report = run(seeded_db, data)
    assert counts(report) == (5, 2, 3, 0)
    assert sorted(seeded_db.scalars(select(Lead.first_name)
                                    .where(Lead.id.in_(report.lead_ids)))) == ["Jo", "Kim"]


def test_several_contacts_at_one_company_are_separate_leads(seeded_db):
    data = csv_bytes(SIMPLE,
                     ["Ann", "Able", "Acme Corp", "ann@acme.com", "US"],
                     ["Ben", "Baker", "Acme Corp", "ben@acme.com", "US"],
                     ["Cat", "Cole", "Acme Corp", "", "US"],
                     ["Dan", "Dale", "Acme Corp", "", "US"],
                     ["", "", "Acme Corp", "info@acme.com", "US"])
    report = run(seeded_db, data)
    assert counts(report) == (5, 5, 0, 0)


def test_the_same_person_without_e_mail_under_another_legal_form_is_a_duplicate(seeded_db):
    first = run(seeded_db, csv_bytes(SIMPLE, ["Jo", "Smith", "Acme GmbH", "", "Germany"]))
    assert counts(first) == (1, 1, 0, 0)
    again = run(seeded_db, csv_bytes(SIMPLE,
                                     ["jo", "smith", "ACME", "", "DE"],  # the same person
                                     ["Jo", "Smith", "Acme GmbH", "", "Austria"],  # elsewhere
                                     ["Jo", "Smith", "Apex GmbH", "", "Germany"]))
    assert counts(again) == (3, 2, 1, 0)


def test_a_source_id_seen_before_is_a_duplicate_whatever_its_e_mail(seeded_db):
    row = ["Jo", "Smith", "Acme", "jo@acme.com", "DE", "", "", "", "", "00Q5g00000XyZ"]
    assert counts(run(seeded_db, csv_bytes(SALESFORCE, row))) == (1, 1, 0, 0)
    moved = [*row[:3], "jo@newjob.com", *row[4:]]
    assert counts(run(seeded_db, csv_bytes(SALESFORCE, moved))) == (1, 0, 1, 0)


def test_an_erased_contact_does_not_block_importing_the_same_person_again(seeded_db):
    data = csv_bytes(SALESFORCE,
                     ["Jo", "Smith", "Acme", "jo@acme.com", "DE", "", "", "", "", "00QE"],
                     ["Kim", "Lee", "Acme", "", "DE", "", "", "", "", ""])
    first = run(seeded_db, data)
    assert counts(first) == (2, 2, 0, 0)
    for lead_id in first.lead_ids:
        erase_contact(seeded_db, actor_for(seeded_db, "marketing"), lead_id, now=NOW)
    again = run(seeded_db, data)
    assert counts(again) == (2, 2, 0, 0)
    assert set(again.lead_ids).isdisjoint(first.lead_ids)


# ---------------------------------------------------------------- dry run


def test_a_dry_run_counts_as_a_real_run_and_writes_nothing(seeded_db):
    seeded = csv_bytes(SIMPLE, ["Old", "Lead", "Acme", "old@acme.com", "DE"])
    run(seeded_db, seeded)
    data = csv_bytes(SIMPLE,
                     ["Old", "Lead", "Acme", "old@acme.com", "DE"],  # duplicate of a kept lead
                     ["New", "Lead", "Acme", "new@acme.com", "DE"],
                     ["New", "Again", "Acme", "NEW@acme.com", "DE"],  # duplicate in the file
                     ["Bad", "Lead", "Acme", "bad@acme.com", "Narnia"])
    leads, events = lead_count(seeded_db), seeded_db.scalar(
        select(func.count()).select_from(AuditEvent))
    dry = run(seeded_db, data, dry_run=True)
    assert (counts(dry), dry.dry_run, dry.lead_ids) == ((4, 1, 2, 1), True, ())
    assert lead_count(seeded_db) == leads
    assert seeded_db.scalar(select(func.count()).select_from(AuditEvent)) == events
    real = run(seeded_db, data)
    assert (counts(real), real.errors) == (counts(dry), dry.errors)
    assert lead_count(seeded_db) == leads + 1


# ---------------------------------------------------------------- the form


def test_the_form_refuses_a_duplicate_naming_the_lead_it_repeats(seeded_db):
    marketing = actor_for(seeded_db, "marketing")
    lead = create_lead(seeded_db, marketing, {"first_name": "Jo", "last_name": "Smith",
                                              "company": "Acme GmbH", "country": "Germany",
                                              "email": "jo@acme.com"}, now=NOW)
    assert (lead.company, lead.country, lead.status) == ("Acme GmbH", "DE", "new")
    nameless = create_lead(seeded_db, marketing, {"first_name": "Kim", "last_name": "Lee",
                                                  "company": "Acme GmbH", "country": "DE"})
    before = lead_count(seeded_db)
    with pytest.raises(DuplicateLead) as by_email:
        create_lead(seeded_db, marketing, {"company": "Other", "country": "US",
                                           "email": "JO@acme.com"})
    assert (by_email.value.lead_id, by_email.value.field) == (lead.id, "email")
    assert f"lead #{lead.id}" in str(by_email.value)
    with pytest.raises(DuplicateLead) as by_name:
        create_lead(seeded_db, actor_for(seeded_db, "channel"),
                    {"first_name": "kim", "last_name": "LEE", "company": "ACME",
                     "country": "de"})
    assert (by_name.value.lead_id, by_name.value.field) == (nameless.id, "company")
    assert f"lead #{nameless.id}" in str(by_name.value)
    assert lead_count(seeded_db) == before


@pytest.mark.parametrize("data, field", [
    ({"company": "Acme", "country": "Narnia"}, "country"),
    ({"company": "Acme", "country": ""}, "country"),
    ({"company": "Acme", "country": "DE", "email": "not-an-email"}, "email"),
    ({"company": "x" * 10_000, "country": "DE"}, "company"),
    ({"first_name": "Jo", "country": "DE"}, "email"),
    ({"company": "Acme", "country": "DE", "website": "not a site"}, "website"),
])
def test_the_form_names_the_bad_field_and_writes_nothing(seeded_db, data, field):
    before = lead_count(seeded_db)
    with pytest.raises(RuleViolation) as raised:
        create_lead(seeded_db, actor_for(seeded_db, "marketing"), data, now=NOW)
    assert raised.value.field == field
    assert not isinstance(raised.value, DuplicateLead)
    assert lead_count(seeded_db) == before


# ---------------------------------------------------------------- who, and the trail


@pytest.mark.parametrize("username", MANAGERS + NOT_MANAGERS)
def test_only_admins_marketing_and_channel_managers_bring_leads_in(seeded_db, username):
    data = csv_bytes(SIMPLE, ["Jo", "Smith", "Acme", f"jo.{username}@acme.com", "DE"])
    form = {"company": "Beta", "country": "FR", "email": f"kim.{username}@beta.fr"}
    before = lead_count(seeded_db)
    if username in MANAGERS:
        assert run(seeded_db, data, username=username).imported == 1
        assert create_lead(seeded_db, actor_for(seeded_db, username), form).company == "Beta"
        assert lead_count(seeded_db) == before + 2
        return
    with pytest.raises(PermissionDenied):
        run(seeded_db, data, username=username)
    with pytest.raises(PermissionDenied):
        create_lead(seeded_db, actor_for(seeded_db, username), form)
    assert lead_count(seeded_db) == before


def test_each_import_writes_one_audit_event_with_the_files_hash(seeded_db):
    files = [csv_bytes(SIMPLE, ["A", "A", "Acme", "a@acme.com", "DE"],
                       ["B", "B", "Acme", "b@acme.com", "Narnia"]),
             csv_bytes(SIMPLE, *[[f"P{i}", "X", "Beta", f"p{i}@beta.com", "FR"]
                                 for i in range(5)])]
    reports = [run(seeded_db, data) for data in files]
    events = seeded_db.scalars(select(AuditEvent).where(AuditEvent.action == "lead.import")
                               .order_by(AuditEvent.id)).all()
    assert [(e.after["file_sha256"], e.after["rows"], e.after["imported"], e.after["rejected"],
             e.after["import_id"], e.actor_label) for e in events] == [
        (hashlib.sha256(data).hexdigest(), r.rows, r.imported, r.rejected, r.import_id,
         "marketing") for data, r in zip(files, reports, strict=True)]
    assert [r.imported for r in reports] == [1, 5]
    # The same file again adds nothing, and the audit log still says it was brought in.
    again = run(seeded_db, files[0])
    last = seeded_db.scalars(select(AuditEvent).where(AuditEvent.action == "lead.import")
                             .order_by(AuditEvent.id.desc())).first()
    assert (again.imported, last.after["duplicates"], last.after["import_id"]) == (
        0, 1, again.import_id)


def test_a_salesforce_report_export_is_guessed_too():
    """A Salesforce *report* names its columns otherwise than the lead export."""
    headers = ("First Name", "Last Name", "Company / Account", "Email", "Mailing Country",
               "Mailing State/Province", "Mailing Zip/Postal Code")
    assert guess_mapping(headers) == {"first_name": 0, "last_name": 1, "company": 2,
                                      "email": 3, "country": 4, "state": 5,
                                      "postal_code": 6}
