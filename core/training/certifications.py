"""Certifications: issued when a learner has completed every course of a track, current until
they expire, renewed by passing the track's renewal quiz before they expire or within the
grace days after; a code on each certificate that anyone can check.

Codes are 24 random hexadecimal digits (96 bits, from `secrets`), never sequential; the
public check is rate-limited per client address and shows only the holder, the track and
whether it is valid."""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, events, ratelimit
from core.actor import Actor
from core.deals.schemas import add_months
from core.errors import NotFound
from core.notifications import notify
from core.permissions import require, scope
from core.training.events import CertificationChanged
from core.training.learning import RENEWAL_OPENS_DAYS, completed_families, lapsed_since
from core.training.schemas import CertificationOut
from db.models import Certification, CertificationTrack, Course, Partner, User
from db.types import utcnow

REMINDER_DAYS = (60, 30, 7)
VERIFY_LIMIT = 30  # code checks per client address per hour
VERIFY_MESSAGE = "Too many checks from your address. Please try again in {wait}."


def new_code() -> str:
    return grouped(secrets.token_hex(12))


def grouped(digits: str) -> str:
    """A code as it is printed and stored: its hexadecimal digits in upper case, in fours
    joined by dashes ("7F3A-09C2-..."); anything else typed is dropped."""
    kept = "".join(ch for ch in digits.upper() if ch in "0123456789ABCDEF")
    return "-".join(kept[i:i + 4] for i in range(0, len(kept), 4))


def is_current(cert: Certification, now: datetime) -> bool:
    return cert.revoked_at is None and cert.expires_at > now


# ---------------------------------------------------------------- issuing and renewing


def follow_completion(db: Session, actor: Actor, user_id: int, partner_id: int | None,
                      family: str, now: datetime) -> list[int]:
    """After a course is completed: issue each track whose courses the user has now all
    completed, or renew the tracks whose renewal quiz this was. The certifications touched."""
    if partner_id is None:
        return []
    kind = db.scalar(select(Course.kind).where(Course.family == family).limit(1))
    tracks = list(db.scalars(select(CertificationTrack).where(CertificationTrack.active)))
    if kind == "renewal":
        return [cid for t in tracks if t.renewal_family == family
                if (cid := _renew(db, actor, user_id, t, now)) is not None]
    issued = []
    for track in tracks:
        if family not in track.course_families:
            continue
        # After a certification lapsed for good, only courses taken since count again.
        # (Read per track: issuing one track changes what has lapsed for the next.)
        lapse = lapsed_since(db, user_id, family, now)
        if set(track.course_families) <= completed_families(db, user_id, lapse) and \
                (cid := _issue(db, actor, user_id, partner_id, track, now)) is not None:
            issued.append(cid)
    return issued


def _issue(db: Session, actor: Actor, user_id: int, partner_id: int,
           track: CertificationTrack, now: datetime) -> int | None:
    cert = db.scalar(select(Certification).where(Certification.user_id == user_id,
                                                 Certification.track_id == track.id))
    if cert is not None and is_current(cert, now):
        return None  # completing a course again changes nothing
    if cert is None:
        cert = Certification(user_id=user_id, partner_id=partner_id, track_id=track.id)
        db.add(cert)
    cert.code, cert.issued_at, cert.renewed_at = new_code(), now, None
    cert.expires_at, cert.expired_at, cert.revoked_at = \
        add_months(now, track.validity_months), None, None
    db.flush()
    _changed(db, actor, cert, "issued", now)
    notify(db, user_id, f"Certified: {track.name}",
           f"You are certified on {track.name} until {cert.expires_at:%Y-%m-%d}. Download "
           "your certificate from Training.", dedupe_key=f"cert-issued:{cert.id}:{cert.code}",
           now=now)
    return cert.id


