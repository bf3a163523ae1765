"""The portal's pages as their users see them: marketing's announcement with a link that is no
web address is refused beside the text with nothing written and the text kept; HTML in an
announcement reaches the partner as typed, never as HTML; a partner asks the channel team and
sees its request; the library lists what the partner's audience holds."""

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.models import Announcement
from db.session import unit_of_work
from tests.pages import assert_rendered, open_page, texts, use_database
from tests.portal.helpers import partner_where


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert_rendered(at)
    return at


def publish(at: AppTest, title: str, body: str) -> AppTest:
    [w for w in at.text_input if w.label == "Title *"][0].input(title)
    [w for w in at.text_area if w.label.startswith("Text *")][0].input(body)
    [b for b in at.button if b.label == "Publish"][0].click()
    return rerun(at)


def count(engine) -> int:
    with unit_of_work(engine) as db:
        return db.scalar(select(func.count()).select_from(Announcement))


def test_a_bad_link_is_refused_beside_the_text_and_html_reaches_the_partner_as_typed(
        seeded, database_url):
    use_database(database_url)
    at = open_page("pages/announcements.py", "marketing")
    before = count(seeded)
    publish(at, "Spring offer", "Win [a prize](javascript:alert(1)).")
    assert any("web or mail address" in e.value for e in at.error)
    assert [w.value for w in at.text_area if w.label.startswith("Text *")] == [
        "Win [a prize](javascript:alert(1))."]  # kept as typed
    assert count(seeded) == before

    body = "<b>Bold?</b> <script>alert(1)</script> See [the list](https://vendor.example)."
    publish(at, "Spring offer", body)
    assert [s.value for s in at.success] == ["Published Spring offer, for every partner."]
    with unit_of_work(seeded) as db:
        _, username = partner_where(db, "Gold", emea=True)
    partner = open_page("pages/announcements.py", username)
    shown = [m for m in partner.markdown if m.value == body]
    assert shown and not any(m.allow_html for m in shown)  # the HTML is shown as text


def test_a_partner_asks_the_channel_team_and_sees_its_request(seeded, database_url):
    use_database(database_url)
    with unit_of_work(seeded) as db:
        _, username = partner_where(db, "Gold", emea=True)
    at = open_page("pages/requests.py", username)
    [w for w in at.text_input if w.label == "Subject *"][0].input("Price for 300 seats")
    [w for w in at.text_area if w.label == "Your request *"][0].input("For a hospital.")
    [b for b in at.button if b.label == "Send the request"][0].click()
    rerun(at)
    assert at.success[0].value.startswith("Sent. The first answer is due by")
    rows = at.dataframe[0].value.to_dict("records")
    assert [(r["subject"], r["status"]) for r in rows] == [("Price for 300 seats", "Open")]
    with unit_of_work(seeded) as db:
        _, other = partner_where(db, "Silver", emea=False)
    others = open_page("pages/requests.py", other)
    assert "Price for 300 seats" not in texts(others) and not others.dataframe[0].value.shape[0]
