"""Recruitment: the public application, its status page and the channel team's queue, on
SQLite and PostgreSQL, with the clock injected."""

import json
import threading
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import ValidationError
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

import core.recruitment as recruitment
from core.accounts import SignedIn, set_password_with_link, sign_in
from core.actor import Actor, Role
from core.errors import NotFound, PermissionDenied, RuleViolation, field_errors
from core.recruitment import (
    NEUTRAL_REFUSAL,
    PUBLIC_MESSAGES,
    SESSION_LIMIT,
    TRANSITIONS,
    ApplicationFilter,
    ApplicationIn,
    ApplicationNotFound,
    ApplicationStatus,
    DuplicateApplication,
    answer_info_request,
    application_detail,
    application_queue,
    application_status,
    approve_application,
    channel_managers,
    reject_application,
    request_information,
    start_review,
    submit_application,
)
from db.models import (
    ApplicationEvent,
    AuditEvent,
    Notification,
    OutboxMail,
    Partner,
    PartnerApplication,
    Tier,
    User,
)
from db.session import unit_of_work
from seed.demo import PARTNER_COUNT
from tests.conftest import NOW, actor_for

S = ApplicationStatus
# Every demo partner came through an application the channel team approved (seed/demo.py).
DEMO_APPLICATIONS = PARTNER_COUNT


def form(**overrides) -> dict:
    """The form as a page passes it: plain widget values."""
    data = {
        "company_name": "Acme, Inc.",
        "website": "https://www.acme-widgets.com/about",
        "country": "DE",
        "regions": ["EMEA"],
        "partner_type": "reseller",
        "industries": ["Manufacturing"],
        "expected_annual_revenue": "250,000",
        "headcount": "42",
        "contact_name": "Jane Doe",
        "contact_email": "jane.doe@acme-widgets.com",
        "contact_phone": "+49 30 1234567",
        "terms_accepted": True,
    }
    return data | overrides


def company(n: int, **overrides) -> dict:
    """A different company each time."""
    return form(company_name=f"Widget Works {n}", website=f"widgetworks{n}.com",
                contact_email=f"sales@widgetworks{n}.com", **overrides)


def visitor(ref: str = "session-1") -> Actor:
    return Actor.anonymous(ref)


def count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


def submit(db, data=None, *, ref="session-1", now=NOW, **kw):
    return submit_application(db, visitor(ref), data if data is not None else form(), now=now,
                              **kw)


WRITTEN = (PartnerApplication, AuditEvent, Notification, OutboxMail, Partner, User)


def written(db) -> dict:
    """Row counts of every table a submission or a decision writes to."""
    return {model.__name__: count(db, model) for model in WRITTEN}


def app_id(db, reference: str) -> int:
    return db.scalar(select(PartnerApplication.id)
                     .where(PartnerApplication.reference == reference))


def ids_of(db, *usernames) -> list[int]:
    return [actor_for(db, u).user_id for u in usernames]


def tier_id(db, name="Registered") -> int:
    return db.scalar(select(Tier.id).where(Tier.name == name))


# ---------------------------------------------------------------- submitting


def test_a_valid_application_is_stored_and_audited(seeded_db):
    receipt = submit(seeded_db)
    seeded_db.commit()
    assert receipt.reference.startswith("APP-") and len(receipt.reference) == 12
    assert set(receipt.reference[4:]) <= set(recruitment.REFERENCE_ALPHABET)
    assert receipt.reference in receipt.message and receipt.status_label == "Received"
    app = seeded_db.scalar(select(PartnerApplication)
                           .where(PartnerApplication.reference == receipt.reference))
    assert (app.company_name, app.normalized_name, app.website, app.domain, app.country) == \
        ("Acme, Inc.", "acme", "https://www.acme-widgets.com/about", "acme-widgets.com", "DE")
    assert app.expected_annual_revenue == Decimal("250000.00") and app.headcount == 42
    assert (app.status, app.submitted_at, app.terms_accepted_at) == ("submitted", NOW, NOW)
    assert app.session_ref == "session-1"
    event = seeded_db.scalar(select(AuditEvent).where(AuditEvent.action == "application.submit"))
    assert event.entity_id == str(app.id) and event.after["reference"] == app.reference
    # The channel managers hear of it in the next digest (test_digest), not one by one.
    assert app.digested_at is None and count(seeded_db, Notification) == 0
    # No SMTP configured: no mail waits in the outbox.
    assert count(seeded_db, OutboxMail) == 0


