import datetime as dt

import numpy as np
import pandas as pd
import pytest
from helpers import AS_OF, small_dataset, step_context, trend_dataset
from pandas.testing import assert_frame_equal

from esnkit import Dataset
from esnkit.errors import ConfigError
from esnkit.metrics import adoption
from esnkit.steps import plan as planmod
from esnkit.steps import reactivate


def test_interactive_share_history():
    got = planmod.metric_history(small_dataset(), "interactive_share", as_of=AS_OF, months=3)
    # Registered: a-e. Trailing 180 days at Jan 31: a, b; Feb 28: a, b, c; Mar 31: a, b, c, d.
    expected = pd.DataFrame(
        {"month": pd.PeriodIndex(["2026-01", "2026-02", "2026-03"], freq="M"), "value": [0.4, 0.6, 0.8], "partial": [False, False, False]}
    )
    assert_frame_equal(got, expected)
    # the last value is the interactive-share KPI step 1 shows
    assert got["value"].iloc[-1] == __import__("esnkit.metrics.kpis", fromlist=["kpis"]).kpi_values(small_dataset(), as_of=AS_OF)["interactive_share"]


def test_segment_history_and_unknown_metric():
    got = planmod.metric_history(small_dataset(), "monthly_active", as_of=AS_OF, months=2, segment={"department": "Y"})
    assert got["value"].tolist() == [1.0, 0.0]  # the 30 days to Feb 28: c; to Mar 31 (from Mar 2): nobody
    with pytest.raises(ConfigError, match="unknown objective metric"):
        planmod.metric_history(small_dataset(), "happiness", as_of=AS_OF)


def test_glide_path_rejects_a_deadline_in_the_past():
    with pytest.raises(ConfigError, match="after the baseline"):
        planmod.glide_path(0.1, 0.2, start=dt.date(2026, 6, 30), deadline=dt.date(2026, 1, 31))


def test_parse_objectives_checks_keys_and_metric():
    with pytest.raises(ConfigError, match=r"objectives\[0\]: unknown key\(s\) traget"):
        planmod.parse_objectives([{"metric": "response_rate", "traget": 0.8, "deadline": "2027-01-31"}])
    with pytest.raises(ConfigError, match="unknown metric 'fun'"):
        planmod.parse_objectives([{"metric": "fun", "target": 1, "deadline": "2027-01-31"}])
    got = planmod.parse_objectives([{"metric": "response_rate", "target": "0.8", "deadline": "2027-01-31", "segment": {"department": "X"}}])
    assert got[0]["target"] == 0.8 and got[0]["deadline"] == dt.date(2027, 1, 31) and got[0]["path"] == "linear"


def lapsed_world() -> Dataset:
    """x posted a lot and talked with active k; y posted once; both silent for 100+ days; k is active."""
    rows = []
    for i in range(10):
        rows.append((f"x{i}", f"x{i}", None, "g", "x", f"2025-10-{i + 1:02d}", True))
        rows.append((f"k{i}", f"x{i}", f"x{i}", "g", "k", f"2025-10-{i + 1:02d} 12:00", False))
    rows.append(("y0", "y0", None, "g", "y", "2025-11-20", True))
    rows.append(("k-now", "k-now", None, "g", "k", "2026-03-20", True))
    rows.append(("q-now", "q-now", None, "g", "q", "2026-03-21", True))
    m = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"]).assign(
        is_private=False
    )
    people = pd.DataFrame(
        {
            "person_id": ["x", "y", "k", "q", "gone"],
            "department": ["A", "A", "B", "B", "A"],
            "state": ["active", "active", "active", "active", "deleted"],
        }
    )
    m = pd.concat([m, pd.DataFrame([("g0", "g0", None, "g", "gone", "2025-10-15", True)], columns=m.columns[:7]).assign(is_private=False)])
    ids = pd.DataFrame(
        {
            "person_id": ["x", "y", "k", "q", "gone"],
            "source": "test",
            "name": ["Xena", "=Yuri", "Kim", "Quinn", "Gone"],
            "email": ["x@c.com", "y@c.com", "k@c.com", "q@c.com", "g@c.com"],
        }
    )
    return Dataset(people=people, groups=pd.DataFrame({"group_id": ["g"]}), messages=m, identities=ids).validate()


