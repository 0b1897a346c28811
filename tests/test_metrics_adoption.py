import numpy as np
import pandas as pd
from helpers import AS_OF, small_dataset, thread_starts, ts
from pandas.testing import assert_frame_equal

from esnkit._fast import micros
from esnkit.metrics import adoption
from esnkit.metrics._base import first_contributions


def _lapsed_frame(columns: dict) -> pd.DataFrame:
    """A :func:`adoption.lapsed_people` frame in its dtypes (the two times to the microsecond, UTC)."""
    return pd.DataFrame(columns).astype(
        {"department": "str", "state": "str", "first_active": "datetime64[us, UTC]", "last_active": "datetime64[us, UTC]"}
    )


def test_monthly_active():
    got = adoption.monthly_active(small_dataset(), as_of=AS_OF)
    expected = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-03"], freq="M"),
            "registered": [5, 5, 5],
            "active": [2, 1, 3],
            "engaged": [0, 0, 0],
            "active_rate": [0.4, 0.2, 0.6],
            "partial": [False, False, False],
        }
    )
    assert_frame_equal(got, expected)


def test_engaged_needs_the_stated_number_of_days():
    got = adoption.monthly_active(small_dataset(), as_of=AS_OF, engaged_days=2)
    assert got["engaged"].tolist() == [1, 0, 0]  # only a, active on Jan 5 and Jan 6


def test_monthly_flows():
    got = adoption.monthly_flows(small_dataset(), as_of=AS_OF)
    expected = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2026-01", "2026-02", "2026-03"], freq="M"),
            "active": [2, 1, 3],
            "new": [2, 1, 1],
            "returning": [0, 0, 1],
            "reactivated": [0, 0, 1],
            "stopped": [0, 2, 0],
        }
    )
    assert_frame_equal(got, expected)


def test_lapsed_people():
    got = adoption.lapsed_people(small_dataset(), as_of=AS_OF, inactive_days=40)
    expected = _lapsed_frame(
        {
            "person_id": ["b"],
            "department": ["X"],
            "state": ["active"],
            "first_active": [ts("2026-01-05 11:00")],
            "last_active": [ts("2026-01-05 11:00")],
            "days_inactive": [85],
            "n_messages": [1],
            "n_posts": [0],
            "n_reactions": [0],
        }
    )
    assert_frame_equal(got, expected)


def test_lapsed_at_an_earlier_as_of_counts_only_what_came_before_it():
    # At the end of Feb 28 with 30 days: a (last 06 Jan; a's reaction of 01 Mar is after the as-of) and b lapsed.
    got = adoption.lapsed_people(small_dataset(), as_of="2026-02-28", inactive_days=30)
    expected = _lapsed_frame(
        {
            "person_id": ["a", "b"],
            "department": ["X", "X"],
            "state": ["active", "active"],
            "first_active": [ts("2026-01-05 09:00"), ts("2026-01-05 11:00")],
            "last_active": [ts("2026-01-06 09:00"), ts("2026-01-05 11:00")],
            "days_inactive": [53, 54],  # whole days from the last contribution to the end of Feb 28
            "n_messages": [2, 1],
            "n_posts": [1, 0],
            "n_reactions": [0, 0],
        }
    )
    assert_frame_equal(got, expected)


def test_first_contributions_are_each_persons_earliest_over_all_the_data():
    got = first_contributions(small_dataset())
    never = np.iinfo(np.int64).min
    expected = [
        micros(ts(t)) if t else never
        for t in ("2026-01-05 09:00", "2026-01-05 11:00", "2026-02-10 10:00", "2026-03-01 08:00", None, "2026-03-02 00:00")
    ]
    assert got.dtype == np.int64 and got.tolist() == expected  # a to z, in the people table's order; e never contributed


def test_lapsed_ignores_bots_and_respects_the_window():
    got = adoption.lapsed_people(small_dataset(), as_of=AS_OF, inactive_days=30)
    assert got["person_id"].tolist() == ["c", "a", "d", "b"]  # most recently lapsed first; never z, never e


