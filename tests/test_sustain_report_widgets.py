import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from helpers import AS_OF, small_dataset, step_context, trend_dataset
from pandas.testing import assert_frame_equal
from test_metrics_communities import AS_OF as C_AS_OF
from test_metrics_communities import community_dataset

from esnkit.facts import Figures, plain
from esnkit.steps import report as reporting
from esnkit.steps import sustain
from esnkit.widgets import Explorer, filter_dataset


def test_newcomer_welcome_within_24_and_48_hours():
    got = sustain.newcomer_welcome(small_dataset(), as_of=AS_OF)
    # g1: a's first message starts thread 1 (answered in 2h); c's first starts thread 4 (never answered);
    # b's first is a reply. g2: d's thread 5 answered (c's reply after 12h); the bot's thread 7 unanswered.
    expected = pd.DataFrame({"group_id": ["g1", "g2"], "newcomer_posts": [2, 2], "welcomed_24h": [0.5, 0.5], "welcomed_48h": [0.5, 0.5]})
    assert_frame_equal(got, expected.astype({"group_id": "str"}))


def test_newcomer_welcome_takes_the_first_message_in_table_order_and_counts_only_others_replies():
    from esnkit import Dataset

    t0 = pd.Timestamp("2026-03-01 09:00", tz="UTC")
    hours = [0, 0, 1, 30, 2, 3, 5]
    ds = Dataset(
        people=pd.DataFrame({"person_id": ["a", "b", "c"]}),
        groups=pd.DataFrame({"group_id": ["g", "h"]}),
        messages=pd.DataFrame(
            {
                # a's reply and a's thread start share a time: the reply comes first in the table, so a has no newcomer post in g.
                "message_id": ["m1", "m2", "m3", "m4", "m5", "m6", "m7"],
                "thread_id": ["x", "t1", "t2", "t2", "t3", "t3", "t3"],
                "group_id": ["g", "g", "g", "g", "h", "h", "h"],
                "author_id": ["a", "a", "b", "a", "c", "c", "b"],
                "created_at": [t0 + pd.Timedelta(hours=h) for h in hours],
                "is_thread_start": [False, True, True, False, True, False, False],
                "is_private": [False] * 7,
            }
        ),
    )
    got = sustain.newcomer_welcome(ds, as_of="2026-03-31")
    # g: b's thread t2 answered by a after 29 h (within 48 h, not 24 h). h: c's thread t3: c's own reply
    # does not count; b's after 3 h does.
    expected = pd.DataFrame({"group_id": ["g", "h"], "newcomer_posts": [1, 1], "welcomed_24h": [0.0, 1.0], "welcomed_48h": [1.0, 1.0]})
    assert_frame_equal(got, expected.astype({"group_id": "str"}))
    # Before the reply in g, nothing there is welcomed yet (as-of cuts the replies too).
    early = sustain.newcomer_welcome(ds, as_of="2026-03-01")
    assert early["welcomed_48h"].tolist() == [0.0, 1.0]


def test_triage_actions_and_duplicates():
    sc = pd.DataFrame(
        {
            "group_id": ["a", "b", "c", "d", "e", "f"],
            "name": ["Sales Hub", "Sales Network", "Ops", "Old", "Quiet", "Big old"],
            "status": ["thriving", "stable", "declining", "dormant", "idle", "dormant"],
            "rule": ["r1", "r2", "r3", "r4", "r5", "r6"],
            "active_members": [10, 4, 3, 0, 1, 0],
            "messages_q0": [10, 8, 3, 0, 2, 0],
            "messages_q1": [5, 8, 3, 0, 1, 0],
            "absence_factor": [1, 1, 2, 0, 1, 0],
            "key_people_share": [0.8, 0.9, 0.6, np.nan, 1.0, np.nan],
        }
    )
    dups = pd.DataFrame({"group_id": ["b"], "duplicate_of": ["a"], "name_overlap": [1.0], "member_overlap": [0.6]})
    got = sustain.triage(sc, dups, peak_members=pd.Series({"f": 25, "d": 3}))
    # b keeps the status every step prints (one community, one status) and is merged into a
    assert got["status"].tolist() == ["thriving", "stable", "declining", "dormant", "idle", "dormant"]
    assert got["duplicate_of"].fillna("").tolist() == ["", "Sales Hub", "", "", "", ""]
    # a and c are live and hang on one or two people; b is a duplicate (merged anyway, so its one carrier is no risk), e idle
    assert got["action"].tolist() == [
        "leave alone and play back; recruit co-hosts (key-person risk)",
        "merge",
        "revive and assign an owner; recruit co-hosts (key-person risk)",
        "archive",
        "revive or merge",
        "revive (it once had 10+ active members)",
    ]
    assert got["key_person_risk"].tolist() == ["1 person makes 80% of its contributions", "", "2 people make 60% of its contributions", "", "", ""]
    assert got.loc[1, "evidence"] == "overlaps with Sales Hub in name and members"


