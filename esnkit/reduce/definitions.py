"""What the reductions are: each one SQL query, written once, that DuckDB and Spark SQL both run.

The event tables (``messages``, ``reactions``, ``mentions``) are only ever reduced: per person and
day, per thread, per pair of people and day, per community and month. Each reduction below is one
``SELECT`` over the canonical tables of :data:`esnkit.dataset.SCHEMA` (plus the shared views in
:data:`VIEWS`), in the subset of SQL that both engines read the same way: ``CAST(ts AS DATE)``,
``date_trunc('month', ts)``, ``CASE``, ``COALESCE``, ``COUNT(DISTINCT ...)``, joins and
``UNION ALL``; every sum is cast to ``BIGINT`` so both engines write the same parquet types. Both
engines run with the session time zone set to UTC, so a day is a UTC day, as everywhere in esnkit.

A day is the UTC calendar day (parquet ``date``: read back as days since 1970-01-01), a month the
first day of its UTC month. Rows whose person is not in ``people`` are kept (the platform may know
people the roster does not); self-ties are not ties and are left out.
"""

from __future__ import annotations

import dataclasses

__all__ = ["INPUTS", "QUERIES", "REDUCTIONS", "REDUCTIONS_VERSION", "VIEWS", "Query", "Reduction"]

#: Bump when a definition changes: reductions written under another version are recomputed.
REDUCTIONS_VERSION = (
    4  # 3: threads.answered_at (a reaction without a time answers a thread); 4: private messages answered by the other person's next message
)

#: The canonical tables the reductions read, and the columns they read of each (never ``identities``,
#: never message text).
INPUTS: dict[str, tuple[str, ...]] = {
    "groups": ("group_id", "kind"),
    "memberships": ("group_id", "person_id", "joined_at", "left_at"),
    "messages": ("message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start", "is_private", "conversation_id"),
    "reactions": ("message_id", "person_id", "created_at"),
    "mentions": ("message_id", "person_id"),
}


@dataclasses.dataclass(frozen=True)
class Reduction:
    """One reduced table: its query, the columns that identify a row, and what each column means."""

    name: str
    doc: str
    key: tuple[str, ...]
    columns: dict[str, str]
    sql: str
    #: The order the metrics read the rows in. DuckDB writes the file in it (reduced, then sorted:
    #: :class:`~esnkit.reduce.engines.DuckDBEngine`), so a reader finds it sorted and skips a sort
    #: of millions of rows; Spark's part files are read back and sorted.
    order: tuple[str, ...] = ()


#: Views the reductions share, created in this order (``CREATE OR REPLACE TEMPORARY VIEW name AS sql``).
VIEWS: dict[str, str] = {
    # Every dated contribution: kind 0 a thread start, 1 a reply, 2 a reaction (at its own time, or
    # its message's when the export gives none; in the community of the message reacted to).
    "events": """
        SELECT author_id AS person_id, created_at,
               CASE WHEN COALESCE(is_thread_start, TRUE) THEN 0 ELSE 1 END AS kind,
               group_id, message_id
        FROM messages WHERE created_at IS NOT NULL
        UNION ALL
        SELECT r.person_id, COALESCE(r.created_at, m.created_at) AS created_at, 2 AS kind, m.group_id, r.message_id
        FROM reactions r JOIN messages m ON r.message_id = m.message_id
        WHERE COALESCE(r.created_at, m.created_at) IS NOT NULL
    """,
    # Dated thread starts: the threads a response rate is counted on.
    "thread_starts": """
        SELECT thread_id, group_id, author_id, created_at, is_private
        FROM messages WHERE is_thread_start AND created_at IS NOT NULL
    """,
    # Dated replies in a thread whose start is dated.
    "thread_replies_all": """
        SELECT m.thread_id, m.author_id AS person_id, m.created_at, s.author_id AS starter_id
        FROM messages m JOIN thread_starts s ON m.thread_id = s.thread_id
        WHERE NOT m.is_thread_start AND m.created_at IS NOT NULL
    """,
    # Who each message's author answered: the message replied to, else the thread's start (dated or not).
    # Private conversations cut into runs of one author's consecutive messages (by time): a message
    # is answered when the next run begins, that is, when someone else in the conversation writes.
    "private_runs": """
        SELECT message_id, thread_id, conv, author_id, created_at, is_thread_start,
               SUM(CASE WHEN prev_author IS NULL OR prev_author <> author_id THEN 1 ELSE 0 END)
                   OVER (PARTITION BY conv ORDER BY created_at, message_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run
        FROM (
            SELECT message_id, thread_id, conv, author_id, created_at, is_thread_start,
                   LAG(author_id) OVER (PARTITION BY conv ORDER BY created_at, message_id) AS prev_author
            FROM (
                -- a direct message's conversation: the loader's, or a group of kind dm (a private channel is a community)
                SELECT m.*, COALESCE(m.conversation_id, CASE WHEN g.kind = 'dm' THEN m.group_id END) AS conv
                FROM messages m LEFT JOIN groups g ON m.group_id = g.group_id
            ) m
            WHERE is_private AND conv IS NOT NULL AND created_at IS NOT NULL
        ) ordered
    """,
    # The first message by someone else after each private thread start in its conversation.
    "private_answers": """
        SELECT p.thread_id, n.next_start AS answered
        FROM private_runs p
        JOIN (
            SELECT conv, run, LEAD(run_start) OVER (PARTITION BY conv ORDER BY run) AS next_start
            FROM (SELECT conv, run, MIN(created_at) AS run_start FROM private_runs GROUP BY conv, run) runs
        ) n ON p.conv = n.conv AND p.run = n.run
        WHERE p.is_thread_start AND n.next_start IS NOT NULL
    """,
    "reply_targets": """
        SELECT m.message_id, m.author_id AS source, COALESCE(p.author_id, s.author_id) AS target,
               m.group_id, m.created_at
        FROM messages m
        LEFT JOIN messages p ON m.reply_to_id = p.message_id
        LEFT JOIN (SELECT thread_id, author_id FROM messages WHERE is_thread_start) s ON m.thread_id = s.thread_id
        WHERE NOT m.is_thread_start AND m.created_at IS NOT NULL
    """,
}