def _renew(db: Session, actor: Actor, user_id: int, track: CertificationTrack,
           now: datetime) -> int | None:
    cert = db.scalar(select(Certification).where(Certification.user_id == user_id,
                                                 Certification.track_id == track.id))
    if cert is None or cert.revoked_at is not None or \
            now > cert.expires_at + timedelta(days=track.renewal_grace_days):
        return None  # nothing to renew: the track's courses certify again
    if now < cert.expires_at - timedelta(days=RENEWAL_OPENS_DAYS):
        return None  # not due yet: a renewal does not stack years ahead
    base = cert.expires_at if cert.expires_at > now else now
    cert.expires_at, cert.renewed_at, cert.expired_at = \
        add_months(base, track.validity_months), now, None
    db.flush()
    _changed(db, actor, cert, "renewed", now)
    return cert.id


def _changed(db: Session, actor: Actor, cert: Certification, change: str,
             now: datetime) -> None:
    audit.record(db, actor, f"training.certification_{change}", "certification", cert.id,
                 after={"user_id": cert.user_id, "track_id": cert.track_id,
                        "expires_at": cert.expires_at}, partner_id=cert.partner_id, now=now)
    events.publish(db, CertificationChanged(actor=actor, at=now, certification_id=cert.id,
                                            user_id=cert.user_id, partner_id=cert.partner_id,
                                            track_id=cert.track_id, change=change))


# ---------------------------------------------------------------- the job's part


@dataclass(frozen=True)
class ExpiryReport:
    expired: int
    reminded: int

    @property
    def message(self) -> str:
        return f"{self.expired} certifications expired, {self.reminded} reminders sent"


def expire_and_remind(db: Session, *, now: datetime | None = None) -> ExpiryReport:
    """Certifications past their expiry are marked expired (once, told to the holder and the
    other capabilities); holders are reminded 60, 30 and 7 days before (once each, whatever
    how often the job runs)."""
    now = now or utcnow()
    job = Actor.system("training-expiry")
    expired = 0
    for cert in db.scalars(select(Certification).where(
            Certification.expires_at <= now, Certification.expired_at.is_(None),
            Certification.revoked_at.is_(None)).with_for_update(skip_locked=True)):
        cert.expired_at = now
        _changed(db, job, cert, "expired", now)
        track = db.get(CertificationTrack, cert.track_id)
        notify(db, cert.user_id, f"Certification expired: {track.name}",
               f"Your certification on {track.name} expired on {cert.expires_at:%Y-%m-%d}. "
               "Pass its renewal quiz within the grace period, or its courses again.",
               dedupe_key=f"cert-expired:{cert.id}:{cert.expires_at:%Y%m%d}", now=now)
        expired += 1
    reminded = 0
    horizon = now + timedelta(days=max(REMINDER_DAYS))
    for cert, name in db.execute(select(Certification, CertificationTrack.name).join(
            CertificationTrack, CertificationTrack.id == Certification.track_id).where(
            Certification.expires_at > now, Certification.expires_at <= horizon,
            Certification.revoked_at.is_(None))):
        left = cert.expires_at - now
        due = [d for d in REMINDER_DAYS if left <= timedelta(days=d)]
        days = min(due)  # the nearest reminder due: an earlier one missed is not sent late
        reminded += notify(
            db, cert.user_id, f"Certification expires in {days} days: {name}",
            f"Your certification on {name} expires on {cert.expires_at:%Y-%m-%d}. Pass its "
            "renewal quiz in Training to keep it.",
            dedupe_key=f"cert-reminder:{cert.id}:{cert.expires_at:%Y%m%d}:{days}", now=now)
    db.flush()
    return ExpiryReport(expired, reminded)


# ---------------------------------------------------------------- reading


def certifications(db: Session, actor: Actor, *, user_id: int | None = None,
                   partner_id: int | None = None, certification_id: int | None = None,
                   now: datetime | None = None) -> list[CertificationOut]:
    """Certifications the actor may see: a partner user its own, a partner admin its team's,
    the vendor everyone's (one user's with `user_id`, one partner's with `partner_id`)."""
    require(actor, "training.progress")
    now = now or utcnow()
    q = (select(Certification, User.display_name, Partner.name, CertificationTrack.name)
         .join(User, User.id == Certification.user_id)
         .join(Partner, Partner.id == Certification.partner_id)
         .join(CertificationTrack, CertificationTrack.id == Certification.track_id)
         .order_by(Certification.expires_at))
    q = scope(actor, q, Certification)
    if actor.role.value == "partner_user":
        q = q.where(Certification.user_id == actor.user_id)
    if user_id is not None:
        q = q.where(Certification.user_id == user_id)
    if partner_id is not None:
        q = q.where(Certification.partner_id == partner_id)
    if certification_id is not None:
        q = q.where(Certification.id == certification_id)
    return [_out(c, holder, partner, track, now) for c, holder, partner, track in db.execute(q)]


