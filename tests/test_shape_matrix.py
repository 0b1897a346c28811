"""The shape matrix: every shape real exports come in, written as the vendor's own files, ingested and run end to end.

Each shape of :data:`esnkit.synth.SHAPES` (Slack with threads, before threads, direct messages only,
a free-plan window; Viva Engage of 50 people; Viva Engage and Slack together; Teams only; usage
reports only) is written by :func:`esnkit.synth.write_shape_client` into a temporary client,
ingested (``esnkit ingest``) and run through all five steps (``esnkit run``, HTML only). Then:

- every step is written, and no page shows an error;
- the audit finds no fault (:func:`esnkit.audit.audit`);
- the headline KPIs equal their printed definitions, computed here from the generated tables
  (what the raw files hold), never through esnkit's loaders or metrics, within 1.5 points.

The definitions, as printed, applied to what each export holds:

- *Registered people who interacted in the last 6 months*: of every registered human account
  (bots and guests apart; acted or not), the share with a post, reply or reaction in the 180 days
  to the as-of date. A reaction without a time of its own is dated by its message.
- *Threads answered (last 90 days)*: of the threads started in the 90 days by people (not guests),
  the share that got a reply or a reaction from someone other than the starter. Where replies are
  not linked (Slack before threads) each post stands alone, answered by a reaction from someone
  else; in a private conversation that is not threaded (Slack direct messages, Teams chats) a
  message is answered when the other person wrote in that conversation after it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from esnkit import synth
from esnkit.audit import audit, format_faults
from esnkit.config import ClientPaths
from esnkit.errors import RunError
from esnkit.ingest import ingest_client
from esnkit.run import run_client

STEPS = ["1-assess", "2-plan", "3-reactivate", "4-sustain", "5-report"]
TOLERANCE = 0.015  # 1.5 points
STAMP = "%Y/%m/%d %H:%M:%S +0000"


@dataclass
class Run:
    shape: str
    paths: ClientPaths
    parts: dict
    end: pd.Timestamp  # the end of the as-of day (exclusive)
    written: list[Path] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@pytest.fixture(scope="module", params=list(synth.SHAPES))
def run(request, tmp_path_factory) -> Run:
    shape = request.param
    started = time.perf_counter()
    root = tmp_path_factory.mktemp(shape) / "client"
    spec = synth.shape_spec(shape)
    parts = synth.write_shape_client(root, shape, spec=spec)
    paths = ClientPaths(root)
    out = Run(shape, paths, parts, pd.Timestamp(spec.end) + pd.Timedelta(days=1))
    ingest_client(paths, progress=lambda s: None)
    try:
        out.written = run_client(paths, formats=("html",), progress=lambda s: None)
    except RunError as e:  # a step failed: the other steps still ran and are checked
        out.error = str(e)
        out.written = sorted(paths.reports_root.glob("*/*.html"))
    out.seconds = time.perf_counter() - started
    return out


def _pages(run: Run) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8").split("<body", 1)[-1] for p in run.written if p.suffix == ".html"}


def test_every_step_is_written_and_shows_no_error(run):
    assert run.error is None, run.error
    pages = _pages(run)
    assert sorted(pages) == STEPS
    for name, body in pages.items():
        assert "Traceback" not in body and "Error" not in body, f"{run.shape}, {name}"


def test_the_audit_finds_no_fault(run):
    faults = audit(run.paths)
    assert faults == [], f"{run.shape}:\n{format_faults(faults)}"


# -- the definitions, computed from the generated tables ------------------------------------------
def _view(shape: str, parts: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """What the raw files hold: messages, reactions (timed), the registered people and the humans among them."""
    msgs, reacts, registered, guests = [], [], [], []
    for platform, t in parts.items():
        m = t["Messages"]
        m = m[m["deleted_at"] == ""]
        private = m["in_private_conversation"] == "true"
        flat = private & (platform in ("slack", "teams")) | (shape == "slack-before-threads")
        pair = m["participants"].str.split(",").map(sorted, na_action="ignore").str.join(",")
        msgs.append(
            pd.DataFrame(
                {
                    "id": platform + ":" + m["id"],
                    "author": m["sender_id"],
                    "at": pd.to_datetime(m["created_at"], format=STAMP),
                    "thread": platform + ":" + m["id"].where(flat, m["thread_id"]),
                    "start": flat | (m["id"] == m["thread_id"]),
                    "flat_private": flat & private,
                    "conversation": platform + ":" + pair.where(private, m["group_id"]),
                }
            )
        )
        if "reactions" in t:
            r = t["reactions"]
            at = pd.to_datetime(r["created_at"]).dt.tz_localize(None)
            if platform == "slack":  # Slack gives reactions no time: dated by their message
                at = r["message_id"].map(pd.Series(msgs[-1]["at"].to_numpy(), index=m["id"].to_numpy()))
            kept = r["message_id"].isin(m["id"])
            reacts.append(pd.DataFrame({"id": platform + ":" + r["message_id"], "person": r["person_id"], "at": at})[kept])
        users = t["Users"]
        if platform == "teams":  # Graph names only the people who wrote or reacted; it marks no guests
            seen = pd.concat([m["sender_id"], reacts[-1]["person"] if "reactions" in t else pd.Series(dtype=str)])
            registered.append(seen)
        else:  # every live account registered by the as-of date (closed ones are not); Slack and Viva Engage mark guests
            if shape == "usage-reports-only":  # the reports' User State: anything but Active is closed
                live = users["state"] == "active"
            elif platform == "slack":  # Slack marks deleted accounts only
                live = users["deleted_at"] == ""
            else:  # Viva Engage: soft-deleted with a deletion or a suspension date
                live = (users["deleted_at"] == "") & (users["suspended_at"] == "")
            registered.append(users.loc[live, "id"])
            if shape != "usage-reports-only":
                guests.append(users.loc[users["email"].str.endswith("@" + synth.GUEST_DOMAIN), "id"])
    m = pd.concat(msgs, ignore_index=True)
    r = pd.concat(reacts, ignore_index=True) if reacts else pd.DataFrame({"id": [], "person": [], "at": pd.Series([], dtype="datetime64[ns]")})
    registered = pd.concat(registered).drop_duplicates()
    guests = pd.concat(guests).drop_duplicates() if guests else pd.Series([], dtype=str)
    return m, r, registered, registered[~registered.isin(guests)]


def _interactive_share(m, r, humans, end) -> float:
    since = end - pd.Timedelta(days=180)
    acted = pd.concat([m.loc[(m["at"] >= since) & (m["at"] < end), "author"], r.loc[(r["at"] >= since) & (r["at"] < end), "person"]])
    return float(humans.isin(acted).mean())


def _threads_answered(m, r, humans, end) -> float | None:
    m = m[m["at"] < end]
    r = r[r["at"] < end]
    starts = m[m["start"] & (m["at"] >= end - pd.Timedelta(days=90)) & m["author"].isin(humans)]
    if not len(starts):
        return None
    starter = pd.Series(starts["author"].to_numpy(), index=starts["thread"].to_numpy())
    # replies in the thread, and reactions to any of its messages, by someone else
    replies = m[~m["start"]]
    answered = set(replies.loc[replies["author"].to_numpy() != replies["thread"].map(starter).to_numpy(), "thread"])
    thread_of = pd.Series(m["thread"].to_numpy(), index=m["id"].to_numpy())
    rt = r["id"].map(thread_of)
    answered |= set(rt[r["person"].to_numpy() != rt.map(starter).to_numpy()].dropna())
    # a private message that is not threaded: answered when the other person wrote after it
    flat = starts[starts["flat_private"]]
    later = flat.merge(m[["conversation", "author", "at"]], on="conversation", suffixes=("", "_next"))
    later = later[(later["at_next"] > later["at"]) & (later["author_next"] != later["author"])]
    answered |= set(later["thread"])
    return float(starts["thread"].isin(answered).mean())


def _expected(run: Run) -> dict[str, float | None]:
    m, r, _, humans = _view(run.shape, run.parts)
    # usage reports count each person's posts of the period (the period's messages) and hold no thread
    threads = None if run.shape == "usage-reports-only" else _threads_answered(m, r, humans, run.end)
    return {"interactive_share": _interactive_share(m, r, humans, run.end), "response_rate": threads}


def test_the_view_of_the_tables_reads_the_definitions():
    """The independent computation itself, on a hand-made conversation."""
    t = pd.Timestamp("2026-09-01 09:00")
    m = pd.DataFrame(
        {
            "id": ["1", "2", "3", "4", "5", "6"],
            "author": ["a", "a", "b", "c", "a", "b"],
            "at": [t, t + pd.Timedelta(hours=1), t + pd.Timedelta(hours=2), t, t, t + pd.Timedelta(hours=3)],
            "thread": ["1", "1", "3", "4", "5", "6"],
            "start": [True, False, True, True, True, True],
            "flat_private": [False, False, False, False, True, True],
            "conversation": ["g", "g", "g", "g", "a,b", "a,b"],
        }
    )
    r = pd.DataFrame({"id": ["3"], "person": ["b"], "at": [t]})  # b reacted to their own post
    humans = pd.Series(["a", "b", "c", "d"])
    end = pd.Timestamp("2026-10-01")
    # threads 1 (a self-reply), 3 (a self-reaction), 4: unanswered; DM 5 answered by b's later message 6; 6 unanswered
    assert _threads_answered(m, r, humans, end) == pytest.approx(1 / 5)
    assert _interactive_share(m, r, humans, end) == pytest.approx(3 / 4)  # d never acted


def test_headline_kpis_equal_their_printed_definitions(run):
    record = next(run.paths.reports_root.glob("*/kpis.json"), None)
    assert record is not None, f"{run.shape}: no kpis.json ({run.error})"
    kpis = {k["kpi"]: k for k in json.loads(record.read_text(encoding="utf-8"))["kpis"]}
    expected = _expected(run)
    wrong = []
    for kpi, want in expected.items():
        got = kpis[kpi]["value"]
        if want is None:
            if got is not None:
                wrong.append(f"{kpis[kpi]['label']}: {kpis[kpi]['display']} printed; the data hold nothing it counts")
        elif got is None or not np.isfinite(got) or abs(got - want) > TOLERANCE:
            wrong.append(f"{kpis[kpi]['label']}: {kpis[kpi]['display']} printed, {want:.1%} by its definition")
    assert not wrong, f"{run.shape}: " + "; ".join(wrong)
