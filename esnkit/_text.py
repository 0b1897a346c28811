"""Words for numbers in what a reader sees: ``1 message``, ``3 messages``, ``1 reply``, ``2 replies``, ``+1.2``, ``0.0``."""

from __future__ import annotations

__all__ = ["count", "signed", "percent"]


def count(n: int, one: str, many: str | None = None) -> str:
    """``n`` with the noun in the number it needs.

    Examples
    --------
    >>> count(1, "message"), count(1204, "message"), count(2, "reply", "replies")
    ('1 message', '1,204 messages', '2 replies')
    """
    n = int(n)
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def signed(value: float, spec: str, *, zero: str = "") -> str:
    """``value`` formatted with ``spec`` (which asks for a sign: ``"+.1f"``, ``"+,"``, ``"+.0%"``); when it shows as zero,
    ``zero`` takes the sign's place (none by default).

    A change that rounds to nothing is no change: ``0.0``, never ``-0.0``; a delta that must read as
    one (an explorer tile) passes ``zero="+"``.

    Examples
    --------
    >>> signed(1.23, "+.1f"), signed(-0.04, "+.1f"), signed(0.0, "+.1f"), signed(-1204, "+,"), signed(-0.002, "+.0%")
    ('+1.2', '0.0', '0.0', '-1,204', '0%')
    >>> signed(-0.4, "+,.0f", zero="+"), signed(-3.0, "+,.0f", zero="+")
    ('+0', '-3')
    """
    text = format(value, spec)
    digits = "".join(c for c in text if c.isdigit())
    return zero + text.lstrip("+-") if digits.strip("0") == "" else text


def percent(share: float, digits: int = 0) -> str:
    """A share in percent, ``digits`` decimals; one that is not nothing (or not everything) never prints as if it were.

    ``0.3%`` of people at 0 decimals is ``<1%``, not ``0%``: a reader takes "0%" beside "1 person" as a contradiction.

    Examples
    --------
    >>> percent(0.4123), percent(0.003), percent(0.0), percent(0.9996), percent(1.0), percent(0.00004, 1)
    ('41%', '<1%', '0%', '>99%', '100%', '<0.1%')
    """
    text = f"{share * 100:.{digits}f}%"
    step = 10.0**-digits
    if share > 0 and float(text[:-1]) == 0:
        return f"<{step:.{digits}f}%"
    if share < 1 and float(text[:-1]) == 100:
        return f">{100 - step:.{digits}f}%"
    return text
