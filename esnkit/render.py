"""How numbers and tables are shown to a client: in the deliverables and in the explorer.

Everything shown to a client passes through here: tables are escaped HTML with percentages
formatted, every string the client supplied (group names, job titles) is escaped, and every
deliverable ends with the same appendix.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .steps.context import StepContext

from ._text import count, neutralise_bidi
from ._version import __version__

__all__ = [
    "table_html",
    "show_table",
    "measures_table",
    "show_markdown",
    "show_note",
    "show_reason_if_empty",
    "kpi_html",
    "show_kpis",
    "escape_md",
    "DEFINITIONS",
    "appendix_markdown",
    "show_appendix",
    "pct",
]

#: Terms shown in deliverables' appendices besides the headline KPIs, whose definitions come from
#: :data:`esnkit.metrics.kpis.KPIS` (every appendix lists them all).
DEFINITIONS: dict[str, str] = {
    "registered": "Has a platform account (any state) and had joined by then; without a join date in the export, from their first post, reply or reaction. Bots and external guests are excluded.",
    "adoption rate": "People active in the last 90 days as a share of headcount (the HR roster when provided).",
    "stickiness": "Average daily active people divided by monthly active people (DAU/MAU).",
    "new / returning / reactivated / lapsed": "First active month ever / active this month and last / active this month, not last, but before / active last month and not this one.",
    "cohort retention": "Of the people first active in a month, the share active again k months later.",
    "contributor absence factor": "The fewest people who account for 50% of contributions (CHAOSS, formerly 'bus factor').",
    "Gini": "Inequality of contributions among registered people: 0 when everyone contributes equally, 1 when one person makes all contributions.",
    "usage segments": "Over the last 12 weeks: power = active in 9+ weeks with 15+ contributions a week; habitual = active in 9+ weeks; novice = 1+ a week on average; low = any; non-user = none (after Viva Insights).",
    "personas": "Over 180 days, with ratio r = (received + 1) / (given + 1): Observer gave nothing; Catalyst r > 2; Engager 0.5 ≤ r ≤ 2; below 0.5 Broadcaster (mostly new posts) or Responder (mostly replies and reactions). Cut-offs are esnkit's (SWOOP publishes none).",
    "community status": "Dormant: no activity in 90 days. Idle: under 3 active members or 6 messages in 90 days. Growing: messages up 25%+ on the previous 90 days. Thriving: steady volume (at least 80% of the previous 90 days), busy (messages in the top quarter of this network's live communities, and 12+), 5+ active members and 50%+ of threads answered. Declining: messages down 30%+. Otherwise stable.",
    "interaction graph": "Person-to-person ties from replies, @mentions and reactions over the last 365 days, directed and weighted.",
    "betweenness": "How often a person lies on the shortest path between two others in the tie graph (exact below 5,000 people; above, estimated from a seeded sample of people, as many as a fixed work budget allows and never fewer than 256).",
    "PageRank": "Reach: a person is central when central people interact with them.",
    "roles": "Connector: among the top 2% (at least 10) by betweenness with ties into 2+ other departments. Influencer: top 5% by PageRank. Responder: top 10% by replies given (at least 5).",
    "E-I index": "(external ties − internal ties) / all ties of a department: −1 talks only to itself, +1 only to others (Krackhardt).",
    "favourable": "A survey answer in the top two points of the scale (4 or 5 of 5).",
    "suppression": "Breakdowns by an HR attribute hide groups with fewer people than the minimum group size.",
}


def pct(x: float | None, digits: int = 0) -> str:
    """``0.4123 -> '41%'``; missing values -> '–'."""
    if x is None or pd.isna(x):
        return "–"
    return f"{x * 100:.{digits}f}%"


#: Columns never shown in a deliverable's table.
ID_COLUMNS = frozenset({"person_id", "group_id", "thread_id", "message_id", "id", "best_inviter", "author_id", "source_user_id", "email"})

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
# Bidirectional controls can make a name read backwards or hide text; they are removed.
# "scheme://" in a client string would become a live link in the deliverable: a zero-width space
# after the colon keeps the text as typed but no longer a URL.
_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*):(?=//)")


def clean_text(text: object) -> str:
    r"""A client-supplied string made inert: no bidirectional controls, no live URLs.

    Examples
    --------
    >>> clean_text("Sales\u202eevil"), clean_text("see https://x.example") == "see https:\u200b//x.example"
    ('Salesevil', True)
    """
    return _SCHEME.sub("\\1:\u200b", neutralise_bidi(text))


def escape_md(text: object) -> str:
    """Escape a client-supplied string for Markdown, then for HTML, so it shows as typed (and inert).

    Examples
    --------
    >>> print(escape_md("<script>*Sales* [Q&A]"))
    &lt;script&gt;\\*Sales\\* \\[Q&amp;A\\]
    """
    return html.escape(_MD_SPECIAL.sub(r"\\\1", clean_text(text)), quote=False)


def header(column: object, rename: Mapping[str, str] | None = None) -> str:
    """How a column is headed for a reader: ``rename``'s word for it, else its name with spaces for underscores."""
    return str((rename or {}).get(column, column)).replace("_", " ")