def test_cohort_retention():
    got = adoption.cohort_retention(small_dataset(), as_of=AS_OF, max_months=2)
    expected = pd.DataFrame(
        {
            "cohort": pd.PeriodIndex(["2026-01"] * 3 + ["2026-02"] * 2 + ["2026-03"], freq="M"),
            "months_since": [0, 1, 2, 0, 1, 0],
            "cohort_size": [2, 2, 2, 1, 1, 1],
            "active": [2, 0, 1, 1, 1, 1],
            "retention": [1.0, 0.0, 0.5, 1.0, 1.0, 1.0],
        }
    )
    assert_frame_equal(got, expected)


def test_adoption_by_department_with_suppression():
    got = adoption.adoption_by(small_dataset(), as_of=AS_OF, by="department", window_days=90, min_group_size=2)
    expected = pd.DataFrame(
        {"department": ["X", "Y"], "headcount": [2, 3], "registered": [2, 3], "active": [2, 2], "never_active": [0, 1], "adoption_rate": [1.0, 2 / 3]}
    )
    expected = expected.sort_values("adoption_rate").reset_index(drop=True).astype({"department": "str"})
    assert_frame_equal(got, expected)
    assert adoption.adoption_by(small_dataset(), as_of=AS_OF, by="department", min_group_size=3)["department"].tolist() == ["Y"]


def test_growth_summary_and_segments():
    g = adoption.growth_summary(adoption.monthly_active(small_dataset(), as_of=AS_OF))
    assert (str(g["peak_month"]), g["peak_active"], g["current_active"], g["change_from_peak"]) == ("2026-03", 3, 3, 0.0)
    seg = adoption.adoption_segments(small_dataset(), as_of=AS_OF)
    # 5 people: rounding gives 0, 1, 2, 2 and the rest 0; 4 have ever been active.
    assert seg["people"].tolist() == [0, 1, 2, 2, 0]
    assert seg["adopted"].tolist() == [0, 1, 2, 1, 0]


def test_empty_dataset_gives_empty_tables():
    from esnkit import Dataset

    ds = Dataset(people=pd.DataFrame({"person_id": ["a"], "state": ["active"]}))
    assert len(adoption.monthly_active(ds, as_of=AS_OF)) == 0
    assert len(adoption.lapsed_people(ds, as_of=AS_OF)) == 0


def test_interaction_events_cut_at_as_of_and_leave_bots_out():
    # As of Mar 1 (end Mar 2 00:00): the bot's thread at Mar 2 00:00 is out anyway (a bot), and so
    # would be anything later; a's reaction to thread 5 at 09:00 is in.
    from esnkit.metrics._base import interaction_events

    got = interaction_events(small_dataset(), as_of="2026-03-01")
    expected = pd.DataFrame(
        {
            "person_id": ["a", "b", "a", "c", "d", "a", "c"],
            "created_at": [
                ts("2026-01-05 09:00"),
                ts("2026-01-05 11:00"),
                ts("2026-01-06 09:00"),
                ts("2026-02-10 10:00"),
                ts("2026-03-01 08:00"),
                ts("2026-03-01 09:00"),
                ts("2026-03-01 20:00"),
            ],
            "kind": pd.Categorical(["post", "reply", "reply", "post", "post", "reaction", "reply"], categories=["post", "reply", "reaction"]),
            "group_id": ["g1", "g1", "g1", "g1", "g2", "g2", "g2"],
            "message_id": ["1", "2", "3", "4", "5", "5", "6"],
        }
    ).astype({"person_id": "str", "group_id": "str", "message_id": "str", "created_at": "datetime64[us, UTC]"})
    assert_frame_equal(got, expected)
    jan = interaction_events(small_dataset(), as_of="2026-01-05")
    assert jan["message_id"].tolist() == ["1", "2"]
    assert len(interaction_events(small_dataset(), as_of="2026-01-04")) == 0


