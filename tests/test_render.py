"""What a client reads is rendered here: escaped tables with formatted numbers, KPI tiles, the appendix."""

import dataclasses
import datetime as dt
import html
import re
from pathlib import Path

import pandas as pd
from helpers import small_dataset, step_context
from pandas.testing import assert_frame_equal

from esnkit import render
from esnkit.dataset import Meta


def test_pct():
    assert (render.pct(0.4123), render.pct(0.4123, 1), render.pct(None), render.pct(float("nan"))) == ("41%", "41.2%", "–", "–")


def test_table_html_formats_escapes_and_says_what_it_cut():
    table = pd.DataFrame(
        {
            "name": ["<b>Sales</b>", "R&D"],
            "share": [0.5, None],
            "hours": [1.25, 2.0],
            "people": pd.array([1200, None], dtype="Int64"),
            "since": pd.to_datetime(["2026-01-05", "2026-02-01"]),
        }
    )
    html = render.table_html(table, percent=["share"], max_rows=1, rename={"hours": "median hours"})
    assert "&lt;b&gt;Sales&lt;/b&gt;" in html and "<b>Sales" not in html
    assert '<td class="num">50%</td>' in html and '<td class="num">1.2</td>' in html and '<td class="num">1,200</td>' in html
    assert '<td class="date">2026-01-05</td>' in html and '<td class="text">&lt;b&gt;Sales&lt;/b&gt;</td>' in html
    assert '<th class="num">median hours</th>' in html and "R&amp;D" not in html  # the second row is cut...
    assert html.startswith('<table class="esn-table"><thead>')  # the header row repeats on every printed page
    assert "Showing 1 of 2 rows, the most important first." in html  # ...and the reader is told
    assert "Showing" not in render.table_html(table)


def test_kpi_html_escapes_labels_and_values():
    html = render.kpi_html({"threads <answered>": "41%", "lapsed": "1,204"})
    assert html.count('class="esn-kpi"') == 2
    assert '<div class="v">41%</div><div class="l">threads &lt;answered&gt;</div>' in html


def test_appendix_lists_definitions_sources_coverage_warnings_and_parameters(tmp_path):
    ds = small_dataset()
    meta = Meta(
        sources=[{"format": "slack", "path": "raw/export.zip"}],
        coverage_start="2026-01-05T09:00:00+00:00",
        coverage_end="2026-03-02T00:00:00+00:00",
        warnings=["3 bots_* left out"],
    )
    ctx = step_context(ds.replace(meta=meta), tmp_path)
    text = render.appendix_markdown(ctx, metrics=["registered", "E-I index"])
    # every headline KPI's definition, from the registry, then the terms asked for
    from esnkit.metrics.kpis import KPIS

    for k in KPIS:
        assert f"- **{k.label}**: {k.definition}" in text
    assert f"- **registered**: {render.DEFINITIONS['registered']}" in text and "- **E-I index**:" in text
    assert text.index("### Headline figures") < text.index("### Other terms") < text.index("- **registered**")
    assert "- Slack workspace export: raw/export\\.zip" in text and "`" not in text.split("### Data sources")[1].split("### Data-quality")[0]
    # dates in a nowrap span and counts joined to their nouns, so print never breaks them across lines
    assert (
        '- Coverage: <span class="esn-nb">2026-01-05</span> to <span class="esn-nb">2026-03-02</span>; '
        # the bot is one of the six people, and in no figure (the findings count "everyone counted" without it)
        "6\u00a0people (1 of them a bot or external guest, counted in no figure), 2 communities, 7 messages, 1 reaction, 0 survey answers, 0 interview notes."
    ) in text
    assert "- 3 bots\\_\\* left out" in text
    # the run's parameters in words (AS_OF 2026-03-31, the floor 5, 90 days, names hidden), no parameter names
    assert (
        "### Run parameters\n\nAnalysed up to 31\u00a0March\u00a02026; groups under 5\u00a0people hidden; "
        "a person counts as lapsed after 90\u00a0days without activity; names not shown.\n"
    ) in text
    assert "client_dir" not in text and "as_of" not in text and "`" not in text
    assert "groups smaller than 5 people are not shown" in text