def test_find_duplicates_needs_names_and_members_to_overlap():
    from esnkit.metrics import communities

    ds = community_dataset()
    groups = ds.groups
    groups.loc[groups["group_id"] == "growing", "name"] = "Thriving Sales"
    groups.loc[groups["group_id"] == "thriving", "name"] = "Sales Thriving Hub"
    ds = ds.replace(groups=groups)
    sc = communities.community_scorecard(ds, as_of=C_AS_OF)
    got = sustain.find_duplicates(ds, sc, as_of=C_AS_OF)
    # names: {thriving, sales} vs {sales, thriving}; members: p0-p2 of p0-p7 = 3/8 < 0.5 -> not duplicates
    assert got.empty
    messages = ds.messages
    in_thriving = messages["group_id"] == "thriving"
    messages.loc[in_thriving, "author_id"] = messages.loc[in_thriving, "author_id"].replace({f"p{i}": f"p{i % 3}" for i in range(8)})
    ds = ds.replace(messages=messages)
    got = sustain.find_duplicates(ds, communities.community_scorecard(ds, as_of=C_AS_OF), as_of=C_AS_OF)
    assert got[["group_id", "duplicate_of"]].values.tolist() == [["growing", "thriving"]]


def test_best_practices_effect_sizes():
    sc = pd.DataFrame(
        {
            "status": ["thriving", "growing", "declining", "idle"],
            "median_hours_to_first_response": [1.0, 3.0, 10.0, 12.0],
            "response_rate": [0.9, 0.8, 0.4, 0.3],
            "posts_per_active_member": [2.0, 2.0, 2.0, 2.0],
            "newcomer_share": [None, None, None, None],
            "absence_factor": [3, 3, 1, 1],
        }
    )
    got = reporting.best_practices(sc).set_index("practice")
    # hours: means 2 vs 11, pooled sd sqrt((2 + 2) / 2) = 1.414 -> d = -6.36; faster is better -> advice kept
    assert got.loc["median hours to first response", "effect_size"] == pytest.approx(-9 / 2**0.5)
    assert got.loc["median hours to first response", "advice"] == "Answer new threads quickly"
    assert "newcomer share" not in got.index  # no data
    assert got.loc["posts per active member", "effect_size"] == 0.0


def test_best_practices_show_the_means_the_effect_size_compares():
    # newcomer share: growing 0, 0, 0.9 (mean 0.3, median 0) against declining 0.1, 0.2, 0.3 (mean and median 0.2).
    # Variances 0.27 and 0.01, pooled sqrt((2 * 0.27 + 2 * 0.01) / 4) = sqrt(0.14): d = 0.1 / 0.3742 = 0.267, in
    # favour of the growing ones, as their mean says; their median (0 against 0.2) would say the opposite.
    nothing = [None] * 6
    sc = pd.DataFrame(
        {
            "status": ["thriving", "growing", "growing", "declining", "idle", "idle"],
            "median_hours_to_first_response": nothing,
            "response_rate": nothing,
            "posts_per_active_member": nothing,
            "newcomer_share": [0.0, 0.0, 0.9, 0.1, 0.2, 0.3],
            "absence_factor": nothing,
        }
    )
    want = pd.DataFrame(
        {
            "practice": ["newcomer share"],
            "growing_or_thriving": [0.3],
            "declining_or_idle": [0.2],
            "effect_size": [0.1 / 0.14**0.5],
            "advice": ["Bring in new members continually"],
        }
    )
    assert_frame_equal(reporting.best_practices(sc), want)
    assert reporting.practices_table(want).values.tolist() == [["newcomer share", "30%", "20%", "0.27", "Bring in new members continually"]]


def test_filter_dataset():
    got = filter_dataset(small_dataset(), start="2026-02-01", end="2026-03-01", departments=["Y"])
    assert got.messages["message_id"].tolist() == ["4", "5", "6"]
    assert got.people["person_id"].tolist() == ["c", "d", "e"]
    assert got.reactions.empty  # a's reaction: a is not in Y