def test_invite_back_ranks_by_past_value_and_names_the_strongest_active_tie():
    got = reactivate.invite_back(lapsed_world(), as_of=AS_OF, inactive_days=90)
    assert got["person_id"].tolist() == ["x", "y"]  # 'gone' left the company: not invited
    assert got["best_inviter"].tolist()[0] == "k" and pd.isna(got["best_inviter"].iloc[1])
    x = got.iloc[0]
    assert (x["n_messages"], x["people_reached"], x["days_inactive"]) == (10, 1, 173)
    # x posted on 10 consecutive days (rhythm 1 day, floored at 7): a break of 173 / 7 = 24.7 rhythms, capped at 10.
    assert x["break_ratio"] == 10.0
    assert x["score"] == pytest.approx(np.log1p(10) + np.log1p(1) + np.log1p(10) + np.exp(-173 / 365))
    assert "strongest active tie: 10 interactions" in x["reason"]
    # g has 2 active members and 2 messages in the last 90 days: idle, so x lapsed with it; y wrote once.
    assert got["cause"].tolist() == ["community", "one-off"]


def test_a_heavy_contributor_who_went_silent_is_invited_before_a_light_one_with_more_reach():
    # h wrote 20 posts in October and reached nobody; l wrote 2 in November, and ten colleagues (r0-r9, active
    # now) replied to the first. w, active now, wrote 15. Writers by posts and replies: 20, 15, then 2s: the top
    # 10% of 13 writers is 2 people, so heavy means 15 or more: h is a heavy contributor who went silent, l is not.
    rows = [(f"h{i}", f"h{i}", None, "g", "h", f"2025-10-{i + 1:02d}", True) for i in range(20)]
    rows += [("l0", "l0", None, "g", "l", "2025-11-01", True), ("l1", "l1", None, "g", "l", "2025-11-15", True)]
    rows += [(f"re{i}", "l0", "l0", "g", f"r{i}", "2025-11-02", False) for i in range(10)]
    rows += [(f"rn{i}", f"rn{i}", None, "g", f"r{i}", "2026-03-02", True) for i in range(10)]
    rows += [(f"w{i}", f"w{i}", None, "g", "w", f"2026-03-{i + 1:02d}", True) for i in range(15)]
    m = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    ids = ["h", "l", "w", *(f"r{i}" for i in range(10))]
    ds = Dataset(
        people=pd.DataFrame({"person_id": ids, "state": "active"}), groups=pd.DataFrame({"group_id": ["g"]}), messages=m.assign(is_private=False)
    ).validate()
    assert adoption.heavy_threshold(ds, as_of=AS_OF) == 15
    got = reactivate.invite_back(ds, as_of=AS_OF, inactive_days=90).set_index("person_id")
    # by the reach-weighted score l would lead: 137 days inactive in a rhythm of 14, log(3) + log(11) + log(1 + 137 / 14)
    # + e^(-137/365), against h's 163 days in a rhythm of 1 (floored at 7; 23 rhythms, capped at 10): log(21) + log(1)
    # + log(1 + 10) + e^(-163/365)
    assert got.loc["l", "score"] == pytest.approx(np.log1p(2) + np.log1p(10) + np.log1p(137 / 14) + np.exp(-137 / 365))
    assert got.loc["h", "score"] == pytest.approx(np.log1p(20) + np.log1p(0) + np.log1p(10) + np.exp(-163 / 365))
    assert got.loc["l", "score"] > got.loc["h", "score"]
    # but h's own rhythm broke: the silent heavy contributor is invited first
    assert got.index.tolist() == ["h", "l"] and got["rank"].tolist() == [1, 2]
    assert got["silent_heavy"].tolist() == [True, False]


