import pandas as pd
from pandas.testing import assert_frame_equal

from esnkit import Dataset
from esnkit.metrics import communities, successes

AS_OF = "2026-06-30"  # q0 = the 90 days from 2026-04-02, q1 = the 90 days before


def conversation(group: str, n: int, start: str, authors: list[str], *, prefix: str) -> list[tuple]:
    """n messages, alternately a thread start and a reply to it by the next author, one a day."""
    rows = []
    t0 = pd.Timestamp(start)
    for i in range(n):
        mid = f"{prefix}{i}"
        when = (t0 + pd.Timedelta(days=i)).isoformat()
        if i % 2 == 0:
            rows.append((mid, mid, None, group, authors[i % len(authors)], when, True))
        else:
            rows.append((mid, f"{prefix}{i - 1}", f"{prefix}{i - 1}", group, authors[i % len(authors)], when, False))
    return rows


def community_dataset() -> Dataset:
    people = [f"p{i}" for i in range(10)]
    rows = []
    rows += conversation("dormant", 4, "2026-01-10", people[:2], prefix="d")
    rows += conversation("idle", 2, "2026-05-01", ["p0"], prefix="i")  # p0 answers himself: no response
    rows += conversation("growing", 6, "2026-02-01", people[:3], prefix="gq1") + conversation("growing", 12, "2026-04-10", people[:3], prefix="gq0")
    rows += conversation("declining", 20, "2026-01-05", people[:4], prefix="xq1") + conversation(
        "declining", 10, "2026-04-10", people[:4], prefix="xq0"
    )
    rows += conversation("thriving", 40, "2026-01-05", people[:8], prefix="tq1") + conversation(
        "thriving", 40, "2026-04-05", people[:8], prefix="tq0"
    )
    m = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"]).assign(
        is_private=False
    )
    groups = pd.DataFrame(
        {"group_id": ["dormant", "idle", "growing", "declining", "thriving"], "name": ["D", "I", "G", "X", "T"], "kind": "community"}
    )
    return Dataset(people=pd.DataFrame({"person_id": people, "state": "active"}), groups=groups, messages=m).validate()


def test_scorecard_statuses_and_figures():
    got = communities.community_scorecard(community_dataset(), as_of=AS_OF)
    cols = ["group_id", "messages_q0", "messages_q1", "active_members", "response_rate", "status"]
    expected = pd.DataFrame(
        {
            "group_id": ["thriving", "growing", "declining", "idle", "dormant"],
            "messages_q0": [40, 12, 10, 2, 0],
            "messages_q1": [40, 6, 20, 0, 4],
            "active_members": [8, 3, 4, 1, 0],
            "response_rate": [1.0, 1.0, 1.0, 0.0, 1.0],  # threads started in q0 and q1 (dormant: January)
            "status": ["thriving", "growing", "declining", "idle", "dormant"],
        }
    ).astype({"group_id": "str", "status": "str"})
    assert_frame_equal(got[cols], expected)
    rules = got.set_index("group_id")["rule"]
    assert rules["dormant"] == "no activity in the last 90 days"
    assert rules["declining"] == "messages down 50% on the previous 90 days"
    assert rules["growing"] == "messages up +100% on the previous 90 days"


def test_direct_messages_and_private_conversations_leave_every_community_figure_as_it_was():
    # Busy direct messages and private conversations (no community) in q0 and q1, by the same people:
    # none of it is a community's, so the scorecard is the one without them, row for row.
    base = community_dataset()
    people = [f"p{i}" for i in range(10)]
    extra = conversation("dm1", 30, "2026-03-01", people, prefix="dm") + conversation(None, 30, "2026-03-15", people[3:], prefix="pv")
    extra = pd.DataFrame(extra, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    messages = pd.concat([base.messages, extra.assign(is_private=True)], ignore_index=True)
    groups = pd.concat([base.groups, pd.DataFrame({"group_id": ["dm1"], "name": ["DM"], "kind": ["dm"]})], ignore_index=True)
    with_dms = Dataset(people=base.people, groups=groups, messages=messages).validate()
    assert_frame_equal(communities.community_scorecard(with_dms, as_of=AS_OF), communities.community_scorecard(base, as_of=AS_OF))


def test_newcomer_share_absence_factor_and_trend():
    got = communities.community_scorecard(community_dataset(), as_of=AS_OF).set_index("group_id")
    assert got.loc["thriving", "absence_factor"] == 4  # 80 messages spread over 8 people: 4 make half
    assert got.loc["thriving", "key_people_share"] == 0.5  # ...and those four make exactly half
    assert got.loc["thriving", "newcomer_share"] == 0.0  # all eight were active the quarter before
    assert got.loc["declining", "trend"] == -0.5
    assert pd.isna(got.loc["idle", "trend"])


def test_key_communities_rank_thriving_first():
    sc = communities.community_scorecard(community_dataset(), as_of=AS_OF)
    got = communities.key_communities(sc)
    assert got["group_id"].tolist() == ["thriving", "growing"] and got["rank"].tolist() == [1, 2]
    assert got["reason"].iloc[0].startswith("Thriving: ")


def test_growing_communities_need_two_rising_quarters():
    sc = pd.DataFrame({"group_id": ["a", "b"], "name": ["A", "B"], "messages_q2": [5, 5], "messages_q1": [10, 4], "messages_q0": [20, 30]})
    got = successes.growing_communities(sc)
    assert got["group_id"].tolist() == ["a"] and got["growth"].tolist() == [3.0]


def test_the_thriving_rule_writes_its_counts_as_the_text_does():
    row = pd.Series({"messages_q0": 6_796, "messages_q1": 6_500, "contributions_q0": 9_000, "active_members": 7_648, "response_rate": 0.98})
    assert communities._status(row, busy=12) == ("thriving", "6,796 messages from 7,648 active members, 98% of threads answered, steady volume")