def test_monthly_active_counts_distinct_days_for_engaged():
    from esnkit import Dataset

    # a: Jan 2, 3, 3 (twice), 4, 5 -> 4 distinct days: engaged. b: Jan 2, 3, 4 -> 3 days: active only.
    # b joined in March but was active in January: registered from January (first activity).
    # c joined in February, never active. Feb: a once.
    rows = [
        ("a", "2026-01-02"),
        ("a", "2026-01-03 08:00"),
        ("a", "2026-01-03 17:00"),
        ("a", "2026-01-04"),
        ("a", "2026-01-05"),
        ("b", "2026-01-02"),
        ("b", "2026-01-03"),
        ("b", "2026-01-04"),
        ("a", "2026-02-10"),
    ]
    ds = Dataset(
        people=pd.DataFrame({"person_id": ["a", "b", "c"], "state": ["active"] * 3, "joined_at": ["2025-06-01", "2026-03-01", "2026-02-01"]}),
        groups=pd.DataFrame({"group_id": ["g"]}),
        messages=thread_starts(rows),
    )
    got = adoption.monthly_active(ds, as_of="2026-02-28")
    expected = pd.DataFrame(
        {
            "month": pd.PeriodIndex(["2026-01", "2026-02"], freq="M"),
            "registered": [2, 3],
            "active": [2, 1],
            "engaged": [1, 0],
            "active_rate": [1.0, 1 / 3],
            "partial": [False, False],
        }
    )
    assert_frame_equal(got, expected)


def test_monthly_active_marks_a_partial_month_and_growth_leaves_it_out():
    got = adoption.monthly_active(small_dataset(), as_of="2026-03-01")
    assert got["partial"].tolist() == [False, False, True] and got["active"].tolist() == [2, 1, 3]
    growth = adoption.growth_summary(got)
    assert str(growth["current_month"]) == "2026-02" and growth["current_active"] == 1  # not the single day of March


def test_people_without_a_join_date_are_registered_from_the_start_whether_or_not_they_took_part():
    ds = small_dataset()
    ds = ds.replace(people=ds.people.assign(joined_at=pd.NaT))
    # a, b first active in January, c in February, d in March, e never: without join dates all five live accounts are
    # registered in every month (their first activity says nothing of when they registered)
    assert adoption.monthly_active(ds, as_of=AS_OF)["registered"].tolist() == [5, 5, 5]
    # a deleted account is not registered (d posted in March, and is still counted active then)
    gone = ds.replace(people=ds.people.assign(state=np.where(ds.people["person_id"] == "d", "deleted", "active")))
    got = adoption.monthly_active(gone, as_of=AS_OF)
    assert got["registered"].tolist() == [4, 4, 4] and got["active"].tolist() == [2, 1, 3]


def test_silent_heavy_contributors_are_the_lapsed_among_the_top_writers():
    # Posts and replies to 2026-03-31: a 2, c 2, b 1, d 1 (the bot is not counted). With the top
    # half heavy (2 of 4: at least 2 messages) and 30 days' silence lapsed (all four), a and c.
    got = adoption.silent_heavy_contributors(small_dataset(), as_of=AS_OF, inactive_days=30, top_share=0.5)
    expected = _lapsed_frame(
        {
            "person_id": ["a", "c"],
            "department": ["X", "Y"],
            "state": ["active", "active"],
            "first_active": [ts("2026-01-05 09:00"), ts("2026-02-10 10:00")],
            "last_active": [ts("2026-03-01 09:00"), ts("2026-03-01 20:00")],
            "days_inactive": [30, 30],
            "n_messages": [2, 2],
            "n_posts": [1, 1],
            "n_reactions": [1, 0],
            "main_group_id": ["g1", "g1"],  # c wrote once in g1 and once in g2: the tie goes to g1
        }
    ).astype({"person_id": "str", "department": "str", "state": "str"})
    assert_frame_equal(got, expected, check_dtype=False)
    assert got["n_messages"].dtype == "int64"
    assert adoption.silent_heavy_contributors(small_dataset(), as_of=AS_OF).empty  # nobody silent for 90 days