def test_champions_are_at_most_a_tenth_of_the_people_active():
    individuals = pd.DataFrame(
        {
            "person_id": ["a", "b", "c"],
            "degree": [5, 9, 1],
            "cross_department_ties": [1, 0, 0],
            "replies_given": [2, 1, 0],
            "role": ["", "influencer", ""],
        }
    )
    # 14 people active: one champion (a tenth, at least one), the highest score: b (9 + 0 + 1 = 10) over a (5 + 2 + 2 = 9)
    got = reactivate.champions(individuals, [*"abc", *(f"x{i}" for i in range(11))])
    assert got["person_id"].tolist() == ["b"] and got["score"].tolist() == [10]
    # 30 active: up to three, but c has given no reply (no habit of responding): b and a; 300 active: still only those two
    assert reactivate.champions(individuals, [*"abc", *(f"x{i}" for i in range(27))])["person_id"].tolist() == ["b", "a"]
    assert len(reactivate.champions(individuals, [*"abc", *(f"x{i}" for i in range(297))])) == 2


def test_lapse_causes_tell_personal_from_community_from_one_off():
    # Group b stays busy (a1-a3 write 9 messages in March); group q went quiet in October.
    rows = [(f"b{i}", f"b{i}", None, "b", f"a{i % 3 + 1}", f"2026-03-{i + 1:02d}", True) for i in range(9)]
    rows += [(f"p1-{i}", f"p1-{i}", None, "b", "p1", f"2025-10-0{i + 1}", True) for i in range(3)]  # b carried on without p1
    rows += [(f"p2-{i}", f"p2-{i}", None, "q", "p2", f"2025-10-0{i + 1}", True) for i in range(3)]  # q went quiet with p2
    rows += [("p3-0", "p3-0", None, "b", "p3", "2025-10-01", True)]  # one post, ever
    rows += [(f"p4-{i}", f"p4-{i}", None, "b" if i < 2 else "q", "p4", f"2025-10-0{i + 1}", True) for i in range(5)]  # 3 of 5 in q
    m = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    ids = ["a1", "a2", "a3", "p1", "p2", "p3", "p4"]
    ds = Dataset(
        people=pd.DataFrame({"person_id": ids, "state": "active"}), groups=pd.DataFrame({"group_id": ["b", "q"]}), messages=m.assign(is_private=False)
    ).validate()
    lapsed = adoption.lapsed_people(ds, as_of=AS_OF).sort_values("person_id").reset_index(drop=True)
    assert lapsed["person_id"].tolist() == ["p1", "p2", "p3", "p4"]
    got = reactivate.lapse_causes(ds, lapsed, as_of=AS_OF)
    assert got.tolist() == ["personal", "community", "one-off", "community"]
    _, main = reactivate.lapse_causes(ds, lapsed, as_of=AS_OF, with_group=True)
    assert main.tolist() == ["b", "q", "b", "q"]  # p4 wrote 2 in b and 3 in q


