"""Typed names keyed as the services key them (core.customers.normalize_name and the
core.customers.matching keys): each distinct name once, in worker processes when there are many."""

import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.customers import normalize_name
from core.customers.matching import name_form, name_key, retrieval_keys

POOL_THRESHOLD = 20_000  # distinct names; fewer are keyed in this process


@dataclass(frozen=True)
class Keyed:
    """What the services derive from a typed name."""

    normalized: str  # core.customers.normalize_name
    form: str  # core.customers.matching.name_form(name_key(name))
    keys: tuple[str, ...]  # core.customers.matching.retrieval_keys(name_key(name)), sorted


def key_name(name: str) -> Keyed:
    key = name_key.__wrapped__(name) if hasattr(name_key, "__wrapped__") else name_key(name)
    return Keyed(normalize_name(name), name_form(key), tuple(sorted(retrieval_keys(key))))


def _key_chunk(names: list[str]) -> list[Keyed]:
    return [key_name(n) for n in names]


def _keying_process() -> None:
    """In the keying processes only: name_key normalizes the same text two or three times
    per name; normalize_name is pure, so a memo there gives the same keys in less time."""
    import core.customers.matching

    memo = lru_cache(maxsize=8192)(core.customers.matching.normalize_name)
    core.customers.matching.normalize_name = memo
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