def _with_reads(ds):
    """Usage-report rows for the 90 days to 2026-03-31: b read, e (who never contributed) read and liked nothing; c read nothing."""
    start, end = ts("2026-01-01"), ts("2026-03-31")
    activity = pd.DataFrame(
        {
            "person_id": ["b", "e", "c"],
            "period_start": [start] * 3,
            "period_end": [end] * 3,
            "platform": "viva-engage",
            "posted": [0, 0, 0],
            "read": [12, 3, 0],
            "liked": [0, 0, 0],
        }
    )
    return ds.replace(activity=activity)


def test_people_engaged_counts_readers_when_the_data_carry_reads():
    from esnkit.metrics import participation

    ds = small_dataset()
    # Without reads: engaged = contributors (a, b, c, d in the 90 days to 2026-03-31).
    assert adoption.people_engaged(ds, as_of=AS_OF) == {"has_reads": False, "engaged": 4, "readers": 0, "contributors": 4, "readers_only": 0}
    got = adoption.people_engaged(_with_reads(ds), as_of=AS_OF)
    assert got == {"has_reads": True, "engaged": 5, "readers": 2, "contributors": 4, "readers_only": 1}  # e read without contributing
    # Lurkers and Observers are readers who did not contribute once reads exist: e only.
    personas = participation.personas(_with_reads(ds), as_of=AS_OF).set_index("person_id")["persona"]
    assert personas["e"] == "Observer"
    assert participation.contribution_inequality(_with_reads(ds), as_of=AS_OF)["lurker_share"].iloc[0] == 1 / 5
    assert participation.personas(ds, as_of=AS_OF).set_index("person_id")["persona"]["e"] == "Observer"  # no reads: gave nothing
    no_reader = _with_reads(ds).replace(activity=_with_reads(ds).activity.iloc[:1])  # only b read: e neither read nor gave
    assert participation.personas(no_reader, as_of=AS_OF).set_index("person_id")["persona"]["e"] == "Inactive"


def test_people_engaged_on_the_real_usage_report_samples():
    from pathlib import Path

    import esnkit

    folder = Path(__file__).parent / "fixtures" / "m365-usage-reports"
    ds = esnkit.load(folder, key=b"k")
    ve = pd.read_csv(folder / "viva-engage-activityuserdetail.csv")
    teams = pd.read_csv(folder / "teams-useractivityuserdetail.csv")
    messages = [c for c in ("Team Chat Message Count", "Private Chat Message Count", "Post Messages", "Reply Messages") if c in teams]
    gave = int((ve[["Posted Count", "Liked Count"]].fillna(0).sum(axis=1) > 0).sum()) + int((teams[messages].fillna(0).sum(axis=1) > 0).sum())
    got = adoption.people_engaged(ds, as_of="2022-11-10")
    assert got == {"has_reads": bool((ve["Read Count"].fillna(0) > 0).any()), "engaged": gave, "readers": 0, "contributors": gave, "readers_only": 0}


def test_person_day_sums_and_seen_people_on_row_codes():
    # The small network by hand (bot z left out): a posted Jan 5, replied Jan 6 (g1) and reacted
    # Mar 1 (g2); b replied Jan 5; c posted Feb 10 and replied Mar 1; d posted Mar 1; e never.
    from esnkit.metrics._base import day_number, people_seen, person_days, sums_by_person

    ds = small_dataset()
    days = person_days(ds, as_of=AS_OF)
    assert "person_id" not in days and "group_id" not in days  # codes only: who, where
    expected = pd.DataFrame(
        {"posts": [1, 0, 1, 1], "replies": [1, 1, 1, 0], "reactions": [1, 0, 0, 0]},
        index=pd.Index(["a", "b", "c", "d"], dtype="str", name="person_id"),
    )
    assert_frame_equal(sums_by_person(ds, days, ["posts", "replies", "reactions"]), expected)
    assert people_seen(ds, days).tolist() == [True, True, True, True, False, False]
    # From February on: a (the reaction), c and d.
    assert people_seen(ds, days, from_day=day_number(ts("2026-02-01"))).tolist() == [True, False, True, True, False, False]