def test_client_strings_are_inert_in_tables_markdown_and_tiles():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    hostile = "Sales https://evil.example/x \u202etxt.exe"
    md = markdown2html_mistune(render.escape_md(hostile))
    assert "<a " not in md and "\u202e" not in md and "evil" in md
    table = render.table_html(pd.DataFrame({"department": [hostile]}))
    assert "<a " not in table and "\u202e" not in table and "https:\u200b//evil" in table
    assert "\u202e" not in render.kpi_html({hostile: "1"})


def test_plot_labels_are_never_parsed_as_math():
    import matplotlib.pyplot as plt

    from esnkit import plots

    table = pd.DataFrame({"department": ["$$ Sales Club $$", "$\\input{/etc/passwd}$"], "adoption_rate": [0.5, 0.2]})
    ax = plots.plot_adoption_by(table)
    ax.figure.canvas.draw()  # mathtext would fail or typeset here
    assert [t.get_text() for t in ax.get_yticklabels()] == ["$$ Sales Club $$", "$\\input{/etc/passwd}$"]
    plt.close(ax.figure)


def test_platform_ids_never_reach_a_table():
    table = pd.DataFrame({"rank": [1], "group_id": ["10000306"], "id": ["2001"], "person_id": ["a1b2"], "name": ["Sales Hub"]})
    html = render.table_html(table)
    assert "10000306" not in html and "2001" not in html and "a1b2" not in html and "Sales Hub" in html
    assert "group id" not in html


def test_formatted_values_keep_the_alignment_of_what_they_show():
    html = render.table_html(
        pd.DataFrame(
            {"target": ["35.7%", "–", "+0.5 points"], "deadline": ["2027-09-30", "2027-09-30", "–"], "objective": ["Share", "Count", "9 lives"]}
        )
    )
    assert html.count('<td class="num">') == 3 and html.count('<td class="date">') == 3 and html.count('<td class="text">') == 3


def test_a_long_table_names_the_file_that_holds_every_row(monkeypatch):
    from IPython.display import HTML

    from esnkit import render

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    monkeypatch.setattr(render, "PENDING_CSV", {})
    table = pd.DataFrame({"group_id": ["g1", "g2", "g3"], "name": ["A", "B", "C"], "active_members": [3, 2, 1]})
    render.show_table(table, max_rows=2, csv="1-assess all communities", rename={"active_members": "active members"})
    assert isinstance(shown[0], HTML)
    assert "Showing 2 of 3 rows, the most important first. All 3 are in <code>1-assess-all-communities.csv</code>" in shown[0].data
    expected = pd.DataFrame({"name": ["A", "B", "C"], "active members": [3, 2, 1]})
    assert_frame_equal(render.PENDING_CSV["1-assess-all-communities.csv"], expected)  # no platform id, headers as shown
    render.show_table(table, max_rows=5, csv="short")  # a table that fits needs no file
    assert list(render.PENDING_CSV) == ["1-assess-all-communities.csv"]


def test_a_heading_keeps_with_a_short_output_but_not_with_a_long_table():
    import nbformat

    from esnkit.run.export import keep_headings_with_what_follows

    def code(html):
        cell = nbformat.v4.new_code_cell("")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
        return cell

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Campaigns\n\nThe measured effect."),
        code('<div class="esn-note">No campaign has been recorded.</div>'),
        nbformat.v4.new_markdown_cell("## All communities"),
        code("<table>" + "<tr><td>x</td></tr>" * 40 + "</table>"),
        nbformat.v4.new_markdown_cell("Plain text, no heading"),
        code("<p>short</p>"),
    ]
    keep_headings_with_what_follows(nb)
    assert [c.metadata.get("esnkit_keep") for c in nb.cells] == ["start", "end", None, None, None, None]


def test_run_parameters_in_words_follow_the_settings(tmp_path):
    ctx = step_context(small_dataset(), tmp_path, inactive_days=1)
    ctx = dataclasses.replace(ctx, min_group_size=1, show_names=True)
    assert render.parameters_sentence(ctx) == (
        "Analysed up to 31 March 2026; groups under 1 person hidden; a person counts as lapsed after 1 day without activity; "
        "names shown, with the client's written consent."
    )
    # the delivery date the due dates count from is a run parameter too: in words, so a re-run can give it back
    delivered = dataclasses.replace(ctx, delivered_on=dt.date(2026, 12, 7))
    assert render.parameters_sentence(delivered) == (
        "Analysed up to 31 March 2026; delivered on 7 December 2026, the day due dates count from; groups under 1 person hidden; "
        "a person counts as lapsed after 1 day without activity; names shown, with the client's written consent."
    )


