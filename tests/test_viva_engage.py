import zipfile
from pathlib import Path

import pandas as pd
import pytest

import esnkit
from esnkit import DataError
from esnkit.privacy import Pseudonymiser

KEY = b"test-key"


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, prefix + p.name)
    return target


def pid(identity: str) -> str:
    return Pseudonymiser(KEY).one(identity)


def test_counts_states_and_flags(ve_folder):
    ds = esnkit.load(ve_folder, key=KEY)
    people = ds.people.set_index("person_id")
    expected_states = {
        pid("email:ann.archer@contoso.com"): "active",
        pid("email:bob.baker@contoso.com"): "active",
        pid("email:cat.cole@contoso.com"): "suspended",
        pid("email:dan.dee@contoso.com"): "deleted",
        pid("email:eve.eton@contoso.com"): "pending",
        pid("email:gus@partner.example"): "active",
    }
    assert people["state"].dropna().to_dict() == expected_states
    assert people.loc[pid("email:gus@partner.example"), "is_external"]
    assert not people.loc[pid("email:ann.archer@contoso.com"), "is_external"]
    assert people.loc[pid("viva-engage:77"), "is_bot"]  # the bot sender, not in Users.csv
    assert len(ds.groups) == 2
    m = ds.messages.set_index("message_id")
    assert sorted(m.index) == ["2001", "2002", "2003", "2004", "2006", "2007", "2008"]  # 2005 deleted
    assert m["is_thread_start"].to_dict() == {"2001": True, "2002": False, "2003": False, "2004": True, "2006": True, "2007": False, "2008": True}
    assert m.loc[m["is_private"], "group_id"].isna().all() and sorted(m.index[m["is_private"]]) == ["2006", "2007"]
    assert m.loc["2004", "group_id"] == "502"
    assert ds.meta.warnings == ["1 deleted message left out (marked deleted in Messages.csv)"]


def test_timestamps_in_both_styles_become_utc(ve_folder):
    m = esnkit.load(ve_folder, key=KEY).messages.set_index("message_id")["created_at"]
    assert m["2002"] == pd.Timestamp("2024-03-05 11:22:11", tz="UTC")  # 2024/03/05 11:22:11 +0000
    assert m["2003"] == pd.Timestamp("2024-03-06 07:00:00", tz="UTC")  # +01:00 offset


def test_mentions_one_row_per_message_and_person(ve_folder):
    got = esnkit.load(ve_folder, key=KEY).mentions
    expected = pd.DataFrame(
        {
            "message_id": ["2001", "2001", "2002", "2006"],
            "person_id": [
                pid("email:bob.baker@contoso.com"),
                pid("email:cat.cole@contoso.com"),
                pid("email:ann.archer@contoso.com"),
                pid("email:gus@partner.example"),
            ],
        }
    ).astype("str")
    pd.testing.assert_frame_equal(
        got.sort_values(["message_id", "person_id"]).reset_index(drop=True), expected.sort_values(["message_id", "person_id"]).reset_index(drop=True)
    )


def test_multiline_quoted_bodies_are_one_message_and_text_is_dropped(ve_folder):
    ds = esnkit.load(ve_folder, key=KEY)
    assert ds.messages["text"].isna().all()
    body = 'Welcome all!\nPlease say "hi" here, [[user:1002]] and [[user:1003]]'
    assert ds.messages.set_index("message_id").loc["2001", "n_chars"] == len(body)


def test_keep_text_pseudonymises_mentions_inside_bodies(ve_folder):
    ds = esnkit.load(ve_folder, key=KEY, keep_text=True)
    text = ds.messages.set_index("message_id").loc["2002", "text"]
    assert text == f"Hi [[user:{pid('email:ann.archer@contoso.com')}]] [[user:{pid('email:ann.archer@contoso.com')}]]"


def test_zip_and_folder_give_the_same_dataset(ve_folder, tmp_path):
    a = esnkit.load(ve_folder, key=KEY)
    b = esnkit.load(zip_folder(ve_folder, tmp_path / "export.zip"), key=KEY)
    for table in ("people", "groups", "messages", "mentions", "identities"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))


def test_zip_with_a_top_folder_and_detection(ve_folder, tmp_path):
    ds = esnkit.load(zip_folder(ve_folder, tmp_path / "export.zip", prefix="export-2024/"), key=KEY)
    assert len(ds.messages) == 7


def test_columns_in_any_order_and_optional_ones_missing(ve_folder):
    path = ve_folder / "Messages.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame[list(reversed(frame.columns))].drop(columns=["participants", "title", "sender_type"])
    frame.to_csv(path, index=False)
    ds = esnkit.load(ve_folder, key=KEY)
    assert len(ds.messages) == 7 and len(ds.mentions) == 4


def test_log_mismatch_is_a_warning(ve_folder):
    (ve_folder / "log.txt").write_text("Number of exported MESSAGES: 10\n")
    ds = esnkit.load(ve_folder, key=KEY)
    assert any("log.txt says 10 messages" in w and "8 were read" in w for w in ds.meta.warnings)


def test_same_key_same_ids_other_key_other_ids(ve_folder):
    a = esnkit.load(ve_folder, key=KEY).people["person_id"]
    b = esnkit.load(ve_folder, key=KEY).people["person_id"]
    c = esnkit.load(ve_folder, key=b"other").people["person_id"]
    pd.testing.assert_series_equal(a, b)
    assert not set(a) & set(c)


def test_identities_hold_names_and_analysis_tables_do_not(ve_folder, tmp_path):
    ds = esnkit.load(ve_folder, key=KEY, keep_text=True)
    assert set(ds.identities["name"].dropna()) >= {"Ann Archer", "Gus Guest"}
    ds.save(tmp_path / "out")
    secrets = ["Ann Archer", "ann.archer@contoso.com", "contoso.com", "partner.example", "1001", "1006", "Archer"]
    for path in (tmp_path / "out").iterdir():
        if path.name == "identities.parquet":
            continue
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            text = frame.astype("str").to_csv()
        else:
            text = path.read_text()
        for s in secrets:
            assert s not in text, (path.name, s)


@pytest.mark.parametrize(
    "breakage, words",
    [
        (lambda d: (d / "Messages.csv").unlink(), ["Messages.csv", "Viva Engage"]),
        (lambda d: (d / "Users.csv").unlink(), ["Users.csv", "missing"]),
        (lambda d: (d / "Messages.csv").write_text("id,created_at\n1,2024-01-01\n"), ["Messages.csv", "sender_id"]),
        (lambda d: (d / "Messages.csv").write_text(""), ["Messages.csv", "empty"]),
        (lambda d: (d / "Messages.csv").write_text("id,sender_id,created_at\n1,2,yesterday-ish\n"), ["Messages.csv", "created_at", "rows [2]"]),
    ],
)
def test_bad_exports_name_the_file_and_what_is_wrong(ve_folder, breakage, words):
    breakage(ve_folder)
    with pytest.raises(DataError) as err:
        esnkit.load(ve_folder, source="viva-engage", key=KEY)
    for w in words:
        assert w in str(err.value)


def test_truncated_zip(ve_folder, tmp_path):
    data = zip_folder(ve_folder, tmp_path / "full.zip").read_bytes()
    bad = tmp_path / "truncated.zip"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"truncated\.zip.*(not a readable zip|truncated)"):
        esnkit.load(bad, key=KEY)


def test_not_an_export(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match=r"not a recognised export.*viva-engage"):
        esnkit.load(tmp_path, key=KEY)