def test_with_smtp_the_applicant_gets_the_reference_by_mail(seeded_db, smtp_configured):
    receipt = submit(seeded_db)
    mail = seeded_db.scalar(select(OutboxMail).where(OutboxMail.notification_id.is_(None)))
    assert mail.to_addr == "jane.doe@acme-widgets.com"
    assert receipt.reference in mail.subject and receipt.reference in mail.body
    assert "https://prm.example.test/application_status" in mail.body
    assert "jane.doe@acme-widgets.com" in receipt.message


def test_typed_values_are_read_the_way_people_type_them():
    data = ApplicationIn.model_validate(form(
        website="acme-widgets.com", country="Germany", regions="apac, EMEA",
        partner_type="VAR", industries=[], expected_annual_revenue="25,000",
        headcount="1,200", contact_email="Jane.Doe@ACME-widgets.com"))
    assert data.website == "https://acme-widgets.com"
    assert data.country == "DE" and data.regions == ["EMEA", "APAC"]
    assert data.partner_type == "var" and data.industries == []
    assert data.expected_annual_revenue == Decimal("25000.00") and data.headcount == 1200
    assert data.contact_email == "Jane.Doe@acme-widgets.com"
    assert ApplicationIn.model_validate(form(partner_type="Referral agent")).partner_type == \
        "referral_agent"


BAD_FIELDS = [
    ("company_name", "  ", "Enter your company's name."),
    ("company_name", "!!!", "Enter your company's name in letters or digits."),
    ("company_name", "x" * 201, "Keep this to 200 characters or fewer."),
    ("website", "", "Enter your company's website, e.g. acme.com."),
    ("website", "not a website", "Enter your company's website, e.g. acme.com."),
    ("website", "gmail.com", "Enter your company's own website, not a mailbox provider's."),
    ("country", "", "Choose your company's country."),
    ("country", "Atlantis", "Choose your company's country from the list."),
    ("regions", [], "Choose at least one region you serve."),
    ("regions", ["EMEA", "Mars"], "Choose the regions you serve from the list."),
    ("partner_type", "", "Choose your partner type."),
    ("partner_type", "franchise", "Choose a partner type from the list."),
    ("industries", ["Healthcare", "Gaming"], "Choose industries from the list."),
    ("expected_annual_revenue", "", "Enter the expected annual revenue."),
    ("expected_annual_revenue", "lots", "Enter the expected annual revenue as a number, "
                                        "e.g. 25000."),
    ("expected_annual_revenue", "0", "The expected annual revenue must be greater than 0."),
    ("expected_annual_revenue", "-5", "The expected annual revenue must be greater than 0."),
    ("headcount", "", "Enter the number of employees."),
    ("headcount", "2.5", "Enter the number of employees as a whole number, e.g. 25."),
    ("headcount", "0", "The number of employees must be at least 1."),
    ("contact_name", "", "Enter the main contact's name."),
    ("contact_email", "", "Enter the main contact's e-mail address."),
    ("contact_email", "jane@", None),  # email-validator's own explanation follows the prefix
    ("contact_phone", "", "Enter the contact's phone number."),
    ("contact_phone", "call me", "Enter a phone number with its country code, "
                                 "e.g. +44 20 7946 0958."),
    ("contact_phone", "12345", "Enter a phone number with its country code, "
                               "e.g. +44 20 7946 0958."),
    ("contact_phone", "+1 (555) 010-9999 99999", "Enter a phone number with its country code, "
                                                 "e.g. +44 20 7946 0958."),
    ("terms_accepted", False, "Accept the program terms to apply."),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_FIELDS,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(BAD_FIELDS)])
def test_each_bad_field_gets_its_own_message_and_nothing_is_written(seeded_db, name, value,
                                                                    message):
    before = written(seeded_db)
    with pytest.raises(ValidationError) as exc:
        submit(seeded_db, form(**{name: value}))
    errors = field_errors(exc.value)
    assert list(errors) == [name]
    if message is None:
        assert errors[name].startswith("Not a valid e-mail address:")
    else:
        assert errors[name] == message
    # Nothing reached the session either (no rollback needed to hide it).
    assert written(seeded_db) == before
    assert before["PartnerApplication"] == DEMO_APPLICATIONS


def test_an_empty_form_names_every_required_field(seeded_db):
    with pytest.raises(ValidationError) as exc:
        submit(seeded_db, {})
    errors = field_errors(exc.value)
    # Industries may stay empty: a generalist serves no particular industry.
    assert set(errors) == set(ApplicationIn.model_fields) - {"industries"}
    assert errors["terms_accepted"] == "Accept the program terms to apply."


