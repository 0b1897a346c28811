"""The reduction layer: each reduced table against answers worked out by hand, DuckDB on disk against
DuckDB in memory, Spark in local mode against DuckDB table for table, and the metrics that read the
reductions against the events they used to be counted from."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES

from esnkit import Dataset
from esnkit._fast import micros, unique
from esnkit.config import ClientPaths, config_from_dict
from esnkit.errors import ConfigError, DataError
from esnkit.ingest import ingest_client
from esnkit.metrics._base import _active_days, _everyone_sorted, as_of_end, codes
from esnkit.reduce import REDUCTIONS, read_reduction, reduce_client, reduce_processed, reduced, reductions_current
from esnkit.synth import SynthSpec, write_canonical_client


def day(text: str) -> int:
    return (dt.date.fromisoformat(text) - dt.date(1970, 1, 1)).days


def ts(text: str | None):
    return pd.Timestamp(text, tz="UTC") if text else pd.NaT


def hand_dataset() -> Dataset:
    """a starts thread m1 in g1 (Jan 1 09:00); b replies (10:00, mentioning c) and reacts to m1 (no time);
    a replies to b (Jan 2). c starts m4 in g2 (Feb 3 12:00) and answers it himself (13:00); a reacts on Feb 4."""
    people = pd.DataFrame({"person_id": ["a", "b", "c"], "state": ["active"] * 3})
    groups = pd.DataFrame({"group_id": ["g1", "g2"], "name": ["One", "Two"], "kind": ["community", "community"]})
    rows = [
        ("m1", "m1", None, "g1", "a", "2026-01-01 09:00", True),
        ("m2", "m1", "m1", "g1", "b", "2026-01-01 10:00", False),
        ("m3", "m1", "m2", "g1", "a", "2026-01-02 08:00", False),
        ("m4", "m4", None, "g2", "c", "2026-02-03 12:00", True),
        ("m5", "m4", None, "g2", "c", "2026-02-03 13:00", False),
    ]
    messages = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    messages["is_private"] = False
    reactions = pd.DataFrame(
        {"message_id": ["m4", "m1"], "person_id": ["a", "b"], "created_at": ["2026-02-04 09:00", None], "reaction": ["like", "like"]}
    )
    mentions = pd.DataFrame({"message_id": ["m2"], "person_id": ["c"]})
    memberships = pd.DataFrame(
        {"group_id": ["g1", "g1"], "person_id": ["a", "b"], "joined_at": ["2025-12-15", "2026-01-05"], "left_at": [None, "2026-02-10"]}
    )
    return Dataset(people=people, groups=groups, messages=messages, reactions=reactions, mentions=mentions, memberships=memberships).validate()


def expected(name: str, rows: list[tuple]) -> pd.DataFrame:
    """A frame in the reduction's columns and esnkit's dtypes, sorted by its key."""
    columns = list(REDUCTIONS[name].columns)
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns:
        if column in ("day", "month", "posts", "replies", "reactions", "mentions", "contributors", "joined", "ended"):
            frame[column] = frame[column].astype("int64")
        elif column.endswith("_at"):
            frame[column] = pd.Series([ts(v) if isinstance(v, str) or v is None else v for v in frame[column]], dtype="datetime64[us, UTC]")
        elif column == "is_private":
            frame[column] = frame[column].astype("boolean")
        else:
            frame[column] = frame[column].astype("str")
    return sort(frame, name)


def sort(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame.sort_values(list(REDUCTIONS[name].key), na_position="first").reset_index(drop=True)


HAND = {
    "person_day": [
        ("a", day("2026-01-01"), "g1", 1, 0, 0, "2026-01-01 09:00", "2026-01-01 09:00"),
        ("a", day("2026-01-02"), "g1", 0, 1, 0, "2026-01-02 08:00", "2026-01-02 08:00"),
        ("a", day("2026-02-04"), "g2", 0, 0, 1, "2026-02-04 09:00", "2026-02-04 09:00"),
        ("b", day("2026-01-01"), "g1", 0, 1, 1, "2026-01-01 09:00", "2026-01-01 10:00"),  # the reaction without a time counts at its message's
        ("c", day("2026-02-03"), "g2", 1, 1, 0, "2026-02-03 12:00", "2026-02-03 13:00"),
    ],
    "threads": [
        # m1: b's reaction has no time, so b's reply at 10:00 is the first (dated) response, but the reaction answered
        # it at its message's time (09:00); m4: c's own reply does not count, a's dated reaction does
        ("m1", "g1", "a", "2026-01-01 09:00", False, "2026-01-01 10:00", "2026-01-01 09:00"),
        ("m4", "g2", "c", "2026-02-03 12:00", False, "2026-02-04 09:00", "2026-02-04 09:00"),
    ],
    "thread_replies": [
        ("m1", "a", day("2026-01-02"), 1),
        ("m1", "b", day("2026-01-01"), 1),
        ("m4", "c", day("2026-02-03"), 1),
    ],
    "ties_day": [
        ("a", "b", "g1", day("2026-01-02"), 1, 0, 0),
        ("a", "c", "g2", day("2026-02-04"), 0, 0, 1),
        ("b", "a", "g1", day("2026-01-01"), 1, 0, 1),
        ("b", "c", "g1", day("2026-01-01"), 0, 1, 0),
        # c's reply to his own thread is no tie
    ],
    "community_month": [
        ("g1", day("2026-01-01"), 1, 2, 1, 2),
        ("g2", day("2026-02-01"), 1, 1, 1, 2),
    ],
    "membership_month": [
        ("g1", day("2025-12-01"), 1, 0),
        ("g1", day("2026-01-01"), 1, 0),
        ("g1", day("2026-02-01"), 0, 1),
    ],
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_each_reduction_matches_the_hand_worked_answer(name):
    assert set(HAND) == set(REDUCTIONS)
    pd.testing.assert_frame_equal(sort(reduced(hand_dataset(), name), name), expected(name, HAND[name]))


def _client(tmp_path, n_people=600, **spec):
    write_canonical_client(tmp_path / "bench", spec=SynthSpec(n_people=n_people, messages_per_person=12, reactions_per_message=1.0, **spec))
    paths = ClientPaths.for_client("bench", tmp_path)
    ingest_client(paths)
    return paths


def test_ingest_writes_current_reductions_that_equal_the_in_memory_ones(tmp_path):
    paths = _client(tmp_path)
    folder = paths.processed / "reduced"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["engine"] == "duckdb" and set(manifest["tables"]) == set(REDUCTIONS)
    assert reductions_current(paths.processed)
    on_disk = Dataset.read(paths.processed)
    in_memory = on_disk.replace()  # a copy of the tables, no origin: reduced by DuckDB over the frames
    assert in_memory.origin is None and on_disk.origin == paths.processed
    for name in REDUCTIONS:
        disk = read_reduction(folder, name)
        assert manifest["tables"][name]["rows"] == len(disk)
        assert len(disk) > 0 or name == "membership_month"  # the generated clients carry no memberships
        pd.testing.assert_frame_equal(sort(disk, name), sort(reduced(in_memory, name), name))
        pd.testing.assert_frame_equal(reduced(on_disk, name), disk)
        order = list(REDUCTIONS[name].order)
        if order:  # DuckDB writes in the order the metrics read, so they need not sort
            pd.testing.assert_frame_equal(disk, disk.sort_values(order, kind="stable").reset_index(drop=True), obj=f"{name} as written")
    assert not (paths.processed / ".duckdb-spill").exists()


def test_reductions_go_stale_when_processed_is_written_again(tmp_path):
    paths = _client(tmp_path, n_people=200)
    ds = Dataset.read(paths.processed)
    manifest = json.loads((paths.processed / "manifest.json").read_text())
    manifest["written_at"] = "2000-01-01T00:00:00+00:00"
    (paths.processed / "manifest.json").write_text(json.dumps(manifest))
    assert not reductions_current(paths.processed)
    # Stale reductions are not read: the Dataset reduces its own tables instead, with the same result.
    for name in REDUCTIONS:
        pd.testing.assert_frame_equal(sort(reduced(Dataset.read(paths.processed), name), name), sort(reduced(ds, name), name))


def test_a_failed_reduction_leaves_the_previous_one_in_place(tmp_path):
    paths = _client(tmp_path, n_people=200)
    before = (paths.processed / "reduced" / "manifest.json").read_text()
    (paths.processed / "reactions.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match=r"duckdb could not reduce .*processed"):
        reduce_processed(paths.processed)
    assert (paths.processed / "reduced" / "manifest.json").read_text() == before
    assert [p.name for p in paths.processed.iterdir() if p.name.startswith(".")] == []
    (paths.processed / "reactions.parquet").unlink()
    with pytest.raises(DataError, match=r"reactions.parquet is missing; run `esnkit ingest"):
        reduce_processed(paths.processed)


def _active_days_from_events(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """How person-days were counted before the reductions: from every event, sorted by time."""
    everyone = _everyone_sorted(ds)
    n = len(ds.people) + 1
    key = unique((everyone.times // 86_400_000_000) * n + np.where(everyone.who >= 0, everyone.who, n - 1))
    who, days = key % n, key // n
    return who[who < n - 1], days[who < n - 1]


@pytest.mark.parametrize("source", ["tiny-client", "viva-engage-small", "slack-export-viewer-testarchive", "teams-graph-docs-samples", "bench"])
def test_person_days_from_the_reduction_equal_the_events(tmp_path, source):
    if source == "bench":
        paths = _client(tmp_path)
        ds = Dataset.read(paths.processed)
        assert reductions_current(ds.origin)
    else:
        from esnkit import loaders

        folder = FIXTURES / source
        path = next((p for p in sorted(folder.iterdir()) if p.suffix in (".zip",)), folder)
        if source == "tiny-client":
            work = tmp_path / "tiny-client"
            shutil.copytree(folder, work)
            paths = ClientPaths.for_client("tiny-client", tmp_path)
            ds = Dataset.read(ingest_client(paths).origin)
        else:
            ds = loaders.load(path, key=b"k" * 32)
    who, days = _active_days(ds)
    old_who, old_days = _active_days_from_events(ds)
    assert len(who) > 0
    np.testing.assert_array_equal(who, old_who)
    np.testing.assert_array_equal(days, old_days)
    assert who.dtype == days.dtype == np.int32  # kept across the steps: half the bytes of int64


def test_engine_config_is_checked():
    assert config_from_dict({"name": "x", "engine": "spark"}).engine.name == "spark"
    cfg = config_from_dict({"name": "x", "engine": {"name": "spark", "master": "spark://h:7077", "config": {"spark.executor.memory": "8g"}}})
    assert cfg.engine.options() == {"master": "spark://h:7077", "config": {"spark.executor.memory": "8g"}}
    assert config_from_dict({"name": "x", "engine": {"memory_limit": "8GB"}}).engine.options() == {"memory_limit": "8GB", "threads": None}
    for bad, message in (
        ({"name": "flink"}, "not an engine"),
        ({"name": "duckdb", "master": "spark://h"}, "master do\\(es\\) not apply to duckdb"),
        ({"name": "spark", "config": {"executor.memory": "8g"}}, "not a Spark setting"),
        ({"memory_limit": "lots"}, "a size like 8GB"),
        ({"colour": "red"}, "unknown key"),
    ):
        with pytest.raises(ConfigError, match=message):
            config_from_dict({"name": "x", "engine": bad})


def test_the_cli_reduces_again_and_refuses_a_master_without_spark(tmp_path, capsys):
    from esnkit.cli import main

    paths = _client(tmp_path, n_people=200)
    shutil.rmtree(paths.processed / "reduced")
    assert main(["reduce", "bench", "--data-dir", str(tmp_path)]) == 0
    assert reductions_current(paths.processed)
    assert "person_day:" in capsys.readouterr().out
    assert main(["reduce", "bench", "--data-dir", str(tmp_path), "--master", "local[2]"]) == 1
    assert "--master applies to the spark engine only" in capsys.readouterr().err


def test_spark_local_mode_writes_the_same_reductions_as_duckdb(tmp_path):
    # pyspark is in the test extra and Java 17 is installed by `make test` (system-deps): no skip here
    paths = _client(tmp_path, n_people=2000)
    duck = {name: sort(read_reduction(paths.processed / "reduced", name), name) for name in REDUCTIONS}
    manifest = reduce_client(paths, engine="spark", master="local[2]")
    assert manifest["engine"] == "spark" and reductions_current(paths.processed)
    for name in REDUCTIONS:
        spark = sort(read_reduction(paths.processed / "reduced", name), name)
        assert len(spark) == manifest["tables"][name]["rows"]
        pd.testing.assert_frame_equal(spark, duck[name], obj=name)


def _threads_from_events(ds: Dataset, end: pd.Timestamp) -> pd.DataFrame:
    """How the thread table was computed before the reductions: from every message and reaction."""
    from esnkit._fast import lookup, micros

    m, c, cut = ds.messages, codes(ds), micros(end)
    dated = m["created_at"].notna().to_numpy()
    start_rows = np.flatnonzero(m["is_thread_start"].to_numpy(dtype=bool, na_value=False) & dated & (micros(m["created_at"]) < cut))
    starts = m.take(start_rows).reset_index(drop=True)
    rank = np.full(len(m) + 1, -1, dtype=np.int64)
    rank[start_rows] = np.arange(len(start_rows))
    thread_of = np.where(dated, rank[c.thread_start], -1)
    times = micros(m["created_at"])
    reply = ~m["is_thread_start"].to_numpy(dtype=bool) & (thread_of >= 0) & (times < cut)
    pos, authors = thread_of[reply], m["author_id"][reply].reset_index(drop=True)
    other = (authors != starts["author_id"].array.take(pos)).to_numpy(dtype=bool, na_value=True)
    first = np.full(len(starts), np.iinfo(np.int64).max)
    np.minimum.at(first, pos[other], times[reply][other])
    at = c.reaction_message
    rt = micros(ds.reactions["created_at"])
    rpos = np.where((at >= 0) & ds.reactions["created_at"].notna().to_numpy() & (rt < cut), thread_of[at], -1)
    ok = rpos >= 0
    rother = (ds.reactions["person_id"][ok].reset_index(drop=True) != starts["author_id"].array.take(rpos[ok])).to_numpy(dtype=bool, na_value=True)
    np.minimum.at(first, rpos[ok][rother], rt[ok][rother])
    has = first != np.iinfo(np.int64).max
    # answered: also by a reaction without a time, at its message's time
    answered_at = first.copy()
    mt = micros(m["created_at"])
    undated = (at >= 0) & ds.reactions["created_at"].isna().to_numpy()
    upos = np.where(undated, thread_of[np.maximum(at, 0)], -1)
    upos = np.where(undated & (mt[np.maximum(at, 0)] < cut), upos, -1)
    uok = upos >= 0
    uother = (ds.reactions["person_id"][uok].reset_index(drop=True) != starts["author_id"].array.take(upos[uok])).to_numpy(dtype=bool, na_value=True)
    np.minimum.at(answered_at, upos[uok][uother], mt[np.maximum(at, 0)][uok][uother])
    answered = answered_at != np.iinfo(np.int64).max
    out = pd.DataFrame(
        {
            "thread_id": starts["thread_id"].astype("str").array,
            "group_id": starts["group_id"].array,
            "author_id": starts["author_id"].array,
            "created_at": starts["created_at"].array,
            "is_private": starts["is_private"].to_numpy(dtype=bool, na_value=False),
        }
    )
    out["first_response_at"] = pd.Series(np.where(has, first, 0).astype("datetime64[us]")).dt.tz_localize("UTC").where(has).array
    out["answered_at"] = pd.Series(np.where(answered, answered_at, 0).astype("datetime64[us]")).dt.tz_localize("UTC").where(answered).array
    out["hours_to_first_response"] = np.where(has, (first - micros(starts["created_at"])) / 3.6e9, np.nan)
    out["n_replies"] = np.bincount(pos, minlength=len(out)).astype("int64")
    pairs = pd.DataFrame({"pos": pos[other], "who": authors[other].array}).drop_duplicates()
    out["n_participants"] = (1 + np.bincount(pairs["pos"].to_numpy(), minlength=len(out))).astype("int64")
    out["answered"] = answered
    out["department"] = lookup(out["author_id"], ds.people["person_id"], ds.people["department"]).astype("str").array
    return out.sort_values(["created_at", "thread_id"], kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("source", ["viva-engage-small", "slack-export-viewer-testarchive", "teams-graph-docs-samples", "bench"])
def test_the_thread_table_from_the_reductions_equals_the_one_from_events(tmp_path, source):
    from esnkit import loaders
    from esnkit.metrics.conversations import thread_responses

    if source == "bench":
        ds = Dataset.read(_client(tmp_path).processed)
        assert reductions_current(ds.origin)
    else:
        folder = FIXTURES / source
        ds = loaders.load(next((p for p in sorted(folder.iterdir()) if p.suffix == ".zip"), folder), key=b"k" * 32)
    _start, last = ds.coverage()
    ends = sorted({last.normalize() + pd.Timedelta(days=1), last.normalize() - pd.Timedelta(days=30), last.normalize() - pd.Timedelta(days=200)})
    seen = 0
    for end in ends:
        ours = thread_responses(ds, as_of=(end - pd.Timedelta(days=1)).date())
        pd.testing.assert_frame_equal(ours, _threads_from_events(ds, end), obj=f"threads at {end.date()}")
        seen += len(ours)
    assert seen > 0


def test_the_metrics_sort_reductions_written_in_another_order(tmp_path):
    """Spark's part files come in no order: the readers sort them, with the results of the files DuckDB writes sorted."""
    import pyarrow.parquet as pq

    from esnkit.metrics import network
    from esnkit.metrics._base import person_days
    from esnkit.metrics.conversations import thread_responses

    paths = _client(tmp_path, n_people=300)
    as_of = Dataset.read(paths.processed).coverage()[1].date()

    def figures():
        ds = Dataset.read(paths.processed)
        return person_days(ds), thread_responses(ds, as_of=as_of), network.build_graph(ds, as_of=as_of).edges

    before = figures()
    for name in ("person_day", "threads", "ties_day"):
        file = paths.processed / "reduced" / name / "part-0.parquet"
        table = pq.read_table(file)
        pq.write_table(table.take(np.random.default_rng(0).permutation(len(table))), file)  # same rows, shuffled
    after = figures()
    assert reductions_current(paths.processed)
    # person-days are sorted by day only: within a day the rows may come in any order
    pd.testing.assert_frame_equal(*(f.sort_values(["day", "who", "where"]).reset_index(drop=True) for f in (before[0], after[0])))
    pd.testing.assert_frame_equal(before[1], after[1])
    pd.testing.assert_frame_equal(*(e.sort_values(["source", "target"]).reset_index(drop=True) for e in (before[2], after[2])))


