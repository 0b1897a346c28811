"""The explorer (issue 48): one refresh at a time, the drill-down and time controls, privacy against differencing."""

import re
import threading

import matplotlib.pyplot as plt
import pandas as pd
from helpers import AS_OF, small_dataset

import esnkit.widgets as widgets
from esnkit import Dataset
from esnkit.widgets import Explorer


def tiles_of(ex) -> dict[str, str]:
    return {label.split(":")[0]: value for value, label in re.findall(r'<div class="v">([^<]*)</div><div class="l">([^<]*)</div>', ex.tiles.value)}


def one_view_on_screen(ex) -> bool:
    """The output area holds exactly what the last refresh showed: one view, no leftover chart, no open figure."""
    kinds = ["figure" if "image/png" in o["data"] else o["data"]["text/html"] for o in ex.output.outputs]
    return kinds == ex.shown and plt.get_fignums() == []


# -- one refresh at a time -----------------------------------------------------------------------


def test_a_change_during_a_refresh_supersedes_it_and_the_output_holds_one_view(monkeypatch):
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1)
    entered, release, calls = threading.Event(), threading.Event(), []

    def slow_personas(ds, as_of, floor, freq):
        calls.append("personas")
        entered.set()
        release.wait(10)
        return pd.DataFrame({"persona": ["Engager"], "people": pd.array([3], dtype="Int64")})

    monkeypatch.setitem(widgets.METRIC_VIEWS, "Personas", (slow_personas, None))
    before = ex.refreshes
    worker = threading.Thread(target=lambda: setattr(ex.metric, "value", "Personas"))
    worker.start()
    assert entered.wait(10)
    ex.metric.value = "Monthly active people"  # while Personas is being computed
    assert ex.refreshes == before  # returned at once: nothing drawn beside the refresh under way
    release.set()
    worker.join(10)
    # Personas was overtaken: never published; the newest state (Monthly active) drawn once, alone
    assert calls == ["personas"] and ex.refreshes == before + 1
    assert ex.metric.value == "Monthly active people" and ex.table["active"].tolist() == [2, 1, 3]
    assert ex.shown[0] == "figure" and len(ex.shown) == 2 and "Engager" not in ex.shown[1]
    assert one_view_on_screen(ex) and len(re.findall(r"\(\d+\.\d\d s\)", ex.status.value)) == 1


def test_every_refresh_replaces_the_output_whole_and_closes_its_figures():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1)
    for view in widgets.METRIC_VIEWS:
        ex.metric.value = view
        assert one_view_on_screen(ex), view
    ex.community.value = "g1"
    assert one_view_on_screen(ex) and len(ex.shown) >= 2  # the community's summary, then the view


def test_reset_after_a_quick_range_refreshes_once():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1)
    n = ex.refreshes
    ex.quick.value = "28 days"
    assert ex.refreshes == n + 1  # the range and the slider it moves: one refresh
    ex.departments.value = ("Y",)
    ex.metric.value = "Personas"
    ex.granularity.value = "W"  # Personas does not use "By": no refresh
    n = ex.refreshes
    ex.reset()
    assert ex.refreshes == n + 1
    assert (ex.quick.value, ex.date_range.value, ex.departments.value, ex.metric.value) == (
        "all",
        ("2026-01", "2026-03"),
        (),
        "Monthly active people",
    )
    assert ex.table["active"].tolist() == [2, 1, 3]


# -- the drill-down and time ---------------------------------------------------------------------


def test_a_community_drill_down_scopes_every_view_the_tiles_and_the_status_line():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1)
    # the whole network: a, b, c, d active in the 90 days to 31 March (z is a bot); 4 of 5 registered interacted
    assert tiles_of(ex)["People active in the last 90 days"] == "4"
    assert tiles_of(ex)["Registered people who interacted in the last 6 months"] == "80.0%"
    ex.community.value = "g1"  # Group One: a, b (January), c (February); 4 messages
    table = ex.table.set_index(ex.table["month"].astype("str"))
    # active over Group One's own 3 people, not the network's 5
    assert table["registered"].tolist() == [3, 3, 3] and table["active"].tolist() == [2, 1, 0]
    assert table["active_rate"].round(3).tolist() == [0.667, 0.333, 0.0]
    assert tiles_of(ex)["People active in the last 90 days"] == "3"
    assert tiles_of(ex)["Registered people who interacted in the last 6 months"] == "100.0%"
    # its threads: 1 (answered by b), 4 (c's, unanswered)
    assert tiles_of(ex)["Threads answered (last 90 days)"] == "50.0%"
    assert "Inside Group One: its 3 people" in ex.tiles.value
    assert ex.status.value.startswith("3 people and 4 messages in Group One from 2026-01-01 to 2026-03-31.")
    ex.metric.value = "Community status"  # Group One alone, not Group Two as "dormant"
    assert ex.table["name"].tolist() == ["Group One"] and ex.table["status"].tolist() == ["idle"]
    assert "group_id" not in ex.shown[-1]


