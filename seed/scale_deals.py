"""Scale deal data: end customers, deal registrations and direct opportunities in bulk.

Made for the conflict-check bench and the revenue and tier benches: by default 300,000 end
customers with realistic company names (surnames, places, industry words and legal suffixes
that fit the country, accents and umlauts included), 1,000,000 registrations of them typed the
way partners type (case, legal suffix dropped, added or spelled otherwise, "&" / "and",
abbreviations, one-letter typos, a generic word more or less, now and then a web address) and
20,000 direct opportunities imported from the CRM. Customers repeat with a skewed (Zipf-like)
number of registrations, by several partners, over the last three years; partners differ as
much (log-normal activity), so their trailing-12-month won revenue runs from nothing to
several millions.

Every row is what the services would have written (register_deal, the desk, the jobs, the
direct import), with these shortcuts:

- No deal events, audit events or notifications are written: only the rows the conflict
  check, the desk lists and the revenue reads touch.
- The first filing of a customer (registration or direct opportunity) carries its name exactly
  as the end-customer record does; later filings typed otherwise are filed under the same
  record, as they are once the desk has merged duplicate records. The index of names
  (end_customer_keys) holds core.matching.retrieval_keys of every name a customer was filed
  under.
- Statuses are drawn from a fixed mix first and their timeline second (open ones recent,
  closed ones over three years, more of them lately). Partners mostly register customers no
  open filing claims; the match verdict of a registration says whether another filing of its
  customer was open when it came in: "conflict" (score 90-100) for the same domain, the same
  normalized name or a name score of 90 or more, "possible" (80) otherwise.

Rows go in by bulk load (COPY on PostgreSQL, the driver's executemany on SQLite) with the
secondary indexes dropped and built again afterwards, then ANALYZE. Deterministic for a given
`now`: random.Random with fixed seeds, and word lists from the installed Faker version."""

import bisect
import json
import math
import multiprocessing
import random
import re
import string
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate

from anyascii import anyascii
from sqlalchemy import JSON, func, select, text
from sqlalchemy.orm import Session

from core.customers import company_domain, normalize_name, region_for
from core.deals.schemas import add_months
from core.matching import (
    CONFLICT_AT,
    GENERIC,
    key_from_form,
    name_form,
    name_key,
    name_similarity,
    retrieval_keys,
)
from db.models import (
    DealRegistration,
    DirectOpportunity,
    EndCustomer,
    EndCustomerKey,
    Partner,
    ProductLine,
    Tier,
    User,
)
from db.types import Money
from seed.deals import CONFLICT_REJECTION, FREE_MAIL, LOSSES, REJECTIONS, TLD

SEED = 7_100_007
DAY = 86_400.0
HISTORY_DAYS = 3 * 365
EXTENSION_DAYS = 30
BATCH = 5_000
POOL_THRESHOLD = 20_000  # distinct names; fewer are keyed in this process
POSSIBLE_SCORE = 80

COUNTRY_WEIGHTS = {"US": 30, "CA": 5, "GB": 10, "DE": 10, "FR": 7, "NL": 4, "SE": 3, "AU": 5,
                   "JP": 4, "SG": 2, "IN": 6, "BR": 6, "MX": 5, "AR": 3}
STATUS_MIX = {"won": 25, "lost": 15, "expired": 18, "rejected": 5, "withdrawn": 2,
              "merged": 1.6, "approved": 20, "submitted": 7, "under_review": 5, "more_info": 2}
REGION_WEIGHTS = {"NA": 35, "EMEA": 34, "APAC": 17, "LATAM": 14}  # as COUNTRY_WEIGHTS
REPEAT_TRIES = 8
BUSY_ACCEPT = 0.05  # a repeat registration of a customer another filing claims: kept or not
VARIANTS = 4  # ways one company is typed, besides its own name
PENDING = ("submitted", "under_review", "more_info")
OPEN = (*PENDING, "approved")
STAGES = ("prospecting", "qualification", "proposal", "negotiation", "commit")
TITLES = ("IT Director", "CIO", "CTO", "Head of IT", "IT Manager", "Procurement Manager",
          "VP Operations", "Security Lead", "Infrastructure Architect", "CFO", "Owner",
          "Operations Manager", "Data Platform Lead", "Purchasing Officer")
NEEDS = ("Replacing a legacy system", "Expansion to a second site", "New greenfield project",
         "Consolidating three vendors", "Compliance project", "Migration to the cloud",
         "Renewal with an upgrade", "Pilot for one department")
OWNERS = tuple(f"ae{i:02d}@vendor.example" for i in range(1, 61))
STATES = {
    "US": ("California", "Texas", "New York", "Florida", "Illinois", "Pennsylvania", "Ohio",
           "Georgia", "North Carolina", "Michigan", "New Jersey", "Virginia", "Washington",
           "Arizona", "Massachusetts", "Tennessee", "Indiana", "Colorado", "Minnesota",
           "Oregon"),
    "CA": ("Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Nova Scotia"),
    "AU": ("New South Wales", "Victoria", "Queensland", "Western Australia",
           "South Australia"),
    "DE": ("Bayern", "Baden-Württemberg", "Nordrhein-Westfalen", "Hessen", "Niedersachsen",
           "Berlin", "Hamburg", "Sachsen"),
    "IN": ("Maharashtra", "Karnataka", "Tamil Nadu", "Delhi", "Telangana", "Gujarat"),
    "BR": ("São Paulo", "Rio de Janeiro", "Minas Gerais", "Paraná", "Rio Grande do Sul"),
    "MX": ("Ciudad de México", "Jalisco", "Nuevo León", "Puebla", "Querétaro"),
}

# ---------------------------------------------------------------- words

NATURE = (
    "Oak", "Pine", "Cedar", "Maple", "Willow", "Birch", "Aspen", "River", "Lake", "Harbor",
    "Bay", "Summit", "Ridge", "Valley", "Canyon", "Meadow", "Prairie", "Granite", "Stone",
    "Iron", "Silver", "Golden", "Blue", "Red", "Green", "North", "Northern", "Pacific",
    "Atlantic", "Coastal", "Highland", "Lakeside", "Riverside", "Evergreen", "Sunrise",
    "Sunset", "Horizon", "Pioneer", "Frontier", "Liberty", "Heritage", "Crescent", "Falcon",
    "Eagle", "Hawk", "Wolf", "Bear", "Fox", "Lion", "Phoenix", "Orion", "Atlas", "Apex",
    "Vertex", "Zenith", "Polar", "Alpine", "Arctic", "Crystal", "Diamond", "Emerald",
    "Sapphire", "Cobalt", "Copper", "Bright", "Swift", "Keystone", "Cornerstone",
    "Lighthouse", "Beacon", "Compass", "Anchor", "Harvest", "Orchard", "Greenfield",
    "Fairview", "Brookside", "Westfield", "Oakwood", "Pinecrest", "Redwood", "Blackstone",
    "Whitewater", "Clearwater", "Bluewater", "Stonebridge", "Ironwood", "Kingsley", "Windsor",
    "Camden", "Hudson", "Dakota", "Sierra", "Cascade", "Tahoe", "Everest", "Olympus",
    "Sequoia", "Magnolia", "Juniper", "Hickory", "Sycamore", "Cypress", "Laurel", "Thistle",
    "Heather", "Bramble", "Marble", "Slate", "Quarry", "Mesa", "Delta", "Tundra", "Glacier",
    "Timber", "Meridian", "Equinox", "Solstice", "Aurora", "Nimbus", "Cirrus", "Monsoon",
    "Trident", "Sentinel", "Vanguard", "Paragon", "Pinnacle", "Citadel", "Bastion",
    "Harborview", "Seaside", "Bayside", "Hillcrest", "Lakeview", "Parkside", "Southgate",
    "Eastwood", "Northgate", "Kingsbridge", "Ashford", "Bradford", "Sterling", "Carlton",
)
EN_INDUSTRY = (
    "Logistics", "Dental", "Foods", "Engineering", "Pharmaceuticals", "Construction",
    "Motors", "Insurance", "Capital", "Realty", "Textiles", "Plastics", "Analytics",
    "Robotics", "Energy", "Solar", "Biotech", "Media", "Health", "Healthcare", "Medical",
    "Clinic", "Bank", "Financial", "Advisors", "Legal", "Accounting", "Architects",
    "Builders", "Roofing", "Plumbing", "Electric", "Manufacturing", "Machinery", "Tools",
    "Steel", "Metals", "Chemicals", "Paper", "Packaging", "Printing", "Publishing", "Apparel",
    "Furniture", "Hardware", "Software", "Networks", "Telecom", "Communications", "Aviation",
    "Marine", "Shipping", "Freight", "Transport", "Trucking", "Automotive", "Farms", "Dairy",
    "Bakery", "Brewing", "Beverages", "Wines", "Hotels", "Resorts", "Restaurants", "Catering",
    "Retail", "Outfitters", "Pharmacy", "Laboratories", "Diagnostics", "Imaging", "Security",
    "Data", "Cloud", "Consulting", "Staffing", "Academy", "Utilities", "Water", "Mining",
    "Minerals", "Lumber", "Semiconductors", "Devices", "Instruments", "Aerospace",
    "Environmental", "Recycling", "Veterinary", "Fitness", "Studios", "Games", "Travel",
    "Mortgage", "Leasing", "Equipment", "Supply", "Distribution", "Wholesale", "Imports",
    "Orthopedics", "Cosmetics", "Optics", "Ceramics", "Glass", "Coatings", "Fabrication",
    "Interiors", "Landscaping", "Properties", "Storage", "Labs", "Technologies", "Systems",
    "Services", "Industries", "Solutions", "Associates", "Partners", "Management",
)
ADJECTIVES = ("First", "United", "National", "Continental", "Premier", "Allied", "General",
              "Advanced", "Integrated", "Superior", "Standard", "Universal", "Consolidated",
              "Mutual", "Royal", "Imperial", "Metropolitan", "Modern", "Precision", "Reliable",
              "Strategic", "Dynamic", "Applied", "Central", "American", "Global", "Regional")
