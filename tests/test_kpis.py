"""The KPI registry, worked out by hand on helpers.small_dataset (as of 2026-03-31, windows end on 1 April 00:00 UTC).

Non-bot events: a on Jan 5 and 6 and a reaction on Mar 1; b on Jan 5; c on Feb 10 and Mar 1; d on
Mar 1; e never. Everyone joined on 2025-12-01. The last 30 days start on Mar 2, the last 90 on Jan 1.
"""

import numpy as np
import pandas as pd
import pytest
from helpers import AS_OF, small_dataset, thread_starts
from pandas.testing import assert_frame_equal

from esnkit.metrics import kpis


def test_every_kpi_by_hand():
    got = kpis.kpi_values(small_dataset(), as_of=AS_OF)
    assert got == {
        "interactive_share": 4 / 5,  # a-d of the five registered people (the bot z is not counted)
        "active_30": 0.0,  # nothing from Mar 2 on (z's post on Mar 2 is a bot's)
        "active_90": 4.0,
        "engaged_30": 0.0,
        "response_rate": 2 / 3,  # threads 1 (b replied), 4 (no answer), 5 (a reacted); the bot's thread 7 is not counted
        "median_hours_to_first_response": 1.5,  # 2 h (thread 1) and 1 h (thread 5)
        "healthy_communities": 0.0,  # both groups are idle: fewer than 6 messages in 90 days
        "cross_department_share": 1 / 4,  # ties b>a, a>b (X), c>d (Y) and a's reaction to d (X to Y)
        "lapsed": 0.0,
        "never_activated": 1.0,  # e
    }


def test_windows_and_inactive_days_move_the_counts():
    ds = small_dataset()
    march = kpis.kpi_values(ds, as_of="2026-03-01")  # the as-of day is inside its windows
    assert march["active_30"] == 3.0 and march["active_90"] == 4.0  # Mar 1: a, c, d; Jan 5 is within 90 days of Mar 1
    assert kpis.kpi_values(ds, as_of=AS_OF, inactive_days=30)["lapsed"] == 4.0  # a, b, c, d all quiet since Mar 1 or before
    assert kpis.kpi_values(ds, as_of="2026-01-04")["never_activated"] == 5.0  # before anyone took part


def test_a_segment_restricts_the_people_counted():
    got = kpis.kpi_values(small_dataset(), as_of=AS_OF, people=["a", "b"])
    assert got["interactive_share"] == 1.0 and got["active_90"] == 2.0 and got["never_activated"] == 0.0
    assert got["response_rate"] == 1.0 and got["median_hours_to_first_response"] == 2.0  # a's thread 1 only
    assert got["cross_department_share"] == 1 / 3  # the ties a or b take part in: b>a, a>b and a>d


def test_registered_people_without_a_join_date_are_every_live_account_whether_or_not_it_took_part():
    ds = small_dataset()
    people = ds.people.assign(joined_at=pd.NaT)
    ds = ds.replace(people=people)
    # At Feb 1: a and b have taken part; c and d take part only later and e never does, but without join dates all
    # five accounts are registered (the user list is every account there is): 2 of 5.
    assert kpis.kpi_values(ds, as_of="2026-02-01")["interactive_share"] == 2 / 5
    assert kpis.kpi_values(ds, as_of=AS_OF)["interactive_share"] == 4 / 5