def test_sorted_threads_checks_the_order_before_sorting():
    from esnkit.reduce import sorted_threads

    at = pd.to_datetime(["2026-01-01 09:00", "2026-01-01 09:00", "2026-01-02 08:00"], utc=True)
    in_order = pd.DataFrame({"thread_id": pd.array(["a", "b", "c"], dtype="str"), "created_at": at})
    assert sorted_threads(in_order) is in_order
    tie_out_of_order = in_order.assign(thread_id=pd.array(["b", "a", "c"], dtype="str"))
    pd.testing.assert_frame_equal(sorted_threads(tie_out_of_order), in_order.assign(thread_id=pd.array(["a", "b", "c"], dtype="str")))
    late_first = in_order.iloc[[2, 0, 1]].reset_index(drop=True)
    pd.testing.assert_frame_equal(sorted_threads(late_first), in_order)


def test_the_readme_documents_every_reduction():
    readme = (FIXTURES.parent.parent / "README.md").read_text(encoding="utf-8")
    for name, reduction in REDUCTIONS.items():
        assert f"| `{name}` |" in readme, name
        assert set(reduction.columns) >= set(reduction.key) and all(reduction.columns.values())


def test_the_xl_generator_writes_chunk_after_chunk_and_duckdb_reduces_the_files(tmp_path):
    from esnkit.reduce import DuckDBEngine
    from esnkit.synth import _canonical_tables, generate, write_canonical_chunks

    spec = SynthSpec(n_people=600, messages_per_person=6, reactions_per_message=1.0)
    rows = write_canonical_chunks(tmp_path, spec=spec, chunks=2, progress=lambda _: None)
    canon = tmp_path / "raw" / "canonical"
    messages = pd.read_parquet(canon / "messages.parquet")
    one = [_canonical_tables(generate(SynthSpec(n_people=300, messages_per_person=6, reactions_per_message=1.0, seed=k))[0]) for k in (0, 1)]
    assert rows["messages"] == len(messages) == len(one[0]["messages"]) + len(one[1]["messages"])
    assert messages["message_id"].is_unique and set(messages["message_id"].str[:2]) == {"0-", "1-"}
    people = pd.read_parquet(canon / "people.parquet")
    # An e-mail makes a person: each organisation's carry its prefix, so none is shared between two.
    assert (people["email"].str[:2] == people["person_id"].str[:2]).all() and people["email"].str.lower().is_unique
    assert str(messages["created_at"].dtype) == "datetime64[us, UTC]"
    DuckDBEngine().reduce_files({t: str(canon / f"{t}.parquet") for t in ("memberships", "messages", "reactions", "mentions")}, str(tmp_path / "out"))
    person_day = read_reduction(tmp_path / "out", "person_day")
    # two organisations side by side: each chunk's own person-days, its ids prefixed
    each = []
    for k, tables in enumerate(one):
        chunk = Dataset(**{t: f.assign(**{c: f"{k}-" + f[c] for c in f.columns if c.endswith("_id")}) for t, f in tables.items() if t != "people"})
        each.append(reduced(chunk, "person_day"))
    pd.testing.assert_frame_equal(sort(person_day, "person_day"), sort(pd.concat(each, ignore_index=True), "person_day"))


