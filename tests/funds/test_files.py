"""Proof-of-performance files: the type told by the content, a size limit, nothing kept when
one file of a claim is refused, the bytes kept once by their hash, and served only through a
claim the reader may see: the vendor's fund roles and the partner that owns it."""

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import select

from core.errors import NotFound, PermissionDenied, RuleViolation
from core.funds import claim_file, file_by_hash, submit_claim
from core.settings import get_settings
from db.models import User
from tests.conftest import actor_for
from tests.funds.helpers import admin_of_tier, after, approved, claimed, funded, pdf

pytestmark = pytest.mark.usefixtures("backend")

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200  # a Linux executable's first bytes
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200  # a Windows one's


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    """A private upload folder, to see exactly what is kept."""
    monkeypatch.setenv("PRM_UPLOAD_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path / "funds"
    get_settings.cache_clear()


def kept(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["name", "company"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def claim_with(db, files):
    program, partner, _ = funded(db)
    request = approved(db, partner, program)
    return partner, request, lambda: submit_claim(db, partner, request.id, {
        "actual_spend": "4000", "claimed_amount": "2000"}, files, now=after(request))


@pytest.mark.parametrize(("name", "data", "words"), [
    ("invoice.pdf", ELF, "not accepted as proof"),
    ("invoice.pdf", MZ, "not accepted as proof"),
    ("photo.png", pdf()[1], "is a PDF document, not what its name says"),
    ("sheet.xlsx", b"PK\x03\x04" + b"\x00" * 100, "not accepted as proof"),
    ("empty.pdf", b"", "empty"),
])
def test_a_file_that_is_not_what_proof_may_be_is_refused_and_nothing_kept(seeded_db, uploads,
                                                                           name, data, words):
    _, _, submit = claim_with(seeded_db, [pdf("good"), (name, data)])
    with pytest.raises(RuleViolation, match=words) as refused:
        submit()
    assert refused.value.field == "file" and name in str(refused.value)
    assert kept(uploads) == []  # not even the good file


def test_a_file_over_the_limit_is_refused(seeded_db, uploads, monkeypatch):
    monkeypatch.setenv("PRM_PROOF_MAX_MB", "1")
    get_settings.cache_clear()
    big = pdf()[1] + b"%" * (1024 * 1024)
    _, _, submit = claim_with(seeded_db, [("big.pdf", big)])
    with pytest.raises(RuleViolation, match="larger than 1 MB"):
        submit()
    assert kept(uploads) == []


def image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(out, kind)
    return out.getvalue()


def test_pdf_images_csv_and_xlsx_are_kept_once_by_their_hash(seeded_db, uploads):
    files = [pdf(), pdf(), ("attendees.csv", b"name,company\nAda,Acme\n"),
             ("leads.xlsx", xlsx()), ("booth.png", image("PNG")), ("crowd.jpg", image("JPEG")),
             ("screenshot", image("PNG"))]  # a name without an extension: the content says
    _, _, submit = claim_with(seeded_db, files)
    done = submit()
    kinds = [f.kind for f in done.claim.files]
    assert kinds == ["PDF document", "PDF document", "CSV file", "Excel workbook", "PNG image",
                     "JPEG image", "PNG image"]
    assert len(kept(uploads)) == len({f.sha256 for f in done.claim.files})
    assert kept(uploads) == sorted({f.sha256 for f in done.claim.files})


def test_a_file_is_served_to_its_partner_and_the_fund_roles_only(seeded_db, uploads):
    program, partner, _ = funded(seeded_db)
    request = claimed(seeded_db, partner, program)
    [proof] = request.claim.files
    for username in ("finance", "marketing", "admin", partner.label):
        got = claim_file(seeded_db, actor_for(seeded_db, username), request.claim.id, proof.id)
        assert got.data.startswith(b"%PDF") and got.name == proof.file_name
        assert file_by_hash(seeded_db, actor_for(seeded_db, username), proof.sha256).data == \
            got.data
    other = actor_for(seeded_db, admin_of_tier(seeded_db, "Silver"))
    with pytest.raises(NotFound):
        claim_file(seeded_db, other, request.claim.id, proof.id)
    with pytest.raises(NotFound):  # even knowing the hash
        file_by_hash(seeded_db, other, proof.sha256)
    for username in ("channel", "exec", "analyst"):
        with pytest.raises(PermissionDenied):
            claim_file(seeded_db, actor_for(seeded_db, username), request.claim.id, proof.id)
    rep = seeded_db.scalar(select(User.username).where(
        User.partner_id == partner.partner_id, User.role == "partner_user"))
    with pytest.raises(PermissionDenied):
        claim_file(seeded_db, actor_for(seeded_db, rep), request.claim.id, proof.id)


def test_an_office_zip_that_is_not_a_workbook_is_refused(seeded_db, uploads):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("payload/run.sh", "echo hi")
    _, _, submit = claim_with(seeded_db, [("sheet.xlsx", out.getvalue())])
    with pytest.raises(RuleViolation, match="not accepted as proof"):
        submit()
