"""The consultant's explorer: ipywidgets in JupyterLab, over the same metric functions as the five steps.

``Explorer.for_client("data/acme").widget`` shows KPI tiles (with the change on the previous period
of the same length), a view picker (active people by day, week or month; response rate; community
status; adoption, personas, the department matrix and the key people), quick ranges, a filter on
every roster attribute, a community drill-down (tiles, status line and every view inside the
community's own people), reset and export. Every change recomputes :attr:`Explorer.table` (what is
displayed); one refresh runs at a time, and a change made during one supersedes it.

Fast at 10,000 people and a million events: filtering works on the integer codes the metrics use
(:func:`filter_dataset`, no string ``isin``), a filter that keeps everything returns the Dataset
itself, and the filtered Dataset and each view's table are kept per filter, so switching views or
coming back to a filter recomputes nothing. ``benchmarks/explorer.py`` measures each kind of change.

Privacy: a filter that leaves fewer than ``min_group_size`` people replaces every output with the
notice, and so does one whose people differ from a selection already shown in the session by
fewer than that (see :class:`Explorer`); the filter lists only offer values that at least
``min_group_size`` people hold; a persona held by fewer shows no count, key people are never
listed from a department of fewer among those chosen, and export writes nothing while withheld.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ._fast import micros
from ._text import signed
from .dataset import SCHEMA, Dataset
from .metrics import adoption, communities, conversations, kpis, network, participation
from .metrics._base import codes, population

__all__ = ["filter_dataset", "filter_attributes", "Explorer", "METRIC_VIEWS", "QUICK_RANGES", "ATTRIBUTES"]

#: People columns that are never filters: ids, dates and flags.
NOT_ATTRIBUTES = frozenset({"person_id", "joined_at", "state", "is_external", "is_bot", "manager_id", "in_roster", "on_platform"})
#: Offered first, in this order, when present; every other roster attribute follows.
ATTRIBUTES = ("department", "location", "grade", "job_title")
#: An attribute with more distinct values than this (an id-like column) is not offered as a filter.
MAX_FILTER_VALUES = 500


def filter_attributes(people: pd.DataFrame) -> list[str]:
    """The people attributes offered as filters: department, location, grade, job title, then any other roster column."""
    others = sorted(c for c in people.columns if c not in NOT_ATTRIBUTES and c not in ATTRIBUTES)
    columns = [c for c in ATTRIBUTES if c in people.columns] + others
    text = [c for c in columns if people[c].dtype.kind in "OUS" or str(people[c].dtype) in ("str", "string", "category")]
    return [c for c in text if people[c].notna().any()]


#: Quick ranges: label -> days back from the end of the data (None: everything).
QUICK_RANGES: dict[str, int | None] = {"all": None, "year": 365, "quarter": 91, "90 days": 90, "28 days": 28}
#: The quick-range button that brings back the months the consultant chose on the slider.
CUSTOM = "custom"


class _Index:
    """Integer codes of one Dataset for filtering: people rows, message times, who wrote or reacted."""

    def __init__(self, ds: Dataset):
        c = codes(ds)
        self.n_people = len(ds.people)
        self.msg_time = micros(ds.messages["created_at"])
        self.msg_author = c.author
        self.rx_person, self.rx_msg = c.reactor, c.reaction_message  # a reaction goes with its message
        self.mention_msg, self.mentioned = c.mention_message, c.mentioned
        self.attributes = {a: pd.factorize(ds.people[a]) for a in filter_attributes(ds.people)}
        dated = self.msg_time[self.msg_time > np.iinfo(np.int64).min]  # NaT is the int64 minimum
        self.first, self.last = (int(dated.min()), int(dated.max())) if len(dated) else (0, 0)


class _Recent:
    """The last ``size`` results by key, most recently used kept: the explorer's memory of filters and views."""

    def __init__(self, size: int):
        self.size, self.items = size, {}

    def get(self, key, compute: Callable):
        if key in self.items:
            self.items[key] = self.items.pop(key)  # most recent last
        else:
            self.items[key] = compute()
            while len(self.items) > self.size:
                self.items.pop(next(iter(self.items)))
        return self.items[key]


def _rows(mask: np.ndarray, codes_: np.ndarray) -> np.ndarray:
    """``mask[codes_]`` with -1 (no one) mapping to False."""
    return np.append(mask, False)[np.where(codes_ >= 0, codes_, len(mask))]


