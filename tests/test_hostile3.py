"""Hostile input, third round (issue 46): each case through the real loaders and the real command line."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from esnkit.privacy import Pseudonymiser, load_or_create_key, write_client_csv


def esnkit(*args, cwd=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "esnkit.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout)


def one_error_line(r) -> str:
    """The run failed with exit 1 and said so in exactly one line, without a traceback."""
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("esnkit: error: "), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


# -- Slack and Teams exports written by hand ------------------------------------------------------
def slack_export(root: Path, messages: list | str, *, day: str = "2024-03-05") -> Path:
    """A Slack workspace folder: two users, one channel ``general``, one day file of ``messages``."""
    root.mkdir(parents=True)
    users = [
        {"id": "U1", "name": "ann", "profile": {"real_name": "Ann", "email": "ann@x.com"}},
        {"id": "U2", "name": "bob", "profile": {"real_name": "Bob", "email": "bob@x.com"}},
    ]
    (root / "users.json").write_text(json.dumps(users))
    (root / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general", "created": 1700000000, "members": ["U1", "U2"]}]))
    (root / "general").mkdir()
    (root / "general" / f"{day}.json").write_text(messages if isinstance(messages, str) else json.dumps(messages))
    return root


GOOD = [
    {"type": "message", "user": "U1", "text": "hi", "ts": "1709633011.000200"},
    {"type": "message", "user": "U2", "text": "yo", "ts": "1709633111.000100"},
]


def teams_page(root: Path, text: str) -> Path:
    root.mkdir(parents=True)
    (root / "messages.json").write_text(text)
    return root


def teams_message(mid: str, created) -> str:
    """One chatMessage as Graph writes it; ``created`` is put in as raw JSON text (so a bare NaN can be)."""
    return (
        f'{{"id": "{mid}", "messageType": "message", "createdDateTime": {created}, '
        '"from": {"user": {"id": "aad-ann", "displayName": "Ann"}}, "body": {"content": "hi"}, '
        '"channelIdentity": {"teamId": "T", "channelId": "19:c@thread.tacv2"}}'
    )


def test_a_good_slack_export_still_checks(tmp_path):
    r = esnkit("check", slack_export(tmp_path / "slack", GOOD))
    assert r.returncode == 0, r.stderr


# -- 1. JSON read defensively -------------------------------------------------------------------
def test_a_teams_page_nested_100000_deep_is_one_line_naming_the_file(tmp_path):
    nested = "[" * 100_000 + "]" * 100_000
    page = '{"value": [' + teams_message("1", '"2024-03-05T10:00:00Z"')[:-1] + ', "attachments": ' + nested + "}]}"
    folder = teams_page(tmp_path / "teams", page)
    for named in (["--format", "teams"], []):  # detecting the format must not hide the reason either
        line = one_error_line(esnkit("check", folder, *named))
        assert str(folder / "messages.json") in line and "nested too deep" in line


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_standard_json_literals_in_a_slack_day_file_are_refused_naming_the_file(tmp_path, literal):
    text = '[{"type": "message", "user": "U1", "text": "hi", "ts": "1709633011.000200", "score": ' + literal + "}]"
    folder = slack_export(tmp_path / "slack", text)
    line = one_error_line(esnkit("check", folder))
    assert f"{folder / 'general' / '2024-03-05.json'}, line 1, column {text.index(literal) + 1}, field 'score': not valid JSON" in line


def test_a_bare_nan_createddatetime_is_refused_at_the_json_read(tmp_path):
    folder = teams_page(tmp_path / "teams", '{"value": [' + teams_message("1", '"2024-03-05T10:00:00Z"') + ", " + teams_message("2", "NaN") + "]}")
    line = one_error_line(esnkit("check", folder, "--format", "teams"))
    column = len('{"value": [' + teams_message("1", '"2024-03-05T10:00:00Z"') + ", " + teams_message("2", "NaN").split("NaN")[0]) + 1
    assert f"{folder / 'messages.json'}, line 1, column {column}, field 'createdDateTime': not valid JSON (NaN is not a JSON value)" in line


# -- 2. timestamps: range, and named by file, record and the vendor's field -------------------------
@pytest.mark.parametrize("ts", ["99999999999999", "NaN", "abc", "0", "inf"])
def test_a_bad_slack_ts_names_the_day_file_the_message_and_the_field(tmp_path, ts):
    messages = [*GOOD, {"type": "message", "user": "U1", "text": "bad", "ts": ts}]
    folder = slack_export(tmp_path / "slack", messages)
    line = one_error_line(esnkit("check", folder))
    assert f"{folder / 'general' / '2024-03-05.json'}, message 2, field 'ts': {ts!r} is not a Slack time" in line
    assert "row" not in line and "created_at" not in line


def test_a_bad_channel_created_names_channels_json_and_the_channel(tmp_path):
    folder = slack_export(tmp_path / "slack", GOOD)
    (folder / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general", "created": 99999999999999}]))
    line = one_error_line(esnkit("check", folder))
    assert f"{folder / 'channels.json'}, channel C1, field 'created'" in line


@pytest.mark.parametrize(
    ("created", "says"),
    [('"abc"', "'abc' is not a date/time"), ('"3024-03-05T10:00:00Z"', "outside the plausible range"), ("null", "missing")],
)
def test_a_bad_teams_createddatetime_names_the_page_the_message_id_and_the_field(tmp_path, created, says):
    folder = teams_page(
        tmp_path / "teams", '{"value": [' + teams_message("1616", '"2024-03-05T10:00:00Z"') + ", " + teams_message("1617", created) + "]}"
    )
    line = one_error_line(esnkit("check", folder, "--format", "teams"))
    assert f"{folder / 'messages.json'}, message id 1617, field 'createdDateTime': " in line and says in line


def test_a_csv_time_outside_the_range_names_the_file_the_row_and_the_column(tmp_path, ve_folder):
    messages = pd.read_csv(ve_folder / "Messages.csv", dtype="str", keep_default_na=False)
    messages.loc[2, "created_at"] = "1066-10-14T09:00:00Z"
    messages.to_csv(ve_folder / "Messages.csv", index=False)
    line = one_error_line(esnkit("check", ve_folder))
    assert f"{ve_folder / 'Messages.csv'}, column 'created_at': '1066-10-14T09:00:00Z' is outside the plausible range" in line
    assert "rows [4]" in line


# -- 5. the key file ---------------------------------------------------------------------------
KEY = "ab" * 32


def test_a_key_saved_with_a_bom_and_spaces_is_the_same_key(tmp_path):
    path = tmp_path / ".esnkit-key"
    path.write_bytes(b"\xef\xbb\xbf  " + KEY.encode() + b"\r\n\n")
    path.chmod(0o600)
    assert load_or_create_key(path) == bytes.fromhex(KEY)


def test_a_key_saved_as_utf16_by_notepad_is_the_same_key(tmp_path):
    path = tmp_path / ".esnkit-key"
    path.write_bytes(("\ufeff" + KEY + "\r\n").encode("utf-16-le"))
    assert load_or_create_key(path) == bytes.fromhex(KEY)


def test_a_key_readable_by_others_is_made_owner_only(tmp_path):
    path = tmp_path / ".esnkit-key"
    path.write_text(KEY)
    path.chmod(0o644)
    assert load_or_create_key(path) == bytes.fromhex(KEY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_key_is_owner_only(tmp_path):
    path = tmp_path / "c" / ".esnkit-key"
    key = load_or_create_key(path)
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda p: p.mkdir(), "is a folder, not a key file"),
        (lambda p: p.write_bytes(b"\xff\xfe" + KEY.encode()), "not a valid esnkit key"),  # a UTF-16 mark before UTF-8 text
        (lambda p: p.write_bytes(b"\xef\xbb\xbf\xff" + KEY.encode()), "not a valid esnkit key"),
        (lambda p: p.write_text("not hex"), "not a valid esnkit key"),
    ],
)
def test_a_broken_key_file_is_one_line_through_ingest(tmp_path, make, says):
    client = tmp_path / "acme"
    slack_export(client / "raw" / "slack", GOOD)
    (client / "client.yml").write_text("name: Acme\nsources:\n  - raw/slack\n")
    make(client / ".esnkit-key")
    line = one_error_line(esnkit("ingest", "acme", "--data-dir", tmp_path))
    assert str(client / ".esnkit-key") in line and says in line
    assert not (client / "processed").exists()


# -- 10. bidirectional controls --------------------------------------------------------------------
def test_bidi_controls_never_reach_a_client_csv(tmp_path):
    controls = "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
    frame = pd.DataFrame({"name\u202e": ["Ann\u202eniwde", f"x{controls}y", "\u202e=1+1"], "n": [1, 2, 3]})
    target = write_client_csv(frame, tmp_path / "champions.csv")
    text = target.read_text(encoding="utf-8-sig")
    assert not any(c in text for c in controls)
    assert text.splitlines() == ['"name","n"', '"Annniwde","1"', '"xy","2"', '"\'=1+1","3"']


def test_report_text_and_client_csvs_share_one_bidi_rule():
    from esnkit._text import neutralise_bidi
    from esnkit.privacy import excel_safe
    from esnkit.render import clean_text

    sample = "a\u202ab\u2069c\u200fd"
    assert clean_text(sample) == neutralise_bidi(sample) == excel_safe(pd.DataFrame({"c": [sample]}))["c"].iloc[0] == "abcd"


# -- 3. e-mails normalised once, before every join ---------------------------------------------------
NFC = "zo\u00eb.ito@x.com"  # ë as one code point
NFD = "Zo\u0065\u0308.Ito@X.com "  # e + combining diaeresis, capitals, a trailing space


def slack_client(tmp_path, *, users_email: str, yml: str = "", messages=GOOD) -> Path:
    client = tmp_path / "acme"
    slack_export(client / "raw" / "slack", messages)
    users = json.loads((client / "raw" / "slack" / "users.json").read_text())
    users[0]["profile"]["email"] = users_email
    (client / "raw" / "slack" / "users.json").write_text(json.dumps(users))
    (client / "client.yml").write_text("name: Acme\nsources:\n  - raw/slack\n" + yml)
    (client / ".esnkit-key").write_text(KEY)
    (client / ".esnkit-key").chmod(0o600)
    return client


def test_an_nfc_e_mail_in_the_export_and_nfd_in_the_roster_are_one_person(tmp_path):
    client = slack_client(tmp_path, users_email=NFC, yml="roster: {path: raw/roster.csv}\n")
    (client / "raw" / "roster.csv").write_text(f"email,department,location\n{NFD},Sales,Cork\nbob@x.com,Ops,York\n", encoding="utf-8")
    r = esnkit("ingest", "acme", "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    from esnkit import Dataset

    people = Dataset.read(client / "processed").people
    assert len(people) == 2  # Ann (zoë) and Bob, not three
    zoe = people.loc[people["person_id"] == Pseudonymiser(bytes.fromhex(KEY)).one("email:" + NFC)]
    assert zoe[["department", "in_roster", "on_platform"]].values.tolist() == [["Sales", True, True]]
    assert "0 never seen on the platform" in r.stdout


# -- 4. a respondent who answered twice counts once ---------------------------------------------------
def test_duplicate_survey_answers_keep_the_last_and_say_how_many(tmp_path):
    client = slack_client(tmp_path, users_email="ann@x.com", yml="survey: {path: raw/survey.csv}\n")
    (client / "raw" / "survey.csv").write_text("email,q1,q2\nann@x.com,1,2\nbob@x.com,4,4\n,3,3\nANN@x.com ,5,5\n,2,2\nbob@x.com,5,\nann@x.com,4,1\n")
    r = esnkit("ingest", "acme", "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "survey: 2 respondents answered more than once; each one's last answer is kept (3 earlier responses dropped)" in r.stdout
    from esnkit import Dataset

    survey = Dataset.read(client / "processed").survey
    ann = Pseudonymiser(bytes.fromhex(KEY)).one("email:ann@x.com")
    bob = Pseudonymiser(bytes.fromhex(KEY)).one("email:bob@x.com")
    got = sorted(
        (("anon" if pd.isna(p) else {ann: "ann", bob: "bob"}[p]), q, float(v)) for p, q, v in survey[["person_id", "question", "value"]].values
    )
    # ann's last row (4, 1); bob's last row (5, blank); both anonymous rows
    assert got == [
        ("ann", "q1", 4.0),
        ("ann", "q2", 1.0),
        ("anon", "q1", 2.0),
        ("anon", "q1", 3.0),
        ("anon", "q2", 2.0),
        ("anon", "q2", 3.0),
        ("bob", "q1", 5.0),
    ]


# -- 6. opt_outs are addresses ------------------------------------------------------------------------
def test_opt_outs_pasted_from_outlook_are_their_addresses():
    from esnkit.config import config_from_dict

    cfg = config_from_dict(
        {"name": "A", "opt_outs": ["Aoife Ito <Aoife.Ito@x.com>", " " + NFD, "mailto:bob@x.com"], "leaders": {"emails": ["CEO <ceo@x.com>"]}}
    )
    assert cfg.opt_outs == ("aoife.ito@x.com", NFC, "bob@x.com")
    assert cfg.leaders.emails == ("ceo@x.com",)


@pytest.mark.parametrize("item", ["Aoife Ito", "a@x.com, b@x.com", 42, "<>", "ann@", "Ann <ann@x>"])
def test_an_opt_out_that_is_not_an_address_is_refused_at_load_naming_the_item(tmp_path, item):
    client = slack_client(tmp_path, users_email="ann@x.com", yml="opt_outs:\n  - ann@x.com\n  - " + json.dumps(item) + "\n")
    line = one_error_line(esnkit("ingest", "acme", "--data-dir", tmp_path))
    assert f"{client / 'client.yml'}: opt_outs[1]: {item!r} is not an e-mail address" in line


def test_an_opt_out_in_another_form_still_leaves_the_contact_list(tmp_path):
    from esnkit.dataset import Dataset
    from esnkit.steps import reactivate

    people = pd.DataFrame({"person_id": ["p1", "p2"], "state": "active"})
    identities = pd.DataFrame({"person_id": ["p1", "p2"], "source": "x", "email": [NFC, "bob@x.com"], "name": ["Zoë", "Bob"]})
    ds = Dataset(people=people, identities=identities).validate()
    table = pd.DataFrame({"rank": [1, 2], "person_id": ["p1", "p2"], "reason": ["r", "r"]})
    (path,) = reactivate.write_contact_lists(ds, {"invite-back": table}, tmp_path, opt_outs=[NFD])
    got = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert got["email"].tolist() == ["bob@x.com"]


# -- 8. one command at a time per client ------------------------------------------------------------
def test_a_second_command_says_the_client_is_busy_naming_the_holder(tmp_path):
    from esnkit.lock import client_lock

    client = slack_client(tmp_path, users_email="ann@x.com")
    with client_lock(client, "ingest"):
        for command in ("ingest", "reduce", "run"):
            line = one_error_line(esnkit(command, "acme", "--data-dir", tmp_path))
            assert f"{client}: the client is busy: `esnkit ingest` (pid {os.getpid()}) holds it since " in line and " UTC" in line
    assert not (client / "processed").exists()


def test_a_second_command_waits_its_turn_with_wait(tmp_path):
    import threading

    from esnkit.lock import client_lock

    client = slack_client(tmp_path, users_email="ann@x.com")
    held, release = threading.Event(), threading.Event()

    def hold():
        with client_lock(client, "run"):
            held.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    threading.Timer(1.5, release.set).start()
    r = esnkit("ingest", "acme", "--data-dir", tmp_path, "--wait", "60")
    t.join()
    assert r.returncode == 0, r.stderr
    assert (client / "processed" / "manifest.json").is_file()


def test_two_ingests_at_once_take_turns(tmp_path):
    client = slack_client(tmp_path, users_email="ann@x.com")
    cmd = [sys.executable, "-m", "esnkit.cli", "ingest", "acme", "--data-dir", str(tmp_path), "--wait", "120"]
    runs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], [o[1] for o in outs]
    assert sorted(p.name for p in client.iterdir() if p.name.startswith(".") and p.name != ".esnkit-key") == [".esnkit.lock"]
    assert not [p for p in (client).glob(".processed.*")]


# -- 9. a full disk, a read-only folder: one line, nothing half-written -------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs of its own (needs root: skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(folder: Path) -> None:
    """Write into ``folder`` until the disk says it is full."""
    with open(folder / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError as exc:
            assert exc.errno == 28


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_full_disk_during_a_re_ingest_is_one_line_and_keeps_processed(small_disk):
    client = slack_client(small_disk, users_email="ann@x.com")
    assert esnkit("ingest", "acme", "--data-dir", small_disk).returncode == 0
    before = snapshot(client / "processed")
    fill(client)
    line = one_error_line(esnkit("ingest", "acme", "--data-dir", small_disk))
    assert f"{client}: the disk is full (no space left on device); free some space there and run the command again" in line
    assert snapshot(client / "processed") == before
    assert not list(client.glob(".processed.*")) and not list((client / "processed").glob(".reduced.*"))


def test_a_full_disk_at_init_is_one_line(small_disk):
    fill(small_disk)
    line = one_error_line(esnkit("init", "acme", "--data-dir", small_disk))
    assert "the disk is full" in line and str(small_disk / "acme") in line
    assert not (small_disk / "acme" / "client.yml").exists()


def test_a_read_only_client_folder_is_one_line(small_disk):
    client = slack_client(small_disk, users_email="ann@x.com")
    assert esnkit("ingest", "acme", "--data-dir", small_disk).returncode == 0
    before = snapshot(client / "processed")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for command in ("ingest", "reduce"):
        line = one_error_line(esnkit(command, "acme", "--data-dir", small_disk))
        assert f"{client}: the file system is read-only; copy the client folder to a writable disk" in line
    assert snapshot(client / "processed") == before


# -- 7. every segment held to min_group_size ---------------------------------------------------------
ROSTER = "email,department,location\nann@x.com,Legal,Cork\nbob@x.com,Sales,Cork\n" + "".join(f"s{i}@x.com,Sales,Cork\n" for i in range(4))
OBJECTIVE = (
    "objectives:\n  - {id: legal_cork, metric: monthly_active, target: 0.5, deadline: 2027-06-30, segment: {department: Legal, location: Cork}}\n"
)
CAMPAIGN = "campaigns:\n  - {name: Cork legal push, start: 2024-03-01, segment: {department: Legal, location: Cork}}\n"


def roster_client(tmp_path, yml: str) -> Path:
    client = slack_client(tmp_path, users_email="ann@x.com", yml="roster: {path: raw/roster.csv}\n" + yml)
    (client / "raw" / "roster.csv").write_text(ROSTER)
    return client


@pytest.mark.parametrize(
    ("yml", "names"),
    [
        (OBJECTIVE, "objectives[0] (legal_cork): segment {department: Legal, location: Cork} holds 1 person"),
        (CAMPAIGN, "campaigns[0] (Cork legal push): segment {department: Legal, location: Cork} holds 1 person"),
        (OBJECTIVE.replace("Legal", "Finance"), "objectives[0] (legal_cork): segment {department: Finance, location: Cork} holds 0 people"),
    ],
)
def test_an_objective_or_campaign_under_the_floor_is_refused_at_ingest(tmp_path, yml, names):
    client = roster_client(tmp_path, yml)
    line = one_error_line(esnkit("ingest", "acme", "--data-dir", tmp_path))
    assert f"{client / 'client.yml'}: {names}, fewer than min_group_size 5" in line
    assert not (client / "processed").exists()


def test_a_segment_at_the_floor_is_accepted(tmp_path):
    client = roster_client(tmp_path, OBJECTIVE.replace("Legal", "Sales"))  # bob and four others: 5 people
    r = esnkit("ingest", "acme", "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    assert (client / "processed" / "manifest.json").is_file()


def test_a_campaign_added_after_the_ingest_is_refused_before_any_step_runs(tmp_path):
    client = roster_client(tmp_path, "")
    assert esnkit("ingest", "acme", "--data-dir", tmp_path).returncode == 0
    (client / "client.yml").write_text((client / "client.yml").read_text() + CAMPAIGN)
    line = one_error_line(esnkit("run", "acme", "--data-dir", tmp_path, "--steps", "3", "--to", "html"))
    assert "campaigns[0] (Cork legal push): segment {department: Legal, location: Cork} holds 1 person, fewer than min_group_size 5" in line
    assert not (client / "reports").exists()


def test_leaders_by_e_mail_match_whatever_form_the_export_gave(tmp_path):
    from helpers import step_context

    from esnkit.config import Leaders
    from esnkit.dataset import Dataset
    from esnkit.steps.assess import leader_ids

    people = pd.DataFrame({"person_id": ["p1", "p2", "p3"], "state": "active"})
    identities = pd.DataFrame({"person_id": ["p1", "p2", "p3"], "source": "x", "email": [NFD, "bob@x.com", "cat@x.com"]})
    ds = Dataset(people=people, identities=identities).validate()
    ctx = step_context(ds, tmp_path, leaders=Leaders(emails=(NFC, "CAT@x.com")))
    assert sorted(leader_ids(ctx)) == ["p1", "p3"]


# -- the data-protection lifecycle: the key backed up and restored, one person forgotten ----------
def test_a_key_exported_and_imported_gives_the_same_pseudonyms(tmp_path):
    client = slack_client(tmp_path, users_email="ann@x.com")
    backup = tmp_path / "backup" / "acme.key"
    backup.parent.mkdir()
    r = esnkit("key", "export", "acme", backup, "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600 and KEY in backup.read_text() and KEY not in r.stdout
    again = one_error_line(esnkit("key", "export", "acme", backup, "--data-dir", tmp_path))
    assert f"{backup}: already exists" in again
    (client / ".esnkit-key").unlink()  # lost
    r = esnkit("key", "import", "acme", backup, "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    assert load_or_create_key(client / ".esnkit-key") == bytes.fromhex(KEY)
    assert stat.S_IMODE((client / ".esnkit-key").stat().st_mode) == 0o600


def test_importing_a_different_key_needs_replace(tmp_path):
    client = slack_client(tmp_path, users_email="ann@x.com")
    other = tmp_path / "other.key"
    other.write_text("cd" * 32 + "\n")
    line = one_error_line(esnkit("key", "import", "acme", other, "--data-dir", tmp_path))
    assert "already has a different key" in line and "--replace" in line
    assert (client / ".esnkit-key").read_text() == KEY
    assert esnkit("key", "import", "acme", other, "--data-dir", tmp_path, "--replace").returncode == 0
    assert load_or_create_key(client / ".esnkit-key") == bytes.fromhex("cd" * 32)
    (tmp_path / "junk.key").write_text("not a key")
    assert "not an esnkit key backup" in one_error_line(esnkit("key", "import", "acme", tmp_path / "junk.key", "--data-dir", tmp_path))


def test_forget_erases_one_person_from_processed_the_reductions_and_the_lists(tmp_path):
    from esnkit import Dataset
    from esnkit.reduce import read_reduction, reductions_current

    client = roster_client(tmp_path, "survey: {path: raw/survey.csv}\n")
    (client / "raw" / "survey.csv").write_text("email,q1\nann@x.com,4\nbob@x.com,2\n")
    assert esnkit("ingest", "acme", "--data-dir", tmp_path).returncode == 0
    p = Pseudonymiser(bytes.fromhex(KEY))
    ann, bob = p.one("email:ann@x.com"), p.one("email:bob@x.com")
    before = Dataset.read(client / "processed")
    assert ann in set(before.people["person_id"]) and (before.messages["author_id"] == ann).sum() == 1
    lists = client / "restricted"
    lists.mkdir()
    write_client_csv(
        pd.DataFrame(
            {
                "rank": ["1", "2"],
                "ref": ["P-ANNANNAN", "P-BOBBOBBO"],
                "email": ["Ann@X.com", "bob@x.com"],
                "inviter_ref": ["", "P-ANNANNAN"],
                "inviter_email": ["", "ann@x.com"],
            }
        ),
        lists / "invite-back.csv",
    )
    r = esnkit("forget", "acme", "Ann Ito <ANN@x.com>", "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    after = Dataset.read(client / "processed")
    assert ann not in set(after.people["person_id"]) and bob in set(after.people["person_id"])
    assert len(after.people) == len(before.people) - 1
    assert (after.messages["author_id"] == ann).sum() == 0 and len(after.messages) == len(before.messages) - 1
    assert not after.identities["email"].eq("ann@x.com").any()
    assert after.survey["person_id"].tolist() == [bob]
    assert reductions_current(client / "processed")
    assert ann not in set(read_reduction(client / "processed" / "reduced", "person_day")["person_id"])
    got = pd.read_csv(lists / "invite-back.csv", dtype="str", keep_default_na=False, encoding="utf-8-sig")
    assert got.to_dict("records") == [{"rank": "2", "ref": "P-BOBBOBBO", "email": "bob@x.com", "inviter_ref": "", "inviter_email": ""}]
    assert ann in (client / ".esnkit-forgotten").read_text() and "ann@" not in (client / ".esnkit-forgotten").read_text()
    # the raw export still holds her: a new ingest leaves her out, and says so
    r = esnkit("ingest", "acme", "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "1 person erased with `esnkit forget` left out" in r.stdout
    assert ann not in set(Dataset.read(client / "processed").people["person_id"])


def test_forgetting_someone_unknown_changes_nothing(tmp_path):
    client = slack_client(tmp_path, users_email="ann@x.com")
    assert esnkit("ingest", "acme", "--data-dir", tmp_path).returncode == 0
    before = snapshot(client / "processed")
    line = one_error_line(esnkit("forget", "acme", "nobody@x.com", "--data-dir", tmp_path))
    assert "no one with the e-mail nobody@x.com" in line
    assert snapshot(client / "processed") == before and not (client / ".esnkit-forgotten").exists()
    assert "is not an e-mail address" in one_error_line(esnkit("forget", "acme", "Ann", "--data-dir", tmp_path))


@pytest.mark.parametrize("period", ["99999999999999", "-7", "7.5", "abc"])
def test_an_m365_report_period_that_is_no_number_of_days_is_one_line(tmp_path, period):
    report = tmp_path / "teams-usage.csv"
    report.write_text(
        f"Report Refresh Date,User Id,User Principal Name,Team Chat Message Count,Report Period\n2024-03-31,aad-ann,ann@x.com,1,{period}\n"
    )
    line = one_error_line(esnkit("check", report, "--format", "m365-usage"))
    assert f"{report}, column 'Report Period': {period!r} is not a number of days" in line and "rows [2]" in line


def test_a_temporary_folder_that_vanishes_mid_write_is_one_line_naming_the_folder(tmp_path):
    from esnkit._io import storage_errors
    from esnkit.errors import StorageError

    with pytest.raises(StorageError) as err, storage_errors(tmp_path):
        pd.DataFrame({"a": [1]}).to_csv(tmp_path / ".processed.x.tmp" / "people.csv")  # pandas' own error, no errno
    assert str(err.value).startswith(f"{tmp_path}: a temporary folder esnkit was writing in here disappeared")
    assert isinstance(err.value.__cause__, OSError)


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [("reactions", 7, "message 0, field 'reactions': not a JSON list"), ("comment", "x", "message 0, field 'comment': not a JSON object")],
)
def test_a_slack_field_of_the_wrong_shape_is_one_line(tmp_path, field, value, says):
    folder = slack_export(tmp_path / "slack", [{**GOOD[0], field: value}])
    line = one_error_line(esnkit("check", folder))
    assert f"{folder / 'general' / '2024-03-05.json'}, {says}" in line


def test_slack_profiles_and_members_of_the_wrong_shape_are_one_line(tmp_path):
    folder = slack_export(tmp_path / "slack", GOOD)
    (folder / "users.json").write_text(json.dumps([{"id": "U1", "profile": "ann@x.com"}]))
    assert f"{folder / 'users.json'}, user 0, field 'profile': not a JSON object" in one_error_line(esnkit("check", folder))
    (folder / "users.json").write_text(json.dumps([{"id": "U1"}]))
    (folder / "channels.json").write_text(json.dumps([{"id": "C1", "name": "general", "members": "U1"}]))
    assert f"{folder / 'channels.json'}, channel C1, field 'members': not a JSON list" in one_error_line(esnkit("check", folder))


@pytest.mark.parametrize("extra", ['"replies": {"a": 1}', '"reactions": "like"', '"mentions": [1]'])
def test_teams_lists_of_the_wrong_shape_are_one_line(tmp_path, extra):
    message = teams_message("1616", '"2024-03-05T10:00:00Z"')[:-1] + ", " + extra + "}"
    folder = teams_page(tmp_path / "teams", '{"value": [' + message + "]}")
    line = one_error_line(esnkit("check", folder))
    assert f"{folder / 'messages.json'}, message id 1616, field '{extra.split(chr(34))[1]}': not a JSON list" in line


def test_teams_nesting_a_string_where_graph_puts_an_object_is_skipped_not_a_traceback(tmp_path):
    message = teams_message("1616", '"2024-03-05T10:00:00Z"')[:-1] + ', "mentions": [{"mentioned": "Ann"}], "reactions": [{"user": {"user": "x"}}]}'
    r = esnkit("check", teams_page(tmp_path / "teams", '{"value": [' + message + "]}"))
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr


def test_an_opt_out_added_later_reaches_the_lists_already_written(tmp_path):
    client = slack_client(tmp_path, users_email="ann@x.com")
    assert esnkit("ingest", "acme", "--data-dir", tmp_path).returncode == 0
    (client / "restricted").mkdir()
    rows = {"ref": ["P-A", "P-B"], "email": ["ann@x.com", "bob@x.com"], "inviter_ref": ["", "P-A"], "inviter_email": ["", "Ann@X.com"]}
    write_client_csv(pd.DataFrame(rows), client / "restricted" / "invite-back.csv")
    (client / "client.yml").write_text((client / "client.yml").read_text() + "opt_outs: ['Ann <ann@x.com>']\n")
    r = esnkit("ingest", "acme", "--data-dir", tmp_path)
    assert r.returncode == 0, r.stderr
    got = pd.read_csv(client / "restricted" / "invite-back.csv", dtype="str", keep_default_na=False, encoding="utf-8-sig")
    assert got.to_dict("records") == [{"ref": "P-B", "email": "bob@x.com", "inviter_ref": "", "inviter_email": ""}]


def test_a_dataset_read_while_ingests_swap_the_folder_comes_whole_from_one_of_them(tmp_path):
    import threading
    import time

    from esnkit import Dataset

    def version(n):  # n people and n identities: a read mixing two versions has unequal counts
        ids = [f"p{i}" for i in range(n)]
        return Dataset(people=pd.DataFrame({"person_id": ids, "state": "active"}), identities=pd.DataFrame({"person_id": ids, "source": "x"}))

    target = tmp_path / "processed"
    version(1).save(target)
    stop = threading.Event()

    def ingests():
        i = 0
        while not stop.is_set():
            i += 1
            version(1 + i % 3).save(target)
            time.sleep(0.3)  # an ingest swaps once in a while; the reads go on meanwhile

    t = threading.Thread(target=ingests)
    t.start()
    try:
        counts = set()
        for _ in range(40):
            ds = Dataset.read(target)
            assert len(ds.people) == len(ds.identities)
            counts.add(len(ds.people))
    finally:
        stop.set()
        t.join()
    assert len(counts) > 1  # the folder really changed under the reads
