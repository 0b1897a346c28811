"""Existing successes: threads and communities worth building on, each with the reason shown.

A thread scores on *reach* (distinct participants), *cross-department participation* (distinct
departments among them) and a *fast answer* (first response within 4 hours). A community scores on
*sustained growth*: contributions up in each of the last two quarters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import Dataset
from ..reduce import query
from ._base import as_of_end
from .communities import community_scorecard
from .conversations import thread_responses

__all__ = ["successful_threads", "growing_communities", "existing_successes"]

FAST_HOURS = 4.0


def successful_threads(ds: Dataset, *, as_of=None, window_days: int = 180, top: int = 10) -> pd.DataFrame:
    """Public threads of the last ``window_days`` that drew 2+ people and got an answer, ranked by reach, departments and speed.

    Returns
    -------
    DataFrame
        ``rank``, ``thread_id``, ``group_id``, ``created_at``, ``participants``, ``departments``,
        ``hours_to_first_response``, ``score`` (participants + 2 x departments + 3 if answered
        within 4 hours), ``reason``.
    """
    end = as_of_end(as_of, ds)
    # Ranked once for steps 1 and 4, which show different numbers of them.
    out = ds.cached("successful_threads", (end, window_days), lambda: _ranked_threads(ds, end, window_days)).head(top)
    reason = (
        out["participants"].astype(str)
        + " people"
        + np.where(
            out["departments"] >= 2,
            " from " + out["departments"].astype(str) + " departments",
            np.where(out["departments"] == 1, " from one department", ""),
        )
    )
    reason = reason.where(
        ~(out["hours_to_first_response"] <= FAST_HOURS), reason + ", first answer in " + out["hours_to_first_response"].round(1).astype(str) + "h"
    )
    out = out.assign(reason=reason)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[
        ["rank", "thread_id", "group_id", "created_at", "participants", "departments", "hours_to_first_response", "score", "reason"]
    ].reset_index(drop=True)


def _ranked_threads(ds: Dataset, end: pd.Timestamp, window_days: int) -> pd.DataFrame:
    """Every candidate thread of :func:`successful_threads` with its departments and score, best first."""
    threads = thread_responses(ds, as_of=end - pd.Timedelta(days=1))
    threads = threads[~threads["is_private"].astype(bool) & (threads["created_at"] >= end - pd.Timedelta(days=window_days))]
    # A success drew in someone besides its author and got an answer: a monologue is no story to play back.
    threads = threads[(threads["n_participants"] >= 2) & threads["answered"].astype(bool)]
    who = query(ds, "thread_authors", threads=threads[["thread_id"]].astype({"thread_id": "str"}))
    dept = ds.people.set_index("person_id")["department"]
    depts = who.assign(d=who["author_id"].map(dept)).dropna(subset=["d"]).groupby("thread_id")["d"].nunique()
    out = threads.assign(departments=threads["thread_id"].map(depts).fillna(0).astype("int64")).rename(columns={"n_participants": "participants"})
    fast = out["hours_to_first_response"] <= FAST_HOURS
    out["score"] = (out["participants"] + 2 * out["departments"] + np.where(fast, 3, 0)).astype("int64")
    return out.sort_values(["score", "created_at"], ascending=[False, False])


def growing_communities(scorecard: pd.DataFrame) -> pd.DataFrame:
    """Communities whose messages rose in each of the last two quarters (q2 < q1 < q0)."""
    s = scorecard
    grow = s[(s["messages_q0"] > s["messages_q1"]) & (s["messages_q1"] > s["messages_q2"]) & (s["messages_q2"] > 0)].copy()
    grow["growth"] = grow["messages_q0"] / grow["messages_q2"] - 1
    grow["reason"] = "messages up two quarters running (" + (grow["growth"] * 100).round().astype(int).astype(str) + "% over six months)"
    return grow.sort_values("growth", ascending=False)[
        ["group_id", "name", "messages_q2", "messages_q1", "messages_q0", "growth", "reason"]
    ].reset_index(drop=True)


def existing_successes(ds: Dataset, *, as_of=None, top: int = 10) -> pd.DataFrame:
    """Threads and communities to build on, in one ranked list: ``rank``, ``kind``, ``id``, ``name``, ``reason``."""
    from ..profile import data_profile

    threads = successful_threads(ds, as_of=as_of, top=top)
    names = ds.groups.set_index("group_id")["name"]
    word = data_profile(ds).unit(plural=False)  # a thread, or a post where nothing replies to anything
    a = pd.DataFrame(
        {
            "kind": word,
            "id": threads["thread_id"],
            "name": f"{word} in " + threads["group_id"].map(names).fillna("(no community)"),
            "score": threads["score"].astype(float),
            "reason": threads["reason"],
        }
    )
    grow = growing_communities(community_scorecard(ds, as_of=as_of))
    b = pd.DataFrame({"kind": "community", "id": grow["group_id"], "name": grow["name"], "score": 10 + grow["growth"] * 10, "reason": grow["reason"]})
    out = pd.concat([a, b], ignore_index=True).sort_values("score", ascending=False).head(top)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.drop(columns="score").reset_index(drop=True)
