"""What every step notebook opens first: a client's Dataset, config and parameters, as a :class:`StepContext`.

Opening a step only reads: it never ingests (run ``esnkit ingest CLIENT`` first) and never writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._fast import isin
from .._text import normalise_email, normalise_emails
from ..config import ClientConfig, ClientPaths, load_config
from ..dataset import EVENT_TABLES, Dataset
from ..errors import ConfigError
from ..metrics._base import population
from ..privacy import dataset_refs
from ..profile import DataProfile, data_profile

__all__ = ["StepContext", "open_step", "CACHE_USES", "release_after"]


@dataclass
class StepContext:
    """An opened client for one step: the Dataset, config, parameters and display helpers."""

    ds: Dataset
    config: ClientConfig
    paths: ClientPaths
    as_of: dt.date
    min_group_size: int
    show_names: bool
    inactive_days: int
    delivered_on: dt.date | None = None  # the day the deliverables are delivered; None: due dates count from the as-of

    @property
    def due_from(self) -> dt.date:
        """The day due dates count from: the delivery date, never before the as-of (:func:`esnkit.steps.resolve_delivered_on`)."""
        return max(self.as_of, self.delivered_on or self.as_of)

    @property
    def profile(self) -> DataProfile:
        """What these data can and cannot show (:mod:`esnkit.profile`), with client.yml's ``history_complete_from``."""
        return data_profile(self.ds, complete_from=self.config.history_complete_from)

    @property
    def client(self) -> str:
        return self.config.name

    @property
    def key(self) -> tuple:
        """What a step's result depends on besides the Dataset: the as-of date, parameters and config."""
        return (self.as_of, self.delivered_on, self.min_group_size, self.show_names, self.inactive_days, repr(self.config), str(self.paths.root))

    @property
    def parameters(self) -> dict[str, object]:
        return {
            "client_dir": str(self.paths.root),
            "as_of": self.as_of.isoformat(),
            "delivered_on": self.delivered_on.isoformat() if self.delivered_on else "",
            "min_group_size": self.min_group_size,
            "show_names": self.show_names,
            "inactive_days": self.inactive_days,
        }

    def person_labels(self, ids: Iterable[str]) -> pd.Series:
        """Display labels: names when ``show_names`` is true, else each person's stable reference.

        The reference (``P-7KQ2M4XA``, :func:`esnkit.privacy.dataset_refs`) is the same in all five
        reports and every quarter's run, and it is the ``ref`` column of the restricted contact
        lists, so the client's comms team can find a person named in a report.
        """
        ids = pd.Series(pd.array(ids if isinstance(ids, (pd.Series, pd.Index, np.ndarray)) else list(ids), dtype="str"))
        shown = dataset_refs(self.ds, ids)
        if self.show_names:
            names = self.ds.identities.dropna(subset=["name"]).drop_duplicates("person_id").set_index("person_id")["name"]
            return ids.map(names).fillna(shown).astype("str")
        return shown.astype("str")

    def floored(self, values: pd.Series, attribute: str = "department") -> pd.Series:
        """``values`` of a people attribute, blanked (``–``) where fewer than ``min_group_size`` people hold the value.

        The privacy floor beside a person: a department of three people next to a role would
        identify them, so such a value is never shown, in any table or label.
        """
        held = population(self.ds)[attribute].value_counts() if attribute in self.ds.people.columns else pd.Series(dtype="int64")
        counts = values.map(held).fillna(0).to_numpy()
        return values.where(pd.Series(counts >= self.min_group_size, index=values.index) & values.notna(), "–").astype("str")

    @property
    def opted_out(self) -> frozenset[str]:
        """Person ids whose e-mail is in client.yml's ``opt_outs``: counted in every aggregate, never printed one by one."""
        blocked = tuple(sorted({normalise_email(o) for o in self.config.opt_outs} - {None}))
        if not blocked:
            return frozenset()

        def find() -> frozenset[str]:
            ids = self.ds.identities
            return frozenset(ids.loc[isin(normalise_emails(ids["email"]), list(blocked)), "person_id"].astype("str"))

        return self.ds.cached("opted_out", blocked, find)

    def person_rows(self, frame: pd.DataFrame, *, id_column: str = "person_id") -> pd.DataFrame:
        """``frame`` with a ``person`` label per row and every people attribute it shows held to the privacy floor.

        People who opted out (:attr:`opted_out`) are left out: a table never prints them one by one.
        """
        if self.opted_out:
            frame = frame[~isin(frame[id_column].astype("str"), list(self.opted_out))]
        out = frame.assign(person=self.person_labels(frame[id_column]).to_numpy())
        for column in out.columns:
            if column in self.ds.people.columns and column not in ("person_id", "joined_at", "state", "is_external", "is_bot"):
                out[column] = self.floored(out[column], column)
        return out

    def group_names(self, ids: Iterable[str]) -> pd.Series:
        names = self.ds.groups.set_index("group_id")["name"]
        ids = pd.Series(list(ids), dtype="str")
        return ids.map(names).fillna("(no community)").astype("str")


_OPENED: dict[Path, tuple[tuple[int, int], Dataset]] = {}


