"""Facts and the audit: every figure a deliverable prints is a registered measure, and the audit finds each kind of fault."""

import dataclasses
import json

import pytest

from esnkit.audit import audit_folder
from esnkit.facts import FACT_FIELDS, Figures, Told, collect_facts, plain
from esnkit.metrics import kpis
from esnkit.metrics.measures import MEASURES, display, label_of, measure
from esnkit.profile import DataProfile
from esnkit.render import block, kpi_html, profile_block


def test_the_registry_holds_every_kpi_and_each_label_means_one_measure():
    ids = {m.id for m in MEASURES}
    assert {k.id for k in kpis.KPIS} <= ids
    assert len({m.label for m in MEASURES}) == len(MEASURES)
    for m in MEASURES:  # what a measure is part of, or splits, is itself registered
        assert m.population is None or m.population in ids, m.id
        assert m.parts_of is None or m.parts_of in ids, m.id
    # the KPIs print as they always have
    assert [display(k, v) for k, v in [("interactive_share", 0.7368), ("active_30", 1204.0), ("median_hours_to_first_response", 14.04)]] == [
        "73.7%",
        "1,204",
        "14.0 h",
    ]


def test_a_figure_prints_its_measure_marked_and_keeps_the_fact_behind_it():
    f = Figures("summary", as_of="2026-09-30")
    text = f"{f('cross_department_share', 0.153, segment={'department': 'Legal'})} of Legal's interactions; {f.term('10%')} top"
    assert text == (
        '<span class="esn-fig" data-measure="cross_department_share" data-segment="{&quot;department&quot;: &quot;Legal&quot;}">15.3%</span>'
        ' of Legal\'s interactions; <span class="esn-term">10%</span> top'
    )
    told = Told(text, f)
    assert told == "15.3% of Legal's interactions; 10% top" and told.marked == text
    (fact,) = told.facts
    assert dataclasses.asdict(fact) == {
        "section": "summary",
        "measure": "cross_department_share",
        "label": "Interactions between departments (last 12 months), Legal",  # the segment is part of the label
        "segment": {"department": "Legal"},
        "window": "last 12 months",
        "as_of": "2026-09-30",
        "value": 0.153,
        "display": "15.3%",
        "counts": "interactions",
        "population": None,
        "version": 1,
    }
    # a window of the figure's own is part of its label too; a missing value prints as a dash
    assert label_of("monthly_active", window="June 2026") == "People active in the month (June 2026)"
    assert plain(f("active_30", float("nan"))) == "–" and f.facts[-1].value is None


def test_unknown_measures_and_units_are_refused():
    with pytest.raises(ValueError, match="unknown measure 'active_31'"):
        measure("active_31")
    with pytest.raises(ValueError, match="unit 'percent'"):
        dataclasses.replace(measure("active_30"), unit="percent")


def test_facts_are_collected_from_the_outputs_of_the_executed_notebooks(tmp_path):
    f = Figures("tiles", as_of="2026-09-30")
    f("active_30", 146.0)
    bundle = {"facts": [dataclasses.asdict(x) for x in f.facts]}
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "x"},
            {
                "cell_type": "code",
                "outputs": [{"output_type": "display_data", "data": {"text/html": "<b>146</b>", "application/vnd.esnkit.facts+json": bundle}}],
            },
            {"cell_type": "code", "outputs": [{"output_type": "stream", "text": "ignored"}]},
        ]
    }
    (tmp_path / "1-assess.ipynb").write_text(json.dumps(nb))
    (got,) = collect_facts([("1-assess", tmp_path / "1-assess.ipynb")])
    assert list(got) == list(FACT_FIELDS)
    assert (got["step"], got["section"], got["measure"], got["display"], got["value"]) == ("1-assess", "tiles", "active_30", "146", 146.0)


# --- the audit, on pages written by hand with the marks the deliverables use -------------------------


#: The data profile a hand-written page's appendix states: data with threads and departments, which every word may speak of.
FULL_PROFILE = DataProfile(1200, 0, 0, 900, 400, 0, 900, 300, 300, 0, True, True, 8, 3, True, None, None, None, "the data start there")


def _page(*blocks: str, profile: DataProfile = FULL_PROFILE) -> str:
    body = "".join(blocks) + profile_block(profile)
    return "<html><head><style>.x{}</style></head><body>" + body + "</body></html>"


def _write(folder, pages: dict[str, str], figures: dict[str, list[Figures]], *, kpis_json=None, restricted=None):
    folder.mkdir(parents=True, exist_ok=True)
    for stem, html in pages.items():
        (folder / f"{stem}.html").write_text(html, encoding="utf-8")
    facts = [x.record(stem) for stem, fs in figures.items() for f in fs for x in f.facts]
    (folder / "facts.json").write_text(json.dumps({"as_of": "2026-09-30", "facts": facts}))
    if kpis_json is not None:
        (folder / "kpis.json").write_text(json.dumps(kpis_json))
    return folder


