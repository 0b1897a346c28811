"""Slack, Teams, Microsoft 365 usage reports, canonical tables, several sources in one client, and `esnkit check`."""

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import esnkit
from esnkit import DataError
from esnkit.config import ClientPaths
from esnkit.ingest import ingest_client
from esnkit.loaders import _common
from esnkit.privacy import Pseudonymiser

FIX = Path(__file__).parent / "fixtures"
KEY = b"k"


def pid(identity):
    return Pseudonymiser(KEY).one(identity)


# -- Slack ---------------------------------------------------------------------------------------
def test_real_slack_sample_counts():
    ds = esnkit.load(FIX / "slack-export-viewer-testarchive" / "testarchive.zip", key=KEY)
    # 158 messages: 49 plain, 94 bot_message, 3 file_share, 1 file_comment are content (147);
    # 8 channel_join and 3 bot_add are not.
    assert len(ds.messages) == 147
    assert len(ds.groups) == 2 and set(ds.groups["kind"]) == {"channel"}
    assert len(ds.reactions) == 1
    assert len(ds.people) == 7  # 4 users + 3 bots known only by bot_id
    assert int(ds.people["is_bot"].sum()) == 3
    assert len(ds.memberships) == 8 and ds.memberships["joined_at"].notna().all()
    assert ds.messages["platform"].eq("slack").all()


