"""Text typed by users shows as typed: ui.markdown.plain, and the pages that show such text
through Streamlit's Markdown (titles, headers, st.markdown, notifications).

An AppTest element's value is the Markdown the page sent, so the pages are checked for the
escaped text: a backslash before each character Markdown would read, which the browser shows
as the character alone."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from core.accounts import ProfileIn, update_profile
from core.actor import ROLE_LABELS, Role
from core.deals import add_note
from db.session import unit_of_work
from tests.conftest import NOW, actor_for
from tests.deals.test_deals import register
from tests.pages import app, assert_rendered, use_database
from ui.markdown import literal, plain, plain_lines

SPECIAL = "\\`*_[]<>#|~$:()!&/"
CUSTOMER = "**Acme** $5 and $6 [x](http://e.com)"
CUSTOMER_SHOWN = r"\*\*Acme\*\* \$5 and \$6 \[x\]\(http\:\/\/e.com\)"


def rendered(markdown: str) -> str:
    """What CommonMark shows for text with backslash escapes: a backslash before ASCII
    punctuation is dropped, any other backslash stays."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


# ---------------------------------------------------------------- plain()


@pytest.mark.parametrize("char", list(SPECIAL))
def test_each_special_character_gets_a_backslash(char):
    assert plain(f"a{char}b") == f"a\\{char}b"
    assert plain(char * 2) == f"\\{char}\\{char}"


def test_letters_digits_spaces_and_everyday_punctuation_are_left_alone():
    text = "ACME Widgets, LLC 2026 - Salesforce.com J.P. Morgan's \"Q3\" deal; 50% off? é ü @"
    assert plain(text) == text
    assert plain("") == ""


def test_markers_that_start_a_block_are_escaped_at_the_start_of_a_line_only():
    assert plain("- one\n+ two\n1. three\n  2. four\n===") == \
        "\\- one\n\\+ two\n1\\. three\n  2\\. four\n\\==="
    assert plain("Hewlett-Packard 1.5 x=y a+b") == "Hewlett-Packard 1.5 x=y a+b"


def test_the_example_name_is_escaped_as_a_whole():
    assert plain(CUSTOMER) == CUSTOMER_SHOWN


@pytest.mark.parametrize("text", [
    CUSTOMER, "Dana_the *Rep* :smile: :red[x] :material/home:", "C:\\temp\\new `x` ~~y~~",
    "<b>AT&T</b> &copy; # 1 | 2 !", "note\n- one\n1. two\n===", "trailing backslash \\",
])
def test_markdown_shows_exactly_what_was_typed(text):
    escaped = plain(text)
    assert rendered(escaped) == text
    # No special character is left unescaped.
    assert not re.search(r"[\\`*_\[\]<>#|~$:()!&/]", re.sub(r"\\.", "", escaped))


def test_plain_lines_keeps_each_typed_line_break():
    """Issue #14: deal descriptions lost their line breaks (Markdown joins lines)."""
    assert plain_lines("Scope: 40 seats\nCompetitor: *Initech*") == \
        "Scope\\: 40 seats  \nCompetitor\\: \\*Initech\\*"


def test_literal_still_escapes_only_dollars():
    assert literal("won $412k of $500k: *Gold*") == "won \\$412k of \\$500k: *Gold*"


# ---------------------------------------------------------------- pages


def signed_in(username: str, page: str | None = None) -> AppTest:
    at = app(username=username)
    at.run()
    assert_rendered(at)
    if page:
        at.switch_page(page).run()
        assert_rendered(at)
    return at


def open_registration(at: AppTest, deal_id: int) -> AppTest:
    at.switch_page("pages/deal.py")
    at.query_params["id"] = str(deal_id)
    at.run()
    assert_rendered(at)
    return at


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def test_a_customer_name_with_markdown_shows_as_typed_on_my_deals_and_the_desk(seeded,
                                                                             database_url):
    use_database(database_url)
    with unit_of_work(seeded) as session:
        deal = register(session, "p01.rep1", company=CUSTOMER)
        add_note(session, actor_for(session, "p01.rep1"), deal.id,
                 "1. call *Bob*\n- quote $5 or $6", now=NOW)
    assert deal.customer_name == CUSTOMER

    mine = open_registration(signed_in("p01.rep1", "pages/my_deals.py"), deal.id)
    assert [h.value for h in mine.header] == [f"#{deal.id} {CUSTOMER_SHOWN}"]
    assert any(m.startswith(f"**Customer:** {CUSTOMER_SHOWN} · ") for m in markdown(mine))
    # The note on the timeline, its line break kept (a hard break: two spaces, newline).
    assert any(m.endswith("\n1\\. call \\*Bob\\*  \n\\- quote \\$5 or \\$6")
               for m in markdown(mine))

    desk = open_registration(signed_in("channel2", "pages/deal_desk.py"), deal.id)
    [header] = [h.value for h in desk.header]
    assert header.startswith(f"#{deal.id} {CUSTOMER_SHOWN} · ")
    assert rendered(header) == f"#{deal.id} {CUSTOMER} · {deal.partner_name} (Registered)"


def test_a_notification_about_the_customer_shows_its_name_as_typed(seeded, database_url):
    use_database(database_url)
    with unit_of_work(seeded) as session:
        deal = register(session, "p01.rep1", company=CUSTOMER)
    at = signed_in("channel2", "pages/notifications.py")
    subject = f"New deal registration \\#{deal.id}\\: {CUSTOMER_SHOWN}"  # composed in core
    assert f"**{subject}**" in markdown(at)
    assert rendered(subject) == f"New deal registration #{deal.id}: {CUSTOMER}"
    # Issue #14: its Open link goes to that registration, not to the desk's queue.
    [link] = [p.proto for p in at.get("page_link") if p.proto.label == "Open"]
    assert (link.page, link.query_string) == ("deal", f"id={deal.id}")


def test_a_display_name_with_markdown_shows_as_typed_in_the_title_and_the_sidebar(
        seeded, database_url):
    use_database(database_url)
    name = "Dana_the *Rep* :smile:"
    with unit_of_work(seeded) as session:
        update_profile(session, actor_for(session, "p01.rep1"),
                       ProfileIn(display_name=name, time_zone="UTC"))
    at = signed_in("p01.rep1")
    shown = r"Dana\_the \*Rep\* \:smile\:"
    assert [t.value for t in at.title] == [f"Welcome, {shown}"]
    assert f"**{shown}**  \n{ROLE_LABELS[Role.PARTNER_USER]}" in [
        m.value for m in at.sidebar.markdown]