def test_a_filled_honeypot_is_refused_neutrally_and_writes_nothing(seeded_db, smtp_configured):
    before = written(seeded_db)
    with pytest.raises(RuleViolation) as exc:
        submit(seeded_db, honeypot="http://spam.example")
    assert str(exc.value) == NEUTRAL_REFUSAL and exc.value.field is None
    assert written(seeded_db) == before


def test_a_session_sends_at_most_three_applications_a_day(seeded_db):
    for n in range(SESSION_LIMIT):
        submit(seeded_db, company(n), now=NOW + timedelta(minutes=n))
    with pytest.raises(RuleViolation, match="already sent 3 applications"):
        submit(seeded_db, company(10), now=NOW + timedelta(hours=1))
    # Another session may; the same one again a day after its first.
    submit(seeded_db, company(11), ref="session-2", now=NOW + timedelta(hours=1))
    submit(seeded_db, company(12), now=NOW + timedelta(hours=24, minutes=1))
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS + SESSION_LIMIT + 2


# ---------------------------------------------------------------- duplicates


def test_same_website_domain_is_a_duplicate(seeded_db):
    first = submit(seeded_db)
    with pytest.raises(DuplicateApplication) as exc:
        submit(seeded_db, form(company_name="Totally Different GmbH", country="FR",
                               website="http://shop.acme-widgets.com",
                               contact_email="bob@acme-widgets.com"), ref="session-2")
    message = str(exc.value)
    assert "already have an application or a partnership" in message
    assert exc.value.reference is None
    # Polite, and nothing about the other application.
    assert first.reference not in message and "Acme" not in message
    assert "Jane" not in message
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS + 1


def test_same_normalized_name_in_the_same_country_is_a_duplicate(seeded_db):
    submit(seeded_db, form(company_name="Acme, Inc."))
    with pytest.raises(DuplicateApplication):
        submit(seeded_db, form(company_name="ACME Inc", website="acme-de.example",
                               contact_email="info@acme-de.example"), ref="session-2")
    # The same name in another country is another company.
    submit(seeded_db, form(company_name="ACME Inc", website="acme-fr.example",
                           country="FR", contact_email="info@acme-fr.example"), ref="session-3")
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS + 2


def test_an_existing_partner_is_a_duplicate_by_website_or_by_name(seeded_db):
    partner = seeded_db.scalar(select(Partner).order_by(Partner.id))
    # A partner with no application on record (imported, say): the partner itself matches.
    application = seeded_db.scalar(select(PartnerApplication)
                                   .where(PartnerApplication.partner_id == partner.id))
    seeded_db.execute(delete(ApplicationEvent)
                      .where(ApplicationEvent.application_id == application.id))
    seeded_db.delete(application)
    seeded_db.flush()
    with pytest.raises(DuplicateApplication) as exc:
        submit(seeded_db, form(company_name="New Name Ltd", website=partner.website))
    assert partner.name not in str(exc.value)
    with pytest.raises(DuplicateApplication):
        submit(seeded_db, form(company_name=partner.name.upper(), country=partner.country,
                               website="brand-new-domain.example"))
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS - 1


def test_the_applicants_own_earlier_application_is_answered_with_its_reference(seeded_db):
    first = submit(seeded_db)
    with pytest.raises(DuplicateApplication) as exc:
        submit(seeded_db, form(contact_email="JANE.DOE@acme-widgets.com"), ref="session-2")
    assert exc.value.reference == first.reference
    assert first.reference in str(exc.value)
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS + 1


def test_a_rejected_company_may_apply_again(seeded_db):
    first = submit(seeded_db)
    reject_application(seeded_db, actor_for(seeded_db, "channel"),
                       app_id(seeded_db, first.reference), "Too small for now.", now=NOW)
    again = submit(seeded_db, ref="session-2", now=NOW + timedelta(days=90))
    assert again.reference != first.reference
    assert count(seeded_db, PartnerApplication) == DEMO_APPLICATIONS + 2


