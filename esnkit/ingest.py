"""Client-level ingest: every source in ``client.yml`` -> one validated, pseudonymised Dataset on disk.

``esnkit ingest CLIENT`` runs :func:`ingest_client`. Sources are loaded one by one, combined (one
person is one id across sources, joined by e-mail), the HR roster, survey and interview notes are
joined in, the result is validated and written atomically to ``processed/``: a failure anywhere
leaves the previous ``processed/`` untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from . import ingest_stream, loaders
from ._fast import isin
from ._text import count, id_join_keys
from .checks import quality_warnings, unusable_reason
from .config import ClientConfig, ClientPaths
from .dataset import EVENT_TABLES, PERSON_COLUMNS, SCHEMA, Dataset, Meta
from .errors import ConfigError, DataError, EsnkitError
from .lifecycle import apply_forgotten, apply_opt_outs, leave_out_forgotten
from .loaders._common import ROSTER_FROM, ExportSource, parse_timestamps, read_csv_table
from .privacy import Pseudonymiser, identity_keys, load_or_create_key
from .progress import heartbeat, stages
from .reduce import reduce_client
from .segments import check_segments

__all__ = ["ingest_client", "combine", "join_roster", "load_survey", "load_interviews", "summary"]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def _resolve_by_platform_id(identities: pd.DataFrame) -> pd.Series:
    """old person_id -> e-mail-based person_id, for people a source knows only by platform user id.

    Teams messages from Graph carry the Entra (Azure AD) object id and no e-mail; the Teams usage
    report carries the same id beside the user principal name. Matching on that id lets one person
    be one id across both.
    """
    keyed = identities.assign(join_key=id_join_keys(identities["source_user_id"]))
    known = keyed.dropna(subset=["email", "join_key"]).drop_duplicates("join_key").set_index("join_key")["person_id"]
    bare = keyed[keyed["email"].isna() & isin(keyed["join_key"], known.index)]
    remap = pd.Series(bare["join_key"].map(known).to_numpy(), index=bare["person_id"].to_numpy())
    remap = remap[remap.index != remap.to_numpy()]
    return remap[~remap.index.duplicated()]


def combine(datasets: list[Dataset]) -> Dataset:
    """Stack Datasets from several sources into one.

    People with the same id (the same e-mail, pseudonymised with the same key) become one row,
    each attribute taken from the first source that has it. Message and group ids that clash
    between sources are made unique by prefixing the platform.
    """
    if len(datasets) == 1:
        return datasets[0]
    meta = Meta()
    for ds in datasets:
        meta.sources.extend(ds.meta.sources)
        for w in ds.meta.warnings:
            meta.warn(w)
    seen_messages: set[str] = set()
    seen_groups: set[str] = set()
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in SCHEMA}
    identities = []
    for ds in datasets:
        platform = ds.meta.sources[0]["format"] if ds.meta.sources else "source"
        clash_m = bool(seen_messages & set(ds.messages["message_id"]))
        clash_g = bool(seen_groups & set(ds.groups["group_id"].dropna()))
        tables = {name: getattr(ds, name) for name in SCHEMA}
        if clash_m:
            for table, cols in (
                ("messages", ["message_id", "thread_id", "reply_to_id"]),
                ("reactions", ["message_id"]),
                ("mentions", ["message_id"]),
            ):
                tables[table] = tables[table].assign(**{c: platform + ":" + tables[table][c] for c in cols})
        if clash_g:
            for table in ("groups", "messages", "memberships"):
                tables[table] = tables[table].assign(group_id=platform + ":" + tables[table]["group_id"])
        seen_messages |= set(tables["messages"]["message_id"])
        seen_groups |= set(tables["groups"]["group_id"].dropna())
        for name in SCHEMA:
            parts[name].append(tables[name])
        identities.append(ds.identities)
    merged = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    ids = pd.concat(identities, ignore_index=True)
    remap = _resolve_by_platform_id(ids)
    if len(remap):
        meta.warn(f"{len(remap):,} people matched across sources by their platform user id (no e-mail in one source)")
        for name, columns in PERSON_COLUMNS.items():
            frame = merged[name]
            merged[name] = frame.assign(**{c: frame[c].map(remap).fillna(frame[c]) for c in columns if c in frame.columns})
        ids = ids.assign(person_id=ids["person_id"].map(remap).fillna(ids["person_id"]))
    merged["people"] = merged["people"].groupby("person_id", sort=False, as_index=False).first()
    ds = Dataset(identities=ids, meta=meta, **merged)
    ds.refresh_coverage()
    return ds


def join_roster(ds: Dataset, roster: pd.DataFrame, *, config: ClientConfig, pseudonymiser: Pseudonymiser, where: str) -> Dataset:
    """Join an HR roster into ``people`` before any name leaves the loader.

    The roster's attributes (department, location, job title and every other mapped column)
    overwrite the platform's; roster people never seen on the platform are added with
    ``on_platform=False`` (the never-activated). Adds boolean columns ``in_roster`` and
    ``on_platform``; a ``manager`` e-mail becomes a pseudonymous ``manager_id``.
    """
    spec = config.roster
    assert spec is not None
    mapping = dict(spec.columns)
    key_column = mapping.get(spec.join_on, spec.join_on)
    missing = [c for c in {key_column, *mapping.values()} if c not in roster.columns]
    if missing:
        raise DataError(
            f"{where}: roster column(s) {', '.join(sorted(missing))} missing (found: {', '.join(roster.columns[:12])}); "
            "fix roster.columns in client.yml"
        )
    keys = roster[key_column].str.strip()
    if keys.isna().any():
        rows = [int(i) + 2 for i in np.flatnonzero(keys.isna().to_numpy())[:5]]
        raise DataError(f"{where}: column {key_column!r} is empty in rows {rows}; every roster row needs a {spec.join_on}")
    if spec.join_on == "email":
        pids = pseudonymiser.ids(identity_keys("roster", keys, keys))
    else:
        # Match the platform's user ids through identities (which still know them), else hash as roster ids.
        ids = ds.identities.assign(join_key=id_join_keys(ds.identities["source_user_id"])).dropna(subset=["join_key"])
        known = ids.drop_duplicates("join_key").set_index("join_key")["person_id"]
        pids = id_join_keys(keys).map(known).fillna(pseudonymiser.ids(identity_keys("roster", keys)))
    dup = pids.duplicated()
    if dup.any():
        rows = [int(i) + 2 for i in np.flatnonzero(dup.to_numpy())[:5]]
        raise DataError(f"{where}: {int(dup.sum())} duplicate {spec.join_on}(s) in column {key_column!r} (rows {rows}); one row per person")

    attrs = pd.DataFrame({"person_id": pids.to_numpy()})
    for canonical, column in mapping.items():
        if canonical in ("email", "source_user_id", "name"):
            continue
        values = roster[column]
        if canonical == "manager":
            values = pseudonymiser.ids(identity_keys("roster", values.str.strip(), values.str.strip()))
            canonical = "manager_id"
        elif canonical == "joined_at":
            values = parse_timestamps(values, where=where, column=column, earliest=ROSTER_FROM)
        attrs[canonical] = values.to_numpy()
    people = ds.people.copy()
    on_platform = isin(people["person_id"], attrs["person_id"])
    merged = people.merge(attrs, on="person_id", how="outer", suffixes=("_platform", ""), indicator=True)
    for canonical in attrs.columns.drop("person_id"):
        if f"{canonical}_platform" in merged.columns:
            merged[canonical] = merged[canonical].combine_first(merged[f"{canonical}_platform"])
            merged = merged.drop(columns=f"{canonical}_platform")
    merged["in_roster"] = isin(merged["_merge"], ["both", "right_only"])
    merged["on_platform"] = isin(merged["_merge"], ["both", "left_only"])
    merged = merged.drop(columns="_merge")
    meta = ds.meta
    n_platform = int((~on_platform & ~people["is_bot"].fillna(False).astype(bool)).sum())
    n_never = int((~merged["on_platform"]).sum())
    meta.warn(f"roster: {len(attrs):,} people; {n_never:,} never seen on the platform; {count(n_platform, 'platform user')} not in the roster")
    new_ids = pd.DataFrame(
        {
            "person_id": pids.to_numpy(),
            "source": "roster",
            "source_user_id": (
                roster[mapping["source_user_id"]] if "source_user_id" in mapping else pd.Series(None, index=roster.index, dtype="str")
            ).to_numpy(),
            "name": (roster[mapping["name"]] if "name" in mapping else pd.Series(None, index=roster.index, dtype="str")).to_numpy(),
            "email": (roster[mapping["email"]].str.strip() if "email" in mapping else pd.Series(None, index=roster.index, dtype="str")).to_numpy(),
        }
    )
    tables = {name: getattr(ds, name) for name in SCHEMA}
    tables["people"] = merged
    return Dataset(identities=pd.concat([ds.identities, new_ids], ignore_index=True), meta=meta, **tables)


def _read_table_file(path, *, required=()) -> tuple[pd.DataFrame, str]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, dtype="str")
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise DataError(f"{path}: cannot read this workbook ({exc}); save it again as .xlsx or CSV") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise DataError(f"{path}: required column(s) {', '.join(missing)} missing")
        return frame, str(path)
    with ExportSource(path) as source:
        member = source.names()[0]
        return read_csv_table(source, member, required=required), source.describe(member)


def load_survey(path, *, config: ClientConfig, pseudonymiser: Pseudonymiser) -> pd.DataFrame:
    """Survey CSV (one row per respondent) -> tidy ``survey`` rows: one per respondent and question.

    The e-mail column is pseudonymised (blank = anonymous, ``person_id`` null) and dropped;
    ``attributes`` columns are kept as respondent attributes; every other column is a question
    whose answers must be numbers (a Likert scale). Columns with other answers are skipped with a
    warning. A respondent who answered more than once (the same e-mail, normalised) counts once:
    their last row in the file is kept, and ``attrs["duplicates"]`` says how many earlier rows were
    dropped (a data-quality warning of the ingest). Anonymous rows are all kept.
    """
    spec = config.survey
    assert spec is not None
    frame, where = _read_table_file(path, required=(spec.email_column, *spec.attributes))
    emails = frame[spec.email_column].str.strip()
    pids = pseudonymiser.ids(identity_keys("survey", emails, emails)).where(emails.notna())
    earlier = pids.notna() & pids.duplicated(keep="last")
    duplicates = (int(pids[earlier].nunique()), int(earlier.sum()))  # (respondents, rows dropped)
    if earlier.any():
        frame, pids = frame[~earlier].reset_index(drop=True), pids[~earlier].reset_index(drop=True)
    questions = [c for c in frame.columns if c != spec.email_column and c not in spec.attributes]
    if not questions:
        raise DataError(f"{where}: no question columns besides {spec.email_column!r} and the attributes")
    values = {}
    skipped = []
    for q in questions:
        v = pd.to_numeric(frame[q], errors="coerce")
        if (v.isna() & frame[q].notna()).any():
            skipped.append(q)
        else:
            values[q] = v
    if not values:
        raise DataError(f"{where}: no question column holds numeric (Likert) answers")
    base = pd.DataFrame({"response_id": [f"r{i + 1}" for i in range(len(frame))], "person_id": pids.to_numpy()})
    for attr in spec.attributes:
        base[attr] = frame[attr].to_numpy()
    wide = pd.concat([base, pd.DataFrame(values)], axis=1)
    tidy = wide.melt(id_vars=list(base.columns), value_vars=list(values), var_name="question", value_name="value")
    tidy = tidy.dropna(subset=["value"]).reset_index(drop=True)
    cols = ["response_id", "person_id", "question", "value", *spec.attributes]
    tidy = tidy[cols]
    tidy.attrs["skipped"] = skipped
    tidy.attrs["duplicates"] = duplicates
    return tidy


def load_interviews(path) -> pd.DataFrame:
    """Coded interview notes (CSV: user_type, theme, sentiment, quote) -> ``interviews``."""
    frame, where = _read_table_file(path, required=("user_type", "theme", "sentiment", "quote"))
    sentiment = frame["sentiment"].str.strip().str.lower()
    bad = sentiment.notna() & ~isin(sentiment, ["positive", "neutral", "negative", "mixed"])
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())[:5]]
        raise DataError(f"{where}, column 'sentiment': use positive, neutral, negative or mixed (rows {rows})")
    return frame.assign(sentiment=sentiment)[["user_type", "theme", "sentiment", "quote"]]


def ingest_client(paths: ClientPaths, *, progress: Progress = _quiet, batches: bool | None = None) -> Dataset:
    """Load, combine, join, validate and save one client's data; return the Dataset.

    A client whose one source is a canonical folder of parquet tables is read batch by batch
    (:mod:`esnkit.ingest_stream`: the events never held in memory at once, the same result);
    ``batches=False`` reads it whole, as every other client is.
    """
    config = paths.load_config()
    if not config.sources:
        raise ConfigError(f"{paths.config_file}: no sources listed; add the exports under raw/ to `sources:`")
    n_stages = len(config.sources) + (config.roster is not None) + (config.survey is not None) + (config.interviews is not None) + 3
    streamed = ingest_stream.streamable(config, paths) if batches is not False else None
    events: ingest_stream.StagedEvents | None = None
    with stages(progress, n_stages, "esnkit ingest") as advance:
        key = load_or_create_key(paths.key_file)
        pseudonymiser = Pseudonymiser(key)
        datasets = []
        for i, src in enumerate(config.sources, 1):
            path = paths.resolve(src.path)
            t0 = time.perf_counter()
            how = ", batch by batch" if streamed else ""
            progress(f"[{i}/{len(config.sources)}] loading {src.path} (format: {src.format}{how}) ...")
            with heartbeat(progress, f"loading {src.path}"):
                if streamed:
                    ds, events = ingest_stream.load_streamed(
                        streamed, pseudonymiser=pseudonymiser, keep_text=config.keep_text, target=paths.processed, progress=progress
                    )
                else:
                    ds = loaders.load(path, source=src.format, key=key, keep_text=config.keep_text)
            counts = {**ds.counts(), **(events.rows if events else {})}
            progress(
                f"      {counts['people']:,} people, {counts['groups']:,} groups, {counts['messages']:,} messages, "
                f"{counts['reactions']:,} reactions in {time.perf_counter() - t0:.1f}s"
            )
            datasets.append(ds)
            advance(src.path)
        try:
            ds = _finish(paths, config, combine(datasets), pseudonymiser, events, progress, advance)
        except BaseException:
            if events is not None:
                events.staged.discard()
            raise
        try:
            reduce_client(paths, progress=progress)  # it says which reduction runs, with a heartbeat
        except EsnkitError as exc:
            raise type(exc)(
                f"{paths.processed} was written, but reducing its events failed: {exc}; fix that and run `esnkit reduce {paths.client}`"
            ) from exc
        advance("reduced")
        apply_opt_outs(paths, config, progress)  # earlier lists lose anyone opted out since
    if events is not None:  # the events stay on disk: a summary reads the columns it needs
        return Dataset.read(paths.processed, lazy=EVENT_TABLES)
    object.__setattr__(ds, "origin", paths.processed)  # its reductions are on disk now
    return ds


def _finish(paths: ClientPaths, config: ClientConfig, ds: Dataset, pseudonymiser: Pseudonymiser, events, progress: Progress, advance) -> Dataset:
    """Join the roster, survey and interview notes, check the whole and write ``processed/`` (not the reductions)."""
    if config.roster is not None:
        progress(f"joining roster {config.roster.path} ...")
        path = paths.resolve(config.roster.path)
        roster, where = _read_table_file(path)
        ds = join_roster(ds, roster, config=config, pseudonymiser=pseudonymiser, where=where)
        advance("roster")
    tables = {name: getattr(ds, name) for name in SCHEMA}
    if config.survey is not None:
        progress(f"reading survey {config.survey.path} ...")
        survey = load_survey(paths.resolve(config.survey.path), config=config, pseudonymiser=pseudonymiser)
        for q in survey.attrs.get("skipped", []):
            ds.meta.warn(f"survey: column {q!r} has non-numeric answers and was skipped")
        people, rows = survey.attrs.get("duplicates", (0, 0))
        if rows:
            ds.meta.warn(
                f"survey: {count(people, 'respondent')} answered more than once; each one's last answer is kept "
                f"({count(rows, 'earlier response')} dropped)"
            )
        tables["survey"] = survey
        advance("survey")
    if config.interviews is not None:
        progress(f"reading interview notes {config.interviews} ...")
        tables["interviews"] = load_interviews(paths.resolve(config.interviews))
        advance("interviews")
    ds = Dataset(identities=ds.identities, meta=ds.meta, **tables)
    if events is None:  # people erased with `esnkit forget` stay erased (a batched ingest erases them once written, below)
        ds = leave_out_forgotten(ds, paths)
    # Objectives and campaigns name cells of this data: each held to min_group_size before anything is written.
    check_segments(ds, config, where=str(paths.config_file), paths=paths)
    now = pd.Timestamp.now(tz="UTC")
    if events is None:
        ds.refresh_coverage()
        facts = None
        problem = unusable_reason(ds)
    else:  # the events are on disk, in the staging folder: DuckDB counts what needs every row
        ds.refresh_coverage(events.coverage(ds))
        facts = events.facts(ds, now=now, started=config.network_start)
        problem = None if events.rows.get("messages") else unusable_reason(ds)  # ds holds no events, the staging folder does
    # The rule `esnkit check` applies, before anything replaces the previous processed/ data.
    for warning in quality_warnings(ds, now=now, facts=facts, started=config.network_start):
        ds.meta.warn(warning)
    if problem:
        raise DataError(f"{paths.config_file}: the sources hold {problem}; nothing was written, and processed/ is as it was")
    progress("validating ...")
    with heartbeat(progress, "validating"):
        ds.validate()
        if events is not None:
            events.check()
    advance("validated")
    progress(f"writing {paths.processed} ...")
    with heartbeat(progress, "writing"):
        ds.save(paths.processed, staged=events.staged if events is not None else None)
        if events is not None:
            apply_forgotten(paths, progress)
    advance("written")
    return ds


def summary(ds: Dataset) -> str:
    """A data-quality summary for the command line: counts, people by state, window, warnings."""
    counts = ds.counts()
    lines = ["Tables:"]
    for name, n in counts.items():
        if name != "identities":
            lines.append(f"  {name:<12} {n:>10,}")
    states = ds.people["state"].value_counts(dropna=False)
    lines.append(
        "People by state: "
        + ", ".join(f"{('none' if pd.isna(k) else k)} {int(v):,}" for k, v in states.items())
        + f"; bots {int(ds.people['is_bot'].fillna(False).sum()):,}; external {int(ds.people['is_external'].fillna(False).sum()):,}"
    )
    if counts["messages"]:
        lines.append(
            f"Messages: {int(ds.column('messages', 'is_thread_start').sum()):,} thread starts, "
            f"{int(ds.column('messages', 'is_private').sum()):,} private; "
            f"mentions {counts['mentions']:,}"
        )
    lines.append(f"Window: {ds.meta.coverage_start or '-'} to {ds.meta.coverage_end or '-'}")
    if ds.meta.warnings:
        lines.append(f"Warnings ({len(ds.meta.warnings)}):")
        lines.extend(f"  - {w}" for w in ds.meta.warnings)
    else:
        lines.append("Warnings: none")
    return "\n".join(lines)