def filter_dataset(
    ds: Dataset,
    *,
    start=None,
    end=None,
    departments: Iterable[str] = (),
    locations: Iterable[str] = (),
    attributes: Mapping[str, Iterable[str]] | None = None,
) -> Dataset:
    """A Dataset restricted to activity between ``start`` and ``end`` (inclusive days) by the chosen people.

    People are kept when each chosen attribute (``departments``, ``locations``, or any roster
    attribute in ``attributes``) is one of the chosen values (an empty choice keeps everyone);
    messages, reactions and mentions are kept when their author/person is kept and their time is in
    the range. Works on integer codes; a filter that keeps everything returns ``ds`` itself.
    """
    chosen = {k: list(v) for k, v in (attributes or {}).items() if v}
    if departments:
        chosen["department"] = list(departments)
    if locations:
        chosen["location"] = list(locations)
    idx: _Index = ds.cached("explorer_index", (), lambda: _Index(ds))
    lo = micros(pd.Timestamp(start, tz="UTC")) if start is not None else np.iinfo(np.int64).min + 1
    hi = micros(pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)) if end is not None else np.iinfo(np.int64).max
    if not chosen and lo <= idx.first and hi > idx.last:
        return ds
    keep = np.ones(idx.n_people, dtype=bool)
    for attribute, values in chosen.items():
        if attribute not in idx.attributes:
            raise ValueError(f"people have no attribute {attribute!r} to filter on")
        codes_, uniques = idx.attributes[attribute]
        wanted = np.flatnonzero(pd.Index(uniques).isin([str(v) for v in values]))
        keep &= np.isin(codes_, wanted)
    msg = _rows(keep, idx.msg_author) & (idx.msg_time >= lo) & (idx.msg_time < hi)
    rx = _rows(keep, idx.rx_person) & _rows(msg, idx.rx_msg)
    mention = _rows(msg, idx.mention_msg) & _rows(keep, idx.mentioned)
    tables = {name: getattr(ds, name) for name in SCHEMA}
    tables.update(people=ds.people[keep], messages=ds.messages[msg], reactions=ds.reactions[rx], mentions=ds.mentions[mention])
    return Dataset(identities=ds.identities.iloc[0:0], meta=ds.meta, **tables)


def _active(ds, as_of, floor, freq="M"):
    """Distinct people active (posted, replied or reacted) per day, week or month."""
    from .metrics._base import active_days, day_dates

    who, days = active_days(ds, as_of=as_of)
    if len(who) == 0:
        return pd.DataFrame({"period": pd.Series(dtype="str"), "active": pd.Series(dtype="int64")})
    period = day_dates(days).dt.to_period({"D": "D", "W": "W-SUN", "M": "M"}[freq])
    out = pd.DataFrame({"period": period, "who": who}).groupby("period")["who"].nunique().rename("active").reset_index()
    out["period"] = out["period"].astype("str")
    return out


def _monthly(ds, as_of, floor, freq="M"):
    return adoption.monthly_active(ds, as_of=as_of)


def _response(ds, as_of, floor, freq="M"):
    # the threads every response figure counts (not bots' or guests'), as the KPI and step 1 count them
    return conversations.response_rate(conversations.counted_threads(ds, conversations.thread_responses(ds, as_of=as_of)), period="M")


def _status(ds, as_of, floor, freq="M"):
    sc = communities.community_scorecard(ds, as_of=as_of)
    return sc[["group_id", "name", "status", "active_members", "messages_q0", "messages_q1", "response_rate", "rule"]]


def _by_department(ds, as_of, floor, freq="M"):
    return adoption.adoption_by(ds, as_of=as_of, by="department", min_group_size=floor)


def _personas(ds, as_of, floor, freq="M"):
    p = participation.personas(ds, as_of=as_of)
    counts = p["persona"].value_counts()
    order = [x for x in participation.PERSONAS if x in counts.index]
    # a persona held by fewer people than the floor is a cell of a few people: its count is not shown
    people = pd.array([int(counts[x]) if counts[x] >= floor else None for x in order], dtype="Int64")
    return pd.DataFrame({"persona": order, "people": people})


def _matrix(ds, as_of, floor, freq="M"):
    return network.department_matrix(ds, as_of=as_of, min_group_size=floor).reset_index()