def test_two_simultaneous_applications_of_one_company_store_one(seeded, monkeypatch):
    real = recruitment.records._partner_matches

    def slow(*args, **kwargs):
        found = real(*args, **kwargs)
        threading.Event().wait(0.2)
        return found

    monkeypatch.setattr(recruitment.records, "_partner_matches", slow)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def apply(ref, email):
        try:
            barrier.wait()
            with unit_of_work(seeded, immediate=True) as db:
                results.append(submit(db, form(contact_email=email), ref=ref))
        except Exception as exc:  # noqa: BLE001 - sorted out by the assertions below
            errors.append(exc)

    threads = [threading.Thread(target=apply, args=(f"s{i}", f"p{i}@acme-widgets.com"))
               for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], DuplicateApplication)
    with Session(seeded) as db:
        assert count(db, PartnerApplication) == DEMO_APPLICATIONS + 1


# ---------------------------------------------------------------- public status


def test_status_needs_the_reference_and_the_right_email(seeded_db):
    receipt = submit(seeded_db)
    seeded_db.commit()
    status = application_status(seeded_db, visitor("other"), receipt.reference.lower(),
                                " JANE.DOE@ACME-WIDGETS.COM ")
    assert (status.reference, status.company_name, status.status_label) == \
        (receipt.reference, "Acme, Inc.", "Received")
    assert status.submitted_at == NOW and status.info_request is None
    assert not status.awaiting_answer
    with pytest.raises(ApplicationNotFound) as wrong_email:
        application_status(seeded_db, visitor(), receipt.reference, "someone@else.example")
    with pytest.raises(NotFound) as no_such_reference:
        application_status(seeded_db, visitor(), "APP-ZZZZZZZZ", "jane.doe@acme-widgets.com")
    # The same words either way: the page does not tell whether a reference exists.
    assert str(wrong_email.value) == str(no_such_reference.value)


def test_the_public_outcome_never_shows_the_internal_reason(seeded_db, smtp_configured):
    receipt = submit(seeded_db)
    reason = "Bad credit history with our distributor XYZ-SECRET"
    reject_application(seeded_db, actor_for(seeded_db, "channel"),
                       app_id(seeded_db, receipt.reference), reason, now=NOW)
    seeded_db.commit()
    status = application_status(seeded_db, visitor(), receipt.reference,
                                "jane.doe@acme-widgets.com")
    assert status.status_label == "Closed"
    assert status.public_message == ("Thank you for your interest; we are not able to offer a "
                                     "partnership at this time.")
    assert "XYZ-SECRET" not in repr(status)
    mails = seeded_db.scalars(select(OutboxMail).where(
        OutboxMail.to_addr == "jane.doe@acme-widgets.com")).all()
    assert len(mails) == 2  # the confirmation and the outcome
    assert all("XYZ-SECRET" not in m.subject + m.body for m in mails)
    assert PUBLIC_MESSAGES[S.REJECTED] in mails[-1].body
    # The channel team keeps it.
    detail = application_detail(seeded_db, actor_for(seeded_db, "channel2"),
                                app_id(seeded_db, receipt.reference))
    assert detail.application.rejection_reason == reason
    assert detail.application.decided_by == "Chris Channel"
    assert any("XYZ-SECRET" in e.text for e in detail.timeline)


def test_more_information_round_trip(seeded_db, smtp_configured):
    receipt = submit(seeded_db)
    ident = app_id(seeded_db, receipt.reference)
    asker = actor_for(seeded_db, "channel2")
    start_review(seeded_db, asker, ident, now=NOW + timedelta(hours=1))
    out = request_information(seeded_db, asker, ident, "Which vendors do you resell today?",
                              now=NOW + timedelta(hours=2))
    assert out.status == "more_info" and out.actions == {"start_review", "reject"}
    seeded_db.commit()
    question_mail = seeded_db.scalar(select(OutboxMail).where(
        OutboxMail.subject.contains("a question for you")))
    assert "Which vendors do you resell today?" in question_mail.body
    assert receipt.reference in question_mail.body

    status = application_status(seeded_db, visitor(), receipt.reference,
                                "jane.doe@acme-widgets.com")
    assert status.awaiting_answer and status.info_request == "Which vendors do you resell today?"
    assert status.status_label == "Waiting for your answer"
    with pytest.raises(RuleViolation, match="Write your answer") as empty:
        answer_info_request(seeded_db, visitor(), receipt.reference,
                            "jane.doe@acme-widgets.com", "  ", now=NOW + timedelta(hours=3))
    assert empty.value.field == "answer"
    after = answer_info_request(seeded_db, visitor(), receipt.reference,
                                "Jane.Doe@acme-widgets.com", "Two competitors, mostly SMB.",
                                now=NOW + timedelta(hours=3))
    seeded_db.commit()
    assert after.status_label == "Under review" and after.info_request is None
    assert not after.awaiting_answer
    app = seeded_db.get(PartnerApplication, ident)
    assert (app.status, app.info_response) == ("under_review", "Two competitors, mostly SMB.")
    # The reviewer who asked is told; the other channel manager is not.
    told = seeded_db.scalars(
        select(User.username).join(Notification, Notification.user_id == User.id)
        .where(Notification.dedupe_key.like(f"application:{ident}:answered:%"))).all()
    assert told == ["channel2"]
    actions = [e.action for e in seeded_db.scalars(
        select(AuditEvent).where(AuditEvent.entity == "partner_application")
        .order_by(AuditEvent.at, AuditEvent.id))]
    assert actions == ["application.submit", "application.start_review",
                       "application.request_info", "application.answer"]
    detail = application_detail(seeded_db, asker, ident)
    assert [e.actor for e in detail.timeline] == ["Applicant", "Casey Channel",
                                                  "Casey Channel", "Applicant"]