_LOOKS_NUMERIC = re.compile(r"^(–|[+\-]?(<)?[\d,]*\.?\d+(%| h| points)?)$")
_LOOKS_DATE = re.compile(r"^(–|\d{4}-\d{2}(-\d{2})?)$")


def _text_kind(values: pd.Series) -> str:
    """Already-formatted values (``35.7%``, ``+0.5``, ``2027-09-30``) keep the alignment of what they show."""
    text = values.astype("str")
    if len(text) and (text != "–").any() and text.str.fullmatch(r"–|P-[A-Z2-7]{8,10}").all():
        return "ref"  # a person's reference: never broken at its hyphen
    if len(text) and (text != "–").any():
        if text.str.fullmatch(_LOOKS_DATE).all():
            return "date"
        if text.str.fullmatch(_LOOKS_NUMERIC).all():
            return "num"
    return "text"


def table_html(
    table: pd.DataFrame,
    *,
    percent: Iterable[str] = (),
    decimals: int = 1,
    max_rows: int = 25,
    rename: Mapping[str, str] | None = None,
    csv: str | None = None,
) -> str:
    """An escaped HTML table: percentages formatted, floats rounded, at most ``max_rows`` rows.

    Each cell carries its column's kind as a class — ``num`` (right-aligned), ``date`` (never
    wraps) or ``text`` (left-aligned) — and the header row is a ``<thead>``, which print repeats on
    every page a table spans. A longer table shows its first ``max_rows`` rows (callers sort the
    most important first) and says how many more there are, and in which file (``csv``).

    Examples
    --------
    >>> print(table_html(pd.DataFrame({"name": ["A&B"], "people": [1200], "share": [0.5]}), percent=["share"]))
    <table class="esn-table"><thead><tr><th class="text">name</th><th class="num">people</th><th class="num">share</th></tr></thead><tbody><tr><td class="text">A&amp;B</td><td class="num">1,200</td><td class="num">50%</td></tr></tbody></table>
    """
    # Platform ids (a group's, a thread's, a person's pseudonym) mean nothing to a reader and are
    # source ids a deliverable must not carry: they never reach the page.
    t = table.drop(columns=[c for c in table.columns if str(c) in ID_COLUMNS]).head(max_rows).copy()
    kinds = {}
    for column in t.columns:
        values = t[column]
        if column in set(percent):
            t[column], kinds[column] = values.map(pct), "num"
        elif pd.api.types.is_bool_dtype(values):
            t[column], kinds[column] = values.map(lambda v: "–" if pd.isna(v) else ("yes" if v else "no")), "text"
        elif pd.api.types.is_float_dtype(values):
            t[column], kinds[column] = values.map(lambda v: "–" if pd.isna(v) else f"{v:,.{decimals}f}"), "num"
        elif pd.api.types.is_integer_dtype(values):
            t[column], kinds[column] = values.map(lambda v: "–" if pd.isna(v) else f"{v:,}"), "num"
        elif pd.api.types.is_datetime64_any_dtype(values):
            t[column], kinds[column] = values.dt.strftime("%Y-%m-%d").fillna("–"), "date"
        else:
            shown = values.map(lambda v: "–" if v is None or (isinstance(v, float) and pd.isna(v)) else clean_text(v))
            t[column], kinds[column] = shown, _text_kind(shown)
    names = {c: header(c, rename) for c in t.columns}
    head = "".join(f'<th class="{kinds[c]}">{html.escape(clean_text(names[c]))}</th>' for c in t.columns)
    rows = "".join(
        "<tr>" + "".join(f'<td class="{kinds[c]}">{html.escape(str(v))}</td>' for c, v in zip(t.columns, row)) + "</tr>"
        for row in t.itertuples(index=False, name=None)
    )
    wide = " wide" if len(t.columns) >= WIDE_COLUMNS else ""  # smaller type and padding, so it fits the A4 width
    body = f'<table class="esn-table{wide}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    if len(table) <= max_rows:
        return body
    where = f" All {len(table):,} are in <code>{html.escape(csv)}</code>, beside this report." if csv else ""
    return body + f'<div class="esn-note">Showing {max_rows:,} of {len(table):,} rows, the most important first.{where}</div>'