GENERIC_TAIL = ("Group", "Holdings", "Global", "International", "Company", "Corporation",
                "Partners", "Enterprises", "Worldwide", "Ventures")
COINED_HEAD = ("Zen", "Nova", "Vert", "Quan", "Axi", "Lum", "Cor", "Vel", "Tri", "Omni",
               "Hyper", "Inno", "Syn", "Bio", "Geo", "Aero", "Astra", "Nex", "Ver", "Acu",
               "Opti", "Medi", "Info", "Tele", "Inter", "Trans", "Uni", "Multi", "Cyber",
               "Tera", "Veri", "Sol", "Luna", "Terra", "Aqua", "Pyro", "Flex", "Sky", "Sun",
               "Star", "Bright", "Clear", "True", "Pure", "Smart", "Quick", "Rapid", "Net",
               "Micro", "Max", "Mega", "Ultra", "Alpha", "Beta", "Sigma", "Omega", "Kappa",
               "Zeta", "Strata", "Orbi", "Cala", "Fortis", "Valen", "Dura", "Kine", "Holo",
               "Ion", "Mira", "Nimbi", "Pax", "Quor", "Rho", "Sato", "Talo", "Vira")
COINED_TAIL = ("trix", "via", "lytics", "nova", "core", "wave", "link", "logic", "works",
               "soft", "tech", "nex", "gen", "sys", "ify", "ora", "ium", "ex", "io", "ara",
               "ent", "ica", "ity", "on", "os", "ix", "ax", "ova", "ona", "ello", "ant", "is",
               "metrics", "path", "point", "scape", "sphere", "stream", "vista", "ware")
DE_INDUSTRY = ("Logistik", "Maschinenbau", "Bau", "Elektrotechnik", "Versicherungen",
               "Stahlbau", "Metallbau", "Holzbau", "Druckerei", "Brauerei", "Bäckerei",
               "Fleischwaren", "Möbelwerk", "Autohaus", "Spedition", "Immobilien",
               "Steuerberatung", "Energie", "Kliniken", "Apotheke", "Softwarehaus",
               "Werkzeugbau", "Kunststofftechnik", "Lebensmittel", "Handel", "Vertrieb",
               "Anlagenbau", "Gerätebau", "Medizintechnik", "Umwelttechnik",
               "Sicherheitstechnik", "Kältetechnik", "Verpackung", "Textil", "Chemie",
               "Glaswerk", "Papierfabrik", "Mühlenwerke", "Feinmechanik", "Landtechnik",
               "Haustechnik", "Gebäudeservice", "Personalservice", "Systemhaus")
FR_INDUSTRY = ("Transports", "Boulangerie", "Pharmacie", "Garage", "Laboratoires",
               "Électricité", "Menuiserie", "Imprimerie", "Cabinet", "Groupe", "Société",
               "Établissements", "Fromagerie", "Assurances", "Bâtiment", "Plomberie",
               "Constructions", "Distribution", "Informatique", "Conseil", "Hôtellerie",
               "Vignobles", "Maison", "Ateliers", "Chaudronnerie", "Services")
ES_INDUSTRY = ("Constructora", "Distribuidora", "Transportes", "Farmacia", "Industrias",
               "Comercializadora", "Inmobiliaria", "Grupo", "Servicios", "Laboratorios",
               "Alimentos", "Aceros", "Plásticos", "Textiles", "Consultores", "Importadora",
               "Agropecuaria", "Logística", "Seguros", "Clínica", "Hoteles", "Muebles")
PT_INDUSTRY = ("Construtora", "Transportadora", "Distribuidora", "Indústria", "Comércio",
               "Grupo", "Serviços", "Farmácia", "Laboratório", "Alimentos", "Engenharia",
               "Logística", "Seguros", "Metalúrgica", "Têxtil", "Agropecuária", "Clínica",
               "Informática", "Consultoria", "Móveis")
NL_INDUSTRY = ("Logistiek", "Bouw", "Techniek", "Installatietechniek", "Transport", "Groep",
               "Handel", "Metaal", "Schilders", "Vastgoed", "Advies", "Zorg", "Elektro",
               "Machinebouw", "Verhuur", "Tuinen", "Bakkerij", "Automatisering")
SV_INDUSTRY = ("Bygg", "Transport", "Teknik", "El", "Fastigheter", "Konsult", "Mekaniska",
               "Måleri", "Rör", "Data", "Maskin", "Trä", "Livs", "Energi", "Plåt", "Städ",
               "Åkeri", "Verkstad")
JA_WORDS = ("Shoji", "Kogyo", "Denki", "Seiko", "Sangyo", "Kensetsu", "Unyu", "Shokai",
            "Tsusho", "Seiyaku", "Seisakusho", "Kasei", "Denshi", "Kikai", "Shoken",
            "Suisan", "Shokuhin", "Butsuryu", "Kaihatsu", "Koki")
JA_PLACES = ("Tokyo", "Osaka", "Nagoya", "Kyoto", "Kobe", "Yokohama", "Sapporo", "Fukuoka",
             "Sendai", "Hiroshima", "Chiba", "Saitama", "Nippon", "Yamato", "Fuji", "Sakura",
             "Asahi", "Hokuto", "Meiji", "Taisho", "Toyo", "Kanto", "Kansai", "Shinwa",
             "Daiichi", "Chuo", "Tohoku", "Kyushu", "Hokkaido", "Okinawa", "Niigata",
             "Shizuoka", "Kumamoto", "Nara", "Himeji")
SG_SURNAMES = ("Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Chan", "Koh", "Teo",
               "Ang", "Yeo", "Tay", "Ho", "Low", "Toh", "Sim", "Chong", "Chia", "Seah",
               "Phua", "Foo", "Kwek", "Quek", "Pang", "Heng", "Loh", "Soh", "Yap")
EN_CITIES = ("Boston", "Denver", "Austin", "Phoenix", "Dallas", "Portland", "Seattle",
             "Chicago", "Atlanta", "Nashville", "Charlotte", "Columbus", "Tampa", "Omaha",
             "Tulsa", "Raleigh", "Richmond", "Savannah", "Toledo", "Spokane", "Boise",
             "Reno", "Fresno", "Albany", "Hartford", "Dayton", "Madison", "Lincoln",
             "Manchester", "Leeds", "Bristol", "Oxford", "Cambridge", "York", "Bath",
             "Glasgow", "Edinburgh", "Cardiff", "Belfast", "Sheffield", "Norwich", "Exeter",
             "Toronto", "Ottawa", "Calgary", "Halifax", "Victoria", "Sydney", "Melbourne",
             "Brisbane", "Perth", "Adelaide", "Hobart", "Canberra", "Darwin", "Geelong")
FR_CITIES = ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Bordeaux", "Lille",
             "Rennes", "Strasbourg", "Grenoble", "Dijon", "Angers", "Nîmes", "Reims",
             "Le Havre", "Brest", "Tours", "Limoges", "Amiens", "Perpignan", "Metz",
             "Besançon", "Orléans", "Rouen", "Caen", "Nancy", "Avignon", "Poitiers")
ES_PLACES = ("del Norte", "del Pacífico", "del Bajío", "del Centro", "del Sur", "del Golfo",
             "de Occidente", "Monterrey", "Guadalajara", "Puebla", "Querétaro", "Rosario",
             "Córdoba", "Mendoza", "Patagonia", "Andina", "Mexicana", "Argentina",
             "Continental", "Americana", "Peninsular", "Tapatía", "Regiomontana", "Austral")
