"""The consultant's explorer: ipywidgets in JupyterLab, over the same metric functions as the five steps.

``Explorer.for_client("data/acme").widget`` shows KPI tiles (with the change on the previous period
of the same length), a view picker (active people by day, week or month; response rate; community
status; adoption, personas, the department matrix and the key people), quick ranges, a filter on
every roster attribute, a community drill-down, reset and export. Every change recomputes
:attr:`Explorer.table` (what is displayed).

Fast at 10,000 people and a million events: filtering works on the integer codes the metrics use
(:func:`filter_dataset`, no string ``isin``), a filter that keeps everything returns the Dataset
itself, and the filtered Dataset and each view's table are kept per filter, so switching views or
coming back to a filter recomputes nothing. ``benchmarks/explorer.py`` measures each kind of change.

Privacy: a filter that leaves fewer than ``min_group_size`` people replaces every output with the
notice; the filter lists only offer values that at least ``min_group_size`` people hold.
"""

from __future__ import annotations

import datetime as dt
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
    return sc[["name", "status", "active_members", "messages_q0", "messages_q1", "response_rate", "rule"]]


def _by_department(ds, as_of, floor, freq="M"):
    return adoption.adoption_by(ds, as_of=as_of, by="department", min_group_size=floor)


def _personas(ds, as_of, floor, freq="M"):
    p = participation.personas(ds, as_of=as_of)
    counts = p["persona"].value_counts()
    order = [x for x in participation.PERSONAS if x in counts.index]
    return pd.DataFrame({"persona": order, "people": [int(counts[x]) for x in order]})


def _matrix(ds, as_of, floor, freq="M"):
    return network.department_matrix(ds, as_of=as_of, min_group_size=floor).reset_index()


def _department_network(ds, as_of, floor, freq="M"):
    return network.department_ties(ds, as_of=as_of, min_group_size=floor)


def _key_people(ds, as_of, floor, freq="M"):
    t = network.key_individuals(ds, as_of=as_of).head(15)
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
#: Views measured over windows of their own, ending on the range's last day.
WINDOWED = {"Community status", "Adoption by department", "Personas", "Department matrix", "Network: departments", "Key people (network)"}


#: JupyterLab does not load the deliverables' stylesheet: the tiles carry their own.
TILE_STYLE = (
    "<style>.esn-kpis{display:flex;flex-wrap:wrap;gap:8px;margin:4px 0}"
    ".esn-kpi{border:1px solid #dde3ea;border-top:4px solid #1f3a5f;padding:6px 10px;min-width:160px;flex:1}"
    ".esn-kpi .v{font-size:17px;font-weight:700;color:#1f3a5f}.esn-kpi .l{font-size:11px;color:#555}</style>"
)