def test_contact_lists_are_excel_safe_and_respect_opt_outs(tmp_path):
    ds = lapsed_world()
    table = reactivate.invite_back(ds, as_of=AS_OF)
    paths = reactivate.write_contact_lists(
        ds, {"invite-back": table[["rank", "person_id", "best_inviter", "reason"]]}, tmp_path, opt_outs=["X@C.com"]
    )
    got = pd.read_csv(paths[0], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert got["email"].tolist() == ["y@c.com"]  # x opted out
    assert got["name"].tolist() == ["'=Yuri"]  # a formula-looking name is neutralised
    assert "person_id" not in got.columns and not list(tmp_path.glob(".*"))


def test_contact_lists_give_the_references_the_reports_give_when_two_codes_clash(tmp_path):
    # The first two ids' references clash in their first eight characters (R3VKQ2C5): among all the
    # people each gets two more. A list naming only one of them must still show the longer one.
    ids = ["000000000009b62d", "00000000001fd3e8", "0a1b2c3d4e5f6a7b"]
    ds = Dataset(people=pd.DataFrame({"person_id": ids, "state": "active"}))
    table = pd.DataFrame({"rank": [1], "person_id": [ids[0]], "best_inviter": [ids[1]], "reason": ["x"]})
    (path,) = reactivate.write_contact_lists(ds, {"invite-back": table}, tmp_path)
    got = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert got[["ref", "inviter_ref"]].values.tolist() == [["P-R3VKQ2C5WI", "P-R3VKQ2C5DN"]]
    ctx = step_context(ds, tmp_path, name="Clash")
    assert ctx.person_labels([ids[0], ids[1], ids[2]]).tolist() == ["P-R3VKQ2C5WI", "P-R3VKQ2C5DN", "P-EQ4BOMTD"]


def test_contact_lists_of_a_client_without_names_or_emails(tmp_path):
    # A canonical export may carry no identities at all: the lists are written with the columns empty.
    ds = Dataset(people=pd.DataFrame({"person_id": ["a", "b"], "state": "active"}))
    table = pd.DataFrame({"rank": [1, 2], "person_id": ["a", "b"], "best_inviter": ["b", None], "reason": ["x", "y"]})
    (path,) = reactivate.write_contact_lists(ds, {"invite-back": table}, tmp_path, opt_outs=["x@c.com"])
    got = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert got[["rank", "name", "email", "inviter_name", "inviter_email"]].values.tolist() == [["1", "", "", "", ""], ["2", "", "", "", ""]]
    assert got["inviter_ref"].tolist() == ["P-X2GARELA", ""]  # base32 of sha256(b"esnkit-ref:b"), its first 8 characters


def campaign_world(effect: float, seed: int = 0) -> tuple[Dataset, list[str]]:
    """400 people active in any week with p = 0.2; the first 200 targeted, p = 0.2 + effect after 2026-03-01."""
    rng = np.random.default_rng(seed)
    n, weeks = 400, 16
    start = pd.Timestamp("2026-01-04", tz="UTC")  # 8 weeks before the campaign
    p = np.full((n, weeks), 0.2)
    p[:200, 8:] += effect
    active = rng.random((n, weeks)) < p
    who, week = np.nonzero(active)
    created = start + pd.to_timedelta(week * 7 + 3, unit="D") + pd.to_timedelta(rng.integers(0, 3600, len(who)), unit="s")
    ids = [f"p{i}" for i in range(n)]
    m = pd.DataFrame({"message_id": [f"m{i}" for i in range(len(who))], "author_id": np.array(ids)[who], "created_at": created})
    m = m.assign(thread_id=m["message_id"], is_thread_start=True, is_private=False, group_id="g")
    people = pd.DataFrame({"person_id": ids, "state": "active", "joined_at": "2025-01-01"})
    return Dataset(people=people, groups=pd.DataFrame({"group_id": ["g"]}), messages=m), ids[:200]


@pytest.mark.parametrize("effect", [0.0, 0.3])
def test_campaign_uplift_recovers_a_planted_effect(effect):
    ds, targeted = campaign_world(effect)
    got = reactivate.campaign_uplift(ds, targeted, start="2026-03-01", weeks=8)
    assert got["targeted"] == 200 and got["control"] == 200
    assert abs(got["uplift_active_rate"] - effect) <= 0.25 * max(effect, 0.2)
    assert got["ci_low"] <= effect <= got["ci_high"]
    assert got["uplift_messages_per_week"] == pytest.approx(got["uplift_active_rate"])  # one message per active week


def test_comms_targets_rank_low_adoption_and_many_never_active():
    got = reactivate.comms_targets(small_dataset(), as_of=AS_OF, min_group_size=1, by=("department",))
    expected = pd.DataFrame(
        {
            "attribute": ["department", "department"],
            "value": ["Y", "X"],
            "headcount": [3, 2],
            "never_active": [1, 0],
            "adoption_rate": [2 / 3, 1.0],
            "priority": [1 / 3, 0.0],
        }
    )
    assert_frame_equal(got, expected.astype({"value": "str"}))


def test_agreed_targets_must_be_attainable():
    with pytest.raises(ConfigError, match=r"target 1\.2 for interactive_share cannot be reached; it must be between 0 and 1"):
        planmod.parse_objectives([{"metric": "interactive_share", "target": 1.2, "deadline": "2027-01-31"}])
    with pytest.raises(ConfigError, match="cannot be reached"):
        planmod.parse_objectives([{"metric": "active_30", "target": -5, "deadline": "2027-01-31"}])


def test_a_response_rate_already_past_the_cap_is_proposed_as_held_not_from_a_value_to_itself():
    # Two threads in the 90 days to 2026-03-31, each answered by someone else: 100% answered. The rule
    # proposes +10 points capped at 95%, never below today: so the target is today's 100%.
    m = pd.DataFrame(
        {
            "message_id": ["1", "2", "3", "4"],
            "thread_id": ["1", "1", "3", "3"],
            "group_id": "g",
            "author_id": ["a", "b", "b", "a"],
            "created_at": ["2026-03-01 09:00", "2026-03-01 10:00", "2026-03-02 09:00", "2026-03-02 11:00"],
            "is_thread_start": [True, False, True, False],
            "is_private": False,
        }
    )
    ds = Dataset(people=pd.DataFrame({"person_id": ["a", "b"], "state": "active"}), groups=pd.DataFrame({"group_id": ["g"]}), messages=m).validate()
    got = {o["metric"]: o for o in planmod.propose_objectives(ds, as_of="2026-03-31", inactive_days=90, min_group_size=1)}
    assert got["response_rate"]["target"] == 1.0
    assert got["response_rate"]["reason"] == (
        "100.0% of threads are answered, at or above the 95% worth aiming for: keep it there, as an unanswered post is the fastest way to lose a contributor"
    )
    assert planmod.course("response_rate", 1.0, got["response_rate"]["target"], "2027-03-31") == "held at 100.0% until 2027-03-31"
    # a plan delivered on 7 June proposes a year from then, never from the data's as-of
    assert got["response_rate"]["deadline"] == dt.date(2027, 3, 31)
    later = planmod.propose_objectives(ds, as_of="2026-03-31", inactive_days=90, min_group_size=1, delivered_on=dt.date(2026, 6, 7))
    assert {o["deadline"] for o in later} == {dt.date(2027, 6, 30)}


def test_a_verdict_is_decided_on_the_changes_as_they_print():
    # Legal: needs 0.096 / 12 = +0.8 points a month; the trend is +0.396 points, printed +0.4: twice
    # the printed pace is a stretch (unrounded, 0.8 / 0.396 is more than twice: 'unrealistic' before)
    assert planmod.feasibility(0.5, 0.596, 12, 0.00396, kpi_id="cross_department_share") == ("stretch", 0.008)
    assert planmod.feasibility(0.5, 0.596, 12, 0.00396)[0] == "unrealistic"
    assert (planmod.display_change("response_rate", 0.008), planmod.display_change("response_rate", 0.00396)) == ("+0.8 points", "+0.4 points")
    # counts: 7 / 12 prints +0.6 against a trend of +0.55 printed +0.6: realistic as printed
    assert planmod.feasibility(21, 28, 12, 0.55, kpi_id="active_30")[0] == "realistic"
    assert planmod.feasibility(21, 28, 12, 0.55)[0] == "stretch"


def test_feasibility_against_a_falling_trend_and_without_one():
    assert planmod.feasibility(19, 19, 12, -1.0)[0] == "stretch"  # holding steady against a fall
    assert planmod.feasibility(19, 18, 12, -1.0)[0] == "stretch"  # giving up less than the trend takes
    assert planmod.feasibility(19, 7, 12, -1.0)[0] == "realistic"  # where the trend ends
    assert planmod.feasibility(19, 25, 12, -1.0)[0] == "unrealistic"
    assert planmod.feasibility(19, 25, 12, 0.0)[0] == "unrealistic"
    assert planmod.feasibility(19, 25, 12, float("nan")) == ("no trend yet", 0.5)


def test_best_sustained_change_is_the_trend_of_the_one_model():
    assert planmod.best_sustained_change(pd.Series([1.0, 0, 2, 3, 3, 6])) == pytest.approx(1.0)  # y = x + noise orthogonal to x
    nan = float("nan")
    assert planmod.best_sustained_change(pd.Series([4.0, nan, nan, 7, nan, nan, 10, nan, nan, 13])) == pytest.approx(1.0)
    assert np.isnan(planmod.best_sustained_change(pd.Series([4.0, nan, nan, 7, nan, nan, 10])))  # three quarters


def test_a_rising_network_is_proposed_its_benchmarks_and_the_plan_calls_them_realistic(tmp_path):
    # active in 30 days: 10, 11, ... 21 (April 2025 to March 2026); April is on the ramp, so the trend
    # is May to March: +1 a month exactly, forecast 21 + 12 = 33 by 2027-03-31
    ctx = step_context(trend_dataset(list(range(10, 22))), tmp_path)
    p = planmod.build_plan(ctx)
    t = p.objectives.set_index("metric")
    active = t.loc["active_30"]
    assert (active["baseline"], active["target"], active["trend_monthly_change"], active["forecast_at_deadline"]) == (21.0, 28.0, 1.0, 33.0)
    assert (active["required_monthly_change"], active["feasibility"]) == (pytest.approx(7 / 12, abs=1e-6), "realistic")
    assert "step change" not in active["reason"]
    inter = t.loc["interactive_share"]  # 16/40 .. 21/40 from October (the 180-day window is whole from 2025-10-11)
    assert (inter["baseline"], inter["target"], inter["feasibility"]) == (0.525, 0.575, "realistic")
    assert inter["trend_monthly_change"] == pytest.approx(0.025)
    assert "unrealistic" not in set(t["feasibility"])


def test_a_falling_network_is_never_proposed_what_the_plan_calls_unrealistic(tmp_path):
    # active in 30 days: 30, 29, ... 19: -1 a month; the benchmark 19 x 1.3 -> 25 would need +0.5 a month
    ctx = step_context(trend_dataset(list(range(30, 18, -1))), tmp_path)
    p = planmod.build_plan(ctx)
    t = p.objectives.set_index("metric")
    assert "unrealistic" not in set(t["feasibility"]), t[["target", "feasibility"]]
    active = t.loc["active_30"]
    assert (active["target"], active["feasibility"], active["forecast_at_deadline"]) == (19.0, "stretch", 7.0)
    assert active["reason"] == (
        # the target beside it is 19: the benchmark's course is the ambition, not the target
        "the ambition: from 19 to 25 people active in 30 days: momentum back; on its trend (-1 a month) the most to ask for by "
        "2027-03-31 is to hold 19: the ambition would need a step change of +6 on top of it (step 3's reactivation campaign, sized to it)"
    )
    # interactive share 29/40 .. 24/40 from October: -2.5 points a month; 60.0% + 5 points is held at 60.0%
    assert (t.loc["interactive_share", "target"], t.loc["interactive_share", "feasibility"]) == (0.6, "stretch")
    # nobody answers: 0% answered, flat; 70% is held at 0.0% rather than called unrealistic
    assert (t.loc["response_rate", "target"], t.loc["response_rate", "feasibility"]) == (0.0, "realistic")
    assert "the ambition would need a step change of +70.0 points" in t.loc["response_rate", "reason"]


def test_proposed_targets_stay_below_100_percent_within_the_people_registered_and_the_live_communities(tmp_path):
    # 28 .. 39 of 40 people active: the interactive share is 39/40 = 97.5%; +5 points would be 100%
    ds = trend_dataset(list(range(28, 40)))
    got = {o["metric"]: o for o in planmod.propose_objectives(ds, as_of=AS_OF, inactive_days=90, min_group_size=1)}
    assert got["interactive_share"]["target"] == 0.975  # held where it is, not 100%
    assert got["active_30"]["target"] == 40.0  # 39 x 1.3 = 51 is more people than are registered
    assert got["response_rate"]["target"] < 1.0
    # one community, stable (no answers: not thriving): 0 healthy + 2 is more communities than there are
    assert got["healthy_communities"]["target"] == 1.0


def test_a_segment_objective_names_its_segment_in_its_label(tmp_path):
    ds = trend_dataset(list(range(10, 22)), departments=["Legal", "Sales"])
    objective = {"id": "legal", "metric": "active_30", "segment": {"department": "Legal"}, "target": 14, "deadline": "2027-03-31"}
    p = planmod.build_plan(step_context(ds, tmp_path, objectives=(objective,)))
    assert p.objectives["objective"].tolist() == ["People active in the last 30 days, Legal"]
    assert planmod.objective_title(next(p.objectives.itertuples()), as_of=p.as_of).startswith(
        "People active in the last 30 days, Legal: 11 to 14 by 2027-03-31"
    )
    assert p.alignment["objective"].tolist() == ["People active in the last 30 days, Legal"]
    assert planmod.plan_summary(p, client="Acme").count("People active in the last 30 days, Legal") == 1


def test_people_who_lapsed_with_a_community_are_counted_only_where_it_went_quiet(tmp_path):
    from esnkit.steps import sustain

    # b stays busy in March; q1, q2 and q3 went quiet in October. p wrote 2 in b and 1 in each of q1-q3:
    # most of what p did (3 of 5) was in communities now quiet, so p lapsed with them ("community"),
    # though the one community p wrote most in, b, carried on: b is not a community p lapsed with.
    rows = [(f"b{i}", f"b{i}", None, "b", f"a{i % 3 + 1}", f"2026-03-{i + 1:02d}", True) for i in range(9)]
    rows += [("p0", "p0", None, "b", "p", "2025-10-01", True), ("p1", "p1", None, "b", "p", "2025-10-02", True)]
    rows += [(f"pq{i}", f"pq{i}", None, f"q{i}", "p", f"2025-10-0{i + 3}", True) for i in (1, 2, 3)]
    rows += [(f"r{i}", f"r{i}", None, "q1", "r", f"2025-10-1{i}", True) for i in range(3)]  # r wrote only in q1, which went quiet
    m = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    ds = Dataset(
        people=pd.DataFrame({"person_id": ["a1", "a2", "a3", "p", "r"], "state": "active"}),
        groups=pd.DataFrame({"group_id": ["b", "q1", "q2", "q3"], "name": ["B", "Q1", "Q2", "Q3"]}),
        messages=m.assign(is_private=False),
    ).validate()
    ib = reactivate.invite_back(ds, as_of=AS_OF)
    got = ib.set_index("person_id")[["cause", "main_group_id"]].sort_index().values.tolist()
    assert got == [["community", "b"], ["community", "q1"]]
    tri = sustain.build_sustain(step_context(ds, tmp_path)).triage.set_index("group_id")
    assert tri["lapsed_with_it"].to_dict() == {"b": 0, "q1": 1, "q2": 0, "q3": 0}
    assert tri.loc["b", "status"] not in reactivate.QUIET
