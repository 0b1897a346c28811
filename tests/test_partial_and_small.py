"""Issue 42 item 2: a history that starts part-way, and a network of 50 people, each worked by hand.

The shapes are in tests/shapes.py (``history starts part-way``, ``50 people``); their docstrings say
what happened when, from which every answer below is worked.
"""

import datetime as dt
import re

import pandas as pd
import pytest
from helpers import AS_OF, step_context
from pandas.testing import assert_frame_equal
from shapes import SHAPES, client_folder, fifty_people, history_starts_part_way

from esnkit.audit import audit
from esnkit.config import ClientPaths
from esnkit.metrics import adoption, communities, kpis, network
from esnkit.profile import complete_history_from, data_profile, history_start, newcomers_from, ranked_count
from esnkit.run import run_client
from esnkit.steps import assess, reactivate, report, sustain


def _utc(text):
    return pd.Timestamp(text, tz="UTC")


def _complete(ds, since: str):
    """``ds`` as a step opens it when client.yml says the complete history starts on ``since``."""
    ds = ds.replace()
    ds.meta.history_complete_from = since
    return ds


# -- where the complete history starts ------------------------------------------------------------


def test_a_window_of_an_older_network_is_a_partial_history_from_the_next_full_month():
    p = data_profile(history_starts_part_way())
    # twelve people registered one a month through 2024, all over 30 days before 10 December 2025
    assert (p.first_message, p.complete_from, p.partial_history) == (dt.date(2025, 12, 10), dt.date(2026, 1, 1), True)
    # and both its communities were made in 2024, over a quarter before anyone wrote in them
    assert p.complete_reason == (
        "the export starts part-way through the network's history: 2 of its 2 communities were created before its first message; "
        "100% of its people registered before its first message"
    )
    assert history_start(history_starts_part_way()) == _utc("2026-01-01")
    # the newcomer cut: the complete history (1 January) or 90 days after the first message (10 March), the later
    assert newcomers_from(history_starts_part_way(), 90) == _utc("2026-03-10")


def test_client_yml_overrides_the_detected_start_and_travels_with_the_dataset():
    ds = _complete(history_starts_part_way(), "2025-12-10")
    assert not data_profile(ds).partial_history and history_start(ds) is None and newcomers_from(ds, 90) is None
    assert data_profile(ds).complete_reason == "set in client.yml (history_complete_from)"


def test_accounts_provisioned_at_once_ahead_of_the_launch_are_no_sign_of_a_missing_history():
    first = _utc("2026-01-08")
    none = pd.Series([], dtype="datetime64[us, UTC]")
    at_once = pd.Series([_utc("2025-10-01")] * 20)
    over_months = pd.Series([_utc(f"2025-{m:02d}-01") for m in (6, 7, 8, 9, 10)] * 4)
    assert complete_history_from(first, group_created=none, joined=at_once, early_replies=0, early_orphans=0)[0] == first
    assert complete_history_from(first, group_created=none, joined=over_months, early_replies=0, early_orphans=0)[0] == _utc("2026-02-01")


def test_orphan_replies_are_a_sign_only_when_commoner_in_the_first_month_than_later():
    first, none = _utc("2026-01-08"), pd.Series([], dtype="datetime64[us, UTC]")

    def start(early, orphans, later, later_orphans):
        return complete_history_from(
            first, group_created=none, joined=none, early_replies=early, early_orphans=orphans, later_replies=later, later_orphans=later_orphans
        )[0]

    assert start(378, 12, 6000, 0) == _utc("2026-02-01")  # 3.2% in the first month, none later: cut off where it begins
    assert start(378, 12, 6000, 120) == first  # 2% later too (deleted messages orphan replies anywhere): 3.2% is not 3 times it
    assert start(100, 2, 6000, 0) == first  # fewer than 3


# -- community status ----------------------------------------------------------------------------


COLUMNS = ["name", "messages_q0", "messages_q1", "active_members", "compared", "trend", "newcomer_share", "status"]


def test_a_quarter_against_one_the_data_hold_only_part_of_calls_no_community_growing():
    # q0 is 1 January - 31 March 2026, q1 from 3 October: it begins before the complete history (1 January).
    # Busy club: Wednesdays 7 January - 25 March in q0 (12 x 2 messages), 10-31 December in q1 (4 x 2); six active
    # members, every thread answered: busy, so thriving (steadiness unknown). Quiet corner: 6 threads of 2 and p11's
    # thread answered by p6 in q0 (14), 2 threads of 2 and p9's post in q1 (5); p6, p7, p8, p11 active: new in these data.
    # p11 first posted on 20 March, after the newcomer cut (10 March): one newcomer of four; p5's first reply in the
    # club (7 January) is before it.
    sc = communities.community_scorecard(history_starts_part_way(), as_of=AS_OF)
    expected = pd.DataFrame(
        {
            "name": ["Busy club", "Quiet corner"],
            "messages_q0": [24, 14],
            "messages_q1": [8, 5],
            "active_members": [6, 4],
            "compared": [False, False],
            "trend": [float("nan")] * 2,
            "newcomer_share": [0.0, 0.25],
            "status": ["thriving", "new"],
        }
    )
    assert_frame_equal(sc[COLUMNS], expected, check_dtype=False)
    assert sc["rule"].tolist() == [
        "24 messages from 6 active members, 100% of threads answered",
        "new in these data: the complete history is too short to compare the last 90 days with the 90 before",
    ]
    assert set(sc["status"]) <= set(communities.STATUSES)


