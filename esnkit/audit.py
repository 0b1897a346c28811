"""``esnkit audit CLIENT``: hold a run's five deliverables to each other, to facts.json and to the registry.

The audit reads what the client gets — the HTML of each step in ``reports/<as_of>/``, its
``facts.json`` and ``kpis.json``, and the restricted contact lists — and reports every fault:

- **contract**: every fact has the fields of :data:`esnkit.facts.FACT_FIELDS`, a registered measure,
  the label, unit count and population the registry gives it;
- **one figure, one value**: the same measure, segment, window and as-of printed with two values
  or two displays anywhere in the five;
- **one label, one measure**: a label used for two measures (or segments, or windows), or one
  measure printed under two labels;
- **printed as recorded**: a fact whose display is not printed at its mark in its step; a marked
  figure on a page that facts.json does not hold; a number in a tile, a summary or a finding that
  is neither a fact nor a term of a definition;
- **bounds**: a count above its population (people active above people registered), a negative
  count, a share outside [0, 1];
- **shares are their ratio**: a share printed beside the two counts it is the ratio of
  (``Measure.ratio_of``: "987 of the 2,364 people counted (42%)") that prints otherwise;
- **parts add up**: in one section, the parts of a whole (the actions of a triage) that do not add
  up to the whole printed beside them;
- **one status per community**: a community printed with two statuses, or with a status the rule
  does not define;
- **people are findable**: a person's reference printed that is in no restricted list;
- **kpis.json**: a KPI whose display there differs from the one the pages print;
- **true to the data**: a sentence that speaks of what the data do not have — departments where
  none are known, threads where no message replies to another, readers where no read is counted,
  a launch where the history starts part-way — unless it says so (:data:`PROFILE_WORDS`). The
  profile is the one each page's appendix states (``data-profile``, :mod:`esnkit.profile`).

``esnkit run`` ends by running it and prints any fault; the tests run it on every client they
deliver and fail on any fault.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections import defaultdict
from pathlib import Path

from .facts import FACT_FIELDS
from .metrics.communities import STATUSES
from .metrics.measures import display, in_unit, label_of, measure
from .profile import DataProfile

__all__ = ["Fault", "audit", "audit_folder", "format_faults"]

#: The deliverables of a run, by step stem.
STEP_STEMS = ("1-assess", "2-plan", "3-reactivate", "4-sustain", "5-report")
#: A person's reference as the deliverables print it (privacy.person_ref).
REF = re.compile(r"\bP-[A-Z2-7]{8,10}\b")
#: What a number in a sentence may be without being a figure: a date, a quarter, a month, a step or a
#: person's reference (which the rest of the audit checks). Anything else with a digit is a figure.
_NOT_FIGURES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{4}-\d{2}\b|\bQ[1-4]\s\d{4}\b|"
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\s\d{4}\b|"
    r"\b[Ss]teps?\s\d(?:(?:,|\sand)\s\d)*\b|" + REF.pattern
)
_NUMBER = re.compile(r"[+\-−]?\d[\d,.]*%?")
#: What a sentence may not speak of when the data do not have it: (profile test, the words, what the data lack).
PROFILE_WORDS = (
    (lambda p: p["departments"] < 2, re.compile(r"\bdepartment(?:s|al)?\b", re.I), "no departments"),
    (
        lambda p: p["replies"] == 0 or p["community_messages"] == 0,
        re.compile(r"\bthreads?\b", re.I),
        "there are no threads (no message replies to another in a community)",
    ),
    (lambda p: not p["reads"], re.compile(r"\b(?:readers?|read by|lurkers|lurker share)\b", re.I), "no reads are counted"),
    (
        lambda p: bool(p["complete_from"] and p["first_message"] and p["complete_from"] > p["first_message"]),
        re.compile(r"\blaunch(?:ed)?\b", re.I),
        "the history starts part-way, after the launch",
    ),
)
#: A sentence that says the data lack something may name it ("no figure is broken down by department").
_SAYS_SO = re.compile(r"\b(?:no|not|none|without|unavailable|cannot)\b|n't\b", re.I)
_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "caption", "div", "br", "tr")
_SENTENCE = re.compile(r"(?<=[.!?:])\s+|\n+")


@dataclasses.dataclass(frozen=True)
class Fault:
    """One thing a demanding client would call a defect: which check, where, and what."""

    check: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.check}]"


def format_faults(faults: list[Fault]) -> str:
    """One line per fault, as ``esnkit audit`` and ``esnkit run`` print them."""
    return "\n".join(str(f) for f in faults)


def audit(paths, *, as_of=None) -> list[Fault]:
    """Audit a client's run at ``as_of`` (default: its latest report folder). ``paths`` is a :class:`esnkit.config.ClientPaths`."""
    root = paths.reports_root
    if as_of is None:
        done = sorted(p.name for p in root.glob("*") if p.is_dir()) if root.is_dir() else []
        if not done:
            raise FileNotFoundError(f"{root}: no report folder; run `esnkit run {paths.client}` first")
        folder = root / done[-1]
    else:
        folder = paths.reports(as_of)
    return audit_folder(folder, restricted=paths.restricted)