def test_explorer_recomputes_on_every_control():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1)
    assert ex.metric.value == "Monthly active people"
    assert ex.table["active"].tolist() == [2, 1, 3]
    ex.departments.value = ("Y",)
    assert ex.table["active"].tolist() == [1, 2]  # Feb: c; Mar: c, d
    ex.metric.value = "Response rate by month"
    assert ex.table["response_rate"].tolist() == [0.0, 1.0]
    ex.departments.value = ()
    ex.date_range.value = ("2026-01", "2026-01")
    ex.metric.value = "Monthly active people"
    assert ex.table["active"].tolist() == [2]
    ex.community.value = "g1"  # inside g1 in January: a and b
    assert ex.table["active"].tolist() == [2]
    assert ex.community_table.set_index("measure").loc["status", "value"].startswith("idle")
    ex.metric.value = "Response rate by month"  # a view changes inside the community too
    assert ex.table["response_rate"].tolist() == [1.0]


def test_explorer_hides_filters_below_the_privacy_floor():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=3)
    # X (a, b) and L2 (d, e) are held by fewer than 3 people: never offered as filters
    assert ex.departments.options == ("Y",) and ex.locations.options == ("L1",)
    ex.departments.value = ("Y",)  # Y is 3 people, but the whole network shown before it minus Y is X: 2 people
    assert ex.table.empty and "differ from a selection already shown" in ex.status.value and ex.tiles.value == ""
    ex.locations.value = ("L1",)  # Y and L1: c alone
    assert ex.table.empty and "Fewer than 3 people" in ex.status.value and ex.tiles.value == ""
    # every output is replaced by the notice: nothing of the previous view stays on screen
    assert len(ex.shown) == 1 and "hidden to protect privacy" in ex.shown[0] and ex.figure is None


def test_explorer_tiles_follow_the_filter():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1)
    ex.departments.value = ("Y",)
    # Y (c, d, e) at 2026-03-31 against 90 days earlier, when none of them had taken part: nobody active
    # since Mar 2; c and d in 90 days; 2 of 3 registered interacted; c's thread unanswered, d's answered.
    tiles = re.findall(r'<div class="v">([^<]*)</div><div class="l">([^<]*)</div>', ex.tiles.value)
    assert tiles == [
        ("0", "People active in the last 30 days: +0 on the previous 90 days"),
        ("2", "People active in the last 90 days: +2 on the previous 90 days"),
        ("66.7%", "Registered people who interacted in the last 6 months: +66.7 pt on the previous 90 days"),
        ("50.0%", "Threads answered (last 90 days): – on the previous 90 days"),
        ("0", "Lapsed people: +0 on the previous 90 days"),
    ]


def test_explorer_views_ranges_granularity_reset_and_export(tmp_path):
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1, exports=tmp_path)
    ex.metric.value = "Active people (by day, week or month)"
    assert ex.table["active"].tolist() == [2, 1, 3]  # by month: Jan a, b; Feb c; Mar a, c, d
    ex.granularity.value = "W"
    # weeks to Sunday: Jan 5-11 (a, b), Feb 9-15 (c), Feb 23-Mar 1 (a, c, d)
    assert ex.table["period"].tolist() == ["2026-01-05/2026-01-11", "2026-02-09/2026-02-15", "2026-02-23/2026-03-01"]
    assert ex.table["active"].tolist() == [2, 1, 3]
    ex.quick.value = "28 days"  # Mar 4-31: nobody
    assert ex.table.empty and "28 days" not in ex.status.value and "2026-03-04" in ex.status.value
    ex.metric.value = "Community status"  # its windows end on the range's last day, whatever the range
    assert set(ex.table["status"]) == {"idle"} and "too short" in ex.status.value
    ex.metric.value = "Network: departments"  # a's reaction to d is the one tie between X and Y
    assert ex.table[["a", "b", "interactions"]].to_dict("list") == {"a": ["X"], "b": ["Y"], "interactions": [1]} and "figure" in ex.shown
    ex.reset()
    assert ex.metric.value == "Monthly active people" and ex.quick.value == "all" and ex.table["active"].tolist() == [2, 1, 3]
    written = ex.export()
    assert sorted(p.suffix for p in written) == [".csv", ".png"] and all(p.parent == tmp_path for p in written)
    csv = pd.read_csv(next(p for p in written if p.suffix == ".csv"), encoding="utf-8-sig")
    assert csv["month"].tolist() == ["2026-01", "2026-02", "2026-03"] and csv["active"].tolist() == [2, 1, 3]  # the view as shown


def test_explorer_shows_a_failing_refresh_as_one_line(monkeypatch):
    import esnkit.widgets as widgets

    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1)

    def broken(ds, as_of, floor, freq):
        raise RuntimeError("the view broke")

    monkeypatch.setitem(widgets.METRIC_VIEWS, "Personas", (broken, None))
    ex.metric.value = "Personas"
    assert ex.status.value == "<b>Could not update this view:</b> RuntimeError: the view broke" and ex.table.empty


