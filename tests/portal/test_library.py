"""The asset library as marketing keeps it and partners read it: an asset reaches only its
audience (not by list, id or download), versions keep the old ones and their downloads,
uploads are told by their content, every download is recorded."""

import pytest
from sqlalchemy import func, select

from core.errors import NotFound, PermissionDenied, RuleViolation
from core.portal.assets import (
    add_version,
    create_asset,
    download,
    get_asset,
    list_assets,
    mark_library_seen,
    new_since_last_visit,
    open_link,
    versions,
)
from db.models import Asset, AssetDownload
from seed.funds import proof_pdf
from tests.conftest import NOW, actor_for
from tests.portal.helpers import admin_where, tier_id

pytestmark = pytest.mark.usefixtures("backend")
BROCHURE = proof_pdf("Gold brochure", ["For Gold partners in EMEA"])


def gold_emea_brochure(db):
    return create_asset(db, actor_for(db, "marketing"), {
        "title": "Gold brochure", "folder": "Sales/Brochures", "tags": "brochure, gold",
        "audience": {"tier_ids": [tier_id(db, "Gold")], "regions": ["EMEA"]}},
        ("brochure.pdf", BROCHURE), now=NOW)


def test_an_asset_reaches_only_its_audience_by_list_id_and_download(seeded_db):
    db = seeded_db
    asset = gold_emea_brochure(db)
    inside = admin_where(db, "Gold", emea=True)
    outside_tier = admin_where(db, "Silver", emea=True)
    outside_region = admin_where(db, "Gold", emea=False)
    assert [a.title for a in list_assets(db, inside)] == ["Gold brochure"]
    assert get_asset(db, inside, asset.id).audience == "Gold · EMEA"
    got = download(db, inside, asset.id, now=NOW)
    assert (got.file_name, got.data, got.mime) == ("brochure.pdf", BROCHURE, "application/pdf")
    for reader in (outside_tier, outside_region):
        assert list_assets(db, reader) == []
        with pytest.raises(NotFound):
            get_asset(db, reader, asset.id)
        with pytest.raises(NotFound):
            download(db, reader, asset.id)
    assert [a.id for a in list_assets(db, actor_for(db, "channel"))] == [asset.id]
    downloads = db.execute(select(AssetDownload.partner_id, AssetDownload.user_id)).all()
    assert downloads == [(inside.partner_id, inside.user_id)]  # the refused took nothing


def test_a_new_version_keeps_the_old_one_and_its_downloads(seeded_db):
    db = seeded_db
    asset = gold_emea_brochure(db)
    reader = admin_where(db, "Gold", emea=True)
    download(db, reader, asset.id, now=NOW)
    download(db, reader, asset.id, now=NOW)
    second = proof_pdf("Gold brochure", ["Second edition"])
    out = add_version(db, actor_for(db, "marketing"), asset.id, file=("brochure-v2.pdf", second),
                      note="Second edition", now=NOW)
    assert out.current_version == 2 and out.downloads == 2
    assert download(db, reader, asset.id, now=NOW).data == second
    history = versions(db, actor_for(db, "marketing"), asset.id)
    assert [(v.number, v.file_name, v.downloads) for v in history] == [
        (2, "brochure-v2.pdf", 1), (1, "brochure.pdf", 2)]
    with pytest.raises(PermissionDenied):
        versions(db, reader, asset.id)


def test_an_upload_is_told_by_its_content_and_a_refusal_writes_nothing(seeded_db):
    db = seeded_db
    marketing = actor_for(db, "marketing")
    before = db.scalar(select(func.count()).select_from(Asset))
    for name, data, words in (("flyer.pdf", b"MZ\x90\x00" + b"\x00" * 200, "not accepted"),
                              ("empty.pdf", b"", "empty"),
                              ("logo.png", BROCHURE, "not what its name says")):
        with pytest.raises(RuleViolation) as refused:
            create_asset(db, marketing, {"title": "Bad"}, (name, data))
        assert refused.value.field == "file" and words in str(refused.value)
    with pytest.raises(RuleViolation) as neither:
        create_asset(db, marketing, {"title": "Nothing"})
    assert neither.value.field == "file"
    assert db.scalar(select(func.count()).select_from(Asset)) == before
    with pytest.raises(PermissionDenied):
        create_asset(db, admin_where(db, "Gold", emea=True), {"title": "Mine"},
                     ("a.pdf", BROCHURE))


def test_links_search_folders_and_what_is_new_since_the_last_visit(seeded_db):
    db = seeded_db
    marketing = actor_for(db, "marketing")
    gold_emea_brochure(db)
    video = create_asset(db, marketing, {"title": "Launch webinar", "tags": ["video"],
                                         "folder": "Events", "url": "vendor.example/webinar"},
                         now=NOW)
    reader = admin_where(db, "Gold", emea=True)
    assert {a.title for a in list_assets(db, reader, search="WEBINAR")} == {"Launch webinar"}
    assert {a.title for a in list_assets(db, reader, search="brochure")} == {"Gold brochure"}
    assert {a.title for a in list_assets(db, reader, folder="Sales")} == {"Gold brochure"}
    assert {a.title for a in list_assets(db, reader, tag="video")} == {"Launch webinar"}
    assert open_link(db, reader, video.id, now=NOW) == "https://vendor.example/webinar"
    assert new_since_last_visit(db, reader) == 2
    mark_library_seen(db, reader, now=NOW)
    assert new_since_last_visit(db, reader) == 0
    silver = admin_where(db, "Silver", emea=False)
    assert [a.title for a in list_assets(db, silver)] == ["Launch webinar"]  # for everyone
