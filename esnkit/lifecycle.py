"""The data-protection lifecycle of a client: the key backed up and restored, one person erased.

``esnkit key export CLIENT FILE`` writes the client's key to a backup file (owner-only, never over
an existing file); ``esnkit key import CLIENT FILE`` puts it back (a lost key changes every
pseudonym on the next ingest and breaks every list and every quarter's comparison).

``esnkit forget CLIENT E-MAIL`` erases one person: their rows in every table of ``processed/``
(people, identities, their messages and the reactions and mentions on them, their reactions,
mentions of them, memberships, activity, survey answers; a manager reference to them is
cleared), the reductions (reduced again from what is left), and their rows in every
``restricted/`` list (as an inviter, their name, e-mail and reference are blanked). Their keyed
pseudonym is recorded in ``<client>/.esnkit-forgotten`` (no e-mail, no name), so a later
``esnkit ingest`` of the same raw exports leaves them out too. Deliverables already written
(``reports/``) are documents as delivered; the next ``esnkit run`` no longer counts them.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ._io import atomic_write, storage_errors
from ._text import count
from .config import ClientPaths
from .errors import ConfigError, DataError
from .lock import add_wait_option, client_lock

if TYPE_CHECKING:
    from .dataset import Dataset

KEY_BYTES = 32  # as esnkit.privacy makes them (not imported here: the command line starts without pandas)

__all__ = ["register", "forgotten_ids", "erase_people", "FORGOTTEN_NAME"]

FORGOTTEN_NAME = ".esnkit-forgotten"
_BACKUP_HEADER = "# esnkit client key"


def _say(message: str) -> None:
    print(message, flush=True)


# -- the key -----------------------------------------------------------------------------------
def cmd_key_export(args: argparse.Namespace) -> int:
    from .privacy import load_or_create_key

    paths = ClientPaths.for_client(args.client, args.data_dir).require()
    if not paths.key_file.exists():
        raise ConfigError(f"{paths.key_file}: no key yet; it is made by the first `esnkit ingest {paths.client}`")
    key = load_or_create_key(paths.key_file)
    target = Path(args.file)
    text = (
        f"{_BACKUP_HEADER} for {paths.client}: keep it offline, never share it; restore with `esnkit key import {paths.client} FILE`\n{key.hex()}\n"
    )
    with storage_errors(target.parent if str(target.parent) else Path(".")):
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise ConfigError(f"{target}: already exists; choose a new file name (a backup is never overwritten)") from None
        except IsADirectoryError:
            raise ConfigError(f"{target}: is a folder; give a file name, e.g. {target / (paths.client + '.esnkit-key')}") from None
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
    _say(f"wrote {target} (owner-only): anyone with it and the raw exports can link pseudonyms to people - keep it offline")
    return 0


def _read_backup(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise ConfigError(f"{path}: is a folder, not a key backup")
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc}); give the file `esnkit key export` wrote") from exc
    try:
        lines = [line.strip() for line in data.decode("utf-8-sig").splitlines()]
        hexes = [line for line in lines if line and not line.startswith("#")]
        if len(hexes) != 1:
            raise ValueError("not one key line")
        key = bytes.fromhex(hexes[0])
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not an esnkit key backup (expected one line of {KEY_BYTES * 2} hex characters)") from exc
    if len(key) < 16:
        raise ConfigError(f"{path}: the key is too short; give the file `esnkit key export` wrote")
    return key


def cmd_key_import(args: argparse.Namespace) -> int:
    from .privacy import load_or_create_key

    paths = ClientPaths.for_client(args.client, args.data_dir).require()
    key = _read_backup(Path(args.file))
    with client_lock(paths.root, "key import", wait=args.wait):
        if paths.key_file.exists() or paths.key_file.is_symlink():
            try:
                current = load_or_create_key(paths.key_file)
            except ConfigError as exc:
                if not args.replace:
                    raise ConfigError(f"{exc}; or add --replace to put the backup in its place") from exc
                current = None
            if paths.key_file.is_dir():
                raise ConfigError(f"{paths.key_file}: is a folder, not a key file; move it away, then import again")
            if current == key:
                _say(f"{paths.key_file}: already this key; nothing changed")
                return 0
            if not args.replace and current is not None:
                raise ConfigError(
                    f"{paths.key_file}: the client already has a different key; every pseudonym in processed/ and every list was made "
                    "with it - add --replace to put the backup in its place (then run `esnkit ingest` again)"
                )
        atomic_write(paths.key_file, key.hex() + "\n", mode=0o600)
    _say(f"restored {paths.key_file} (owner-only)" + ("; run `esnkit ingest " + paths.client + "` so processed/ uses it" if args.replace else ""))
    return 0


# -- forgetting one person --------------------------------------------------------------------------
def forgotten_ids(paths: ClientPaths) -> set[str]:
    """The pseudonyms ``esnkit forget`` has erased from this client (``.esnkit-forgotten``)."""
    path = paths.root / FORGOTTEN_NAME
    try:
        return {line.strip() for line in path.read_text(encoding="ascii").splitlines() if line.strip()}
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); it lists the people erased with `esnkit forget` - restore it from backup") from exc


def erase_people(ds: Dataset, ids) -> tuple[Dataset, dict[str, int]]:
    """``ds`` without the people ``ids``: their rows, their messages and what hangs on them; rows removed per table."""
    import pandas as pd

    from ._fast import isin
    from .dataset import PERSON_COLUMNS, SCHEMA, Dataset

    ids = pd.Index(pd.array(list(ids), dtype="str"))
    tables = {name: getattr(ds, name) for name in SCHEMA}
    removed: dict[str, int] = {}
    messages = tables["messages"]
    gone_messages = messages.loc[isin(messages["author_id"], ids), "message_id"]
    for name, columns in PERSON_COLUMNS.items():
        frame = tables[name]
        drop = pd.Series(False, index=frame.index)
        for column in columns:
            drop |= isin(frame[column], ids)
        if name in ("reactions", "mentions"):
            drop |= isin(frame["message_id"], gone_messages)
        removed[name] = int(drop.sum())
        tables[name] = frame.loc[~drop].reset_index(drop=True)
    survey = tables["survey"]
    drop = isin(survey["person_id"], ids)
    removed["survey"] = int(drop.sum())
    tables["survey"] = survey.loc[~drop].reset_index(drop=True)
    people = tables["people"]
    if "manager_id" in people.columns:
        tables["people"] = people.assign(manager_id=people["manager_id"].where(~isin(people["manager_id"], ids)))
    identities = ds.identities.loc[~isin(ds.identities["person_id"], ids)].reset_index(drop=True)
    removed["identities"] = len(ds.identities) - len(identities)
    out = Dataset(identities=identities, meta=ds.meta, **tables)
    out.refresh_coverage()
    return out.validate(), removed


def _person_ids(ds: Dataset, email: str, key: bytes):
    """Everyone ``email`` names in ``ds``: the keyed pseudonym of the address and every id its identities carry."""
    import pandas as pd

    from ._fast import isin
    from ._text import normalise_emails
    from .privacy import Pseudonymiser

    by_key = Pseudonymiser(key).one("email:" + email)
    named = ds.identities.loc[normalise_emails(ds.identities["email"]) == email, "person_id"].dropna()
    ids = pd.Index([by_key, *named], dtype="str").unique()
    return ids[isin(ids, ds.people["person_id"]) | isin(ids, ds.identities["person_id"])]


def _scrub_lists(folder: Path, emails: set[str], refs: set[str]) -> dict[str, int]:
    """Remove the person from every restricted list; as an inviter, blank their columns. Rows removed per list."""
    import pandas as pd

    from ._fast import isin
    from ._text import normalise_emails
    from .privacy import write_client_csv

    changed = {}
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        try:
            frame = pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise DataError(f"{path}: cannot be read to erase the person ({exc}); fix or delete the list, then run again") from exc
        mine = pd.Series(False, index=frame.index)
        if "email" in frame.columns:
            mine |= isin(normalise_emails(frame["email"]), emails)
        if "ref" in frame.columns:
            mine |= isin(frame["ref"], refs)
        mine = mine.fillna(False).astype(bool)
        inviter = pd.Series(False, index=frame.index)
        if "inviter_email" in frame.columns:
            inviter |= isin(normalise_emails(frame["inviter_email"]), emails)
        if "inviter_ref" in frame.columns:
            inviter |= isin(frame["inviter_ref"], refs)
        if mine.any() or inviter.any():
            columns = [c for c in ("inviter_ref", "inviter_name", "inviter_email") if c in frame.columns]
            frame.loc[inviter, columns] = None
            write_client_csv(frame.loc[~mine], path)
            changed[path.name] = int(mine.sum())
    return changed


def cmd_forget(args: argparse.Namespace) -> int:
    from .config import email_address
    from .dataset import Dataset
    from .privacy import dataset_refs, load_or_create_key
    from .reduce import reduce_client

    paths = ClientPaths.for_client(args.client, args.data_dir).require()
    email = email_address(args.email, "the e-mail to forget")
    with client_lock(paths.root, "forget", wait=args.wait):
        if not paths.key_file.exists():
            raise ConfigError(f"{paths.key_file}: no key, so no one to forget; nothing has been ingested for {paths.client}")
        key = load_or_create_key(paths.key_file)
        if not (paths.processed / "manifest.json").is_file():
            raise ConfigError(f"{paths.processed}: no processed data to erase from; run `esnkit ingest {paths.client}` first")
        ds = Dataset.read(paths.processed)
        ids = _person_ids(ds, email, key)
        if not len(ids):
            raise DataError(f"{paths.processed}: no one with the e-mail {email} (normalised); check the address - nothing was changed")
        refs = set(dataset_refs(ds, ids).dropna())
        erased, removed = erase_people(ds, ids)
        record = paths.root / FORGOTTEN_NAME
        atomic_write(record, "".join(f"{i}\n" for i in sorted(forgotten_ids(paths) | set(ids))), mode=0o600)
        erased.save(paths.processed)
        reduce_client(paths)
        lists = _scrub_lists(paths.restricted, {email}, refs)
    _say(
        f"forgot {email} ({count(len(ids), 'person id')}) in {paths.processed}, rows removed: "
        + ", ".join(f"{name} {n:,}" for name, n in removed.items() if n)
        + "; reduced again"
    )
    _say(
        f"restricted lists: {', '.join(f'{name} ({n} row(s))' for name, n in lists.items()) or 'none named them'}; "
        f"a later ingest leaves them out ({record.name}); reports already delivered are unchanged - run `esnkit run {paths.client}` for new ones"
    )
    return 0


def apply_opt_outs(paths: ClientPaths, config, progress=lambda _: None) -> None:
    """Remove client.yml's ``opt_outs`` from the ``restricted/`` lists already written (an opt-out reaches earlier lists too)."""
    if not config.opt_outs or not paths.restricted.is_dir():
        return
    changed = _scrub_lists(paths.restricted, set(config.opt_outs), set())
    if changed:
        progress(f"opt-outs: removed from {', '.join(f'{name} ({n} row(s))' for name, n in changed.items())}")