def write_slack(folder: Path) -> Path:
    """A new-style export by hand: threads, reactions by two people, a private channel, a DM, a leave."""
    folder.mkdir()
    users = [
        {"id": "U1", "name": "ann", "real_name": "Ann", "profile": {"email": "ann@acme.com", "title": "Engineer"}},
        {"id": "U2", "name": "bob", "deleted": True, "profile": {"email": "bob@acme.com"}},
        {"id": "U3", "name": "cat", "is_restricted": True, "profile": {"email": "cat@guest.com"}},
        {"id": "B9", "name": "helper", "is_bot": True, "profile": {}},
    ]
    (folder / "org_users.json").write_text(json.dumps(users))
    (folder / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general", "created": 1700000000, "members": ["U1", "U2"]}]))
    (folder / "groups.json").write_text(json.dumps([{"id": "G1", "name": "secret", "created": 1700000000, "members": ["U1"]}]))
    (folder / "dms.json").write_text(json.dumps([{"id": "D1", "created": 1700000000, "members": ["U1", "U3"]}]))
    day = [
        {
            "type": "message",
            "user": "U1",
            "text": "Hello <@U2> and <@U3|cat>",
            "ts": "1700000100.000100",
            "thread_ts": "1700000100.000100",
            "reply_count": 2,
            "reactions": [{"name": "tada", "users": ["U2", "U3"], "count": 2}, {"name": "eyes", "users": ["U2"], "count": 1}],
        },
        {"type": "message", "user": "U2", "text": "hi", "ts": "1700000200.000200", "thread_ts": "1700000100.000100", "parent_user_id": "U1"},
        {"type": "message", "subtype": "thread_broadcast", "user": "U3", "text": "also", "ts": "1700000300.000300", "thread_ts": "1700000100.000100"},
        {"type": "message", "subtype": "channel_join", "user": "U3", "text": "<@U3> has joined", "ts": "1700000400.000400"},
        {"type": "message", "subtype": "channel_leave", "user": "U2", "text": "<@U2> has left", "ts": "1700000500.000500"},
        {"type": "message", "subtype": "channel_topic", "user": "U1", "text": "set the topic", "ts": "1700000600.000600"},
        {"type": "message", "subtype": "bot_message", "bot_id": "BX", "text": "deploy done", "ts": "1700000700.000700"},
        {"type": "message", "user": "B9", "bot_id": "B9", "text": "I am a bot user", "ts": "1700000800.000800"},
    ]
    for name in ("general", "secret", "D1"):
        (folder / name).mkdir()
    (folder / "general" / "2023-11-14.json").write_text(json.dumps(day))
    # the same ts in another conversation is another message
    (folder / "secret" / "2023-11-14.json").write_text(json.dumps([{"type": "message", "user": "U1", "text": "psst", "ts": "1700000100.000100"}]))
    (folder / "D1" / "2023-11-14.json").write_text(json.dumps([{"type": "message", "user": "U3", "text": "dm", "ts": "1700000900.000900"}]))
    return folder


def test_slack_rules_on_a_hand_made_export(tmp_path):
    ds = esnkit.load(write_slack(tmp_path / "slack"), key=KEY)
    m = ds.messages.set_index("message_id")
    assert sorted(m.index) == [
        "C1:1700000100.000100",
        "C1:1700000200.000200",
        "C1:1700000300.000300",
        "C1:1700000700.000700",
        "C1:1700000800.000800",
        "D1:1700000900.000900",
        "G1:1700000100.000100",
    ]
    assert m.loc["C1:1700000200.000200", "reply_to_id"] == "C1:1700000100.000100"
    assert not m.loc["C1:1700000300.000300", "is_thread_start"]  # a broadcast reply is still a reply
    assert m.loc["C1:1700000100.000100", "is_thread_start"] and m.loc["G1:1700000100.000100", "group_id"] == "G1"
    assert m.loc["D1:1700000900.000900", "is_private"] and pd.isna(m.loc["D1:1700000900.000900", "group_id"])
    expected_reactions = pd.DataFrame(
        {
            "message_id": ["C1:1700000100.000100"] * 3,
            "person_id": [pid("email:bob@acme.com"), pid("email:cat@guest.com"), pid("email:bob@acme.com")],
            "created_at": pd.Series([pd.NaT] * 3, dtype="datetime64[us, UTC]"),
            "reaction": ["tada", "tada", "eyes"],
        }
    ).astype({"message_id": "str", "person_id": "str", "reaction": "str"})
    assert_frame_equal(ds.reactions, expected_reactions)
    assert sorted(ds.mentions["person_id"]) == sorted([pid("email:bob@acme.com"), pid("email:cat@guest.com")])
    people = ds.people.set_index("person_id")
    assert people.loc[pid("email:bob@acme.com"), "state"] == "deleted"
    assert people.loc[pid("email:cat@guest.com"), "is_external"]
    assert people.loc[pid("slack:BX"), "is_bot"] and people.loc[pid("slack:B9"), "is_bot"]
    groups = ds.groups.set_index("group_id")
    assert groups["is_private"].to_dict() == {"C1": False, "G1": True}
    mem = ds.memberships.set_index(["group_id", "person_id"])
    assert pd.notna(mem.loc[("C1", pid("email:bob@acme.com")), "left_at"])  # U2 left
    assert pd.notna(mem.loc[("C1", pid("email:cat@guest.com")), "joined_at"])  # U3 joined
    assert len(mem) == 4  # C1: U1, U2, U3; G1: U1


def test_slack_old_export_without_threads(tmp_path):
    folder = write_slack(tmp_path / "slack")
    day = [{"type": "message", "user": "U1", "text": "old style", "ts": "1400000000.000001", "file": {"id": "F1"}, "subtype": "file_share"}]
    (folder / "general" / "2014-05-13.json").write_text(json.dumps(day))
    ds = esnkit.load(folder, key=KEY)
    assert ds.messages.set_index("message_id").loc["C1:1400000000.000001", "is_thread_start"]


def test_slack_malformed_json_names_the_file(tmp_path):
    folder = write_slack(tmp_path / "slack")
    (folder / "channels.json").write_text('[{"id": "C1", ')
    with pytest.raises(DataError, match=r"channels.json: malformed JSON at line 1"):
        esnkit.load(folder, key=KEY)


# -- Teams ---------------------------------------------------------------------------------------
def test_real_teams_sample_gives_five_messages():
    ds = esnkit.load(FIX / "teams-graph-docs-samples", key=KEY)
    assert len(ds.messages) == 5  # 3 roots minus a system event, plus 3 replies
    assert int(ds.messages["is_thread_start"].sum()) == 2
    assert len(ds.groups) == 1 and len(ds.mentions) == 1
    assert set(ds.identities["name"]) == {"Robin Kline", "Jane Smith"}
    assert any("system event" in w for w in ds.meta.warnings)


def test_teams_expanded_replies_deleted_chats_and_reactions(tmp_path):
    def msg(i, reply_to=None, **kw):
        base = {
            "id": str(i),
            "replyToId": reply_to,
            "messageType": "message",
            "createdDateTime": f"2026-01-0{i}T10:00:00Z",
            "deletedDateTime": None,
            "from": {"user": {"id": f"u{i % 2}", "displayName": f"User {i % 2}"}},
            "body": {"contentType": "text", "content": "hi"},
            "channelIdentity": {"teamId": "T", "channelId": "19:chan@thread.tacv2"},
            "mentions": [],
            "reactions": [],
        }
        base.update(kw)
        return base

    root = msg(
        1,
        reactions=[{"reactionType": "like", "createdDateTime": "2026-01-01T11:00:00Z", "user": {"user": {"id": "u0"}}}],
        replies=[msg(2, "1"), msg(3, "1", deletedDateTime="2026-01-04T00:00:00Z")],
    )
    chat = msg(4, channelIdentity=None, chatId="19:chat@unq.gbl.spaces")
    (tmp_path / "page1.json").write_text(json.dumps({"value": [root, chat]}))
    (tmp_path / "channels.json").write_text(
        json.dumps({"value": [{"id": "19:chan@thread.tacv2", "displayName": "General", "membershipType": "standard"}]})
    )
    ds = esnkit.load(tmp_path, source="teams", key=KEY)
    assert sorted(ds.messages["message_id"]) == ["19:chan@thread.tacv2/1", "19:chan@thread.tacv2/2", "19:chat@unq.gbl.spaces/4"]
    assert ds.groups["name"].tolist() == ["General"]
    assert ds.reactions["created_at"].tolist() == [pd.Timestamp("2026-01-01 11:00", tz="UTC")]
    chat_row = ds.messages.set_index("message_id").loc["19:chat@unq.gbl.spaces/4"]
    assert chat_row["is_private"] and pd.isna(chat_row["group_id"])
    assert "1 deleted message left out (deletedDateTime set)" in ds.meta.warnings


# -- Microsoft 365 usage reports -----------------------------------------------------------------
def test_usage_reports_map_to_activity_with_periods_and_warn_on_concealed_names():
    ds = esnkit.load(FIX / "m365-usage-reports", key=KEY)
    a = ds.activity.sort_values("platform").reset_index(drop=True)
    expected = pd.DataFrame(
        {
            "person_id": [pid("m365:6E55A185B405B6F2A6804BB7897C8AAB"), pid("m365:77E5979DD60BA6EAA53E814DBEEEFA5F")],
            "period_start": [pd.Timestamp("2022-10-22", tz="UTC"), pd.Timestamp("2022-11-03", tz="UTC")],
            "period_end": [pd.Timestamp("2022-10-29", tz="UTC"), pd.Timestamp("2022-11-10", tz="UTC")],
            "platform": ["teams", "viva-engage"],
            "posted": pd.array([5, 0], dtype="Int64"),
            "read": pd.array([pd.NA, 0], dtype="Int64"),
            "liked": pd.array([pd.NA, 0], dtype="Int64"),
        }
    ).astype({"person_id": "str", "platform": "str", "period_start": "datetime64[us, UTC]", "period_end": "datetime64[us, UTC]"})
    assert_frame_equal(a, expected)
    assert len(ds.groups) == 1 and ds.groups["is_private"].tolist() == [False]
    assert sum("concealed" in w for w in ds.meta.warnings) == 3


def test_usage_report_with_the_wrong_header(tmp_path):
    bad = tmp_path / "report.csv"
    bad.write_text("Report Refresh Date,Something Else\n2022-01-01,1\n")
    with pytest.raises(DataError, match="usage report esnkit does not read"):
        esnkit.load(bad, source="m365-usage", key=KEY)


# -- canonical tables ----------------------------------------------------------------------------
def test_canonical_template_filled_by_hand(tmp_path):
    from esnkit.loaders.canonical import write_template

    folder = write_template(tmp_path / "canon")
    (folder / "people.csv").write_text("person_id,department,state,name,email\nw1,Sales,active,Wu,wu@x.com\nw2,Ops,active,Vi,\n")
    (folder / "groups.csv").write_text("group_id,name,kind\ng,Town hall,community\n")
    (folder / "messages.csv").write_text(
        "message_id,thread_id,reply_to_id,group_id,author_id,created_at,text\nm1,m1,,g,w1,2026-01-01T09:00:00Z,hello\nm2,m1,m1,g,w2,2026-01-01T10:00:00Z,hi\n"
    )
    ds = esnkit.load(folder, key=KEY)
    assert ds.messages["author_id"].tolist() == [pid("email:wu@x.com"), pid("canonical:w2")]
    assert ds.messages["is_thread_start"].tolist() == [True, False] and ds.messages["text"].isna().all()
    assert ds.messages["n_chars"].tolist() == [5, 2]
    assert "Wu" not in ds.people.to_csv() and set(ds.identities["name"].dropna()) == {"Wu", "Vi"}
    assert ds.groups["name"].tolist() == ["Town hall"]  # a community's name is not a person's


# -- several sources in one client ---------------------------------------------------------------
def test_one_person_one_id_across_viva_engage_teams_usage_and_roster(tmp_path):
    client = tmp_path / "multi"
    (client / "raw").mkdir(parents=True)
    shutil.copytree(FIX / "viva-engage-small", client / "raw" / "ve")
    teams = client / "raw" / "teams"
    teams.mkdir()
    page = {
        "value": [
            {
                "id": "1",
                "replyToId": None,
                "messageType": "message",
                "createdDateTime": "2024-03-10T10:00:00Z",
                "from": {"user": {"id": "aad-ann", "displayName": "Ann Archer"}},
                "body": {"content": "hi"},
                "channelIdentity": {"teamId": "T", "channelId": "19:c@thread.tacv2"},
            }
        ]
    }
    (teams / "messages.json").write_text(json.dumps(page))
    usage = client / "raw" / "teams-usage.csv"
    usage.write_text(
        "Report Refresh Date,User Id,User Principal Name,Team Chat Message Count,Report Period\n2024-03-31,aad-ann,Ann.Archer@contoso.com,1,30\n"
    )
    (client / "raw" / "roster.csv").write_text(
        "email,department,location\nann.archer@contoso.com,Platform,York\nnew.person@contoso.com,Sales,Leeds\n"
    )
    (client / "client.yml").write_text(
        "name: Multi\nsources:\n  - {path: raw/ve, format: viva-engage}\n  - {path: raw/teams, format: teams}\n  - {path: raw/teams-usage.csv, format: m365-usage}\n"
        "roster: {path: raw/roster.csv}\n"
    )
    key = bytes.fromhex("00" * 32)
    (client / ".esnkit-key").write_text(key.hex())
    ds = ingest_client(ClientPaths(client))
    ann = Pseudonymiser(key).one("email:ann.archer@contoso.com")
    assert ds.messages.loc[ds.messages["platform"] == "teams", "author_id"].tolist() == [ann]
    assert ann in set(ds.messages.loc[ds.messages["platform"] == "viva-engage", "author_id"])
    assert ds.activity["person_id"].tolist() == [ann]
    people = ds.people.set_index("person_id")
    assert people.loc[ann, "department"] == "Platform" and people.loc[ann, "in_roster"]
    never = people[~people["on_platform"]]
    assert len(never) == 1 and never["department"].tolist() == ["Sales"]
    assert set(ds.messages["platform"]) == {"viva-engage", "teams"}


# -- bad input and check -------------------------------------------------------------------------
def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Messages.csv", b"0" * 5_000_000)
    monkeypatch.setattr(_common, "RATIO_FLOOR_BYTES", 1_000_000)
    with pytest.raises(DataError, match="refusing to unpack"):
        esnkit.load(bomb, key=KEY)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "esnkit.cli", *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", ["empty"]),
        (b'{"value": [ {"id": ', ["malformed JSON"]),
    ],
)
def test_check_on_broken_files(tmp_path, content, words):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "page.json").write_bytes(content)
    r = run_cli("check", folder, "--format", "teams")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert all(w in r.stderr for w in words), r.stderr


