"""The consultant keeps the pen: notes after the summary, replaced sentences, DRAFT until approved (esnkit.notes)."""

import datetime as dt
import json
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from esnkit import audit as audit_mod
from esnkit import notes
from esnkit.config import ClientConfig, ClientPaths
from esnkit.errors import ConfigError
from esnkit.facts import Figures, Told
from esnkit.run.export import export_html, is_draft
from esnkit.steps import STEPS


def summary() -> Told:
    f = Figures("summary", as_of="2026-09-30")
    return Told(
        f"- **{f('lapsed', 1096)} once-active people have lapsed** (no activity for {f.term('90+')} days).\n"
        f"- **Threads answered**: {f('response_rate', 0.62)} of threads got a response. Most within a day.",
        f,
    )


def test_the_notes_file_gives_the_notes_and_the_replacements_and_names_a_bad_line(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "1-assess.md").write_text(
        'Seen with the sponsor.\n\n## Replace\n- "Most within a day." => "Most within the \\"hour\\"."\n\n- "A." => ""\n\n## Later\nmore\n',
        encoding="utf-8",
    )
    got = notes.read_notes(tmp_path, "1-assess")
    assert got.text == "Seen with the sponsor.\n\n## Later\nmore"
    assert got.replacements == (("Most within a day.", 'Most within the "hour".'), ("A.", ""))
    assert notes.read_notes(tmp_path, "2-plan") == notes.Notes("")
    (tmp_path / "notes" / "2-plan.md").write_text("## Replace\n- Most within a day => better\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"2-plan\.md, line 2: a Replace line is"):
        notes.read_notes(tmp_path, "2-plan")


def test_a_replaced_sentence_takes_its_figures_out_of_the_facts_and_an_unmatched_one_is_reported():
    told = summary()
    # a whole line (bold left out, as the reader sees it), and one sentence of another line
    new, unmatched = notes.replace_sentences(
        told,
        [
            ("1,096 once-active people have lapsed (no activity for 90+ days).", "Many people left: 1,100 or so."),
            ("Most within a day.", ""),
            ("Not in the summary.", "x"),
        ],
    )
    assert unmatched == ["Not in the summary."]
    assert new.marked.splitlines()[0] == '- <span class="esn-consultant">Many people left: 1,100 or so\\.</span>'
    assert new.marked.splitlines()[1].endswith("of threads got a response.")
    assert [f.measure for f in new.facts] == ["response_rate"]  # lapsed no longer prints: not a fact any more
    same, none = notes.replace_sentences(told, [])
    assert same is told and none == []


def test_the_audit_leaves_the_consultants_words_alone_and_still_checks_the_generated_ones():
    page = BeautifulSoup(
        '<div data-block="summary"><p><span class="esn-consultant">Up 41% since 2025.</span> And 12 more.</p></div>'
        + notes.notes_markdown(notes.Notes("We saw 63% in the survey.")),
        "html.parser",
    )
    faults = []
    audit_mod._unregistered("1-assess", page, faults)
    assert [f.message for f in faults] == ["'12' is printed but is neither a registered figure nor a term"]
    assert "data-block" not in notes.notes_markdown(notes.Notes("x"))


def executed(text: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"## Executive summary\n\n{text}", id="summary")]  # a run's cells keep their notebook's ids
    return nb


def export(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "reports" / "2026-09-30"
    folder.mkdir(parents=True, exist_ok=True)
    nb_path = folder / "1-assess.ipynb"
    nbformat.write(executed(text), nb_path)
    return export_html(
        nb_path,
        folder / "1-assess.html",
        step=STEPS[0],
        config=ClientConfig(name="Acme"),
        paths=ClientPaths(tmp_path),
        run_date=dt.date(2026, 12, 7),
        as_of=dt.date(2026, 9, 30),
    )


def test_a_deliverable_is_a_draft_until_approved_and_again_once_a_run_changes_it(tmp_path):
    page = export(tmp_path, "The network is quiet.")
    text = page.read_text(encoding="utf-8")
    assert is_draft(page) and "DRAFT — not yet approved by the consultant" in text and '@top-right { content: "DRAFT' in text
    record = notes.approve(page.parent, by="Jane Smith", now=dt.datetime(2026, 12, 8, 9, 30, tzinfo=dt.UTC))
    approved = page.read_text(encoding="utf-8")
    assert not is_draft(page) and "DRAFT" not in approved and approved == notes.strip_draft(text)
    saved = json.loads((page.parent / "approved.json").read_text(encoding="utf-8"))
    assert (
        saved
        == record
        == {
            "approved_by": "Jane Smith",
            "approved_at": "2026-12-08T09:30:00+00:00",
            "files": {"1-assess.html": notes.html_digest(approved)},
        }
    )
    # the same deliverable exported again stays approved; another one is a draft again
    assert not is_draft(export(tmp_path, "The network is quiet."))
    assert is_draft(export(tmp_path, "The network is busy."))


def test_approval_refuses_pdfs_it_cannot_print_again(tmp_path):
    page = export(tmp_path, "x")
    page.with_suffix(".pdf").write_bytes(b"%PDF")
    with pytest.raises(ConfigError, match="the PDFs would still say DRAFT"):
        notes.approve(page.parent, by="J", chromium=None)
    assert is_draft(page) and not (page.parent / "approved.json").exists()