def test_common_members_counts_each_person_once_in_chunks():
    from esnkit.steps.sustain import _common_members

    members = pd.DataFrame({"group_id": ["g1", "g1", "g1", "g2", "g2", "g3", "g1"], "person_id": ["a", "b", "c", "b", "c", "z", "a"]})
    a, b = pd.Series(["g1", "g1", "g2"]), pd.Series(["g2", "g3", "g3"])
    # g1 = {a, b, c}, g2 = {b, c}, g3 = {z}: g1&g2 = 2, g1&g3 = 0, g2&g3 = 0
    for chunk in (1, 2, 100):
        common, size_a, size_b = _common_members(members, a, b, chunk=chunk)
        assert common.tolist() == [2, 0, 0] and size_a.tolist() == [3, 3, 2] and size_b.tolist() == [2, 1, 1]
    # With min_ratio 0.9, g2 (2 people) is too small beside g1 (3) to be compared at all.
    assert _common_members(members, a, b, min_ratio=0.9)[0].tolist() == [0, 0, 0]


def test_peak_active_members_counts_distinct_people_per_90_days():
    from helpers import AS_OF, small_dataset

    # g1: a, b active Jan 5-6 (one window); c on Feb 10 (same window, 49-85 days back): peak 3.
    # g2: d, a, c on Mar 1 (bot z excluded): 3.
    got = sustain.peak_active_members(small_dataset(), as_of=AS_OF)
    assert got.to_dict() == {"g1": 3, "g2": 3}
    # As of Feb 20 (end Feb 21): Feb 10 and Jan 5-6 are 11 and 46 days back: one window, 3 people.
    assert sustain.peak_active_members(small_dataset(), as_of="2026-02-20").to_dict() == {"g1": 3}


def test_every_roster_attribute_is_a_filter():
    from esnkit.widgets import filter_attributes

    ds = small_dataset()
    ds = ds.replace(people=ds.people.assign(tenure=["new", "new", "old", "old", "old", None], manager_id="m"))
    assert filter_attributes(ds.people) == ["department", "location", "tenure"]  # not ids, dates or flags
    ex = Explorer(ds, as_of=AS_OF, min_group_size=1)
    ex.filters["tenure"].value = ("old",)
    assert ex.table["active"].tolist() == [1, 2]  # c in February; c and d in March
    got = filter_dataset(ds, attributes={"tenure": ["new"]})
    assert got.people["person_id"].tolist() == ["a", "b"] and got.messages["author_id"].unique().tolist() == ["a", "b"]


def test_the_explorer_keeps_only_its_most_recent_results():
    from esnkit.widgets import _Recent

    made = []
    recent = _Recent(2)

    def make(k):
        return lambda: made.append(k) or k.upper()

    assert [recent.get(k, make(k)) for k in ("a", "b", "a", "c", "b", "a")] == ["A", "B", "A", "C", "B", "A"]
    # a is used again before c arrives, so b is the one dropped; then b and a each come back once
    assert made == ["a", "b", "c", "b", "a"] and list(recent.items) == ["b", "a"]


def test_embedding_indicators_count_the_core_and_threads_across_departments_by_hand():
    from esnkit import Dataset

    t = pd.Timestamp("2026-02-10 09:00", tz="UTC")
    ds = Dataset(
        people=pd.DataFrame({"person_id": ["a", "b", "c", "d"], "department": ["X", "Y", "X", None], "state": ["active"] * 4}),
        groups=pd.DataFrame({"group_id": ["g"]}),
        messages=pd.DataFrame(
            {
                "message_id": ["1", "2", "3", "4", "5", "6"],
                "thread_id": ["t1", "t1", "t2", "t2", "t3", "t4"],
                "group_id": ["g", "g", "g", "g", "g", None],
                "author_id": ["a", "b", "a", "c", "d", "b"],
                "created_at": [t + pd.Timedelta(hours=h) for h in range(6)],
                "is_thread_start": [True, False, True, False, True, True],
                "is_private": [False, False, False, False, False, True],
            }
        ),
        reactions=pd.DataFrame({"message_id": ["1"], "person_id": ["d"], "created_at": [t + pd.Timedelta(hours=8)], "reaction": ["like"]}),
    )
    got = sustain.embedding_indicators(ds, as_of="2026-03-31", quarters=1)
    # Contributions in Q1: a 2, b 2 (one private), c 1, d 2 (a post, a reaction): the core is the top
    # 10% of 4 people, rounded up to 1, who made 2 of 7. Threads: t1 has X and Y, t2 only X, t3 no
    # known department (left out), t4 is private (left out): 1 of 2.
    assert got["quarter"].tolist() == ["Q1 2026"]
    assert got["beyond_core_share"].tolist() == pytest.approx([5 / 7])
    assert got["cross_department_share"].tolist() == [0.5]


