"""The public form's limits over time (per client address, per e-mail address, per company
e-mail domain), the client address behind proxies, and the fixed confirmation mail; on SQLite
and PostgreSQL, with the clock injected."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import ratelimit
from core.errors import RuleViolation
from core.ratelimit import Limit, client_address
from core.recruitment import confirmation_text
from core.settings import get_settings
from db.models import OutboxMail, PartnerApplication, RateLimitHit
from tests.conftest import NOW
from tests.recruitment.test_recruitment import (
    DEMO_APPLICATIONS,
    company,
    count,
    form,
    submit,
    written,
)

IP = "203.0.113.7"


def apply(db, n: int, *, at=NOW, ip="", email=None):
    """A different company each time, from a session of its own: only the new limits apply."""
    data = company(n) | ({"contact_email": email} if email else {})
    return submit(db, data, ref=f"s-{n}", now=at, client_address=ip)


def everything(db) -> dict:
    return written(db) | {"hits": count(db, RateLimitHit)}


# ---------------------------------------------------------------- per client address


def test_one_address_sends_five_applications_an_hour(seeded_db):
    for n in range(5):
        apply(seeded_db, n, ip=IP, at=NOW + timedelta(minutes=n))
    before = everything(seeded_db)
    with pytest.raises(RuleViolation) as exc:
        apply(seeded_db, 5, ip=IP, at=NOW + timedelta(minutes=10))
    assert str(exc.value) == ("Too many applications from your network in the last hour. "
                              "Please try again in 50 minutes.")
    assert exc.value.field is None
    assert everything(seeded_db) == before  # a refusal writes nothing, not even a hit
    apply(seeded_db, 6, ip="198.51.100.9", at=NOW + timedelta(minutes=10))  # another address
    # An hour after the first, there is room for one more again.
    apply(seeded_db, 7, ip=IP, at=NOW + timedelta(minutes=60, seconds=1))
    with pytest.raises(RuleViolation, match="try again in 1 minute"):
        apply(seeded_db, 8, ip=IP, at=NOW + timedelta(minutes=60, seconds=2))
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS + 7


def test_without_a_client_address_only_the_email_limits_apply(seeded_db):
    for n in range(8):
        apply(seeded_db, n, ip="", at=NOW + timedelta(minutes=n))
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS + 8


def test_refused_forms_count_nothing(seeded_db):
    """Only accepted applications count: a visitor who corrects typos is not locked out."""
    for n in range(5):
        with pytest.raises(Exception):  # noqa: B017 - any refusal: invalid or duplicate
            submit(seeded_db, company(n) | {"contact_email": "not-an-address"}, ref=f"s-{n}",
                   now=NOW, client_address=IP)
    assert count(seeded_db, RateLimitHit) == 0
    apply(seeded_db, 9, ip=IP)


# ---------------------------------------------------------------- per e-mail address, domain


def test_one_email_address_is_sent_three_confirmations_a_day(seeded_db):
    for n, email in enumerate(("jane@gmail.com", "jane+1@gmail.com", "Jane+x@gmail.com")):
        apply(seeded_db, n, email=email, at=NOW + timedelta(hours=n))
    before = everything(seeded_db)
    with pytest.raises(RuleViolation) as exc:  # "+tags" reach the same inbox
        apply(seeded_db, 3, email="Jane+Again@GMAIL.com", at=NOW + timedelta(hours=3))
    assert str(exc.value) == ("Too many applications with this e-mail address today. "
                              "Please try again in 21 hours.")
    assert exc.value.field == "contact_email"
    assert everything(seeded_db) == before
    apply(seeded_db, 4, email="jane@gmail.com", at=NOW + timedelta(days=1, seconds=1))


def test_one_company_domain_sends_ten_applications_a_day(seeded_db):
    for n in range(10):
        apply(seeded_db, n, email=f"rep{n}@bigcorp.co.uk",
              at=NOW + timedelta(minutes=n))
    before = everything(seeded_db)
    with pytest.raises(RuleViolation) as exc:
        apply(seeded_db, 10, email="rep10@sales.bigcorp.co.uk",
              at=NOW + timedelta(hours=1))
    assert str(exc.value) == ("Too many applications from e-mail addresses at bigcorp.co.uk "
                              "today. Please try again in 23 hours.")
    assert exc.value.field == "contact_email"
    assert everything(seeded_db) == before
    apply(seeded_db, 11, email="rep11@bigcorp.co.uk", at=NOW + timedelta(days=1))


def test_a_free_mail_domain_is_not_limited_as_one_company(seeded_db):
    for n in range(12):
        apply(seeded_db, n, email=f"someone{n}@gmail.com",
              at=NOW + timedelta(minutes=n))
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS + 12


def test_a_limit_of_zero_is_off(seeded_db, monkeypatch):
    monkeypatch.setenv("PRM_APPLY_LIMIT_PER_ADDRESS_PER_HOUR", "0")
    get_settings.cache_clear()
    try:
        for n in range(7):
            apply(seeded_db, n, ip=IP)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS + 7


# ---------------------------------------------------------------- the kernel


def test_check_and_count_is_all_or_nothing_and_old_hits_are_purged(seeded_db):
    hour = timedelta(hours=1)
    a, b = Limit("reset-user", "jane", 2, hour), Limit("reset-email", "J@x.example", 1, hour)
    ratelimit.check_and_count(seeded_db, a, b, now=NOW)
    with pytest.raises(RuleViolation, match="Too many attempts. Please try again in 60 min"):
        ratelimit.check_and_count(seeded_db, a, b, now=NOW)
    # b refused: a was not counted either, so it still has its second place.
    ratelimit.check_and_count(seeded_db, a, now=NOW)
    keys = sorted(seeded_db.execute(select(RateLimitHit.bucket, RateLimitHit.key)).all())
    assert keys == [("reset-email", "j@x.example"), ("reset-user", "jane"),
                    ("reset-user", "jane")]
    assert ratelimit.purge(seeded_db, now=NOW + ratelimit.RETENTION) == 0
    assert ratelimit.purge(seeded_db, now=NOW + ratelimit.RETENTION + hour) == 3
    with pytest.raises(ValueError):
        Limit("x", "y", 1, ratelimit.RETENTION + hour)


# ---------------------------------------------------------------- the client address


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("203.0.113.7", None, "", "203.0.113.7"),
    # Not from a trusted proxy: the header is whatever the client sent.
    ("203.0.113.7", "198.51.100.1", "", "203.0.113.7"),
    ("203.0.113.7", "198.51.100.1", "10.0.0.5", "203.0.113.7"),
    # From a trusted proxy: the right-most address that is not a trusted proxy.
    ("10.0.0.5", "198.51.100.1", "10.0.0.5", "198.51.100.1"),
    ("10.0.0.5", "1.2.3.4, 198.51.100.1", "10.0.0.5", "198.51.100.1"),  # 1.2.3.4 is spoofed
    ("10.0.0.5", "1.2.3.4, 198.51.100.1, 10.1.2.3", "10.0.0.5, 10.1.0.0/16", "198.51.100.1"),
    # Streamlit reports a local connection without an address: a proxy on the same host.
    (None, "198.51.100.1", "127.0.0.1", "198.51.100.1"),
    (None, "198.51.100.1", "", ""),
    (None, None, "127.0.0.1", ""),
    ("", None, "", ""),
    # IPv6: the /64 a subscriber usually has; IPv4 written as IPv6 is IPv4.
    ("2001:db8:1:2:aaaa::1", None, "", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", None, "", "203.0.113.7"),
    # A forged first line, then the proxy's own line (ui.client joins every line in order).
    ("10.0.0.5", "6.6.6.6, 198.51.100.9", "10.0.0.5", "198.51.100.9"),
    # A typo in the setting is ignored (and logged), not an error for every visitor.
    ("10.0.0.5", "198.51.100.9", "10.0.0.5, not-an-address", "198.51.100.9"),
])
def test_the_client_address_believes_only_trusted_proxies(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


# ---------------------------------------------------------------- the confirmation mail


@pytest.mark.usefixtures("smtp_configured")
def test_the_confirmation_mail_is_a_fixed_text_with_the_reference(seeded_db):
    receipt = submit(seeded_db, form(company_name="Cheap Pills www.spam.example",
                                     contact_name="Visit spam dot example"))
    mail = seeded_db.scalar(select(OutboxMail))
    assert mail.to_addr == "jane.doe@acme-widgets.com"
    assert mail.subject == f"Your partner application {receipt.reference}"
    assert mail.body == confirmation_text(receipt.reference)
    assert receipt.reference in mail.body
    assert "https://prm.example.test/application_status" in mail.body
    assert "spam" not in (mail.subject + mail.body).lower()
