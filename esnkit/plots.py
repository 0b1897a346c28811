"""Plots: ``plot_<metric>(table, *, ax=None) -> Axes``, drawn from a metric's output, never raw events.

One house theme (:func:`set_theme`), seaborn underneath. Every function takes the table its metric
returns, draws on ``ax`` (a new figure when omitted) and returns the Axes.
"""

from __future__ import annotations

import functools
import inspect
import io
import re
import textwrap

import matplotlib.pyplot as plt
import matplotlib.ticker as mtick
import numpy as np
import pandas as pd
import seaborn as sns

from ._text import percent
from .facts import Figures, Told
from .metrics.adoption import growth_summary
from .metrics.kpis import HEALTHY  # the statuses the healthy_communities KPI counts
from .render import escape_md, show_markdown

# Client strings ("$$ Sales Club $$", "$\\input{...}$") are text, never mathtext: from import on,
# not only once set_theme has run.
plt.rcParams["text.parse_math"] = False

__all__ = [
    "set_theme",
    "plot_monthly_active",
    "plot_adoption_by",
    "plot_flows",
    "plot_cohort_retention",
    "plot_segments",
    "plot_response_rate",
    "plot_activity_heatmap",
    "plot_community_status",
    "plot_department_mixing",
    "plot_key_individuals",
    "plot_favourability",
    "plot_glide_path",
    "plot_kpi_trend",
]

PRIMARY = "#1f3a5f"
ACCENT = "#e0822c"
STATUS_COLOURS = {
    "thriving": "#2e7d32",
    "growing": "#7cb342",
    "stable": "#90a4ae",
    "new": "#b0bec5",
    "declining": "#f9a825",
    "idle": "#ef6c00",
    "dormant": "#b71c1c",
}
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~$])")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ROLE_COLOURS = {"connector": ACCENT, "influencer": PRIMARY, "responder": "#2e7d32", "": "#b0bec5"}


def set_theme(primary: str = PRIMARY, accent: str = ACCENT) -> None:
    """The house look: white grid, muted palette led by the client's colours, A4-friendly sizes."""
    global PRIMARY, ACCENT
    PRIMARY, ACCENT = primary, accent
    ROLE_COLOURS.update({"connector": accent, "influencer": primary})
    sns.set_theme(style="whitegrid", context="notebook", palette=[primary, accent, "#2e7d32", "#6a1b9a", "#00838f", "#8d6e63"])
    plt.rcParams.update(
        {
            "figure.figsize": (9, 3.6),
            "figure.dpi": 110,
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "font.family": "DejaVu Sans",
            # client strings ("$$ Sales Club $$", "$\\input{...}$") are text, never mathtext
            "text.parse_math": False,
        }
    )