# ---------------------------------------------------------------- transitions


def _in_status(db, n: int, status: ApplicationStatus) -> int:
    """A fresh application brought to `status` through the services."""
    receipt = submit(db, company(n), ref=f"t-{n}")
    ident = app_id(db, receipt.reference)
    cm = actor_for(db, "channel")
    if status == S.UNDER_REVIEW:
        start_review(db, cm, ident, now=NOW)
    elif status == S.MORE_INFO:
        request_information(db, cm, ident, "Tell us more.", now=NOW)
    elif status == S.APPROVED:
        approve_application(db, cm, ident, tier_id=tier_id(db),
                            channel_manager_id=cm.user_id, now=NOW)
    elif status == S.REJECTED:
        reject_application(db, cm, ident, "No fit.", now=NOW)
    return ident


def _do(db, action: str, ident: int) -> None:
    cm = actor_for(db, "channel")
    app = db.get(PartnerApplication, ident)
    if action == "start_review":
        start_review(db, cm, ident, now=NOW)
    elif action == "request_info":
        request_information(db, cm, ident, "Anything else?", now=NOW)
    elif action == "approve":
        approve_application(db, cm, ident, tier_id=tier_id(db), channel_manager_id=cm.user_id,
                            now=NOW)
    elif action == "reject":
        reject_application(db, cm, ident, "Not now.", now=NOW)
    elif action == "answer":
        answer_info_request(db, visitor(), app.reference, app.contact_email, "Here it is.",
                            now=NOW)


def test_every_transition_in_the_table_works_and_every_other_is_refused(seeded_db):
    moves = {"start_review": S.UNDER_REVIEW, "request_info": S.MORE_INFO,
             "approve": S.APPROVED, "reject": S.REJECTED, "answer": S.UNDER_REVIEW}
    n = 0
    for status in S:
        for action, to in moves.items():
            n += 1
            ident = _in_status(seeded_db, n, status)
            allowed = to in TRANSITIONS[status] and (action != "answer" or status == S.MORE_INFO)
            if allowed:
                _do(seeded_db, action, ident)
                assert seeded_db.get(PartnerApplication, ident).status == to.value, \
                    (status, action)
            else:
                partners_before = count(seeded_db, Partner)
                with pytest.raises(RuleViolation):
                    _do(seeded_db, action, ident)
                assert seeded_db.get(PartnerApplication, ident).status == status.value, \
                    (status, action)
                assert count(seeded_db, Partner) == partners_before
    seeded_db.commit()


def test_the_named_refusals(seeded_db):
    rejected = _in_status(seeded_db, 1, S.REJECTED)
    with pytest.raises(RuleViolation, match="is rejected; it cannot be approved"):
        _do(seeded_db, "approve", rejected)
    submitted = _in_status(seeded_db, 2, S.SUBMITTED)
    with pytest.raises(RuleViolation, match="not waiting for an answer"):
        _do(seeded_db, "answer", submitted)
    approved = _in_status(seeded_db, 3, S.APPROVED)
    with pytest.raises(RuleViolation, match="is approved; it cannot be approved"):
        _do(seeded_db, "approve", approved)


def test_reviewer_texts_are_required(seeded_db):
    ident = _in_status(seeded_db, 1, S.SUBMITTED)
    cm = actor_for(seeded_db, "channel")
    with pytest.raises(RuleViolation) as reason:
        reject_application(seeded_db, cm, ident, " ", now=NOW)
    assert reason.value.field == "reason"
    with pytest.raises(RuleViolation) as question:
        request_information(seeded_db, cm, ident, "", now=NOW)
    assert question.value.field == "question"
    assert seeded_db.get(PartnerApplication, ident).status == "submitted"


