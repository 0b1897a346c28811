"""How numbers and tables are shown to a client: in the deliverables and in the explorer.

Everything shown to a client passes through here: tables are escaped HTML with percentages
formatted, every string the client supplied (group names, job titles) is escaped, and every
deliverable ends with the same appendix.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .steps.context import StepContext

from ._text import count, neutralise_bidi, percent
from ._version import __version__
from .facts import FACTS_MIME, Told, facts_bundle
from .metrics.measures import in_unit, label_of
from .profile import DataProfile, profile_lines

__all__ = [
    "table_html",
    "show_table",
    "measures_table",
    "show_markdown",
    "show_facts",
    "block",
    "show_note",
    "show_reason_if_empty",
    "kpi_html",
    "show_kpis",
    "escape_md",
    "DEFINITIONS",
    "appendix_markdown",
    "keep_together",
    "show_appendix",
    "pct",
]

#: Terms shown in deliverables' appendices besides the headline KPIs, whose definitions come from
#: :data:`esnkit.metrics.kpis.KPIS` (every appendix lists them all).
DEFINITIONS: dict[str, str] = {
    "registered": "Has a live platform account (not deactivated or deleted) and had joined by then; without join dates in the export, every live account, whether or not it took part. Bots and external guests are excluded.",
    "adoption rate": "People active in the last 90 days as a share of headcount (the HR roster when provided).",
    "stickiness": "Average daily active people divided by monthly active people (DAU/MAU).",
    "new / returning / reactivated / stopped": "First active month ever / active this month and last / active this month, not last, but before / active last month and not this one (not yet lapsed: that takes 90 days without activity, or the client's number).",
    "cohort retention": "Of the people first active in a month, the share active again k months later.",
    "contributor absence factor": "The fewest people who account for 50% of contributions (CHAOSS, formerly 'bus factor').",
    "Gini": "Inequality of contributions among registered people: 0 when everyone contributes equally, 1 when one person makes all contributions.",
    "usage segments": "Over the last 12 weeks: power = active in 9+ weeks with 15+ contributions a week; habitual = active in 9+ weeks; novice = 1+ a week on average; low = any; non-user = none (after Viva Insights).",
    "personas": "Over 180 days, with ratio r = (received + 1) / (given + 1): Observer gave nothing; Catalyst r > 2; Engager 0.5 ≤ r ≤ 2; below 0.5 Broadcaster (mostly new posts) or Responder (mostly replies and reactions). Cut-offs are esnkit's (SWOOP publishes none).",
    "community status": "Dormant: no activity in 90 days. Idle: under 3 active members or 6 messages in 90 days. Growing: messages up 25%+ on the previous 90 days. Thriving: steady volume (at least 80% of the previous 90 days), busy (messages in the top quarter of this network's live communities, and 12+), 5+ active members and 50%+ of threads answered. Declining: messages down 30%+. Otherwise stable. New (new in these data): where the export starts part-way and the previous 90 days reach before its complete history, the two cannot be compared: a community is then thriving when busy as above, else new.",
    "interaction graph": "Person-to-person ties from replies, @mentions and reactions over the last 365 days, directed and weighted.",
    "betweenness": "How often a person lies on the shortest path between two others in the tie graph (exact below 5,000 people; above, estimated from a seeded sample of people, as many as a fixed work budget allows and never fewer than 256).",
    "PageRank": "Reach: a person is central when central people interact with them.",
    "roles": "Connector: among the top 2% (at least 10; in a network under 200 people, a tenth of them) by betweenness, brokering between people not otherwise in touch (betweenness above 0), with ties into 2+ other departments. Influencer: top 5% by PageRank. Responder: top 10% by replies given (at least 5).",
    "E-I index": "(external ties − internal ties) / all ties of a department: −1 talks only to itself, +1 only to others (Krackhardt).",
    "favourable": "A survey answer in the top two points of the scale (4 or 5 of 5).",
    "suppression": "Breakdowns by an HR attribute hide groups with fewer people than the minimum group size.",
}

#: Terms whose definition needs departments: without them (:attr:`esnkit.profile.DataProfile.has_departments`) the
#: appendix gives the text here instead, or leaves the term out (None), since no section uses it.
WITHOUT_DEPARTMENTS: dict[str, str | None] = {
    "roles": (
        "Connector: among the top 2% (at least 10) by betweenness, with more people tied to them than nine in ten people have "
        "(brokers with wide reach: these data have no departments to bridge). Influencer: top 5% by PageRank. Responder: top 10% "
        "by replies given (at least 5)."
    ),
    "E-I index": None,
}


def term_definition(name: str, profile: DataProfile) -> str | None:
    """A term's definition as this client's appendix gives it: in the data's unit of conversation, and without
    departments where the data have none (:data:`WITHOUT_DEPARTMENTS`; None: the term is left out).

    >>> from esnkit.profile import DataProfile
    >>> p = DataProfile(7, 0, 0, 9, 0, 0, 9, 0, 0, 0, False, False, 0, 0, False, None, None, None, "")
    >>> term_definition("E-I index", p) is None, "departments to bridge" in term_definition("roles", p)
    (True, True)
    >>> "50%+ of posts answered" in term_definition("community status", p), "thread" in term_definition("community status", p)
    (True, False)
    """
    text = DEFINITIONS[name]
    if not profile.has_departments and name in WITHOUT_DEPARTMENTS:
        text = WITHOUT_DEPARTMENTS[name]
    return in_unit(text, profile.unit()) if text else None


def pct(x: float | None, digits: int = 0) -> str:
    """``0.4123 -> '41%'``; missing values -> '–'."""
    if x is None or pd.isna(x):
        return "–"
    return percent(float(x), digits)


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


#: Plain words for columns many tables share, whose names would read as code ("messages q0"):
#: a table's own ``rename`` comes first. The scorecard's quarters are 90-day windows back from the as-of.
COLUMN_WORDS: dict[str, str] = {
    "messages_q0": "messages, last 90 days",
    "messages_q1": "messages, 90 days before",
    "messages_q2": "messages, 180 to 270 days ago",
    "messages_q3": "messages, 270 to 360 days ago",
    "contributions_q0": "contributions, last 90 days",
    "posts_per_active_member": "messages per active member",
    "newcomer_share": "newcomers among active members",
    "n_messages": "posts and replies",
    "n_replies": "replies",
    "active_members": "active members, last 90 days",
    # a community's threads of the scorecard's 180 days: a dormant one (no activity in 90 days) can still show one
    "response_rate": "threads answered, last 180 days",
    "median_hours_to_first_response": "median hours to first response, last 180 days",
    # over the 180 days, so beside the 90 days' active members it can be the larger number
    "absence_factor": "fewest people making half its contributions, last 180 days",
}


def header(column: object, rename: Mapping[str, str] | None = None, unit: str | None = None) -> str:
    """How a column is headed for a reader: ``rename``'s word for it, else :data:`COLUMN_WORDS`', else its name with spaces
    for underscores; in the data's ``unit`` of conversation (:func:`~esnkit.metrics.measures.in_unit`).

    >>> header("messages_q0"), header("messages_q0", {"messages_q0": "posts"}), header("open_threads")
    ('messages, last 90 days', 'posts', 'open threads')
    >>> header("response_rate", unit="posts")
    'posts answered, last 180 days'
    """
    words = {**COLUMN_WORDS, **(rename or {})}
    return in_unit(str(words.get(column, column)).replace("_", " "), unit)


#: A column about departments (``department``, ``cross_department_ties``...): shown only where the data have departments.
_DEPARTMENT_COLUMN = re.compile(r"department", re.I)


def fit_to_profile(table: pd.DataFrame, profile: DataProfile | None) -> pd.DataFrame:
    """``table`` with only the columns the data can fill: without departments, none about departments.

    >>> from esnkit.profile import DataProfile
    >>> p = DataProfile(7, 0, 0, 9, 0, 0, 9, 0, 0, 0, False, False, 0, 0, False, None, None, None, "")
    >>> list(fit_to_profile(pd.DataFrame(columns=["person", "department", "cross_department_ties", "degree"]), p))
    ['person', 'degree']
    """
    if profile is None or profile.has_departments:
        return table
    return table.drop(columns=[c for c in table.columns if _DEPARTMENT_COLUMN.search(str(c))])


_LOOKS_NUMERIC = re.compile(r"^(–|[+\-]?[<>]?[\d,]*\.?\d+(%| h| points)?)$")
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
    markup: Iterable[str] = (),
    unit: str | None = None,
) -> str:
    """An escaped HTML table: percentages formatted, floats rounded, at most ``max_rows`` rows.

    A cell that is :class:`~esnkit.facts.Told` text, in a column named in ``markup``, shows its
    marked figures (its own text is escaped where it was written).

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
    kinds, marked = {}, set(markup) | set(told_columns(t))
    for column in t.columns:
        values = t[column]
        if column in marked:
            t[column] = values.map(lambda v: v.marked if isinstance(v, Told) else html.escape(clean_text(v)))
            kinds[column] = "text"
        elif column in set(percent):
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
    names = {c: header(c, rename, unit) for c in t.columns}
    head = "".join(f'<th class="{kinds[c]}">{html.escape(clean_text(names[c]))}</th>' for c in t.columns)
    rows = "".join(
        "<tr>" + "".join(f'<td class="{kinds[c]}">{v if c in marked else html.escape(str(v))}</td>' for c, v in zip(t.columns, row)) + "</tr>"
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


def told_columns(table: pd.DataFrame) -> list:
    """The columns holding :class:`~esnkit.facts.Told` cells, in the table's order: its headline figures, each a registered measure."""
    return [c for c in table.columns if table[c].dtype == object and table[c].map(lambda v: isinstance(v, Told)).any()]


def table_facts(table: pd.DataFrame, *, max_rows: int = 25) -> list:
    """The facts behind the :class:`~esnkit.facts.Told` cells of the rows a table shows."""
    shown = table.head(max_rows)
    return [fact for c in told_columns(shown) for v in shown[c] if isinstance(v, Told) for fact in v.facts]


def show_table(table: pd.DataFrame, *, empty: str | None = None, **kwargs) -> None:
    """Display ``table`` (see :func:`table_html`); when it has no rows, the ``empty`` sentence saying why.

    ``csv="all communities"``: when the table is longer than the page shows, every row goes to
    ``all-communities.csv`` beside the report (``esnkit run`` writes it, Excel-safe) and the note
    under the table names that file.

    The sentence names what is missing (:mod:`esnkit.steps.empty` writes them); an empty table with
    no reason is a mistake in the caller, so it raises rather than showing a vague placeholder.

    ``profile=ctx.profile``: the columns the data cannot fill are left out (:func:`fit_to_profile`)
    and the headers use the data's unit of conversation.
    """
    from IPython.display import HTML, display

    profile = kwargs.pop("profile", None)  # the data profile (ctx.profile): columns the data cannot fill left out, headers in its unit
    table = fit_to_profile(table, profile)
    kwargs["unit"] = profile.unit() if profile is not None else None
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
            columns=lambda c: header(c, kwargs.get("rename"), kwargs["unit"])
        )
    body = table_html(table, csv=csv, **kwargs)
    facts = table_facts(table, max_rows=kwargs.get("max_rows", 25))
    if facts:  # its headline figures are facts, held by the audit to the rest of the deliverable
        show_facts("text/html", body, facts)
    else:
        display(HTML(body))


