"""Headline KPIs equal their printed definitions, computed independently from the raw export (issue 42)."""

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import esnkit
from esnkit import Dataset
from esnkit.metrics import conversations, kpis

SLACK = Path(__file__).parent / "fixtures" / "slack-export-viewer-testarchive" / "testarchive.zip"
CONTENT = {None, "file_share", "file_comment", "thread_broadcast", "me_message", "bot_message"}


def slack_threads_answered(archive: bytes, as_of: str) -> tuple[int, int]:
    """Threads answered as the KPI defines them, straight from a Slack export's JSON: (answered, threads).

    A thread is a content message at the top level (no ``thread_ts``, or its own) by a person (no
    bot), started in the 90 days to ``as_of``; it is answered when another user replied in it
    (``thread_ts``) or reacted to any of its messages (reactions carry no time in a Slack export).
    """
    zf = zipfile.ZipFile(io.BytesIO(archive))
    bots = {u["id"] for u in json.loads(zf.read("users.json")) if u.get("is_bot")}
    messages = [
        m
        for name in zf.namelist()
        if name.count("/") == 1 and name.endswith(".json")
        for m in json.loads(zf.read(name))
        if m.get("subtype") in CONTENT
    ]
    end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    starts = {}
    for m in messages:
        user = m.get("user") or (m.get("comment") or {}).get("user")
        person = user and m.get("subtype") != "bot_message" and not m.get("bot_id") and user not in bots
        at = pd.Timestamp(float(m["ts"]), unit="s", tz="UTC")
        if m.get("thread_ts") in (None, m["ts"]) and person and end - pd.Timedelta(days=90) <= at < end:
            starts[m["ts"]] = user
    answered = set()
    for m in messages:
        root = m.get("thread_ts") or m["ts"]
        if root not in starts:
            continue
        user = m.get("user") or (m.get("comment") or {}).get("user")
        if m.get("thread_ts") not in (None, m["ts"]) and user != starts[root]:
            answered.add(root)
        if any(u != starts[root] for r in m.get("reactions") or [] for u in r.get("users") or []):
            answered.add(root)
    return len(answered), len(starts)


def _with_responses(archive: bytes) -> bytes:
    """The sample with responses a standard export gives: a reaction by someone else to one post, one by its
    author to the next (not a response), and a threaded reply 100 seconds after a third post."""
    src = zipfile.ZipFile(io.BytesIO(archive))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "enrique/2016-01-14.json":  # four joins, then two posts by U0BMQB6JE
                day = json.loads(data)
                day[4]["reactions"] = [{"name": "+1", "users": ["U0BMYT2FL"], "count": 1}]
                day[5]["reactions"] = [{"name": "+1", "users": ["U0BMQB6JE"], "count": 1}]
                data = json.dumps(day).encode()
            elif info.filename == "enrique/2016-01-15.json":  # the first post is by U0BMYT2FL
                day = json.loads(data)
                parent = day[0]
                parent["thread_ts"] = parent["ts"]
                reply = {"type": "message", "user": "U0BMQB6JE", "text": "yes", "ts": f"{float(parent['ts']) + 100:.6f}", "thread_ts": parent["ts"]}
                data = json.dumps([*day, reply]).encode()
            dst.writestr(info, data)
    return out.getvalue()


def test_threads_answered_on_the_slack_sample_equal_the_definition_counted_from_the_raw_json(tmp_path):
    as_of = "2016-03-31"
    raw = SLACK.read_bytes()
    for name, archive in (("sample", raw), ("with-responses", _with_responses(raw))):
        path = tmp_path / f"{name}.zip"
        path.write_bytes(archive)
        answered, threads = slack_threads_answered(archive, as_of)
        ds = esnkit.load(path, key=b"k" * 32)
        got = kpis.kpi_values(ds, as_of=as_of, which=["response_rate", "median_hours_to_first_response"])
        counted = kpis._recent_threads(ds, kpis.as_of_end(as_of, ds), _population(ds))
        assert (int(counted["answered"].sum()), len(counted)) == (answered, threads), name
        assert got["response_rate"] == answered / threads, name
        if name == "sample":  # the one reaction is to a bot's message: no thread of a person is answered
            assert (answered, threads) == (0, 53) and np.isnan(got["median_hours_to_first_response"])
        else:  # the reaction by someone else answers a thread but gives it no time; the reply, 100 s
            assert (answered, threads) == (2, 53) and got["median_hours_to_first_response"] == 100 / 3600


def _population(ds: Dataset) -> np.ndarray:
    from esnkit.metrics._base import population_rows

    mask = np.zeros(len(ds.people), dtype=bool)
    mask[population_rows(ds)] = True
    return mask


