"""Microsoft Teams messages from Microsoft Graph (``chatMessage``): a folder (or zip) of JSON pages.

Each file is a page ``{"@odata.context": ..., "value": [chatMessage, ...]}`` (or a bare list) of
channel root posts, replies (``.../messages/{id}/replies``, or nested under ``replies`` with
``$expand=replies``) or chat messages. A page of channel objects (``displayName`` +
``membershipType``) names the channels.

Rules applied here:

- only ``messageType == "message"`` is a message; system events are not;
- deleted messages (``deletedDateTime`` set) are left out and counted in a warning;
- ``replyToId`` threads a reply under its root; a group is a team's channel (``channelIdentity``);
  chat messages (no channel) are private with a null ``group_id``;
- ``mentions[].mentioned.user`` and ``reactions[].user.user`` become rows;
- message ids are ``<channel or chat id>/<id>``, unique across the export.

Graph gives no e-mail addresses, so a Teams person joins people from other sources through the
Teams usage report's ``User Id`` (see :func:`esnkit.ingest.combine`).
"""

from __future__ import annotations

import re

import pandas as pd

from .._fast import isin
from .._text import count
from ..dataset import Dataset, Meta
from ..errors import DataError
from ..privacy import Pseudonymiser, identity_keys
from ._common import ExportSource, parse_timestamps

FORMAT = "teams"
AT_TAG = re.compile(r"<at[^>]*>(.*?)</at>", re.S)
TAG = re.compile(r"<[^>]+>")


def _pages(source: ExportSource) -> list[tuple[str, list]]:
    pages = []
    for member in source.names():
        if not member.lower().endswith(".json"):
            continue
        data = source.read_json(member)
        values = data.get("value") if isinstance(data, dict) else data
        if isinstance(values, list):
            pages.append((member, values))
    return pages


