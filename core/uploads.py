"""Uploaded files, checked and kept: a file's type is told by its content (puremagic reads its
first bytes), never by its name, so an executable renamed .pdf is refused; a size limit; and
the bytes kept under PRM_UPLOAD_DIR (one folder every replica shares), either by their content
hash or under a fresh name. Nothing is stored when a file is refused."""

import hashlib
import io
import os
import uuid
import zipfile
from collections.abc import Mapping
from pathlib import Path

import puremagic

from core.errors import RuleViolation
from core.settings import get_settings

# An office document is a zip holding these parts; any other zip is not one.
OFFICE_PARTS = {".docx": "word/", ".pptx": "ppt/", ".xlsx": "xl/"}
CSV = ".csv"
# What puremagic may call a JPEG (a JFIF one, most cameras' and Pillow's, reads as ".jfif").
JPEG_NAMES = {".jfif": ".jpg", ".jpe": ".jpg", ".jif": ".jpg", ".jfi": ".jpg"}


def checked_kind(file_name: str, data: bytes, allowed: Mapping[str, str], refusal: str, *,
                 max_mb: int) -> str:
    """What the file is (a value of `allowed`, which maps extensions to kinds), or a
    RuleViolation on the "file" field: empty, larger than max_mb, a type not allowed
    (`refusal` says which are), or content that is not what its name says."""
    if not data:
        raise RuleViolation("The file is empty.", field="file")
    if len(data) > max_mb * 1024 * 1024:
        raise RuleViolation(f"The file is larger than {max_mb} MB.", field="file")
    kind = content_kind(data, allowed, refusal)
    said = Path(file_name or "").suffix.lower()
    if said and allowed.get(said) != kind:
        raise RuleViolation(f"The file is a {kind}, not what its name says ({said}).",
                            field="file")
    return kind


def content_kind(data: bytes, allowed: Mapping[str, str], refusal: str) -> str:
    try:
        found = puremagic.from_string(data[:8192]).lower()
    except puremagic.PureError:
        found = ""
    found = JPEG_NAMES.get(found, found)
    if found in OFFICE_PARTS:  # puremagic reads any zip as some office type: the parts say
        found = _office(data) or ".zip"
    if not found and CSV in allowed and _delimited_text(data):
        found = CSV
    kind = allowed.get(found)
    if kind is None:
        raise RuleViolation(refusal, field="file")
    return kind


def _office(data: bytes) -> str | None:
    """The office type (".xlsx", ...) of a zip holding that type's parts, else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((ext for ext, part in OFFICE_PARTS.items()
                 if any(name.startswith(part) for name in names)), None)


def _delimited_text(data: bytes) -> bool:
    """Text (UTF-8 or Latin-1, no control characters but tabs and line ends) whose first line
    has a comma, semicolon or tab: a CSV file has no magic number of its own."""
    sample = data[:65536]
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = sample.decode("latin-1")
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return False
    first = text.splitlines()[0] if text.splitlines() else ""
    return any(sep in first for sep in (",", ";", "\t"))


def folder(name: str) -> Path:
    path = Path(get_settings().upload_dir) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_by_hash(area: str, data: bytes) -> str:
    """Keep the bytes under `area` named by their SHA-256 (once: the same content uploaded
    twice is one file); returns the hash."""
    digest = hashlib.sha256(data).hexdigest()
    path = folder(area) / digest
    if not path.is_file():
        temporary = path.with_name(f"{digest}.{uuid.uuid4().hex}.part")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    return digest


def read_by_hash(area: str, digest: str) -> bytes | None:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        return None
    path = folder(area) / digest
    return path.read_bytes() if path.is_file() else None