def certificate(db: Session, actor: Actor, certification_id: int, *,
                now: datetime | None = None) -> CertificationOut:
    """One certification the actor may see (its holder, the holder's partner admin, the
    vendor); another's is "not found"."""
    found = certifications(db, actor, certification_id=certification_id, now=now)
    if not found:
        raise NotFound("certification")
    return found[0]


@dataclass(frozen=True)
class Verification:
    """What the public check shows: nothing else about the holder."""

    valid: bool
    holder: str | None = None
    track: str | None = None
    expires_at: datetime | None = None


def verify(db: Session, code: str, client: str, *, now: datetime | None = None) -> Verification:
    """Anyone checks a certificate's code (rate-limited per client address)."""
    now = now or utcnow()
    ratelimit.check_and_count(db, ratelimit.Limit(
        "certificate-check", client, VERIFY_LIMIT, timedelta(hours=1), VERIFY_MESSAGE,
        field="code"), now=now)
    text = grouped(str(code or "")[:80])  # typed with or without dashes, in any case
    row = db.execute(select(Certification, User.display_name, CertificationTrack.name)
                     .join(User, User.id == Certification.user_id)
                     .join(CertificationTrack, CertificationTrack.id == Certification.track_id)
                     .where(Certification.code == text)).first()
    if row is None:
        return Verification(False)
    cert, holder, track = row
    return Verification(is_current(cert, now), holder, track, cert.expires_at)


def current_counts(db: Session, *, now: datetime | None = None) -> dict[int, int]:
    """{partner id: its users with a current certification}: one GROUP BY."""
    now = now or utcnow()
    return dict(db.execute(
        select(Certification.partner_id, func.count(Certification.user_id.distinct()))
        .join(User, User.id == Certification.user_id)
        .where(Certification.expires_at > now, Certification.revoked_at.is_(None),
               User.is_active)
        .group_by(Certification.partner_id)).tuples().all())


def _out(c: Certification, holder: str, partner: str, track: str,
         now: datetime) -> CertificationOut:
    return CertificationOut(c.id, c.user_id, holder, c.partner_id, partner, c.track_id, track,
                            c.code, c.issued_at, c.renewed_at, c.expires_at,
                            is_current(c, now))


def certificate_file(db: Session, actor: Actor, certification_id: int, *,
                     now: datetime | None = None) -> tuple[str, bytes]:
    """The certificate PDF of a certification the actor may see, and its file name."""
    from core.training.certificate_pdf import certificate_pdf

    cert = certificate(db, actor, certification_id, now=now)
    safe = "".join(ch if ch.isalnum() else "_" for ch in cert.track_name)[:60]
    return f"certificate_{safe}_{cert.code}.pdf", certificate_pdf(cert)


def certified_per_line(db: Session, *, now: datetime | None = None) -> dict[tuple[int, int], int]:
    """{(partner id, product line id): its active users holding a current certification on a
    track that certifies the line}: the fact lead routing reads (eligibility and score)."""
    now = now or utcnow()
    counted: dict[tuple[int, int], set[int]] = defaultdict(set)
    for partner_id, user_id, line_ids in db.execute(
            select(Certification.partner_id, Certification.user_id,
                   CertificationTrack.product_line_ids)
            .join(CertificationTrack, CertificationTrack.id == Certification.track_id)
            .join(User, User.id == Certification.user_id)
            .where(Certification.expires_at > now, Certification.revoked_at.is_(None),
                   User.is_active)):
        for line in line_ids or []:
            counted[(partner_id, line)].add(user_id)
    return {key: len(users) for key, users in counted.items()}
