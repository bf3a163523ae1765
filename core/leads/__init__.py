"""Lead distribution (issue #17): leads in by form, file or command line; routing by territory,
expertise, tier and performance with every decision explained; partners' answers within a
deadline; recycling to the next partner; reports. See each module's docstring."""

from core.leads.answers import (
    accept_lead,
    convert_lead,
    disqualify_lead,
    hand_over,
    prefilled_deal,
    reject_lead,
)
from core.leads.desk import assign_lead, disqualify_queued, erase_contact, return_lead
from core.leads.fields import LABELS as FIELD_LABELS
from core.leads.importer import (
    ALIASES,
    ImportReport,
    RowError,
    Table,
    TableError,
    guess_mapping,
    import_leads,
    read_table,
)
from core.leads.intake import DuplicateLead, create_lead, rename_company
from core.leads.records import (
    LeadOut,
    LeadPage,
    OfferOut,
    get_lead,
    list_leads,
    offer_history,
    teammates,
)
from core.leads.recycling import RecycleReport, recycle_lapsed
from core.leads.reports import PartnerLeadStats, QueueCounts, lead_stats, queue_counts
from core.leads.routing import Placement, RoutingReport, explain, route_leads
from core.leads.settings import (
    DEFAULT_WEIGHTS,
    FACTORS,
    SETTINGS,
    lead_setting,
    routing_weights,
    set_routing,
)
from core.leads.status import (
    DISQUALIFY_REASONS,
    OFFER_LABELS,
    REJECT_REASONS,
    STATUS_LABELS,
    LeadStatus,
    OfferStatus,
)

__all__ = [
    "ALIASES", "DEFAULT_WEIGHTS", "DISQUALIFY_REASONS", "FACTORS", "FIELD_LABELS",
    "OFFER_LABELS", "REJECT_REASONS", "SETTINGS", "STATUS_LABELS",
    "DuplicateLead", "ImportReport", "LeadOut", "LeadPage", "LeadStatus", "OfferOut",
    "OfferStatus", "PartnerLeadStats", "Placement", "QueueCounts", "RecycleReport",
    "RoutingReport", "RowError", "Table", "TableError",
    "accept_lead", "assign_lead", "convert_lead", "create_lead", "disqualify_lead",
    "disqualify_queued", "erase_contact", "explain", "get_lead", "guess_mapping", "hand_over",
    "import_leads", "lead_setting", "lead_stats", "list_leads", "offer_history",
    "prefilled_deal", "queue_counts", "read_table", "recycle_lapsed", "rename_company",
    "reject_lead", "return_lead", "route_leads", "routing_weights", "set_routing", "teammates",
]