def test_quarter_table_says_neither_yes_nor_no_when_no_change_was_measured():
    from types import SimpleNamespace

    nan = float("nan")
    q = pd.DataFrame(
        {
            "metric": ["Active", "Answered", "Young"],
            "kpi": ["active_30", "response_rate", "active_30"],
            "this_label": ["Q3 2026", "Q3 2026", "Q1 2024"],
            "last_label": ["Q2 2026", "Q2 2026", "–"],
            "this_quarter": [120.0, 0.80, nan],
            "last_quarter": [100.0, 0.79, nan],
            "change": [20.0, 0.01, nan],
            "noise": [5.0, 0.02, nan],
            "significant": [True, False, False],
        }
    )
    expected = pd.DataFrame(
        {
            "metric": ["Active", "Answered", "Young"],
            "quarters": ["Q2 2026 → Q3 2026", "Q2 2026 → Q3 2026", "not two complete quarters yet"],
            "before": ["100", "79.0%", "–"],
            "after": ["120", "80.0%", "–"],
            "change": ["+20", "+1.0 points", "–"],
            "beyond noise": ["yes", "no", "–"],
        }
    )
    got = reporting.quarter_table(SimpleNamespace(quarter_change=q))
    assert_frame_equal(got.astype(object), expected.astype(object))


def test_quarter_table_changes_agree_with_the_values_printed_beside_them():
    from types import SimpleNamespace

    # 1.96% -> 1.93% prints as 2.0% -> 1.9%: the change is -0.1 points as printed (unrounded, -0.03,
    # it printed 0.0 and contradicted the row); 171.6 -> 172.4 people print as 172 -> 172: no change.
    q = pd.DataFrame(
        {
            "metric": ["Between departments", "Active"],
            "kpi": ["cross_department_share", "active_30"],
            "this_label": ["Q3 2026", "Q3 2026"],
            "last_label": ["Q2 2026", "Q2 2026"],
            "this_quarter": [0.0193, 172.4],
            "last_quarter": [0.0196, 171.6],
            "change": [0.0193 - 0.0196, 0.8],
            "noise": [0.01, 5.0],
            "significant": [False, False],
        }
    )
    got = reporting.quarter_table(SimpleNamespace(quarter_change=q))
    assert got[["before", "after", "change"]].values.tolist() == [["2.0%", "1.9%", "-0.1 points"], ["172", "172", "0"]]


@pytest.mark.parametrize(
    "n, line",
    [
        (0, "**No success story** is ready to play back yet."),
        (1, "**1 success story** is ready to play back (below)."),
        (8, "**8 success stories** are ready to play back (below)."),
    ],
)
def test_the_sustain_summary_counts_success_stories_in_words_that_agree(n, line):
    f = Figures("summary", as_of="2026-09-30")
    assert plain(sustain._stories_line(n, f)) == line
    assert [(x.measure, x.display) for x in f.facts] == ([("success_stories", f"{n}")] if n else [])


@pytest.mark.parametrize(
    "shares, line, shown",
    [
        ([0.20, 0.24, 0.243], "- **Habit**: the share of active people with a habit rose from 20% in Q1 2026 to 24% in Q3 2026.", ["20%", "24%"]),
        ([0.30, 0.25, 0.262], "- **Habit**: the share of active people with a habit fell from 30% in Q1 2026 to 26% in Q3 2026.", ["30%", "26%"]),
        # 24.2% and 24.0% both print as 24%, as the table beside the sentence prints them: it held
        ([0.242, 0.25, 0.240], "- **Habit**: the share of active people with a habit held at 24% from Q1 2026 to Q3 2026.", ["24%", "24%"]),
        # 3.4% and 3.9%: +0.5 points, but the table prints 3% and 4%, so the sentence says it rose
        ([0.034, 0.03, 0.039], "- **Habit**: the share of active people with a habit rose from 3% in Q1 2026 to 4% in Q3 2026.", ["3%", "4%"]),
    ],
)
def test_the_sustain_summary_says_how_the_habitual_share_moved(shares, line, shown):
    embedding = pd.DataFrame({"quarter": ["Q1 2026", "Q2 2026", "Q3 2026"], "habitual_share": shares})
    s = sustain.Sustain(
        scorecards=pd.DataFrame(),
        triage=pd.DataFrame({"action": pd.Series([], dtype="str")}),
        funnel=pd.DataFrame({"stage": ["first message"], "newcomers": [0], "share": [np.nan]}),
        embedding=embedding,
        stories=pd.DataFrame(),
        as_of="2026-09-30",
    )
    told = sustain.sustain_summary(s, client="Acme")
    assert next(x for x in told.splitlines() if x.startswith("- **Habit**")) == line
    # each quarter's share is a fact of its own window, printed as the table prints it
    habit = [(x.window, x.display) for x in told.facts if x.measure == "habitual_share"]
    assert habit == [("Q1 2026", shown[0]), ("Q3 2026", shown[1])]