def leave_out_forgotten(ds: Dataset, paths: ClientPaths) -> Dataset:
    """``ds`` (a fresh ingest, in memory) without everyone ``esnkit forget`` erased before, with a warning saying how many."""
    import pandas as pd

    from ._fast import isin

    ids = forgotten_ids(paths)
    if not ids:
        return ds
    present = pd.Index(sorted(ids), dtype="str")
    present = present[isin(present, ds.people["person_id"]) | isin(present, ds.identities["person_id"])]
    if not len(present):
        return ds
    erased, _ = erase_people(ds, present)
    erased.meta.warn(f"{count(len(present), 'person', 'people')} erased with `esnkit forget` left out")
    return erased


def apply_forgotten(paths: ClientPaths, progress=lambda _: None) -> None:
    """After an ingest has written ``processed/``: erase everyone ``esnkit forget`` erased before."""
    import pandas as pd

    from ._fast import isin
    from .dataset import Dataset

    ids = forgotten_ids(paths)
    if not ids:
        return
    ds = Dataset.read(paths.processed)
    present = pd.Index(sorted(ids), dtype="str")
    present = present[isin(present, ds.people["person_id"]) | isin(present, ds.identities["person_id"])]
    if not len(present):
        return
    progress(f"leaving out {count(len(present), 'person', 'people')} erased earlier with `esnkit forget` ...")
    erased, _ = erase_people(ds, present)
    erased.meta.warn(f"{count(len(present), 'person', 'people')} erased with `esnkit forget` left out")
    erased.save(paths.processed)