def test_check_reports_quality_problems(tmp_path):
    folder = tmp_path / "ve"
    shutil.copytree(FIX / "viva-engage-small", folder)
    frame = pd.read_csv(folder / "Messages.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.loc[0, "created_at"] = "2099-01-01T00:00:00Z"
    frame.loc[1, "replied_to_id"] = "999999"
    frame.loc[2, "sender_id"] = "4242"
    frame.to_csv(folder / "Messages.csv", index=False)
    r = run_cli("check", folder)
    assert r.returncode == 0, r.stderr
    for w in ("1 message dated in the future", "1 reply to messages not in", "missing from Users.csv"):
        assert w in r.stdout, (w, r.stdout)


def test_check_on_every_real_sample():
    for path in (FIX / "slack-export-viewer-testarchive" / "testarchive.zip", FIX / "teams-graph-docs-samples", FIX / "m365-usage-reports"):
        r = run_cli("check", path)
        assert r.returncode == 0 and "usable" in r.stdout, (path, r.stdout, r.stderr)


def test_roster_from_xlsx_with_a_column_mapping(tmp_path):
    client = tmp_path / "xl"
    (client / "raw").mkdir(parents=True)
    shutil.copytree(FIX / "viva-engage-small", client / "raw" / "ve")
    pd.DataFrame({"Work Email": ["ann.archer@contoso.com", "zoe@contoso.com"], "Division": ["Platform", "Sales"], "Band": ["G3", "G1"]}).to_excel(
        client / "raw" / "roster.xlsx", index=False
    )
    (client / "client.yml").write_text(
        "name: XL\nsources: [{path: raw/ve}]\nroster: {path: raw/roster.xlsx, columns: {email: Work Email, department: Division, grade: Band}}\n"
    )
    ds = ingest_client(ClientPaths(client))
    key = bytes.fromhex((client / ".esnkit-key").read_text().strip())
    people = ds.people.set_index("person_id")
    ann, zoe = Pseudonymiser(key).one("email:ann.archer@contoso.com"), Pseudonymiser(key).one("email:zoe@contoso.com")
    assert (people.loc[ann, "department"], people.loc[ann, "grade"]) == ("Platform", "G3")
    assert not people.loc[zoe, "on_platform"] and people.loc[zoe, "in_roster"]
    assert any("1 never seen on the platform" in w for w in ds.meta.warnings)


def test_roster_missing_a_mapped_column(tmp_path):
    client = tmp_path / "bad"
    (client / "raw").mkdir(parents=True)
    shutil.copytree(FIX / "viva-engage-small", client / "raw" / "ve")
    (client / "raw" / "roster.csv").write_text("email,dept\nann.archer@contoso.com,X\n")
    (client / "client.yml").write_text(
        "name: Bad\nsources: [{path: raw/ve}]\nroster: {path: raw/roster.csv, columns: {email: email, department: department}}\n"
    )
    with pytest.raises(DataError, match=r"roster.csv: roster column\(s\) department missing .*fix roster.columns"):
        ingest_client(ClientPaths(client))
    assert not (client / "processed").exists()


def test_roster_joined_by_platform_user_id(tmp_path):
    client = tmp_path / "byid"
    (client / "raw").mkdir(parents=True)
    shutil.copytree(FIX / "viva-engage-small", client / "raw" / "ve")
    (client / "raw" / "roster.csv").write_text("user_id,department\n1002,Treasury\nE-777,Sales\n")
    (client / "client.yml").write_text(
        "name: ById\nsources: [{path: raw/ve}]\nroster: {path: raw/roster.csv, join_on: source_user_id, columns: {source_user_id: user_id, department: department}}\n"
    )
    ds = ingest_client(ClientPaths(client))
    key = bytes.fromhex((client / ".esnkit-key").read_text().strip())
    bob = Pseudonymiser(key).one("email:bob.baker@contoso.com")  # Viva Engage user 1002
    stranger = Pseudonymiser(key).one("roster:E-777")
    people = ds.people.set_index("person_id")
    assert people.loc[bob, "department"] == "Treasury" and people.loc[bob, "on_platform"]
    assert people.loc[stranger, "department"] == "Sales" and not people.loc[stranger, "on_platform"]


def _zip_with(tmp_path, *, flag_bits=0, method=None):
    """A zip whose member claims to be encrypted or packed with another method (headers patched)."""
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Messages.csv", "id,body\n1,hi\n")
    data = bytearray(path.read_bytes())
    for signature, flags_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.index(signature)
        data[at + flags_at] |= flag_bits
        if method is not None:
            data[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("kind, words", [("encrypted", ["encrypted", "without a password"]), ("deflate64", ["compression method", "7-Zip"])])
def test_unreadable_zip_members_are_one_clear_error(tmp_path, kind, words):
    from esnkit.loaders._common import ExportSource

    path = _zip_with(tmp_path, flag_bits=0x1) if kind == "encrypted" else _zip_with(tmp_path, method=9)
    with pytest.raises(DataError) as err:
        ExportSource(path)
    assert "Messages.csv" in str(err.value) and all(w in str(err.value) for w in words)


def test_a_folder_export_refuses_links_out_of_it(tmp_path):
    from esnkit.loaders._common import ExportSource

    secret = tmp_path / "secret.txt"
    secret.write_text("the client's payroll")
    export = tmp_path / "export"
    export.mkdir()
    (export / "Messages.csv").write_text("id\n1\n")
    (export / "Users.csv").symlink_to(secret)
    with pytest.raises(DataError, match=r"'Users\.csv' is a link to outside the export"):
        ExportSource(export)


def test_slack_conversations_missing_from_the_indexes_are_private_under_neutral_names(tmp_path):
    folder = write_slack(tmp_path / "slack")
    (folder / "mpdm-ann--bob--cat-1").mkdir()
    (folder / "mpdm-ann--bob--cat-1" / "2023-11-14.json").write_text(
        json.dumps([{"type": "message", "user": "U1", "text": "x", "ts": "1700000950.0"}])
    )
    ds = esnkit.load(folder, key=KEY)
    groups = ds.groups.set_index("group_id")
    assert groups.loc["unlisted-1", "name"] == "Unlisted conversation 1" and groups.loc["unlisted-1", "is_private"]
    assert not ds.groups["name"].str.contains("ann|bob|cat|mpdm").any() and not ds.groups["group_id"].str.contains("mpdm").any()
    m = ds.messages.set_index("message_id")
    assert m.loc["unlisted-1:1700000950.0", "is_private"]
    assert any("read as private conversations under neutral names" in w for w in ds.meta.warnings)


def test_slack_users_that_are_not_objects_are_one_clear_error(tmp_path):
    folder = write_slack(tmp_path / "slack")
    (folder / "org_users.json").write_text(json.dumps([["U1", "ann"]]))
    with pytest.raises(DataError, match=r"org_users\.json: entry 0 is not a user object"):
        esnkit.load(folder, key=KEY)


def test_teams_from_as_a_list_is_one_clear_error(tmp_path):
    page = {
        "value": [
            {
                "id": "1",
                "messageType": "message",
                "createdDateTime": "2026-01-01T00:00:00Z",
                "from": [{"user": {"id": "u"}}],
                "body": {"content": "x"},
            }
        ]
    }
    folder = tmp_path / "teams"
    folder.mkdir()
    (folder / "page-1.json").write_text(json.dumps(page))
    with pytest.raises(DataError, match=r"page-1\.json: `from` is a list, not an object"):
        esnkit.load(folder, source="teams", key=KEY)


def test_canonical_people_listed_twice_keep_their_first_row(tmp_path):
    """The loader said it kept the first of each duplicate person_id, but validation then refused both rows."""
    from esnkit.loaders.canonical import write_template

    folder = write_template(tmp_path / "canon")
    (folder / "people.csv").write_text("person_id,department,email\nw1,Sales,wu@x.com\nw1,Ops,wu@x.com\nw2,Ops,\n")
    (folder / "messages.csv").write_text("message_id,author_id,created_at\nm1,w1,2026-01-01T09:00:00Z\n")
    ds = esnkit.load(folder, key=KEY)
    assert ds.people[["person_id", "department"]].values.tolist() == [[pid("email:wu@x.com"), "Sales"], [pid("canonical:w2"), "Ops"]]
    assert ds.identities["source_user_id"].tolist() == ["w1", "w2"]
    assert any("1 duplicate person id; the first of each was kept" in w for w in ds.meta.warnings)


def test_canonical_accounts_sharing_an_e_mail_are_one_person(tmp_path):
    from esnkit.loaders.canonical import write_template

    folder = write_template(tmp_path / "canon")
    (folder / "people.csv").write_text("person_id,department,email\nw1,Sales,wu@x.com\nw9,Ops,WU@x.com\nw2,Ops,\n")
    (folder / "messages.csv").write_text("message_id,author_id,created_at\nm1,w1,2026-01-01T09:00:00Z\nm2,w9,2026-01-02T09:00:00Z\n")
    ds = esnkit.load(folder, key=KEY)
    wu = pid("email:wu@x.com")
    assert ds.people[["person_id", "department"]].values.tolist() == [[wu, "Sales"], [pid("canonical:w2"), "Ops"]]
    assert ds.messages["author_id"].tolist() == [wu, wu]
    assert ds.identities["source_user_id"].tolist() == ["w1", "w9", "w2"] and ds.identities["person_id"].tolist()[:2] == [wu, wu]
    assert any("e-mails given for more than one user id (1 later user id merged into the first)" in w for w in ds.meta.warnings)