#: From this many columns a table is set in smaller type (class ``wide``) to fit the printable A4 width.
WIDE_COLUMNS = 8


def measures_table(row: pd.DataFrame, *, percent: Iterable[str] = (), decimals: int = 2, rename: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A one-row table turned on its side, ``measure`` | ``value``: a dozen figures read down a page, not across it.

    Examples
    --------
    >>> measures_table(pd.DataFrame({"gini": [0.4812], "top10_share": [0.9]}), percent=["top10_share"]).to_dict("list")
    {'measure': ['gini', 'top10 share'], 'value': ['0.48', '90%']}
    >>> measures_table(pd.DataFrame({"contributions": [21694015]}))["value"].tolist()  # an int64 column: thousands as the text writes them
    ['21,694,015']
    """
    if len(row) != 1:
        raise ValueError(f"measures_table takes a table of one row, not {len(row)}")
    shown = []
    for column in row.columns:
        v = row[column].iloc[0]
        if column in set(percent):
            shown.append(pct(v))
        elif pd.isna(v):
            shown.append("–")
        elif isinstance(v, (float, np.floating)) and not float(v).is_integer():
            shown.append(f"{v:,.{decimals}f}")
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
            shown.append(f"{int(v):,}")
        else:
            shown.append(str(v))
    names = [header(c, rename) for c in row.columns]
    return pd.DataFrame({"measure": names, "value": shown}, dtype="str")


#: Tables too long for the page, by file name, kept until ``esnkit run`` writes them beside the report
#: (:func:`esnkit.steps.outputs.save_step_outputs`); a notebook run by hand writes nothing.
PENDING_CSV: dict[str, pd.DataFrame] = {}


def _csv_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".csv"


def show_table(table: pd.DataFrame, *, empty: str | None = None, **kwargs) -> None:
    """Display ``table`` (see :func:`table_html`); when it has no rows, the ``empty`` sentence saying why.

    ``csv="all communities"``: when the table is longer than the page shows, every row goes to
    ``all-communities.csv`` beside the report (``esnkit run`` writes it, Excel-safe) and the note
    under the table names that file.

    The sentence names what is missing (:mod:`esnkit.steps.empty` writes them); an empty table with
    no reason is a mistake in the caller, so it raises rather than showing a vague placeholder.
    """
    from IPython.display import HTML, display

    if len(table) == 0:
        if empty is None:
            raise ValueError("show_table: the table is empty; pass empty= with the reason to show instead")
        if empty:  # empty="": the chart just above already says why
            display(HTML(f'<div class="esn-note">{html.escape(empty)}</div>'))
        return
    csv = kwargs.pop("csv", None)
    if csv and len(table) > kwargs.get("max_rows", 25):
        csv = _csv_name(csv)
        PENDING_CSV[csv] = table.drop(columns=[c for c in table.columns if str(c) in ID_COLUMNS]).rename(
            columns=lambda c: header(c, kwargs.get("rename"))
        )
    display(HTML(table_html(table, csv=csv, **kwargs)))


def show_note(text: str) -> None:
    """One sentence for the reader, set as a note (an empty section's reason, a caveat under a table)."""
    from IPython.display import HTML, display

    display(HTML(f'<div class="esn-note">{html.escape(clean_text(text))}</div>'))


def show_reason_if_empty(table: pd.DataFrame, reason: str) -> None:
    """The ``reason`` as a note when ``table`` has no rows (beside a chart drawn with ``empty=""``); nothing otherwise."""
    if len(table) == 0:
        show_note(reason)


def show_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


def kpi_html(items: Mapping[str, str]) -> str:
    cards = "".join(
        f'<div class="esn-kpi"><div class="v">{html.escape(clean_text(v))}</div><div class="l">{html.escape(clean_text(k))}</div></div>'
        for k, v in items.items()
    )
    return f'<div class="esn-kpis">{cards}</div>'


def show_kpis(items: Mapping[str, str]) -> None:
    from IPython.display import HTML, display

    display(HTML(kpi_html(items)))


def appendix_markdown(ctx: StepContext, *, metrics: Iterable[str]) -> str:
    """The appendix every deliverable ends with: definitions, sources and coverage, data quality, parameters, version."""
    from .metrics.kpis import KPIS

    meta = ctx.ds.meta
    lines = ["### Headline figures", ""]
    lines += [f"- **{k.label}**: {k.definition}" for k in KPIS]
    lines += ["", "### Other terms", ""]
    for name in metrics:
        lines.append(f"- **{name}**: {DEFINITIONS[name]}")
    lines += ["", "### Data sources and coverage", ""]
    for src in meta.sources:
        fmt = src.get("format", "?")
        # not in a code span: Markdown escapes there would print as backslashes ("viva\-engage")
        lines.append(f"- {escape_md(fmt)} export {escape_md(src.get('path', ''))}")
    counts = ctx.ds.counts()
    lines.append(
        f"- Coverage: {(meta.coverage_start or '–')[:10]} to {(meta.coverage_end or '–')[:10]}; "
        f"{count(counts['people'], 'person', 'people')}, {count(counts['groups'], 'community', 'communities')}, "
        f"{count(counts['messages'], 'message')}, {count(counts['reactions'], 'reaction')}, {count(counts['survey'], 'survey answer')}, "
        f"{count(counts['interviews'], 'interview note')}."
    )
    lines += ["", "### Data-quality notes", ""]
    lines += [f"- {escape_md(w)}" for w in meta.warnings] or ["- None."]
    lines += ["", "### Run parameters", ""]
    lines.append(" · ".join(f"`{k}` = {escape_md(v)}" for k, v in ctx.parameters.items() if k != "client_dir"))
    lines += [
        "",
        f"Prepared with esnkit {__version__}. People appear by role and a stable reference (P-…) unless the client consented to names; "
        f"groups smaller than {ctx.min_group_size} people are not shown in any breakdown.",
    ]
    return "\n".join(lines)


def show_appendix(ctx: StepContext, *, metrics: Iterable[str]) -> None:
    show_markdown(appendix_markdown(ctx, metrics=metrics))
