import json

import pandas as pd
import pytest

from esnkit import DataError, Dataset
from esnkit.dataset import SCHEMA


def small() -> Dataset:
    return Dataset(
        people=pd.DataFrame({"person_id": ["a", "b"], "state": ["active", "deleted"], "department": ["Sales", None]}),
        groups=pd.DataFrame({"group_id": ["g1"], "name": ["Sales Hub"], "kind": ["community"]}),
        messages=pd.DataFrame(
            {
                "message_id": ["m1", "m2"],
                "thread_id": ["m1", "m1"],
                "reply_to_id": [None, "m1"],
                "group_id": ["g1", "g1"],
                "author_id": ["a", "b"],
                "created_at": ["2024-03-05T10:00:00Z", "2024-03-05T11:00:00+01:00"],
                "is_thread_start": [True, False],
                "is_private": [False, False],
                "n_chars": [10, 3],
            }
        ),
        mentions=pd.DataFrame({"message_id": ["m2"], "person_id": ["a"]}),
    )


def test_every_table_has_exactly_the_schema_columns_and_dtypes():
    ds = small()
    for table, columns in SCHEMA.items():
        frame = getattr(ds, table)
        assert list(frame.columns) == list(columns), table
        assert [str(t) for t in frame.dtypes] == list(columns.values()), table
    assert list(ds.identities.columns) == ["person_id", "source", "source_user_id", "name", "email"]


def test_timestamps_become_utc():
    ds = small()
    expected = pd.Series(pd.to_datetime(["2024-03-05T10:00:00Z", "2024-03-05T10:00:00Z"]), name="created_at").astype("datetime64[us, UTC]")
    pd.testing.assert_series_equal(ds.messages["created_at"], expected)


def test_validate_accepts_a_consistent_dataset():
    assert small().validate().counts()["messages"] == 2


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda ds: ds.replace(messages=ds.messages.assign(author_id=pd.Series(["a", "zzz"], dtype="str"))), ["messages", "author_id", "rows [1]"]),
        (lambda ds: ds.replace(messages=ds.messages.assign(message_id=pd.Series(["m1", "m1"], dtype="str"))), ["messages", "unique", "rows [0, 1]"]),
        (lambda ds: ds.replace(people=ds.people.assign(state=pd.Series(["active", "gone"], dtype="str"))), ["people", "state", "gone"]),
        (lambda ds: ds.replace(mentions=ds.mentions.assign(message_id=pd.Series(["nope"], dtype="str"))), ["mentions", "message_id"]),
        (
            lambda ds: ds.replace(messages=ds.messages.assign(created_at=ds.messages["created_at"].where([True, False]))),
            ["messages", "created_at", "empty"],
        ),
    ],
)
def test_validate_names_table_column_and_rows(change, words):
    ds = change(small())
    with pytest.raises(DataError) as err:
        ds.validate()
    for w in words:
        assert w in str(err.value)


def test_validate_rejects_a_wrong_dtype():
    ds = small()
    ds._tables["messages"] = ds.messages.assign(n_chars=ds.messages["n_chars"].astype("float64"))  # what conform would never let through
    with pytest.raises(DataError, match=r"n_chars.*Int64"):
        ds.validate()


def test_save_and_read_round_trip(tmp_path):
    ds = small()
    ds.meta.warn("something odd")
    ds.refresh_coverage()
    ds.save(tmp_path / "processed")
    back = Dataset.read(tmp_path / "processed")
    assert back == ds
    for table in (*SCHEMA, "identities"):
        pd.testing.assert_frame_equal(getattr(back, table), getattr(ds, table))
    manifest = json.loads((tmp_path / "processed" / "manifest.json").read_text())
    assert manifest["tables"]["messages"]["rows"] == 2
    assert manifest["meta"]["warnings"] == ["something odd"]


def test_save_replaces_atomically_and_leaves_no_temporary_folders(tmp_path, monkeypatch):
    target = tmp_path / "processed"
    small().save(target)
    bigger = small()
    bigger = bigger.replace(people=pd.concat([bigger.people, bigger.people.assign(person_id=["c", "d"])], ignore_index=True))
    # A failure half-way through writing must leave the previous contents untouched.
    original = pd.DataFrame.to_parquet
    calls = {"n": 0}

    def failing(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original(self, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    with pytest.raises(OSError):
        bigger.save(target)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", original)
    assert len(Dataset.read(target).people) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed"]
    bigger.save(target)
    assert len(Dataset.read(target).people) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed"]


def test_read_explains_a_missing_folder(tmp_path):
    with pytest.raises(DataError, match="esnkit ingest"):
        Dataset.read(tmp_path)


def test_save_removes_what_a_killed_save_left_behind(tmp_path):
    leftover = tmp_path / ".processed.k1ll3d.tmp"
    leftover.mkdir()
    (leftover / "identities.parquet").write_bytes(b"names and e-mails")
    small().save(tmp_path / "processed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["processed"]


def test_the_cache_tells_what_was_asked_of_it_and_lets_go_of_names():
    ds = small()
    calls = []
    ds.cached("graph", (1,), lambda: calls.append("graph 1") or "g1")
    ds.cached("graph", (2,), lambda: calls.append("graph 2") or "g2")
    ds.cached("kpi", ("x",), lambda: calls.append("kpi") or 3)
    assert ds.take_cache_uses() == {"graph", "kpi"}
    assert ds.cached("kpi", ("x",), lambda: calls.append("kpi again") or 4) == 3  # a hit is a use too
    assert ds.take_cache_uses() == {"kpi"} and ds.take_cache_uses() == set()
    assert ds.release_cached(["graph", "never cached"]) == ["graph"]
    assert ds.cached("graph", (1,), lambda: calls.append("graph 1 again") or "g1") == "g1"
    assert ds.cached("kpi", ("x",), lambda: 5) == 3  # not released: still kept
    assert calls == ["graph 1", "graph 2", "kpi", "graph 1 again"]
