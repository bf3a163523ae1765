"""The asset library: files and links in folders, with tags, versions and an audience.

Marketing (and the admin) add assets, new versions and change who sees them; everyone signed
in reads the library, a partner only what is targeted to it: an asset outside its audience is
"not found" by id, and its files are reached only through the asset (never by hash). Every
download and every opened link is recorded: who, which version, when."""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.actor import Actor
from core.errors import NotFound, RuleViolation
from core.events import publish
from core.permissions import require
from core.portal.audience import AudienceIn, Viewer, check_tiers, describe, viewer
from core.portal.events import AssetDownloaded
from core.portal.templates import pdf_pages
from core.uploads import checked_kind, read_by_hash, store_by_hash
from core.validation import OptionalText, RequiredText, Website, as_model
from db.models import Asset, AssetDownload, AssetVersion, User
from db.types import utcnow

AREA = "portal"
ALLOWED = {".pdf": ".pdf", ".png": ".png", ".jpg": ".jpg", ".jpeg": ".jpg", ".pptx": ".pptx",
           ".docx": ".docx", ".xlsx": ".xlsx"}
REFUSAL = "This type of file is not accepted: PDF, PNG, JPEG, PowerPoint, Word and Excel are."
MAX_MB = 25
MIME = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
        ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class AssetIn(BaseModel):
    title: RequiredText(200, "Give the asset a title.",
                        too_long="Keep the title to 200 characters.") = ""
    description: OptionalText(2000, multiline=True) = ""
    folder: OptionalText(200) = ""
    tags: list[str] = []
    url: Website(invalid="Give the link's address, e.g. https://vendor.example/video.",
                 scheme=True) = ""

    @field_validator("url")
    @classmethod
    def _web(cls, v: str) -> str:
        if v and not v.lower().startswith(("https://", "http://")):
            raise ValueError("Give a web address (https://...).")
        return v
    audience: AudienceIn = AudienceIn()

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, v) -> list[str]:
        if isinstance(v, str):
            v = v.split(",")
        tags = sorted({" ".join(str(t).split()).lower() for t in v or [] if str(t).strip()})
        if any(len(t) > 40 for t in tags) or len(tags) > 20:
            raise ValueError("Give at most 20 tags of up to 40 characters.")
        return tags

    @field_validator("folder")
    @classmethod
    def _folder(cls, v: str) -> str:
        return "/".join(p.strip() for p in v.split("/") if p.strip())


@dataclass(frozen=True)
class VersionOut:
    id: int
    number: int
    file_name: str | None
    url: str | None
    size: int
    note: str
    created_at: datetime
    downloads: int


@dataclass(frozen=True)
class AssetOut:
    id: int
    title: str
    description: str
    folder: str
    tags: tuple[str, ...]
    kind: str  # file or link
    audience: str
    current_version: int
    file_name: str | None
    file_kind: str | None  # .pdf, .png ... of the current version (a file's)
    url: str | None
    cobrand: bool  # a template a partner can put its logo on
    updated_at: datetime
    downloads: int  # of every version
    new: bool = False  # newer than the reader's last visit to the library (or no visit)


@dataclass(frozen=True)
class Download:
    file_name: str
    data: bytes
    mime: str


# ---------------------------------------------------------------- writing


def _file(file: tuple[str, bytes]) -> tuple[str, bytes, str]:
    name, data = file
    kind = checked_kind(name, data, ALLOWED, REFUSAL, max_mb=MAX_MB)
    if kind == ".pdf":
        pdf_pages(data)  # a PDF that cannot be read is refused now, not when it is used
    return (name or f"file{kind}")[:200], data, kind


def create_asset(db: Session, actor: Actor, data: AssetIn | dict,
                 file: tuple[str, bytes] | None = None, *,
                 now: datetime | None = None) -> AssetOut:
    """A file (given) or a link (its url); audited."""
    require(actor, "portal.content")
    data = as_model(AssetIn, data)
    check_tiers(db, data.audience.tier_ids)
    if (file is None) == (not data.url):
        raise RuleViolation("Upload a file or give a link (one of them).", field="file")
    now = now or utcnow()
    checked = _file(file) if file is not None else None
    asset = Asset(title=data.title, description=data.description, folder=data.folder,
                  tags=data.tags, kind="file" if checked else "link",
                  target_tier_ids=data.audience.tier_ids, target_types=data.audience.types,
                  target_regions=data.audience.regions, current_version=1,
                  created_by_user_id=actor.user_id, created_at=now, updated_at=now)
    db.add(asset)
    db.flush()
    _add_version(db, actor, asset, 1, checked, data.url, "", now)
    audit.record(db, actor, "asset.create", "asset", asset.id, after=_snapshot(asset), now=now)
    return _out(db, asset)