def test_a_quick_range_moves_the_slider_and_keeps_a_custom_range():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1)
    ex.quick.value = "28 days"  # 4-31 March
    assert ex.date_range.value == ("2026-03", "2026-03") and "from 2026-03-04 to 2026-03-31" in ex.status.value
    ex.quick.value = "year"  # back to the first month of data
    assert ex.date_range.value == ("2026-01", "2026-03")
    ex.date_range.value = ("2026-01", "2026-02")  # the consultant's own months
    assert ex.quick.value == "custom" and ex.table["active"].tolist() == [2, 1]
    ex.quick.value = "28 days"
    assert ex.date_range.value == ("2026-03", "2026-03")
    assert "Your months (2026-01 to 2026-02) are kept under \u201ccustom\u201d" in ex.status.value
    ex.quick.value = "custom"  # brings them back
    assert ex.date_range.value == ("2026-01", "2026-02") and ex.table["active"].tolist() == [2, 1]


def test_by_refreshes_only_the_view_that_uses_it():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=1)
    n = ex.refreshes
    ex.granularity.value = "W"
    assert ex.refreshes == n and ex.granularity.disabled
    ex.metric.value = "Active people (by day, week or month)"
    assert not ex.granularity.disabled and ex.table["period"].tolist()[0] == "2026-01-05/2026-01-11"  # the week chosen before
    n = ex.refreshes
    ex.granularity.value = "M"
    assert ex.refreshes == n + 1 and ex.table["period"].tolist() == ["2026-01", "2026-02", "2026-03"]


def september_dataset() -> Dataset:
    """Eight people who joined in 2026; five of them post on 10 September 2026, two on 20 August."""
    people = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(8)],
            "department": ["D"] * 8,
            "state": ["active"] * 8,
            "joined_at": ["2026-01-01"] * 8,
            "is_bot": [False] * 8,
            "is_external": [False] * 8,
        }
    )
    rows = [(f"s{i}", f"s{i}", None, "g", f"p{i}", "2026-09-10 10:00", True) for i in range(5)]
    rows += [(f"a{i}", f"a{i}", None, "g", f"p{i}", "2026-08-20 10:00", True) for i in range(2)]
    messages = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    messages["is_private"] = False
    groups = pd.DataFrame({"group_id": ["g"], "name": ["General"], "kind": ["community"]})
    return Dataset(people=people, groups=groups, messages=messages).validate()


def test_28_days_inside_september_is_a_partial_month():
    ex = Explorer(september_dataset(), as_of="2026-09-30", min_group_size=1)
    ex.quick.value = "28 days"  # 3-30 September
    assert ex.table["month"].astype("str").tolist() == ["2026-09"] and ex.table["active"].tolist() == [5]
    assert ex.table["partial"].tolist() == [True]
    title = ex.figure.axes[0].get_title().replace("\n", " ")
    assert "3\u201330 September 2026 only, a partial month" in title and "the most so far" not in title
    ex.quick.value = "all"  # August and September, both whole
    assert ex.table["partial"].tolist() == [False, False]


def test_with_one_department_the_department_network_says_why_it_is_empty():
    ex = Explorer(september_dataset(), as_of="2026-09-30", min_group_size=1)
    ex.metric.value = "Network: departments"
    assert ex.table.empty
    assert any("one department (D)" in s and "nothing to draw" in s for s in ex.shown)


# -- privacy -------------------------------------------------------------------------------------


def facilities_dataset() -> Dataset:
    """Fourteen people: Facilities p0-p7 in Berlin (p0-p5 grade G1, p6-p7 G5); Operations p8-p13 (p8-p10 Berlin, p11-p13 Paris), G1.

    Everyone posts once in March 2026; p6 twice. With a floor of 3, G5 (2 people) is never offered.
    """
    n = 14
    people = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(n)],
            "department": ["Facilities"] * 8 + ["Operations"] * 6,
            "location": ["Berlin"] * 11 + ["Paris"] * 3,
            "grade": ["G1"] * 6 + ["G5"] * 2 + ["G1"] * 6,
            "state": ["active"] * n,
            "joined_at": ["2026-01-01"] * n,
            "is_bot": [False] * n,
            "is_external": [False] * n,
        }
    )
    authors = [f"p{i}" for i in range(n)] + ["p6"]
    rows = [(f"m{i}", f"m{i}", None, "g", who, f"2026-03-{1 + i:02d} 10:00", True) for i, who in enumerate(authors)]
    messages = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"])
    messages["is_private"] = False
    groups = pd.DataFrame({"group_id": ["g"], "name": ["General"], "kind": ["community"]})
    return Dataset(people=people, groups=groups, messages=messages).validate()


