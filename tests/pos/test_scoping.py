"""Who reaches which POS data: a partner admin sends and reads only its own partner's files,
lines and exceptions (a distributor's reseller sees the lines it sold); vendor ops send for
anyone and correct exceptions; the other vendor roles read; a sales rep reads nothing."""

import pytest
from sqlalchemy import update

from core.errors import NotFound, PermissionDenied
from core.pos import import_pos
from core.pos.exceptions import fix_exceptions, list_exceptions
from core.pos.records import list_files, list_lines
from db.models import Partner
from tests.conftest import NOW, actor_for
from tests.pos.helpers import csv_file, pos_world, row, send

pytestmark = pytest.mark.usefixtures("backend")
OWN_HEADER = ("Invoice No;Line;Invoice Date;Part Number;Qty;Unit Price;Currency;"
              "Extended Amount;End User;Country")


@pytest.fixture
def sent(seeded_db):
    world = pos_world(seeded_db)
    send(seeded_db, world, row(invoice="D1"), row(invoice="D2", sku="ZZ"))  # p40 via p02
    own = csv_file("R1;1;03/11/2026;NX-200;1;250,50;EUR;250,50;Beta;DE",
                   "R2;1;03/11/2026;NX-200;1;250,50;GBP;250,50;Beta;DE", header=OWN_HEADER)
    p03 = actor_for(seeded_db, "p03.admin")
    seeded_db.execute(update(Partner).where(Partner.id == p03.partner_id)
                      .values(partner_type="reseller"))  # its own sales: no reseller column
    import_pos(seeded_db, p03, p03.partner_id, "own.csv", own, now=NOW)
    return world


def test_a_partner_admin_reads_its_own_and_what_it_sold(seeded_db, sent):
    p03 = actor_for(seeded_db, "p03.admin")
    assert [f.file_name for f in list_files(seeded_db, p03)] == ["own.csv"]
    assert [x.invoice_number for x in list_lines(seeded_db, p03)[0]] == ["R1"]
    assert [e.raw["invoice_number"] for e in list_exceptions(seeded_db, p03)[0]] == ["R2"]
    p02 = actor_for(seeded_db, "p02.admin")  # the reseller of the distributor's line
    assert list_files(seeded_db, p02) == []
    assert [x.invoice_number for x in list_lines(seeded_db, p02)[0]] == ["D1"]
    assert list_exceptions(seeded_db, p02)[1] == 0
    with pytest.raises(NotFound):
        import_pos(seeded_db, p03, sent["distributor"], "x.csv", csv_file(row()), now=NOW)


def test_vendor_roles_read_everything_and_only_ops_send_and_correct(seeded_db, sent):
    for username in ("admin", "finance", "channel", "marketing", "exec", "analyst"):
        actor = actor_for(seeded_db, username)
        assert len(list_files(seeded_db, actor)) == 2
        assert list_lines(seeded_db, actor)[1] == 2
        assert list_exceptions(seeded_db, actor)[1] == 2
    for username in ("channel", "marketing", "exec", "analyst"):
        actor = actor_for(seeded_db, username)
        with pytest.raises(PermissionDenied):
            import_pos(seeded_db, actor, sent["distributor"], "x.csv", csv_file(row()),
                       now=NOW)
        with pytest.raises(PermissionDenied):
            fix_exceptions(seeded_db, actor, {})
    p03 = actor_for(seeded_db, "p03.admin")
    with pytest.raises(PermissionDenied):
        fix_exceptions(seeded_db, p03, {})


def test_a_sales_rep_reads_nothing(seeded_db, sent):
    rep = actor_for(seeded_db, "p03.rep1")
    for read in (list_files, list_lines, list_exceptions):
        with pytest.raises(PermissionDenied):
            read(seeded_db, rep)


def test_home_shows_the_exceptions_to_whom_works_or_sent_them(seeded_db, sent):
    from core.home import waiting

    def shown(username):
        return {w.label: w.value for w in waiting(seeded_db, actor_for(seeded_db, username),
                                                  now=NOW)}

    assert shown("finance")["POS rows waiting to be corrected"] == "2"
    assert shown("admin")["POS rows waiting to be corrected"] == "2"
    assert shown("p40.admin")["Rows of your POS files the vendor is correcting"] == "1"
    assert shown("p03.admin")["Rows of your POS files the vendor is correcting"] == "1"
    assert not any("POS" in label for label in shown("exec"))
