"""The exact normalized form of a company name (a key for equality, not for fuzzy scoring)."""

import re

from anyascii import anyascii
from cleanco import basename

# Legal forms cleanco leaves on (Finnish Abp, US banks' N.A., Indonesian Tbk, Russian PJSC,
# Mexican S.A.B. de C.V. and S. de R.L. de C.V., Swedish AB (publ), Brazilian S/A, the Pvt.
# of an Indian "Pvt. Limited"), matched on the lowered name.
_MORE_LEGAL_FORMS = re.compile(
    r"(?<=\S)(?: (?:abp|na|tbk|pjsc|ojsc|jsc|sab de cv|sab de|sa de cv|ab publ|publ|s a"
    r"|s de rl de|s de rl|pvt)"
    r"|(?<=bank) national association)$")


# The longest key stored (the normalized_name and customer_key columns): a transliterated
# name can be far longer than the name ("北京" is "BeiJing"), so keys are cut to it.
KEY_MAX = 200


def bounded(key: str, limit: int = KEY_MAX) -> str:
    """A key cut to `limit` characters (two names alike that far are keyed alike)."""
    return key if len(key) <= limit else key[:limit].rstrip()


def normalize_name(name: str) -> str:
    """'Société Générale S.A.' -> 'societe generale'; 'ACME, Inc.' -> 'acme'.

    Accents become ASCII, legal suffixes go (cleanco), then case and punctuation; at most
    KEY_MAX characters."""
    ascii_name = anyascii(name or "").strip()
    core = ascii_name
    for _ in range(3):  # "Acme Corporation Inc." sheds one suffix per pass
        stripped = basename(core)
        if not stripped or stripped == core:  # a name that is only "GmbH" keeps itself
            break
        core = stripped
    core = core.lower().replace("&", " and ")
    core = re.sub(r"[.']", "", core)  # A.C.M.E. and O'Neil stay one word
    core = " ".join(re.sub(r"[^a-z0-9]+", " ", core).split())
    while (shorter := _MORE_LEGAL_FORMS.sub("", core)) != core:
        core = shorter
    return bounded(core)
