"""Facts: every figure a deliverable prints, as the registered measure, value and text it printed.

A section that writes figures into its text takes each one from a :class:`Figures` of that
section: ``f("active_30", 146.0)`` returns the text the page prints (``146``), marked for machine
reading (``<span class="esn-fig" data-measure="active_30">146</span>``), and keeps the *fact*
behind it: the measure, its label (with the segment and window it was taken over), the value and
the display. The marked text travels with the facts in one output of the notebook
(:data:`FACTS_MIME` beside its Markdown or HTML), so the executed notebook of a step is the record
of what it printed; ``esnkit run`` gathers the five into ``reports/<as_of>/facts.json``
(:func:`collect_facts`) and :func:`esnkit.audit.audit` holds the pages to it.

A number that is part of a definition, not a measurement ("the most active **10%**", "90+ days
without activity"), is marked as a term (:meth:`Figures.term`): the audit accepts it in a summary
or a finding; any other number there that is not a fact is a fault.

Examples
--------
>>> f = Figures("summary", as_of="2026-09-30")
>>> text = f"{f('active_30', 146.0)} people were active"
>>> str(Told(text, f))
'146 people were active'
>>> [(x.measure, x.display, x.label) for x in f.facts]
[('active_30', '146', 'People active in the last 30 days')]
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterable
from pathlib import Path

from .metrics.measures import display, in_unit, label_of, measure

__all__ = ["Fact", "Figures", "Told", "FACTS_MIME", "FACT_FIELDS", "plain", "collect_facts", "write_facts", "facts_bundle"]

#: The MIME type a deliverable's output carries its facts under (beside its ``text/markdown`` or ``text/html``).
FACTS_MIME = "application/vnd.esnkit.facts+json"
#: The fields of every fact in facts.json, in order (README: "facts.json").
FACT_FIELDS = ("step", "section", "measure", "label", "segment", "window", "as_of", "value", "display", "counts", "population", "version")

_TAG = re.compile(r"<[^>]+>")


@dataclasses.dataclass(frozen=True)
class Fact:
    """One figure as a deliverable printed it."""

    section: str
    measure: str
    label: str
    segment: dict | None
    window: str | None
    as_of: str
    value: float | None
    display: str
    counts: str
    population: str | None
    version: int

    def record(self, step: str) -> dict:
        """The fact as facts.json holds it (:data:`FACT_FIELDS`)."""
        return {"step": step, **{k: getattr(self, k) for k in FACT_FIELDS[1:]}}


def _num(value) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if v == v and v not in (float("inf"), float("-inf")) else None


class Figures:
    """The figures one section prints, each a registered measure; :meth:`__call__` returns its marked text."""

    def __init__(self, section: str, *, as_of: str, unit: str | None = None):
        # unit: the data's unit of conversation (ctx.profile.unit()), which labels and counts are written in
        self.section, self.as_of, self.unit = section, str(as_of), unit
        self.facts: list[Fact] = []

    def __call__(self, measure_id: str, value, *, segment: dict | None = None, window: str | None = None) -> str:
        """The text the page prints for ``value`` of the measure (marked), keeping the fact behind it."""
        m = measure(measure_id)
        shown = display(measure_id, _num(value))
        seg = {str(k): str(v) for k, v in segment.items()} if segment else None
        fact = Fact(
            self.section,
            m.id,
            label_of(m.id, segment=seg, window=window, unit=self.unit),
            seg,
            window or m.window,
            self.as_of,
            _num(value),
            shown,
            in_unit(m.counts, self.unit),
            m.population,
            m.version,
        )
        self.facts.append(fact)
        attrs = f' data-measure="{m.id}"' + (f' data-segment="{html.escape(json.dumps(seg, ensure_ascii=False))}"' if seg else "")
        return f'<span class="esn-fig"{attrs}>{html.escape(shown)}</span>'

    def term(self, text: str) -> str:
        """A number that belongs to a definition ("10%" in "the most active 10%"), marked as a term, not a measurement."""
        return f'<span class="esn-term">{html.escape(text)}</span>'

    @staticmethod
    def name(escaped: str) -> str:
        """A client's string (a community's or a department's name), already escaped for where it goes, marked as a name:
        a number inside it ("Procurement Updates 37") is part of the name, not a figure."""
        return f'<span class="esn-name">{escaped}</span>'


def plain(text: str) -> str:
    """Marked text as a reader sees it: the marks taken off.

    >>> plain('<span class="esn-fig" data-measure="lapsed">1,096</span> people &amp; more')
    '1,096 people & more'
    """
    return html.unescape(_TAG.sub("", str(text)))


class Told(str):
    """Text a section prints (its plain words, as a ``str``) with the marked text and the facts behind its figures.

    ``str(told)`` and every string operation see the plain words; :attr:`marked` is what the
    deliverable shows and :attr:`facts` what it records.
    """

    marked: str
    facts: tuple[Fact, ...]

    def __new__(cls, marked: str, figures: Figures | Iterable[Fact] = ()):
        self = super().__new__(cls, plain(marked))
        self.marked = marked
        self.facts = tuple(figures.facts if isinstance(figures, Figures) else figures)
        return self


def headline_cells(measures, values, segments, *, as_of: str, unit: str | None = None, windows=None):
    """A table's headline column as facts: each cell the measure's display, marked, with the fact behind it (one per cell).

    ``measures``, ``values``, ``segments`` (and ``windows``) run row for row; the cells are a Series of
    :class:`Told` (object dtype, so the marks survive), which :func:`esnkit.render.show_table` records.
    """
    import pandas as pd

    cells = []
    for i, (m, v, seg) in enumerate(zip(measures, values, segments)):
        figs = Figures("table", as_of=as_of, unit=unit)
        cells.append(Told(figs(m, v, segment=seg, window=windows[i] if windows is not None else None), figs))
    return pd.Series(cells, dtype=object)


def facts_bundle(facts: Iterable[Fact]) -> dict:
    """The JSON an output carries under :data:`FACTS_MIME`."""
    return {"facts": [dataclasses.asdict(f) for f in facts]}


def collect_facts(notebooks: Iterable[tuple[str, Path]]) -> list[dict]:
    """Every fact the executed notebooks printed, in page order: ``[(step stem, path to N-step.ipynb), ...]`` in, facts.json's records out."""
    out = []
    for step, path in notebooks:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
                bundle = output.get("data", {}).get(FACTS_MIME)
                if isinstance(bundle, str):
                    bundle = json.loads(bundle)
                for fact in (bundle or {}).get("facts", []):
                    out.append({"step": step, **{k: fact.get(k) for k in FACT_FIELDS[1:]}})
    return out


def write_facts(folder: Path, *, as_of: str, facts: list[dict]) -> Path:
    """Write ``folder/facts.json`` atomically: ``{"as_of", "facts": [...]}``."""
    from ._io import atomic_write

    return atomic_write(Path(folder) / "facts.json", json.dumps({"as_of": str(as_of), "facts": facts}, indent=1, ensure_ascii=False) + "\n")