def _ax(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _empty_note(message: str, ax=None):
    """A slim, axis-free panel holding one sentence: what a chart shows when there is nothing to draw."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.5))
    ax.set_axis_off()
    ax.text(0, 0.5, message, fontsize=10, color="#555", va="center", ha="left", wrap=True, transform=ax.transAxes)
    return ax


def _says_why_when_empty(plot):
    """Give ``plot`` an ``empty=`` sentence, drawn instead of the chart when its table has no rows.

    The sentence says what is missing (see :mod:`esnkit.steps.empty`); ``empty=""`` draws nothing
    (a table above already said why). A chart with nothing to draw and no ``empty`` is a mistake
    in the caller, so it raises.
    """

    takes_figures = "f" in inspect.signature(plot).parameters

    @functools.wraps(plot)
    def wrapper(table, *args, empty: str | None = None, ax=None, as_of=None, unit: str | None = None, **kwargs):
        if table is None or len(table) == 0:
            if empty is None:
                raise ValueError(f"{plot.__name__}: the table is empty; pass empty= with the reason to show instead")
            # empty="": the table shown just above already says why; draw nothing rather than say it twice
            return _empty_note(empty, ax) if empty else None
        if takes_figures:
            # unit: the data's unit of conversation (ctx.profile.unit()), in the labels of the title's figures
            kwargs["f"] = Figures("chart", as_of=str(as_of) if as_of is not None else "", unit=unit)
            if unit and "unit" in inspect.signature(plot).parameters:
                kwargs["unit"] = unit
        ax = plot(table, *args, ax=ax, **kwargs)
        if as_of is not None:
            _caption(ax)
        return ax

    return wrapper


def _title(ax, title: str | Told, **kwargs) -> None:
    """Set the chart's title, which states its finding: in the image, and kept for :func:`_caption`."""
    ax.esn_title = title
    ax.set_title(_wrapped(_MD_ESCAPE.sub(r"\1", str(title))), **kwargs)  # the image shows the words, not Markdown's escapes


def _caption(ax) -> None:
    """A deliverable's chart: its title printed above it as text (each figure in it a registered measure the audit
    holds to the rest of the deliverable, as a summary's are), the image left untitled."""
    title = getattr(ax, "esn_title", None) if ax is not None else None
    if not title:
        return
    ax.set_title("")
    show_markdown(title if isinstance(title, Told) else Told(escape_md(title)), block_name="chart")
    # shown now, under its caption (a cell drawing several charts would otherwise print every caption first),
    # with the caption as its alternative text for a reader who cannot see it
    from IPython.display import Image, display

    png = io.BytesIO()
    ax.figure.savefig(png, format="png", bbox_inches="tight")
    display(Image(data=png.getvalue()), metadata={"image/png": {"alt": _MD_ESCAPE.sub(r"\1", str(title))}})
    plt.close(ax.figure)


def _wrapped(title: str, width: int = 80) -> str:
    """A title that states a finding can be long: wrapped, so the figure keeps its width and its type size."""
    return textwrap.fill(title, width) if title else title


def _period_label(period) -> str:
    """``2026Q3`` -> ``Q3 2026``, ``2026-03`` -> ``Mar 2026``; other periods as they print."""
    text = str(period)
    m = re.fullmatch(r"(\d{4})Q([1-4])", text)
    if m:
        return f"Q{m.group(2)} {m.group(1)}"
    m = re.fullmatch(r"(\d{4})-(\d{2})", text)
    return pd.Timestamp(f"{text}-01").strftime("%b %Y") if m else text


def _integer_ticks(ax, axis: str = "y") -> None:
    """Counts of people or communities: whole-number ticks only, with thousands separators as the text writes them."""
    scale = ax.yaxis if axis == "y" else ax.xaxis
    scale.set_major_locator(mtick.MaxNLocator(integer=True))
    scale.set_major_formatter(mtick.FuncFormatter(lambda x, _pos: f"{x:,.0f}"))


def _month_axis(ax, x=None) -> None:
    """Month labels that never overlap (matplotlib's concise date labels), on month starts only.

    ``x``, the dates plotted: a single month gets a narrow window instead of matplotlib's years.
    """
    import matplotlib.dates as mdates

    dates = pd.Series(x) if x is not None else pd.Series(dtype="datetime64[ns]")
    if len(dates) and (dates == dates.iloc[0]).all():
        only = pd.Timestamp(dates.iloc[0])
        ax.set_xlim(only - pd.Timedelta(days=20), only + pd.Timedelta(days=20))
    lo, hi = ax.get_xlim()
    months = max(1, round((hi - lo) / 30.4))
    locator = mdates.MonthLocator(interval=max(1, -(-months // 8)))  # at most ~8 labels, always on month starts
    ax.xaxis.set_major_locator(locator)
    # two months or less: name each month in full (the concise labels would print times of day); else each
    # month, with its year under the first tick and under every January, so no tick leaves the year to guess
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y") if hi - lo < 62 else mtick.FuncFormatter(_month_tick))


def _month_tick(x, pos) -> str:
    """``Jan\n2026`` at the first tick and every January, ``Mar`` elsewhere."""
    import matplotlib.dates as mdates

    day = mdates.num2date(x)
    return f"{day:%b}\n{day:%Y}" if pos == 0 or day.month == 1 else f"{day:%b}"


def _percent_axis(axis) -> None:
    """A share's axis in whole percent at round steps (10%, 20%... or 1%, 2%...), never 2.5-point steps printed rounded."""
    axis.set_major_locator(mtick.MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(mtick.PercentFormatter(1.0, decimals=0))


def _every_month(periods: pd.Series) -> bool:
    """The months measured follow one another (a line may join them); False when months in between were never measured."""
    ordinals = pd.PeriodIndex(periods, freq="M").asi8
    return bool((np.diff(ordinals) == 1).all())


def _month_x(periods: pd.Series) -> pd.Series:
    return periods.dt.to_timestamp() if hasattr(periods, "dt") else pd.PeriodIndex(periods).to_timestamp()


@_says_why_when_empty
def plot_monthly_active(table: pd.DataFrame, *, ax=None, events: dict[str, object] | None = None, f: Figures):
    """Active and engaged people per month (from ``adoption.monthly_active``), the peak marked.

    The title is step 1's growth finding (:func:`esnkit.metrics.adoption.growth_summary`: complete
    months only). A ``complete`` column (step 1 adds it where the export starts part-way) marks the
    months inside the complete history: the peak is sought among them only, and the part before is shaded.
    """
    ax = _ax(ax)
    x = _month_x(table["month"])
    marker = "o" if len(table) <= 3 else None  # a line needs two points: a month or two of data are drawn as dots
    ax.plot(x, table["active"], color=PRIMARY, lw=2.2, label="active", marker=marker)
    ax.plot(x, table["engaged"], color=ACCENT, lw=1.8, label="engaged", marker=marker)
    inside = table["complete"].astype(bool) if "complete" in table.columns else pd.Series(True, index=table.index)
    peak = table["active"].where(inside).idxmax() if inside.any() else table["active"].idxmax()
    since = None
    if not inside.all() and inside.any():
        ax.axvspan(x[table.index[0]], x[inside.idxmax()], color="#eceff1", lw=0, label="before the complete history")
        since = pd.Period(table["month"][inside.idxmax()], "M").to_timestamp().tz_localize("UTC")
    ax.annotate(f"peak {table['active'][peak]:,}", (x[peak], table["active"][peak]), xytext=(8, -4), textcoords="offset points", fontsize=9)
    for when, label in (events or {}).items():
        ax.axvline(pd.Timestamp(when), color="#888", ls="--", lw=1)
        ax.text(pd.Timestamp(when), ax.get_ylim()[1] * 0.95, f" {label}", fontsize=8, color="#555", va="top")
    g = growth_summary(table.drop(columns="complete", errors="ignore"), since=since)
    if g["current_month"] is None:
        title: str | Told = "People active each month (no complete month yet)"
    else:
        now = pd.Period(g["current_month"], "M").strftime("%B %Y")
        head = f"People active each month: {f('monthly_active', g['current_active'], window=now)} in {now}"
        if g["current_month"] != g["peak_month"] and g["peak_active"] > 0:
            peak_month = pd.Period(g["peak_month"], "M").strftime("%B %Y")
            change = g["change_from_peak"]
            title = Told(
                f"{head}, {f('monthly_active_change_from_peak', abs(change))} {'below' if change < 0 else 'above'} the peak of {peak_month}", f
            )
        else:
            so_far = "so far" if since is None else f"since {pd.Period(g['since_month'], 'M').strftime('%B %Y')}"
            title = Told(f"{head}, the most {so_far}", f)
    _title(ax, title)
    ax.set(ylabel="people", xlabel="")
    _integer_ticks(ax)
    _month_axis(ax, x)
    ax.legend(frameon=False)
    return ax


@_says_why_when_empty
def plot_adoption_by(table: pd.DataFrame, *, by: str | None = None, ax=None, f: Figures):
    """Adoption rate per attribute value (from ``adoption.adoption_by``)."""
    by = by or table.columns[0]
    ax = _ax(ax, figsize=(9, max(2.5, 0.32 * len(table) + 1)))
    sns.barplot(data=table, y=by, x="adoption_rate", color=PRIMARY, ax=ax)
    _percent_axis(ax.xaxis)
    hi, lo = table.loc[table["adoption_rate"].idxmax()], table.loc[table["adoption_rate"].idxmin()]

    def rate(row) -> str:
        return f"{f('adoption_rate', row['adoption_rate'], segment={by: str(row[by])})} ({f.name(escape_md(row[by]))})"

    spread = f": from {rate(lo)} to {rate(hi)}" if len(table) > 1 else ""
    _title(ax, Told(f"Active in the last {f.term('90')} days, share of headcount, by {escape_md(by)}{spread}", f))
    ax.set(xlabel="", ylabel="")
    return ax


@_says_why_when_empty
def plot_flows(table: pd.DataFrame, *, ax=None, f: Figures):
    """New, returning and reactivated people per month, those who stopped below the line (``monthly_flows``)."""
    ax = _ax(ax)
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for column, colour in (("returning", PRIMARY), ("new", ACCENT), ("reactivated", "#2e7d32")):
        ax.bar(x, table[column], bottom=bottom, color=colour, label=column, width=0.8)
        bottom += table[column].to_numpy()
    ax.bar(x, -table["stopped"], color="#b71c1c", label="stopped (active the month before)", width=0.8)
    ax.axhline(0, color="#333", lw=0.8)
    _integer_ticks(ax)
    ax.yaxis.set_major_formatter(mtick.FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))  # people who stopped below the line, counted positive
    step = max(1, len(table) // 12)
    ax.set_xticks(x[::step], [str(p) for p in table["month"]][::step], rotation=45, ha="right")
    recent = table.tail(6)
    losing = int((recent["stopped"] > recent["new"] + recent["reactivated"]).sum())
    if len(recent) > 1:
        verdict = f"more stopped than arrived in {f('months_more_stopped', losing)} of the last {f.term(str(len(recent)))} months"
    else:  # "in 0 of the last 1 months" says nothing: with one month there is nothing to compare
        last = recent.iloc[-1]  # an empty table never gets here (see _says_why_when_empty)
        month = pd.Period(last["month"], "M").strftime("%B %Y")
        verdict = (
            f"one month so far, {f('arrived_in_month', int(last['new'] + last['reactivated']), window=month)} arrived "
            f"and {f('stopped_in_month', int(last['stopped']), window=month)} stopped"
        )
    _title(ax, Told(f"Who is active each month, and who stopped: {verdict}", f))
    ax.set(ylabel="people")
    ax.legend(frameon=False, ncol=4, fontsize=8)
    return ax


@_says_why_when_empty
def plot_cohort_retention(table: pd.DataFrame, *, ax=None):
    """Cohort retention heatmap (from ``adoption.cohort_retention``)."""
    grid = table.pivot(index="cohort", columns="months_since", values="retention")
    ax = _ax(ax, figsize=(9, max(3, 0.28 * len(grid) + 1)))
    sns.heatmap(
        grid, cmap="Blues", vmin=0, vmax=1, annot=len(grid) <= 24, fmt=".0%", annot_kws={"fontsize": 8},
        cbar=True, cbar_kws={"label": "still active", "format": mtick.PercentFormatter(1.0, decimals=0)}, ax=ax,
    )  # fmt: skip
    _title(ax, "Share of each starting cohort (by month of first activity) still active in each month after")
    ax.set(xlabel="months since first activity", ylabel="first active")
    return ax


@_says_why_when_empty
def plot_segments(table: pd.DataFrame, *, column: str = "segment", order=None, ax=None, f: Figures):
    """People per segment (usage segments or personas)."""
    counts = table[column].value_counts().reindex(order or table[column].value_counts().index, fill_value=0)
    ax = _ax(ax, figsize=(9, 2.8))
    ax.barh(counts.index[::-1], counts.to_numpy()[::-1], color=PRIMARY)
    for y, v in enumerate(counts.to_numpy()[::-1]):
        ax.text(v, y, f" {v:,} ({percent(v / max(1, counts.sum()))})", va="center", fontsize=8)
    ax.set_xlim(0, max(int(counts.max()), 1) * 1.25)  # room inside the frame for the longest bar's label
    top = counts.idxmax()
    share = counts.max() / max(1, counts.sum())
    _title(
        ax,
        Told(
            f"People by {escape_md(column)}: the most are {f.name(escape_md(top))}, "
            f"{f('people_in_segment', int(counts.max()), segment={column: str(top)})} ({f('people_in_segment_share', share, segment={column: str(top)})})",
            f,
        ),
    )
    ax.set(xlabel="people")
    _integer_ticks(ax, "x")
    return ax


@_says_why_when_empty
def plot_response_rate(table: pd.DataFrame, *, ax=None, f: Figures, unit: str = "threads"):
    """Response rate per period (from ``conversations.response_rate(..., period=...)``), each point labelled with its median hours.

    One axis (no second scale to misread): the share answered, in percent; the median time to the
    first response is written beside each point. ``unit``: the data's unit of conversation (ctx.profile.unit()).
    """
    ax = _ax(ax)
    x = [_period_label(p) for p in table["period"]]
    ax.plot(x, table["response_rate"], marker="o", color=PRIMARY, label=f"{unit} answered")
    for xi, rate, hours in zip(x, table["response_rate"], table["median_hours_to_first_response"]):
        if pd.notna(hours):
            ax.annotate(f"{hours:.1f} h", (xi, rate), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=8, color="#555")
    _percent_axis(ax.yaxis)
    ax.set_ylim(0, 1.08)
    # the quarter's own figure, to the KPI's one decimal: beside "80.4% (last 90 days)" a rounded "81%" reads as a third figure
    last = f("response_rate_quarter", table["response_rate"].iloc[-1], window=x[-1])
    _title(ax, Told(f"Share of new {unit} answered: {last} in {x[-1]} (labels: median time to the first response)", f))
    ax.set(xlabel="", ylabel=f"{unit} answered")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return ax


@_says_why_when_empty
def plot_activity_heatmap(table: pd.DataFrame, *, timezone: str | None = None, ax=None, f: Figures):
    """Messages by weekday and hour (from ``conversations.activity_heatmap``), in the time zone it was counted in.

    ``timezone`` defaults to the table's ``attrs["timezone"]`` (UTC when it has none); the title and
    the hour axis name it (as a name: ``Etc/GMT+5`` holds no figure).
    """
    zone = timezone or table.attrs.get("timezone") or "UTC"
    grid = table.pivot(index="weekday", columns="hour", values="messages")
    days = [WEEKDAYS[int(d)] for d in grid.index]  # 0 is Monday
    grid.index = [d[:3] for d in days]
    ax = _ax(ax, figsize=(9, 2.8))
    sns.heatmap(grid, cmap="Blues", cbar=True, cbar_kws={"label": "messages"}, ax=ax)
    day, hour = np.unravel_index(int(np.nanargmax(grid.to_numpy())), grid.shape)
    _title(ax, Told(f"When people post ({f.name(escape_md(zone))}): busiest on {days[day]} at {f.term(f'{int(grid.columns[hour]):02d}:00')}", f))
    ax.set(xlabel=f"hour ({zone})", ylabel="")
    return ax


@_says_why_when_empty
def plot_community_status(scorecard: pd.DataFrame, *, ax=None, f: Figures):
    """Communities per lifecycle status (from ``communities.community_scorecard``, or step 4's triage).

    The title counts the thriving and growing communities as every step does. Step 4's triage marks
    likely duplicates (``duplicate_of``) without changing their status: the title says how many
    there are, to merge.
    """
    order = [s for s in STATUS_COLOURS if s in set(scorecard["status"])]
    counts = scorecard["status"].value_counts().reindex(order, fill_value=0)
    ax = _ax(ax, figsize=(9, 2.6))
    ax.bar(counts.index, counts.to_numpy(), color=[STATUS_COLOURS[s] for s in counts.index])
    for i, v in enumerate(counts.to_numpy()):
        ax.text(i, v, f"{v:,}", ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, max(int(counts.max()), 1) * 1.15)  # room above the tallest bar for its count
    healthy = int(scorecard["status"].isin(list(HEALTHY)).sum())
    duplicates = int(scorecard["duplicate_of"].notna().sum()) if "duplicate_of" in scorecard.columns else 0
    title = f"Communities by status: {f('healthy_communities', healthy)} of {f('communities', int(counts.sum()))} thriving or growing"
    if duplicates:
        title += f"; {f('communities_duplicate_live', duplicates)} likely {'duplicate' if duplicates == 1 else 'duplicates'} to merge"
    _title(ax, Told(title, f))
    ax.set(ylabel="communities")
    _integer_ticks(ax)
    return ax


@_says_why_when_empty
def plot_department_mixing(table: pd.DataFrame, *, by: str | None = None, ax=None, f: Figures):
    """E-I index per department (from ``network.department_mixing``): left = inward-looking."""
    by = by or table.columns[0]
    ax = _ax(ax, figsize=(9, max(2.5, 0.32 * len(table) + 1)))
    colours = ["#b71c1c" if v < 0 else PRIMARY for v in table["ei_index"].fillna(0)]
    ax.barh(table[by].astype(str)[::-1], table["ei_index"].fillna(0)[::-1], color=colours[::-1])
    ax.axvline(0, color="#333", lw=0.8)
    ax.set_xlim(-1, 1)
    low = table.loc[table["ei_index"].idxmin()] if table["ei_index"].notna().any() else None
    finding = (
        f": {f.name(escape_md(low[by]))} the most inward-looking ({f('department_ei_index', low['ei_index'], segment={by: str(low[by])})})"
        if low is not None and low["ei_index"] < 0
        else ""
    )
    scale = f"{f.term('−1')} only inward, {f.term('+1')} only outward"
    _title(ax, Told(f"Who talks beyond their own department (E-I index of the interactions given and received, {scale}){finding}", f))
    ax.set(xlabel="E-I index")
    return ax


@_says_why_when_empty
def plot_department_network(table: pd.DataFrame, *, ax=None, seed: int = 0, f: Figures):
    """Departments as a network (from ``network.department_ties``): node size = people, line width = interactions."""
    import networkx as nx

    g = nx.Graph()
    for r in table.itertuples():  # a loop over department pairs (a few hundred at most)
        g.add_node(r.a, people=r.people_a)
        g.add_node(r.b, people=r.people_b)
        g.add_edge(r.a, r.b, weight=r.interactions)
    ax = _ax(ax, figsize=(9, 6))
    pos = nx.spring_layout(g, weight="weight", seed=seed)
    widths = np.asarray([d["weight"] for *_, d in g.edges(data=True)], dtype=float)
    nx.draw_networkx_edges(g, pos, ax=ax, width=0.5 + 6 * widths / widths.max(), edge_color="#9aa9bb", alpha=0.8)
    sizes = np.asarray([g.nodes[n]["people"] for n in g.nodes], dtype=float)
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=200 + 1800 * sizes / sizes.max(), node_color=PRIMARY, alpha=0.9)
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=8, font_color="#111", bbox={"facecolor": "white", "alpha": 0.7, "lw": 0, "pad": 1})
    top = table.iloc[0]
    pair = f("department_pair_interactions", int(top["interactions"]), segment={"department": str(top["a"]), "other department": str(top["b"])})
    _title(
        ax,
        Told(f"Who talks to whom across departments: most between {f.name(escape_md(top['a']))} and {f.name(escape_md(top['b']))} ({pair})", f),
        fontsize=10,
    )
    ax.set_axis_off()
    return ax


@_says_why_when_empty
def plot_influence_curve(curve: pd.DataFrame, *, score: float | None = None, ax=None, f: Figures):
    """How influence drops from the most influential person down (from ``network.influence_curve``)."""
    ax = _ax(ax, figsize=(9, 2.8))
    ax.bar(curve["rank"], curve["relative"], color=PRIMARY, width=0.7)
    _percent_axis(ax.yaxis)
    ax.set_ylim(0, 1.05)
    ax.set_xticks(curve["rank"].tolist())
    finding = (
        f": influencer risk score {f('influencer_risk_score', score)} ({f.term('0')} shared, {f.term('1')} one person)"
        if score is not None and np.isfinite(score)
        else ""
    )
    _title(ax, Told(f"Influence of the top {f.term(str(len(curve)))} people relative to the most influential{finding}", f))
    ax.set(xlabel="rank by PageRank", ylabel="share of the top person's")
    return ax


@_says_why_when_empty
def plot_department_matrix(matrix: pd.DataFrame, *, ax=None, f: Figures):
    """Who talks to whom between departments (from ``network.department_matrix``): each row sums to 100%.

    The title states the finding: the most inward-looking row (the largest share kept on the diagonal).
    """
    rows = list(matrix.index)
    inside = pd.Series([matrix.loc[r, r] if r in matrix.columns else 0.0 for r in rows], index=rows)
    size = max(len(matrix.columns), len(rows))
    ax = _ax(ax, figsize=(9, max(3.2, 0.42 * len(rows) + 1.6)))
    sns.heatmap(
        matrix, cmap="Blues", vmin=0, vmax=1, annot=size <= 14, fmt=".0%", annot_kws={"fontsize": 8}, linewidths=0.5,
        cbar=True, cbar_kws={"label": "share of the row's interactions", "format": mtick.PercentFormatter(1.0, decimals=0)}, ax=ax,
    )  # fmt: skip
    top = inside.idxmax()
    who = matrix.index.name or "department"
    own = f("department_given_internal_share", inside.max(), segment={who: str(top)})
    _title(
        ax,
        Told(
            f"{f.name(escape_md(top))} directs {own} of the interactions it gives at itself; the median department, "
            f"{f('department_given_internal_median', inside.median())}",
            f,
        ),
        fontsize=10,
    )
    ax.set(xlabel=f"interactions directed at ({matrix.columns.name or 'to'})", ylabel=f"interactions given by ({matrix.index.name or 'from'})")
    ax.tick_params(axis="x", labelrotation=35, labelsize=8)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.tick_params(axis="y", labelsize=8)
    return ax


@_says_why_when_empty
def plot_survey_heatmap(table: pd.DataFrame, *, by: str = "department", ax=None, f: Figures):
    """Favourable share for every question (rows, weakest first) by segment (columns), from ``voice.survey_favourability(by=...)``."""
    grid = table.pivot(index="question", columns=by, values="favourable")
    grid = grid.loc[grid.mean(axis=1).sort_values().index]
    ax = _ax(ax, figsize=(9, max(2.8, 0.45 * len(grid) + 1.8)))
    sns.heatmap(
        grid, cmap="RdYlGn", vmin=0, vmax=1, annot=grid.shape[1] <= 14, fmt=".0%", annot_kws={"fontsize": 8}, linewidths=0.5,
        cbar=True, cbar_kws={"label": "favourable (4 or 5 of 5)", "format": mtick.PercentFormatter(1.0, decimals=0)}, ax=ax,
    )  # fmt: skip
    _title(ax, Told(f"Weakest on average: \u201c{f.name(escape_md(grid.index[0]))}\u201d", f), fontsize=10)
    ax.set(xlabel=str(by).replace("_", " "), ylabel="")  # a roster attribute (job_title) in words
    ax.tick_params(axis="x", labelrotation=35, labelsize=8)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.set_yticklabels([textwrap.fill(str(t.get_text()), 45) for t in ax.get_yticklabels()], fontsize=8)
    return ax


@_says_why_when_empty
def plot_key_individuals(table: pd.DataFrame, *, top: int = 15, ax=None):
    """The people who hold the network together, ranked by brokerage (from ``network.key_individuals``).

    A ranked bar of the top ``top`` by betweenness, coloured by role and labelled by the ``person``
    column (a stable reference, see :meth:`esnkit.steps.context.StepContext.person_rows`) when there
    is one. The bar is the person's share of the top person's brokerage, so no raw centrality is shown.
    """
    t = table.sort_values("betweenness", ascending=False).head(top).iloc[::-1]
    ax = _ax(ax, figsize=(9, max(2.5, 0.3 * len(t) + 1)))
    labels = t["person"].astype(str) if "person" in t.columns else [f"#{i}" for i in range(len(t), 0, -1)]
    peak = float(t["betweenness"].max())
    if peak <= 0:  # every tie is direct: no one brokers between others yet
        return _empty_note("No one yet links people who are not otherwise connected: every tie in this network is direct.", ax)
    ax.barh(list(labels), t["betweenness"] / peak, color=[ROLE_COLOURS.get(r, ROLE_COLOURS[""]) for r in t["role"]])
    _percent_axis(ax.xaxis)
    ax.set_xlim(0, 1.05)
    _title(ax, "Who connects the network: brokerage relative to the top person")
    ax.set(xlabel="brokerage (share of the top person's)", ylabel="")
    present = [r for r in ROLE_COLOURS if (t["role"] == r).any()]
    handles = [plt.Rectangle((0, 0), 1, 1, color=ROLE_COLOURS[r]) for r in present]
    ax.legend(handles, [r or "others" for r in present], frameon=False, fontsize=8, loc="lower right")
    return ax


@_says_why_when_empty
def plot_favourability(table: pd.DataFrame, *, ax=None, f: Figures):
    """Favourable share per survey question (from ``voice.survey_favourability`` without ``by``)."""
    t = table.sort_values("favourable")
    ax = _ax(ax, figsize=(9, max(2.5, 0.4 * len(t) + 1)))
    ax.barh(t["question"], t["favourable"], color=PRIMARY)
    _percent_axis(ax.xaxis)
    ax.set_xlim(0, 1)
    low = t.iloc[0]
    lowest = f("survey_favourable", low["favourable"], segment={"question": str(low["question"])})
    _title(
        ax,
        Told(
            f"Share answering favourably ({f.term('4')} or {f.term('5')} of {f.term('5')}): lowest for \u201c{f.name(escape_md(low['question']))}\u201d, {lowest}",
            f,
        ),
    )
    ax.set(xlabel="")
    return ax


def _kpi_axis(ax, kpi: str | None, percent: bool) -> None:
    """The value axis as the KPI prints: percent for shares, whole numbers for counts, hours with ``h``."""
    unit = None
    if kpi:
        from .metrics.kpis import kpi as lookup

        unit = lookup(kpi).unit
    lo, hi = ax.get_ylim()
    if unit == "share" or (unit is None and percent):
        bottom, top = max(lo, 0.0), min(hi, 1.0)  # a share lives in 0-100%: no 104% or -4% ticks
        if top - bottom < 0.1:  # a flat line at 0% or at 100%: a 10-point window inside the bounds
            bottom, top = (0.0, 0.1) if top <= 0.1 else (top - 0.1, top)
        ax.set_ylim(bottom, top)
        _percent_axis(ax.yaxis)
    elif unit == "count":
        bottom, top = max(lo, 0.0), max(hi, 1.0)  # never below zero; a flat zero still has a scale
        if top - bottom < 2:  # a flat count: whole numbers either side, not ten ticks all reading "3"
            middle = round((bottom + top) / 2)
            bottom, top = max(middle - 1, 0), max(middle - 1, 0) + 2
        ax.set_ylim(bottom, top)
        _integer_ticks(ax)
        ax.yaxis.set_major_formatter(mtick.StrMethodFormatter("{x:,.0f}"))
    elif unit == "hours":
        ax.yaxis.set_major_formatter(mtick.FuncFormatter(lambda v, _: f"{v:g} h"))


@_says_why_when_empty
def plot_glide_path(
    path: pd.DataFrame, *, actual: pd.DataFrame | None = None, title: str = "", percent: bool = False, kpi: str | None = None, ax=None
):
    """An objective's monthly glide path (``month``, ``target``), with actual values when given; ``kpi`` formats the axis."""
    ax = _ax(ax, figsize=(9, 3))
    ax.plot(_month_x(path["month"]), path["target"], color=ACCENT, ls="--", marker=".", label="glide path")
    if actual is not None and len(actual):
        measured = actual.dropna(subset=["value"])
        # a KPI measured less than monthly (the quarterly census) as its points alone: no line through months never measured
        ls = "-" if _every_month(measured["month"]) else "none"
        ax.plot(_month_x(measured["month"]), measured["value"], color=PRIMARY, marker="o", ls=ls, label="actual")
    _kpi_axis(ax, kpi, percent)
    _month_axis(ax, _month_x(path["month"]))
    _title(ax, title)
    ax.set(xlabel="")
    ax.legend(frameon=False, fontsize=8)
    return ax


@_says_why_when_empty
def plot_kpi_trend(
    table: pd.DataFrame,
    *,
    value: str,
    title: str = "",
    percent: bool = False,
    marks: dict | None = None,
    kpi: str | None = None,
    forecast: pd.DataFrame | None = None,
    ax=None,
):
    """A KPI's history (``month`` and ``value`` columns) with campaign dates marked; ``kpi`` formats the axis.

    Values measured every month are joined by a line; a KPI measured less often (the quarterly
    community census) is drawn as its points alone, so no line pretends to months never measured.
    ``forecast`` (:func:`esnkit.metrics.trends.trend_path`: ``month``, ``central``, ``low``, ``high``)
    adds the trend to the deadline, dashed, with its interval shaded.
    """
    ax = _ax(ax, figsize=(9, 3))
    table = table.dropna(subset=[value])
    x = _month_x(table["month"])
    if _every_month(table["month"]):
        ax.plot(x, table[value], color=PRIMARY, marker="o", ms=3, label="measured")
    else:
        ax.plot(x, table[value], color=PRIMARY, marker="o", ms=6, ls="none", label="measured (quarterly)")
    shown = [x]
    if forecast is not None and len(forecast):
        fx = _month_x(forecast["month"])
        ax.fill_between(fx, forecast["low"], forecast["high"], color=ACCENT, alpha=0.15, lw=0, label="80% range")
        ax.plot(fx, forecast["central"], color=ACCENT, ls="--", lw=1.5, label="on this trend")
        shown.append(fx)
        ax.legend(frameon=False, fontsize=8)
    for when, label in (marks or {}).items():
        ax.axvline(pd.Timestamp(when), color=ACCENT, ls="--", lw=1)
        ax.text(pd.Timestamp(when), ax.get_ylim()[1], f" {label}", fontsize=8, color=ACCENT, va="top")
    _kpi_axis(ax, kpi, percent)
    _month_axis(ax, pd.concat([pd.Series(v) for v in shown], ignore_index=True))
    _title(ax, title)
    ax.set(xlabel="")
    return ax
