"""Words for numbers in what a reader sees: ``1 message``, ``3 messages``, ``1 reply``, ``2 replies``, ``+1.2``, ``0.0``."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["count", "signed", "percent", "BIDI_CONTROLS", "neutralise_bidi", "normalise_email", "normalise_emails", "normalise_ids", "id_join_keys"]

#: Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the marks
#: (U+200E, U+200F, U+061C): a name holding them can show reversed or reordered ("Sales\u202elaveR")
#: in a spreadsheet or a report. Every client-facing cell and string loses them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def neutralise_bidi(text):
    r"""``text`` (a string, or a pandas Series of them) without bidirectional controls; nulls stay null.

    The one function every CSV cell written for a client (:func:`esnkit.privacy.excel_safe`) and every
    report string (:func:`esnkit.render.clean_text`) goes through.

    Examples
    --------
    >>> neutralise_bidi("Sales\u202eevil\u2066x\u2069")
    'Salesevilx'
    """
    if hasattr(text, "str"):
        return text.str.replace(BIDI_CONTROLS, "", regex=True)
    return BIDI_CONTROLS.sub("", str(text))


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


def normalise_email(text: str) -> str:
    """An e-mail address as every join compares it: spaces trimmed, Unicode NFC, case-folded.

    The same address typed, exported or pasted differently ("Ann@X.com ", a decomposed accent from
    an HR system) is one address. :func:`normalise_emails` is the same rule over a Series.

    Examples
    --------
    >>> normalise_email(" Zo\u0065\u0308@X.com ") == normalise_email("zo\u00eb@x.COM") == "zo\u00eb@x.com"
    True
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", str(text).strip()).casefold())


def normalise_emails(values):
    """:func:`normalise_email` over a pandas Series of text, vectorised; nulls stay null."""
    return values.astype("str").str.strip().str.normalize("NFC").str.casefold().str.normalize("NFC")


def normalise_ids(values):
    """Platform user ids as pseudonyms are made from them: spaces trimmed, Unicode NFC (case kept, so ids stay stable)."""
    return values.astype("str").str.strip().str.normalize("NFC")


def id_join_keys(values):
    """Platform user ids as joins between sources compare them: :func:`normalise_ids`, then case-folded
    (Entra object ids are GUIDs one tool writes in capitals and another not)."""
    return normalise_ids(values).str.casefold()