def _dig(value, *keys) -> dict:
    """``value[k1][k2]...`` when each step is an object, else ``{}`` (a hostile export nests a string where Graph puts an object)."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def detect(source: ExportSource) -> bool:
    jsons = [n for n in source.names() if n.lower().endswith(".json")]
    if not jsons or len(jsons) > 100000:
        return False
    try:
        data = source.read_json(jsons[0])
    except DataError:
        if len(jsons) == len(source.names()):  # nothing but JSON pages: no other format reads it, so say what is wrong
            raise
        return False
    values = data.get("value") if isinstance(data, dict) else data
    return isinstance(values, list) and any(isinstance(v, dict) and "messageType" in v for v in values[:20])


def load(source: ExportSource, *, pseudonymiser: Pseudonymiser, keep_text: bool = False) -> Dataset:
    meta = Meta()
    pages = _pages(source)
    rows, channel_names = [], {}
    for member, values in pages:
        for v in values:
            if not isinstance(v, dict):
                raise DataError(f"{source.describe(member)}: an entry that is not a JSON object; re-export it")
            if "membershipType" in v and "displayName" in v and "id" in v:
                channel_names[str(v["id"])] = v["displayName"]
                continue
            if "messageType" not in v:
                continue
            replies = v.get("replies") or []
            if not isinstance(replies, list) or not all(isinstance(r, dict) for r in replies):
                raise DataError(f"{source.describe(member)}, message id {v.get('id')}, field 'replies': not a JSON list of messages; re-export it")
            stack = [v] + replies
            for m in stack:  # a message and any replies nested by $expand
                rows.append((member, m))
    if not rows:
        raise DataError(f"{source.label}: no chatMessage objects found; export channel messages from Microsoft Graph as JSON pages")
    where = source.label

    def obj(value, member: str, field: str) -> dict:
        """A nested Graph object; anything else (a list, a string) is a malformed export, said in one line."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise DataError(f"{source.describe(member)}: `{field}` is a {type(value).__name__}, not an object; re-export the messages from Graph")
        return value

    ident = [obj(m.get("channelIdentity"), member, "channelIdentity") for member, m in rows]
    frm = [obj(obj(m.get("from"), member, "from").get("user"), member, "from.user") for member, m in rows]
    for member, m in rows:
        obj(m.get("body"), member, "body")
    raw = pd.DataFrame(
        {
            "id": [str(m.get("id")) for _, m in rows],
            "reply_to": [None if m.get("replyToId") is None else str(m.get("replyToId")) for _, m in rows],
            "type": [m.get("messageType") for _, m in rows],
            "created": [m.get("createdDateTime") for _, m in rows],
            "deleted": [m.get("deletedDateTime") for _, m in rows],
            "user": [u.get("id") for u in frm],
            "user_name": [u.get("displayName") for u in frm],
            "channel": [i.get("channelId") for i in ident],
            "team": [i.get("teamId") for i in ident],
            "chat": [m.get("chatId") for _, m in rows],
            "body": [((m.get("body") or {}).get("content") or "") for _, m in rows],
            "file": [member for member, _ in rows],
        }
    )
    raw["container"] = raw["channel"].fillna(raw["chat"]).fillna("unknown")
    raw["message_id"] = raw["container"] + "/" + raw["id"]
    raw = raw.drop_duplicates("message_id").reset_index(drop=True)
    system = raw["type"] != "message"
    if system.any():
        meta.warn(f"{count(system.sum(), 'system event')} (messageType other than message) are not counted as messages")
    deleted = ~system & raw["deleted"].notna()
    if deleted.any():
        meta.warn(f"{count(deleted.sum(), 'deleted message')} left out (deletedDateTime set)")
    no_author = ~system & ~deleted & raw["user"].isna()
    if no_author.any():
        meta.warn(f"{count(no_author.sum(), 'message')} from applications or unknown senders were left out")
    msgs = raw[~system & ~deleted & ~no_author].copy()
    # Where each message came from, as the export names it: its page and its Graph id.
    files = pd.Series(msgs["file"].unique())
    described = msgs["file"].map(pd.Series(files.map(source.describe).to_numpy(), index=files.to_numpy())).astype("str")
    msgs["record"] = described + ", message id " + msgs["id"]
    # mentions and reactions
    m_rows, r_rows = [], []
    by_id = {str(m.get("id")) + "@" + str((m.get("channelIdentity") or {}).get("channelId") or m.get("chatId") or "unknown"): m for _, m in rows}
    for mid, container, rid, record in zip(msgs["message_id"], msgs["container"], msgs["id"], msgs["record"]):
        m = by_id[rid + "@" + container]
        for field in ("mentions", "reactions"):
            items = m.get(field) or []
            if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
                raise DataError(f"{record}, field {field!r}: not a JSON list of objects; re-export the messages from Graph")
        for mention in m.get("mentions") or []:
            user = _dig(mention, "mentioned", "user")
            if user.get("id"):
                m_rows.append((mid, user["id"], user.get("displayName")))
        for reaction in m.get("reactions") or []:
            user = _dig(reaction, "user", "user")
            if user.get("id"):
                r_rows.append((mid, user["id"], reaction.get("reactionType"), reaction.get("createdDateTime"), record))
    mentions = pd.DataFrame(m_rows, columns=["message_id", "user", "name"])
    reactions = pd.DataFrame(r_rows, columns=["message_id", "user", "reaction", "created", "record"])
    names = (
        pd.concat([msgs[["user", "user_name"]].set_axis(["user", "name"], axis=1), mentions[["user", "name"]]])
        .dropna(subset=["user"])
        .drop_duplicates("user")
    )
    everyone = pd.concat([names["user"], reactions["user"]]).drop_duplicates().astype("str")
    pid = pd.Series(pseudonymiser.ids(identity_keys(FORMAT, everyone)).to_numpy(), index=everyone.to_numpy())
    is_reply = msgs["reply_to"].notna()
    thread = msgs["container"] + "/" + msgs["reply_to"].fillna(msgs["id"])
    text = msgs["body"].astype("str").str.replace(AT_TAG, "@mention", regex=True).str.replace(TAG, "", regex=True).str.strip()
    messages = pd.DataFrame(
        {
            "message_id": msgs["message_id"],
            "thread_id": thread,
            "reply_to_id": thread.where(is_reply),
            "group_id": msgs["channel"],
            "author_id": msgs["user"].map(pid),
            "created_at": parse_timestamps(msgs["created"], where=where, column="createdDateTime", records=msgs["record"], required=True),
            "is_thread_start": ~is_reply,
            "is_private": msgs["channel"].isna(),
            "conversation_id": msgs["container"].where(msgs["channel"].isna() & (msgs["container"] != "unknown")),  # a chat's id: it has no group
            "n_chars": text.str.len(),
            "text": text if keep_text else None,
            "platform": FORMAT,
        }
    )
    orphans = is_reply & ~isin(thread, msgs["message_id"])
    if orphans.any():
        meta.warn(f"{count(orphans.sum(), 'reply', 'replies')} to root messages not in the export")
    kept_ids = set(messages["message_id"])
    mentions = mentions[isin(mentions["message_id"], kept_ids)]
    reactions = reactions[isin(reactions["message_id"], kept_ids)]
    channels = msgs.dropna(subset=["channel"]).drop_duplicates("channel")
    groups = pd.DataFrame(
        {
            "group_id": channels["channel"],
            "name": channels["channel"]
            .map(pd.Series(channel_names, dtype="str"))
            .astype("str")
            .fillna("Teams channel " + channels["channel"].str.slice(3, 11)),
            "kind": "channel",
            "platform": FORMAT,
        }
    )
    people = pd.DataFrame({"person_id": pid.to_numpy(), "state": "active", "is_bot": False})
    identities = pd.DataFrame(
        {"person_id": pid.to_numpy(), "source": FORMAT, "source_user_id": pid.index, "name": pid.index.map(names.set_index("user")["name"])}
    )
    meta.sources.append({"format": FORMAT, "path": source.path.name, "pages": len(pages), "messages_read": len(raw)})
    ds = Dataset(
        people=people,
        groups=groups,
        messages=messages,
        mentions=pd.DataFrame({"message_id": mentions["message_id"], "person_id": mentions["user"].map(pid)}).drop_duplicates(),
        reactions=pd.DataFrame(
            {
                "message_id": reactions["message_id"],
                "person_id": reactions["user"].map(pid),
                "reaction": reactions["reaction"],
                "created_at": parse_timestamps(reactions["created"], where=where, column="reactions.createdDateTime", records=reactions["record"])
                if len(reactions)
                else None,
            }
        ).drop_duplicates(["message_id", "person_id", "reaction"]),
        identities=identities,
        meta=meta,
    )
    ds.refresh_coverage()
    return ds
