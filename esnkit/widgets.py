"""ipywidgets explorers for consultants in JupyterLab, over the pure metric functions.

``Explorer.for_client("data/acme").widget`` shows date-range, department and location filters, a
metric picker and a community drill-down; every change recomputes :attr:`Explorer.table` (what is
displayed) and redraws the plot. The filtering itself is :func:`filter_dataset`, a pure function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd

from .dataset import SCHEMA, Dataset
from .metrics import adoption, communities, conversations

__all__ = ["filter_dataset", "Explorer", "METRIC_VIEWS"]


def filter_dataset(ds: Dataset, *, start=None, end=None, departments: Iterable[str] = (), locations: Iterable[str] = ()) -> Dataset:
    """A Dataset restricted to activity between ``start`` and ``end`` (inclusive days) by the chosen people.

    People are kept when their department is in ``departments`` and their location in
    ``locations`` (an empty choice keeps everyone); messages, reactions and mentions are kept when
    their author/person is kept and their time is in the range.
    """
    people = ds.people
    if departments:
        people = people[people["department"].isin(list(departments))]
    if locations:
        people = people[people["location"].isin(list(locations))]
    keep = set(people["person_id"])
    m = ds.messages[ds.messages["author_id"].isin(keep)]
    if start is not None:
        m = m[m["created_at"] >= pd.Timestamp(start, tz="UTC")]
    if end is not None:
        m = m[m["created_at"] < pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)]
    r = ds.reactions[ds.reactions["person_id"].isin(keep) & ds.reactions["message_id"].isin(m["message_id"])]
    mentions = ds.mentions[ds.mentions["message_id"].isin(m["message_id"]) & ds.mentions["person_id"].isin(keep)]
    tables = {name: getattr(ds, name) for name in SCHEMA}
    tables.update(people=people, messages=m, reactions=r, mentions=mentions)
    return Dataset(identities=ds.identities.iloc[0:0], meta=ds.meta, **tables)


def _monthly(ds, as_of, floor):
    return adoption.monthly_active(ds, as_of=as_of)


def _response(ds, as_of, floor):
    return conversations.response_rate(conversations.thread_responses(ds, as_of=as_of), period="M")


def _status(ds, as_of, floor):
    sc = communities.community_scorecard(ds, as_of=as_of)
    return sc[["name", "status", "active_members", "messages_q0", "messages_q1", "response_rate", "rule"]]


def _by_department(ds, as_of, floor):
    return adoption.adoption_by(ds, as_of=as_of, by="department", min_group_size=floor)


#: metric picker label -> (compute(ds, as_of, min_group_size) -> table, plot function name)
METRIC_VIEWS: dict[str, tuple[Callable, str]] = {
    "Monthly active people": (_monthly, "plot_monthly_active"),
    "Response rate by month": (_response, "plot_response_rate"),
    "Community status": (_status, "plot_community_status"),
    "Adoption by department": (_by_department, "plot_adoption_by"),
}


class Explorer:
    """Filters, a metric picker and a community drill-down over one client's Dataset."""

    def __init__(self, ds: Dataset, *, as_of=None, min_group_size: int = 5):
        import ipywidgets as w

        self.ds = ds
        self.min_group_size = min_group_size
        start, end = ds.coverage()
        end = pd.Timestamp(as_of, tz="UTC") if as_of else (end if end is not None else pd.Timestamp.now(tz="UTC"))
        start = start if start is not None else end - pd.Timedelta(days=365)
        months = pd.period_range(start.tz_localize(None).to_period("M"), end.tz_localize(None).to_period("M"), freq="M")
        self.months = [str(p) for p in months]
        self.date_range = w.SelectionRangeSlider(
            options=self.months, index=(0, len(self.months) - 1), description="Months", layout=w.Layout(width="95%")
        )
        depts = sorted(ds.people["department"].dropna().unique().tolist())
        locs = sorted(ds.people["location"].dropna().unique().tolist())
        self.departments = w.SelectMultiple(options=depts, description="Departments", rows=min(8, max(2, len(depts))))
        self.locations = w.SelectMultiple(options=locs, description="Locations", rows=min(8, max(2, len(locs))))
        self.metric = w.Dropdown(options=list(METRIC_VIEWS), description="Metric")
        groups = ds.groups.dropna(subset=["name"]).sort_values("name")
        self.community = w.Dropdown(options=[("(all communities)", "")] + list(zip(groups["name"], groups["group_id"])), description="Community")
        self.output = w.Output()
        self.status = w.HTML()
        self.table: pd.DataFrame = pd.DataFrame()
        for control in (self.date_range, self.departments, self.locations, self.metric, self.community):
            control.observe(lambda change: self.refresh(), names="value")
        self.widget = w.VBox(
            [w.HBox([self.metric, self.community]), self.date_range, w.HBox([self.departments, self.locations]), self.status, self.output]
        )
        self.refresh()

    @classmethod
    def for_client(cls, client_dir: str) -> Explorer:
        from .steps.context import open_step

        ctx = open_step(client_dir)
        return cls(ctx.ds, as_of=ctx.as_of, min_group_size=ctx.min_group_size)

    def current_dataset(self) -> Dataset:
        first, last = self.date_range.value
        return filter_dataset(
            self.ds,
            start=pd.Period(first, "M").start_time,
            end=pd.Period(last, "M").end_time.normalize(),
            departments=self.departments.value,
            locations=self.locations.value,
        )

    def refresh(self) -> pd.DataFrame:
        """Recompute the table for the current controls and redraw."""
        from IPython.display import display

        from . import plots
        from .render import table_html

        ds = self.current_dataset()
        as_of = pd.Period(self.date_range.value[1], "M").end_time.date()
        people_in_filter = int(ds.people["person_id"].nunique())
        self.output.clear_output(wait=True)
        if (self.departments.value or self.locations.value) and people_in_filter < self.min_group_size:
            self.table = pd.DataFrame()
            self.status.value = f"<b>Fewer than {self.min_group_size} people match these filters: hidden to protect privacy.</b>"
            return self.table
        if self.community.value:
            m = ds.messages[ds.messages["group_id"] == self.community.value]
            monthly = m.groupby(m["created_at"].dt.tz_localize(None).dt.to_period("M")).agg(
                messages=("message_id", "size"), people=("author_id", "nunique")
            )
            self.table = monthly.reset_index().rename(columns={"created_at": "month"})
            self.table = self.table[self.table["people"] >= 1]
            plot_name = None
        else:
            compute, plot_name = METRIC_VIEWS[self.metric.value]
            self.table = compute(ds, as_of, self.min_group_size)
        self.status.value = f"{people_in_filter:,} people, {len(ds.messages):,} messages in view."
        with self.output:
            if len(self.table) and plot_name:
                getattr(plots, plot_name)(self.table)
                plots.plt.show()
            from IPython.display import HTML

            display(HTML(table_html(self.table, max_rows=30)))
        return self.table