def _summary(f: Figures, text: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(block("summary", text))


def _clean_client(tmp_path):
    tiles = Figures("tiles", as_of="2026-09-30")
    tile = kpi_html({"People active in the last 30 days": Told(tiles("active_30", 146.0), tiles)})
    s = Figures("summary", as_of="2026-09-30")
    summary = _summary(
        s, f"- **{s('active_30', 146.0)} people active** in the last {s.term('30')} days, June 2026, step 4; {s('registered', 1200)} registered."
    )
    return tiles, tile, s, summary


def test_a_run_whose_pages_agree_with_facts_json_has_no_fault(tmp_path):
    tiles, tile, s, summary = _clean_client(tmp_path)
    folder = _write(
        tmp_path / "r",
        {"1-assess": _page(tile, summary)},
        {"1-assess": [tiles, s]},
        kpis_json={"as_of": "2026-09-30", "kpis": [{"kpi": "active_30", "display": "146"}]},
    )
    assert audit_folder(folder) == []


def test_one_figure_printed_two_ways_and_a_kpi_that_kpis_json_gives_otherwise_are_faults(tmp_path):
    tiles, tile, _, _ = _clean_client(tmp_path)
    other = Figures("summary", as_of="2026-09-30")
    summary = _summary(other, f"{other('active_30', 151.0)} people")
    folder = _write(
        tmp_path / "r",
        {"1-assess": _page(tile), "5-report": _page(summary)},
        {"1-assess": [tiles], "5-report": [other]},
        kpis_json={"as_of": "2026-09-30", "kpis": [{"kpi": "active_30", "display": "146"}]},
    )
    got = [(f.check, f.where, f.message) for f in audit_folder(folder)]
    assert got == [
        (
            "one figure, one value",
            "active_30",
            "'People active in the last 30 days' prints two ways: 146 in 1-assess (tiles); 151 in 5-report (summary)",
        ),
        ("kpis.json", "5-report (summary)", "active_30: kpis.json says 146, the page 151"),
    ]


def test_a_number_in_a_summary_that_is_no_fact_and_a_fact_not_printed_are_faults(tmp_path):
    s = Figures("summary", as_of="2026-09-30")
    s("lapsed", 103.0)  # recorded, never printed
    summary = _summary(s, f"**Acme at 2026-09-30.** {s('active_30', 146.0)} active, 37 lapsed in Q3 2026 (step 3).")
    folder = _write(tmp_path / "r", {"1-assess": _page(summary)}, {"1-assess": [s]})
    got = [(f.check, f.where, f.message) for f in audit_folder(folder)]
    assert got == [
        ("printed as recorded", "1-assess (summary)", "'Lapsed people' = 103 is in facts.json but not printed"),
        ("printed as recorded", "1-assess (summary)", "'103' is not in what a reader sees"),
        ("printed as recorded", "1-assess (summary)", "'37' is printed but is neither a registered figure nor a term"),
    ]


def test_a_count_above_its_population_a_share_above_one_and_parts_that_do_not_add_up_are_faults(tmp_path):
    s = Figures("summary", as_of="2026-09-30")
    text = (
        f"{s('active_30', 120.0)} of {s('registered', 100.0)}; {s('interactive_share', 1.2)}; "
        f"{s('communities_to_act_on', 25)} to act on: revive {s('triage_revive', 16)}, merge {s('triage_merge', 10)}"
    )
    folder = _write(tmp_path / "r", {"1-assess": _page(_summary(s, text))}, {"1-assess": [s]})
    got = [(f.check, f.message) for f in audit_folder(folder)]
    assert got == [
        ("bounds", "'People active in the last 30 days' = 120 is more than 'Registered people' = 100"),
        ("bounds", "'Registered people who interacted in the last 6 months' = 120.0%: a share outside 0-100%"),
        ("parts add up", "the parts of 'Communities step 4 proposes to revive, merge or archive' add up to 26, not 25"),
    ]


def test_a_community_with_two_statuses_or_an_undefined_status_and_an_unlisted_person_are_faults(tmp_path):
    table = "<table><thead><tr><th>name</th><th>status</th></tr></thead><tbody>{}</tbody></table>"
    rows = lambda *r: "".join(f"<tr><td>{n}</td><td>{s}</td></tr>" for n, s in r)
    restricted = tmp_path / "restricted"
    restricted.mkdir()
    (restricted / "key-people.csv").write_text('"rank","ref","name","inviter_ref"\n"1","P-AAAAAAAA","A","P-BBBBBBBB"\n', encoding="utf-8-sig")
    folder = _write(
        tmp_path / "r",
        {
            "1-assess": _page(
                table.format(rows(("Procurement Updates 37", "stable"), ("Same", "idle"), ("Same", "growing"))), "<p>P-AAAAAAAA and P-CCCCCCCC</p>"
            ),
            "4-sustain": _page(table.format(rows(("Procurement Updates 37", "duplicate"))), "<p>invited by P-BBBBBBBB</p>"),
        },
        {},
    )
    got = [(f.check, f.where, f.message) for f in audit_folder(folder, restricted=restricted)]
    assert got == [
        ("one status per community", "4-sustain", "'Procurement Updates 37' has status 'duplicate', which the rule does not define"),
        ("one status per community", "Procurement Updates 37", "two statuses: stable in 1-assess; duplicate in 4-sustain"),
        ("people are findable", "1-assess", "P-CCCCCCCC is printed but is in no restricted list"),
    ]


def test_a_fact_whose_label_is_not_the_registrys_breaks_the_contract_and_one_label_for_two_measures_is_a_fault(tmp_path):
    s = Figures("summary", as_of="2026-09-30")
    summary = _summary(s, f"{s('cross_department_share', 0.867)} and {s('cross_department_share', 0.153, segment={'department': 'Legal'})}")
    folder = _write(tmp_path / "r", {"2-plan": _page(summary)}, {"2-plan": [s]})
    facts = json.loads((folder / "facts.json").read_text())
    facts["facts"][1]["label"] = facts["facts"][0]["label"]  # Legal's figure under the whole network's label
    (folder / "facts.json").write_text(json.dumps(facts))
    got = [(f.check, f.message) for f in audit_folder(folder)]
    assert got == [
        (
            "contract",
            "cross_department_share: label 'Interactions between departments (last 12 months)' is not the registry's "
            "'Interactions between departments (last 12 months), Legal'",
        ),
        (
            "one label, one measure",
            "one label for 2 measures: [('cross_department_share', '{\"department\": \"Legal\"}', 'last 12 months'), "
            "('cross_department_share', '{}', 'last 12 months')]",
        ),
    ]


def test_a_label_is_held_to_the_unit_of_conversation_its_page_states(tmp_path):
    posts = dataclasses.replace(FULL_PROFILE, replies=0)  # no message replies to another: a unit of conversation is a post
    right, wrong = Figures("summary", as_of="2026-09-30", unit="posts"), Figures("summary", as_of="2026-09-30")
    pages = {
        "1-assess": _page(_summary(right, f"{right('response_rate', 0.2)} of new posts got a response."), profile=posts),
        "2-plan": _page(_summary(wrong, f"{wrong('response_rate', 0.2)} of new posts got a response."), profile=posts),
    }
    got = [(f.check, f.where, f.message) for f in audit_folder(_write(tmp_path / "r", pages, {"1-assess": [right], "2-plan": [wrong]}))]
    assert right.facts[0].label == "Posts answered (last 90 days)" and right.facts[0].counts == "posts"
    assert got == [
        (
            "contract",
            "2-plan (summary)",
            "response_rate: label 'Threads answered (last 90 days)' is not the registry's 'Posts answered (last 90 days)'",
        ),
        ("contract", "2-plan (summary)", "response_rate: counts, population or version differ from the registry's"),
        (
            "one label, one measure",
            "response_rate",
            "one measure under 2 labels: ['Posts answered (last 90 days)', 'Threads answered (last 90 days)']",
        ),
    ]


def test_no_facts_json_is_a_fault_and_no_page_is_an_error(tmp_path):
    (tmp_path / "r").mkdir()
    with pytest.raises(FileNotFoundError, match="no deliverable"):
        audit_folder(tmp_path / "r")
    (tmp_path / "r" / "1-assess.html").write_text(_page("<p>hi</p>"))
    (fault,) = audit_folder(tmp_path / "r")
    assert fault.check == "contract" and "facts.json is missing" in fault.message


def test_a_share_printed_beside_its_two_counts_is_their_ratio(tmp_path):
    f = Figures("findings", as_of="2026-09-30")
    text = f"{f('never_activated', 987)} of the {f('people', 2364)} people counted ({f('never_activated_share', 0.45)}) have never taken part."
    folder = _write(tmp_path / "r", {"1-assess": _page(_summary(f, text))}, {"1-assess": [f]})
    got = [(x.check, x.message) for x in audit_folder(folder)]
    # 987 / 2,364 prints 42%, not 45%
    assert got == [
        (
            "shares are their ratio",
            "'People who have never taken part, as a share of everyone counted' = 45% beside 987 of 2,364, whose ratio prints 42%",
        )
    ]
    f = Figures("findings", as_of="2026-09-30")
    text = f"{f('never_activated', 987)} of the {f('people', 2364)} people counted ({f('never_activated_share', 987 / 2364)}) have never taken part."
    assert audit_folder(_write(tmp_path / "ok", {"1-assess": _page(_summary(f, text))}, {"1-assess": [f]})) == []
