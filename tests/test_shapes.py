"""Every step completes on the shapes real exports come in, and every step shows the same KPI values."""

import json
import re

import pandas as pd
import pytest
from helpers import small_dataset
from shapes import SHAPES, client_folder

from esnkit.audit import audit
from esnkit.config import ClientPaths
from esnkit.dataset import EVENT_TABLES
from esnkit.metrics import kpis
from esnkit.run import run_client
from esnkit.steps import assess, plan, reactivate, report, sustain
from esnkit.steps.context import open_step


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_step_builds_and_summarises(tmp_path, shape):
    ctx = open_step(str(client_folder(tmp_path / "client", SHAPES[shape]())))
    a = assess.assess(ctx)
    texts = [assess.summary_markdown(a, client="Shape Co")]
    p = plan.build_plan(ctx)
    texts += [plan.plan_summary(p, client="Shape Co"), plan.objectives_table(p).to_string()]
    r = reactivate.build_reactivation(ctx)
    texts.append(reactivate.reactivation_summary(r, client="Shape Co"))
    s = sustain.build_sustain(ctx)
    texts.append(sustain.sustain_summary(s, client="Shape Co"))
    rep = report.build_report(ctx)
    texts += [report.report_summary(rep, client="Shape Co"), report.scorecard_table(rep).to_string(), report.quarter_table(rep).to_string()]
    text = "\n".join(texts)
    assert not re.search(r"\bnan\b|\bNaT\b|\bNone\b", text), text  # no raw missing value printed anywhere
    assert not re.search(r"\d\.0\b(?!%| h| points)", text), text  # counts print as integers
    for row in p.objectives.itertuples():
        lo, hi = kpis.bounds(ctx.ds, row.metric, as_of=ctx.as_of)
        assert lo <= row.target <= hi, (row.metric, row.target)  # targets are attainable
    # The steps count on the reductions and a few event columns: no event table was read whole.
    held = {name for name, table in ctx.ds._tables.items() if isinstance(table, pd.DataFrame)}
    assert not held & set(EVENT_TABLES), held


@pytest.mark.parametrize("shape", ["direct messages only", "one month of data"])
def test_the_notebooks_run_to_the_end_and_explain_empty_sections(tmp_path, shape):
    paths = ClientPaths(client_folder(tmp_path / "client", SHAPES[shape]()))
    written = run_client(paths, formats=("html",), progress=lambda s: None)
    pages = {p.stem: p.read_text().split("<body", 1)[1] for p in written if p.suffix == ".html"}
    assert sorted(pages) == ["1-assess", "2-plan", "3-reactivate", "4-sustain", "5-report"]
    for name, body in pages.items():
        assert "Traceback" not in body and "Error" not in body and "&lt;Axes" not in body, name
        assert "Nothing to show" not in body, name
    if shape == "direct messages only":
        assert "No community or channel was found in this export" in pages["1-assess"]
        assert "No survey was supplied for this client." in pages["1-assess"]
    else:
        assert "(March 2026 is a partial month)" in pages["1-assess"]  # three weeks of data: the as-of is their last day
    assert audit(paths) == []  # the deliverables agree with each other and with facts.json
    record = json.loads((paths.reports_root.glob("*/kpis.json").__next__()).read_text())
    for k in record["kpis"]:
        assert k["display"] in pages["1-assess"], k
        if k["unit"] == "share" and k["value"] is not None:
            assert 0 <= k["value"] <= 1


def test_one_definition_per_number_across_steps_1_2_and_5(tmp_path):
    ctx = open_step(str(client_folder(tmp_path / "client", small_dataset())), as_of="2026-03-31")
    expected = {"interactive_share": 0.8, "active_30": 0.0, "active_90": 4.0, "response_rate": 2 / 3, "median_hours_to_first_response": 1.5}
    a = assess.assess(ctx)
    step1 = dict(zip(a.kpis["kpi"], a.kpis["value"]))
    assert {k: step1[k] for k in expected} == expected
    p = plan.build_plan(ctx)
    step2 = dict(zip(p.objectives["metric"], p.objectives["baseline"]))
    rep = report.build_report(ctx)
    step5 = dict(zip(rep.scorecard["kpi"], rep.scorecard["now"]))
    assert step2 and step5 and set(step2) == set(step5)
    for k in step2:
        assert step1[k] == step2[k] == step5[k], k
    shown1 = dict(zip(a.kpis["kpi"], a.kpis["display"]))
    table2 = plan.objectives_table(p)
    table5 = report.scorecard_table(rep)
    for k, base, now in zip(p.objectives["metric"], table2["baseline"], table5["now"]):
        assert shown1[k] == base == now


def test_an_agreed_count_target_above_the_people_there_are_is_refused(tmp_path):
    from esnkit.errors import ConfigError

    root = client_folder(tmp_path / "client", small_dataset())
    (root / "client.yml").write_text('name: "Shape Co"\nobjectives:\n  - {id: active, metric: active_30, target: 999, deadline: 2027-03-31}\n')
    with pytest.raises(ConfigError, match=r"objective 'active': target 999 for active_30 is more than there can be \(5\)"):
        plan.build_plan(open_step(str(root), as_of="2026-03-31"))


def test_between_steps_only_what_no_remaining_step_asks_for_is_let_go(tmp_path, monkeypatch):
    from esnkit.steps import context

    monkeypatch.setattr(context, "CACHE_USES", {"one": frozenset({"a", "b"}), "two": frozenset({"b", "c"})})
    root = str(client_folder(tmp_path / "client", small_dataset()))
    ds = open_step(root).ds
    for name in ("a", "b", "c", "mine"):  # "mine": no step declares it
        ds.cached(name, (), lambda name=name: name)
    assert context.release_after(root, None) == {"used": ["a", "b", "c", "mine"], "released": []}
    assert context.release_after(root, ["two"]) == {"used": [], "released": ["a"]}
    assert context.release_after(root, ["three"]) == {"used": [], "released": []}  # not declared: everything is kept
    assert context.release_after(root, []) == {"used": [], "released": ["b", "c"]}
    assert ds.cached("mine", (), lambda: "again") == "mine" and ds.cached("a", (), lambda: "again") == "again"
    assert context.release_after(str(tmp_path / "not opened"), []) == {"used": [], "released": []}