def _read_dataset(processed: Path) -> Dataset:
    """``Dataset.read``, shared by every step opened in this process while processed/ is unchanged.

    A Dataset cannot change, so the five steps of a run (one kernel) share one instance, and with
    it its cache of derived tables. The event tables stay on disk: the steps count on the
    reductions and read the few event columns some figures need when they need them, so a run
    does not hold millions of messages (the explorer, which filters them, reads them whole).
    A re-ingest writes a new manifest, which is read afresh; only the latest folder opened is
    kept, so memory holds one client's data at a time.
    """
    stamp = (processed / "manifest.json").stat()
    key = (stamp.st_mtime_ns, stamp.st_size)
    kept = _OPENED.get(processed)
    if kept is None or kept[0] != key:
        _OPENED.clear()
        _OPENED[processed] = (key, Dataset.read(processed, lazy=EVENT_TABLES))
    return _OPENED[processed][1]


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: What each step of a run (and the run's record, saved after the last step) asks of the shared
#: Dataset's cache, by name: after a step, :func:`release_after` drops what no step still to come
#: asks for. A name missing here is only computed again (never a different figure); a test holds
#: these sets to what a real run asks for.
CACHE_USES: dict[str, frozenset[str]] = {
    "assess": _names(
        "data_profile opted_out active_days_all codes community_triage findings first_in_group graph influencer_risk key_individuals kpi kpi_people "
        "lapsed_people person_day_cuts person_days person_refs population_mask registration_days scorecard "
        "successful_threads thread_base ties_by_day"
    ),
    "plan": _names(
        "data_profile opted_out active_days_all codes community_triage coverage findings first_in_group graph kpi kpi_people person_days "
        "population_mask registration_days scorecard step:plan thread_base ties_by_day"
    ),
    "reactivate": _names(
        "data_profile opted_out active_days_all codes findings influencer_risk key_individuals kpi lapsed_people person_days person_refs "
        "population_mask registration_days scorecard step:reactivate ties_by_day"
    ),
    "sustain": _names(
        "data_profile opted_out active_days_all codes community_triage coverage findings funnel key_individuals kpi kpi_people "
        "person_days population_mask registration_days scorecard step:reactivate successful_threads ties_by_day"
    ),
    "report": _names(
        "data_profile opted_out codes coverage findings graph influencer_risk kpi kpi_people person_days person_refs registration_days scorecard step:report ties_by_day"
    ),
    "record": _names("step:report"),
}


def release_after(client_dir: str, remaining: Iterable[str] | None, *, collect: bool = True) -> dict[str, list[str]]:
    """Between the steps of a run: let go of the cached tables that none of ``remaining`` asks for.

    Returns what the finished step asked of the cache (``used``) and what was let go
    (``released``; nothing when ``remaining`` is ``None``). Names that no step declares in
    :data:`CACHE_USES` are kept: they may be anyone's; so is everything when a remaining step is
    not declared there. ``collect=False`` leaves the garbage collection to the caller (the run
    resets the kernel's namespace right after, which collects).
    """
    processed = ClientPaths(Path(client_dir).expanduser().resolve()).processed
    kept = _OPENED.get(processed)
    if kept is None:
        return {"used": [], "released": []}
    ds = kept[1]
    used = sorted(ds.take_cache_uses())
    if remaining is None:
        return {"used": used, "released": []}
    declared = set().union(*CACHE_USES.values())
    needed = set().union(*(CACHE_USES.get(step, declared) for step in remaining))
    released = ds.release_cached(declared - needed)
    if released and collect:
        import gc

        import pyarrow as pa

        gc.collect()  # the cycles among the released tables, now
        pa.default_memory_pool().release_unused()
    return {"used": used, "released": released}


def open_step(
    client_dir: str,
    *,
    as_of: str = "",
    delivered_on: str = "",
    min_group_size: int | None = None,
    show_names: bool | None = None,
    inactive_days: int | None = None,
) -> StepContext:
    """Open a client folder for a step notebook: its processed data, config and parameters.

    Parameters left as ``None`` (or an empty ``as_of``, ``delivered_on``) take client.yml's values; see
    :func:`esnkit.steps.resolve_as_of` and :func:`esnkit.steps.resolve_delivered_on` (no delivery date
    anywhere: today, the day of the run). Sets the plot theme to the client's colours.

    Raises
    ------
    ConfigError
        when the client has not been ingested yet (run ``esnkit ingest CLIENT``).
    """
    from ..plots import set_theme
    from . import resolve_as_of, resolve_delivered_on

    paths = ClientPaths(Path(client_dir).expanduser().resolve())
    config = load_config(paths.config_file)
    if not (paths.processed / "manifest.json").is_file():
        raise ConfigError(f"{paths.processed}: no processed data yet; run `esnkit ingest {paths.client}` first")
    floor = int(config.min_group_size if min_group_size is None else min_group_size)
    if floor < 3 and not config.allow_small_groups:
        raise ConfigError(
            f"min_group_size {floor} would show groups small enough to identify people; set allow_small_groups: true in client.yml to allow it"
        )
    ds = _read_dataset(paths.processed)
    # Every metric that measures growth, peaks or newcomers reads the complete history's start from the
    # Dataset's profile (esnkit.profile.history_start), so client.yml's override travels with the Dataset.
    override = config.history_complete_from
    ds.meta.history_complete_from = override.isoformat() if override is not None else None
    set_theme(config.branding.primary_color, config.branding.accent_color)
    day = resolve_as_of(as_of, config, ds.meta.coverage_end, ds.meta.coverage_start)
    return StepContext(
        ds=ds,
        config=config,
        paths=paths,
        as_of=day,
        delivered_on=resolve_delivered_on(delivered_on, config, day),
        min_group_size=floor,
        show_names=bool(config.show_names if show_names is None else show_names),
        inactive_days=int(config.inactive_days if inactive_days is None else inactive_days),
    )
