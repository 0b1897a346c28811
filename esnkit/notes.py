"""The consultant keeps the pen: notes per step, replaced summary sentences, and approval.

**Notes.** ``<client>/notes/<step>.md`` (``notes/1-assess.md``...) is the consultant's own text for
that step's deliverable. It prints as "Consultant's notes" right after the executive summary, as
typed: every character is escaped, so nothing in it is Markdown or HTML, except that a blank line
starts a new paragraph and a line starting ``- `` is a list item. Its figures are the consultant's:
the notes sit outside the audited summary block and the audit (:mod:`esnkit.audit`) does not hold
them to the measure registry.

**Replacing a generated sentence.** A section of the notes file headed ``## Replace`` holds one
replacement a line::

    ## Replace
    - "Contribution is concentrated: the most active 10% of people make 41.0% of contributions." => "Contribution is concentrated, as in most networks of this size."
    - "A generated sentence to leave out." => ""

The text on the left is a whole sentence (or a whole line) of the executive summary exactly as the
deliverable prints it, bold left out; the one on the right replaces it, as typed (``""`` removes
it). A replaced sentence's figures no longer print, so they leave facts.json too; the replacement
is the consultant's words, marked as such and not audited. A line on the left that matches no
sentence changes nothing, and ``esnkit run`` says which. The section is not printed with the notes.

**Approval.** Every deliverable is marked DRAFT (its cover and its running head) until
``esnkit approve CLIENT`` records in ``reports/<as_of>/approved.json`` who approved it, when, and
the SHA-256 of each HTML file approved (without its DRAFT marks), and takes the marks off the HTML
(and prints the PDFs again). A later run whose deliverable differs from the one approved (another
figure, another delivery date) prints DRAFT again: its hash is not the one recorded.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import hashlib
import html
import json
import re
from collections.abc import Iterable
from pathlib import Path

from .errors import ConfigError
from .facts import Told, plain

__all__ = [
    "NOTES_FOLDER",
    "APPROVED_FILE",
    "Notes",
    "notes_file",
    "read_notes",
    "notes_markdown",
    "replace_sentences",
    "show_summary",
    "UNMATCHED",
    "strip_draft",
    "html_digest",
    "approved_digests",
    "approve",
]

NOTES_FOLDER = "notes"
APPROVED_FILE = "approved.json"
#: What the marks of a draft are wrapped in, in the HTML (body) and in its CSS: :func:`strip_draft` takes out what is between.
DRAFT_OPEN, DRAFT_CLOSE = "<!--esn-draft-->", "<!--/esn-draft-->"
CSS_DRAFT_OPEN, CSS_DRAFT_CLOSE = "/*esn-draft*/", "/*/esn-draft*/"
_DRAFT = re.compile(
    rf"{re.escape(DRAFT_OPEN)}.*?{re.escape(DRAFT_CLOSE)}|{re.escape(CSS_DRAFT_OPEN)}.*?{re.escape(CSS_DRAFT_CLOSE)}",
    re.S,
)
_REPLACE_HEADING = re.compile(r"^##\s+Replace\s*$", re.I)
_REPLACE_LINE = re.compile(r'^[-*]\s+"(?P<old>(?:[^"\\]|\\.)+)"\s*=>\s*"(?P<new>(?:[^"\\]|\\.)*)"\s*$')
#: Where a summary line splits into sentences: after a full stop, before a capital (never inside a figure: "41.0%").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*])")
#: Per step, the replacements of the last summary shown that matched nothing: ``esnkit run`` tells the consultant.
UNMATCHED: dict[str, list[str]] = {}


@dataclasses.dataclass(frozen=True)
class Notes:
    text: str  # the notes as typed, the Replace section left out ("" when none)
    replacements: tuple[tuple[str, str], ...] = ()


def notes_file(root: Path, step: str) -> Path:
    """``<client>/notes/<step>.md``: the consultant's notes for a step (``step`` the stem, ``1-assess``)."""
    return Path(root) / NOTES_FOLDER / f"{step}.md"


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def read_notes(root: Path, step: str) -> Notes:
    """The notes file of ``step`` in the client folder ``root`` (empty notes when there is none).

    Raises
    ------
    ConfigError
        naming the file and line of a Replace line that is not ``- "sentence" => "replacement"``.
    """
    path = notes_file(root, step)
    if not path.is_file():
        return Notes("")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    kept, replacements, in_replace = [], [], False
    for number, line in enumerate(lines, 1):
        if _REPLACE_HEADING.match(line.strip()):
            in_replace = True
            continue
        if in_replace and line.startswith("#"):
            in_replace = False  # the next heading ends the section
        if not in_replace:
            kept.append(line)
            continue
        if not line.strip():
            continue
        m = _REPLACE_LINE.match(line.strip())
        if m is None:
            raise ConfigError(f'{path}, line {number}: a Replace line is - "exact generated sentence" => "replacement" (\\" for a quote inside)')
        replacements.append((_unquote(m["old"]), _unquote(m["new"])))
    return Notes("\n".join(kept).strip(), tuple(replacements))