def audit_folder(folder: Path, *, restricted: Path | None = None) -> list[Fault]:
    """Audit the deliverables in one report folder (with the client's restricted lists, when given)."""
    from bs4 import BeautifulSoup

    folder = Path(folder)
    pages = {}
    for stem in STEP_STEMS:
        path = folder / f"{stem}.html"
        if path.is_file():
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            for hidden in soup(["script", "style", "head"]):
                hidden.decompose()
            pages[stem] = soup
    if not pages:
        raise FileNotFoundError(f"{folder}: no deliverable (N-step.html) to audit")
    faults: list[Fault] = []
    facts_path = folder / "facts.json"
    if not facts_path.is_file():
        return [Fault("contract", str(facts_path), "facts.json is missing: `esnkit run` writes it beside the deliverables")]
    try:
        facts = json.loads(facts_path.read_text(encoding="utf-8"))["facts"]
    except (ValueError, KeyError, TypeError) as exc:
        return [Fault("contract", str(facts_path), f"facts.json cannot be read: {exc}")]
    units = {stem: _profile(soup).unit() for stem, soup in pages.items() if _profile(soup) is not None}
    facts = [f for f in facts if _contract(f, faults, unit=units.get(f.get("step")) if isinstance(f, dict) else None)]
    facts = [f for f in facts if f["step"] in pages]  # a step not exported this time has no page to hold it to
    _one_value(facts, faults)
    _one_label(facts, faults)
    for stem, soup in pages.items():
        _printed(stem, soup, [f for f in facts if f["step"] == stem], faults)
        _unregistered(stem, soup, faults)
    _bounds(facts, faults)
    _ratios(facts, faults)
    _parts(facts, faults)
    _statuses(pages, faults)
    if restricted is not None:
        _findable(pages, Path(restricted), faults)
    _kpis_json(folder, facts, faults)
    _true_to_profile(pages, faults)
    return faults


def _true_to_profile(pages: dict, faults: list[Fault]) -> None:
    for stem, soup in pages.items():
        held = soup.select_one("[data-profile]")
        if held is None:
            if soup.find(id="Appendix") is not None:  # a deliverable's appendix states the profile (render.profile_block)
                faults.append(Fault("true to the data", stem, "the appendix states no data profile (render.profile_block)"))
            continue
        profile = json.loads(held["data-profile"])
        rules = [(words, lack) for applies, words, lack in PROFILE_WORDS if applies(profile)]
        if not rules:
            continue
        page = _copy(soup)
        for statement in page.select("[data-profile], .esn-consultant"):  # the consultant's own notes are theirs (esnkit.notes)
            statement.decompose()
        for part in page.find_all(_BLOCKS):  # a heading, a paragraph, a list item, a table cell: each ends its sentence
            part.append("\n")
        seen = set()
        for sentence in _SENTENCE.split(page.get_text(" ")):
            sentence = " ".join(sentence.split())
            for words, lack in rules:
                if words.search(sentence) and not _SAYS_SO.search(sentence) and (sentence, lack) not in seen:
                    seen.add((sentence, lack))
                    faults.append(Fault("true to the data", stem, f"{sentence[:160]!r} though {lack}"))


def _key(f: dict) -> tuple:
    return (f["measure"], json.dumps(f.get("segment") or {}, sort_keys=True, ensure_ascii=False), f.get("window") or "", f["as_of"])


def _where(f: dict) -> str:
    return f"{f['step']} ({f['section']})"


def _profile(soup) -> DataProfile | None:
    """The data profile a page's appendix states (``data-profile``, :func:`esnkit.render.profile_block`)."""
    held = soup.select_one("[data-profile]")
    return DataProfile.from_dict(json.loads(held["data-profile"])) if held is not None else None


def _contract(f: dict, faults: list[Fault], *, unit: str | None = None) -> bool:
    missing = [k for k in FACT_FIELDS if k not in f] if isinstance(f, dict) else list(FACT_FIELDS)
    if missing:
        faults.append(Fault("contract", "facts.json", f"a fact lacks {', '.join(missing)}: {str(f)[:120]}"))
        return False
    try:
        m = measure(f["measure"])
    except ValueError:
        faults.append(Fault("contract", _where(f), f"measure {f['measure']!r} is not registered"))
        return False
    own_window = f["window"] if f["window"] != m.window else None
    expected = label_of(m.id, segment=f["segment"], window=own_window, unit=unit)  # in the unit its page's data profile gives
    if f["label"] != expected:
        faults.append(Fault("contract", _where(f), f"{m.id}: label {f['label']!r} is not the registry's {expected!r}"))
    if f["counts"] != in_unit(m.counts, unit) or f["population"] != m.population or f["version"] != m.version:
        faults.append(Fault("contract", _where(f), f"{m.id}: counts, population or version differ from the registry's"))
    return True