def _counts(*names: str) -> str:
    """One count per ``kind`` code (0, 1, 2...), named in order, as BIGINT on both engines."""
    return ",".join(f"\n    CAST(SUM(CASE WHEN kind = {code} THEN 1 ELSE 0 END) AS BIGINT) AS {name}" for code, name in enumerate(names))


_KINDS = _counts("posts", "replies", "reactions")  # over the events view: 0 thread start, 1 reply, 2 reaction

REDUCTIONS: dict[str, Reduction] = {
    r.name: r
    for r in (
        Reduction(
            name="person_day",
            doc="What each person contributed on each UTC day, per community: the base of every active-people figure.",
            key=("person_id", "day", "group_id"),
            order=("day",),
            columns={
                "person_id": "the contributor (pseudonymised)",
                "day": "UTC day",
                "group_id": "the community (null for private messages outside any group)",
                "posts": "thread starts",
                "replies": "replies",
                "reactions": "reactions given (counted in the community of the message reacted to)",
                "first_at": "the time of their first contribution that day there",
                "last_at": "the time of their last",
            },
            sql=f"""
                SELECT person_id, CAST(created_at AS DATE) AS day, group_id,{_KINDS},
                       MIN(created_at) AS first_at, MAX(created_at) AS last_at
                FROM events
                GROUP BY person_id, CAST(created_at AS DATE), group_id
            """,
        ),
        Reduction(
            name="threads",
            doc=(
                "One row per dated thread start, with its first response by someone else over all the data: the first "
                "dated one (the time to first response) and the first counting a reaction without a time at its "
                "message's time (when the thread was answered)."
            ),
            key=("thread_id",),
            order=("created_at", "thread_id"),
            columns={
                "thread_id": "the thread",
                "group_id": "its community",
                "author_id": "who started it",
                "created_at": "when",
                "is_private": "a private conversation",
                "first_response_at": (
                    "the first dated reply or reaction by someone other than the starter, or, in a private conversation, "
                    "the other person's next message (null: none)"
                ),
                "answered_at": (
                    "when it was first answered: the first reply or reaction by someone other than the starter, a reaction "
                    "without a time (as a standard Slack export gives) at its message's time (null: none)"
                ),
            },
            sql="""
                SELECT s.thread_id, s.group_id, s.author_id, s.created_at, s.is_private, f.first_response_at, f.answered_at
                FROM thread_starts s
                LEFT JOIN (
                    SELECT thread_id, MIN(t) AS first_response_at, MIN(a) AS answered_at FROM (
                        SELECT thread_id, created_at AS t, created_at AS a FROM thread_replies_all
                        WHERE person_id IS NULL OR person_id <> starter_id
                        UNION ALL
                        SELECT m.thread_id, r.created_at AS t, COALESCE(r.created_at, m.created_at) AS a
                        FROM reactions r
                        JOIN messages m ON r.message_id = m.message_id
                        JOIN thread_starts s2 ON m.thread_id = s2.thread_id
                        WHERE m.created_at IS NOT NULL
                          AND (r.person_id IS NULL OR r.person_id <> s2.author_id)
                        UNION ALL
                        SELECT thread_id, answered AS t, answered AS a FROM private_answers
                    ) responses GROUP BY thread_id
                ) f ON s.thread_id = f.thread_id
            """,
        ),
        Reduction(
            name="thread_replies",
            doc="Replies per thread, replier and UTC day: reply counts and participants at any as-of are sums over days before it.",
            key=("thread_id", "person_id", "day"),
            columns={
                "thread_id": "the thread (its start is in `threads`)",
                "person_id": "who replied (the starter included)",
                "day": "UTC day",
                "replies": "their replies that day",
            },
            sql="""
                SELECT thread_id, person_id, CAST(created_at AS DATE) AS day, COUNT(*) AS replies
                FROM thread_replies_all
                GROUP BY thread_id, person_id, CAST(created_at AS DATE)
            """,
        ),
        Reduction(
            name="ties_day",
            doc="Directed ties between two people per community and UTC day, by kind: the interaction network at any window.",
            key=("source", "target", "group_id", "day"),
            order=("day",),
            columns={
                "source": "who acted: replied, mentioned, reacted",
                "target": "towards whom: the author replied or reacted to, the person mentioned",
                "group_id": "the community it happened in",
                "day": "UTC day (a reaction's own time, else its message's)",
                "replies": "replies from source to target",
                "mentions": "mentions of target by source",
                "reactions": "reactions by source to target's messages",
            },
            sql=f"""
                SELECT source, target, group_id, CAST(created_at AS DATE) AS day,{_counts("replies", "mentions", "reactions")}
                FROM (
                    SELECT source, target, group_id, created_at, 0 AS kind FROM reply_targets
                    UNION ALL
                    SELECT m.author_id AS source, x.person_id AS target, m.group_id, m.created_at, 1 AS kind
                    FROM mentions x JOIN messages m ON x.message_id = m.message_id
                    WHERE m.created_at IS NOT NULL
                    UNION ALL
                    SELECT r.person_id AS source, m.author_id AS target, m.group_id,
                           COALESCE(r.created_at, m.created_at) AS created_at, 2 AS kind
                    FROM reactions r JOIN messages m ON r.message_id = m.message_id
                    WHERE COALESCE(r.created_at, m.created_at) IS NOT NULL
                ) t
                WHERE source IS NOT NULL AND target IS NOT NULL AND source <> target
                GROUP BY source, target, group_id, CAST(created_at AS DATE)
            """,
        ),
        Reduction(
            name="community_month",
            doc="Activity per community and UTC month: contributions by kind and distinct contributors.",
            key=("group_id", "month"),
            columns={
                "group_id": "the community (null: private messages outside any group)",
                "month": "first day of the UTC month",
                "posts": "thread starts",
                "replies": "replies",
                "reactions": "reactions",
                "contributors": "distinct people who posted, replied or reacted",
            },
            sql=f"""
                SELECT group_id, CAST(date_trunc('month', created_at) AS DATE) AS month,{_KINDS},
                       COUNT(DISTINCT person_id) AS contributors
                FROM events
                GROUP BY group_id, CAST(date_trunc('month', created_at) AS DATE)
            """,
        ),
        Reduction(
            name="membership_month",
            doc="Memberships started and ended per community and UTC month (undated memberships count in no month).",
            key=("group_id", "month"),
            columns={
                "group_id": "the community",
                "month": "first day of the UTC month",
                "joined": "memberships that began that month",
                "ended": "memberships that ended that month",
            },
            sql="""
                SELECT group_id, month, CAST(SUM(joined) AS BIGINT) AS joined, CAST(SUM(ended) AS BIGINT) AS ended
                FROM (
                    SELECT group_id, CAST(date_trunc('month', joined_at) AS DATE) AS month, 1 AS joined, 0 AS ended
                    FROM memberships WHERE joined_at IS NOT NULL
                    UNION ALL
                    SELECT group_id, CAST(date_trunc('month', left_at) AS DATE) AS month, 0 AS joined, 1 AS ended
                    FROM memberships WHERE left_at IS NOT NULL
                ) x
                GROUP BY group_id, month
            """,
        ),
    )
}