def show_note(text: str) -> None:
    """One sentence for the reader, set as a note (an empty section's reason, a caveat under a table)."""
    from IPython.display import HTML, display

    display(HTML(f'<div class="esn-note">{html.escape(clean_text(text))}</div>'))


def show_reason_if_empty(table: pd.DataFrame, reason: str) -> None:
    """The ``reason`` as a note when ``table`` has no rows (beside a chart drawn with ``empty=""``); nothing otherwise."""
    if len(table) == 0:
        show_note(reason)


def show_facts(kind: str, body: str, facts: Iterable) -> None:
    """Display ``body`` (``text/markdown`` or ``text/html``) with the facts behind its figures beside it (:data:`~esnkit.facts.FACTS_MIME`)."""
    from IPython.display import display

    display({kind: body, FACTS_MIME: facts_bundle(facts)}, raw=True)


def block(name: str, markdown: str) -> str:
    """Markdown set inside a block the audit finds by name (``summary``, ``findings``, ``tiles``...).

    Its dates never break across lines (an ISO date in a ``nowrap`` span, a month and its year
    joined); its marked figures are kept whole by the template's CSS.
    """
    markdown = _ISO_DATE.sub(r'<span class="esn-nb">\1</span>', _MONTH_YEAR.sub(rf"\1{NBSP}\2", markdown))
    return f'<div class="esn-block" data-block="{name}">\n\n{markdown}\n\n</div>'