def notes_markdown(notes: Notes) -> str:
    """The notes as the deliverable shows them: escaped as typed, in a block of the consultant's own (never ``data-block``).

    >>> print(notes_markdown(Notes("Seen with the sponsor: *41%* <b>agree</b>.\\n\\n- ask IT")))
    <div class="esn-consultant esn-consultant-notes">
    <BLANKLINE>
    ### Consultant's notes
    <BLANKLINE>
    Seen with the sponsor: \\*41%\\* &lt;b&gt;agree&lt;/b&gt;\\.
    <BLANKLINE>
    - ask IT
    <BLANKLINE>
    </div>
    """
    from .render import escape_md

    if not notes.text:
        return ""
    out = []
    for line in notes.text.splitlines():
        stripped = line.strip()
        item = re.match(r"^[-*]\s+(.*)$", stripped)
        out.append(f"- {escape_md(item[1])}" if item else escape_md(stripped))
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(out))
    return f'<div class="esn-consultant esn-consultant-notes">\n\n### Consultant\'s notes\n\n{body}\n\n</div>'


def _words(text: str) -> str:
    """A summary's text as a reader compares it: marks and bold off, entities decoded, spaces (no-break too) as one."""
    return " ".join(plain(text).replace("**", "").replace("\u00a0", " ").split())


def replace_sentences(summary: Told, replacements: Iterable[tuple[str, str]]) -> tuple[Told, list[str]]:
    """``summary`` with each ``(sentence, replacement)`` applied, and the sentences that matched nothing.

    A sentence is one of a summary line's sentences, or the whole line (its bullet left out),
    compared as the reader sees it (:func:`_words`). The replacement is escaped and marked as the
    consultant's (``esn-consultant``); the facts of figures that no longer print are dropped.

    >>> from esnkit.facts import Figures
    >>> f = Figures("summary", as_of="2026-09-30")
    >>> told = Told(f"- **Lapsed**: {f('lapsed', 12)} people lapsed. They were writers.", f)
    >>> new, unmatched = replace_sentences(told, [("Lapsed: 12 people lapsed.", "Some left <3."), ("Nope.", "")])
    >>> print(new.marked)
    - <span class="esn-consultant">Some left &lt;3\\.</span> They were writers.
    >>> new.facts, unmatched
    ((), ['Nope.'])
    """
    from .render import escape_md

    replacements = list(replacements)
    todo = [(_words(old), new) for old, new in replacements]
    if not todo:
        return summary, []
    used: set[int] = set()
    lines = []
    for line in summary.marked.split("\n"):
        bullet = re.match(r"^(\s*[-*]\s+)", line)
        head, rest = (bullet[1], line[bullet.end() :]) if bullet else ("", line)
        for i, (old, new) in enumerate(todo):
            if _words(rest) == old:
                rest, used = (f'<span class="esn-consultant">{escape_md(new)}</span>' if new else ""), used | {i}
                break
        else:
            parts = _SENTENCE_END.split(rest)
            for k, part in enumerate(parts):
                for i, (old, new) in enumerate(todo):
                    if _words(part) == old:
                        parts[k] = f'<span class="esn-consultant">{escape_md(new)}</span>' if new else ""
                        used.add(i)
                        break
            rest = " ".join(p for p in parts if p)
        if rest.strip() or not head:
            lines.append(head + rest)
    marked = "\n".join(lines)
    shown = {(m[0], m[1]) for m in re.findall(r'data-measure="([^"]+)"[^>]*>([^<]*)<', marked)}
    facts = [x for x in summary.facts if (x.measure, html.escape(x.display)) in shown]
    unmatched = [old for i, (old, _) in enumerate(replacements) if i not in used]
    return Told(marked, facts), unmatched


