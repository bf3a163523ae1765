import streamlit as st
from pydantic import ValidationError

from core.errors import RuleViolation
from core.permissions import can
from core.portal.assets import (
    add_version,
    archive_asset,
    create_asset,
    download,
    folders,
    list_assets,
    mark_library_seen,
    open_link,
    versions,
)
from core.portal.audience import tier_choices
from core.portal.cobrand import cobrand, copy_preview, preview_area, set_area
from ui.actions import show_flash, submit
from ui.context import db
from ui.forms import FieldErrors, form_key
from ui.guard import page_guard
from ui.markdown import plain
from ui.portal import audience_picker
from ui.tables import count_col, table, text_col, time_col

SEEN_KEY = "asset_library_seen"

user = page_guard(__file__)
actor = user.actor
manages = can(actor, "portal.content")

st.title("Asset library")
show_flash()
st.caption("Brochures, presentations, price lists and videos for partners, in folders and "
           "with tags. Each partner sees what is meant for its tier, type and region; every "
           "download is counted.")

with db() as session:
    tiers = tier_choices(session)
    shelves = folders(session, actor)

if manages:
    with st.expander("Add an asset", icon=":material/add:"):
        errors = FieldErrors()
        with st.form(form_key("new_asset")):
            title = st.text_input("Title *", max_chars=200)
            errors.slot("title")
            description = st.text_area("Description", max_chars=2000)
            cols = st.columns(2)
            folder = cols[0].text_input("Folder", placeholder="Sales/Brochures",
                                        help="Parts separated by /")
            tags = cols[1].text_input("Tags", placeholder="brochure, gold",
                                      help="Separated by commas")
            errors.slot("tags")
            upload = st.file_uploader("File (PDF, PNG, JPEG, PowerPoint, Word, Excel)",
                                      type=["pdf", "png", "jpg", "jpeg", "pptx", "docx",
                                            "xlsx"])
            errors.slot("file")
            url = st.text_input("…or a link", placeholder="https://vendor.example/webinar")
            errors.slot("url")
            audience = audience_picker("new_asset", tiers)
            errors.slot("tier_ids")
            if st.form_submit_button("Add the asset", type="primary"):
                file = (upload.name, upload.getvalue()) if upload else None
                submit(lambda s: create_asset(s, actor, {
                    "title": title, "description": description, "folder": folder,
                    "tags": tags, "url": url, "audience": audience}, file),
                    lambda a: f"Added {a.title}, for {a.audience}.", errors=errors,
                    failed="Nothing was added.", form="new_asset")

cols = st.columns([3, 2, 2])
search = cols[0].text_input("Search", placeholder="Title or tag", key="library_search")
shelf = cols[1].selectbox("Folder", shelves, index=None, placeholder="Every folder",
                          key="library_folder")
archived = manages and cols[2].toggle("Show archived", key="library_archived")

with db(immediate=True) as session:
    assets = list_assets(session, actor, search=search or "", folder=shelf or "",
                         archived=archived)
    if not st.session_state.get(SEEN_KEY):  # once a visit: "new" stays while it lasts
        mark_library_seen(session, actor)
        st.session_state[SEEN_KEY] = True

if not assets:
    st.info("Nothing here yet." if not search and not shelf else "Nothing matches.")


def take(asset_id: int) -> bytes:
    """The file, counted as a download when the button is pressed."""
    with db(immediate=True) as session:
        return download(session, actor, asset_id).data



def manage(a) -> None:
    """A new version, the version history and archiving, for marketing."""
    version_errors = FieldErrors()
    kinds = ["pdf", "png", "jpg", "jpeg", "pptx", "docx", "xlsx"]
    new_file = st.file_uploader("New version", key=f"asset_file_{a.id}", type=kinds) \
        if a.kind == "file" else None
    new_url = st.text_input("New link", key=f"asset_url_{a.id}") if a.kind == "link" else ""
    note = st.text_input("What changed", key=f"asset_note_{a.id}")
    version_errors.slot("file")
    version_errors.slot("url")
    if st.button("Add the version", key=f"asset_version_{a.id}"):
        file = (new_file.name, new_file.getvalue()) if new_file else None
        submit(lambda s: add_version(s, actor, a.id, url=new_url, note=note, file=file),
               lambda out: f"{out.title} is at version {out.current_version}.",
               errors=version_errors)
    with db() as session:
        history = versions(session, actor, a.id)
    table([{"number": v.number, "file": v.file_name or v.url, "note": v.note,
            "at": v.created_at, "downloads": v.downloads} for v in history],
          {"number": count_col("Version", 70), "file": text_col("File or link"),
           "note": text_col("What changed"), "at": time_col("Added"),
           "downloads": count_col("Downloads", 90)}, key=f"asset_versions_{a.id}")
    if a.kind == "file" and a.file_kind in (".pdf", ".png"):
        cobrand_area(a)
    if st.button("Archive", key=f"asset_archive_{a.id}"):
        submit(lambda s: archive_asset(s, actor, a.id), "Archived: partners no longer see it.")