class Explorer:
    """KPI tiles, views, quick ranges, roster filters and a community drill-down over one client's Dataset."""

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
        self.quick = w.ToggleButtons(options=list(QUICK_RANGES), value="all", description="Range", style={"button_width": "82px"})
        self.granularity = w.ToggleButtons(options=[("day", "D"), ("week", "W"), ("month", "M")], value="M", description="By")
        people = population(ds)
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
        self._filtered = _Recent(8)  # filtered Datasets are copies: only the last few are kept
        self._tables = _Recent(64)
        self._quiet = False
        for control in (self.date_range, self.metric, self.community, self.granularity, *self.filters.values()):
            control.observe(lambda change: self.refresh(), names="value")
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
    def _range(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        first, last = self.date_range.value
        start = pd.Period(first, "M").start_time
        end = min(pd.Period(last, "M").end_time.normalize(), self.end.tz_localize(None))
        days = QUICK_RANGES.get(self.quick.value)
        if days is not None:
            start = max(start, end - pd.Timedelta(days=days - 1))
        return start, end

    def _chosen(self) -> dict[str, tuple[str, ...]]:
        return {a: tuple(c.value) for a, c in self.filters.items() if c.value}

    def _key(self, *, time: bool = True) -> tuple:
        return (self._range() if time else None, tuple(sorted(self._chosen().items())))

    def current_dataset(self, *, time: bool = True) -> Dataset:
        """The Dataset the controls select (``time=False``: the people filter only), kept per filter."""
        key = self._key(time=time)
        start, end = self._range() if time else (None, None)
        return self._filtered.get(key, lambda: filter_dataset(self.ds, start=start, end=end, attributes=self._chosen()))

    def _apply_quick(self, label: str) -> None:
        self._quiet = True
        try:
            self.date_range.index = (0, len(self.months) - 1)
        finally:
            self._quiet = False
        self.refresh()

    def reset(self) -> None:
        """Every control back to its start: all months, no filter, the first view, all communities."""
        self._quiet = True
        try:
            self.date_range.index = (0, len(self.months) - 1)
            self.quick.value = "all"
            self.granularity.value = "M"
            for control in self.filters.values():
                control.value = ()
            self.metric.value = next(iter(METRIC_VIEWS))
            self.community.value = ""
        finally:
            self._quiet = False
        self.refresh()

    # -- drawing ----------------------------------------------------------------------------
    def _tiles_html(self, people_ds: Dataset, as_of: dt.date, days: int) -> str:
        from .render import kpi_html

        ids = None if not self._chosen() else people_ds.people["person_id"]
        which = ["active_30", "active_90", "interactive_share", "response_rate", "lapsed"]
        now = kpis.kpi_values(self.ds, as_of=as_of, people=ids, which=which)
        before = kpis.kpi_values(self.ds, as_of=as_of - dt.timedelta(days=days), people=ids, which=which)
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
        return TILE_STYLE + kpi_html(items)

    def refresh(self) -> pd.DataFrame:
        """Recompute the tiles and the table for the current controls, and redraw; errors show as one line."""
        if self._quiet:
            return self.table
        self.status.value = "<i>updating…</i>"
        started = time.perf_counter()
        try:
            self._refresh()
        except Exception as exc:  # a failing refresh is one clear line on screen, not a log entry
            self.table = pd.DataFrame()
            self.output.clear_output()
            self.status.value = f"<b>Could not update this view:</b> {type(exc).__name__}: {exc}"
            return self.table
        self.status.value += f" <span style='color:#888'>({time.perf_counter() - started:.2f} s)</span>"
        return self.table

    def _refresh(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import HTML, display

        from . import plots
        from .render import table_html

        ds = self.current_dataset()
        people_ds = self.current_dataset(time=False)
        start, end = self._range()
        as_of = end.date()
        n_people = len(population(people_ds))
        self.output.clear_output(wait=True)
        self.shown = []

        def show(html: str) -> None:
            self.shown.append(html)
            display(HTML(html))

        if self._chosen() and n_people < self.min_group_size:
            self.table, self.figure = pd.DataFrame(), None
            notice = f"Fewer than {self.min_group_size} people match these filters: hidden to protect privacy."
            self.tiles.value = ""
            self.status.value = f"<b>{notice}</b>"
            with self.output:
                show(f"<b>{notice}</b>")
            return
        days = int((end - start).days) + 1
        self.tiles.value = self._tiles_html(people_ds, as_of, min(days, 90))
        view = self.metric.value
        compute, plot_name = METRIC_VIEWS[view]
        source = people_ds if view in WINDOWED else ds
        note = ""
        if view in WINDOWED and days < 180:
            note = f" {view} uses its own windows (the last 90 days and the 90 before, or 12 months), ending {as_of}: a range of {days} days is too short to cut them."
        gid = self.community.value
        if gid:  # the view inside one community: its messages only
            source = source.replace(messages=source.messages[source.messages["group_id"] == gid])
            self.community_table = self._community_summary(people_ds, gid, as_of)
        key = (gid, view, self._key(time=view not in WINDOWED), self.granularity.value)
        self.table = shown = self._tables.get(key, lambda: compute(source, as_of, self.min_group_size, self.granularity.value))
        if "person_id" in shown.columns and self.person_labels is not None:
            shown = shown.assign(person=self.person_labels(shown["person_id"]).to_numpy())
        self.status.value = f"{n_people:,} people, {len(ds.messages):,} messages from {start.date()} to {as_of}.{note}"
        with self.output:
            self.figure = None
            if gid:
                show(table_html(self.community_table, max_rows=30))
            if len(shown) and plot_name:
                ax = getattr(plots, plot_name)(shown)
                self.figure = ax.figure
                self.shown.append("figure")
                plt.show()
            elif len(shown) and view.startswith("Active people"):
                fig, ax = plt.subplots(figsize=(9, 3))
                ax.plot(shown["period"], shown["active"], color=plots.PRIMARY)
                step = max(1, len(shown) // 10)
                ax.set_xticks(range(0, len(shown), step), shown["period"].iloc[::step], rotation=30, ha="right", fontsize=8)
                ax.set(title=f"People active by {dict(D='day', W='week', M='month')[self.granularity.value]}", ylabel="people")
                self.figure = fig
                self.shown.append("figure")
                plt.show()
            show(table_html(shown, percent=[c for c in shown.columns if c.endswith(("_rate", "_share"))], max_rows=30))

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
        """Write the current view as an Excel-safe CSV and its chart as PNG to the workspace's ``exports/``."""
        from .privacy import write_client_csv

        folder = self.exports or Path.cwd() / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{dt.datetime.now():%Y%m%d-%H%M%S}-" + "".join(ch if ch.isalnum() else "-" for ch in self.metric.value.lower()).strip("-")
        table = self.table.drop(columns=[c for c in self.table.columns if c == "person_id"])
        written = [write_client_csv(table, folder / f"{stem}.csv")]
        if self.figure is not None:
            self.figure.savefig(folder / f"{stem}.png", dpi=150, bbox_inches="tight")
            written.append(folder / f"{stem}.png")
        self.status.value = "Exported: " + ", ".join(p.name for p in written)
        return written