def _one_value(facts: list[dict], faults: list[Fault]) -> None:
    seen: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    values: dict[tuple, set] = defaultdict(set)
    for f in facts:
        seen[_key(f)][f["display"]].append(f)
        values[_key(f)].add(None if f["value"] is None else round(float(f["value"]), 9))
    for key, displays in seen.items():
        if len(displays) > 1:
            shown = "; ".join(f"{d} in {', '.join(sorted({_where(x) for x in xs}))}" for d, xs in displays.items())
            faults.append(Fault("one figure, one value", key[0], f"{next(iter(displays.values()))[0]['label']!r} prints two ways: {shown}"))
        elif len(values[key]) > 1:
            faults.append(Fault("one figure, one value", key[0], f"{key[0]} ({key[1]}, {key[2]}) has two values behind one display"))


def _one_label(facts: list[dict], faults: list[Fault]) -> None:
    keys_of: dict[str, set] = defaultdict(set)
    labels_of: dict[tuple, set] = defaultdict(set)
    for f in facts:
        k = _key(f)[:3]
        keys_of[f["label"]].add(k)
        labels_of[k].add(f["label"])
    for label, keys in keys_of.items():
        if len(keys) > 1:
            faults.append(Fault("one label, one measure", label, f"one label for {len(keys)} measures: {sorted(keys)}"))
    for k, labels in labels_of.items():
        if len(labels) > 1:
            faults.append(Fault("one label, one measure", k[0], f"one measure under {len(labels)} labels: {sorted(labels)}"))


def _marks(soup) -> list[tuple[str, str, str]]:
    out = []
    for span in soup.select("span.esn-fig[data-measure]"):
        seg = span.get("data-segment") or "{}"
        out.append((span["data-measure"], json.dumps(json.loads(seg), sort_keys=True, ensure_ascii=False), span.get_text()))
    return out


def _printed(stem: str, soup, facts: list[dict], faults: list[Fault]) -> None:
    marks = _marks(soup)
    on_page = {(m, seg, text) for m, seg, text in marks}
    recorded = set()
    for f in facts:
        mark = (f["measure"], json.dumps(f.get("segment") or {}, sort_keys=True, ensure_ascii=False), f["display"])
        recorded.add(mark)
        if mark not in on_page:
            faults.append(Fault("printed as recorded", _where(f), f"{f['label']!r} = {f['display']} is in facts.json but not printed"))
    for m, seg, text in sorted(on_page - recorded):
        faults.append(Fault("printed as recorded", stem, f"{m} {seg} printed as {text!r} but not in facts.json"))
    text = soup.get_text(" ")
    for f in facts:
        if f["display"] not in text:
            faults.append(Fault("printed as recorded", _where(f), f"{f['display']!r} is not in what a reader sees"))


def _unregistered(stem: str, soup, faults: list[Fault]) -> None:
    for block in soup.select("[data-block]"):
        block = _copy(block)
        # the consultant's words (esnkit.notes: a replaced summary sentence) are theirs, figures and all
        for marked in block.select("span.esn-fig, span.esn-term, span.esn-name, .esn-kpi .l, .esn-consultant"):
            marked.decompose()
        text = _NOT_FIGURES.sub(" ", block.get_text(" "))
        for number in _NUMBER.findall(text):
            faults.append(
                Fault(
                    "printed as recorded", f"{stem} ({block['data-block']})", f"{number!r} is printed but is neither a registered figure nor a term"
                )
            )


def _copy(tag):
    from bs4 import BeautifulSoup

    return BeautifulSoup(str(tag), "html.parser").find()


def _bounds(facts: list[dict], faults: list[Fault]) -> None:
    wholes = {(_key(f)[0], _key(f)[1], f["as_of"]): f for f in facts}
    for f in facts:
        v, m = f["value"], measure(f["measure"])
        if v is None:
            continue
        if m.unit in ("share", "score") and not -1e-9 <= v <= 1 + 1e-9:
            faults.append(Fault("bounds", _where(f), f"{f['label']!r} = {f['display']}: a share outside 0-100%"))
        if m.unit == "count" and v < 0:
            faults.append(Fault("bounds", _where(f), f"{f['label']!r} = {f['display']}: a negative count"))
        if m.population:
            whole = wholes.get((m.population, _key(f)[1], f["as_of"]))
            if whole is not None and whole["value"] is not None and v > whole["value"] + 1e-9:
                faults.append(Fault("bounds", _where(f), f"{f['label']!r} = {f['display']} is more than {whole['label']!r} = {whole['display']}"))


