"""Demo CRM data: the field mappings a Salesforce team saves for its custom fields, and the
vendor's direct pipeline imported from the sample exports in seed/crm_samples (a Salesforce
Account + Opportunity pair and a HubSpot companies + deals pair, shaped as those CRMs write
them; a newcomer can upload them on "Direct opportunities" to see the preview and the rows
rejected with their reasons)."""

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from core.actor import Actor
from core.crm.imports import prepare
from core.crm.mappings import save_mapping
from core.deals.direct import upsert_direct_opportunities

SAMPLES = Path(__file__).parent / "crm_samples"
MAPPINGS = (("salesforce", "Partner__c", "partner"),
            ("salesforce", "Deal_Registration_Id__c", "registration_id"))


def sample_files() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(SAMPLES.glob("*.csv"))]


def seed_crm(db: Session, *, now: datetime) -> None:
    actor = Actor.system("demo-seed")
    for crm, column, field in MAPPINGS:
        save_mapping(db, actor, {"crm": crm, "column": column, "field": field}, now=now)
    prepared = prepare(db, sample_files())
    upsert_direct_opportunities(db, actor, prepared.rows, now=now)