def add_version(db: Session, actor: Actor, asset_id: int, *,
                file: tuple[str, bytes] | None = None, url: str = "", note: str = "",
                now: datetime | None = None) -> AssetOut:
    """A new version (of the same kind); the old ones stay with their downloads."""
    require(actor, "portal.content")
    asset = load_asset(db, Viewer(vendor=True), asset_id)
    now = now or utcnow()
    if asset.kind == "file":
        if file is None:
            raise RuleViolation("Upload the new version's file.", field="file")
        checked, link = _file(file), None
    else:
        checked, link = None, as_model(AssetIn, {"title": asset.title, "url": url}).url
        if not link:
            raise RuleViolation("Give the new version's link.", field="url")
    before = {"current_version": asset.current_version, "cobrand_page": asset.cobrand_page}
    asset.current_version += 1
    # A new file's pages differ: its co-branding area is marked again, on it.
    asset.cobrand_page = asset.cobrand_box = None
    asset.updated_at = now
    _add_version(db, actor, asset, asset.current_version, checked, link, note[:500], now)
    audit.record(db, actor, "asset.version", "asset", asset.id, before=before,
                 after={"current_version": asset.current_version, "note": note[:500]},
                 now=now)
    return _out(db, asset)


def update_asset(db: Session, actor: Actor, asset_id: int, data: AssetIn | dict, *,
                 now: datetime | None = None) -> AssetOut:
    """Title, description, folder, tags and audience (not the file: a new version)."""
    require(actor, "portal.content")
    data = as_model(AssetIn, data)
    check_tiers(db, data.audience.tier_ids)
    asset = load_asset(db, Viewer(vendor=True), asset_id)
    before = _snapshot(asset)
    asset.title, asset.description, asset.folder, asset.tags = (
        data.title, data.description, data.folder, data.tags)
    asset.target_tier_ids, asset.target_types, asset.target_regions = (
        data.audience.tier_ids, data.audience.types, data.audience.regions)
    asset.updated_at = now or utcnow()
    audit.record(db, actor, "asset.update", "asset", asset.id, before=before,
                 after=_snapshot(asset), now=asset.updated_at)
    return _out(db, asset)


def archive_asset(db: Session, actor: Actor, asset_id: int, *,
                  now: datetime | None = None) -> None:
    """Out of the library for partners; its history stays."""
    require(actor, "portal.content")
    asset = load_asset(db, Viewer(vendor=True), asset_id)
    asset.archived_at = now or utcnow()
    audit.record(db, actor, "asset.archive", "asset", asset.id, now=asset.archived_at)


def _add_version(db, actor, asset, number, checked, url, note, now) -> AssetVersion:
    name, data, kind = checked or (None, None, None)
    version = AssetVersion(asset_id=asset.id, number=number, file_name=name,
                           content_hash=store_by_hash(AREA, data) if data else None,
                           size=len(data) if data else 0, file_kind=kind, url=url or None,
                           note=note, created_by_user_id=actor.user_id, created_at=now)
    db.add(version)
    db.flush()
    return version


def _snapshot(a: Asset) -> dict:
    return audit.snapshot(a, ["title", "folder", "tags", "target_tier_ids", "target_types",
                              "target_regions"])


# ---------------------------------------------------------------- reading


def load_asset(db: Session, who: Viewer, asset_id: int) -> Asset:
    """The asset, when the reader is in its audience (and it is not archived for a
    partner); NotFound otherwise, the same as for no asset at all."""
    asset = db.get(Asset, asset_id)
    if asset is None or not who.sees(asset) or (asset.archived_at and not who.vendor):
        raise NotFound("asset")
    return asset


def list_assets(db: Session, actor: Actor, *, search: str = "", folder: str = "",
                tag: str = "", archived: bool = False) -> list[AssetOut]:
    """The library as the reader may see it, newest first; search by title or tag."""
    require(actor, "portal.view")
    who = viewer(db, actor)
    q = select(Asset).order_by(Asset.updated_at.desc(), Asset.id.desc())
    if not (archived and who.vendor):
        q = q.where(Asset.archived_at.is_(None))
    if folder:
        q = q.where((Asset.folder == folder) | Asset.folder.startswith(folder + "/"))
    needle = " ".join(search.lower().split())
    seen_at = _seen_at(db, actor)
    out = []
    for asset in db.scalars(q):
        if not who.sees(asset) or (tag and tag.lower() not in asset.tags):
            continue
        if needle and needle not in asset.title.lower() and \
                not any(needle in t for t in asset.tags):
            continue
        out.append(asset)
    counts = _downloads(db, [a.id for a in out])
    return [_out(db, a, counts.get(a.id, 0), seen_at) for a in out]