def test_no_two_selections_shown_differ_by_fewer_people_than_the_floor(tmp_path):
    ex = Explorer(facilities_dataset(), as_of="2026-03-31", min_group_size=3, exports=tmp_path)
    assert ex.filters["grade"].options == ("G1",)  # G5's 2 people are never offered
    ex.departments.value = ("Facilities",)  # 8 people; the 6 others make a group of 6
    assert ex.hidden is None and ex.status.value.startswith("8 people")
    ex.locations.value = ("Berlin",)  # Facilities and Berlin: the same 8 people
    assert ex.hidden is None and ex.status.value.startswith("8 people")
    ex.filters["grade"].value = ("G1",)  # p0-p5: 6 people, but Facilities shown minus them is G5's 2
    assert ex.hidden is not None and "differ from a selection already shown" in ex.status.value
    assert ex.table.empty and ex.tiles.value == "" and len(ex.shown) == 1 and ex.figure is None
    assert "2 people" not in ex.status.value  # the notice does not tell the size of the small group
    assert ex.export() == [] and list(tmp_path.iterdir()) == [] and ex.status.value.startswith("<b>Nothing exported:</b>")
    ex.filters["grade"].value = ()
    ex.departments.value = ("Operations",)  # Operations and Berlin: p8-p10, 3 people; all Berlin shown had 8 more
    assert ex.hidden is None and ex.status.value.startswith("3 people")
    ex.locations.value = ()  # Operations: 6 people; apart from Operations+Berlin by Paris's 3
    assert ex.hidden is None and ex.status.value.startswith("6 people")
    ex.departments.value = ()
    ex.filters["grade"].value = ("G1",)  # G1: 12 people, the whole network shown minus them is G5's 2
    assert ex.hidden is not None
    ex.filters["grade"].value = ()  # the whole network again: shown
    assert ex.hidden is None and ex.status.value.startswith("14 people")
    assert [p.suffix for p in sorted(ex.export())] == [".csv", ".png"]


def test_export_under_the_floor_writes_nothing_and_says_why(tmp_path):
    ex = Explorer(facilities_dataset(), as_of="2026-03-31", min_group_size=4, exports=tmp_path)
    ex.departments.value = ("Operations",)  # 6 people
    ex.locations.value = ("Berlin",)  # Operations and Berlin: p8-p10, 3 people, under a floor of 4
    assert "Fewer than 4 people" in ex.status.value and ex.table.empty
    assert ex.export() == [] and list(tmp_path.iterdir()) == []
    assert "Nothing exported" in ex.status.value and "Fewer than 4 people" in ex.status.value
    ex.locations.value = ()  # Operations again: exported
    assert [p.suffix for p in sorted(ex.export())] == [".csv", ".png"]


def test_persona_counts_and_key_people_under_the_floor_are_not_shown():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=3)
    ex.metric.value = "Personas"  # of a, b, c, d, e: 3 engagers; the other personas are held by 1 or 2
    counts = dict(zip(ex.table["persona"], ex.table["people"]))
    assert counts.pop("Engager") == 3 and counts and all(pd.isna(v) for v in counts.values())
    assert any("fewer than 3" in s for s in ex.shown)
    ex.metric.value = "Key people (network)"  # a and b are X's only two people: never listed; c and d (Y, 3 people) are
    assert sorted(ex.table["person_id"]) == ["c", "d"] and ex.table["brokerage_rank"].tolist() == [1, 2]


def test_a_community_is_a_selection_held_to_the_floor_too():
    ex = Explorer(small_dataset(), as_of=AS_OF, min_group_size=3)
    ex.community.value = "g1"  # a, b, c: 3 people, but the network shown before minus them is d and e
    assert ex.hidden is not None and ex.tiles.value == "" and ex.community_table.empty
    ex.community.value = "g2"  # a, c, d (z is a bot): the network minus them is b and e
    assert ex.hidden is not None
    ex.community.value = ""
    assert ex.hidden is None and len(ex._shown_selections) == 1  # the whole network, remembered once