# ---------------------------------------------------------------- permissions


def test_reviewer_services_refuse_other_roles(seeded_db):
    ident = _in_status(seeded_db, 1, S.SUBMITTED)
    cm_id = actor_for(seeded_db, "channel").user_id
    calls = [
        lambda a: application_queue(seeded_db, a),
        lambda a: application_detail(seeded_db, a, ident),
        lambda a: channel_managers(seeded_db, a),
        lambda a: start_review(seeded_db, a, ident, now=NOW),
        lambda a: request_information(seeded_db, a, ident, "Q?", now=NOW),
        lambda a: reject_application(seeded_db, a, ident, "R", now=NOW),
        lambda a: approve_application(seeded_db, a, ident, tier_id=tier_id(seeded_db),
                                      channel_manager_id=cm_id, now=NOW),
    ]
    outsiders = [actor_for(seeded_db, u) for u in ("p01.rep1", "p01.admin", "finance",
                                                   "marketing", "exec")] + [visitor()]
    for actor in outsiders:
        for call in calls:
            with pytest.raises(PermissionDenied):
                call(actor)
    assert seeded_db.get(PartnerApplication, ident).status == "submitted"
    # Admins and channel managers may.
    assert application_queue(seeded_db, actor_for(seeded_db, "admin"))[1] == 1
    assert application_queue(seeded_db, actor_for(seeded_db, "channel2"))[1] == 1


def test_public_services_are_for_anonymous_visitors(seeded_db):
    receipt = submit(seeded_db)
    for username in ("channel", "admin", "p01.admin"):
        actor = actor_for(seeded_db, username)
        with pytest.raises(PermissionDenied):
            submit_application(seeded_db, actor, company(2), now=NOW)
        with pytest.raises(PermissionDenied):
            application_status(seeded_db, actor, receipt.reference, "jane.doe@acme-widgets.com")
        with pytest.raises(PermissionDenied):
            answer_info_request(seeded_db, actor, receipt.reference,
                                "jane.doe@acme-widgets.com", "x", now=NOW)


# ---------------------------------------------------------------- approval


def test_approval_creates_the_partner_and_an_admin_invited_by_a_mailed_one_time_link(
        seeded, seeded_db, smtp_configured):
    receipt = submit(seeded_db)
    ident = app_id(seeded_db, receipt.reference)
    approver = actor_for(seeded_db, "channel")
    owner = actor_for(seeded_db, "channel2")
    result = approve_application(seeded_db, approver, ident, tier_id=tier_id(seeded_db, "Silver"),
                                 channel_manager_id=owner.user_id, now=NOW + timedelta(days=1))
    seeded_db.commit()
    link = result.invite
    assert link.mailed and link.url not in repr(result)
    temp = parse_qs(urlparse(link.url).query)["token"][0]

    partner = seeded_db.get(Partner, result.partner_id)
    assert (partner.name, partner.website, partner.country, partner.regions,
            partner.partner_type, partner.industries, partner.tier.name, partner.status,
            partner.channel_manager_id) == (
        "Acme, Inc.", "https://www.acme-widgets.com/about", "DE", ["EMEA"], "reseller",
        ["Manufacturing"], "Silver", "onboarding", owner.user_id)
    user = seeded_db.get(User, result.user_id)
    assert result.username == user.username == f"jane.doe.p{partner.id}"
    assert (user.role, user.partner_id, user.email, user.display_name,
            user.must_change_password) == ("partner_admin", partner.id,
                                           "jane.doe@acme-widgets.com", "Jane Doe", False)
    app = seeded_db.get(PartnerApplication, ident)
    assert (app.status, app.partner_id, app.decided_at, app.decided_by_user_id) == \
        ("approved", partner.id, NOW + timedelta(days=1), approver.user_id)
    actions = set(seeded_db.scalars(select(AuditEvent.action)
                                    .where(AuditEvent.at == NOW + timedelta(days=1))))
    # The profile step waits for the new partner admin to confirm its company profile.
    assert actions == {"application.approve", "partner.create", "user.create"}

    # The link's token is stored hashed only: it is in no table but the one mail to the contact.
    with seeded.connect() as conn:
        for table in ("users", "audit_events", "notifications", "partner_applications",
                      "account_links"):
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            assert temp not in json.dumps([list(map(str, r)) for r in rows]), table
    invite = seeded_db.scalars(select(OutboxMail).where(OutboxMail.body.contains(temp))).all()
    assert [m.to_addr for m in invite] == ["jane.doe@acme-widgets.com"]
    assert result.username in invite[0].body

    # The applicant is told (the username, not the password); the owner is notified.
    welcome = seeded_db.scalar(select(OutboxMail).where(OutboxMail.subject.contains("Welcome")))
    assert welcome.to_addr == "jane.doe@acme-widgets.com" and result.username in welcome.body
    assert "Casey Channel" in welcome.body
    assert count(seeded_db, Notification, Notification.user_id == owner.user_id,
                 Notification.dedupe_key == f"application:{ident}:approved") == 1
    status = application_status(seeded_db, visitor(), receipt.reference,
                                "jane.doe@acme-widgets.com")
    assert status.status_label == "Approved"
    seeded_db.commit()

    with unit_of_work(seeded) as db:
        set_password_with_link(db, temp, "my-own-partner-pass", "my-own-partner-pass",
                               now=NOW + timedelta(days=1, minutes=30))
    with unit_of_work(seeded) as db:
        signed = sign_in(db, result.username, "my-own-partner-pass",
                         now=NOW + timedelta(days=1, minutes=31))
    assert isinstance(signed, SignedIn) and not signed.must_change_password
    assert signed.actor.role == Role.PARTNER_ADMIN and signed.actor.partner_id == partner.id


