"""`python -m core.crm import FILE... [--dry-run]` on files shaped as Salesforce and HubSpot
write them (seed/crm_samples, which the demo imports too): Salesforce's BOM, quoted cells,
18- and 15-character ids that differ only in case, ISO moments, a compound address as JSON in
one cell and a street over two lines; HubSpot's country names, "www." domains and companies
without a domain, joined by a record id. Rows that cannot be joined, or whose country cannot
be read, are rejected with their reason; a second run changes nothing; a saved mapping reads
custom fields."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.crm.__main__ import main as crm_cli
from core.crm.imports import salesforce_id18
from core.crm.mappings import save_mapping
from core.deals.conflicts import deal_check
from core.deals.direct import upsert_direct_opportunities
from core.settings import get_settings
from db.models import AuditEvent, DealEvent, DealRegistration, DirectOpportunity, Partner
from db.session import make_engine, unit_of_work
from tests.conftest import actor_for

pytestmark = pytest.mark.usefixtures("backend")
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "seed" / "crm_samples"  # the demo imports these too
SF = [DATA / "salesforce_Account.csv", DATA / "salesforce_Opportunity.csv"]
HS = [DATA / "hubspot-crm-exports-all-companies-2026-11-28.csv",
      DATA / "hubspot-crm-exports-all-deals-2026-11-28.csv"]
KEYS = ["rows", "imported", "updated", "unchanged", "rejected", "errors"]


@pytest.fixture
def cli(database_url, monkeypatch, capsys):
    monkeypatch.setenv("PRM_DATABASE_URL", database_url)
    get_settings.cache_clear()

    def run(*args) -> tuple[int, dict]:
        code = crm_cli(["import", *map(str, args)])
        out = capsys.readouterr().out
        assert out.endswith("\n") and len(out.splitlines()) == 1, out
        return code, json.loads(out)

    yield run
    get_settings.cache_clear()


def opportunities(url: str) -> dict[str, tuple]:
    engine = make_engine(url)
    try:
        with Session(engine) as db:
            return {o.external_id: (o.account_name, o.country, o.status, str(o.amount),
                                    o.close_date.isoformat(), o.domain)
                    for o in db.scalars(select(DirectOpportunity))}
    finally:
        engine.dispose()


def test_salesforce_accounts_and_opportunities_join_by_account_id(cli, database_url):
    code, out = cli(*SF)
    assert (code, list(out)) == (0, KEYS)
    assert (out["rows"], out["imported"], out["updated"], out["unchanged"],
            out["rejected"]) == (7, 5, 0, 0, 2)
    assert out["errors"] == [
        {"file": "salesforce_Opportunity.csv", "line": 7,
         "message": "Account 0015g00000Zz9Zz is not in the Account export."},
        {"file": "salesforce_Opportunity.csv", "line": 8,
         "message": "The company's country 'Atlantis' cannot be read."}]
    got = opportunities(database_url)
    # A 15-character AccountId joins its 18-character Id, not the one differing in case.
    assert got["0065g00000XyZ01AAB"] == ("Hartwell Logistics Inc.", "US", "open", "125000.00",
                                         "2027-01-29", "hartwell-logistics.example")
    # BillingCountry empty: the country is read from the JSON address.
    assert got["0065g00000XyZ02AAB"][:3] == ("Hartwell Logistik GmbH", "DE", "won")
    # An ISO moment as the close date, "UK" for Britain, Closed Lost by IsClosed and IsWon.
    assert got["0065g00000XyZ03AAB"][1:5] == ("GB", "lost", "40000.50", "2026-09-30")
    assert got["0065g00000XyZ04AAB"][1] == "NL"  # Holland
    assert got["0065g00000XyZ05AAB"][1] == "CZ"  # Czech Republic, the older name
    assert len(got) == 5


def test_hubspot_companies_and_deals_join_by_domain_or_record_id(cli, database_url):
    code, out = cli(*HS)
    assert code == 0 and (out["rows"], out["imported"], out["rejected"]) == (6, 4, 2)
    deals = HS[1].name
    assert out["errors"] == [
        {"file": deals, "line": 6,
         "message": "The deal names no company domain to find its company by."},
        {"file": deals, "line": 7,
         "message": "No company with the domain 'elsewhere.example' is in the companies "
                    "export."}]
    got = opportunities(database_url)
    assert got["18001001"][:3] == ("Quillfeather Publishing", "US", "open")
    assert got["18001002"][:3] == ("Lindqvist Maskin AB", "SE", "won")  # www. domain
    assert got["18001003"][:4] == ("Kouassi Agro SARL", "CI", "lost", "12000.00")
    assert got["18001004"][:2] == ("Hanbit Semicon", "KR")  # no domain: by record id
    assert got["18001001"][4] == "2027-01-15"  # "2027-01-15 00:00"


def test_a_dry_run_counts_as_a_run_and_a_second_run_changes_nothing(cli, database_url):
    code, dry = cli(*SF, *HS, "--dry-run")
    assert code == 0 and opportunities(database_url) == {}
    code, real = cli(*HS, *SF)  # in any order
    assert code == 0 and (real["rows"], real["imported"], real["rejected"]) == (13, 9, 4)
    assert {k: v for k, v in dry.items() if k != "errors"} == \
        {k: v for k, v in real.items() if k != "errors"}
    code, again = cli(*SF, *HS)
    assert (again["imported"], again["updated"], again["unchanged"]) == (0, 0, 9)


def test_unreadable_or_unrecognised_files_exit_2_and_write_nothing(cli, database_url,
                                                                    tmp_path):
    odd = tmp_path / "notes.csv"
    odd.write_text("Subject,Body\nhello,world\n")
    code, out = cli(*SF, odd)
    assert code == 2 and list(out) == ["error"] and out["error"].startswith("notes.csv: not")
    code, out = cli(*SF, tmp_path / "missing.csv")
    assert code == 2 and "missing.csv" in out["error"]
    assert opportunities(database_url) == {}


def test_the_process_prints_one_line_and_logs_on_stderr(database_url, tmp_path):
    done = subprocess.run([sys.executable, "-m", "core.crm", "import", *map(str, SF)],
                          cwd=ROOT, env={"PRM_DATABASE_URL": database_url,
                                         "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 1
    assert json.loads(done.stdout)["imported"] == 5
    assert "salesforce_Opportunity.csv: salesforce_opportunities" in done.stderr


def test_saved_mappings_read_custom_fields_and_a_partners_own_deal_is_no_conflict(
        seeded, database_url, cli, tmp_path):
    from core.deals import register_deal
    from tests.deals.test_deals import form

    with unit_of_work(seeded) as db:
        mine = register_deal(db, actor_for(db, "p02.admin"), form(
            db, company="Hartwell Logistics", website="hartwell-logistics.example"))
        other = register_deal(db, actor_for(db, "p03.admin"), form(
            db, company="Van Dijk Installaties", website="vandijk-installaties.example",
            country="NL", state="", contact_email="inkoop@vandijk-installaties.example"))
        partner = db.get(Partner, actor_for(db, "p03.admin").partner_id).name
        admin = actor_for(db, "admin")
        save_mapping(db, admin, {"crm": "salesforce", "column": "Deal_Registration_Id__c",
                                 "field": "registration_id"})
        save_mapping(db, admin, {"crm": "salesforce", "column": "Partner__c",
                                 "field": "partner"})
    opps = SF[1].read_text(encoding="utf-8-sig").splitlines()
    header = opps[0] + ',"Deal_Registration_Id__c","Partner__c"'
    rows = [opps[1] + f',"{mine.id}",""', opps[2] + f',"",{json.dumps(partner)}',
            opps[4] + ',"",""', opps[5] + ',"999999",""', opps[3] + ',"","Nobody Ltd"']
    custom = tmp_path / "Opportunity.csv"
    custom.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    code, out = cli(SF[0], custom)
    assert code == 0 and (out["imported"], out["rejected"]) == (3, 2), out
    assert [e["message"] for e in out["errors"]] == [
        "No deal registration '999999' is ours.", "No partner is named 'Nobody Ltd'."]
    with Session(seeded) as db:
        linked = db.scalar(select(DirectOpportunity).where(
            DirectOpportunity.external_id == "0065g00000XyZ01AAB"))
        assert (linked.registration_id, linked.partner_id) == (mine.id, mine.partner_id)
        # The open opportunity for Hartwell is the vendor's record of p02's registration: it
        # flags no deal; the one for Van Dijk (no custom fields) sends p03's to the desk.
        flagged = db.scalars(select(DealEvent.deal_id).where(DealEvent.text.like(
            "Direct opportunity %"))).all()
        assert flagged == [other.id]
        assert db.get(DealRegistration, mine.id).status == mine.status.value
        assert db.get(DealRegistration, other.id).status == "under_review"
        with_partner = db.scalar(select(DirectOpportunity.partner_id).where(
            DirectOpportunity.external_id == "0065g00000XyZ02AAB"))
        assert with_partner == other.partner_id
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "direct_import.crm")) == 1
    # An upsert that does not name the partner (the API's, a file without the field) keeps
    # the tag: p02's own registration stays no conflict of the opportunity.
    with unit_of_work(seeded) as db:
        upsert_direct_opportunities(db, actor_for(db, "admin"), [{
            "external_id": "0065g00000XyZ01AAB", "account_name": "Hartwell Logistics Inc.",
            "website": "hartwell-logistics.example", "country": "US", "name": "Renamed",
            "amount": "125000", "close_date": "2027-01-29"}])
        kept = db.scalar(select(DirectOpportunity).where(
            DirectOpportunity.external_id == "0065g00000XyZ01AAB"))
        assert (kept.name, kept.registration_id) == ("Renamed", mine.id)
        found = deal_check(db, db.get(DealRegistration, mine.id))
        assert not [f for f in found if f.direct is not None and f.direct.id == kept.id]


def test_our_own_columns_are_not_taken_for_a_salesforce_account_export(cli, database_url,
                                                                        tmp_path):
    ours = tmp_path / "pipeline.csv"
    ours.write_text("id,account,website,country,name,amount,close date\n"
                    "OPP-1,Contoso Ltd,contoso.example,GB,Contoso upgrade,5000,2027-02-01\n")
    code, out = cli(ours)
    assert (code, out["rows"], out["imported"]) == (0, 1, 1)
    assert opportunities(database_url)["OPP-1"][:2] == ("Contoso Ltd", "GB")


def test_salesforce_ids_become_18_characters():
    assert salesforce_id18("001A0000006Vm9r") == "001A0000006Vm9rIAC"  # Salesforce's example
    assert salesforce_id18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"


def test_the_export_command_writes_a_crms_csv_or_says_why_not(seeded, database_url,
                                                              monkeypatch, capsys, tmp_path):
    from core.deals import register_deal
    from tests.deals.test_deals import form

    with unit_of_work(seeded) as db:
        deal = register_deal(db, actor_for(db, "p02.admin"), form(db, company="Exported Co"))
    monkeypatch.setenv("PRM_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        out = tmp_path / "opps.csv"
        assert crm_cli(["export", "deals", "--crm", "salesforce", "--output", str(out)]) == 0
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        assert [(r["Deal_Registration_Id__c"], r["Account_Name__c"]) for r in rows] == [
            (str(deal.id), "Exported Co")]
        assert crm_cli(["export", "leads", "--crm", "hubspot", "--since", "soon"]) == 2
        assert json.loads(capsys.readouterr().out)["error"].startswith("--since 'soon'")
    finally:
        get_settings.cache_clear()