PT_PLACES = ("Paulista", "Carioca", "Mineira", "Gaúcha", "Baiana", "Brasil", "Nordeste",
             "Sul", "Norte", "Atlântico", "Amazônia", "Campinas", "Curitiba", "Recife",
             "Fortaleza", "Goiânia", "Manaus", "Belém", "Santos", "Joinville")

SUFFIXES: dict[str, dict[str, int]] = {
    "US": {"Inc": 25, "Inc.": 20, "LLC": 20, "Corp": 8, "Corp.": 5, "Co.": 4, "LP": 2, "": 16},
    "CA": {"Inc": 30, "Inc.": 15, "Ltd": 20, "Ltd.": 10, "Corp": 10, "": 15},
    "GB": {"Ltd": 45, "Limited": 20, "PLC": 5, "LLP": 5, "": 25},
    "AU": {"Pty Ltd": 55, "Pty. Ltd.": 15, "Limited": 10, "": 20},
    "SG": {"Pte Ltd": 55, "Pte. Ltd.": 25, "": 20},
    "IN": {"Pvt Ltd": 35, "Private Limited": 25, "Limited": 15, "Pvt. Ltd.": 10, "": 15},
    "DE": {"GmbH": 55, "AG": 10, "GmbH & Co. KG": 15, "KG": 8, "SE": 2, "": 10},
    "FR": {"SAS": 40, "SA": 15, "SARL": 30, "SASU": 5, "": 10},
    "NL": {"B.V.": 50, "BV": 25, "N.V.": 5, "": 20},
    "SE": {"AB": 85, "": 15},
    "JP": {"Co., Ltd.": 40, "KK": 20, "K.K.": 10, "Inc.": 10, "": 20},
    "BR": {"Ltda": 50, "Ltda.": 10, "S.A.": 20, "": 20},
    "MX": {"S.A. de C.V.": 50, "S. de R.L. de C.V.": 15, "S.A.": 10, "": 25},
    "AR": {"S.A.": 45, "S.R.L.": 35, "": 20},
}
# Spellings of one legal form, as partners type them.
SUFFIX_FORMS: tuple[tuple[str, ...], ...] = (
    ("Inc", "Inc.", ", Inc.", ", Inc", "Incorporated", "INC"),
    ("LLC", "L.L.C.", ", LLC", "Llc"),
    ("Corp", "Corp.", "Corporation"),
    ("Co.", "Co", "Company"),
    ("Ltd", "Ltd.", "Limited", "LTD"),
    ("PLC", "plc", "Plc"),
    ("LLP", "L.L.P."),
    ("LP", "L.P."),
    ("Pty Ltd", "Pty. Ltd.", "Pty Limited", "PTY LTD"),
    ("Pte Ltd", "Pte. Ltd.", "Pte Limited"),
    ("Pvt Ltd", "Pvt. Ltd.", "Private Limited", "Pvt. Limited"),
    ("GmbH & Co. KG", "GmbH & Co KG", "GmbH u. Co. KG"),
    ("GmbH", "Gmbh", "G.m.b.H."),
    ("AG", "A.G."),
    ("KG", "K.G."),
    ("SE",),
    ("SASU",),
    ("SAS", "S.A.S.", "S.A.S"),
    ("SARL", "S.A.R.L.", "Sàrl"),
    ("B.V.", "BV", "bv", "B.V"),
    ("N.V.", "NV"),
    ("AB", "Aktiebolag"),
    ("Co., Ltd.", "Co. Ltd", "Co Ltd", "Co., Ltd"),
    ("KK", "K.K.", "Kabushiki Kaisha"),
    ("S.A. de C.V.", "SA de CV", "S.A. de C.V"),
    ("S. de R.L. de C.V.", "S de RL de CV"),
    ("Ltda", "Ltda.", "LTDA"),
    ("S.R.L.", "SRL"),
    ("S.A.", "SA"),
)
_FORM_GROUP = {form: group for group in SUFFIX_FORMS for form in group}
_ALL_FORMS = sorted(_FORM_GROUP, key=len, reverse=True)
ABBREVIATE = {
    "International": ("Intl", "Intl.", "Int'l"), "Corporation": ("Corp", "Corp."),
    "Company": ("Co", "Co."), "Technologies": ("Tech",), "Technology": ("Tech",),
    "Manufacturing": ("Mfg",), "Services": ("Svcs",), "Systems": ("Sys",),
    "Laboratories": ("Labs",), "Associates": ("Assoc",), "Brothers": ("Bros",),
    "Management": ("Mgmt",), "Pharmaceuticals": ("Pharma",), "Communications": ("Comms",),
    "Engineering": ("Eng",), "Industries": ("Inds",), "Holdings": ("Hldgs",),
    "Group": ("Grp",), "Saint": ("St",), "Mount": ("Mt",), "Center": ("Ctr",),
    "National": ("Natl",), "Distribution": ("Dist",), "Insurance": ("Ins",),
    "Financial": ("Fin",), "Electric": ("Elec",), "Mountain": ("Mtn",),
}
EXPAND = {short.rstrip("."): long for long, shorts in ABBREVIATE.items() for short in shorts}
ADD_GENERIC = ("Group", "Global", "Holdings", "International", "Solutions", "Services")
_GENERIC_WORDS = {w.lower() for w in GENERIC}
_KEYBOARD = {c: n for c, n in zip("abcdefghijklmnopqrstuvwxyz",
                                  ("sq", "vn", "xv", "sf", "wr", "dg", "fh", "gj", "uo", "hk",
                                   "jl", "ko", "nk", "bm", "ip", "ol", "wa", "et", "ad", "ry",
                                   "yi", "cb", "qe", "zc", "tu", "xa"), strict=True)}
_SPELL_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                            "ß": "ss"})


def _faker_words() -> dict[str, tuple[str, ...]]:
    """Surnames (and some cities) per country from Faker's locale lists."""
    from faker.providers.address import de_DE as a_de
    from faker.providers.address import en_IN as a_in
    from faker.providers.address import nl_NL as a_nl
    from faker.providers.address import sv_SE as a_sv
    from faker.providers.person import (
        de_DE,
        en_GB,
        en_IN,
        en_US,
        es_AR,
        es_ES,
        es_MX,
        fr_FR,
        ja_JP,
        nl_NL,
        pt_BR,
        sv_SE,
    )

    def names(mod) -> tuple[str, ...]:
        return tuple(n for n in mod.Provider.last_names if re.fullmatch(r"[^\W\d_][\w' -]*", n))

    us, gb = names(en_US), names(en_GB)
    return {
        "US": us, "CA": us + names(fr_FR)[:80], "GB": gb, "AU": gb + us[:300],
        "SG": SG_SURNAMES + gb[:150], "IN": names(en_IN), "DE": names(de_DE),
        "FR": names(fr_FR), "NL": names(nl_NL), "SE": names(sv_SE),
        "JP": tuple(ja_JP.Provider.last_romanized_names), "BR": names(pt_BR),
        "MX": names(es_MX), "AR": names(es_AR) + names(es_ES)[:300],
        "first": tuple(en_US.Provider.first_names),
        "city:DE": tuple(c for c in a_de.Provider.cities if " " not in c),
        "city:NL": tuple(c for c in a_nl.Provider.cities if c[0].isupper() and " " not in c),
        "city:SE": tuple(a_sv.Provider.cities), "city:IN": tuple(a_in.Provider.cities),
    }


# ---------------------------------------------------------------- company names


