"""The exact normalized form of a company name (a key for equality, not for fuzzy scoring)."""

import re

from anyascii import anyascii
from cleanco import basename


def normalize_name(name: str) -> str:
    """'Société Générale S.A.' -> 'societe generale'; 'ACME, Inc.' -> 'acme'.

    Accents become ASCII, legal suffixes go (cleanco), then case and punctuation."""
    ascii_name = anyascii(name or "").strip()
    core = ascii_name
    for _ in range(3):  # "Acme Corporation Inc." sheds one suffix per pass
        stripped = basename(core)
        if not stripped or stripped == core:  # a name that is only "GmbH" keeps itself
            break
        core = stripped
    core = core.lower().replace("&", " and ")
    core = re.sub(r"[.']", "", core)  # A.C.M.E. and O'Neil stay one word
    core = re.sub(r"[^a-z0-9]+", " ", core)
    return " ".join(core.split())
