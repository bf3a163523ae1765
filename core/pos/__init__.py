"""POS data (issue #19): sell-through files in, by page or shell, cleansed column by column
into clean lines and exceptions with their reasons. See each module's docstring."""

from core.pos.importer import PosImportReport, UnmappedColumns, import_pos
from core.pos.mapping import FIELDS, REQUIRED, guess_mapping
from core.pos.reading import TableError, read_sheet

__all__ = ["FIELDS", "REQUIRED", "PosImportReport", "TableError", "UnmappedColumns",
           "guess_mapping", "import_pos", "read_sheet"]