class NameMaker:
    """Base company names that fit their country: 'Hartmann Logistik GmbH', 'Transports
    Lefèvre SARL', 'Riverside Dental Group Inc', 'Zentrix Analytics LLC'..."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = _faker_words()
        self.coined = [h + t for h in COINED_HEAD for t in COINED_TAIL]
        self.suffixes = {c: (list(s), list(accumulate(s.values()))) for c, s in SUFFIXES.items()}

    def core(self, country: str) -> str:
        rng, w = self.rng, self.words
        lang = {"DE": "de", "FR": "fr", "NL": "nl", "SE": "sv", "JP": "ja", "BR": "pt",
                "MX": "es", "AR": "es"}.get(country, "en")
        if lang != "en" and rng.random() < 0.7:
            return self._local(lang, country)
        last = w[country]
        cities = w.get(f"city:{country}") or EN_CITIES
        roll = rng.random()
        ind = rng.choice(EN_INDUSTRY)
        if roll < 0.30:
            return f"{rng.choice(last)} {ind}"
        if roll < 0.40:
            amp = rng.choice(("&", "&", "and"))
            tail = f" {ind}" if rng.random() < 0.5 else ""
            return f"{rng.choice(last)} {amp} {rng.choice(last)}{tail}"
        if roll < 0.55:
            place = rng.choice(NATURE) if rng.random() < 0.7 else rng.choice(cities)
            return f"{place} {ind}"
        if roll < 0.72:
            coined = rng.choice(self.coined)
            return coined if rng.random() < 0.3 else f"{coined} {ind}"
        if roll < 0.80:
            return f"{rng.choice(NATURE)} {rng.choice(GENERIC_TAIL)}"
        if roll < 0.86:
            head = rng.choice((rng.choice(last), rng.choice(NATURE), rng.choice(self.coined)))
            return f"{head} {ind} {rng.choice(('International', 'Corporation', 'Company'))}"
        if roll < 0.92:
            return f"{rng.choice(ADJECTIVES)} {ind} {rng.choice(GENERIC_TAIL)}"
        if roll < 0.96:
            return f"{rng.choice(last)}'s {ind}"
        initials = "".join(rng.choice("ABCDEFGHJKLMNPRSTW") for _ in range(rng.choice((2, 3))))
        return f"{initials} {ind}"

    def _local(self, lang: str, country: str) -> str:
        rng, w = self.rng, self.words
        last = w[country]
        if lang == "de":
            ind, cities = rng.choice(DE_INDUSTRY), w["city:DE"]
            return rng.choice((
                f"{rng.choice(last)} {ind}", f"{rng.choice(last)} {ind}",
                f"{rng.choice(last)} & {rng.choice(last)}",
                f"{rng.choice(last)} & {rng.choice(('Söhne', 'Sohn', 'Partner'))}",
                f"{rng.choice(cities)} {ind}", f"{rng.choice(cities)}er {ind}",
                f"Gebrüder {rng.choice(last)}", f"{rng.choice(last)}-{ind}"))
        if lang == "fr":
            ind = rng.choice(FR_INDUSTRY)
            return rng.choice((
                f"{ind} {rng.choice(last)}", f"{ind} {rng.choice(last)}",
                f"{rng.choice(last)} et Fils", f"{rng.choice(last)} & Fils",
                f"{ind} de {rng.choice(FR_CITIES)}",
                f"{rng.choice(last)}-{rng.choice(last)}", f"{ind} {rng.choice(NATURE)}"))
        if lang == "es":
            ind = rng.choice(ES_INDUSTRY)
            return rng.choice((
                f"{ind} {rng.choice(last)}", f"{ind} {rng.choice(last)}",
                f"{rng.choice(last)} Hermanos", f"{ind} {rng.choice(ES_PLACES)}",
                f"{rng.choice(last)} y Asociados", f"{rng.choice(last)} {rng.choice(last)}"))
        if lang == "pt":
            ind = rng.choice(PT_INDUSTRY)
            return rng.choice((
                f"{ind} {rng.choice(last)}", f"{ind} {rng.choice(last)}",
                f"{rng.choice(last)} & Filhos", f"{ind} {rng.choice(PT_PLACES)}",
                f"Grupo {rng.choice(last)}", f"{rng.choice(last)} {rng.choice(last)}"))
        if lang == "nl":
            ind = rng.choice(NL_INDUSTRY)
            return rng.choice((
                f"{rng.choice(last)} {ind}", f"{rng.choice(last)} {ind}",
                f"{rng.choice(w['city:NL'])} {ind}", f"{rng.choice(last)} & Zonen",
                f"{rng.choice(last)} & {rng.choice(last)}"))
        if lang == "sv":
            ind = rng.choice(SV_INDUSTRY)
            return rng.choice((
                f"{rng.choice(last)} {ind}", f"{rng.choice(last)}s {ind}",
                f"{rng.choice(w['city:SE'])} {ind}", f"{rng.choice(last)} & {rng.choice(last)}"))
        # ja
        head = rng.choice(last) if rng.random() < 0.5 else rng.choice(JA_PLACES)
        if rng.random() < 0.75:
            return f"{head} {rng.choice(JA_WORDS)}"
        return f"{head} {rng.choice(EN_INDUSTRY)}"

    def suffix(self, country: str) -> str:
        forms, cum = self.suffixes[country]
        return self.rng.choices(forms, cum_weights=cum)[0]

    def name(self, country: str) -> tuple[str, str]:
        """(full name, core without the legal suffix)."""
        core = self.core(country)
        suffix = self.suffix(country)
        if not suffix:
            return core, core
        sep = ", " if suffix.startswith("Inc") and self.rng.random() < 0.2 else " "
        return f"{core}{sep}{suffix}", core


def split_suffix(name: str) -> tuple[str, str, str]:
    """('Acme Widgets', ', ', 'Inc.') for 'Acme Widgets, Inc.'; the suffix is '' if none."""
    for form in _ALL_FORMS:
        bare = form.lstrip(", ")
        if name.endswith(bare) and len(name) > len(bare) + 1:
            head = name[: -len(bare)]
            if head.endswith(", "):
                return head[:-2], ", ", bare
            if head.endswith(" "):
                return head[:-1], " ", bare
    return name, "", ""


def name_variant(name: str, rng: random.Random, *, country: str = "US",
                 domain: str | None = None, kinds: Sequence[str] | None = None) -> str:
    """The same company as another person would type it: case, legal suffix dropped, added
    or spelled otherwise, '&' / 'and', an abbreviation, a one-letter typo, a generic word
    more or less, accents dropped, or (rarely) its web address. May return `name` itself
    when nothing applies."""
    kinds = kinds or VARIANT_KINDS
    for _ in range(6):
        kind = rng.choices(kinds, cum_weights=_variant_cum(kinds))[0]
        out = _VARIANTS[kind](name, rng, country, domain)
        if out and out != name and len(out) <= 200:
            return out
    return name


def _upper(name, rng, country, domain):
    return name.upper()


def _lower(name, rng, country, domain):
    return name.lower()


def _title(name, rng, country, domain):
    return string.capwords(name)


def _suffix_drop(name, rng, country, domain):
    core, _, suffix = split_suffix(name)
    return core if suffix else None


def _suffix_form(name, rng, country, domain):
    core, sep, suffix = split_suffix(name)
    group = _FORM_GROUP.get(suffix) or _FORM_GROUP.get(", " + suffix)
    if not group:
        return None
    typed = ", " + suffix if sep == ", " and ", " + suffix in group else suffix
    form = rng.choice([f for f in group if f != typed] or [typed])
    return f"{core}{form}" if form.startswith(",") else f"{core} {form}"


def _suffix_add(name, rng, country, domain):
    core, _, suffix = split_suffix(name)
    if suffix:
        return None
    forms = [f for f in SUFFIXES.get(country, SUFFIXES["US"]) if f]
    return f"{name} {rng.choice(forms)}"


def _amp(name, rng, country, domain):
    if " & " in name:
        return name.replace(" & ", " and ", 1)
    if " and " in name:
        return name.replace(" and ", " & ", 1)
    if " et " in name:
        return name.replace(" et ", " & ", 1)
    return None


def _abbreviate(name, rng, country, domain):
    words = name.split(" ")
    spots = [i for i, w in enumerate(words) if w.rstrip(",") in ABBREVIATE
             or w.rstrip(",").rstrip(".") in EXPAND]
    if not spots:
        return None
    i = rng.choice(spots)
    word = words[i].rstrip(",")
    comma = "," if words[i].endswith(",") else ""
    words[i] = (rng.choice(ABBREVIATE[word]) if word in ABBREVIATE
                else EXPAND[word.rstrip(".")]) + comma
    return " ".join(words)


def _typo(name, rng, country, domain):
    core, sep, suffix = split_suffix(name)
    words = core.split(" ")
    spots = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()
             and w.lower() not in _GENERIC_WORDS]
    if not spots:
        return None
    i = rng.choice(spots)
    w = words[i]
    pos = rng.randrange(1, len(w))
    op = rng.random()
    if op < 0.3:
        w = w[:pos] + w[pos + 1:]  # a letter left out
    elif op < 0.55 and pos >= 2:
        w = w[:pos - 1] + w[pos] + w[pos - 1] + w[pos + 1:]  # two letters swapped
    elif op < 0.75:
        w = w[:pos] + w[pos] + w[pos:]  # a letter doubled
    else:
        c = w[pos]
        near = rng.choice(_KEYBOARD.get(c.lower(), "e"))
        w = w[:pos] + (near.upper() if c.isupper() else near) + w[pos + 1:]
    words[i] = w
    return " ".join(words) + (f"{sep}{suffix}" if suffix else "")


def _generic_add(name, rng, country, domain):
    core, sep, suffix = split_suffix(name)
    word = rng.choice(ADD_GENERIC)
    if word.lower() in core.lower().split():
        return None
    core = f"Global {core}" if word == "Global" and rng.random() < 0.5 else f"{core} {word}"
    return core + (f"{sep}{suffix}" if suffix else "")


def _generic_drop(name, rng, country, domain):
    core, sep, suffix = split_suffix(name)
    words = core.split(" ")
    drop = [i for i, w in enumerate(words) if w.lower().strip(",.") in _GENERIC_WORDS
            and w.lower() not in ("&", "and")]
    if len(words) < 2 or not drop or len(drop) == len(words):
        return None
    del words[rng.choice(drop)]
    return " ".join(words) + (f"{sep}{suffix}" if suffix else "")


def _the(name, rng, country, domain):
    if country not in ("US", "GB", "CA", "AU") or name.lower().startswith("the "):
        return None
    return f"The {name}"


def _dotted(name, rng, country, domain):
    if not domain:
        return None
    label = domain.split(".")[0]
    return rng.choice((domain, f"www.{domain}", f"{label.capitalize()}.com"))


def _accents(name, rng, country, domain):
    if name.isascii():
        return None
    return name.translate(_SPELL_OUT) if rng.random() < 0.5 else anyascii(name)


def _punctuation(name, rng, country, domain):
    out = name.replace(",", "").replace(".", "") if rng.random() < 0.6 else name.replace("-",
                                                                                          " ")
    return re.sub(r"\s+", " ", out).strip()


_VARIANTS: dict[str, Callable] = {
    "upper": _upper, "lower": _lower, "title": _title, "suffix_drop": _suffix_drop,
    "suffix_form": _suffix_form, "suffix_add": _suffix_add, "amp": _amp,
    "abbreviate": _abbreviate, "typo": _typo, "generic_add": _generic_add,
    "generic_drop": _generic_drop, "the": _the, "dotted": _dotted, "accents": _accents,
    "punctuation": _punctuation,
}
VARIANT_WEIGHTS = {"upper": 10, "lower": 5, "title": 3, "suffix_drop": 15, "suffix_form": 12,
                   "suffix_add": 5, "amp": 5, "abbreviate": 6, "typo": 10, "generic_add": 6,
                   "generic_drop": 4, "the": 2, "dotted": 2, "accents": 5, "punctuation": 5}
VARIANT_KINDS = tuple(VARIANT_WEIGHTS)
_CUM_CACHE: dict[tuple[str, ...], list[float]] = {}


def _variant_cum(kinds: Sequence[str]) -> list[float]:
    kinds = tuple(kinds)
    if kinds not in _CUM_CACHE:
        _CUM_CACHE[kinds] = list(accumulate(VARIANT_WEIGHTS.get(k, 1) for k in kinds))
    return _CUM_CACHE[kinds]


# ---------------------------------------------------------------- keying names


@dataclass(frozen=True)
class Keyed:
    """What the services derive from a typed name."""

    normalized: str  # core.customers.normalize_name
    form: str  # core.matching.name_form(name_key(name))
    keys: tuple[str, ...]  # core.matching.retrieval_keys(name_key(name)), sorted


def key_name(name: str) -> Keyed:
    key = name_key.__wrapped__(name) if hasattr(name_key, "__wrapped__") else name_key(name)
    return Keyed(normalize_name(name), name_form(key), tuple(sorted(retrieval_keys(key))))


def _key_chunk(names: list[str]) -> list[Keyed]:
    return [key_name(n) for n in names]


def _keying_process() -> None:
    """In the keying processes only: name_key normalizes the same text two or three times
    per name; normalize_name is pure, so a memo there gives the same keys in less time."""
    import core.matching

    memo = lru_cache(maxsize=8192)(core.matching.normalize_name)
    core.matching.normalize_name = memo
    globals()["normalize_name"] = memo


def key_names(names: Sequence[str], *, workers: int = 2) -> dict[str, Keyed]:
    """Each distinct name keyed once (0.1 to 0.2 ms each), in `workers` processes when
    there are many."""
    names = list(dict.fromkeys(names))
    if workers <= 1 or len(names) < POOL_THRESHOLD:
        return {n: key_name(n) for n in names}
    chunks = [names[i:i + 4_000] for i in range(0, len(names), 4_000)]
    with multiprocessing.get_context("spawn").Pool(workers, _keying_process) as pool:
        out: dict[str, Keyed] = {}
        for chunk, keyed in zip(chunks, pool.imap(_key_chunk, chunks), strict=True):
            out.update(zip(chunk, keyed, strict=True))
    return out


# ---------------------------------------------------------------- the plan


@dataclass(eq=False)
class _Company:
    name: str
    core: str
    country: str
    domain: str | None
    weight: float
    filings: list = field(default_factory=list)  # _Reg and _Direct, in time order later
    busy: float = 0.0  # until when its latest registration claims it
    directs: list = field(default_factory=list)  # (imported, until) of its direct deals


def _busy(c: _Company, at: float) -> bool:
    return c.busy > at or any(start < at < until for start, until in c.directs)


@dataclass(eq=False, slots=True)
class _Reg:
    company: _Company | None
    partner: int
    status: str
    sub: float
    dec: float | None = None  # decided_at (approval, rejection, merge)
    prot_days: int | None = None
    prot_end: float | None = None
    close: float | None = None  # won / lost
    upd: float = 0.0
    until: float = math.inf  # when it stopped claiming its customer
    ext: str | None = None
    ext_at: float | None = None
    name: str = ""
    website: str | None = None
    email_at: str = ""
    domain: str | None = None
    verdict: str = "clear"
    score: int = 0
    merged_into: "_Reg | None" = None
    decided_by: int | None = None
    id: int = 0


@dataclass(eq=False, slots=True)
class _Direct:
    company: _Company
    status: str
    sub: float  # imported
    close_date: date
    until: float
    name: str = ""
    website: str | None = None
    domain: str | None = None
    id: int = 0


@dataclass(frozen=True)
class _PartnerInfo:
    id: int
    region: str
    users: tuple[int, ...]
    manager: int | None
    protection_days: int
    auto_approve: bool


class _Planner:
    def __init__(self, db: Session, now: datetime):
        self.db = db
        self.now = now.timestamp()
        self.rng = random.Random(SEED)
        self.names = NameMaker(random.Random(SEED + 1))
        self.partners = self._partners()
        self.lines = list(db.scalars(select(ProductLine.id).where(ProductLine.active)
                                     .order_by(ProductLine.id)))
        self.line_names = dict(db.execute(select(ProductLine.id, ProductLine.name)).all())
        self.seen: set[tuple[str, str]] = set()
        self.domains: set[str] = set()

    def _partners(self) -> list[_PartnerInfo]:
        tiers = {t.id: t for t in self.db.scalars(select(Tier))}
        users: dict[int, list[int]] = {}
        for uid, pid in self.db.execute(select(User.id, User.partner_id)
                                        .where(User.partner_id.is_not(None), User.is_active)
                                        .order_by(User.id)):
            users.setdefault(pid, []).append(uid)
        out = []
        for p in self.db.scalars(select(Partner).order_by(Partner.id)):
            if not users.get(p.id):
                continue
            region = (p.regions or [region_for(p.country)])[0]
            tier = tiers[p.tier_id]
            out.append(_PartnerInfo(p.id, region, tuple(users[p.id]), p.channel_manager_id,
                                    tier.deal_protection_days, tier.auto_approve_clear_deals))
        if not out:
            raise RuntimeError("scale deals need partners with users; seed them first")
        return out

    # ------------------------------------------------------------ companies

    def companies(self, count: int, workers: int) -> tuple[list[_Company], dict[str, Keyed]]:
        """`count` companies whose names are distinct once normalized within their country
        (find_or_create would file two such under one record), with their names keyed."""
        out: list[_Company] = []
        keyed: dict[str, Keyed] = {}
        taken: set[tuple[str, str]] = set()
        rounds = 0
        while len(out) < count:
            rounds += 1
            if rounds > 20:
                raise RuntimeError("could not make enough distinct company names")
            batch = self._candidates(int((count - len(out)) * 1.03) + 20)
            keyed.update(key_names([c.name for c in batch], workers=workers))
            for c in batch:
                ident = (c.country, keyed[c.name].normalized)
                if ident in taken or not ident[1]:
                    continue
                taken.add(ident)
                out.append(c)
                if len(out) == count:
                    break
        return out, keyed

    def _candidates(self, count: int) -> list[_Company]:
        rng = self.rng
        countries = list(COUNTRY_WEIGHTS)
        cum = list(accumulate(COUNTRY_WEIGHTS.values()))
        out: list[_Company] = []
        attempts = 0
        while len(out) < count and attempts < count * 20 + 1000:
            attempts += 1
            country = rng.choices(countries, cum_weights=cum)[0]
            name, core = self.names.name(country)
            ident = (country, anyascii(core).lower())
            if ident in self.seen or len(name) > 200:
                continue
            self.seen.add(ident)
            domain = self._domain(core, country, self.domains) if rng.random() < 0.6 else None
            weight = min(rng.paretovariate(1.25), 400.0)
            out.append(_Company(name, core, country, domain, weight))
        return out

    def _domain(self, core: str, country: str, taken: set[str]) -> str | None:
        words = re.sub(r"[^a-z0-9 ]", "", anyascii(core).lower().replace("&", " ")).split()
        words = [w for w in words if w not in ("and", "et", "y", "the")] or ["company"]
        tld = TLD[country] if self.rng.random() < 0.7 else "com"
        for stem in ("".join(words), "-".join(words), "".join(words[:2]),
                     words[0] + "".join(w[0] for w in words[1:]), "".join(words) + "group"):
            stem = stem[:40].strip("-")
            domain = f"{stem}.{tld}"
            if len(stem) >= 3 and domain not in taken:
                taken.add(domain)
                return domain
        return None

    # ------------------------------------------------------------ registrations

    def registrations(self, companies: list[_Company], count: int,
                      direct_only: int) -> list[_Reg]:
        """Registrations in time order, each by a partner (most of them in the customer's
        region) for a new customer or a repeat one. Repeat customers are drawn by weight (a
        Pareto draw: most are registered a few times, some hundreds of times) and seldom while
        another filing of theirs is open, as partners mostly register what is free. Every
        company but the first `direct_only` (known to direct sales only) is registered."""
        rng = self.rng
        if count <= 0 or len(companies) <= direct_only:
            return []
        by_region, everyone = self._partner_weights()
        regions = list(REGION_WEIGHTS)
        region_cum = list(accumulate(REGION_WEIGHTS.values()))
        statuses = rng.choices(list(STATUS_MIX), cum_weights=list(accumulate(
            STATUS_MIX.values())), k=count)
        regs, region_of = [], {}
        for status in statuses:
            region = rng.choices(regions, cum_weights=region_cum)[0]
            parts, cum = by_region.get(region) if rng.random() < 0.85 and region in by_region \
                else everyone
            partner = parts[bisect.bisect_left(cum, rng.random() * cum[-1])]
            r = self._timeline(partner, status)
            region_of[id(r)] = region
            regs.append(r)
        regs.sort(key=lambda r: r.sub)

        unused: dict[str, list[_Company]] = {}
        for c in companies[direct_only:]:
            unused.setdefault(region_for(c.country), []).append(c)
        left = sum(len(v) for v in unused.values())
        used: dict[str, tuple[list[_Company], list[float]]] = {}
        by_partner: dict[int, list[_Company]] = {}
        for n, r in enumerate(regs):
            region = region_of[id(r)]
            company = None
            if not (left and rng.random() < left / (count - n)):
                company = self._repeat(r, used.get(region), by_partner.get(r.partner))
            if company is None and left:
                pool = unused.get(region) or next(v for v in unused.values() if v)
                company = pool.pop()
                left -= 1
                mine, cum = used.setdefault(region_for(company.country), ([], []))
                mine.append(company)
                cum.append((cum[-1] if cum else 0.0) + company.weight)
            elif company is None:  # every company registered already; claimed or not
                mine, cum = used.get(region) or next(v for v in used.values() if v[0])
                company = mine[bisect.bisect_left(cum, rng.random() * cum[-1])]
            r.company = company
            company.busy = max(company.busy, r.until)
            by_partner.setdefault(r.partner, []).append(company)
        return regs

    def _repeat(self, r: _Reg, used, previous) -> _Company | None:
        """A customer registered before, free at the time (mostly); None when every draw
        found it claimed, or nothing was registered yet."""
        rng = self.rng
        for _ in range(REPEAT_TRIES):
            if previous and rng.random() < 0.3:
                company = rng.choice(previous)
            elif used and used[0]:
                mine, cum = used
                company = mine[bisect.bisect_left(cum, rng.random() * cum[-1])]
            else:
                return None
            if r.status == "merged":  # a duplicate of a registration open when merged
                if company.busy > r.dec:
                    return company
            elif not _busy(company, r.sub) or rng.random() < BUSY_ACCEPT:
                return company
        return None

    def _partner_weights(self):
        rng = random.Random(SEED + 2)
        weights = [rng.lognormvariate(0, 1.7) for _ in self.partners]
        cap = 0.012 * sum(weights)
        weights = [min(w, cap) for w in weights]
        by_region: dict[str, tuple[list, list]] = {}
        for p, w in zip(self.partners, weights, strict=True):
            parts, ws = by_region.setdefault(p.region, ([], []))
            parts.append(p)
            ws.append(w)
        by_region = {r: (parts, list(accumulate(ws))) for r, (parts, ws) in by_region.items()}
        return by_region, (self.partners, list(accumulate(weights)))

    def _ago(self, low: float, high: float) -> float:
        return self.now - DAY * self.rng.uniform(low, high)

    def _recent(self, span: float) -> float:
        """Days ago in [0, span], more of them lately (the business grew)."""
        return span * (1 - math.sqrt(self.rng.random()))

    def _timeline(self, p: _PartnerInfo, status: str) -> _Reg:
        rng, now = self.rng, self.now
        days = p.protection_days
        r = _Reg(None, p.id, status, 0.0)
        if status == "submitted":
            r.sub = self._ago(0, 10)
            r.upd = r.sub
        elif status == "under_review":
            r.sub = self._ago(0.2, 25)
            r.upd = r.sub
        elif status == "more_info":
            r.sub = self._ago(3, 40)
            r.upd = min(now - 3600, r.sub + DAY * rng.uniform(1, 5))
        elif status == "approved":
            if rng.random() < 0.05:
                days += EXTENSION_DAYS
                r.ext = "granted"
            r.dec = now - DAY * rng.uniform(0.05, days - 0.5)
            r.sub = r.dec - DAY * rng.uniform(0.02, 6)
            if r.ext is None and r.dec + DAY * days < now + 15 * DAY and rng.random() < 0.3:
                r.ext, r.ext_at = "requested", now - DAY * rng.uniform(0.1, 3)
            r.upd = max(r.dec, r.ext_at or 0)
        elif status in ("won", "lost"):
            r.close = now - DAY * self._recent(HISTORY_DAYS) - 600
            if rng.random() < 0.05:
                days += EXTENSION_DAYS
                r.ext = "granted"
            r.dec = r.close - DAY * rng.uniform(3, days * 0.95)
            r.sub = r.dec - DAY * rng.uniform(0.02, 6)
            r.upd, r.until = r.close, r.close
        elif status == "expired":
            end = now - DAY * self._recent(HISTORY_DAYS) - 3600
            r.dec = end - DAY * days
            r.sub = r.dec - DAY * rng.uniform(0.02, 6)
            r.upd = r.until = min(now, end + DAY * rng.uniform(0, 1))
        elif status in ("rejected", "merged"):
            r.sub = now - DAY * self._recent(HISTORY_DAYS) - DAY
            r.dec = min(now - 600, r.sub + DAY * rng.uniform(0.1, 8))
            r.upd, r.until = r.dec, r.dec
        elif status == "withdrawn":
            r.sub = now - DAY * self._recent(HISTORY_DAYS) - DAY
            if rng.random() < 0.4:
                r.dec = r.sub + DAY * rng.uniform(0.05, 5)
                r.upd = min(now - 600, r.dec + DAY * rng.uniform(1, days - 1))
            else:
                r.upd = min(now - 600, r.sub + DAY * rng.uniform(0.5, 12))
            r.until = r.upd
        if r.dec is not None and status not in ("rejected", "merged"):
            r.prot_days = days
            r.prot_end = r.dec + DAY * days
        return r

    # ------------------------------------------------------------ direct opportunities

    def directs(self, companies: list[_Company], count: int, direct_only: int) -> list[_Direct]:
        rng, now = self.rng, self.now
        if count <= 0 or not companies:
            return []
        owners = list(companies[:min(direct_only, count)])
        rest = companies[direct_only:] or companies
        owners += rng.choices(rest, cum_weights=list(accumulate(c.weight for c in rest)),
                              k=count - len(owners))
        out = []
        for company in owners:
            sub = self._ago(0, 2 * 365)
            roll = rng.random()
            status = "open" if roll < 0.55 else "won" if roll < 0.8 else "lost"
            if status == "open":
                close = date.fromtimestamp(now + DAY * rng.uniform(10, 300))
                until = math.inf
            else:
                ts = rng.uniform(sub, now - 600)
                close, until = datetime.fromtimestamp(ts, UTC).date(), ts
            out.append(_Direct(company, status, sub, close, until))
            company.directs.append((sub, until))
        return out

    # ------------------------------------------------------------ names typed

    def type_names(self, companies: list[_Company]) -> None:
        """The first filing carries the record's own name; later ones are typed by other
        people (registrations: 40% as on the record; CRM rows: 60%), each company in at most
        VARIANTS ways. Also the website and contact e-mail, hence the company domain each
        filing carries."""
        rng = self.rng
        for c in companies:
            c.filings.sort(key=lambda f: f.sub)
            menu: list[str] = []
            for n, f in enumerate(c.filings):
                is_reg = isinstance(f, _Reg)
                if n == 0 or rng.random() < (0.4 if is_reg else 0.6):
                    f.name = c.name
                elif len(menu) < VARIANTS and (not menu or rng.random() < 0.5):
                    f.name = name_variant(c.name, rng, country=c.country, domain=c.domain)
                    menu.append(f.name)
                else:
                    f.name = rng.choice(menu)
                if is_reg:
                    self._contact_site(f, c)
                elif c.domain and rng.random() < 0.85:
                    f.website = rng.choice((c.domain, f"www.{c.domain}",
                                            f"https://www.{c.domain}"))
                    f.domain = c.domain

    def _contact_site(self, r: _Reg, c: _Company) -> None:
        rng = self.rng
        if c.domain:
            roll = rng.random()
            if roll < 0.6:
                r.website = rng.choice((f"https://www.{c.domain}", f"www.{c.domain}", c.domain,
                                        f"https://{c.domain}", f"http://www.{c.domain}/"))
                r.email_at = c.domain if rng.random() < 0.9 else rng.choice(FREE_MAIL)
                r.domain = c.domain
                return
            if roll < 0.9:
                r.email_at, r.domain = c.domain, c.domain
                return
        r.email_at = rng.choice(FREE_MAIL)

    # ------------------------------------------------------------ who met whom

    def resolve(self, companies: list[_Company], keyed: dict[str, Keyed]) -> None:
        """Verdicts (another filing of the customer open when it came in), merge targets,
        conflicts routed to review, auto-approvals."""
        by_id = {p.id: p for p in self.partners}
        for c in companies:
            earlier: list = []
            for f in c.filings:
                if isinstance(f, _Reg):
                    self._verdict(f, [e for e in earlier if e.until > f.sub], keyed)
                    self._settle(f, earlier, by_id[f.partner])
                earlier.append(f)

    def _verdict(self, r: _Reg, open_then: list, keyed: dict[str, Keyed]) -> None:
        if not open_then:
            return
        mine = keyed[r.name]
        best = POSSIBLE_SCORE
        for other in open_then[:4]:
            if (r.domain and r.domain == other.domain) or \
                    mine.normalized == keyed[other.name].normalized:
                best = 100
                break
            score = name_similarity(key_from_form(r.name, mine.form),
                                    key_from_form(other.name, keyed[other.name].form)).score
            best = max(best, score)
        r.verdict, r.score = ("conflict", best) if best >= CONFLICT_AT else \
            ("possible", POSSIBLE_SCORE)

    def _settle(self, r: _Reg, earlier: list, p: _PartnerInfo) -> None:
        rng = self.rng
        if r.status == "merged":
            target = next((e for e in earlier if isinstance(e, _Reg) and e.sub < r.dec < e.until
                           and e.status != "merged"), None)
            if target is None:
                r.status = "rejected"
            else:
                r.merged_into = target
        if r.status == "submitted" and r.verdict != "clear":
            r.status = "under_review"
        if r.dec is not None:
            r.decided_by = p.manager
            # Until when the protection must last: now, the close or the withdrawal.
            limit = {"approved": self.now, "won": r.close, "lost": r.close,
                     "withdrawn": r.upd}.get(r.status)
            if (r.prot_days and p.auto_approve and r.verdict == "clear"
                    and rng.random() < 0.85
                    and (limit is None or r.sub + DAY * r.prot_days > limit)):
                r.dec, r.decided_by = r.sub, None  # approved at once, a tier benefit
                r.prot_end = r.sub + DAY * r.prot_days
                if r.status == "expired":
                    r.upd = r.until = min(self.now, r.prot_end + DAY * rng.uniform(0, 1))


# ---------------------------------------------------------------- rows


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


def _cents(rng: random.Random, median: float, sigma: float) -> int:
    dollars = min(max(rng.lognormvariate(math.log(median), sigma), 1_000), 5_000_000)
    return int(round(dollars, -2)) * 100


class _Writer:
    """Bulk inserts of rows in Python values, money already in integer cents (as the Money
    type stores it). SQLite: the driver's executemany, each value through its column's own
    SQLAlchemy bind processor, so the stored text is what an insert through SQLAlchemy
    writes, without its per-row overhead. PostgreSQL: COPY."""

    def __init__(self, db: Session):
        self.db = db
        self.dialect = db.get_bind().dialect
        self.pg = self.dialect.name == "postgresql"

    def write(self, model, columns: list[str], rows: Iterable[tuple]) -> int:
        table = model.__table__
        cols = [table.c[name] for name in columns]
        raw = self.db.connection().connection.driver_connection
        n = 0
        if self.pg:
            jsons = [i for i, c in enumerate(cols) if isinstance(c.type, JSON)]
            with raw.cursor() as cur, cur.copy(
                    f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    if jsons:
                        row = list(row)
                        for i in jsons:
                            row[i] = json.dumps(row[i])
                    copy.write_row(row)
                    n += 1
            return n
        conv = []
        for i, c in enumerate(cols):
            proc = None if isinstance(c.type, Money) else \
                c.type.dialect_impl(self.dialect).bind_processor(self.dialect)
            if proc is not None:
                conv.append((i, proc))
        sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        cursor = raw.cursor()
        batch: list = []
        for row in rows:
            if conv:
                row = list(row)
                for i, proc in conv:
                    if row[i] is not None:
                        row[i] = proc(row[i])
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
        cursor.close()
        return n

    def drop_indexes(self, tables: list[str]) -> list[str]:
        """Drop the secondary indexes of the tables (not those of primary keys or unique
        constraints) and return the statements that build them again: one sort per index
        after the load is much faster than keeping each up to date row by row."""
        rebuild = []
        for table in tables:
            if self.pg:
                found = self.db.execute(text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                    "current_schema() AND tablename = :t AND indexname NOT IN (SELECT "
                    "conname FROM pg_constraint WHERE conrelid = to_regclass(:t))"),
                    {"t": table}).all()
            else:
                found = self.db.execute(text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                    "tbl_name = :t AND sql IS NOT NULL"), {"t": table}).all()
            for name, sql in found:
                self.db.execute(text(f'DROP INDEX "{name}"'))
                rebuild.append(sql)
        return rebuild

    def build_indexes(self, statements: list[str]) -> None:
        if self.pg:
            self.db.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for sql in statements:
            self.db.execute(text(sql))


REG_COLUMNS = [
    "id", "partner_id", "registered_by_user_id", "owner_user_id", "end_customer_id",
    "customer_name", "customer_name_form", "customer_website", "customer_domain",
    "customer_key", "customer_country", "customer_state", "region", "contact_name",
    "contact_email", "contact_title", "product_line_ids", "estimated_value", "final_amount",
    "expected_close_date", "closed_on", "stage", "description", "status", "match_verdict",
    "match_score", "submitted_at", "decided_at", "decided_by_user_id", "protection_days",
    "protection_ends_at", "extension_status", "extension_requested_at", "lost_reason",
    "rejection_reason", "merged_into_id", "created_at", "updated_at",
]
DIRECT_COLUMNS = [
    "id", "external_id", "end_customer_id", "account_name", "account_name_form", "website",
    "domain", "customer_key", "country", "name", "amount", "close_date", "owner_email",
    "status", "imported_at", "updated_at",
]


def seed_scale_deals(db: Session, *, registrations: int, end_customers: int,
                     direct_opportunities: int, now: datetime, log=print,
                     workers: int = 2) -> None:
    """End customers, their key index, registrations and direct opportunities, after the
    scale partners and users. Nothing is committed here; ANALYZE runs at the end."""
    if end_customers <= 0:
        return
    clock = _Clock(log)
    sqlite = db.get_bind().dialect.name == "sqlite"
    if sqlite:  # a big page cache for the bulk load and the index builds
        db.execute(text("PRAGMA cache_size = -400000"))
    plan = _Planner(db, now)
    companies, keyed = plan.companies(end_customers, workers)
    clock.lap(f"named {len(companies):,} end customers")
    direct_only = min(direct_opportunities * 3 // 20, len(companies) // 50)
    if registrations < len(companies) - direct_only:
        direct_only = len(companies) - max(registrations, 0)
    directs = plan.directs(companies, direct_opportunities, direct_only)
    regs = plan.registrations(companies, registrations, direct_only)
    for f in (*regs, *directs):
        f.company.filings.append(f)
    plan.type_names(companies)
    clock.lap(f"planned {len(regs):,} registrations, {len(directs):,} direct opportunities")

    typed = [f.name for f in (*regs, *directs) if f.name not in keyed]
    keyed.update(key_names(typed, workers=workers))
    clock.lap(f"keyed {len(keyed):,} distinct names")
    _unclash(companies, keyed)
    _check_domains(companies)
    plan.resolve(companies, keyed)
    regs.sort(key=lambda r: r.sub)
    directs.sort(key=lambda d: d.sub)
    clock.lap("resolved verdicts and merges")

    writer = _Writer(db)
    base = {m: db.scalar(select(func.coalesce(func.max(m.id), 0)))
            for m in (EndCustomer, DealRegistration, DirectOpportunity)}
    rebuild = writer.drop_indexes([m.__tablename__ for m in (
        EndCustomer, EndCustomerKey, DealRegistration, DirectOpportunity)])
    cids = {id(c): base[EndCustomer] + n for n, c in enumerate(companies, 1)}
    writer.write(EndCustomer, ["id", "name", "normalized_name", "domain", "country",
                               "created_at"],
                 ((cids[id(c)], c.name, keyed[c.name].normalized, c.domain, c.country,
                   _dt(min((f.sub for f in c.filings), default=plan.now)))
                  for c in companies))
    key_rows = _key_rows(companies, cids, keyed)
    writer.write(EndCustomerKey, ["key", "end_customer_id"], key_rows)
    clock.lap(f"wrote {len(companies):,} end customers, {len(key_rows):,} key entries")

    for n, r in enumerate(regs, 1):
        r.id = base[DealRegistration] + n
    written = writer.write(DealRegistration, REG_COLUMNS, _reg_rows(regs, cids, keyed, plan))
    clock.lap(f"wrote {written:,} deal registrations")
    for n, d in enumerate(directs, 1):
        d.id = base[DirectOpportunity] + n
    written = writer.write(DirectOpportunity, DIRECT_COLUMNS,
                           _direct_rows(directs, cids, keyed, plan))
    clock.lap(f"wrote {written:,} direct opportunities")

    writer.build_indexes(rebuild)
    clock.lap(f"built {len(rebuild)} indexes again")
    if writer.pg:
        for table in ("end_customers", "deal_registrations", "direct_opportunities"):
            db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    db.execute(text("ANALYZE"))
    if sqlite:
        db.execute(text("PRAGMA cache_size = -2000"))
    clock.lap("analyzed")
    _summary(db, regs, now, log)


class _Clock:
    def __init__(self, log):
        self.log, self.last = log, time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        self.log(f"  {what} in {now - self.last:.1f} s")
        self.last = now


def _unclash(companies: list[_Company], keyed: dict[str, Keyed]) -> None:
    """A typed variant whose normalized name is another record's name in the same country
    would have been filed there: such filings fall back to the record's own name."""
    owner = {(c.country, keyed[c.name].normalized): c for c in companies}
    for c in companies:
        for f in c.filings:
            if f.name != c.name and owner.get((c.country, keyed[f.name].normalized),
                                              c) is not c:
                f.name = c.name