def _ts(text):
    return pd.Timestamp(text, tz="UTC") if text else pd.NaT


def test_a_reaction_without_a_time_answers_a_thread_but_gives_no_time_to_first_response():
    # t1 (a, Jan 5 09:00): b reacts, no time -> answered at 09:00, no hours.
    # t2 (a, Jan 6 09:00): c replies at 12:00 and b reacts without a time to c's reply -> answered at 12:00 (the reply's
    #   time, the reaction's message's time too), first dated response 12:00: 3 hours.
    # t3 (b, Jan 7 09:00): b reacts to his own post, no time -> unanswered.
    # t4 (c, Jan 8 09:00): a reacts at 15:00 -> answered, 6 hours.
    ds = Dataset(
        people=pd.DataFrame({"person_id": ["a", "b", "c"], "state": ["active"] * 3}),
        groups=pd.DataFrame({"group_id": ["g"], "name": ["G"]}),
        messages=pd.DataFrame(
            {
                "message_id": ["t1", "t2", "r2", "t3", "t4"],
                "thread_id": ["t1", "t2", "t2", "t3", "t4"],
                "reply_to_id": [None, None, "t2", None, None],
                "group_id": ["g"] * 5,
                "author_id": ["a", "a", "c", "b", "c"],
                "created_at": ["2026-01-05 09:00", "2026-01-06 09:00", "2026-01-06 12:00", "2026-01-07 09:00", "2026-01-08 09:00"],
                "is_thread_start": [True, True, False, True, True],
                "is_private": [False] * 5,
            }
        ),
        reactions=pd.DataFrame(
            {
                "message_id": ["t1", "r2", "t3", "t4"],
                "person_id": ["b", "b", "b", "a"],
                "created_at": [None, None, None, "2026-01-08 15:00"],
                "reaction": ["like"] * 4,
            }
        ),
    ).validate()
    got = conversations.thread_responses(ds, as_of="2026-01-31")
    expected = pd.DataFrame(
        {
            "thread_id": ["t1", "t2", "t3", "t4"],
            "first_response_at": [pd.NaT, _ts("2026-01-06 12:00"), pd.NaT, _ts("2026-01-08 15:00")],
            "answered_at": [_ts("2026-01-05 09:00"), _ts("2026-01-06 12:00"), pd.NaT, _ts("2026-01-08 15:00")],
            "hours_to_first_response": [np.nan, 3.0, np.nan, 6.0],
            "answered": [True, True, False, True],
        }
    ).astype({"thread_id": "str", "first_response_at": "datetime64[us, UTC]", "answered_at": "datetime64[us, UTC]"})
    assert_frame_equal(got[list(expected)], expected)
    # Three of four threads answered; the median of the dated responses (3 h, 6 h) is 4.5 h.
    assert_frame_equal(
        conversations.response_rate(got),
        pd.DataFrame({"threads": [4], "answered": [3], "response_rate": [0.75], "median_hours_to_first_response": [4.5]}),
    )
    assert kpis.kpi_values(ds, as_of="2026-01-31", which=["response_rate", "median_hours_to_first_response"]) == {
        "response_rate": 0.75,
        "median_hours_to_first_response": 4.5,
    }
    # Cut on Jan 5: t1 is answered that day by the undated reaction (at its message's time).
    jan5 = conversations.thread_responses(ds, as_of="2026-01-05")
    assert jan5[["thread_id", "answered"]].to_dict("records") == [{"thread_id": "t1", "answered": True}]


def _data_from_2004() -> Dataset:
    """Three messages of 2004-2005 in a group with no creation date (as the SNAP data sets and Slack exports give)."""
    return Dataset(
        people=pd.DataFrame({"person_id": ["a", "b"], "state": ["active", "active"]}),
        groups=pd.DataFrame({"group_id": ["g"], "name": ["G"]}),
        messages=pd.DataFrame(
            {
                "message_id": ["1", "2", "3"],
                "thread_id": ["1", "1", "3"],
                "reply_to_id": [None, "1", None],
                "group_id": ["g"] * 3,
                "author_id": ["a", "b", "a"],
                "created_at": ["2004-04-15 10:00", "2004-04-16 10:00", "2005-01-10 10:00"],
                "is_thread_start": [True, False, True],
                "is_private": [False] * 3,
            }
        ),
    ).validate()