def test_newcomer_funnel_counts_messages_and_utc_months_per_community_and_author_by_hand():
    from esnkit import Dataset

    # a: 3 messages in g over two UTC months (23:30 UTC on 31 Jan is January), 1 in h; b: one in g,
    # one after the end; a message with no community and one with no author are not counted.
    ds = Dataset(
        people=pd.DataFrame({"person_id": ["a", "b"]}),
        groups=pd.DataFrame({"group_id": ["g", "h"]}),
        messages=pd.DataFrame(
            {
                "message_id": list("12345678"),
                "thread_id": list("12345678"),
                "group_id": ["g", "g", "g", "h", "g", "g", None, "g"],
                "author_id": ["a", "a", "a", "a", "b", "b", "b", None],
                "created_at": pd.to_datetime(
                    [
                        "2026-01-05 09:00",
                        "2026-01-31 23:30",
                        "2026-02-01 00:30",
                        "2026-02-02 09:00",
                        "2026-03-01 09:00",
                        "2026-04-02 09:00",
                        "2026-03-03 09:00",
                        "2026-03-04 09:00",
                    ],
                    utc=True,
                ),
                "is_thread_start": [True] * 8,
                "is_private": [False] * 8,
            }
        ),
    )
    pairs = sustain._funnel_pairs(ds, pd.Timestamp("2026-04-01", tz="UTC"))
    first = pd.to_datetime(["2026-01-05 09:00", "2026-03-01 09:00", "2026-02-02 09:00"], utc=True).as_unit("us")
    expected = pd.DataFrame({"group_id": ["g", "g", "h"], "author_id": ["a", "b", "a"], "n": [3, 1, 1], "months": [2, 1, 1], "first_at": first})
    got = pairs.sort_values(["group_id", "author_id"]).reset_index(drop=True)
    assert_frame_equal(got, expected.astype({"group_id": "str", "author_id": "str"}))
    funnel = sustain.newcomer_funnel(ds, as_of="2026-03-31")
    # newcomers are person x community pairs: a is new to g and to h, b to g
    assert funnel[["stage", "newcomers"]].values.tolist() == [["first message", 3], ["second message", 1], ["regular contributor", 0]]
    by_group = sustain.newcomer_funnel(ds, as_of="2026-03-31", by_group=True)
    assert by_group.values.tolist() == [["g", 2, 1, 0], ["h", 1, 0, 0]]


def test_movers_write_their_counts_with_thousands_separators():
    # At 1,000,000 people the movers read "3382 → 5477 messages a quarter" beside "5,295" in the text.
    # Steady (288 -> 278, 97% of the quarter before) and Dip (1,200 -> 900, 75%) move less than the status rule's
    # declining (70% or less): the demo read "Customer Service Corner 8 fell 288 -> 278" beside "thriving, steady volume".
    scorecard = pd.DataFrame(
        {"name": ["Big", "Small", "Steady", "Dip"], "messages_q1": [3_382, 1_200, 288, 1_200], "messages_q0": [5_477, 800, 278, 900]}
    )
    risk = pd.DataFrame({"person": ["P-1"], "department": ["Sales"], "contributions_before": [1_071], "contributions_now": [27]})
    got = reporting.movers(scorecard, risk)
    assert got["who"].tolist() == ["Big", "Small", "P-1 (influencer last quarter, Sales)"]
    assert got["detail"].tolist() == ["3,382 → 5,477 messages a quarter", "1,200 → 800 messages a quarter", "1,071 → 27 contributions a quarter"]
    assert got["movement"].tolist() == ["rose", "fell", "at risk"]


def test_step_5_forecasts_what_step_2_judged_from_the_same_trend(tmp_path):
    # +1 a month from 11 (May, after the ramp) to 21 (March): 33 by 2027-03-31 in both steps
    from esnkit.steps import plan as planmod

    ctx = step_context(trend_dataset(list(range(10, 22))), tmp_path)
    p = planmod.build_plan(ctx)
    rep = reporting.build_report(ctx)
    step2 = dict(zip(p.objectives["objective"], p.objectives["forecast_at_deadline"]))
    step5 = dict(zip(rep.scorecard["objective"], rep.scorecard["forecast_at_deadline"]))
    assert step5.keys() == step2.keys()
    for label, value in step2.items():
        assert step5[label] == value or (np.isnan(step5[label]) and np.isnan(value)), label
    assert step5["People active in the last 30 days"] == 33.0
    path = rep.forecasts["People active in the last 30 days"]  # the chart's trend: 21 in March 2026, +1 a month to 33
    expected = pd.DataFrame({"month": pd.period_range("2026-03", "2027-03", freq="M"), "central": np.arange(21.0, 34.0)})
    assert_frame_equal(path, expected.assign(low=expected["central"], high=expected["central"]), atol=1e-9)
    assert (
        rep.trend_titles["People active in the last 30 days"]
        == "People active in the last 30 days rose from 10 to 21 in 11 months; on this trend 33 by March 2027"
    )


