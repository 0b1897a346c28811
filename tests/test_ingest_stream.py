"""Ingest batch by batch (a canonical folder of parquet tables): the same processed/ as the in-memory
path, table for table, and bad rows refused by name with nothing written."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from esnkit import Dataset, ingest_stream
from esnkit.config import ClientPaths
from esnkit.errors import DataError
from esnkit.ingest import ingest_client, summary
from esnkit.synth import SynthSpec, write_canonical_client

KEY = "11" * 32
EVENTS = ("messages", "reactions", "mentions")


def _client(root, name="whole"):
    write_canonical_client(root / name, spec=SynthSpec(n_people=300, messages_per_person=12, reactions_per_message=1.0))
    (root / name / ".esnkit-key").write_text(KEY)
    return root / name


def _edit(client, table, change):
    path = client / "raw" / "canonical" / f"{table}.parquet"
    change(pd.read_parquet(path)).to_parquet(path, index=False)


def _twin(tmp_path, change=None):
    """Two copies of one generated client (one key), ``change`` applied to both exports' tables."""
    whole = _client(tmp_path)
    if change:
        change(whole)
    batched = tmp_path / "batched"
    shutil.copytree(whole, batched)
    return ClientPaths.for_client("whole", tmp_path), ClientPaths.for_client("batched", tmp_path)


def _awkward(client):
    """A message dated in the future, one by an author missing from people, one before the network_start client.yml sets."""

    def messages(m):
        m = m.copy()
        m.loc[3, "created_at"] = pd.Timestamp("2099-01-01", tz="UTC")  # future, yet inside the plausible range (to 2100)
        m.loc[5, "author_id"] = "ghost-author"
        m.loc[7, "created_at"] = pd.Timestamp("2009-01-01", tz="UTC")
        return m

    _edit(client, "messages", messages)
    config = client / "client.yml"
    config.write_text(config.read_text() + "network_start: 2010-01-01\n")
    _edit(client, "reactions", lambda r: r.assign(person_id=r["person_id"].where(r.index != 2, "ghost-reactor")))


def test_batches_write_the_processed_folder_the_whole_read_writes(tmp_path, monkeypatch):
    whole, batched = _twin(tmp_path, _awkward)
    assert ingest_stream.streamable(whole.load_config(), whole) is not None
    ingest_client(whole, batches=False)
    monkeypatch.setattr(ingest_stream, "BATCH_ROWS", 500)  # several batches per table, last one short
    lines: list[str] = []
    streamed = ingest_client(batched, progress=lines.append)
    assert any("batch by batch" in line for line in lines) and any(line.strip().startswith("messages: 500 of") for line in lines)

    a = _same_processed(whole, batched)
    mb = json.loads((batched.processed / "manifest.json").read_text())
    warnings = " | ".join(mb["meta"]["warnings"])
    for said in (
        "1 message dated in the future",
        "before the network existed",
        "by authors missing from the user list",
        "2 person ids used in other tables",
    ):
        assert said in warnings
    # The Dataset handed back keeps its events on disk; its summary is the whole read's.
    assert streamed.rows("messages") == len(a.messages) and "messages" not in _held(streamed)
    assert summary(streamed) == summary(a)
    assert (
        json.loads((batched.processed / "reduced" / "manifest.json").read_text())["tables"]
        == json.loads((whole.processed / "reduced" / "manifest.json").read_text())["tables"]
    )


def _same_processed(whole, batched) -> Dataset:
    """Every table, file schema (pandas metadata included) and the manifest of the two processed/ folders are equal."""
    a, b = Dataset.read(whole.processed), Dataset.read(batched.processed)
    for name in (*Dataset.TABLES, "identities"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    for table in EVENTS:
        assert pq.read_schema(whole.processed / f"{table}.parquet").equals(
            pq.read_schema(batched.processed / f"{table}.parquet"), check_metadata=True
        )
    ma, mb = (json.loads((p.processed / "manifest.json").read_text()) for p in (whole, batched))
    assert ma["tables"] == mb["tables"] and ma["meta"] == mb["meta"]
    return a


def _foreign(client):
    """The tables as another tool writes them: no pandas metadata, numeric ids, text timestamps,
    a flag with gaps, a column esnkit does not know, small row groups."""
    canon = client / "raw" / "canonical"

    def write(table, frame, **options):
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None), canon / f"{table}.parquet", **options)

    m = pd.read_parquet(canon / "messages.parquet")
    m = m.assign(
        message_id=m["message_id"].astype("int64"),
        thread_id=m["thread_id"].astype("Int64"),
        reply_to_id=m["reply_to_id"].astype("Int64"),
        is_private=m["is_private"].astype(object).where(m.index % 7 != 0, None),
        extra_column="x",
    )
    write("messages", m, row_group_size=333)
    r = pd.read_parquet(canon / "reactions.parquet")
    write("reactions", r.assign(created_at=r["created_at"].dt.strftime("%Y/%m/%d %H:%M:%S +0000"), message_id=r["message_id"].astype("int64")))
    mentions = pd.read_parquet(canon / "mentions.parquet")
    write("mentions", mentions.assign(message_id=mentions["message_id"].astype("int64")))