def test_with_the_history_complete_the_same_quarters_are_compared():
    # client.yml says the history is complete from the first message: 24 against 8 is +200%, 14 against 5 +180%
    sc = communities.community_scorecard(_complete(history_starts_part_way(), "2025-12-10"), as_of=AS_OF)
    assert sc[["name", "compared", "status"]].values.tolist() == [["Busy club", True, "growing"], ["Quiet corner", True, "growing"]]
    assert sc["rule"].tolist() == ["messages up +200% on the previous 90 days", "messages up +180% on the previous 90 days"]
    assert sc["trend"].round(2).tolist() == [2.0, 1.8]
    # newcomers from the first day when the history is complete: p5 first answered in the club on 7 January (one of
    # six; in the partial history, before the cut, none), p11 in the corner on 20 March
    assert sc["newcomer_share"].tolist() == [1 / 6, 0.25]


def test_a_community_made_inside_the_complete_history_is_compared():
    ds = history_starts_part_way()
    groups = ds.groups.assign(created_at=pd.to_datetime(["2024-02-01", "2026-01-05"], utc=True))
    sc = communities.community_scorecard(ds.replace(groups=groups), as_of=AS_OF).set_index("name")
    assert sc.loc["Quiet corner", "compared"] and sc.loc["Quiet corner", "status"] == "growing"
    assert not sc.loc["Busy club", "compared"]


def test_no_community_moves_against_a_quarter_the_data_hold_only_part_of():
    sc = communities.community_scorecard(history_starts_part_way(), as_of=AS_OF)
    risk = pd.DataFrame(columns=["person", "department", "contributions_before", "contributions_now"])
    assert report.movers(sc, risk).empty
    whole = communities.community_scorecard(_complete(history_starts_part_way(), "2025-12-10"), as_of=AS_OF)
    assert report.movers(whole, risk)["who"].tolist() == ["Busy club", "Quiet corner"]


# -- the busiest month, newcomers, trends ----------------------------------------------------------


def test_the_peak_is_sought_inside_the_complete_history_and_no_launch_is_named():
    # people active: December 9 (p0-p4 in the club, p6-p9 in the corner), January 8, February 8, March 9
    ds = history_starts_part_way()
    monthly = adoption.monthly_active(ds, as_of=AS_OF)
    assert monthly["active"].tolist() == [9, 8, 8, 9]
    whole = adoption.growth_summary(monthly)
    assert (str(whole["peak_month"]), str(whole["launch_month"]), whole["since_month"]) == ("2025-12", "2025-12", None)
    part = adoption.growth_summary(monthly, since=history_start(ds))
    assert (str(part["peak_month"]), part["peak_active"], part["launch_month"], str(part["since_month"])) == ("2026-03", 9, None, "2026-01")


def test_step_1_says_busiest_since_the_complete_history_and_counts_the_new_communities(tmp_path):
    ctx = step_context(history_starts_part_way(), tmp_path)
    a = assess.assess(ctx)
    text = str(assess.summary_markdown(a, client="Acme"))
    assert "**March 2026 is the busiest month since January 2026, where these data's complete history begins**" in text
    assert "busiest month so far" not in text and not re.search(r"\blaunch", text)
    assert "**1 of 2 communities are thriving** and 0 growing;" in text
    assert "1 is new in these data (its history is too short to say where it is heading)." in text
    # the chart marks its peak inside the complete history: December is before it
    assert a.monthly["complete"].tolist() == [False, True, True, True]


def test_newcomers_in_a_partial_history_are_those_first_seen_past_its_first_inactive_days():
    ds = history_starts_part_way()
    # pairs first seen: the club's six in December-January, the corner's p6-p9 in December-January, p11 on 20 March;
    # the cut is 10 March (90 days after 10 December): p11 alone, who wrote once
    got = sustain.newcomer_funnel(ds, as_of=AS_OF)
    assert got[["stage", "newcomers"]].values.tolist() == [["first message", 1], ["second message", 0], ["regular contributor", 0]]
    assert sustain.newcomer_funnel(ds, as_of=AS_OF, inactive_days=30)["newcomers"].tolist() == [1, 0, 0]  # the cut: 1 January, p11 still
    whole = sustain.newcomer_funnel(_complete(ds, "2025-12-10"), as_of=AS_OF)
    # p9 and p11 wrote once; p5 (January and February in the club) wrote in two months, everyone else in three or more
    assert whole["newcomers"].tolist() == [11, 9, 8]
    # p11's thread, answered by p6 two hours on, is the only newcomer post
    welcome = sustain.newcomer_welcome(ds, as_of=AS_OF)
    assert welcome.values.tolist() == [["g2", 1, 1.0, 1.0]]