def test_statuses_against_an_agreed_plan_come_from_the_forecast_interval(tmp_path):
    import dataclasses

    from esnkit.steps import plan as planmod

    ds = trend_dataset(list(range(10, 22)))  # people active: +1 a month, an exact line: 33 by 2027-03-31, interval 33 to 33
    objectives = tuple(
        {"id": f"active-{target}", "metric": "active_30", "target": target, "deadline": "2027-03-31", "owner": "Comms"} for target in (30, 33, 34)
    )
    objectives += ({"id": "answered", "metric": "response_rate", "target": 0.5, "deadline": "2027-03-31", "owner": "Comms"},)
    ctx = step_context(ds, tmp_path, objectives=objectives)
    earlier = dataclasses.replace(planmod.build_plan(ctx), as_of="2026-01-31")  # agreed two months before this report
    planmod.save_plan(earlier, ctx.paths.plans)
    rep = reporting.build_report(ctx)
    got = dict(zip(rep.scorecard["objective_id"], rep.scorecard["status"]))
    # 33's pessimistic end reaches 30 and 33: on track; 34 is beyond even the central forecast: off track.
    # Nobody ever answers: 0% flat, 50% out of reach.
    assert got == {"active-30": "on track", "active-33": "on track", "active-34": "off track", "answered": "off track"}
    told = reporting.report_summary(rep, client="Acme")
    assert "Against the plan of 2026-01-31, of 4 objectives: **2 on track, 0 at risk, 2 off track**." in told
    # the status counts are parts of the objectives and add up to them
    counts = {x.measure: x.value for x in told.facts if x.measure.startswith("objectives")}
    assert counts == {"objectives_on_track": 2, "objectives_at_risk": 0, "objectives_off_track": 2, "objectives": 4}


def test_a_segment_objective_carries_its_segment_into_kpis_json_and_every_label(tmp_path):
    ds = trend_dataset(list(range(10, 22)), departments=["Legal", "Sales"])
    objective = {"id": "legal", "metric": "active_30", "segment": {"department": "Legal"}, "target": 14, "deadline": "2027-03-31"}
    from esnkit.steps import plan as planmod

    ctx = step_context(ds, tmp_path, objectives=(objective,))
    planmod.build_plan(ctx, save=True)  # step 5 reports against the saved plan
    rep = reporting.build_report(ctx)
    record = reporting.kpi_record(rep)
    assert [(o["objective_id"], o["kpi"], o["segment"]) for o in record["objectives"]] == [("legal", "active_30", {"department": "Legal"})]
    label = "People active in the last 30 days, Legal"
    assert reporting.scorecard_table(rep)["objective"].tolist() == [label]
    assert reporting.quarter_table(rep)["metric"].tolist() == [label]
    assert list(rep.trend_titles) == [label] and rep.trend_titles[label].startswith(label + " rose from 5 to 11 in 11 months")


def test_a_short_history_has_no_forecast_and_the_scorecard_says_why(tmp_path):
    rep = reporting.build_report(step_context(small_dataset(), tmp_path))
    table = reporting.scorecard_table(rep).set_index("objective")
    # threads answered, over 90 days: the window is whole from 2026-04-04, after all three months of data
    answered = table.loc["Threads answered (last 90 days)"]
    assert answered["forecast at deadline"] == "–"
    assert answered["80% range"] == (
        "no forecast: no monthly value yet, after the first 3 months (left out while the KPI's window was still filling); a trend needs 6"
    )
    assert reporting.kpi_record(rep)["objectives"][0]["forecast_at_deadline"] is None