def _tie_events(ds: Dataset, *, as_of=None, window_days: int | None = 365) -> tuple[np.ndarray, ...]:
    """How ties were taken before the reductions: every tie event in the window as integer codes, ``(source, target, kind, message, time)``.

    Source and target are rows of the people codes (-1 unknown), kind 0 reply, 1 mention,
    2 reaction, and message the row of ``ds.messages`` the tie happened on (the reply itself, the
    mentioning message, the message reacted to), which gives its community; time in µs.
    """
    end = as_of_end(as_of, ds)
    start = end - pd.Timedelta(days=window_days) if window_days else None
    m, c = ds.messages, codes(ds)
    times = micros(m["created_at"])
    lo = micros(start) if start is not None else np.iinfo(np.int64).min + 1
    hi = micros(end)
    in_window = (times < hi) & (times >= lo)  # NaT is the int64 minimum: never in
    # Everything on integer codes of people (string keys cost seconds per million rows).
    replies = np.flatnonzero(in_window & ~m["is_thread_start"].to_numpy(dtype=bool, na_value=False))
    parent = np.where(c.reply_parent[replies] >= 0, c.reply_parent[replies], c.thread_start[replies])
    author = np.append(c.author, -1)  # author[-1]: no message
    sources, targets, messages, stamps = [c.author[replies]], [author[parent]], [replies], [times[replies]]
    at = c.mention_message
    ok = (at >= 0) & in_window[at]
    sources.append(author[at[ok]])
    targets.append(c.mentioned[ok])
    messages.append(at[ok])
    stamps.append(times[at[ok]])
    at = c.reaction_message
    # A reaction without a time counts at its message's time (none, the int64 minimum, without a message).
    rt = np.where(ds.reactions["created_at"].isna().to_numpy(), np.append(times, np.iinfo(np.int64).min)[at], micros(ds.reactions["created_at"]))
    ok = (rt < hi) & (rt >= lo)
    sources.append(c.reactor[ok])
    targets.append(author[at[ok]])
    messages.append(at[ok])
    stamps.append(rt[ok])
    kinds = np.repeat(np.arange(3, dtype=np.int64), [len(x) for x in sources])
    return np.concatenate(sources), np.concatenate(targets), kinds, np.concatenate(messages).astype(np.int64), np.concatenate(stamps).astype(np.int64)


