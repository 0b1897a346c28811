"""Slack workspace export: a zip or its unpacked folder.

``users.json`` (``org_users.json`` on Enterprise Grid), ``channels.json`` (public), ``groups.json``
(private), ``dms.json`` and ``mpims.json`` when present, and one folder per conversation holding
one ``YYYY-MM-DD.json`` array of messages per day. Old exports (no threads, a single ``file``) and
new ones (``thread_ts``, ``files``, ``blocks``, ``user_profile``) both load.

Rules applied here:

- *content messages* have no ``subtype`` or one of :data:`CONTENT_SUBTYPES`; every other subtype
  (joins, leaves, topic changes, pins, ...) is not a message;
- ``channel_join`` / ``channel_leave`` become ``memberships`` with their times, and so do the
  ``members`` lists of ``channels.json`` and ``groups.json``;
- bots (``is_bot`` users, ``bot_message``, any message with a ``bot_id``) are people with
  ``is_bot=True``; a bot message without a ``user`` is authored by its ``bot_id``;
- ``reactions`` has one row per (message, person, reaction name); Slack records no reaction times;
- ``<@U123>`` in text is a mention;
- ``ts`` is unique only within a conversation, so message ids are ``<conversation id>:<ts>``;
  threads are built from ``thread_ts``; DMs and group DMs are private with a null ``group_id``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from .._fast import isin
from .._text import count
from ..dataset import Dataset, Meta
from ..errors import DataError
from ..privacy import Pseudonymiser, identity_keys
from ._common import PLAUSIBLE_FROM, PLAUSIBLE_UNTIL, ExportSource, person_id_mapper

FORMAT = "slack"
CONTENT_SUBTYPES = {"file_share", "file_comment", "thread_broadcast", "me_message", "bot_message"}
MEMBERSHIP_SUBTYPES = {"channel_join": "join", "group_join": "join", "channel_leave": "leave", "group_leave": "leave"}
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
UNKNOWN_AUTHOR = "unknown-author"
DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


def detect(source: ExportSource) -> bool:
    names = {PurePosixPath(n).name for n in source.names()}
    has_days = any(DAY_FILE.match(PurePosixPath(n).name) for n in source.names())
    return has_days and bool(names & {"users.json", "org_users.json", "channels.json"})


def _root(source: ExportSource) -> str:
    hits = source.find("users.json") or source.find("org_users.json") or source.find("channels.json")
    if not hits:
        raise DataError(f"{source.label}: no users.json or channels.json; is this a Slack workspace export?")
    parent = str(PurePosixPath(hits[0]).parent)
    return "" if parent == "." else parent + "/"


def _list(source: ExportSource, root: str, name: str, *, required: bool = False) -> list[dict]:
    member = root + name
    if member not in set(source.names()):
        if required:
            raise DataError(f"{source.describe(member)}: missing; export the workspace again with users and channels")
        return []
    data = source.read_json(member)
    if not isinstance(data, list):
        raise DataError(f"{source.describe(member)}: expected a JSON list, found {type(data).__name__}; re-export it")
    return data


def _ts(values: pd.Series, records: pd.Series, field: str) -> pd.Series:
    """Slack's epoch seconds (``"1709633011.000200"``) to UTC times; nulls stay null.

    A value that is not a number of seconds ("abc", "NaN") or lies outside the plausible range
    (a ts of 99999999999999 is the year 3 million) is an error naming the file and record
    (``records``, a label per value) and the ``field``.
    """
    text = values.astype("str").str.strip()
    seconds = pd.to_numeric(text, errors="coerce").astype("float64")
    lo, hi = PLAUSIBLE_FROM.timestamp(), PLAUSIBLE_UNTIL.timestamp()
    bad = text.notna() & ~((seconds >= lo) & (seconds < hi)).fillna(False)
    if bad.any():
        at = np.flatnonzero(bad.to_numpy())
        labels = records.to_numpy()[at]
        also = f" ({len(at)} in all, also {', '.join(map(str, labels[1:3]))})" if len(at) > 1 else ""
        raise DataError(
            f"{labels[0]}, field {field!r}: {text[bad].iloc[0][:40]!r} is not a Slack time (seconds since 1970, "
            f"from {PLAUSIBLE_FROM:%Y-%m-%d} to {PLAUSIBLE_UNTIL:%Y-%m-%d}){also}; fix or remove it and export again"
        )
    return pd.to_datetime(seconds * 1e6, unit="us", utc=True).astype("datetime64[us, UTC]")


def load(source: ExportSource, *, pseudonymiser: Pseudonymiser, keep_text: bool = False) -> Dataset:
    meta = Meta()
    root = _root(source)
    users, users_file = _list(source, root, "users.json"), "users.json"
    if not users:
        users, users_file = _list(source, root, "org_users.json"), "org_users.json"
    if not users:
        raise DataError(f"{source.describe(root + 'users.json')}: missing or empty; export the workspace again with its member list")
    bad = next((i for i, x in enumerate(users) if not isinstance(x, dict) or "id" not in x), None)
    if bad is not None:
        raise DataError(f"{source.describe(root + users_file)}: entry {bad} is not a user object with an id; re-export the workspace")
    conversations = []  # (folder name, id, kind, is_private, name, created, members)
    for name, kind, private in (
        ("channels.json", "channel", False),
        ("groups.json", "channel", True),
        ("dms.json", "dm", True),
        ("mpims.json", "dm", True),
    ):
        for c in _list(source, root, name):
            if not isinstance(c, dict) or "id" not in c:
                raise DataError(f"{source.describe(root + name)}: an entry without an id; re-export it")
            folder = c["id"] if name == "dms.json" else c.get("name") or c["id"]
            if not isinstance(c.get("members") or [], list):
                raise DataError(f"{source.describe(root + name)}, channel {c['id']}, field 'members': not a JSON list; re-export it")
            conversations.append((folder, str(c["id"]), kind, private, c.get("name"), c.get("created"), c.get("members") or [], root + name))
    known_folders = {c[0] for c in conversations}
    day_files = [n for n in source.names() if n.startswith(root) and DAY_FILE.match(PurePosixPath(n).name)]
    folders = sorted({str(PurePosixPath(n).parent.relative_to(root.rstrip("/") or ".")) if root else str(PurePosixPath(n).parent) for n in day_files})
    unknown = [f for f in folders if f not in known_folders]
    if unknown:
        # A folder missing from every index may be a group DM ("mpdm-ann--bob--cat-1", handles in its
        # name): read it as a private conversation with a neutral id and name, never as a public channel.
        meta.warn(
            f"{len(unknown)} conversation folder(s) are not listed in channels.json/groups.json/dms.json/mpims.json; "
            "read as private conversations under neutral names"
        )
        conversations += [(f, f"unlisted-{i}", "channel", True, f"Unlisted conversation {i}", None, [], "") for i, f in enumerate(unknown, 1)]
    by_folder = {c[0]: c for c in conversations}

    # -- people ------------------------------------------------------------------------------
    profiles = [x.get("profile") or {} for x in users]
    bad = next((i for i, p in enumerate(profiles) if not isinstance(p, dict)), None)
    if bad is not None:
        raise DataError(f"{source.describe(root + users_file)}, user {bad}, field 'profile': not a JSON object; re-export the workspace")
    u = pd.DataFrame(
        {
            "id": [str(x.get("id")) for x in users],
            "name": [p.get("real_name") or x.get("real_name") or x.get("name") for x, p in zip(users, profiles)],
            "email": [p.get("email") for p in profiles],
            "title": [p.get("title") or None for p in profiles],
            "deleted": [bool(x.get("deleted")) for x in users],
            "is_bot": [bool(x.get("is_bot")) or x.get("id") == "USLACKBOT" for x in users],
            "guest": [bool(x.get("is_restricted")) or bool(x.get("is_ultra_restricted")) for x in users],
        }
    ).drop_duplicates("id")
    user_pid = pd.Series(pseudonymiser.ids(identity_keys(FORMAT, u["id"], u["email"].astype("str"))).to_numpy(), index=u["id"].to_numpy())

    person_ids = person_id_mapper(pseudonymiser, FORMAT, user_pid)

    # -- messages ----------------------------------------------------------------------------
    records = []
    for member in sorted(day_files):
        folder = str(PurePosixPath(member).parent)[len(root) :] if root else str(PurePosixPath(member).parent)
        day = source.read_json(member)
        if not isinstance(day, list):
            raise DataError(f"{source.describe(member)}: expected a JSON list of messages; re-export it")
        conv = by_folder[folder]
        for i, m in enumerate(day):  # JSON arrives as Python objects: one pass to pick the fields we need
            if not isinstance(m, dict):
                raise DataError(f"{source.describe(member)}: message {i} is not a JSON object; re-export it")
            # file_comment messages name their author inside the comment (old exports).
            comment, reactions = m.get("comment") or {}, m.get("reactions") or []
            if not isinstance(comment, dict) or not isinstance(reactions, list):
                field = "comment" if not isinstance(comment, dict) else "reactions"
                raise DataError(
                    f"{source.describe(member)}, message {i}, field {field!r}: not a JSON {'object' if field == 'comment' else 'list'}; re-export it"
                )
            user = m.get("user") or comment.get("user") or None
            records.append(
                (
                    conv[1],
                    m.get("ts"),
                    m.get("thread_ts"),
                    m.get("subtype"),
                    user,
                    m.get("bot_id"),
                    m.get("text") or "",
                    reactions,
                    member,
                    i,
                )
            )
    raw = pd.DataFrame(records, columns=["conv", "ts", "thread_ts", "subtype", "user", "bot_id", "text", "reactions", "file", "index"])
    bad_ts = raw["ts"].isna()
    if bad_ts.any():
        meta.warn(f"{count(bad_ts.sum(), 'message')} without a ts were skipped")
        raw = raw[~bad_ts]
    raw = raw.astype({"conv": "str", "ts": "str", "thread_ts": "str", "subtype": "str", "user": "str", "bot_id": "str"})
    # Where each message came from, as the export names it: the day file and the message's place in it.
    files = pd.Series(raw["file"].unique())
    described = raw["file"].map(pd.Series(files.map(source.describe).to_numpy(), index=files.to_numpy())).astype("str")
    created = _ts(raw["ts"], described + ", message " + raw["index"].astype("str"), "ts")
    subtype = raw["subtype"]
    content = subtype.isna() | isin(subtype, CONTENT_SUBTYPES)
    membership_events = raw[isin(subtype, list(MEMBERSHIP_SUBTYPES))].assign(event=lambda t: t["subtype"].map(MEMBERSHIP_SUBTYPES), at=created)
    n_other = int((~content & ~isin(subtype, list(MEMBERSHIP_SUBTYPES))).sum())
    if n_other:
        meta.warn(f"{count(n_other, 'system message')} (topic, purpose, pins, bot additions, ...) are not counted as messages")
    msgs = raw[content].copy()
    msgs["created_at"] = created[content]
    author_raw = msgs["user"].where(msgs["user"].notna(), msgs["bot_id"])
    missing_author = author_raw.isna()
    if missing_author.any():
        meta.warn(f"{count(missing_author.sum(), 'message')} name no author; kept under one 'unknown author'")
        author_raw = author_raw.fillna(UNKNOWN_AUTHOR)
    msgs["author"] = author_raw
    msgs["message_id"] = msgs["conv"] + ":" + msgs["ts"]
    dup = msgs["message_id"].duplicated()
    if dup.any():
        meta.warn(f"{count(dup.sum(), 'duplicate message')} (same conversation and ts) were dropped")
        msgs = msgs[~dup]
    is_reply = msgs["thread_ts"].notna() & (msgs["thread_ts"] != msgs["ts"])
    msgs["thread_id"] = msgs["conv"] + ":" + msgs["thread_ts"].fillna(msgs["ts"])
    conv_kind = pd.Series({c[1]: c[2] for c in conversations})
    is_dm = msgs["conv"].map(conv_kind) == "dm"
    unlisted = msgs["conv"].str.startswith("unlisted-")  # private: see above
    text = msgs["text"].astype("str")
    if keep_text:
        kept = text.str.replace(MENTION, lambda m: f"<@{person_ids(pd.Series([m.group(1)])).iloc[0]}>", regex=True)
    else:
        kept = None
    messages = pd.DataFrame(
        {
            "message_id": msgs["message_id"],
            "thread_id": msgs["thread_id"],
            "reply_to_id": msgs["thread_id"].where(is_reply),
            "group_id": msgs["conv"].where(~is_dm),
            "author_id": person_ids(msgs["author"]).to_numpy(),
            "created_at": msgs["created_at"],
            "is_thread_start": ~is_reply,
            "is_private": is_dm | unlisted,
            "conversation_id": msgs["conv"].where(is_dm | unlisted),  # a direct message's conversation (it has no group)
            "n_chars": text.str.len(),
            "text": kept,
            "platform": FORMAT,
        }
    )

    # -- reactions and mentions --------------------------------------------------------------
    has_reactions = msgs["reactions"].map(len) > 0
    r = msgs.loc[has_reactions, ["message_id", "reactions"]].explode("reactions")
    if len(r):
        r = r.assign(
            reaction=r["reactions"].map(lambda x: x.get("name") if isinstance(x, dict) else None),
            users=r["reactions"].map(lambda x: x.get("users") if isinstance(x, dict) else None),
        ).explode("users")
        r = r.dropna(subset=["users", "reaction"])
        reactions = pd.DataFrame(
            {
                "message_id": r["message_id"].to_numpy(),
                "person_id": person_ids(r["users"].astype("str")).to_numpy(),
                "reaction": r["reaction"].astype("str").to_numpy(),
            }
        )
        reactions = reactions.drop_duplicates().reset_index(drop=True)
    else:
        reactions = None
    found = text.str.extractall(MENTION)
    if len(found):
        rows = found.index.get_level_values(0)
        mentions = pd.DataFrame(
            {"message_id": msgs.loc[rows, "message_id"].to_numpy(), "person_id": person_ids(found[0].astype("str")).to_numpy()}
        ).drop_duplicates()
    else:
        mentions = None

    # -- memberships -------------------------------------------------------------------------
    listed = [(c[1], str(p)) for c in conversations if c[2] == "channel" for p in c[6]]
    ev = membership_events[membership_events["user"].notna()]
    ev = ev[ev["conv"].map(conv_kind) == "channel"]
    joins = ev[ev["event"] == "join"].groupby(["conv", "user"])["at"].max()
    leaves = ev[ev["event"] == "leave"].groupby(["conv", "user"])["at"].max()
    pairs = pd.Index(listed, name=None).union(joins.index).union(leaves.index) if (listed or len(joins) or len(leaves)) else pd.Index([])
    if len(pairs):
        mem = pd.DataFrame(list(pairs), columns=["group_id", "user"])
        key = pd.MultiIndex.from_frame(mem)
        mem["joined_at"] = joins.reindex(key).to_numpy()
        left = leaves.reindex(key)
        still = left.isna().to_numpy() | (mem["joined_at"].notna().to_numpy() & (joins.reindex(key).to_numpy() > left.to_numpy()))
        mem["left_at"] = left.where(~still).to_numpy()
        memberships = pd.DataFrame(
            {"group_id": mem["group_id"], "person_id": person_ids(mem["user"]).to_numpy(), "joined_at": mem["joined_at"], "left_at": mem["left_at"]}
        )
    else:
        memberships = None

    # -- groups ------------------------------------------------------------------------------
    channels = [c for c in conversations if c[2] == "channel"]
    groups = pd.DataFrame(
        {
            "group_id": [c[1] for c in channels],
            "name": [c[4] or c[0] for c in channels],
            "kind": "channel",
            "is_private": [c[3] for c in channels],
            "created_at": _ts(
                pd.Series([c[5] for c in channels], dtype="object"),
                pd.Series([f"{source.describe(c[7])}, channel {c[1]}" for c in channels], dtype="str"),
                "created",
            ),
            "platform": FORMAT,
        }
    )

    # -- people seen only in messages (bots without users, departed users) ---------------------
    bot_authors = set(msgs.loc[(msgs["subtype"] == "bot_message") | msgs["bot_id"].notna(), "author"])
    referenced = (
        pd.concat(
            [
                msgs["author"],
                r["users"].astype("str") if len(r) else pd.Series([], dtype="str"),
                found[0].astype("str") if len(found) else pd.Series([], dtype="str"),
                ev["user"] if len(ev) else pd.Series([], dtype="str"),
                pd.Series([p for _, p in listed], dtype="str"),
            ]
        )
        .dropna()
        .drop_duplicates()
    )
    extra = referenced[~isin(referenced, u["id"])]
    people_users = pd.DataFrame(
        {
            "person_id": user_pid.to_numpy(),
            "job_title": u["title"].to_numpy(),
            "state": np.where(u["deleted"], "deleted", "active"),
            "is_external": u["guest"].to_numpy(),
            "is_bot": (u["is_bot"] | isin(u["id"], bot_authors)).to_numpy(),
        }
    )
    people_extra = pd.DataFrame({"person_id": person_ids(extra).to_numpy(), "is_bot": isin(extra, bot_authors).to_numpy()})
    humans_missing = int((~isin(extra, bot_authors)).sum())
    if humans_missing:
        meta.warn(f"{count(humans_missing, 'user id')} in messages are missing from users.json; added without attributes")
    people = pd.concat([people_users, people_extra], ignore_index=True).drop_duplicates("person_id")
    identities = pd.concat(
        [
            pd.DataFrame(
                {
                    "person_id": user_pid.to_numpy(),
                    "source": FORMAT,
                    "source_user_id": u["id"].to_numpy(),
                    "name": u["name"].to_numpy(),
                    "email": u["email"].to_numpy(),
                }
            ),
            pd.DataFrame({"person_id": people_extra["person_id"], "source": FORMAT, "source_user_id": extra.to_numpy()}),
        ],
        ignore_index=True,
    )
    meta.sources.append({"format": FORMAT, "path": source.path.name, "conversations": len(conversations), "messages_read": len(raw)})
    ds = Dataset(
        people=people,
        groups=groups,
        memberships=memberships,
        messages=messages,
        reactions=reactions,
        mentions=mentions,
        identities=identities,
        meta=meta,
    )
    ds.refresh_coverage()
    return ds
