"""Company names for the scale seed: base names that fit their country (surnames, places,
industry words and legal suffixes, accents and umlauts included) and the same company as
partners type it otherwise (case, legal suffix dropped, added or spelled otherwise, "&" /
"and", abbreviations, one-letter typos, a generic word more or less, its web address).
Deterministic for a given random.Random, with word lists from the installed Faker version."""

import random
import re
import string
from collections.abc import Callable, Sequence
from itertools import accumulate

from anyascii import anyascii

from core.customers.matching import GENERIC

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