def cobrand_area(a) -> None:
    """Where partners' logos go: page and box from the page's top left (points for a PDF,
    pixels for a PNG), previewed before it is saved."""
    st.markdown("**Co-branding area**" + (" (set)" if a.cobrand else ""))
    cols = st.columns(5)
    page = cols[0].number_input("Page", 1, 500, 1, key=f"area_page_{a.id}")
    box = [int(cols[i + 1].number_input(label, 0, 20000, value, key=f"area_{label}_{a.id}"))
           for i, (label, value) in enumerate((("Left", 40), ("Top", 40), ("Width", 300),
                                               ("Height", 80)))]
    area_errors = FieldErrors()
    area_errors.slot("box")
    area_errors.slot("page")
    left, right = st.columns(2)
    if left.button("Preview the area", key=f"area_preview_{a.id}"):
        try:
            with db() as session:
                st.image(preview_area(session, actor, a.id, int(page), box))
        except RuleViolation as exc:
            area_errors.show(exc)
    if right.button("Save the area", key=f"area_save_{a.id}"):
        submit(lambda s: set_area(s, actor, a.id, int(page), box),
               "Partners can now put their logo on it.", errors=area_errors)


def cobrand_copy(a) -> None:
    """A partner's own copy: its logo and contact details in the marked area."""
    # A key keeps it open across reruns: without one, the "new" badge above it going away
    # after the first run closed it under the partner's hands.
    with st.expander("Make our co-branded copy", icon=":material/branding_watermark:",
                     key=f"cobrand_copy_{a.id}"):
        copy_errors = FieldErrors()
        logo = st.file_uploader("Our logo (PNG or JPEG, up to 2 MB)", type=["png", "jpg",
                                                                             "jpeg"],
                                key=f"cobrand_logo_{a.id}")
        copy_errors.slot("logo")
        cols = st.columns(2)
        contact = {"name": cols[0].text_input("Company name", key=f"cobrand_name_{a.id}"),
                   "website": cols[1].text_input("Website", key=f"cobrand_web_{a.id}"),
                   "phone": cols[0].text_input("Phone", key=f"cobrand_phone_{a.id}"),
                   "email": cols[1].text_input("E-mail", key=f"cobrand_mail_{a.id}")}
        if logo is None:
            st.caption("Upload your logo to preview and download your copy.")
            return
        mark = (logo.name, logo.getvalue())
        try:
            with db() as session:
                st.image(copy_preview(session, actor, a.id, mark, contact),
                         caption="Preview")
        except (RuleViolation, ValidationError) as exc:
            copy_errors.show(exc)
            return
        st.download_button("Download our copy", lambda: make_copy(a.id, mark, contact),
                           file_name=(a.file_name or "asset").rsplit(".", 1)[0]
                           + "-cobranded." + (a.file_name or "x.pdf").rsplit(".", 1)[-1],
                           icon=":material/download:", key=f"cobrand_get_{a.id}",
                           on_click="ignore")


def make_copy(asset_id: int, mark, contact) -> bytes:
    with db(immediate=True) as session:
        return cobrand(session, actor, asset_id, mark, contact).data

for a in assets:
    with st.container(border=True):
        head = f"**{plain(a.title)}**" + (" · :blue-badge[new]" if a.new else "")
        st.markdown(head)
        facts = [a.folder or "No folder", f"version {a.current_version}",
                 f"{a.downloads:,} download{'s' * (a.downloads != 1)}"]
        if manages:
            facts.append(f"for {a.audience}")
        st.caption(" · ".join(plain(f) for f in facts)
                   + ("  \n" + " ".join(f"`{t}`" for t in a.tags) if a.tags else ""))
        if a.description:
            st.markdown(plain(a.description))
        cols = st.columns([2, 2, 3])
        if a.kind == "file":
            cols[0].download_button("Download", lambda i=a.id: take(i),
                                    file_name=a.file_name or f"asset-{a.id}",
                                    icon=":material/download:", key=f"asset_get_{a.id}",
                                    on_click="ignore")
        elif cols[0].button("Open the link", icon=":material/open_in_new:",
                            key=f"asset_open_{a.id}"):
            with db(immediate=True) as session:
                target = open_link(session, actor, a.id)
            cols[0].link_button("Go there", target)
        if a.cobrand and not manages:
            cobrand_copy(a)
        if manages:
            with cols[2].popover("Manage", icon=":material/settings:"):
                manage(a)