def _edges_from_events(ds: Dataset, as_of, window_days) -> pd.DataFrame:
    """How interaction edges were counted before the reductions: every tie event, then a group-by."""
    src, tgt, kinds, _, _ = _tie_events(ds, as_of=as_of, window_days=window_days)
    keep = (src >= 0) & (tgt >= 0) & (src != tgt)
    people = codes(ds).people
    frame = pd.DataFrame({"source": people.take(src[keep]).array, "target": people.take(tgt[keep]).array, "kind": kinds[keep]})
    table = frame.pivot_table(index=["source", "target"], columns="kind", aggfunc="size", fill_value=0).reindex(columns=[0, 1, 2], fill_value=0)
    out = pd.DataFrame(table.to_numpy(dtype="int64"), columns=["replies", "mentions", "reactions"])
    out.insert(0, "target", pd.array(table.index.get_level_values("target"), dtype="str"))
    out.insert(0, "source", pd.array(table.index.get_level_values("source"), dtype="str"))
    out["weight"] = out[["replies", "mentions", "reactions"]].sum(axis=1)
    return out


@pytest.mark.parametrize("source", ["viva-engage-small", "slack-export-viewer-testarchive", "teams-graph-docs-samples", "bench"])
def test_interaction_edges_from_the_reduced_ties_equal_the_ones_from_events(tmp_path, source):
    from esnkit import loaders
    from esnkit.metrics.network import community_two_way_share, interaction_edges

    if source == "bench":
        ds = Dataset.read(_client(tmp_path).processed)
    else:
        folder = FIXTURES / source
        ds = loaders.load(next((p for p in sorted(folder.iterdir()) if p.suffix == ".zip"), folder), key=b"k" * 32)
    _start, last = ds.coverage()
    seen, seen_two_way = 0, []
    for as_of, window in ((last.date(), 365), (last.date(), None), ((last - pd.Timedelta(days=40)).date(), 90)):
        ours = interaction_edges(ds, as_of=as_of, window_days=window)
        pd.testing.assert_frame_equal(ours, _edges_from_events(ds, as_of, window), obj=f"edges at {as_of}, {window} days")
        seen += len(ours)
        # Two-way share per community: pairs tied both ways over pairs tied either way, from every tie event
        src, tgt, _, msg, _ = _tie_events(ds, as_of=as_of, window_days=window)
        group = ds.messages["group_id"].take(msg).reset_index(drop=True)
        ties = pd.DataFrame({"s": src, "t": tgt, "g": group}).query("s != t and s >= 0 and t >= 0").dropna().drop_duplicates()
        back = ties.merge(ties.rename(columns={"s": "t", "t": "s"}), on=["s", "t", "g"])
        pairs = ties.assign(lo=np.minimum(ties["s"], ties["t"]), hi=np.maximum(ties["s"], ties["t"])).drop_duplicates(["g", "lo", "hi"])
        expected = (back.groupby("g").size() / 2).reindex(pairs["g"].unique(), fill_value=0) / pairs.groupby("g").size()
        expected = expected.rename_axis("group_id").rename("two_way_share").sort_index().astype("float64")
        expected.index = expected.index.astype("str")
        two_way = community_two_way_share(ds, as_of=as_of, window_days=window)
        if len(expected):
            pd.testing.assert_series_equal(two_way, expected, check_index_type=False)
        else:  # no tie inside a community: an empty Series, as before
            assert two_way.empty and two_way.name == "two_way_share"
        seen_two_way.append(len(two_way))
    assert seen > 0
    assert source != "bench" or min(seen_two_way) >= 5