def _department_network(ds, as_of, floor, freq="M"):
    return network.department_ties(ds, as_of=as_of, min_group_size=floor)


def _key_people(ds, as_of, floor, freq="M"):
    # no one is listed from a department of fewer people than the floor among those chosen
    sizes = population(ds)["department"].fillna("(unknown)").astype("str").value_counts() if "department" in ds.people.columns else None
    t = network.key_individuals(ds, as_of=as_of)
    if sizes is not None:
        t = t[t["department"].fillna("(unknown)").astype("str").map(sizes).fillna(0).to_numpy() >= floor]
    t = t.head(15)
    return t.assign(brokerage_rank=np.arange(1, len(t) + 1))[["person_id", "role", "department", "degree", "cross_department_ties", "brokerage_rank"]]


#: view label -> (compute(ds, as_of, min_group_size, freq) -> table, plot function name or None).
#: Views whose windows (90 days, quarters) would be cut short by the range see the people filter only,
#: at the range's last day: see ``Explorer.refresh``.
METRIC_VIEWS: dict[str, tuple[Callable, str | None]] = {
    "Monthly active people": (_monthly, "plot_monthly_active"),
    "Active people (by day, week or month)": (_active, None),
    "Response rate by month": (_response, "plot_response_rate"),
    "Community status": (_status, "plot_community_status"),
    "Adoption by department": (_by_department, "plot_adoption_by"),
    "Personas": (_personas, None),
    "Department matrix": (_matrix, None),
    "Network: departments": (_department_network, "plot_department_network"),
    "Key people (network)": (_key_people, None),
}
#: Views the "By" control (day, week or month) changes: no other view refreshes when it moves.
BY_PERIOD = {"Active people (by day, week or month)"}
#: Columns a view keeps for the explorer's own use (the drill-down, person labels), never shown or exported.
HIDDEN_COLUMNS = ("person_id", "group_id")
#: Views measured over windows of their own, ending on the range's last day.
WINDOWED = {"Community status", "Adoption by department", "Personas", "Department matrix", "Network: departments", "Key people (network)"}


#: JupyterLab does not load the deliverables' stylesheet: the tiles carry their own.
TILE_STYLE = (
    "<style>.esn-kpis{display:flex;flex-wrap:wrap;gap:8px;margin:4px 0}"
    ".esn-kpi{border:1px solid #dde3ea;border-top:4px solid #1f3a5f;padding:6px 10px;min-width:160px;flex:1}"
    ".esn-kpi .v{font-size:17px;font-weight:700;color:#1f3a5f}.esn-kpi .l{font-size:11px;color:#555}</style>"
)


def _in_community(ds: Dataset, gid: str) -> Dataset:
    """``ds`` inside one community: its messages, the reactions and mentions on them, and its people.

    Its people are its members (``memberships``) and everyone who wrote or reacted there, so every
    share a view divides (people active each month over people registered, say) is over the
    community's own people, not the whole network's.
    """
    messages = ds.messages[(ds.messages["group_id"] == gid).fillna(False).to_numpy(dtype=bool)]
    on = ds.reactions["message_id"].isin(messages["message_id"]).to_numpy()
    reactions = ds.reactions[on]
    mentions = ds.mentions[ds.mentions["message_id"].isin(messages["message_id"]).to_numpy()]
    members = set(ds.memberships.loc[ds.memberships["group_id"] == gid, "person_id"].dropna())
    members |= set(messages["author_id"].dropna()) | set(reactions["person_id"].dropna())
    people = ds.people[ds.people["person_id"].isin(members).to_numpy()]
    tables = {name: getattr(ds, name) for name in SCHEMA}
    tables.update(people=people, messages=messages, reactions=reactions, mentions=mentions)
    return Dataset(identities=ds.identities.iloc[0:0], meta=ds.meta, **tables)