def test_trends_fit_only_windows_inside_the_complete_history():
    ds = history_starts_part_way()
    # 30-day KPI: settled 29 days after the complete history starts (1 January), not after the first message
    since = kpis._trend_options(ds, "active_30", None, AS_OF, 90)["since"]
    assert since == pd.Timestamp("2026-01-30")
    whole = kpis._trend_options(_complete(ds, "2025-12-10"), "active_30", None, AS_OF, 90)["since"]
    assert whole == pd.Timestamp("2026-01-08")


# -- a small network -------------------------------------------------------------------------------


def test_ranked_lists_hold_a_share_of_a_small_networks_people():
    assert [ranked_count(n, 20) for n in (50_000, 200, 199, 50, 14, 3)] == [20, 20, 19, 5, 1, 1]
    assert [ranked_count(n, 15) for n in (50_000, 150, 50)] == [15, 15, 5]


def test_in_fifty_people_only_who_brokers_is_a_key_individual_and_champions_respond(tmp_path):
    ds = fifty_people()
    ctx = step_context(ds, tmp_path)
    individuals = network.key_individuals(ds, as_of=AS_OF)
    # p0's thread in March is reacted to by p20-p29 and answered by p10: p0 alone stands between others
    assert individuals.loc[individuals["betweenness"] > 0, "person_id"].tolist() == ["p0"]
    shown = assess.key_individuals_shown(ctx, individuals)
    assert shown["person_id"].tolist() == ["p0"] and shown["brokerage_rank"].tolist() == [1]
    assert len(assess.key_people_table(ctx, individuals)) == 1
    # connectors: at most a tenth of the 31 people in the graph (3), and none without brokerage
    connectors = individuals[individuals["role"] == "connector"]
    assert connectors["person_id"].tolist() == ["p0"]
    # 30 people active in 90 days (p0-p19 wrote, p20-p29 reacted): at most 3 champions, each with a reply given;
    # p0 reached 11 people but answered no one; p10-p19 each gave 6 replies to one person: the first three by id
    r = reactivate.build_reactivation(ctx)
    assert r.champions["person_id"].tolist() == ["p10", "p11", "p12"]
    assert (r.champions["replies_given"] >= 1).all() and len(r.champions) <= 30 // 10
    assert r.people == 50


def test_the_invite_back_list_is_cut_to_a_tenth_of_a_small_network():
    rows = pd.DataFrame({"person_id": [f"q{i}" for i in range(12)], "cause": "personal"})
    r = reactivate.Reactivation(*([pd.DataFrame()] * 4), 0, pd.DataFrame(), [], 12, pd.DataFrame(), pd.DataFrame(), people=50)
    r.invite_back = rows
    assert reactivate.invite_back_listed(r)["person_id"].tolist() == ["q0", "q1", "q2", "q3", "q4"]
    r.people = 5_000
    assert len(reactivate.invite_back_listed(r)) == 12


# -- every step and the audit on both shapes -------------------------------------------------------


@pytest.mark.parametrize("shape", ["history starts part-way", "50 people"])
def test_the_deliverables_of_both_shapes_are_true_to_them_and_audit_clean(tmp_path, shape):
    paths = ClientPaths(client_folder(tmp_path / "client", SHAPES[shape]()))
    written = run_client(paths, formats=("html",), progress=lambda s: None)
    pages = {p.stem: p.read_text().split("<body", 1)[1] for p in written if p.suffix == ".html"}
    assert audit(paths) == []
    words = re.sub(r"<[^>]+>", " ", "\n".join(pages.values()))
    words = " ".join(words.split())
    if shape == "history starts part-way":
        assert "The complete history starts on 1 January 2026" in words
        # as of 28 February (March is not complete): January's 8 and February's 8, December left out
        assert "held 0% from their peak in January 2026" in words.replace("( ", "(").replace(" )", ")")
        assert "complete calendar months since January 2026, where these data's complete history begins" in words
        assert not re.search(r"messages up \+\d", words)  # no community compared with a quarter the data hold part of
    else:
        assert "A small network (50 people counted)" in words
        # as of 28 February (March is not complete): p0-p19 active, so two champions, p10 and p11 (a reply each);
        # the 5 March reactions that made p0 a broker are after it, so no one is a key individual, and the page says why
        assert re.search(r"\b2 champions\b", words), "two champions of the 20 active"
        assert "No one links people who are not otherwise in touch" in words