@pytest.mark.parametrize("source", ["viva-engage-small", "bench"])
def test_the_cross_department_share_history_from_the_reduced_ties_equals_the_one_from_events(tmp_path, source):
    from esnkit import loaders
    from esnkit._fast import micros
    from esnkit.metrics._base import population
    from esnkit.metrics.network import cross_department_share_history

    if source == "bench":
        ds = Dataset.read(_client(tmp_path).processed)
    else:
        ds = loaders.load(FIXTURES / source, key=b"k" * 32)
        people = ds.people.assign(department=np.where(np.arange(len(ds.people)) % 2, "Sales", "Legal"))  # two departments
        ds = ds.replace(people=people)
    _start, last = ds.coverage()
    ends = [last.normalize() + pd.Timedelta(days=1) - pd.Timedelta(days=30 * k) for k in range(6)]
    src, dst, _, _, times = _tie_events(ds, as_of=last.date(), window_days=None)
    dept = pd.Series(population(ds).set_index("person_id")["department"]).reindex(codes(ds).people).to_numpy()
    d_src, d_dst = np.append(dept, None)[src], np.append(dept, None)[dst]
    known = (src != dst) & pd.notna(d_src) & pd.notna(d_dst)
    expected = []
    for end in ends:
        inside = known & (times < micros(end)) & (times >= micros(end - pd.Timedelta(days=365)))
        expected.append(float((d_src != d_dst)[inside].sum() / inside.sum()) if inside.sum() else float("nan"))
    assert not np.isnan(expected[0])
    np.testing.assert_allclose(cross_department_share_history(ds, ends), expected, rtol=0, atol=1e-12)