def show_markdown(text: str, *, block_name: str | None = None) -> None:
    """Display Markdown; :class:`~esnkit.facts.Told` text shows its marked figures and records its facts.

    ``block_name`` sets it in a named block (``summary``): every number the audit finds there must be a fact or a term.
    """
    from IPython.display import Markdown, display

    if not isinstance(text, Told) and block_name is None:
        display(Markdown(text))
        return
    marked = text.marked if isinstance(text, Told) else text
    show_facts("text/markdown", block(block_name, marked) if block_name else marked, text.facts if isinstance(text, Told) else ())


def kpi_html(items: Mapping[str, str]) -> str:
    """The headline tiles: a value over its label; a :class:`~esnkit.facts.Told` value shows its marked figure."""
    cards = "".join(
        f'<div class="esn-kpi"><div class="v">{v.marked if isinstance(v, Told) else html.escape(clean_text(v))}</div>'
        f'<div class="l">{html.escape(clean_text(k))}</div></div>'
        for k, v in items.items()
    )
    return f'<div class="esn-kpis" data-block="tiles">{cards}</div>'


def show_kpis(items: Mapping[str, str]) -> None:
    show_facts("text/html", kpi_html(items), [f for v in items.values() if isinstance(v, Told) for f in v.facts])


NBSP = "\u00a0"
_UNIT = r"(?:h|hours?|min|s|points?|days?|weeks?|months?|years?|people|person|GiB|MiB)"
_NUMBER_UNIT = re.compile(rf"(?<![\w.])([+\-−]?\d[\d,]*(?:\.\d+)?) (?=(?:{_UNIT})\b)")
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}}) ({_MONTHS}) (\d{{4}})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTHS}|Q[1-4]) (\d{{4}})\b")
_ISO_DATE = re.compile(r"(?<![\w\-])(\d{4}-\d{2}-\d{2})(?![\w\-])")