def test_the_owner_must_be_an_active_channel_manager(seeded_db):
    ident = _in_status(seeded_db, 1, S.UNDER_REVIEW)
    cm = actor_for(seeded_db, "channel")
    for not_a_manager in ids_of(seeded_db, "admin", "finance", "p01.admin") + [999999]:
        with pytest.raises(RuleViolation) as exc:
            approve_application(seeded_db, cm, ident, tier_id=tier_id(seeded_db),
                                channel_manager_id=not_a_manager, now=NOW)
        assert exc.value.field == "channel_manager_id"
    seeded_db.get(User, actor_for(seeded_db, "channel2").user_id).is_active = False
    with pytest.raises(RuleViolation):
        approve_application(seeded_db, cm, ident, tier_id=tier_id(seeded_db),
                            channel_manager_id=actor_for(seeded_db, "channel2").user_id,
                            now=NOW)
    with pytest.raises(RuleViolation) as bad_tier:
        approve_application(seeded_db, cm, ident, tier_id=999999, channel_manager_id=cm.user_id,
                            now=NOW)
    assert bad_tier.value.field == "tier_id"
    assert [m.username for m in channel_managers(seeded_db, cm)] == ["channel"]
    assert seeded_db.get(PartnerApplication, ident).status == "under_review"
    assert count(seeded_db, Partner, Partner.name == "Widget Works 1") == 0


def test_a_chosen_username_must_be_free_and_well_formed(seeded_db):
    ident = _in_status(seeded_db, 1, S.UNDER_REVIEW)
    cm = actor_for(seeded_db, "channel")
    for taken_or_bad in ("p01.admin", "no spaces please", "x"):
        with pytest.raises(RuleViolation) as exc:
            approve_application(seeded_db, cm, ident, tier_id=tier_id(seeded_db),
                                channel_manager_id=cm.user_id, username=taken_or_bad, now=NOW)
        assert exc.value.field == "username"
    result = approve_application(seeded_db, cm, ident, tier_id=tier_id(seeded_db),
                                 channel_manager_id=cm.user_id, username=" Widget.Admin ",
                                 now=NOW)
    assert result.username == "widget.admin"


def test_approval_is_refused_when_a_partner_now_matches_unless_confirmed(seeded_db):
    ident = _in_status(seeded_db, 1, S.UNDER_REVIEW)
    cm = actor_for(seeded_db, "channel")
    # A partner with the same domain appeared after the application was made.
    seeded_db.add(Partner(name="WW One", website="https://widgetworks1.com", country="US",
                          regions=["NA"], partner_type="var", industries=[],
                          tier_id=tier_id(seeded_db), status="active", created_at=NOW))
    seeded_db.flush()
    with pytest.raises(RuleViolation, match="existing partner matches") as exc:
        approve_application(seeded_db, cm, ident, tier_id=tier_id(seeded_db),
                            channel_manager_id=cm.user_id, now=NOW)
    assert "WW One" in str(exc.value)  # the reviewer may see it; the applicant never does
    result = approve_application(seeded_db, cm, ident, tier_id=tier_id(seeded_db),
                                 channel_manager_id=cm.user_id, allow_duplicate=True, now=NOW)
    assert seeded_db.get(Partner, result.partner_id).name == "Widget Works 1"