def test_registered_people_leave_out_deactivated_and_deleted_accounts_bots_and_guests():
    """A Slack-like user list without join dates, as of 2026-06-30 (the last 180 days start on 2026-01-02).

    a: active, posted in May (interacted); b: active, posted only in 2025; c: active, never took part;
    d: deleted, never took part; e: deleted, posted in June; s: suspended (deactivated), posted in June;
    f: a bot, posted in June; g: a guest, never took part; h: active, first posts in July, after the as-of.
    Registered: a, b, c, h (live accounts, not bots or guests, acted or not); interacted: a. 1 of 4 = 25%.
    Registered people who made no contribution: b, c, h, 3 of 4.
    """
    from esnkit import Dataset
    from esnkit.metrics import adoption, participation
    from esnkit.metrics._base import registered_people

    people = pd.DataFrame(
        {
            "person_id": list("abcdesfgh"),
            "state": ["active", "active", "active", "deleted", "deleted", "suspended", "active", "active", "active"],
            "is_bot": [False] * 6 + [True, False, False],
            "is_external": [False] * 7 + [True, False],
        }
    )
    posts = [("a", "2026-05-01"), ("b", "2025-01-01"), ("e", "2026-06-01"), ("s", "2026-06-03"), ("f", "2026-06-02"), ("h", "2026-07-15")]
    messages = thread_starts(posts)
    ds = Dataset(people=people, groups=pd.DataFrame({"group_id": ["g"]}), messages=messages).validate()
    assert registered_people(ds, as_of="2026-06-30")["person_id"].tolist() == ["a", "b", "c", "h"]
    assert kpis.kpi_values(ds, as_of="2026-06-30", which=["interactive_share"]) == {"interactive_share": 1 / 4}
    got = participation.contribution_inequality(ds, as_of="2026-06-30")[["registered", "contributors", "lurker_share"]]
    assert_frame_equal(got, pd.DataFrame({"registered": [4], "contributors": [1], "lurker_share": [3 / 4]}))
    # Adoption by department counts registered people by the same rule: of the seven people (no department), four
    # registered; a, e, s active in the 90 days; c and h (who first posts after the as-of) never active by then (d never
    # took part either, but a closed account is not someone who has yet to).
    by = adoption.adoption_by(ds, as_of="2026-06-30", by="department", min_group_size=5)
    expected = pd.DataFrame(
        {"department": ["(unknown)"], "headcount": [7], "registered": [4], "active": [3], "never_active": [2], "adoption_rate": [3 / 7]}
    )
    assert_frame_equal(by, expected.astype({"department": "str"}))


def test_roster_people_without_an_account_are_never_registered_but_never_activated():
    ds = small_dataset()
    roster_only = pd.DataFrame({"person_id": ["r1", "r2"], "state": [None, None], "department": ["X", "Y"]})
    ds = ds.replace(people=pd.concat([ds.people, roster_only], ignore_index=True))
    got = kpis.kpi_values(ds, as_of=AS_OF)
    assert got["interactive_share"] == 4 / 5 and got["never_activated"] == 3.0


def test_kpi_table_displays_each_value_as_the_deliverables_print_it():
    table = kpis.kpi_table(small_dataset(), as_of=AS_OF)
    assert table["kpi"].tolist() == [k.id for k in kpis.KPIS]
    shown = dict(zip(table["kpi"], table["display"]))
    assert shown == {
        "interactive_share": "80.0%",
        "active_30": "0",
        "active_90": "4",
        "engaged_30": "0",
        "response_rate": "66.7%",
        "median_hours_to_first_response": "1.5 h",
        "healthy_communities": "0",
        "cross_department_share": "25.0%",
        "lapsed": "0",
        "never_activated": "1",
    }
    better = dict(zip(table["kpi"], table["higher_is_better"]))
    assert [k for k, up in better.items() if not up] == ["median_hours_to_first_response", "lapsed", "never_activated"]


def test_history_is_measured_at_month_ends_inside_the_data_and_marks_a_partial_month():
    ds = small_dataset()
    got = kpis.kpi_history(ds, "active_90", as_of="2026-03-15", months=6)
    # months before January (the data's first month) are left out; March is cut short by the as-of date
    expected = pd.DataFrame(
        {"month": pd.PeriodIndex(["2026-01", "2026-02", "2026-03"], freq="M"), "value": [2.0, 3.0, 4.0], "partial": [False, False, True]}
    )
    assert_frame_equal(got, expected)
    # the community census is taken every third month back from the as-of date: March only, here
    quarterly = kpis.kpi_history(ds, "healthy_communities", as_of=AS_OF, months=4)
    assert quarterly["month"].astype(str).tolist() == ["2026-01", "2026-02", "2026-03"]
    assert np.isnan(quarterly["value"].iloc[:2]).all() and quarterly["value"].iloc[-1] == 0.0


def test_bounds_make_targets_attainable():
    ds = small_dataset()
    assert kpis.bounds(ds, "response_rate") == (0.0, 1.0)
    assert kpis.bounds(ds, "active_30") == (0.0, 5.0)  # five registered people, not the bot
    assert kpis.bounds(ds, "healthy_communities", as_of=AS_OF) == (0.0, 2.0)
    assert kpis.clip(ds, "interactive_share", 1.004) == 1.0 and kpis.clip(ds, "active_30", -3.0) == 0.0


def test_unknown_kpi_names_the_choices():
    with pytest.raises(ValueError, match="interactive_share"):
        kpis.kpi("monthly_actives")