def _check_domains(companies: list[_Company]) -> None:
    """Each planned domain must be what company_domain makes of the company's website (the
    public-suffix list has a few surprises, such as x.se): otherwise the company has none."""
    for c in companies:
        if c.domain and company_domain(f"https://www.{c.domain}") != c.domain:
            for f in c.filings:
                f.domain = f.website = None
                if isinstance(f, _Reg) and f.email_at == c.domain:
                    f.email_at = FREE_MAIL[0]
            c.domain = None


def _key_rows(companies, cids, keyed) -> list[tuple[str, int]]:
    rows = []
    for c in companies:
        cid = cids[id(c)]
        names = {c.name, *(f.name for f in c.filings)}
        rows.extend((k, cid) for k in sorted({k for n in names for k in keyed[n].keys}))
    rows.sort()
    return rows


def _reg_rows(regs: list[_Reg], cids, keyed, plan: _Planner):
    rng = random.Random(SEED + 3)
    first, lines = plan.names.words["first"], plan.lines
    lasts = plan.names.words
    users = {p.id: p.users for p in plan.partners}
    for r in regs:
        c = r.company
        k = keyed[r.name]
        us = users[r.partner]
        by = rng.choice(us)
        owner = by if rng.random() < 0.9 else rng.choice(us)
        fn, ln = rng.choice(first), rng.choice(lasts[c.country])
        local = re.sub(r"[^a-z.]", "", anyascii(f"{fn}.{ln}").lower()) or "contact"
        value = _cents(rng, 25_000, 1.1)
        won = r.status == "won"
        final = int(round(value * rng.choice((80, 90, 95, 100, 100, 100, 105, 110)) / 100,
                          -2)) if won else None
        sub_day = _dt(r.sub).date()
        product_ids = rng.sample(lines, k=min(len(lines), rng.choice((1, 1, 2)))) \
            if lines else []
        states = STATES.get(c.country)
        yield (
            r.id, r.partner, by, owner, cids[id(c)], r.name, k.form, r.website or None,
            r.domain, k.normalized, c.country,
            rng.choice(states) if states and rng.random() < 0.8 else None,
            region_for(c.country), f"{fn} {ln}"[:120], f"{local}@{r.email_at}"[:254],
            rng.choice(TITLES), product_ids, value, final,
            sub_day + timedelta(days=rng.randint(30, 240)),
            _dt(r.close).date() if r.close is not None else None,
            "commit" if won else rng.choice(STAGES),
            f"{rng.choice(NEEDS)}: {plan.line_names.get(product_ids[0], 'platform')}, "
            f"about {rng.choice((10, 25, 50, 100, 250, 500, 1000))} seats."
            if product_ids else rng.choice(NEEDS) + ".",
            r.status, r.verdict, r.score, _dt(r.sub),
            _dt(r.dec) if r.dec is not None else None, r.decided_by, r.prot_days,
            _dt(r.prot_end) if r.prot_end is not None else None, r.ext,
            _dt(r.ext_at) if r.ext_at is not None else None,
            rng.choice(LOSSES) if r.status == "lost" else None,
            (CONFLICT_REJECTION if r.verdict != "clear" else rng.choice(REJECTIONS))
            if r.status == "rejected" else None,
            r.merged_into.id if r.merged_into is not None else None,
            _dt(r.sub), _dt(max(r.upd, r.sub)),
        )