# ---------------------------------------------------------------- queue and detail


def test_queue_filters_and_pages_oldest_first(seeded_db):
    cm = actor_for(seeded_db, "channel")
    # The demo partners' approved applications: out of the open queue, older than these.
    demo = seeded_db.scalars(select(PartnerApplication)
                             .order_by(PartnerApplication.submitted_at, PartnerApplication.id))
    demo_apac = [a.reference for a in demo if "APAC" in a.regions]
    refs = []
    specs = [("DE", ["EMEA"], "reseller"), ("US", ["NA", "LATAM"], "msp"),
             ("JP", ["APAC"], "isv"), ("FR", ["EMEA", "APAC"], "msp")]
    for n, (country, regions, ptype) in enumerate(specs):
        refs.append(submit(seeded_db, company(n, country=country, regions=regions,
                                              partner_type=ptype),
                           ref=f"q-{n}", now=NOW + timedelta(hours=n)).reference)
    reject_application(seeded_db, cm, app_id(seeded_db, refs[2]), "No.", now=NOW)

    rows, total = application_queue(seeded_db, cm)
    assert total == 3 and [r.reference for r in rows] == [refs[0], refs[1], refs[3]]
    assert application_queue(seeded_db, cm, ApplicationFilter(status=None))[1] == \
        DEMO_APPLICATIONS + 4
    rows, total = application_queue(seeded_db, cm, ApplicationFilter(status="rejected"))
    assert [r.reference for r in rows] == [refs[2]] and rows[0].rejection_reason == "No."
    by = {
        ApplicationFilter(partner_type="msp"): [refs[1], refs[3]],
        ApplicationFilter(region="EMEA"): [refs[0], refs[3]],
        ApplicationFilter(region="APAC", status=None): [*demo_apac, refs[2], refs[3]],
        ApplicationFilter(region="NA"): [refs[1]],
        ApplicationFilter(country="France"): [refs[3]],
        ApplicationFilter(country="us"): [refs[1]],
        ApplicationFilter(search="widget works 3"): [refs[3]],
        ApplicationFilter(search=refs[1].lower()): [refs[1]],
        ApplicationFilter(search="sales@widgetworks0"): [refs[0]],
        ApplicationFilter(search="widgetworks1.com"): [refs[1]],
        ApplicationFilter(region="Mars"): [],
    }
    for filt, expected in by.items():
        assert [r.reference for r in application_queue(seeded_db, cm, filt)[0]] == expected, filt
    page, total = application_queue(seeded_db, cm, ApplicationFilter(status=None), limit=2,
                                    offset=DEMO_APPLICATIONS + 2)
    assert total == DEMO_APPLICATIONS + 4 and [r.reference for r in page] == [refs[2], refs[3]]
    first = application_queue(seeded_db, cm)[0][0]
    assert first.actions == {"start_review", "request_info", "approve", "reject"}
    assert first.partner_type_label == "Reseller" and first.regions == ("EMEA",)


def test_detail_shows_possible_matches_with_their_signals(seeded_db):
    partner = seeded_db.scalar(select(Partner).order_by(Partner.id))
    other_country = next(c for c in ("DE", "US") if c != partner.country)
    # Not a duplicate (another country, own domain), but the contact writes from the
    # partner's domain and the name is the same: a reviewer should see it.
    partner_domain = partner.website.split("www.", 1)[1]
    receipt = submit(seeded_db, form(company_name=partner.name, country=other_country,
                                     website="fresh-start.example",
                                     contact_email=f"ceo@{partner_domain}"))
    twin = submit(seeded_db, form(company_name=partner.name, country="JP",
                                  website="fresh-start-jp.example",
                                  contact_email="ceo@fresh-start-jp.example"), ref="s2")
    detail = application_detail(seeded_db, actor_for(seeded_db, "channel"),
                                app_id(seeded_db, receipt.reference))
    kinds = {(m.kind, m.id): m for m in detail.matches}
    found = kinds[("partner", partner.id)]
    assert any("e-mail domain" in s for s in found.signals)
    assert any(f"partner in {partner.country}" in s for s in found.signals)
    assert "tier" in found.detail
    other = kinds[("application", app_id(seeded_db, twin.reference))]
    assert any("applicant in JP" in s for s in other.signals)
    assert twin.reference in other.detail
    assert detail.application.reference == receipt.reference
    assert [e.action for e in detail.timeline] == ["application.submit"]
