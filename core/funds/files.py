"""Proof-of-performance files of a claim: PDF, PNG, JPEG, CSV or XLSX, told by content, at most
PRM_PROOF_MAX_MB each, kept under PRM_UPLOAD_DIR by content hash. A file is reached only
through its claim: the vendor's fund roles and the partner that owns the claim; another
partner holding the same hash gets NotFound."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.permissions import can, require
from core.settings import get_settings
from core.uploads import checked_kind, read_by_hash, store_by_hash
from db.models import FundClaim, FundClaimFile

AREA = "funds"
ALLOWED = {".pdf": "PDF document", ".png": "PNG image", ".jpg": "JPEG image",
           ".jpeg": "JPEG image", ".csv": "CSV file", ".xlsx": "Excel workbook"}
REFUSAL = "This type of file is not accepted as proof: PDF, PNG, JPEG, CSV and XLSX are."
MAX_FILES = 20


@dataclass(frozen=True)
class ProofFile:
    name: str
    kind: str
    data: bytes


def checked_files(files: list[tuple[str, bytes]]) -> list[tuple[str, str, bytes]]:
    """(name, kind, bytes) of each file, all checked before any is kept: one refused file
    refuses the lot, and nothing is stored."""
    if len(files) > MAX_FILES:
        raise RuleViolation(f"Attach at most {MAX_FILES} files at a time.", field="file")
    out = []
    for name, data in files:
        try:
            kind = checked_kind(name, data, ALLOWED, REFUSAL,
                                max_mb=get_settings().proof_max_mb)
        except RuleViolation as exc:
            raise RuleViolation(f"{Path(name).name}: {exc}", field="file") from None
        out.append((Path(name).name[:200] or "proof", kind, data))
    return out


def keep_files(db: Session, actor: Actor, claim: FundClaim,
               files: list[tuple[str, str, bytes]], now: datetime) -> int:
    for name, kind, data in files:
        digest = store_by_hash(AREA, data)
        db.add(FundClaimFile(claim_id=claim.id, file_name=name, sha256=digest, kind=kind,
                             size=len(data), uploaded_by_user_id=actor.user_id,
                             uploaded_at=now))
    db.flush()
    return len(files)


def claim_file(db: Session, actor: Actor, claim_id: int, file_id: int) -> ProofFile:
    """A claim's file for the vendor's fund roles or the partner admin that owns the claim."""
    require(actor, "fund.files")
    claim = db.get(FundClaim, claim_id) if isinstance(claim_id, int) else None
    if claim is None or not can(actor, "fund.files", claim):
        raise NotFound("file")
    row = db.scalar(select(FundClaimFile).where(FundClaimFile.id == file_id,
                                                FundClaimFile.claim_id == claim.id))
    data = read_by_hash(AREA, row.sha256) if row is not None else None
    if data is None:
        raise NotFound("file")
    return ProofFile(row.file_name, row.kind, data)


def file_by_hash(db: Session, actor: Actor, digest: str) -> ProofFile:
    """A file by its content hash, for a reader who may see one of the claims holding it."""
    require(actor, "fund.files")
    rows = db.execute(select(FundClaimFile, FundClaim).join(
        FundClaim, FundClaim.id == FundClaimFile.claim_id).where(
        FundClaimFile.sha256 == str(digest))).all()
    for row, claim in rows:
        if can(actor, "fund.files", claim):
            return claim_file(db, actor, claim.id, row.id)
    raise NotFound("file")
