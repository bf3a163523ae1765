"""Driving the app the way a person does: by role and label."""

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

expect.set_options(timeout=15_000)

DEMO_PASSWORD = "prm-demo-2026"


def wait_idle(page: Page) -> None:
    """Streamlit marks the app `notRunning` once a script run has finished."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


def open_app(page: Page, path: str = "/") -> None:
    page.goto(path)
    wait_idle(page)


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    wait_idle(page)


def sign_in_as(page: Page, username: str) -> None:
    open_app(page)
    sign_in(page, username)
    # .first: while a rerun replaces the page, the old heading may still be on screen.
    expect(page.get_by_role("heading", name="Welcome").first).to_be_visible()
    wait_for_cookie(page, "prm_session")
    wait_idle(page)


def wait_for_cookie(page: Page, name: str, present: bool = True) -> None:
    """The session cookie is set by a component after the run: settle before going on."""
    for _ in range(100):
        if any(c["name"] == name for c in page.context.cookies()) == present:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"cookie {name} {'never set' if present else 'still set'}")


def menu(page: Page) -> list[str]:
    links = page.get_by_test_id("stSidebarNavItems").get_by_role("link")
    # Each link holds its icon's ligature name, then the title.
    return [t.strip().splitlines()[-1] for t in links.all_inner_texts()]


def go(page: Page, title: str, attempts: int = 3) -> None:
    """Open a page from the menu. A click that lands while the first run of a fresh server
    reruns itself can be lost: click again until the address is the link's."""
    link = page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=title, exact=True)
    target = link.get_attribute("href")
    for attempt in range(attempts):
        link.click()
        try:
            page.wait_for_url(target, timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    wait_idle(page)


def choose(page: Page, label: str, option: str, attempts: int = 3) -> None:
    """Pick an option of a Streamlit selectbox or multiselect: type part of its text, walk
    the list with the arrow keys to the first option that holds it, press Enter, and see
    that the choice took.

    Keys, not a click: a click on the list scrolled the page under the pointer and landed
    beside the option now and then. A rerun that lands while the list is open redraws it
    (the list was seen fading out with the typing still in the box, and Enter then chose
    nothing); open it again."""
    for attempt in range(attempts):
        wait_idle(page)
        field = page.get_by_label(label, exact=True)
        field.click()
        field.fill(option)
        target = page.get_by_role("option", name=option).first
        try:
            expect(target).to_be_visible(timeout=5_000)
            _walk_to(page, field, target.get_attribute("id"))
            page.keyboard.press("Enter")
            wait_idle(page)
            if _chosen(page, label, option):
                return
        except (AssertionError, PlaywrightTimeout):
            pass
        if attempt == attempts - 1:
            raise AssertionError(f"{option!r} could not be chosen in {label!r}")
        page.keyboard.press("Escape")


def _chosen(page: Page, label: str, option: str) -> bool:
    """A multiselect shows the option as a chip, a selectbox in its box."""
    if _multiselect(page, label).count():
        return _chip(page, label, option).count() > 0
    return option.lower() in page.get_by_label(label, exact=True).input_value().lower()


def _multiselect(page: Page, label: str):
    return page.get_by_test_id("stMultiSelect").filter(has=page.get_by_label(label, exact=True))


def _chip(page: Page, label: str, option: str):
    return _multiselect(page, label).locator("[data-tag]").filter(has_text=option)


def _walk_to(page: Page, field, option_id: str, steps: int = 30) -> None:
    for _ in range(steps):
        if field.get_attribute("aria-activedescendant") == option_id:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached option {option_id}")


def close_list(page: Page, label: str, *chosen: str) -> None:
    """Close a multiselect's open list by clicking the page's heading, then see the chosen
    chips, so a lost choice fails here rather than as a wrong audience three steps on.
    (Escape, used before, closes the list too but says nothing of what was kept.)"""
    page.locator("h1").first.click()
    for option in chosen:
        expect(_chip(page, label, option)).to_be_visible()
    wait_idle(page)


def press_until(page: Page, button, shown, attempts: int = 3) -> None:
    """Click `button` until `shown` is visible. Right after a sign-in the cookie component
    reports back with a rerun of its own, and a click landing in it can be lost; a person
    clicks again."""
    for attempt in range(attempts):
        if attempt == 0 or button.is_visible():
            button.click()
        wait_idle(page)
        try:
            expect(shown).to_be_visible(timeout=7_000)
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise


def open_first_row(page: Page, search: str | None = None, text: str | None = None,
                   attempts: int = 3) -> None:
    """Open the record of a table's first row, as a person does: narrow the table with the
    search box labelled `search` (typing `text`), then click the row's selection box (the
    grid is drawn on a canvas: the box is the first column, beside the first data row)."""
    if search is not None:
        # A textbox: a table's toolbar has a "Search" button too.
        field = page.get_by_role("textbox", name=search, exact=True)
        field.fill(text or "")
        field.press("Enter")
        wait_idle(page)
    before = page.url
    for attempt in range(attempts):
        grid = page.get_by_test_id("stDataFrame").first
        grid.locator("canvas").first.wait_for()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # under the 35 px header
        try:
            # Another page's address with an id (the query can reach the address bar a
            # moment before the page does).
            page.wait_for_url(lambda url: urlsplit(url).path != urlsplit(before).path
                              and "id=" in urlsplit(url).query, timeout=7_000)
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
    wait_idle(page)


def fresh_page(browser, app_server, width: int = 1400, height: int = 1000) -> Page:
    """A page in a browser context of its own: another person, signed in separately."""
    context = browser.new_context(base_url=app_server.url,
                                  viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    return context.new_page()