def test_a_run_reduces_again_first_when_the_reductions_are_missing_or_stale(tmp_path):
    from esnkit.run.orchestrate import _prepare
    from esnkit.steps import STEPS

    paths = _client(tmp_path, n_people=200)
    written = json.loads((paths.processed / "reduced" / "manifest.json").read_text())
    said: list[str] = []
    _prepare(paths, STEPS[:1], None, ("html",), said.append)
    assert not any("out of date" in line for line in said)
    # Missing (an ingest stopped before its reduction), then written under other definitions (an older esnkit).
    for spoil in (lambda: shutil.rmtree(paths.processed / "reduced"), lambda: _set_version(paths, written["reductions_version"] - 1)):
        spoil()
        said.clear()
        _prepare(paths, STEPS[:1], None, ("html",), said.append)
        assert any("reduced is missing or out of date" in line and "esnkit reduce bench" in line for line in said)
        assert reductions_current(paths.processed)
        again = json.loads((paths.processed / "reduced" / "manifest.json").read_text())
        assert again["tables"] == written["tables"] and again["written_at"] >= written["written_at"]


def _set_version(paths, version: int) -> None:
    manifest = paths.processed / "reduced" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "reductions_version": version}))


def test_a_run_asks_for_a_cluster_reduction_rather_than_starting_one(tmp_path):
    from esnkit.run.orchestrate import _prepare
    from esnkit.steps import STEPS

    paths = _client(tmp_path, n_people=200)
    shutil.rmtree(paths.processed / "reduced")
    yml = paths.root / "client.yml"
    yml.write_text(yml.read_text() + "\nengine: {name: spark, master: 'spark://nowhere:7077'}\n")
    with pytest.raises(ConfigError, match=r"reduced is missing or out of date .*on the spark engine first: `esnkit reduce bench`"):
        _prepare(paths, STEPS[:1], None, ("html",), lambda line: None)
    assert not (paths.processed / "reduced").exists()


def test_ingest_says_the_events_were_written_when_the_reduction_fails(tmp_path, capsys):
    from esnkit.cli import main

    write_canonical_client(tmp_path / "bench", spec=SynthSpec(n_people=200, messages_per_person=6, reactions_per_message=1.0))
    config = tmp_path / "bench" / "client.yml"
    config.write_text(config.read_text() + "engine: {memory_limit: 1KB}\n")
    assert main(["ingest", "bench", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "processed was written, but reducing its events failed: duckdb could not reduce" in err and "esnkit reduce bench" in err
    assert (tmp_path / "bench" / "processed" / "manifest.json").is_file() and not (tmp_path / "bench" / "processed" / "reduced").exists()