def _ratios(facts: list[dict], faults: list[Fault]) -> None:
    """A share printed beside the two counts it is the ratio of (:attr:`Measure.ratio_of`) prints as their ratio does."""
    by_section: dict[tuple, dict[tuple, dict]] = defaultdict(dict)
    for f in facts:
        by_section[(f["step"], f["section"], f["as_of"])][(f["measure"], _key(f)[1])] = f
    for items in by_section.values():
        for (measure_id, segment), f in items.items():
            pair = measure(measure_id).ratio_of
            if not pair or f["value"] is None:
                continue
            top, bottom = items.get((pair[0], segment)), items.get((pair[1], segment))
            if top is None or bottom is None or top["value"] is None or not bottom["value"]:
                continue
            shown = display(measure_id, top["value"] / bottom["value"])
            if shown != f["display"]:
                faults.append(
                    Fault(
                        "shares are their ratio",
                        _where(f),
                        f"{f['label']!r} = {f['display']} beside {top['display']} of {bottom['display']}, whose ratio prints {shown}",
                    )
                )


def _parts(facts: list[dict], faults: list[Fault]) -> None:
    by_section: dict[tuple, list[dict]] = defaultdict(list)
    for f in facts:
        by_section[(f["step"], f["section"], f["as_of"])].append(f)
    for (step, section, _), items in by_section.items():
        wholes = {f["measure"]: f for f in items}
        parts: dict[str, float] = defaultdict(float)
        for f in items:
            of = measure(f["measure"]).parts_of
            if of and f["value"] is not None:
                parts[of] += float(f["value"])
        for of, total in parts.items():
            whole = wholes.get(of)
            if whole is not None and whole["value"] is not None and not math.isclose(total, whole["value"], abs_tol=1e-9):
                faults.append(
                    Fault("parts add up", f"{step} ({section})", f"the parts of {whole['label']!r} add up to {total:,.0f}, not {whole['display']}")
                )


def _statuses(pages: dict, faults: list[Fault]) -> None:
    seen: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for stem, soup in pages.items():
        for table in soup.select("table"):
            heads = [th.get_text(" ").strip().lower() for th in table.select("thead th")]
            if "status" not in heads or not ({"name", "community"} & set(heads)):
                continue
            name_at, status_at = heads.index("name" if "name" in heads else "community"), heads.index("status")
            rows = [[td.get_text(" ").strip() for td in tr.select("td")] for tr in table.select("tbody tr")]
            names = [r[name_at] for r in rows if len(r) > max(name_at, status_at)]
            twice = {n for n in names if names.count(n) > 1}  # two communities of one name: not one community's two statuses
            for r in rows:
                if len(r) <= max(name_at, status_at) or r[name_at] in twice:
                    continue
                status = r[status_at]
                if status not in STATUSES:
                    faults.append(Fault("one status per community", stem, f"{r[name_at]!r} has status {status!r}, which the rule does not define"))
                seen[r[name_at]][status].add(stem)
    for name, statuses in seen.items():
        if len(statuses) > 1:
            shown = "; ".join(f"{s} in {', '.join(sorted(where))}" for s, where in statuses.items())
            faults.append(Fault("one status per community", name, f"two statuses: {shown}"))


def _findable(pages: dict, restricted: Path, faults: list[Fault]) -> None:
    import csv

    listed = set()
    for path in sorted(restricted.glob("*.csv")) if restricted.is_dir() else []:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):  # the person's `ref`, and an inviter's `inviter_ref`
                listed.update((v or "").strip().lstrip("'") for k, v in row.items() if k and (k == "ref" or k.endswith("_ref")))
    for stem, soup in pages.items():
        for ref in sorted(set(REF.findall(soup.get_text(" "))) - listed):
            faults.append(Fault("people are findable", stem, f"{ref} is printed but is in no restricted list"))


def _kpis_json(folder: Path, facts: list[dict], faults: list[Fault]) -> None:
    path = folder / "kpis.json"
    if not path.is_file():
        return
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        faults.append(Fault("kpis.json", str(path), f"cannot be read: {exc}"))
        return
    for k in record.get("kpis", []):
        for f in facts:
            same = f["measure"] == k.get("kpi") and not f.get("segment") and f["as_of"] == record.get("as_of")
            if same and f["window"] == measure(f["measure"]).window and f["display"] != k.get("display"):
                faults.append(Fault("kpis.json", _where(f), f"{k.get('kpi')}: kpis.json says {k.get('display')}, the page {f['display']}"))