def test_a_plan_agreed_under_an_earlier_definition_is_restated_not_compared(tmp_path):
    import dataclasses
    import json as _json

    from esnkit.steps import plan as planmod

    ds = trend_dataset(list(range(10, 22)))  # people active in the last 30 days: 10 in April 2025 ... 21 in March 2026
    objectives = ({"id": "active", "metric": "active_30", "target": 30, "deadline": "2027-03-31", "owner": "Comms"},)
    ctx = step_context(ds, tmp_path, objectives=objectives)
    earlier = dataclasses.replace(planmod.build_plan(ctx), as_of="2026-01-31")
    saved = planmod.save_plan(earlier, ctx.paths.plans)
    assert _json.loads(saved.read_text())["versions"] == {"active_30": 1}
    # today's definition again: nothing is restated
    rep = reporting.build_report(ctx)
    assert rep.scorecard["restated"].tolist() == [""] and reporting.restated_note(rep) == ""
    # the plan was agreed under version 0 of the definition, with a baseline of 99 by it
    data = _json.loads(saved.read_text())
    data["versions"] = {"active_30": 0}
    data["objectives"][0]["baseline"] = 99.0
    saved.write_text(_json.dumps(data))
    rep = reporting.build_report(ctx)
    row = rep.scorecard.iloc[0]
    assert row["baseline"] == 19.0  # measured again at 2026-01-31 under today's definition (January: 19 active)
    assert row["restated"] == (
        "baseline restated: the definition of people active in the last 30 days changed after the plan of 2026-01-31 (version 0 to 1); 99 under the old one"
    )
    assert reporting.restated_note(rep) == "- People active in the last 30 days: " + row["restated"] + "."


def test_since_the_last_report_a_changed_definition_is_restated(tmp_path):
    table = pd.DataFrame({"kpi": ["active_30", "active_90"], "label": ["People active in the last 30 days", "People active in the last 90 days"],
                          "value": [21.0, 30.0], "display": ["21", "30"]})  # fmt: skip
    previous = {
        "as_of": "2025-12-31",
        "kpis": [
            {"kpi": "active_30", "value": 18.0, "display": "18", "version": 1},
            {"kpi": "active_90", "value": 50.0, "display": "50", "version": 0},
        ],
    }
    asked = []
    note = reporting._history_note(previous, table, restate=lambda kpi, day: asked.append((kpi, day)) or 25.0)
    assert asked == [("active_90", dt.date(2025, 12, 31))]
    assert note == (
        "Since the report of 2025\\-12\\-31:\n- People active in the last 30 days: 18 → 21 (+3).\n"
        "- People active in the last 90 days: 25 → 30 (+5; restated: its definition changed since that report, which printed 50)."
    )
    # without a way to measure again, the changed one is left out rather than compared
    assert reporting._history_note(previous, table) == "Since the report of 2025\\-12\\-31:\n- People active in the last 30 days: 18 → 21 (+3)."


def test_the_scorecards_headline_columns_are_facts_the_baseline_at_the_plans_date(tmp_path):
    import dataclasses

    from esnkit.render import table_facts
    from esnkit.steps import plan as planmod

    ds = trend_dataset(list(range(10, 22)))
    objectives = ({"id": "active", "metric": "active_30", "target": 30, "deadline": "2027-03-31", "owner": "Comms"},)
    ctx = step_context(ds, tmp_path, objectives=objectives)
    january = dataclasses.replace(ctx, as_of=dt.date(2026, 1, 31))  # the plan agreed at the end of January (19 active)
    planmod.save_plan(planmod.build_plan(january), ctx.paths.plans)
    table = reporting.scorecard_table(reporting.build_report(ctx))
    assert table.loc[0, ["baseline", "now", "target"]].tolist() == ["19", "21", "30"]  # the cells read as before
    facts = [(x.measure, x.as_of, x.value, x.window, x.section) for x in table_facts(table)]
    assert sorted(facts) == [
        ("active_30", "2026-01-31", 19.0, "last 30 days", "table"),  # the baseline, measured at the plan's date
        ("active_30", "2026-03-31", 21.0, "last 30 days", "table"),
        ("target_active_30", "2026-03-31", 30.0, "by 2027-03-31", "table"),
    ]
    # the plan's own table records the same baseline and target
    plan_table = planmod.objectives_table(planmod.build_plan(ctx))
    assert [(x.measure, x.value) for x in table_facts(plan_table)] == [("active_30", 21.0), ("target_active_30", 30.0)]


def test_a_saved_plan_keeps_its_baselines_to_the_last_digit(tmp_path):
    from esnkit.steps import plan as planmod

    ctx = step_context(small_dataset(), tmp_path)
    p = planmod.build_plan(ctx)
    planmod.save_plan(p, ctx.paths.plans)
    saved = planmod.load_plan(ctx.paths.plans, as_of=dt.date(2026, 4, 30))["objectives"]
    # 2/3 answered, say: read back as 0.6666666667 (to_json's default 10 digits) it was a second value behind "66.7%" in step 5
    assert np.allclose(saved["baseline"], p.objectives["baseline"], rtol=0, atol=1e-14, equal_nan=True)