def register(sub, common: argparse.ArgumentParser) -> None:
    """Add ``key export``, ``key import`` and ``forget`` to the ``esnkit`` subcommands ``sub``."""
    p = sub.add_parser("key", parents=[common], help="back up (export) or restore (import) a client's pseudonymisation key")
    keys = p.add_subparsers(dest="key_command", required=True, metavar="ACTION", help="export (back up) or import (restore) the client key")
    e = keys.add_parser("export", parents=[common], help="write the key to a new owner-only backup file")
    e.add_argument("client", help="the client's folder name under the data directory")
    e.add_argument("file", help="where to write the backup (a new file; never overwritten)")
    e.set_defaults(func=cmd_key_export)
    i = keys.add_parser("import", parents=[common], help="restore the key from a backup file")
    i.add_argument("client", help="the client's folder name under the data directory")
    i.add_argument("file", help="a backup written by `esnkit key export`")
    i.add_argument("--replace", action="store_true", help="replace a different key already in place (then ingest again)")
    add_wait_option(i)
    i.set_defaults(func=cmd_key_import)
    f = sub.add_parser("forget", parents=[common], help="erase one person (by e-mail) from processed/, the reductions and restricted lists")
    f.add_argument("client", help="the client's folder name under the data directory")
    f.add_argument("email", help="the e-mail address of the person to erase")
    add_wait_option(f)
    f.set_defaults(func=cmd_forget)
