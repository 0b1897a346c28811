"""Every plot draws its metric's table: the data on the Axes, its title, axis labels and legend (not pixels)."""

import matplotlib

matplotlib.use("Agg")

import re

import numpy as np
import pandas as pd
import pytest

from esnkit import plots


def months(*texts):
    return pd.Series(pd.PeriodIndex(list(texts), freq="M"))


def legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []


def bar_heights(ax):
    return [p.get_height() for p in ax.patches]


def bar_widths(ax):
    return [p.get_width() for p in ax.patches]


@pytest.fixture(autouse=True)
def _house_theme():
    plots.set_theme("#112233", "#445566")
    yield
    plots.set_theme()


def test_set_theme_takes_the_clients_colours():
    plots.set_theme("#abcdef", "#fedcba")
    assert plots.PRIMARY == "#abcdef" and plots.ROLE_COLOURS["connector"] == "#fedcba"
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans"]


def test_monthly_active_draws_both_series_and_marks_the_peak():
    table = pd.DataFrame({"month": months("2026-01", "2026-02", "2026-03"), "active": [10, 30, 20], "engaged": [2, 6, 5]})
    ax = plots.plot_monthly_active(table, events={"2026-02-15": "relaunch"})
    active, engaged = ax.get_lines()[:2]
    assert list(active.get_ydata()) == [10, 30, 20] and list(engaged.get_ydata()) == [2, 6, 5]
    assert legend(ax) == ["active", "engaged"]
    assert (
        ax.get_title().replace("\n", " ") == "People active each month: 20 in March 2026, 33% below the peak of February 2026"
        and ax.get_ylabel() == "people"
    )
    texts = [t.get_text() for t in ax.texts]
    assert "peak 30" in texts and " relaunch" in texts


def test_an_empty_table_draws_the_reason_instead_of_a_chart():
    empty = pd.DataFrame({"month": months(), "active": [], "engaged": []})
    ax = plots.plot_monthly_active(empty, empty="No one posted, replied or reacted up to 2026-03-31.")
    assert [t.get_text() for t in ax.texts] == ["No one posted, replied or reacted up to 2026-03-31."]
    assert not ax.get_lines() and not ax.axison
    for plot in (plots.plot_cohort_retention, plots.plot_community_status, plots.plot_key_individuals):
        assert plot(pd.DataFrame(), empty="why").texts[0].get_text() == "why"
    with pytest.raises(ValueError, match="pass empty="):
        plots.plot_monthly_active(empty)


def test_adoption_by_draws_one_bar_per_department_as_a_share():
    table = pd.DataFrame({"department": ["Sales", "Finance"], "adoption_rate": [0.5, 0.25]})
    ax = plots.plot_adoption_by(table)
    assert bar_widths(ax) == [0.5, 0.25]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Sales", "Finance"]
    assert ax.get_title().replace("\n", " ") == "Active in the last 90 days, share of headcount, by department: from 25% (Finance) to 50% (Sales)"
    assert ax.xaxis.get_major_formatter()(0.25, 0) == "25%"