def show_summary(ctx, step: str, summary: Told) -> None:
    """A step's executive summary (the audited ``summary`` block), the consultant's replacements applied, then their notes.

    ``step`` is the deliverable's stem (``1-assess``): its notes are ``<client>/notes/<step>.md``.
    """
    from .render import show_markdown

    notes = read_notes(ctx.paths.root, step)
    summary, unmatched = replace_sentences(summary, notes.replacements)
    UNMATCHED[step] = unmatched
    show_markdown(summary, block_name="summary")
    if notes.text:
        show_markdown(notes_markdown(notes))


# ---------------------------------------------------------------- approval


def strip_draft(text: str) -> str:
    """A deliverable's HTML without its DRAFT marks: what approval hashes and leaves on disk."""
    return _DRAFT.sub("", text)


def html_digest(text: str) -> str:
    """SHA-256 of a deliverable's HTML as approved (its DRAFT marks left out)."""
    return hashlib.sha256(strip_draft(text).encode("utf-8")).hexdigest()


def approved_digests(folder: Path) -> dict[str, str]:
    """``{"1-assess.html": sha256, ...}`` of the deliverables approved in this report folder (none: ``{}``)."""
    path = Path(folder) / APPROVED_FILE
    if not path.is_file():
        return {}
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in record.get("files", {}).items()}
    except (ValueError, AttributeError):
        return {}  # an unreadable record approves nothing: every deliverable stays a draft


def approve(folder: Path, *, by: str | None = None, chromium: str | None = None, now: dt.datetime | None = None) -> dict:
    """Approve the deliverables of one report folder: record who, when and each HTML file's hash; take their DRAFT marks off.

    The PDFs are printed again from the approved HTML (``chromium``); without a Chromium the
    approval is refused while PDFs are there, since they would still say DRAFT.

    Raises
    ------
    ConfigError
        when the folder holds no HTML deliverable, or PDFs that cannot be printed again.
    """
    from ._io import atomic_write
    from .run.export import print_pdf

    folder = Path(folder)
    pages = sorted(folder.glob("[1-5]-*.html"))
    if not pages:
        raise ConfigError(f"{folder}: no deliverable to approve; run `esnkit run` first")
    pdfs = [p.with_suffix(".pdf") for p in pages if p.with_suffix(".pdf").is_file()]
    if pdfs and chromium is None:
        raise ConfigError(
            f"{folder}: the PDFs would still say DRAFT and no Chromium is found to print them again; install it "
            "(Debian: apt-get install chromium) or set ESNKIT_CHROMIUM, then approve again"
        )
    files = {}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        approved = strip_draft(text)
        if approved != text:
            atomic_write(page, approved)
        files[page.name] = html_digest(approved)
    for pdf in pdfs:
        print_pdf(pdf.with_suffix(".html"), pdf, chromium=chromium)
    record = {
        "approved_by": by or getpass.getuser(),
        "approved_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "files": files,
    }
    atomic_write(folder / APPROVED_FILE, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return record
