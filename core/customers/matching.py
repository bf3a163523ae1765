"""Fuzzy company-name matching for channel-conflict detection: is "ACME Intl., Inc." the
company a partner already registered as "Acme International"?

Pure functions, no database. `name_key` turns a name into a normalized `NameKey`;
`name_similarity` scores two keys 0..100 with the reasons in words; `verdict` turns a score
plus the exact signals (same company domain, same country) into clear / possible / conflict.

The score is built so that sharing only generic words ("Global Solutions Group") scores low,
and so that a distinctive word one name has and the other lacks ("Contoso" vs "Contoso
Pharmaceuticals", "General Electric" vs "General Motors") keeps a pair out of "conflict":
those are usually different companies. Candidate retrieval (which rows to compare at all)
is not done here."""

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from anyascii import anyascii
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from core.customers.names import bounded, normalize_name

# Words that say little about which company it is; they are kept in the key but do not count
# as evidence when two names share them.
GENERIC = frozenset({
    "a", "an", "and", "the", "of", "for", "de", "la", "le", "du", "der", "die", "das", "und",
    "et", "y", "global", "worldwide", "international", "solutions", "solution", "group",
    "groupe", "gruppe", "tech", "technology", "technologies", "system", "systems", "services",
    "service", "holding", "holdings", "company", "companies", "co", "corp", "corporation",
    "inc", "consulting", "consultants", "partners", "enterprise", "enterprises", "industries",
    "industry", "digital", "software", "network", "networks", "limited", "ltd", "llc",
    "associates", "ventures", "management", "resources", "products", "trading",
    "usa", "us", "uk", "europe", "online", "labs", "laboratories",
    "aktiengesellschaft", "gesellschaft",  # legal forms written out in full
})

# Generic words that do not say what a company does: joining words, legal forms, reach
# (global, international) and structure (group, holdings, ventures): "Contoso Group" may well
# own "Contoso Pharmaceuticals". The other generic words (systems, software, partners,
# consulting...) do: "Castellan Systems" and "Castellan Bank" each have a word the other
# lacks, and "Partners" or "Associates" names a firm of advisers.
FILLER = frozenset({
    "a", "an", "and", "the", "of", "for", "de", "la", "le", "du", "der", "die", "das", "und",
    "et", "y", "inc", "co", "corp", "corporation", "company", "companies", "limited", "ltd",
    "llc", "international", "worldwide", "global", "usa", "us", "uk", "europe",
    "aktiengesellschaft", "gesellschaft", "group", "groupe", "gruppe", "holding", "holdings",
    "enterprise", "enterprises", "ventures",
})

# A sales region written after the name ("Acme - EMEA", "Acme (APAC)"): the same company's
# record for a region. Only as a tag: ANZ Bank and LATAM Airlines are names.
_REGION_TAG = re.compile(r"\s*(?:[-–—/|,]|\()\s*(?:emea|apac|americas|latam|dach|nordics|"
                         r"benelux|anz|na|eu)\s*\)?\s*$", re.IGNORECASE)

# Abbreviations spelled out before comparing ("Intl" is "International").
ABBREVIATIONS = {
    "intl": "international", "int": "international", "natl": "national",
    "mfg": "manufacturing", "svcs": "services", "svc": "services", "sys": "systems",
    "assoc": "associates", "assocs": "associates", "bros": "brothers", "hldgs": "holdings",
    "hldg": "holding", "grp": "group", "inds": "industries", "ind": "industries",
    "mgmt": "management", "univ": "university", "hosp": "hospital", "ctr": "center",
    "centre": "center", "dept": "department", "corp": "corporation", "co": "company",
    "tech": "technologies", "technology": "technologies", "pharma": "pharmaceuticals",
    "pharm": "pharmaceuticals", "lab": "laboratories", "labs": "laboratories",
    "elec": "electric", "engg": "engineering", "eng": "engineering", "sol": "solutions",
    "soln": "solutions", "solns": "solutions", "comm": "communications",
    "comms": "communications", "telecom": "telecommunications", "fin": "financial",
    "ins": "insurance", "mktg": "marketing", "soc": "society", "dist": "distribution",
    "mt": "mount",
    "mtn": "mountain", "ste": "sainte", "st": "saint", "ft": "fort",
}

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss", "ẞ": "SS"})
_WEB_PREFIX = re.compile(r"^\s*(?:https?://)?(?:www\.)", re.IGNORECASE)
_WEB_SUFFIX = re.compile(
    r"(?<=[a-z0-9])\.(?:com|net|org|io|ai|co|biz|info|de|fr|eu|app|dev|tech|co\.uk|com\.au)"
    r"(?![a-z0-9])", re.IGNORECASE)
