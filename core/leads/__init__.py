"""Lead distribution (issue #17): leads in by form, file or command line; routing by territory,
expertise, tier and performance with every decision explained; partners' answers within a
deadline; recycling. See each module's docstring."""

from core.leads.importer import (
    ImportReport,
    RowError,
    Table,
    TableError,
    guess_mapping,
    import_leads,
    read_table,
)
from core.leads.intake import DuplicateLead, create_lead, rename_company
from core.leads.records import LeadOut, LeadPage, get_lead, list_leads
from core.leads.status import (
    DISQUALIFY_REASONS,
    OFFER_LABELS,
    REJECT_REASONS,
    STATUS_LABELS,
    LeadStatus,
    OfferStatus,
)

__all__ = [
    "DISQUALIFY_REASONS", "OFFER_LABELS", "REJECT_REASONS", "STATUS_LABELS",
    "DuplicateLead", "ImportReport", "LeadOut", "LeadPage", "LeadStatus", "OfferStatus",
    "RowError", "Table", "TableError",
    "create_lead", "get_lead", "guess_mapping", "import_leads", "list_leads", "read_table",
    "rename_company",
]