def test_shared_column_names_are_headed_in_words():
    scorecard = pd.DataFrame({"name": ["Sales"], "messages_q0": [12], "messages_q1": [30], "response_rate": [0.5]})
    html = render.table_html(scorecard, percent=["response_rate"])
    # a community's response rate is its scorecard's, over 180 days: the heading says so beside the 90 days' messages
    assert (
        '<th class="num">messages, last 90 days</th><th class="num">messages, 90 days before</th><th class="num">threads answered, last 180 days</th>'
        in html
    )
    assert "q0" not in html and "q1" not in html
    # a table's own words still come first
    assert '<th class="num">posts</th>' in render.table_html(scorecard, rename={"messages_q0": "posts"})


UNDERSCORED = re.compile(r"[A-Za-z0-9]_+[A-Za-z0-9]")


def test_what_the_deliverables_print_carries_no_code_identifier(tmp_path):
    """The tiny client's appendix (every term, its real data-quality notes) and step 1's benchmark table: no token like ``as_of``."""
    import shutil

    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from esnkit.config import ClientPaths
    from esnkit.ingest import ingest_client
    from esnkit.metrics.benchmarks import LABELS, PUBLISHED, compare_with_benchmarks
    from esnkit.metrics.kpis import kpi

    client = tmp_path / "tiny"
    shutil.copytree(
        Path(__file__).parent / "fixtures" / "tiny-client", client, ignore=shutil.ignore_patterns("processed", "reports", "restricted", "plans")
    )
    ds = ingest_client(ClientPaths(client))
    assert any("deleted message" in w for w in ds.meta.warnings)  # the note that used to name the column deleted_at
    ctx = step_context(ds, client)
    page = markdown2html_mistune(render.appendix_markdown(ctx, metrics=list(render.DEFINITIONS)))
    text = html.unescape(re.sub(r"<[^>]+>", "", page)).replace("\u00a0", " ")
    assert "Analysed up to 31 March 2026" in text and "deleted messages left out (marked deleted in Messages.csv)" in text
    assert "Viva Engage network data export: viva-engage-export.zip" in text
    assert UNDERSCORED.findall(text) == [], UNDERSCORED.findall(text)
    # the benchmark rows as step 1 shows them: the KPI's own label, not its id
    table = compare_with_benchmarks({"interactive_share": 0.2, "lurker_share": 0.6})
    shown = render.table_html(table.drop(columns="figure"), percent=["client", "published", "gap"], rename={"label": "figure"})
    assert f'<td class="text">{kpi("interactive_share").label}</td>' in shown
    assert '<td class="text">People who made no contribution in 6 months</td>' in shown
    assert UNDERSCORED.findall(re.sub(r"<[^>]+>", " ", shown)) == []
    assert set(LABELS) == set(PUBLISHED["figure"]) and not any(UNDERSCORED.search(v) for v in LABELS.values())


def test_numbers_keep_their_units_and_dates_never_break_in_print():
    """Chromium breaks "2027-09-30" after a hyphen and "1.2 h" at its space: the text joins them and the CSS keeps spans whole."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from esnkit.resources import templates_dir

    page = markdown2html_mistune(render.keep_together("Answered in a median of 14.0 h; reach 38% by 2027-09-30, in Q3 2027."))
    assert page.strip() == '<p>Answered in a median of 14.0\u00a0h; reach 38% by <span class="esn-nb">2027-09-30</span>, in Q3\u00a02027.</p>'
    css = (templates_dir() / "esnkit" / "static" / "esnkit.css").read_text(encoding="utf-8")
    assert ".esn-report .esn-nb, .esn-report .esn-kpi .v { white-space: nowrap; }" in css
    assert ".esn-report table.esn-table td.date, .esn-report table.esn-table td.num { white-space: nowrap; }" in css
    cover = (templates_dir() / "esnkit" / "index.html.j2").read_text(encoding="utf-8")
    assert 'As of <span class="esn-nb">{{ e.as_of }}</span>' in cover