_ACRONYM_SKIP = frozenset({"and", "of", "the", "a", "an", "de", "la", "le", "der", "die", "das",
                           "und", "et"})
_TIGHT_AMP = re.compile(r"\b([a-z]{1,2})\s*&\s*([a-z]{1,2})\b", re.IGNORECASE)  # AT&T, P & G

# Score bands (0..100). See `verdict`.
CONFLICT_AT = 90
POSSIBLE_AT = 75
_ACRONYM_SCORE = 85
_SHORT_TYPO_SCORE = 85  # a one-letter typo in a word shorter than _LONG_WORD: "possible"
_LONG_WORD = 8  # initials alone: worth a look, not proof
_EXTRA_WORD_CAP = 79  # a distinctive word only one name has: at most "possible"
_DIFFERENT_WORD_CAP = 60  # each name has a distinctive word the other lacks: "clear"
_GENERIC_ONLY_CAP = 79  # both names made only of generic words
_NOTHING_SHARED_CAP = 50  # a distinctive name against a generic-only one
_DIFFERENT_TRADE_SCORE = 80  # the same distinctive words, another trade word each: possible


@dataclass(frozen=True)
class NameKey:
    """A company name normalized for fuzzy comparison.

    text: tokens joined by spaces; distinctive: tokens not in GENERIC; acronym: initials of
    the distinctive tokens; acronym_all: initials of every token except and/of/the;
    stripped: whether a legal suffix was removed; alt: the same name with umlauts reduced to
    the plain letter (Müller -> muller) when that differs from the spelled-out form."""

    raw: str
    text: str
    tokens: tuple[str, ...]
    distinctive: tuple[str, ...]
    acronym: str
    acronym_all: str
    stripped: bool
    alt: "NameKey | None" = None

    @property
    def compact(self) -> str:
        return "".join(self.distinctive) or "".join(self.tokens)


@dataclass(frozen=True)
class NameScore:
    score: int
    reasons: tuple[str, ...]


Verdict = Literal["clear", "possible", "conflict"]


def _merge_initials(tokens: list[str]) -> list[str]:
    """j p morgan -> jp morgan: runs of single letters are one dotted word split apart."""
    out: list[str] = []
    run = ""
    for tok in tokens:
        if len(tok) == 1 and tok.isalpha():
            run += tok
            continue
        if run:
            out.append(run)
            run = ""
        out.append(tok)
    if run:
        out.append(run)
    return out


def _key(raw: str, translit: str) -> NameKey:
    text = _WEB_PREFIX.sub("", translit)
    text = _WEB_SUFFIX.sub("", text)
    text = _REGION_TAG.sub("", text)
    text = _TIGHT_AMP.sub(r"\1\2", text)
    text = re.sub(r"['’`´]", "", text)  # McDonald's -> McDonalds, O'Neil -> ONeil
    plain = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split())
    plain = bounded(plain)
    norm = normalize_name(text) or plain
    stripped = norm != plain
    # Spelled-out abbreviations make the text longer: bounded again, so that a stored form
    # (name_form) fits its column.
    tokens = bounded(" ".join(_merge_initials([ABBREVIATIONS.get(t, t)
                                               for t in norm.split()]))).split()
    distinctive = tuple(t for t in tokens if t not in GENERIC)
    return NameKey(
        raw=raw, text=" ".join(tokens), tokens=tuple(tokens), distinctive=distinctive,
        acronym="".join(t[0] for t in distinctive if t[0].isalpha()),
        acronym_all="".join(t[0] for t in tokens if t not in _ACRONYM_SKIP and t[0].isalpha()),
        stripped=stripped)