def get_asset(db: Session, actor: Actor, asset_id: int) -> AssetOut:
    require(actor, "portal.view")
    return _out(db, load_asset(db, viewer(db, actor), asset_id))


def versions(db: Session, actor: Actor, asset_id: int) -> list[VersionOut]:
    """Every version, newest first, with its downloads (vendor staff see the history)."""
    require(actor, "portal.content")
    load_asset(db, Viewer(vendor=True), asset_id)
    counts = dict(db.execute(select(AssetDownload.version_id, func.count())
                             .where(AssetDownload.asset_id == asset_id)
                             .group_by(AssetDownload.version_id)).tuples().all())
    return [VersionOut(v.id, v.number, v.file_name, v.url, v.size, v.note, v.created_at,
                       counts.get(v.id, 0))
            for v in db.scalars(select(AssetVersion).where(AssetVersion.asset_id == asset_id)
                                .order_by(AssetVersion.number.desc()))]


def download(db: Session, actor: Actor, asset_id: int, *,
             now: datetime | None = None) -> Download:
    """The current version's file, recorded as taken by the reader."""
    require(actor, "portal.view")
    asset = load_asset(db, viewer(db, actor), asset_id)
    version = current(db, asset)
    if asset.kind != "file":
        raise RuleViolation("This asset is a link: open it.", field="asset")
    data = read_by_hash(AREA, version.content_hash or "")
    if data is None:
        raise NotFound("the asset's file")
    record_download(db, actor, asset, version, now=now)
    return Download(version.file_name or f"asset-{asset.id}{version.file_kind}", data,
                    MIME.get(version.file_kind or "", "application/octet-stream"))


def open_link(db: Session, actor: Actor, asset_id: int, *, now: datetime | None = None) -> str:
    """The current version's link, recorded as opened by the reader."""
    require(actor, "portal.view")
    asset = load_asset(db, viewer(db, actor), asset_id)
    version = current(db, asset)
    if asset.kind != "link":
        raise RuleViolation("This asset is a file: download it.", field="asset")
    record_download(db, actor, asset, version, now=now)
    return version.url or ""


def current(db: Session, asset: Asset) -> AssetVersion:
    return db.scalar(select(AssetVersion).where(AssetVersion.asset_id == asset.id,
                                                AssetVersion.number == asset.current_version))


def record_download(db: Session, actor: Actor, asset: Asset, version: AssetVersion, *,
                    cobranded: bool = False, now: datetime | None = None) -> None:
    now = now or utcnow()
    db.add(AssetDownload(asset_id=asset.id, version_id=version.id, user_id=actor.user_id,
                         partner_id=actor.partner_id, cobranded=cobranded, at=now))
    db.flush()
    if actor.partner_id is not None:
        publish(db, AssetDownloaded(actor=actor, at=now, partner_id=actor.partner_id,
                                    asset_id=asset.id, version=version.number,
                                    cobranded=cobranded))


def mark_library_seen(db: Session, actor: Actor, *, now: datetime | None = None) -> None:
    """The reader opened the library: what is newer than now is "new" next time."""
    if actor.user_id is not None:
        user = db.get(User, actor.user_id)
        if user is not None:
            user.library_seen_at = now or utcnow()


def new_since_last_visit(db: Session, actor: Actor) -> int:
    """Assets of the reader's audience changed since it last opened the library."""
    return sum(1 for a in list_assets(db, actor) if a.new)


def folders(db: Session, actor: Actor) -> list[str]:
    """The folders of the assets the reader sees, with their parents."""
    out: set[str] = set()
    for a in list_assets(db, actor):
        parts = a.folder.split("/") if a.folder else []
        out.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sorted(out)


def _seen_at(db: Session, actor: Actor) -> datetime | None:
    if actor.user_id is None:
        return None
    return db.scalar(select(User.library_seen_at).where(User.id == actor.user_id))


def _downloads(db: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(db.execute(select(AssetDownload.asset_id, func.count())
                           .where(AssetDownload.asset_id.in_(ids))
                           .group_by(AssetDownload.asset_id)).tuples().all())


def _out(db: Session, a: Asset, downloads: int | None = None,
         seen_at: datetime | None = None) -> AssetOut:
    v = current(db, a)
    if downloads is None:
        downloads = _downloads(db, [a.id]).get(a.id, 0)
    return AssetOut(a.id, a.title, a.description, a.folder, tuple(a.tags), a.kind,
                    describe(db, a), a.current_version, v.file_name if v else None,
                    v.file_kind if v else None, v.url if v else None,
                    a.cobrand_page is not None, a.updated_at, downloads,
                    seen_at is None or a.updated_at > seen_at)