def test_flows_stack_arrivals_above_the_line_and_lapses_below():
    table = pd.DataFrame({"month": months("2026-01", "2026-02"), "returning": [5, 6], "new": [3, 1], "reactivated": [0, 2], "stopped": [1, 4]})
    ax = plots.plot_flows(table)
    # returning, new, reactivated stacked; those who stopped drawn negative
    assert bar_heights(ax) == [5, 6, 3, 1, 0, 2, -1, -4]
    assert [p.get_y() for p in ax.patches[2:4]] == [5, 6]
    assert legend(ax) == ["returning", "new", "reactivated", "stopped (active the month before)"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026-01", "2026-02"]
    # January: 1 stopped against 3 new; February: 4 stopped against 1 new and 2 back ("lapsed" is the KPI's word alone)
    assert ax.get_title().replace("\n", " ") == "Who is active each month, and who stopped: more stopped than arrived in 1 of the last 2 months"
    one = plots.plot_flows(table.head(1))  # one month: nothing to count "of the last 1 months" against
    assert one.get_title().replace("\n", " ") == "Who is active each month, and who stopped: one month so far, 3 arrived and 1 stopped"


def test_cohort_retention_is_a_cohort_by_month_grid():
    table = pd.DataFrame({"cohort": ["2026-01", "2026-01", "2026-02"], "months_since": [0, 1, 0], "retention": [1.0, 0.5, 1.0]})
    ax = plots.plot_cohort_retention(table)
    grid = ax.collections[0].get_array()
    assert list(np.ma.filled(grid, np.nan).ravel()[[0, 1, 2]]) == [1.0, 0.5, 1.0]
    assert np.isnan(np.ma.filled(grid, np.nan).ravel()[3])
    assert [t.get_text() for t in ax.texts] == ["100%", "50%", "100%"]
    assert ax.get_xlabel() == "months since first activity" and ax.get_ylabel() == "first active"


def test_segments_count_people_in_the_given_order_with_shares():
    table = pd.DataFrame({"segment": ["power", "low", "low", "low"]})
    ax = plots.plot_segments(table, order=["power", "habitual", "low"])
    # drawn bottom-up, so the first of the order is the top bar
    assert bar_widths(ax) == [3, 0, 1]
    assert [t.get_text() for t in ax.texts] == [" 3 (75%)", " 0 (0%)", " 1 (25%)"]
    assert ax.get_title() == "People by segment: the most are low, 3 (75%)" and ax.get_xlabel() == "people"


def test_response_rate_is_one_percent_axis_with_the_hours_written_on_the_points():
    table = pd.DataFrame({"period": ["2026Q1", "2026Q2"], "response_rate": [0.5, 0.75], "median_hours_to_first_response": [3.0, np.nan]})
    ax = plots.plot_response_rate(table)
    assert list(ax.get_lines()[0].get_ydata()) == [0.5, 0.75] and len(ax.figure.axes) == 1  # no second scale
    assert [t.get_text() for t in ax.texts] == ["3.0 h"]  # a period without answers has no label
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Q1 2026", "Q2 2026"]
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%" and legend(ax) == ["threads answered"]
    assert ax.get_title().replace("\n", " ") == "Share of new threads answered: 75.0% in Q2 2026 (labels: median time to the first response)"


def test_activity_heatmap_is_weekday_by_hour():
    table = pd.DataFrame({"weekday": [0, 0, 1, 1], "hour": [9, 10, 9, 10], "messages": [4, 0, 1, 2]})
    ax = plots.plot_activity_heatmap(table)
    assert list(ax.collections[0].get_array().ravel()) == [4, 0, 1, 2]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Mon", "Tue"]
    assert ax.get_title() == "When people post (UTC): busiest on Monday at 09:00"


def test_community_status_counts_in_lifecycle_order_with_status_colours():
    scorecard = pd.DataFrame({"status": ["dormant", "thriving", "dormant", "stable"]})
    ax = plots.plot_community_status(scorecard)
    assert bar_heights(ax) == [1, 1, 2]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["thriving", "stable", "dormant"]
    assert matplotlib.colors.to_hex(ax.patches[2].get_facecolor()) == plots.STATUS_COLOURS["dormant"]
    assert ax.get_title() == "Communities by status: 1 of 4 thriving or growing"


def test_community_status_counts_are_written_as_the_text_writes_them():
    # 5,295 of 20,000 at 1,000,000 people read "5295 of 20000" in the chart and "5,295" in the text beside it.
    scorecard = pd.DataFrame({"status": ["thriving"] * 1_200 + ["dormant"] * 800})
    ax = plots.plot_community_status(scorecard)
    assert ax.get_title() == "Communities by status: 1,200 of 2,000 thriving or growing"
    assert [t.get_text() for t in ax.texts] == ["1,200", "800"]
    # the tallest bar's count sits inside the frame (at XL "4,829" touched its top), and the axis writes thousands as the text does
    assert ax.get_ylim() == (0, 1_200 * 1.15)
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert any(int(t.replace(",", "")) >= 1_000 for t in ticks) and all(t == f"{int(t.replace(',', '')):,}" for t in ticks), ticks


def test_community_status_counts_duplicates_under_their_own_status_and_names_them_in_the_title():
    # Step 4's triage: two thriving communities and a growing one are likely duplicates; each keeps the
    # status every step prints (one community, one status), and the title counts 5 thriving or growing
    # (as steps 1, 2 and 5 do) and the 4 duplicates to merge.
    triage = pd.DataFrame(
        {
            "status": ["thriving", "thriving", "thriving", "thriving", "growing", "dormant", "dormant"],
            "duplicate_of": [None, None, "A", "B", "A", "C", None],
        }
    )
    ax = plots.plot_community_status(triage)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["thriving", "growing", "dormant"]
    assert bar_heights(ax) == [4, 1, 2]
    assert ax.get_title().replace("\n", " ") == "Communities by status: 5 of 7 thriving or growing; 4 likely duplicates to merge"


def test_department_mixing_colours_inward_departments_red():
    table = pd.DataFrame({"department": ["Sales", "Finance"], "ei_index": [-0.5, 0.25]})
    ax = plots.plot_department_mixing(table)
    assert bar_widths(ax) == [0.25, -0.5]  # drawn bottom-up
    assert matplotlib.colors.to_hex(ax.patches[1].get_facecolor()) == "#b71c1c"
    assert ax.get_xlim() == (-1, 1) and ax.get_xlabel() == "E-I index"
    assert ax.get_title().replace("\n", " ").endswith(": Sales the most inward-looking (-0.50)")


def test_key_individuals_are_a_ranked_bar_relative_to_the_top_person():
    table = pd.DataFrame({"person": ["P-AAAAAAAA", "P-BBBBBBBB", "P-CCCCCCCC"], "betweenness": [2.0, 10.0, 0.0], "role": ["", "connector", ""]})
    ax = plots.plot_key_individuals(table)
    # highest first from the top: drawn bottom-up, so the widths read in reverse
    assert bar_widths(ax) == [0.0, 0.2, 1.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["P-CCCCCCCC", "P-AAAAAAAA", "P-BBBBBBBB"]
    assert legend(ax) == ["connector", "others"] and ax.xaxis.get_major_formatter()(0.2, 0) == "20%"
    assert ax.get_xscale() == "linear" and ax.get_yscale() == "linear"


def test_favourability_sorts_questions_weakest_first():
    table = pd.DataFrame({"question": ["useful", "easy"], "favourable": [0.8, 0.4]})
    ax = plots.plot_favourability(table)
    assert bar_widths(ax) == [0.4, 0.8]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["easy", "useful"]
    assert ax.get_xlim() == (0, 1)


def test_glide_path_with_and_without_actuals():
    path = pd.DataFrame({"month": months("2026-07", "2026-08"), "target": [0.3, 0.35]})
    actual = pd.DataFrame({"month": months("2026-06", "2026-07"), "value": [0.28, np.nan]})
    ax = plots.plot_glide_path(path, actual=actual, title="Interactive share", percent=True)
    assert legend(ax) == ["glide path", "actual"]
    assert list(ax.get_lines()[0].get_ydata()) == [0.3, 0.35] and list(ax.get_lines()[1].get_ydata()) == [0.28]
    assert ax.get_title() == "Interactive share" and ax.yaxis.get_major_formatter()(0.3, 0) == "30%"
    assert legend(plots.plot_glide_path(path)) == ["glide path"]
    quarterly = pd.DataFrame({"month": months("2026-01", "2026-02", "2026-03", "2026-04"), "value": [4.0, np.nan, np.nan, 5.0]})
    assert plots.plot_glide_path(path, actual=quarterly).get_lines()[1].get_linestyle() == "None"


def test_kpi_trend_drops_missing_months_and_marks_campaigns():
    table = pd.DataFrame({"month": months("2026-01", "2026-02", "2026-03"), "value": [5.0, np.nan, 7.0]})
    ax = plots.plot_kpi_trend(table, value="value", title="Active people", marks={"2026-02-01": "Spring relaunch"})
    assert list(ax.get_lines()[0].get_ydata()) == [5.0, 7.0]
    assert [t.get_text() for t in ax.texts] == [" Spring relaunch"]
    assert ax.get_title() == "Active people"


def test_an_empty_reason_already_given_above_draws_nothing():
    assert plots.plot_adoption_by(pd.DataFrame(), empty="") is None


def test_count_axes_have_whole_number_ticks_and_lapsed_counts_read_positive():
    table = pd.DataFrame({"month": months("2026-01", "2026-02"), "returning": [1, 2], "new": [1, 0], "reactivated": [0, 1], "stopped": [2, 1]})
    ax = plots.plot_flows(table)
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert all(re.fullmatch(r"\d[\d,]*", t) for t in ticks if t) and "-1" not in ticks
    trend = plots.plot_kpi_trend(
        pd.DataFrame({"month": months("2026-01", "2026-02", "2026-03"), "value": [4.0, 4.5, 5.0]}), value="value", kpi="healthy_communities"
    )
    trend.figure.canvas.draw()
    assert all("." not in t.get_text() for t in trend.get_yticklabels())
    hours = plots.plot_kpi_trend(
        pd.DataFrame({"month": months("2026-01", "2026-02"), "value": [1.5, 2.0]}), value="value", kpi="median_hours_to_first_response"
    )
    assert hours.yaxis.get_major_formatter()(1.5, 0) == "1.5 h"


def test_heatmaps_carry_a_colour_scale():
    table = pd.DataFrame({"weekday": [0, 0, 1, 1], "hour": [9, 10, 9, 10], "messages": [4, 0, 1, 2]})
    ax = plots.plot_activity_heatmap(table)
    assert len(ax.figure.axes) == 2 and ax.figure.axes[1].get_ylabel() == "messages"


def test_share_axes_stay_within_0_and_100_percent_and_counts_above_zero():
    full = plots.plot_kpi_trend(pd.DataFrame({"month": months("2026-01", "2026-02"), "value": [1.0, 1.0]}), value="value", kpi="interactive_share")
    assert full.get_ylim() == (0.9, 1.0)
    none = plots.plot_kpi_trend(pd.DataFrame({"month": months("2026-01", "2026-02"), "value": [0.0, 0.0]}), value="value", kpi="response_rate")
    assert none.get_ylim() == (0.0, 0.1)
    flat = plots.plot_kpi_trend(pd.DataFrame({"month": months("2026-01"), "value": [3.0]}), value="value", kpi="active_30")
    flat.figure.canvas.draw()
    assert flat.get_ylim() == (2.0, 4.0) and [t.get_text() for t in flat.get_yticklabels()] == ["2", "3", "4"]  # one count, whole numbers
    one = plots.plot_kpi_trend(pd.DataFrame({"month": months("2026-01"), "value": [0.0]}), value="value", kpi="healthy_communities")
    lo, hi = one.get_xlim()
    assert one.get_ylim()[0] >= 0 and hi - lo <= 41  # one month: a narrow window, not years
    one.figure.canvas.draw()
    assert [t.get_text() for t in one.get_xticklabels()] == ["Jan 2026"]


def test_key_individuals_without_brokers_say_so():
    table = pd.DataFrame({"person": ["P-AAAAAAAA"], "betweenness": [0.0], "role": [""]})
    ax = plots.plot_key_individuals(table)
    assert ax.texts[0].get_text().startswith("No one yet links people") and not ax.patches


def test_department_matrix_is_a_percent_heatmap_whose_title_names_the_most_inward_row():
    matrix = pd.DataFrame({"X": [0.5, 0.1], "Y": [0.5, 0.9]}, index=pd.Index(["X", "Y"], name="from department"))
    matrix.columns.name = "to department"
    ax = plots.plot_department_matrix(matrix)
    assert ax.get_title() == "Y directs 90% of the interactions it gives at itself; the median department, 70%"
    assert [t.get_text() for t in ax.texts] == ["50%", "50%", "10%", "90%"]
    assert all(t.get_fontsize() >= 8 for t in ax.texts)
    assert len(ax.figure.axes) == 2 and ax.figure.axes[1].get_ylabel() == "share of the row's interactions"
    assert plots.plot_department_matrix(matrix.iloc[:0], empty="") is None


def test_survey_heatmap_shows_every_question_weakest_first():
    table = pd.DataFrame(
        {
            "question": ["Useful", "Useful", "Leaders visible", "Leaders visible"],
            "department": ["Sales", "IT", "Sales", "IT"],
            "respondents": [6, 7, 6, 7],
            "favourable": [0.8, 0.6, 0.2, 0.4],
            "mean": [4.0, 3.5, 2.0, 2.5],
        }
    )
    ax = plots.plot_survey_heatmap(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Leaders visible", "Useful"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["IT", "Sales"]
    assert ax.get_title() == "Weakest on average: \u201cLeaders visible\u201d"
    assert [t.get_text() for t in ax.texts] == ["40%", "20%", "60%", "80%"]
    assert ax.get_xlabel() == "department"
    by_title = plots.plot_survey_heatmap(table.rename(columns={"department": "job_title"}), by="job_title")
    assert by_title.get_xlabel() == "job title"  # a roster attribute's name in words, not as a column name


def test_department_network_sizes_nodes_by_people_and_titles_the_busiest_pair():
    table = pd.DataFrame({"a": ["X", "Y"], "b": ["Y", "Z"], "interactions": [5, 1], "people_a": [20, 10], "people_b": [10, 5]})
    ax = plots.plot_department_network(table)
    assert ax.get_title() == "Who talks to whom across departments: most between X and Y (5)"
    assert sorted(t.get_text() for t in ax.texts) == ["X", "Y", "Z"]


def test_a_quarterly_kpi_is_drawn_as_its_points_and_the_trend_to_the_deadline_dashed():
    table = pd.DataFrame({"month": months("2026-01", "2026-02", "2026-03", "2026-04"), "value": [4.0, np.nan, np.nan, 5.0]})
    ax = plots.plot_kpi_trend(table, value="value", kpi="healthy_communities")
    (line,) = ax.get_lines()
    assert line.get_linestyle() == "None" and list(line.get_ydata()) == [4.0, 5.0]  # points, no line through February and March
    monthly = plots.plot_kpi_trend(table.fillna(4.5), value="value", kpi="healthy_communities")
    assert monthly.get_lines()[0].get_linestyle() == "-"
    path = pd.DataFrame({"month": months("2026-04", "2026-05"), "central": [5.0, 5.3], "low": [5.0, 5.1], "high": [5.0, 5.5]})
    with_trend = plots.plot_kpi_trend(table, value="value", kpi="healthy_communities", forecast=path)
    assert legend(with_trend) == ["measured (quarterly)", "80% range", "on this trend"]
    assert list(with_trend.get_lines()[1].get_ydata()) == [5.0, 5.3] and with_trend.get_lines()[1].get_linestyle() == "--"


def test_a_deliverables_chart_prints_its_title_above_it_with_its_figures_as_facts(monkeypatch):
    from esnkit.facts import FACTS_MIME

    shown = []
    alts = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False, metadata=None: shown.append(obj) or alts.append(metadata))
    table = pd.DataFrame({"month": months("2026-01", "2026-02", "2026-03"), "active": [10, 30, 20], "engaged": [1, 2, 3]})
    # in the explorer (no as-of): the title is drawn in the image
    ax = plots.plot_monthly_active(table)
    assert ax.get_title() == "People active each month: 20 in March 2026, 33% below the peak of February 2026" and shown == []
    # in a deliverable: the image is untitled and the title is printed above it, each figure marked and recorded
    ax = plots.plot_monthly_active(table, as_of="2026-03-31")
    assert ax.get_title() == ""
    out, image = shown  # the caption, then the chart under it (not at the end of the cell), the caption its alternative text
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert alts[1] == {"image/png": {"alt": "People active each month: 20 in March 2026, 33% below the peak of February 2026"}}
    assert out["text/markdown"] == (
        '<div class="esn-block" data-block="chart">\n\nPeople active each month: '
        '<span class="esn-fig" data-measure="monthly_active">20</span> in March\u00a02026, '
        '<span class="esn-fig" data-measure="monthly_active_change_from_peak">33%</span> below the peak of February\u00a02026\n\n</div>'
    )
    facts = [(x["measure"], x["window"], x["value"], x["display"], x["section"], x["as_of"]) for x in out[FACTS_MIME]["facts"]]
    assert facts == [
        ("monthly_active", "March 2026", 20.0, "20", "chart", "2026-03-31"),
        ("monthly_active_change_from_peak", None, 1 / 3, "33%", "chart", "2026-03-31"),
    ]


def test_a_heatmap_with_days_missing_names_each_row_by_its_own_weekday():
    table = pd.DataFrame({"weekday": [2, 4], "hour": [9, 9], "messages": [1, 5]})  # Wednesday and Friday only
    ax = plots.plot_activity_heatmap(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Wed", "Fri"]
    assert ax.get_title() == "When people post (UTC): busiest on Friday at 09:00"


def test_month_axes_name_the_year_and_share_axes_step_at_round_values():
    import matplotlib.dates as mdates

    assert plots._month_tick(mdates.date2num(pd.Timestamp("2025-11-01")), 0) == "Nov\n2025"  # the first tick
    assert plots._month_tick(mdates.date2num(pd.Timestamp("2026-03-01")), 2) == "Mar"
    assert plots._month_tick(mdates.date2num(pd.Timestamp("2026-01-01")), 1) == "Jan\n2026"  # every January
    # ticks four months apart (Nov, Mar, Jul): March is the first of 2026
    assert [
        plots._month_tick(mdates.date2num(pd.Timestamp(d)), i, 4)
        for i, d in enumerate(["2025-11-01", "2026-03-01", "2026-07-01", "2026-11-01", "2027-03-01"])
    ] == ["Nov\n2025", "Mar\n2026", "Jul", "Nov", "Mar\n2027"]
    _fig, ax = matplotlib.pyplot.subplots()
    ax.set_ylim(0.275, 0.355)
    plots._percent_axis(ax.yaxis)
    ticks = ax.yaxis.get_major_locator().tick_values(0.275, 0.355)
    steps = np.round(np.diff(ticks), 6)
    assert set(steps) <= {0.01, 0.02, 0.05, 0.1} and len(set(steps)) == 1  # never 2.5-point steps


def test_segment_and_favourability_titles_state_their_finding():
    usage = pd.DataFrame({"segment": ["power"] + ["low"] * 3 + ["non-user"] * 6})
    ax = plots.plot_segments(usage, order=["power", "low", "non-user"])
    assert ax.get_title() == "People by segment: the most are non-user, 6 (60%)"
    fav = pd.DataFrame({"question": ["Leaders are visible", "I find answers"], "favourable": [0.21, 0.64]})
    ax = plots.plot_favourability(fav)
    assert ax.get_title().replace("\n", " ") == "Share answering favourably (4 or 5 of 5): lowest for \u201cLeaders are visible\u201d, 21%"