def test_tables_written_by_another_tool_give_the_same_processed_folder_either_way(tmp_path, monkeypatch):
    whole, batched = _twin(tmp_path, _foreign)
    ingest_client(whole, batches=False)
    monkeypatch.setattr(ingest_stream, "BATCH_ROWS", 400)
    ingest_client(batched)
    a = _same_processed(whole, batched)
    assert a.messages["message_id"].str.fullmatch(r"\d+").all() and a.messages["is_private"].notna().all()


def _held(ds):
    return {name for name, table in ds._tables.items() if isinstance(table, pd.DataFrame)}


def _refused(paths, match):
    with pytest.raises(DataError, match=match):
        ingest_client(paths)
    assert not paths.processed.exists()
    assert not [p.name for p in paths.root.iterdir() if p.name.startswith(".processed")]  # no staging left behind


@pytest.mark.parametrize(
    ("table", "change", "match"),
    [
        (
            "messages",
            lambda m: pd.concat([m, m.iloc[[10]]], ignore_index=True),
            r"table 'messages': 2 rows share a key \['message_id'\], e.g. rows \[10, 1771\]",
        ),
        (
            "reactions",
            lambda r: pd.concat([r, r.iloc[[3, 900]].assign(reaction=None), r.iloc[[3, 900]].assign(reaction=None)], ignore_index=True),
            r"table 'reactions': 4 rows share a key \['message_id', 'person_id', 'reaction'\], e.g. rows \[1233, 1234, 1235, 1236\]",
        ),
        (
            "reactions",
            lambda r: r.assign(message_id=r["message_id"].where(r.index != 700, "no-such-message")),
            r"table 'reactions', column 'message_id': 1 row\(s\) refer to no row of 'messages', e.g. rows \[700\]",
        ),
        (
            "messages",
            lambda m: m.assign(created_at=m["created_at"].where(m.index != 1203)),
            r"column 'created_at' is empty in 1 row\(s\) of rows 1000-1499, e.g. rows \[1203\]",
        ),
        (
            "messages",
            lambda m: m.assign(group_id=m["group_id"].where(m.index != 42, "no-such-group")),
            r"column 'group_id': 1 row of rows 0-499 refer to no row of 'groups', e.g. rows \[42\]",
        ),
        (
            "messages",
            lambda m: m.assign(created_at=m["created_at"].astype("str").where(m.index != 1502, "yesterday")),
            r"messages.parquet, column 'created_at': 'yesterday' is not a date/time \(rows \[1504\]\)",
        ),
    ],
    ids=[
        "duplicate-message",
        "duplicate-reaction-without-a-kind",
        "reaction-to-nothing",
        "no-timestamp",
        "unknown-group",
        "bad-timestamp-in-a-later-batch",
    ],
)
def test_bad_rows_are_named_in_the_whole_table_and_nothing_is_written(tmp_path, monkeypatch, table, change, match):
    monkeypatch.setattr(ingest_stream, "BATCH_ROWS", 500)
    client = _client(tmp_path)
    _edit(client, table, change)
    _refused(ClientPaths.for_client("whole", tmp_path), match)


def test_a_client_with_other_sources_or_csv_tables_is_read_whole(tmp_path):
    client = _client(tmp_path)
    paths = ClientPaths.for_client("whole", tmp_path)
    canon = client / "raw" / "canonical"
    pd.read_parquet(canon / "messages.parquet").to_csv(canon / "messages.csv", index=False)
    (canon / "messages.parquet").unlink()
    assert ingest_stream.streamable(paths.load_config(), paths) is None


def test_a_lazy_table_is_read_when_asked_for_and_refused_once_its_folder_was_replaced(tmp_path):
    whole, _ = _twin(tmp_path)
    ingest_client(whole)
    ds = Dataset.read(whole.processed, lazy=EVENTS)
    full = Dataset.read(whole.processed)
    assert _held(ds) == set(Dataset.TABLES) - set(EVENTS) | {"identities"}
    assert ds.counts() == full.counts()
    pd.testing.assert_series_equal(ds.column("messages", "created_at"), full.messages["created_at"])
    some = ["thread_id", "created_at", "is_thread_start", "n_chars"]
    pd.testing.assert_frame_equal(ds.columns("messages", some), full.messages[some])
    pd.testing.assert_frame_equal(full.columns("messages", some), full.messages[some])
    with pytest.raises(KeyError, match=r"table 'messages' has no column\(s\) \['body'\]"):
        ds.columns("messages", ["thread_id", "body"])
    assert "messages" not in _held(ds)
    pd.testing.assert_frame_equal(ds.reactions, full.reactions)  # read on first use, then held
    assert "reactions" in _held(ds)
    ingest_client(whole)  # a new processed/ replaces the folder the lazy tables point at
    with pytest.raises(DataError, match="changed since this Dataset was opened"):
        ds.messages


def test_an_export_with_no_messages_is_refused_as_the_whole_read_refuses_it(tmp_path):
    client = _client(tmp_path)
    for table in EVENTS:
        _edit(client, table, lambda frame: frame.iloc[:0])
    paths = ClientPaths.for_client("whole", tmp_path)
    _refused(paths, "the sources hold no messages or activity found; nothing was written")
    with pytest.raises(DataError, match="the sources hold no messages or activity found; nothing was written"):
        ingest_client(paths, batches=False)
