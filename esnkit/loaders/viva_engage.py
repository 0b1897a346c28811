"""Viva Engage (Yammer) network data export: a zip or its unpacked folder.

One CSV per model (``Messages.csv``, ``Users.csv``, ``Groups.csv``, ...) plus ``log.txt``; with
external networks, one sub-folder per network. Columns are mapped by name, so extra, missing
optional and reordered columns are fine. See ``shared/FORMATS.md``.

Rules applied here:

- messages with a non-empty ``deleted_at`` are left out and counted in a warning;
- private conversations (``in_private_conversation``) are direct messages: ``is_private=True``,
  ``group_id`` null;
- ``[[user:ID]]`` in a body is a mention (one row per message and person);
- user ``state`` ``soft_delete`` is *suspended* with ``suspended_at``, *deleted* with ``deleted_at``
  and *pending* with neither; guests (e-mail domain other than the network's main one) are external;
- ``log.txt``'s ``Number of exported X: N`` lines are checked against what was read.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pandas as pd

from .._fast import isin
from .._text import count
from ..dataset import Dataset, Meta
from ..errors import DataError
from ..privacy import Pseudonymiser, identity_keys
from ._common import ExportSource, parse_bool, parse_timestamps, person_id_mapper, read_csv_table

FORMAT = "viva-engage"
MENTION = re.compile(r"\[\[user:(\d+)\]\]")
_LOG_LINE = re.compile(r"Number of exported\s+([A-Za-z_ ]+?)\s*:\s*(\d+)", re.IGNORECASE)

MESSAGE_REQUIRED = ("id", "sender_id", "created_at")
USER_REQUIRED = ("id",)
GROUP_REQUIRED = ("id",)


_MARKERS = {"Messages.csv", "Users.csv", "Groups.csv", "Topics.csv", "request.txt"}


def detect(source: ExportSource) -> bool:
    """Any file the Yammer export names in its own (capitalised) way; the loader then says what is missing."""
    return any(PurePosixPath(n).name in _MARKERS for n in source.names())


def _network_dirs(source: ExportSource) -> list[str]:
    dirs = [str(PurePosixPath(m).parent) for m in source.find("Messages.csv")]
    if not dirs:
        raise DataError(
            f"{source.label}: no Messages.csv found; is this a Viva Engage network data export? "
            "Export it again from Admin > Export data (all fields, including messages)."
        )
    return dirs


def _member(directory: str, name: str) -> str:
    return name if directory in ("", ".") else f"{directory}/{name}"


def _find_in(source: ExportSource, directory: str, name: str) -> str | None:
    wanted = _member(directory, name).lower()
    for member in source.names():
        if member.lower() == wanted:
            return member
    return None


def _read(source: ExportSource, directory: str, name: str, required: tuple[str, ...], *, optional: bool = False) -> pd.DataFrame | None:
    member = _find_in(source, directory, name)
    if member is None:
        if optional:
            return None
        raise DataError(
            f"{source.describe(_member(directory, name))}: file missing from the export; export the network data again with every model included"
        )
    frame = read_csv_table(source, member, required=required)
    frame.attrs["where"] = source.describe(member)
    return frame


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column by name, or an all-null string column when the export lacks it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype="str")


def _log_counts(source: ExportSource, directory: str) -> dict[str, int]:
    member = _find_in(source, directory, "log.txt")
    if member is None:
        return {}
    text = source.read_text(member)
    return {m.group(1).strip().upper(): int(m.group(2)) for m in _LOG_LINE.finditer(text)}


def _user_states(users: pd.DataFrame) -> pd.Series:
    raw = _col(users, "state").str.strip().str.lower()
    suspended = _col(users, "suspended_at").notna()
    deleted = _col(users, "deleted_at").notna()
    state = pd.Series(None, index=users.index, dtype="str")
    state[isin(raw, ["active", "suspended", "deleted", "pending"])] = raw
    soft = raw == "soft_delete"
    state[soft & deleted] = "deleted"
    state[soft & ~deleted & suspended] = "suspended"
    state[soft & ~deleted & ~suspended] = "pending"
    # A blank state with deletion/suspension stamps still says what happened.
    blank = raw.isna()
    state[blank & deleted] = "deleted"
    state[blank & ~deleted & suspended] = "suspended"
    state[blank & ~deleted & ~suspended] = "active"
    return state


def load(source: ExportSource, *, pseudonymiser: Pseudonymiser, keep_text: bool = False) -> Dataset:
    meta = Meta()
    dirs = _network_dirs(source)
    users_parts, messages_parts, groups_parts = [], [], []
    for directory in dirs:
        messages = _read(source, directory, "Messages.csv", MESSAGE_REQUIRED)
        users = _read(source, directory, "Users.csv", USER_REQUIRED)
        groups = _read(source, directory, "Groups.csv", GROUP_REQUIRED, optional=True)
        logged = _log_counts(source, directory)
        for label, frame in (("MESSAGES", messages), ("USERS", users), ("GROUPS", groups)):
            if label in logged and frame is not None and logged[label] != len(frame):
                meta.warn(
                    f"{frame.attrs['where']}: log.txt says {logged[label]} {label.lower()} were exported but "
                    f"{len(frame)} were read; the export may be incomplete"
                )
        if groups is None:
            meta.warn(f"{source.describe(_member(directory, 'Groups.csv'))} missing: groups are taken from Messages.csv")
        users_parts.append(users)
        messages_parts.append(messages)
        if groups is not None:
            groups_parts.append(groups)

    users = pd.concat(users_parts, ignore_index=True)
    messages = pd.concat(messages_parts, ignore_index=True)
    users_where = users_parts[0].attrs["where"]
    msg_where = messages_parts[0].attrs["where"]

    # -- people ------------------------------------------------------------------------------
    users = users.drop_duplicates("id", keep="first").reset_index(drop=True)
    emails = _col(users, "email").str.strip()
    identity = identity_keys(FORMAT, users["id"], emails)
    user_pid = pd.Series(pseudonymiser.ids(identity).to_numpy(), index=users["id"].to_numpy())
    domains = emails.str.lower().str.rsplit("@", n=1).str[1]
    main_domain = domains.mode().iloc[0] if domains.notna().any() else None
    people = pd.DataFrame(
        {
            "person_id": user_pid.to_numpy(),
            "department": _col(users, "department"),
            "location": _col(users, "location"),
            "job_title": _col(users, "job_title"),
            "joined_at": parse_timestamps(_col(users, "joined_at"), where=users_where, column="joined_at"),
            "state": _user_states(users),
            "is_external": (domains != main_domain).astype("boolean").where(domains.notna()),
            "is_bot": pd.Series(False, index=users.index, dtype="boolean"),
        }
    )
    identities = pd.DataFrame(
        {
            "person_id": people["person_id"],
            "source": FORMAT,
            "source_user_id": users["id"],
            "name": _col(users, "name"),
            "email": emails,
        }
    )

    # -- messages ----------------------------------------------------------------------------
    n_read = len(messages)
    deleted = _col(messages, "deleted_at").notna()
    if deleted.any():
        meta.warn(f"{count(deleted.sum(), 'deleted message')} left out (marked deleted in Messages.csv)")
    messages = messages.loc[~deleted].reset_index(drop=True)
    dup = messages["id"].duplicated()
    if dup.any():
        meta.warn(f"{msg_where}: {count(dup.sum(), 'duplicate message id')}; the first of each was kept")
        messages = messages.loc[~dup].reset_index(drop=True)

    person_ids = person_id_mapper(pseudonymiser, FORMAT, user_pid)

    sender = messages["sender_id"].str.strip()
    author = person_ids(sender)
    private = parse_bool(_col(messages, "in_private_conversation"), where=msg_where, column="in_private_conversation").fillna(False)
    reply_to = _col(messages, "replied_to_id")
    thread = _col(messages, "thread_id")
    if thread.isna().all():
        thread = _threads_from_replies(messages["id"], reply_to)
    thread = thread.fillna(messages["id"])
    body = _col(messages, "body")
    group_id = _col(messages, "group_id").where(~private)
    created = parse_timestamps(messages["created_at"], where=msg_where, column="created_at")
    text = None
    if keep_text:
        text = body.str.replace(MENTION, lambda m: f"[[user:{person_ids(pd.Series([m.group(1)])).iloc[0]}]]", regex=True)
    out_messages = pd.DataFrame(
        {
            "message_id": messages["id"],
            "thread_id": thread,
            "reply_to_id": reply_to,
            "group_id": group_id,
            "author_id": author,
            "created_at": created,
            "is_thread_start": (thread == messages["id"]).astype("boolean"),
            "is_private": private.astype("boolean"),
            "n_chars": body.str.len().fillna(0).astype("Int64"),
            "text": text,
            "platform": FORMAT,
            "message_type": _col(messages, "message_type").str.strip().str.lower(),
        }
    )
    orphans = reply_to.notna() & ~isin(reply_to, messages["id"])
    if orphans.any():
        meta.warn(f"{count(orphans.sum(), 'reply', 'replies')} to messages not in the export (deleted or outside the window)")

    # -- mentions ----------------------------------------------------------------------------
    found = body.str.extractall(MENTION)
    if len(found):
        rows = found.index.get_level_values(0)
        mentions = pd.DataFrame({"message_id": messages["id"].to_numpy()[rows], "user_id": found[0].to_numpy()})
        mentions = mentions.drop_duplicates().reset_index(drop=True)
        mentions = pd.DataFrame({"message_id": mentions["message_id"], "person_id": person_ids(mentions["user_id"])})
        mentions = mentions.drop_duplicates().reset_index(drop=True)
        mentioned_users = found[0].drop_duplicates()
    else:
        mentions = None
        mentioned_users = pd.Series([], dtype="str")

    # -- people seen only in messages (bots, people missing from Users.csv) ----------------------
    sender_type = _col(messages, "sender_type").str.strip().str.lower()
    is_bot_sender = sender_type.notna() & (sender_type != "user")
    seen = pd.concat([sender, pd.Series(mentioned_users.to_numpy(), dtype="str")], ignore_index=True).drop_duplicates()
    extra = seen[~isin(seen, users["id"]) & seen.notna()]
    if len(extra):
        bots = set(sender[is_bot_sender])
        humans_missing = int((~isin(extra, bots)).sum())
        if humans_missing:
            meta.warn(
                f"{users_where}: {count(humans_missing, 'author or mentioned person', 'authors or mentioned people')} missing from Users.csv were added without attributes"
            )
        extra_people = pd.DataFrame({"person_id": person_ids(extra).to_numpy(), "is_bot": isin(extra, bots).to_numpy()})
        people = pd.concat([people, extra_people], ignore_index=True)
        identities = pd.concat(
            [identities, pd.DataFrame({"person_id": extra_people["person_id"], "source": FORMAT, "source_user_id": extra.to_numpy()})],
            ignore_index=True,
        )
    if is_bot_sender.any():
        people.loc[isin(people["person_id"], author[is_bot_sender]), "is_bot"] = True
    people = people.drop_duplicates("person_id", keep="first").reset_index(drop=True)

    # -- groups ------------------------------------------------------------------------------
    if groups_parts:
        groups = pd.concat(groups_parts, ignore_index=True).drop_duplicates("id").reset_index(drop=True)
        g_where = groups_parts[0].attrs["where"]
        out_groups = pd.DataFrame(
            {
                "group_id": groups["id"],
                "name": _col(groups, "name"),
                "kind": "community",
                "is_private": parse_bool(_col(groups, "private"), where=g_where, column="private"),
                "created_at": parse_timestamps(_col(groups, "created_at"), where=g_where, column="created_at"),
                "platform": FORMAT,
            }
        )
        n_deleted_groups = int(parse_bool(_col(groups, "deleted"), where=g_where, column="deleted").fillna(False).sum())
        if n_deleted_groups:
            meta.warn(f"{count(n_deleted_groups, 'group')} marked deleted in Groups.csv")
    else:
        out_groups = pd.DataFrame(columns=["group_id", "name", "kind", "is_private", "platform"])
    used = pd.DataFrame({"group_id": group_id, "name": _col(messages, "group_name")}).dropna(subset=["group_id"])
    missing_groups = used[~isin(used["group_id"], out_groups["group_id"])].drop_duplicates("group_id")
    if len(missing_groups):
        if groups_parts:
            meta.warn(f"{count(len(missing_groups), 'group')} used in Messages.csv are missing from Groups.csv; added from Messages.csv")
        private_group = parse_bool(_col(messages, "in_private_group"), where=msg_where, column="in_private_group")
        privacy = pd.Series(private_group.to_numpy(), index=group_id.to_numpy())
        privacy = privacy[~privacy.index.duplicated()]
        out_groups = pd.concat(
            [
                out_groups,
                missing_groups.assign(
                    kind="community",
                    is_private=missing_groups["group_id"].map(privacy).astype("boolean"),
                    platform=FORMAT,
                ),
            ],
            ignore_index=True,
        )

    meta.sources.append({"format": FORMAT, "path": source.path.name, "networks": len(dirs), "messages_read": n_read})
    ds = Dataset(
        people=people,
        groups=out_groups,
        messages=out_messages,
        mentions=mentions,
        identities=identities,
        meta=meta,
    )
    ds.refresh_coverage()
    return ds


def _threads_from_replies(ids: pd.Series, reply_to: pd.Series) -> pd.Series:
    """Thread root of each message by following ``replied_to_id`` (pointer jumping, log depth)."""
    parent = pd.Series(reply_to.to_numpy(), index=ids.to_numpy())
    root = parent.where(parent.notna() & isin(parent, ids), pd.Series(ids.to_numpy(), index=ids.to_numpy()))
    for _ in range(64):
        nxt = root.map(root).fillna(root)
        if nxt.equals(root):
            break
        root = nxt
    return pd.Series(root.to_numpy(), index=ids.index, dtype="str")