class Explorer:
    """KPI tiles, views, quick ranges, roster filters and a community drill-down over one client's Dataset.

    One refresh at a time: a change made while a refresh runs (from another thread, or a kernel that
    handles widget messages concurrently) only marks the state newer; the running refresh then draws
    again for it, and a refresh overtaken by a newer change publishes nothing. A refresh computes
    everything first and then replaces the output area's contents in one assignment (charts as PNG,
    their figures closed), so the output never holds two views, never a blank chart area, and nothing
    is printed outside it.

    Privacy against differencing: every selection of people shown (the filters, inside a community
    when one is chosen) is remembered for the session; a new one is shown only when it has at least
    ``min_group_size`` people and, against every selection shown before, neither holds between 1 and
    ``min_group_size - 1`` people the other does not (so no two figures shown differ by a small group).
    The rule holds pairs: a small group reached by adding and subtracting three or more selections
    is not tracked.
    """

    def __init__(self, ds: Dataset, *, as_of=None, min_group_size: int = 5, exports: str | Path | None = None, person_labels=None):
        import ipywidgets as w

        self.ds = ds
        self.min_group_size = min_group_size
        self.exports = Path(exports) if exports else None
        self.person_labels = person_labels
        start, end = ds.coverage()
        end = pd.Timestamp(as_of, tz="UTC") if as_of else (end if end is not None else pd.Timestamp.now(tz="UTC"))
        start = start if start is not None else end - pd.Timedelta(days=365)
        self.end = end.normalize()
        months = pd.period_range(start.tz_localize(None).to_period("M"), end.tz_localize(None).to_period("M"), freq="M")
        self.months = [str(p) for p in months]
        self.date_range = w.SelectionRangeSlider(
            options=self.months, index=(0, len(self.months) - 1), description="Months", layout=w.Layout(width="95%")
        )
        self.quick = w.ToggleButtons(options=[*QUICK_RANGES, CUSTOM], value="all", description="Range", style={"button_width": "82px"})
        self.granularity = w.ToggleButtons(options=[("day", "D"), ("week", "W"), ("month", "M")], value="M", description="By")
        people = population(ds)
        self._population = pd.Index(people["person_id"].astype("str"))
        self.filters: dict[str, object] = {}
        for attribute in filter_attributes(people):
            held = people[attribute].value_counts()
            if 0 < len(held) <= MAX_FILTER_VALUES:
                options = sorted(str(v) for v in held[held >= min_group_size].index)  # values few people hold are never listed
                if options:
                    label = attribute.replace("_", " ")
                    self.filters[attribute] = w.SelectMultiple(
                        options=options, description=label.capitalize(), rows=min(6, max(2, len(options))), style={"description_width": "initial"}
                    )
        self.departments = self.filters.get("department") or w.SelectMultiple(options=[], description="Department")
        self.locations = self.filters.get("location") or w.SelectMultiple(options=[], description="Location")
        self.metric = w.Dropdown(options=list(METRIC_VIEWS), description="View", layout=w.Layout(width="420px"))
        groups = ds.groups.dropna(subset=["name"]).sort_values("name")
        self.community = w.Dropdown(options=[("(all communities)", "")] + list(zip(groups["name"], groups["group_id"])), description="Community")
        self._community_names = dict(zip(groups["group_id"], groups["name"]))
        self.reset_button = w.Button(description="Reset", icon="undo")
        self.export_button = w.Button(
            description="Export view", icon="download", tooltip="the current table as an Excel-safe CSV and the chart as PNG"
        )
        self.tiles = w.HTML()
        self.output = w.Output()
        self.status = w.HTML()
        self.table: pd.DataFrame = pd.DataFrame()
        self.community_table: pd.DataFrame = pd.DataFrame()
        self.figure = None
        self.shown: list[str] = []  # what the output area holds now: HTML of each table or notice, "figure" for a chart
        self.hidden: str | None = None  # why the output is withheld (privacy), or None when a view is shown
        self.refreshes = 0  # views drawn and published: a change, or a reset, publishes one
        self._filtered = _Recent(8)  # filtered Datasets are copies: only the last few are kept
        self._tables = _Recent(64)
        self._shown_selections: dict[bytes, np.ndarray] = {}  # each selection of people shown this session (masks over the population)
        self._custom: tuple[str, str] | None = None  # the months the consultant chose, kept when a quick range replaces them
        self._held = 0  # > 0 while controls are set together: refreshes wait for the end
        self._pending = False
        self._generation = 0  # goes up with every change; a refresh publishes only the newest
        self._drawn = -1
        self._counter = threading.Lock()
        self._drawing = threading.Lock()
        for control in (self.metric, self.community, *self.filters.values()):
            control.observe(lambda change: self.refresh(), names="value")
        self.date_range.observe(lambda change: self._months_moved(), names="value")
        self.granularity.observe(lambda change: self.refresh() if self.metric.value in BY_PERIOD else None, names="value")
        self.quick.observe(lambda change: self._apply_quick(change["new"]), names="value")
        self.reset_button.on_click(lambda _b: self.reset())
        self.export_button.on_click(lambda _b: self.export())
        self.widget = w.VBox(
            [
                self.tiles,
                w.HBox([self.metric, self.community]),
                w.HBox([self.quick, self.granularity]),
                self.date_range,
                w.HBox(list(self.filters.values())),
                w.HBox([self.reset_button, self.export_button]),
                self.status,
                self.output,
            ]
        )
        self.refresh()

    @classmethod
    def for_client(cls, client_dir: str) -> Explorer:
        from .steps.context import open_step

        ctx = open_step(client_dir)
        return cls(ctx.ds, as_of=ctx.as_of, min_group_size=ctx.min_group_size, exports=ctx.paths.root / "exports", person_labels=ctx.person_labels)

    # -- state ------------------------------------------------------------------------------
    def _month_range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        first, last = self.date_range.value
        return pd.Period(first, "M").start_time, min(pd.Period(last, "M").end_time.normalize(), self.end.tz_localize(None))

    def _range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """The days shown: a quick range's last N days to the end of the data, else the months on the slider."""
        days = QUICK_RANGES.get(self.quick.value)
        if days is None:
            return self._month_range()
        end = self.end.tz_localize(None)
        return max(pd.Period(self.months[0], "M").start_time, end - pd.Timedelta(days=days - 1)), end

    def _chosen(self) -> dict[str, tuple[str, ...]]:
        return {a: tuple(c.value) for a, c in self.filters.items() if c.value}

    def _key(self, *, time: bool = True) -> tuple:
        return (self._range() if time else None, tuple(sorted(self._chosen().items())))

    def current_dataset(self, *, time: bool = True, community: bool = False) -> Dataset:
        """The Dataset the controls select (``time=False``: the people filter only; ``community``: inside the chosen one), kept per filter."""
        gid = self.community.value if community else ""
        key = (self._key(time=time), gid)
        if gid:
            return self._filtered.get(key, lambda: _in_community(self.current_dataset(time=time), gid))
        start, end = self._range() if time else (None, None)
        return self._filtered.get(key, lambda: filter_dataset(self.ds, start=start, end=end, attributes=self._chosen()))

    @contextlib.contextmanager
    def _together(self):
        """Set several controls as one change: a single refresh at the end of the outermost block."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if self._held == 0 and self._pending:
            self.refresh()

    def _months_moved(self) -> None:
        if self._held:  # set by a quick range or reset, not by the consultant
            self.refresh()
            return
        self._custom = tuple(self.date_range.value)  # the consultant's own months: kept under "custom"
        with self._together():
            self.quick.value = CUSTOM
            self._pending = True

    def _apply_quick(self, label: str) -> None:
        """A quick range moves the month slider to the months it covers; "custom" brings back the consultant's own."""
        with self._together():
            if label == CUSTOM:
                if self._custom is not None:
                    self.date_range.value = self._custom
            elif QUICK_RANGES.get(label) is None:  # everything
                self.date_range.index = (0, len(self.months) - 1)
            else:  # the months the last N days touch
                first = str((self.end.tz_localize(None) - pd.Timedelta(days=QUICK_RANGES[label] - 1)).to_period("M"))
                self.date_range.value = (first if first in self.months else self.months[0], self.months[-1])
            self._pending = True

    def reset(self) -> None:
        """Every control back to its start: all months, no filter, the first view, all communities (one refresh)."""
        with self._together():
            self.quick.value = "all"
            self.date_range.index = (0, len(self.months) - 1)
            self.granularity.value = "M"
            for control in self.filters.values():
                control.value = ()
            self.metric.value = next(iter(METRIC_VIEWS))
            self.community.value = ""
            self._custom = None
            self._pending = True

    # -- privacy ----------------------------------------------------------------------------
    def _selection(self, people_ds: Dataset) -> np.ndarray:
        """The people a selection shows, as a mask over the whole network's population."""
        return self._population.isin(population(people_ds)["person_id"].astype("str"))

    def _withheld(self, mask: np.ndarray, whole: bool) -> str | None:
        """Why this selection may not be shown (the floor, or differencing against one shown before), or None."""
        k = self.min_group_size
        if not whole and mask.sum() < k:
            return f"Fewer than {k} people match these filters: hidden to protect privacy."
        for shown in self._shown_selections.values():
            apart = (int((shown & ~mask).sum()), int((mask & ~shown).sum()))
            if any(0 < n < k for n in apart):
                return (
                    f"These people differ from a selection already shown in this session by fewer than {k} people: hidden to protect "
                    "privacy, since subtracting one from the other would show that small group. Choose a wider or a different selection."
                )
        return None

    # -- drawing ----------------------------------------------------------------------------
    def _tiles_html(self, tile_ds: Dataset, ids, as_of: dt.date, days: int, scope: str) -> str:
        from .render import kpi_html

        which = ["active_30", "active_90", "interactive_share", "response_rate", "lapsed"]
        now = kpis.kpi_values(tile_ds, as_of=as_of, people=ids, which=which)
        before = kpis.kpi_values(tile_ds, as_of=as_of - dt.timedelta(days=days), people=ids, which=which)
        items = {}
        for k in which:
            change = now[k] - before[k]
            unit = kpis.kpi(k).unit
            # a tile's delta keeps its sign: one that rounds to nothing is +0, never -0
            if not np.isfinite(change):
                delta = "–"
            else:
                delta = f"{signed(change * 100, '+.1f', zero='+')} pt" if unit == "share" else signed(change, "+,.0f", zero="+")
            items[f"{kpis.kpi(k).label}: {delta} on the previous {days} days"] = kpis.display(k, now[k])
        head = f"<div class='esn-scope'>{html.escape(scope)}</div>" if scope else ""
        return TILE_STYLE + head + kpi_html(items)

    def refresh(self) -> pd.DataFrame:
        """Recompute the tiles and the table for the current controls, and redraw; errors show as one line.

        Never two at once: a call made while another draws returns at once, and the one drawing draws
        again for the newest state before it returns.
        """
        with self._counter:
            self._generation += 1
        if self._held:
            self._pending = True
            return self.table
        while self._drawn != self._generation:
            if not self._drawing.acquire(blocking=False):
                return self.table  # the refresh under way sees the newer generation and draws it
            try:
                self._pending = False
                while self._drawn != self._generation:
                    self._draw(self._generation)
            finally:
                self._drawing.release()
        return self.table

    def _draw(self, generation: int) -> None:
        import matplotlib.pyplot as plt

        started = time.perf_counter()
        figures: list = []
        self.status.value = "<i>updating…</i>"  # the last view stays on screen, whole, until the new one replaces it
        try:
            result = self._compute(figures)
        except Exception as exc:  # a failing refresh is one clear line on screen, not a log entry
            result = {"table": pd.DataFrame(), "outputs": [], "shown": [], "figure": None, "tiles": "", "hidden": None, "failed": True}
            result["status"] = f"<b>Could not update this view:</b> {html.escape(type(exc).__name__)}: {html.escape(str(exc))}"
        finally:
            for fig in figures:
                plt.close(fig)  # drawn into PNG already: nothing left for the inline backend to show elsewhere
        if generation != self._generation:
            return  # overtaken by a newer change: the loop in refresh draws that one
        if result.pop("selection", None) is not None:
            self._shown_selections.setdefault(np.packbits(result["mask"]).tobytes(), result["mask"])  # each distinct selection once
        self.table, self.figure, self.shown, self.hidden = result["table"], result["figure"], result["shown"], result["hidden"]
        self.community_table = result.get("community_table", pd.DataFrame())
        self.granularity.disabled = self.metric.value not in BY_PERIOD
        self.tiles.value = result["tiles"]
        self.output.outputs = tuple(result["outputs"])
        timing = "" if result["hidden"] or result.get("failed") else f" <span style='color:#888'>({time.perf_counter() - started:.2f} s)</span>"
        self.status.value = result["status"] + timing
        self.refreshes += 1
        self._drawn = generation

    def _compute(self, figures: list) -> dict:
        """Everything one refresh shows, computed before anything on screen changes."""
        import base64
        import io

        import matplotlib.pyplot as plt

        from . import plots
        from .render import table_html

        outputs: list[dict] = []
        shown: list[str] = []

        def show(markup: str) -> None:
            shown.append(markup)
            outputs.append({"output_type": "display_data", "data": {"text/html": markup, "text/plain": "(a table)"}, "metadata": {}})

        def picture(fig) -> None:
            figures.append(fig)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
            shown.append("figure")
            outputs.append(
                {
                    "output_type": "display_data",
                    "data": {"image/png": base64.b64encode(buffer.getvalue()).decode(), "text/plain": "(a chart)"},
                    "metadata": {},
                }
            )

        gid = self.community.value
        whole = not self._chosen() and not gid
        ds = self.current_dataset(community=bool(gid))
        people_ds = self.current_dataset(time=False, community=bool(gid))
        start, end = self._range()
        as_of = end.date()
        mask = self._selection(people_ds)
        why = self._withheld(mask, whole)
        if why is not None:
            show(f"<b>{html.escape(why)}</b>")
            return {
                "table": pd.DataFrame(),
                "outputs": outputs,
                "shown": shown,
                "figure": None,
                "tiles": "",
                "hidden": why,
                "status": f"<b>{html.escape(why)}</b>",
            }
        n_people = int(mask.sum())
        days = int((end - start).days) + 1
        name = self._community_names.get(gid, gid)
        # the tiles follow the drill-down: inside a community its people and its messages
        tile_ds = self._filtered.get(("community", gid), lambda: _in_community(self.ds, gid)) if gid else self.ds
        ids = None if whole else population(people_ds)["person_id"]
        scope = f"Inside {name}: its {n_people:,} people" if gid else ("" if whole else f"{n_people:,} people chosen by the filters")
        tiles = self._tiles_html(tile_ds, ids, as_of, min(days, 90), scope)
        view = self.metric.value
        compute, plot_name = METRIC_VIEWS[view]
        source = people_ds if view in WINDOWED else ds
        notes = []
        if view in WINDOWED and days < 180:
            notes.append(
                f"{view} uses its own windows (the last 90 days and the 90 before, or 12 months), ending {as_of}: a range of {days} days is too short to cut them."
            )
        if QUICK_RANGES.get(self.quick.value) and self._custom is not None:
            notes.append(f"Your months ({self._custom[0]} to {self._custom[1]}) are kept under \u201c{CUSTOM}\u201d.")
        freq = self.granularity.value if view in BY_PERIOD else "M"
        key = (gid, view, self._key(time=view not in WINDOWED), freq)
        table = self._tables.get(key, lambda: compute(source, as_of, self.min_group_size, freq))
        if view == "Community status" and gid:  # inside a community: that community's row, not the others as dormant
            table = table[table["group_id"] == gid].reset_index(drop=True)
        if view == "Monthly active people" and len(table) and start.day != 1:
            # the range starts inside its first month: that month is partial too, not only the as-of's
            table = table.assign(partial=table["partial"] | (table["month"] == start.to_period("M")))
        result = {"table": table, "outputs": outputs, "shown": shown, "figure": None, "hidden": None, "tiles": tiles, "selection": True, "mask": mask}
        counted = f"{n_people:,} people and {len(ds.messages):,} messages in {name}" if gid else f"{n_people:,} people, {len(ds.messages):,} messages"
        result["status"] = f"{counted} from {start.date()} to {as_of}." + "".join(" " + n for n in notes)
        display = table.drop(columns=[c for c in HIDDEN_COLUMNS if c in table.columns])
        if "person_id" in table.columns and self.person_labels is not None:
            display = display.assign(person=self.person_labels(table["person_id"]).to_numpy())
        if gid:
            result["community_table"] = self._community_summary(people_ds, gid, as_of)
            show(table_html(result["community_table"], max_rows=30))
        if len(table) and plot_name:
            ax = getattr(plots, plot_name)(table)
            if view == "Monthly active people" and table["partial"].any():
                ax.set_title(_partial_title(table, start, end), fontsize=ax.title.get_fontsize())
            result["figure"] = ax.figure
            picture(ax.figure)
        elif len(table) and view in BY_PERIOD:
            fig, ax = plt.subplots(figsize=(9, 3))
            ax.plot(table["period"], table["active"], color=plots.PRIMARY)
            step = max(1, len(table) // 10)
            ax.set_xticks(range(0, len(table), step), table["period"].iloc[::step], rotation=30, ha="right", fontsize=8)
            ax.set(title=f"People active by {dict(D='day', W='week', M='month')[freq]}", ylabel="people")
            result["figure"] = fig
            picture(fig)
        if view == "Network: departments" and not len(table):
            show(f"<p>{html.escape(self._why_no_department_network(source))}</p>")
        if view == "Personas" and table["people"].isna().any():
            show(f"<p>A persona held by fewer than {self.min_group_size} of these people shows no count (–), to protect privacy.</p>")
        show(table_html(display, percent=[c for c in display.columns if c.endswith(("_rate", "_share"))], max_rows=30))
        return result

    def _why_no_department_network(self, source: Dataset) -> str:
        sizes = population(source)["department"].value_counts() if "department" in source.people.columns else pd.Series(dtype="int64")
        big = sizes[sizes >= self.min_group_size]
        if len(sizes) == 0:
            return "No department is known for these people: the department network needs the roster's departments."
        if len(big) < 2:
            only = f" ({big.index[0]})" if len(big) == 1 else ""
            return (
                f"These people are in one department{only} of at least {self.min_group_size} people: "
                "the department network draws interactions between departments, so there is nothing to draw."
            )
        return "No interactions between these departments in the 12 months to the range's end."

    def _community_summary(self, people_ds: Dataset, gid: str, as_of: dt.date) -> pd.DataFrame:
        """One community's health in a table: status and trend, members active, response rate, top contributors."""
        sc = communities.community_scorecard(people_ds, as_of=as_of).set_index("group_id")
        if gid not in sc.index:
            return pd.DataFrame({"measure": ["status"], "value": ["no activity by these people"]})
        row = sc.loc[gid]
        m = people_ds.messages[
            (people_ds.messages["group_id"] == gid) & (people_ds.messages["created_at"] < pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1))
        ]
        top = m.groupby("author_id").size().sort_values(ascending=False).head(5)
        labels = self.person_labels(top.index) if self.person_labels is not None else pd.Series([f"#{i + 1}" for i in range(len(top))])
        rows = [
            ("status", f"{row['status']}: {row['rule']}"),
            ("active members (90 days)", f"{int(row['active_members']):,}"),
            ("messages, last 90 days / 90 before", f"{int(row['messages_q0']):,} / {int(row['messages_q1']):,}"),
            ("threads answered", "–" if pd.isna(row["response_rate"]) else f"{row['response_rate']:.0%}"),
            ("top contributors", ", ".join(f"{lab} ({n:,})" for lab, n in zip(labels, top.to_numpy()))),
        ]
        return pd.DataFrame(rows, columns=["measure", "value"])

    def export(self) -> list[Path]:
        """Write the current view as an Excel-safe CSV and its chart as PNG to the workspace's ``exports/``.

        Nothing is written while the view is withheld (under the privacy floor, or too close to a
        selection already shown) or could not be computed: the status line says why.
        """
        from .privacy import write_client_csv

        if self.hidden is not None:
            self.status.value = f"<b>Nothing exported:</b> {html.escape(self.hidden)}"
            return []
        if self.table.empty and self.figure is None:
            self.status.value = "<b>Nothing exported:</b> this view has no rows to export."
            return []
        folder = self.exports or Path.cwd() / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{dt.datetime.now():%Y%m%d-%H%M%S}-" + "".join(ch if ch.isalnum() else "-" for ch in self.metric.value.lower()).strip("-")
        table = self.table.drop(columns=[c for c in HIDDEN_COLUMNS if c in self.table.columns])
        written = [write_client_csv(table, folder / f"{stem}.csv")]
        if self.figure is not None:
            self.figure.savefig(folder / f"{stem}.png", dpi=150, bbox_inches="tight")
            written.append(folder / f"{stem}.png")
        self.status.value = "Exported: " + ", ".join(p.name for p in written)
        return written


def _partial_title(table: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """The monthly chart's title when a month is partial: which days it covers, never "the most so far" of one cut month."""
    last = table.iloc[-1]
    month = pd.Period(last["month"], "M")
    first_day = max(start, month.start_time)
    last_day = min(end, month.end_time.normalize())
    days = f"{first_day:%-d}\u2013{last_day:%-d %B %Y}"
    title = f"People active each month: {int(last['active']):,} in {month:%B %Y}"
    if bool(last["partial"]):
        title += f" ({days} only, a partial month)"
    if len(table) > 1 and bool(table["partial"].iloc[0]):
        title += f"; the first month, from {start:%-d %B}, is partial too"
    from .plots import _wrapped

    return _wrapped(title)
