"""Finding what each capability package registers: its jobs (`core/<package>/jobs.py`) and its
event subscribers (`core/<package>/subscribers.py`). A package registers them when that
module is imported; the kernel imports every such module once, so no central list has to
name them and a new capability needs no edit here."""

import importlib
import pkgutil
from functools import cache
from pathlib import Path

CORE = Path(__file__).resolve().parent


@cache
def load(module_name: str) -> tuple[str, ...]:
    """Import `core.<package>.<module_name>` for every package under core/ that has one;
    the names imported, sorted."""
    found = []
    for info in sorted(pkgutil.iter_modules([str(CORE)]), key=lambda i: i.name):
        if info.ispkg and (CORE / info.name / f"{module_name}.py").exists():
            name = f"core.{info.name}.{module_name}"
            importlib.import_module(name)
            found.append(name)
    return tuple(found)