@lru_cache(maxsize=65536)
def name_key(name: str) -> NameKey:
    """'Müller & Söhne GmbH' -> tokens ('mueller', 'and', 'soehne'), alt ('muller', ...).

    German umlauts are spelled out (ü -> ue, ß -> ss) before anyascii; the plain-letter
    reading is kept in `alt` so Müller, Mueller and Muller all compare equal."""
    name = (name or "").strip()
    key = _key(name, anyascii(name.translate(_UMLAUTS)))
    plain = _key(name, anyascii(name.replace("ß", "ss").replace("ẞ", "SS")))
    if plain.text != key.text:
        return NameKey(**{**key.__dict__, "alt": plain})
    return key


def _stem(tok: str) -> str:
    """dairies / dairys / dairy -> dairy: plurals are not a different word."""
    if len(tok) > 4 and tok.endswith("ies"):
        return tok[:-3] + "y"
    if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
        return tok[:-1]
    return tok


def _sound(tok: str) -> str:
    return tok.replace("ph", "f")  # Vodaphone / Vodafone, Phillips / Fillips


def _same_token(a: str, b: str) -> bool:
    """Equal (plurals aside), a one-letter typo (two in long words) or letters left out of
    a long word's middle; short words must be equal."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 2 and "ph" not in a and "ph" not in b:
        return False  # no plural, typo or ph/f makes up that difference: skip the work
    if _stem(a) == _stem(b) or _sound(a) == _sound(b):
        return True
    shorter = min(len(a), len(b))
    if shorter < 5 or not (a.isalpha() and b.isalpha()):
        return False
    return OSA.distance(a, b) <= (2 if shorter >= 9 else 1) or _letters_dropped(a, b)


def _letters_dropped(a: str, b: str) -> bool:
    """Vetinary / Veterinary: a long word with one or two letters left out of its middle.
    Not at either end: Roberts / Robertson and Williams / Williamson are other names."""
    short, long = sorted((a, b), key=len)
    if len(short) < 7 or not 1 <= len(long) - len(short) <= 2:
        return False
    if short[0] != long[0] or short[-2:] != long[-2:] or long.startswith(short):
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


def _unmatched(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[list[str], list[str]]:
    left = list(b)
    only_a = []
    for tok in a:
        hit = next((i for i, other in enumerate(left) if _same_token(tok, other)), None)
        if hit is None:
            only_a.append(tok)
        else:
            left.pop(hit)
    return only_a, left


def _take_runs(words: list[str], targets: list[str], fits) -> tuple[list[str], list[str],
                                                                     list[tuple[str, str]]]:
    """Take out runs of two or three consecutive words that `fits` one target word."""
    words, targets, found = list(words), list(targets), []
    for size in (3, 2):
        i = 0
        while i + size <= len(words):
            run = words[i:i + size]
            hit = next((t for t in targets if fits(run, t)), None)
            if hit is None:
                i += 1
                continue
            found.append((" ".join(run), hit))
            del words[i:i + size]
            targets.remove(hit)
    return words, targets, found


def _joined(run: list[str], word: str) -> bool:
    return _same_token("".join(run), word)  # Wal Mart / Walmart, Price Waterhouse / ...


def _initials_of(run: list[str], word: str) -> bool:
    return (2 <= len(word) <= 4 and word.isalpha()
            and "".join(w[0] for w in run) == word)  # AB InBev / Anheuser Busch InBev


def _reconcile(only_a: list[str], only_b: list[str]):
    """Words left unmatched that still pair up: written together in one name and apart in
    the other, or initials of a run of words."""
    only_a, only_b, joined = _take_runs(only_a, only_b, _joined)
    only_b, only_a, more = _take_runs(only_b, only_a, _joined)
    joined += more
    only_a, only_b, initials = _take_runs(only_a, only_b, _initials_of)
    only_b, only_a, more = _take_runs(only_b, only_a, _initials_of)
    return only_a, only_b, joined, initials + more


def _typos(a: tuple[str, ...], b: tuple[str, ...]) -> list[int]:
    """Lengths of the words of `a` matched in `b` only as a typo, not exactly."""
    stems = {_stem(t) for t in b}
    return [len(t) for t in a if _stem(t) not in stems]


def _acronym_of(a: NameKey, b: NameKey) -> str | None:
    """The initials when one name is the acronym of the other (IBM / International Business
    Machines, P&G / Procter & Gamble)."""
    for short, long in ((a, b), (b, a)):
        words = short.distinctive or short.tokens
        if len(words) != 1 or len(long.tokens) < 2:
            continue
        word = words[0]
        if 2 <= len(word) <= 6 and word.isalpha() and word in (long.acronym, long.acronym_all):
            return word.upper()
    return None


def _generic_typos_out(words: list[str], other: NameKey) -> list[str]:
    generic = [t for t in other.tokens if t in GENERIC]
    return [w for w in words if not any(_same_token(w, g) for g in generic)]


def _trade_words(key: NameKey) -> tuple[str, ...]:
    """The generic words that say what the company does (systems, software, consulting)."""
    return tuple(t for t in key.tokens if t in GENERIC and t not in FILLER)


def _different_trades(a: NameKey, b: NameKey) -> str:
    """'software / services' when each name has a trade word the other lacks."""
    only_a, only_b = _unmatched(_trade_words(a), _trade_words(b))
    return f"{' '.join(only_a)} / {' '.join(only_b)}" if only_a and only_b else ""


def _what_else(a: NameKey, b: NameKey, b_has_extra) -> str:
    """The trade words (systems, software...) of the name without the extra distinctive
    word that the other name lacks; empty when there are none."""
    short, long = (a, b) if b_has_extra else (b, a)
    unmatched, _ = _unmatched(_trade_words(short), long.tokens)
    return " ".join(unmatched)


def _score_forms(a: NameKey, b: NameKey) -> tuple[int, list[str]]:
    if a.text == b.text or (a.distinctive and a.compact == b.compact):
        if a.raw.strip().lower() == b.raw.strip().lower():
            return 100, ["same name"]
        if a.text == b.text:
            if a.stripped or b.stripped:
                return 100, ["same name once legal suffixes are removed"]
            return 100, ["same name once case, punctuation and spelling are normalized"]
        if trades := _different_trades(a, b):
            # "Mack Software" / "Mack Services": one name, but each says it does another thing.
            return _DIFFERENT_TRADE_SCORE, [f"same name but for what each does: {trades}"]
        if " ".join(a.distinctive) == " ".join(b.distinctive):
            return 100, ["same name once generic words are set aside"]
        return 100, ["same name once spaces are ignored"]

    reasons: list[str] = []
    if not a.distinctive and not b.distinctive:
        sim = round(fuzz.token_sort_ratio(a.text, b.text))
        score = min(sim, _GENERIC_ONLY_CAP)
        reasons.append(f"name {sim}% similar, but only generic words")
    elif not a.distinctive or not b.distinctive:
        shared = sorted(set(a.tokens) & set(b.tokens))
        score = min(round(fuzz.token_sort_ratio(a.text, b.text)), _NOTHING_SHARED_CAP)
        reasons.append("only generic words in common" + (f" ({', '.join(shared)})"
                                                         if shared else ""))
    else:
        da, db = " ".join(a.distinctive), " ".join(b.distinctive)
        sim = round(max(fuzz.token_sort_ratio(da, db), fuzz.ratio(a.compact, b.compact)))
        only_a, only_b = _unmatched(a.distinctive, b.distinctive)
        only_a, only_b, joined, initials = _reconcile(only_a, only_b)
        # "Stark Indstries": a typo of a generic word is that word, not a distinctive one.
        only_a, only_b = _generic_typos_out(only_a, b), _generic_typos_out(only_b, a)
        shared = len(a.distinctive) - len(only_a)
        if not only_a and not only_b and initials:
            score = min(max(sim, _ACRONYM_SCORE), CONFLICT_AT - 1)
            reasons.append(f"name {sim}% similar")
            reasons += [f"same initials ({short.upper()}) for '{run}'" for run, short in initials]
        elif not only_a and not only_b and joined:
            score = max(sim, CONFLICT_AT)
            reasons.append(f"name {sim}% similar")
            reasons.append("same words written together or apart ("
                           + ", ".join(f"{run} / {word}" for run, word in joined) + ")")
        elif not only_a and not only_b:
            # Every distinctive word has its twin (word order, plurals, one-letter typos).
            typos = _typos(a.distinctive, b.distinctive) or _typos(b.distinctive, a.distinctive)
            if typos and min(typos) < _LONG_WORD:
                # Skelton / Shelton: in a short word one letter may be another name.
                score = min(max(sim, _SHORT_TYPO_SCORE), CONFLICT_AT - 1)
            else:
                score = max(sim, CONFLICT_AT)
            reasons.append(f"name {sim}% similar")
            if typos:
                reasons.append("same words apart from a one-letter typo")
            elif a.distinctive != b.distinctive:
                reasons.append("same words in a different order or number")
        elif only_a and only_b:
            score = min(sim, _DIFFERENT_WORD_CAP) if shared else min(sim, _NOTHING_SHARED_CAP)
            reasons.append(f"name {sim}% similar")
            reasons.append(f"different distinctive words: {' '.join(only_a)} / "
                           f"{' '.join(only_b)}")
        elif other_kind := _what_else(a, b, only_b):
            # "Castellan Systems" / "Castellan Bank": the extra distinctive word meets a word
            # of the other name that says what that company does.
            extra = " ".join(only_a or only_b)
            score = min(sim, _DIFFERENT_WORD_CAP)
            reasons.append(f"name {sim}% similar")
            reasons.append(f"different words: {extra} / {other_kind}")
        else:
            extra = only_a or only_b
            base = round(fuzz.token_set_ratio(da, db))
            if joined or initials:  # the string ratios do not see words paired up above
                base = max(base, _EXTRA_WORD_CAP)
            # One name inside the other ("Nordea" / "Nordea Bank Abp", "Wells Fargo" / "Wells
            # Fargo Bank NA"): worth a look however many words the longer one adds, when
            # what they share is a name on its own, not one short word.
            kept = [w for w in (a.distinctive if only_b else b.distinctive)
                    if w not in extra]
            contained = len(kept) >= 2 or any(len(w) >= 6 for w in kept)
            cap = _EXTRA_WORD_CAP - (0 if contained else 8 * len(extra))
            score = min(base, cap) if shared else min(sim, _NOTHING_SHARED_CAP)
            reasons.append(f"name {sim}% similar")
            reasons.append(f"'{' '.join(extra)}' appears in only one name")

    acronym = _acronym_of(a, b)
    if acronym and score < _ACRONYM_SCORE:
        score = _ACRONYM_SCORE
        reasons = [f"same initials ({acronym})"]
    return score, reasons


@lru_cache(maxsize=65536)  # a check scores many rows of one company, often under one name
def name_similarity(a: str | NameKey, b: str | NameKey) -> NameScore:
    """How alike two company names are, 0..100, with the reasons in words.

    100: the same name once case, punctuation, accents, legal suffixes and generic words are
    set aside. >= 90: every distinctive word matches (order, one-letter typos). 85: one is
    the initials of the other. 80: the same name, but each says it does another trade
    (software / services). <= 79: a distinctive word only one name has. <= 60: each name has
    a word the other lacks (a distinctive one, or one against a trade word). <= 50: nothing
    distinctive in common."""
    ka = a if isinstance(a, NameKey) else name_key(a)
    kb = b if isinstance(b, NameKey) else name_key(b)
    if not ka.tokens or not kb.tokens:
        return NameScore(0, ("a name is empty",))
    best: tuple[int, list[str]] | None = None
    for fa in (ka, ka.alt):
        for fb in (kb, kb.alt):
            if fa is None or fb is None:
                continue
            got = _score_forms(fa, fb)
            if best is None or got[0] > best[0]:
                best = got
    assert best is not None
    return NameScore(int(best[0]), tuple(best[1]))


def verdict(score: int, *, same_domain: bool, same_country: bool) -> Verdict:
    """clear / possible / conflict for a pair known only by name, domain and country.

    - same registrable company domain (the caller passes False for free mail): conflict.
    - score >= CONFLICT_AT (90) in the same country: conflict; in different countries only
      possible (a same-named subsidiary abroad is often another account).
    - score >= POSSIBLE_AT (75): possible, for the desk to look at.
    - below: clear."""
    if same_domain:
        return "conflict"
    return band(score - (0 if same_country else OTHER_COUNTRY_PENALTY))


def band(score: int) -> Verdict:
    if score >= CONFLICT_AT:
        return "conflict"
    if score >= POSSIBLE_AT:
        return "possible"
    return "clear"


# ---------------------------------------------------------------- stored keys

# A NameKey is stored with each registration as a short string, so scoring a candidate
# rebuilds it in microseconds instead of normalizing the name again (~75 us).


def name_form(key: NameKey) -> str:
    """At most 3 + 2 * KEY_MAX characters (the *_name_form columns hold 420)."""
    return f"{int(key.stripped)}|{key.text}|{key.alt.text if key.alt else ''}"


def _from_text(raw: str, text: str, stripped: bool) -> NameKey:
    tokens = tuple(text.split())
    distinctive = tuple(t for t in tokens if t not in GENERIC)
    return NameKey(
        raw=raw, text=text, tokens=tokens, distinctive=distinctive,
        acronym="".join(t[0] for t in distinctive if t[0].isalpha()),
        acronym_all="".join(t[0] for t in tokens if t not in _ACRONYM_SKIP and t[0].isalpha()),
        stripped=stripped)


@lru_cache(maxsize=65536)
def key_from_form(raw: str, form: str | None) -> NameKey:
    """The NameKey of `raw` from its stored form (or built afresh when none is stored)."""
    if not form:
        return name_key(raw)
    stripped, text, alt = form.split("|", 2)
    key = _from_text(raw, text, stripped == "1")
    if alt:
        return NameKey(**{**key.__dict__, "alt": _from_text(raw, alt, stripped == "1")})
    return key


def retrieval_keys(key: NameKey) -> set[str]:
    """The index entries under which an end customer is found by a name like this one.

    n: the distinctive words run together (every word for a generic-only name), s: the same
    in alphabetical order, a: the initials (and a short single word, which may be initials),
    t: each distinctive word of three letters or more, k: the consonant skeleton of the whole
    name. A typo, an extra word or a missing one still shares a t: or k: entry; the caller
    skips t:, a: and k: entries too common to help."""
    out: set[str] = set()
    for form in (key, key.alt):
        if form is None or not form.tokens:
            continue
        words = form.distinctive or form.tokens
        out.add("n:" + "".join(words)[:110])
        if list(words) != sorted(words):
            out.add("s:" + "".join(sorted(words))[:110])
        if len(form.tokens) >= 2 and len(form.acronym_all) >= 2:
            out.add("a:" + form.acronym_all[:20])
        if len(words) == 1 and 2 <= len(words[0]) <= 6 and words[0].isalpha():
            out.add("a:" + words[0])
        out.update("t:" + _stem(w)[:110] for w in form.distinctive if len(w) >= 3)
        skeleton = _skeleton(words)
        if len(skeleton) >= 4:
            out.add("k:" + skeleton[:110])
    return out


def _skeleton(words: tuple[str, ...]) -> str:
    """The name's consonants: plurals, doubled letters and vowel slips (Lgistics, Tools,
    Parksyde) all give the same skeleton, so a typo still finds the record."""
    text = "".join(_stem(w) for w in words)
    rest = re.sub(r"[aeiouy]", "", text[1:])
    return text[:1] + re.sub(r"(.)\1+", r"\1", rest)


# ---------------------------------------------------------------- pairs of claims

OTHER_COUNTRY_PENALTY = 15
# A same-named company in another sales region is more often another account (its own
# subsidiary, or a namesake): by name alone the same name stays possible, a near one is
# clear; a shared domain or record still tells in full.
OTHER_REGION_PENALTY = 20
NO_COMMON_PRODUCT_PENALTY = 10
NO_COMMON_TIME_PENALTY = 15
SAME_RECORD_SCORE = 100  # the vendor filed (or merged) both under one end-customer record
SAME_DOMAIN_SCORE = 100


@dataclass(frozen=True)
class Claim:
    """What one registration or direct opportunity says about its customer."""

    name: NameKey
    domain: str | None  # registrable company domain; never a free-mail one
    country: str
    region: str | None
    end_customer_id: int | None
    product_line_ids: frozenset[int]  # empty: not known (a direct opportunity)
    starts: date
    ends: date


@dataclass(frozen=True)
class PairMatch:
    verdict: Verdict
    score: int
    reasons: tuple[str, ...]


def match_claims(new: Claim, other: Claim, *, product_names: dict[int, str] | None = None,
                 ) -> PairMatch:
    """Score two claims on every signal and say why in words.

    The strongest identity signal sets the base: same company domain (100), same
    end-customer record (100), else the name score. Then: another country takes 15 off a
    name-only match (20 when it lies in another sales region), no product line in common takes 10
    off, time windows that do not overlap take 15 off. Bands: >= 90 conflict, >= 75
    possible, else clear."""
    reasons: list[str] = []
    names = name_similarity(new.name, other.name)
    base = names.score
    by_name_only = True
    if new.domain and new.domain == other.domain:
        base, by_name_only = SAME_DOMAIN_SCORE, False
        reasons.append(f"same domain {new.domain}")
    if (new.end_customer_id is not None and new.end_customer_id == other.end_customer_id
            and base < SAME_RECORD_SCORE):
        base, by_name_only = SAME_RECORD_SCORE, False
        reasons.append("filed under the same end-customer record")
    reasons.append(names.reasons[0] if names.score == 100 else
                   "; ".join(names.reasons))
    score = base
    if new.country == other.country:
        reasons.append(f"same country {new.country}")
    else:
        same_region = bool(new.region and new.region == other.region)
        if by_name_only:  # no domain or record says it is the same company
            score -= OTHER_COUNTRY_PENALTY if same_region else OTHER_REGION_PENALTY
        reasons.append(f"different countries {new.country} / {other.country}"
                       + (f", same region {new.region}" if same_region else
                          ", in other regions"))
    if new.product_line_ids and other.product_line_ids:
        common = new.product_line_ids & other.product_line_ids
        if common:
            labels = sorted((product_names or {}).get(i, f"#{i}") for i in common)
            reasons.append("same product line " + ", ".join(labels))
        else:
            score -= NO_COMMON_PRODUCT_PENALTY
            reasons.append("no product line in common")
    if new.starts <= other.ends and other.starts <= new.ends:
        reasons.append("time windows overlap")
    else:
        score -= NO_COMMON_TIME_PENALTY
        reasons.append("time windows do not overlap")
    score = max(0, min(100, score))
    return PairMatch(band(score), score, tuple(reasons))