@dataclasses.dataclass(frozen=True)
class Query:
    """A figure counted over the event tables at the time it is asked for, with parameters (DuckDB).

    For the few figures whose rule ties two dates together (a reaction counted when both it and
    its message fall in a window), which no table reduced by one date can answer. The engine
    reads the event parquet of ``processed/`` (or the Dataset's own tables) out of core, so the
    step never holds the events. Each input view has the ``INPUTS``-style columns named here plus
    ``file_row_number``, the row's position in its table (for "the first row" rules). A name in
    ``frames`` is a small table the caller passes (a frame with the columns the SQL reads, say the
    threads it asks about), read by its name; every other parameter is a value, read as ``$name``.
    """

    name: str
    doc: str
    inputs: dict[str, tuple[str, ...]]
    params: tuple[str, ...]
    sql: str
    frames: tuple[str, ...] = ()


QUERIES: dict[str, Query] = {
    q.name: q
    for q in (
        Query(
            name="received",
            doc=(
                "Responses each person received from someone else in [$start, $end): replies to their message (the message "
                "replied to, else the thread's first start), reactions to their message and mentions in a message, each "
                "counted when the responding message is in the window (a reaction when its message is, and it is too or "
                "carries no time)."
            ),
            inputs={
                "messages": ("message_id", "thread_id", "reply_to_id", "author_id", "created_at", "is_thread_start"),
                "reactions": ("message_id", "person_id", "created_at"),
                "mentions": ("message_id", "person_id"),
            },
            params=("start", "end"),
            sql="""
                WITH win AS (
                    SELECT message_id, thread_id, reply_to_id, author_id, is_thread_start FROM messages
                    WHERE created_at >= $start AND created_at < $end
                ), starts AS (  -- of the window's threads only: all 18 M at 1,000,000 people did not fit beside the steps
                    SELECT thread_id, arg_min(author_id, file_row_number) AS author_id
                    FROM messages WHERE is_thread_start AND thread_id IN (SELECT thread_id FROM win) GROUP BY thread_id
                ), parents AS (
                    SELECT message_id, author_id FROM messages WHERE message_id IN (SELECT reply_to_id FROM win)
                ), got AS (
                    SELECT CASE WHEN p.message_id IS NOT NULL THEN p.author_id ELSE s.author_id END AS target, w.author_id AS source
                    FROM win w
                    LEFT JOIN parents p ON w.reply_to_id = p.message_id
                    LEFT JOIN starts s ON w.thread_id = s.thread_id
                    WHERE w.is_thread_start IS NOT TRUE
                    UNION ALL
                    SELECT w.author_id AS target, r.person_id AS source
                    FROM reactions r JOIN win w ON r.message_id = w.message_id
                    WHERE r.created_at IS NULL OR (r.created_at >= $start AND r.created_at < $end)
                    UNION ALL
                    SELECT x.person_id AS target, w.author_id AS source
                    FROM mentions x JOIN win w ON x.message_id = w.message_id
                )
                SELECT target AS person_id, CAST(COUNT(*) AS BIGINT) AS received FROM got
                WHERE target IS NOT NULL AND target IS DISTINCT FROM source
                GROUP BY target
            """,
        ),
        Query(
            name="newcomer_starts",
            doc=(
                "Each person's first message in each community before $end (ties in time by table order) when it starts a "
                "thread: its community, time, and the first reply in that thread before $end by someone other than a "
                "newcomer who started it (null: none)."
            ),
            inputs={"messages": ("thread_id", "group_id", "author_id", "created_at", "is_thread_start")},
            params=("end",),
            sql="""
                WITH kept AS (
                    SELECT thread_id, group_id, author_id, created_at, is_thread_start, file_row_number FROM messages
                    WHERE created_at < $end AND group_id IS NOT NULL
                ), firsts AS (
                    SELECT * FROM kept
                    QUALIFY row_number() OVER (PARTITION BY group_id, author_id ORDER BY created_at, file_row_number) = 1
                ), starts AS (
                    SELECT thread_id, group_id, author_id, created_at FROM firsts WHERE is_thread_start
                ), start_authors AS (
                    SELECT DISTINCT thread_id, author_id FROM starts WHERE thread_id IS NOT NULL
                ), answers AS (
                    SELECT k.thread_id, MIN(k.created_at) AS first_reply_at
                    FROM kept k JOIN start_authors a ON k.thread_id = a.thread_id
                    WHERE NOT k.is_thread_start AND k.author_id IS DISTINCT FROM a.author_id
                    GROUP BY k.thread_id
                )
                SELECT s.group_id, s.created_at, a.first_reply_at
                FROM starts s LEFT JOIN answers a ON s.thread_id = a.thread_id
            """,
        ),
        Query(
            name="community_authors",
            doc="Per community and author (both known), messages before $end, distinct UTC months with one, and the first one's time.",
            inputs={"messages": ("group_id", "author_id", "created_at")},
            params=("end",),
            sql="""
                SELECT group_id, author_id, CAST(COUNT(*) AS BIGINT) AS n,
                       CAST(COUNT(DISTINCT date_trunc('month', created_at)) AS BIGINT) AS months, MIN(created_at) AS first_at
                FROM messages
                WHERE created_at < $end AND group_id IS NOT NULL AND author_id IS NOT NULL
                GROUP BY group_id, author_id
            """,
        ),
        Query(
            name="thread_departments",
            doc=(
                "Per window of the frame `windows` (`window`, `since`, `until`): threads with a public message in it by a "
                "person of known department, and those of them whose such messages came from 2+ departments."
            ),
            inputs={"messages": ("thread_id", "author_id", "created_at", "is_private"), "people": ("person_id", "department")},
            params=(),
            frames=("windows",),
            sql="""
                SELECT "window", CAST(COUNT(*) AS BIGINT) AS threads,
                       CAST(COUNT(*) FILTER (WHERE departments >= 2) AS BIGINT) AS crossing
                FROM (
                    SELECT w."window", m.thread_id, COUNT(DISTINCT p.department) AS departments
                    FROM messages m
                    JOIN windows w ON m.created_at >= w.since AND m.created_at < w.until
                    JOIN people p ON m.author_id = p.person_id
                    WHERE NOT m.is_private AND m.thread_id IS NOT NULL AND p.department IS NOT NULL
                    GROUP BY w."window", m.thread_id
                ) t
                GROUP BY "window"
            """,
        ),
        Query(
            name="thread_authors",
            doc="Each distinct author (null included) of any message, at any time, in the threads of the frame `threads` (`thread_id`).",
            inputs={"messages": ("thread_id", "author_id")},
            params=(),
            frames=("threads",),
            sql="""
                SELECT DISTINCT thread_id, author_id FROM messages
                WHERE thread_id IN (SELECT thread_id FROM threads)
            """,
        ),
        Query(
            name="questions",
            doc=(
                "Thread starts of type question in [$start, $end), in table order, with the first reply before $end in the "
                "thread by someone other than its asker (a reply whose author or asker is unknown counts; null: none)."
            ),
            inputs={"messages": ("thread_id", "group_id", "author_id", "created_at", "is_thread_start", "message_type")},
            params=("start", "end"),
            sql="""
                WITH q AS (
                    SELECT thread_id, group_id, author_id, created_at, file_row_number FROM messages
                    WHERE message_type = 'question' AND is_thread_start AND created_at >= $start AND created_at < $end
                ), answers AS (
                    SELECT r.thread_id, MIN(r.created_at) AS first_answer
                    FROM messages r JOIN q ON r.thread_id = q.thread_id
                    WHERE r.is_thread_start IS NOT TRUE AND r.created_at < $end
                      AND (r.author_id <> q.author_id OR r.author_id IS NULL OR q.author_id IS NULL)
                    GROUP BY r.thread_id
                )
                SELECT q.thread_id, q.group_id, q.author_id, q.created_at, a.first_answer
                FROM q LEFT JOIN answers a ON q.thread_id = a.thread_id
                ORDER BY q.file_row_number
            """,
        ),
        Query(
            name="message_minutes",
            doc="Messages before $end per UTC minute (the heatmap turns each minute to the client's time zone).",
            inputs={"messages": ("created_at",)},
            params=("end",),
            sql="""
                SELECT date_trunc('minute', created_at) AS minute, CAST(COUNT(*) AS BIGINT) AS messages
                FROM messages WHERE created_at < $end
                GROUP BY date_trunc('minute', created_at)
            """,
        ),
    )
}