def keep_together(text: str) -> str:
    """Markdown text whose numbers stay with their units and whose dates never break across lines.

    A no-break space joins a number to its unit (``1.2 h``, ``90 days``, ``5 people``) and the parts
    of a written date (``30 September 2026``, ``Q3 2026``); an ISO date, which Chromium breaks after
    a hyphen ("2027- / 09-30"), is wrapped in a ``nowrap`` span (``esn-nb`` in the template's CSS).
    For Markdown or plain text only, not for HTML whose attributes could hold a date.

    >>> keep_together("a median of 1.2 h, by 2027-09-30 (Q3 2026; 30 September 2026), 12 people").replace(NBSP, "~")
    'a median of 1.2~h, by <span class="esn-nb">2027-09-30</span> (Q3~2026; 30~September~2026), 12~people'
    >>> keep_together("v2 hours, 2026-13 and 12,000")
    'v2 hours, 2026-13 and 12,000'
    """
    text = _NUMBER_UNIT.sub(rf"\1{NBSP}", text)
    text = _DAY_MONTH_YEAR.sub(rf"\1{NBSP}\2{NBSP}\3", text)
    text = _MONTH_YEAR.sub(rf"\1{NBSP}\2", text)
    return _ISO_DATE.sub(r'<span class="esn-nb">\1</span>', text)


#: How the appendix names each export format (``format:`` in client.yml is code).
SOURCE_NAMES: dict[str, str] = {
    "viva-engage": "Viva Engage network data export",
    "slack": "Slack workspace export",
    "teams": "Microsoft Teams messages",
    "m365-usage": "Microsoft 365 usage reports",
    "canonical": "Tables in esnkit's canonical layout",
}


def long_date(day: dt.date) -> str:
    """A date as a reader writes it, the day without a leading zero.

    >>> long_date(dt.date(2026, 9, 30)), long_date(dt.date(2027, 1, 5))
    ('30 September 2026', '5 January 2027')
    """
    return f"{day.day} {day:%B %Y}"