def test_the_network_starts_when_the_data_or_client_yml_says_never_at_a_fixed_year():
    from esnkit.checks import network_start, quality_warnings

    ds = _data_from_2004()
    now = pd.Timestamp("2026-01-01", tz="UTC")
    # No group is dated: the first message is the start, and nothing is "before the network existed".
    assert network_start(ds) == pd.Timestamp("2004-04-15 10:00", tz="UTC")
    assert quality_warnings(ds, now=now) == []
    # A dated group is the start when it is earlier than every message.
    dated = ds.replace(groups=ds.groups.assign(created_at=pd.Series([pd.Timestamp("2003-11-01", tz="UTC")], dtype="datetime64[us, UTC]")))
    assert network_start(dated) == pd.Timestamp("2003-11-01", tz="UTC")
    # client.yml's network_start wins, and only then are messages before it a data-quality warning (the two of April 2004).
    assert network_start(ds, dt.date(2004, 6, 1)) == pd.Timestamp("2004-06-01", tz="UTC")
    assert quality_warnings(ds, now=now, started=dt.date(2004, 6, 1)) == [
        "2 messages dated before the network existed (2004-06-01, client.yml's network_start)"
    ]


@pytest.mark.parametrize(
    "data, words",
    [
        ({"timezone": "Europe/Berln"}, ["client.yml: timezone", "'Europe/Berln'", "IANA", "Europe/Berlin"]),
        ({"timezone": "../../etc/passwd"}, ["client.yml: timezone", "IANA"]),
        ({"timezone": 1}, ["client.yml: timezone", "IANA"]),
        ({"network_start": "March 2019"}, ["client.yml: network_start", "2026-06-30"]),
        ({"network_start": "1985-01-01"}, ["client.yml: network_start", "1990-01-01", "leave it out"]),
    ],
)
def test_client_yml_timezone_and_network_start_are_checked_naming_the_key(data, words):
    from esnkit.config import config_from_dict
    from esnkit.errors import ConfigError

    with pytest.raises(ConfigError) as err:
        config_from_dict({"name": "A", **data})
    for w in words:
        assert w in str(err.value)


def test_client_yml_timezone_and_network_start_are_read():
    from esnkit.config import config_from_dict

    assert config_from_dict({"name": "A"}).timezone == "UTC" and config_from_dict({"name": "A"}).network_start is None
    got = config_from_dict({"name": "A", "timezone": "Europe/Berlin", "network_start": dt.date(2004, 2, 4)})
    assert (got.timezone, got.network_start) == ("Europe/Berlin", dt.date(2004, 2, 4))


def _heatmap(cells: dict[tuple[int, int], int]) -> pd.DataFrame:
    """All 168 weekday x hour cells, zero but ``cells``."""
    grid = np.zeros(7 * 24, dtype=np.int64)
    for (weekday, hour), n in cells.items():
        grid[weekday * 24 + hour] = n
    return pd.DataFrame({"weekday": np.repeat(np.arange(7, dtype=np.int64), 24), "hour": np.tile(np.arange(24, dtype=np.int64), 7), "messages": grid})


def test_the_busiest_hours_are_counted_in_the_clients_time_zone():
    # Mon 2026-01-05 23:30 UTC is Tue 00:30 in Berlin (CET, +1); Mon 2026-07-06 22:30 UTC is Tue 00:30 there too
    # (CEST, +2); Sat 2026-07-11 23:30 UTC is Sunday 01:30 in Berlin, after the as-of day's end there (Sat 24:00
    # CEST = 22:00 UTC), so Berlin leaves it out and UTC keeps it, at Sat 23:00.
    ds = Dataset(
        people=pd.DataFrame({"person_id": ["a"], "state": ["active"]}),
        groups=pd.DataFrame({"group_id": ["g"], "name": ["G"]}),
        messages=pd.DataFrame(
            {
                "message_id": ["1", "2", "3"],
                "thread_id": ["1", "2", "3"],
                "group_id": ["g"] * 3,
                "author_id": ["a"] * 3,
                "created_at": ["2026-01-05 23:30", "2026-07-06 22:30", "2026-07-11 23:30"],
                "is_thread_start": [True] * 3,
                "is_private": [False] * 3,
            }
        ),
    ).validate()
    berlin = conversations.activity_heatmap(ds, as_of="2026-07-11", tz="Europe/Berlin")
    assert_frame_equal(berlin, _heatmap({(1, 0): 2}))
    assert berlin.attrs["timezone"] == "Europe/Berlin"
    utc = conversations.activity_heatmap(ds, as_of="2026-07-11")
    assert_frame_equal(utc, _heatmap({(0, 23): 1, (0, 22): 1, (5, 23): 1}))
    # The chart says whose hours they are.
    from esnkit import plots

    ax = plots.plot_activity_heatmap(berlin)
    assert ax.get_title() == "When people post (Europe/Berlin): busiest on Tuesday at 00:00" and ax.get_xlabel() == "hour (Europe/Berlin)"
    assert plots.plot_activity_heatmap(utc).get_title() == "When people post (UTC): busiest on Monday at 22:00"
