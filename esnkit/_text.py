"""Words for numbers in what a reader sees: ``1 message``, ``3 messages``, ``1 reply``, ``2 replies``."""

from __future__ import annotations

__all__ = ["count"]


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` with the noun in the number it needs.

    Examples
    --------
    >>> count(1, "message"), count(1204, "message"), count(2, "reply", "replies")
    ('1 message', '1,204 messages', '2 replies')
    """
    n = int(n)
    return f"{n:,} {one if n == 1 else (many or one + 's')}"