def parameters_sentence(ctx: StepContext) -> str:
    """The run's parameters as the appendix states them, in words (the notebook's parameter names are code).

    'Analysed up to 31 March 2026; delivered on 7 April 2026, the day due dates count from; groups under 5 people hidden; a person
    counts as lapsed after 90 days without activity; names not shown.' (without a delivery date, due dates count from the as-of and
    the sentence says nothing of it)
    """
    names = "names shown, with the client's written consent" if ctx.show_names else "names not shown"
    delivered = f"; delivered on {long_date(ctx.delivered_on)}, the day due dates count from" if ctx.delivered_on else ""
    return (
        f"Analysed up to {long_date(ctx.as_of)}{delivered}; groups under {count(ctx.min_group_size, 'person', 'people')} hidden; "
        f"a person counts as lapsed after {count(ctx.inactive_days, 'day')} without activity; {names}."
    )


def appendix_markdown(ctx: StepContext, *, metrics: Iterable[str]) -> str:
    """The appendix every deliverable ends with: definitions, sources and coverage, data quality, parameters, version."""
    from .metrics.kpis import KPIS, NOT_AVAILABLE, kpi_definition, unavailable

    meta = ctx.ds.meta
    lines = ["### Headline figures", ""]
    unit = ctx.profile.unit()
    for k in KPIS:  # a KPI the data cannot measure says so with its label: "..., not available: these data have no departments."
        why = unavailable(k.id, ctx.profile)
        said = f", {NOT_AVAILABLE}: {why}." if why else f": {kpi_definition(k.id, ctx.profile)}"
        lines.append(f"- **{label_of(k.id, unit=unit)}**{said}")
    lines += ["", "### Other terms", ""]
    for name in metrics:
        text = term_definition(name, ctx.profile)
        if text:
            lines.append(f"- **{name}**: {text}")
    lines += ["", "### Data sources and coverage", ""]
    for src in meta.sources:
        fmt = src.get("format", "?")
        # not in a code span: Markdown escapes there would print as backslashes ("viva\-engage")
        lines.append(f"- {escape_md(SOURCE_NAMES.get(fmt, fmt))}: {escape_md(src.get('path', ''))}")
    counts = ctx.ds.counts()
    from .metrics._base import population

    # the people of the data, and those of them no figure counts: "2,400 people" beside "43% of everyone counted" (2,364)
    apart = counts["people"] - len(population(ctx.ds))
    outside = f" ({apart:,} of them {'a bot or external guest' if apart == 1 else 'bots or external guests'}, counted in no figure)" if apart else ""
    lines.append(
        keep_together(
            f"- Coverage: {(meta.coverage_start or '–')[:10]} to {(meta.coverage_end or '–')[:10]}; "
            f"{count(counts['people'], 'person', 'people')}{outside}, {count(counts['groups'], 'community', 'communities')}, "
            f"{count(counts['messages'], 'message')}, {count(counts['reactions'], 'reaction')}, {count(counts['survey'], 'survey answer')}, "
            f"{count(counts['interviews'], 'interview note')}."
        )
    )
    lines += ["", profile_block(ctx.profile)]
    lines += ["", "### Data-quality notes", ""]
    lines += [f"- {escape_md(w)}" for w in meta.warnings] or ["- None."]
    lines += ["", "### Run parameters", ""]
    lines.append(keep_together(parameters_sentence(ctx)))
    lines += [
        "",
        f"Prepared with esnkit {__version__}. People appear by role and a stable reference (P-…) unless the client consented to names; "
        f"groups smaller than {ctx.min_group_size} people are not shown in any breakdown.",
    ]
    return "\n".join(lines)


def profile_block(profile: DataProfile) -> str:
    """What the data can and cannot show (:func:`esnkit.profile.profile_lines`), in a block that carries the profile
    itself (``data-profile``): the audit holds every page to the profile its own appendix states."""
    attrs = html.escape(json.dumps(profile.to_dict(), ensure_ascii=False, sort_keys=True))
    items = "\n".join(f"- {escape_md(line)}" for line in profile_lines(profile))
    return f'<div class="esn-profile" data-profile="{attrs}">\n\n### What these data can show\n\n{items}\n\n</div>'


def show_appendix(ctx: StepContext, *, metrics: Iterable[str]) -> None:
    show_markdown(appendix_markdown(ctx, metrics=metrics))