def test_the_cross_department_history_is_the_kpi_at_each_month_end():
    ds = small_dataset()
    hist = kpis.kpi_history(ds, "cross_department_share", as_of=AS_OF, months=3)
    each = [kpis.kpi_values(ds, as_of=m.end_time.date(), which=["cross_department_share"])["cross_department_share"] for m in hist["month"]]
    # January and February: b>a, a>b inside X (c's thread had no answer): 0; March adds c>d inside Y and a>d across: 1/4
    assert hist["value"].tolist() == each == [0.0, 0.0, 0.25]


def test_a_closed_account_that_never_took_part_is_not_someone_to_bring_in():
    from esnkit.metrics import adoption

    ds = small_dataset()
    closed = pd.DataFrame({"person_id": ["k1", "k2"], "state": ["deleted", "suspended"], "department": ["X", "X"], "location": ["L1", "L1"]})
    ds = ds.replace(people=pd.concat([ds.people, closed], ignore_index=True)).validate()
    # e never took part and is open; k1 (deleted) and k2 (deactivated) never took part but are closed
    assert kpis.kpi_values(ds, as_of=AS_OF)["never_activated"] == 1.0
    by = adoption.adoption_by(ds, as_of=AS_OF, min_group_size=1)
    # X: a, b, k1, k2 (headcount 4), all four counted, none never-active (a, b took part; k1, k2 closed); Y: c, d, e, e never active
    assert by.set_index("department")["never_active"].to_dict() == {"X": 0, "Y": 1}
    assert by.set_index("department")["headcount"].to_dict() == {"X": 4, "Y": 3}


def test_usage_reports_alone_measure_only_the_windows_their_periods_fit():
    from esnkit import Dataset

    people = pd.DataFrame({"person_id": ["a", "b", "c", "d"], "state": "active"})
    # one 180-day report to 31 March: a posted, b only liked, c only read, d did nothing
    activity = pd.DataFrame(
        {
            "person_id": ["a", "b", "c", "d"],
            "period_start": "2025-10-03",
            "period_end": "2026-03-31",
            "platform": "viva-engage",
            "posted": [3, 0, 0, 0],
            "read": [10, 4, 9, 0],
            "liked": [0, 2, 0, 0],
        }
    )
    groups = pd.DataFrame({"group_id": ["m365:Sales"], "name": ["Sales"], "kind": ["community"]})  # named by the groups report
    ds = Dataset(people=people, activity=activity, groups=groups).validate()
    got = kpis.kpi_values(ds, as_of=AS_OF)
    assert got["interactive_share"] == 2 / 4  # a and b of the four registered
    # a group's activity is not in the reports: no community has a status, none is "dormant" to archive
    from esnkit.metrics import communities

    assert communities.community_scorecard(ds, as_of=AS_OF).empty and np.isnan(got["healthy_communities"])
    # a 180-day period says nothing of the last 30 or 90 days, of active days, of a last day or of "ever"
    for k in ("active_30", "active_90", "engaged_30", "lapsed", "never_activated"):
        assert np.isnan(got[k]), k
    # a 30-day report to the same day measures the last 30 days, and not the 90 or 180 it does not cover
    month = activity.assign(period_start="2026-03-02")
    got = kpis.kpi_values(Dataset(people=people, activity=month).validate(), as_of=AS_OF)
    assert got["active_30"] == 2.0 and np.isnan(got["active_90"]) and np.isnan(got["interactive_share"])


def test_a_private_message_is_answered_when_the_other_person_writes_next():
    from esnkit import Dataset

    people = pd.DataFrame({"person_id": ["a", "b"], "state": "active", "joined_at": "2026-01-01"})
    groups = pd.DataFrame({"group_id": ["dm1"], "kind": ["dm"], "is_private": [True]})
    # a writes twice, b answers at 10:00, a answers b at 11:00, and no one answers that
    at = ["2026-03-10 09:00", "2026-03-10 09:05", "2026-03-10 10:00", "2026-03-10 11:00"]
    m = pd.DataFrame(
        {"message_id": ["1", "2", "3", "4"], "thread_id": ["1", "2", "3", "4"], "author_id": ["a", "a", "b", "a"], "created_at": at}
    ).assign(group_id="dm1", is_thread_start=True, is_private=True)
    ds = Dataset(people=people, groups=groups, messages=m).validate()
    got = kpis.kpi_values(ds, as_of=AS_OF, which=["response_rate", "median_hours_to_first_response"])
    assert got["response_rate"] == 3 / 4  # 1 and 2 by b's message, 3 by a's; 4 not
    assert got["median_hours_to_first_response"] == 1.0  # 1 h, 55 min, 1 h