def _direct_rows(directs: list[_Direct], cids, keyed, plan: _Planner):
    rng = random.Random(SEED + 4)
    names = list(plan.line_names.values()) or ["Platform"]
    for n, d in enumerate(directs, 1):
        c, k = d.company, keyed[d.name]
        updated = d.until if d.until != math.inf else d.sub
        yield (d.id, f"SF-{n:07d}", cids[id(c)], d.name, k.form, d.website, d.domain,
               k.normalized, c.country, f"{d.name} - {rng.choice(names)}"[:200],
               _cents(rng, 80_000, 1.0), d.close_date, rng.choice(OWNERS), d.status,
               _dt(d.sub), _dt(updated))


def _summary(db: Session, regs: list[_Reg], now: datetime, log) -> None:
    """The status mix, the verdicts and the spread of trailing-12-month won revenue."""
    if not regs:
        return
    total = len(regs)
    statuses = Counter(r.status for r in regs)
    verdicts = Counter(r.verdict for r in regs)
    log("  statuses: " + ", ".join(f"{s} {n / total:.1%}" for s, n in statuses.most_common()))
    log("  verdicts: " + ", ".join(f"{v} {n:,}" for v, n in verdicts.most_common()))
    today = now.date()
    won = dict(db.execute(
        select(DealRegistration.partner_id, func.sum(DealRegistration.final_amount))
        .where(DealRegistration.status == "won",
               DealRegistration.closed_on > add_months(today, -12),
               DealRegistration.closed_on <= today)
        .group_by(DealRegistration.partner_id)).all())
    partners = db.scalar(select(func.count()).select_from(Partner)) or 0
    above = sum(1 for v in won.values() if v > 1_500_000)
    below = partners - sum(1 for v in won.values() if v >= 100_000)
    log(f"  trailing-12-month won revenue: {above:,} partners above $1.5M, "
        f"{below:,} below $100k, of {partners:,}")
