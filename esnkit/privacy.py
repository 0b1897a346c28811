"""Privacy at load: keyed pseudonyms, the per-client secret, suppression of small cells, safe CSVs.

A person's id in every analysis table is ``HMAC-SHA256(client key, identity)`` cut to 16 hex
characters, where the identity is ``email:<normalised e-mail>`` (trimmed, Unicode NFC, case-folded:
:func:`esnkit._text.normalise_email`) when the source gives an e-mail
(so one person is one id across Viva Engage, Teams, Slack and the HR roster) and
``<platform>:<platform user id>`` otherwise. The same key always gives the same ids; another key
gives unrelated ids; without the key an id cannot be turned back into a person.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ConfigError

__all__ = [
    "Pseudonymiser",
    "identity_keys",
    "load_or_create_key",
    "excel_safe",
    "write_client_csv",
    "person_refs",
    "dataset_refs",
    "suppress_small",
]

KEY_BYTES = 32
ID_HEX = 16


def load_or_create_key(path: str | os.PathLike[str]) -> bytes:
    """Return the client's secret key from ``path``, creating it (mode 0600) on first use.

    The file holds the key as hex text; a UTF-8 byte-order mark and surrounding spaces or line
    breaks (an editor's) are tolerated. A key file readable or writable by anyone but its owner is
    made owner-only (``chmod 600``) when read, or refused with that command when it cannot be. A
    folder, an unreadable file or other content is refused in one line. The key is never printed.
    Losing it means ids change on the next ingest; sharing it lets anyone with the raw export link
    pseudonyms back to people.
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise ConfigError(
                f"{path}: is a folder, not a key file; move it away and restore the key file from backup (or delete it to start a new key)"
            )
        if path.exists():
            return _read_key(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it a moment ago
            return _read_key(path)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
        return key
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read or create the key file ({exc.strerror or exc}); check the folder's permissions and free space"
        ) from exc


def _read_key(path: Path) -> bytes:
    if os.name == "posix":
        mode = os.stat(path).st_mode & 0o777
        if mode & 0o077:
            try:
                os.chmod(path, 0o600)
            except OSError as exc:
                raise ConfigError(
                    f"{path}: the key file is readable by others (mode {mode:04o}) and could not be made private; run `chmod 600 {path}`"
                ) from exc
    data = path.read_bytes()
    try:
        # Notepad's "Unicode" is UTF-16 with a byte-order mark; everything else is read as UTF-8 (a BOM tolerated)
        text = (data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8-sig")).strip()
        key = bytes.fromhex(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a valid esnkit key (expected {KEY_BYTES * 2} hex characters); restore it from backup") from exc
    if len(key) < 16:
        raise ConfigError(f"{path}: key too short; restore it from backup")
    return key


def _as_key(key: bytes | str | None) -> tuple[bytes, bool]:
    if key is None:
        return secrets.token_bytes(KEY_BYTES), True
    if isinstance(key, str):
        return key.encode("utf-8"), False
    return bytes(key), False


class Pseudonymiser:
    """Maps identities to keyed pseudonymous ids.

    Parameters
    ----------
    key : bytes, str or None
        The client's secret. ``None`` draws a one-off random key: ids are then consistent within
        one load only.

    Examples
    --------
    >>> p = Pseudonymiser(b"secret")
    >>> a = p.ids(pd.Series(["email:ann@x.com", None, "email:ann@x.com"]))
    >>> a[0] == a[2], pd.isna(a[1]), len(a[0])
    (True, True, 16)
    """

    def __init__(self, key: bytes | str | None):
        self._key, self.ephemeral = _as_key(key)

    def one(self, identity: str) -> str:
        return hmac.new(self._key, identity.encode("utf-8"), hashlib.sha256).hexdigest()[:ID_HEX]

    def ids(self, identities: pd.Series) -> pd.Series:
        """Pseudonymise a Series of identity strings; nulls stay null. Hashes each distinct value once."""
        codes, uniques = pd.factorize(identities)
        hashed = np.array([self.one(str(u)) for u in uniques] + [None], dtype=object)
        return pd.Series(hashed[codes], index=identities.index, dtype="str")


def identity_keys(platform: str, user_ids: pd.Series, emails: pd.Series | None = None) -> pd.Series:
    """The identity each person id is derived from: the e-mail when known, else platform + user id."""
    from ._text import normalise_emails, normalise_ids

    by_id = (platform + ":" + normalise_ids(user_ids)).where(user_ids.notna())
    if emails is None:
        return by_id.astype("str")
    clean = normalise_emails(emails)
    usable = clean.notna() & clean.str.contains("@", regex=False).fillna(False)
    return ("email:" + clean).where(usable, by_id).astype("str")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A trigger at the start of a cell, or right after a separator a spreadsheet may split the cell on
# (a ";"-separated locale reads "London;=1+1" as two cells, the second a formula).
_FORMULA_ANYWHERE = re.compile(r"(^|[,;|\t\r\n])([=+\-@\t\r])")


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    r"""Return a string copy of ``frame`` that spreadsheet programs will not run as formulas.

    Bidirectional controls (U+202A-U+202E, U+2066-U+2069 and the marks) are removed first
    (:func:`esnkit._text.neutralise_bidi`, as in every report), so none reorders what a cell shows and
    none hides a trigger; then a formula trigger (``=``, ``+``, ``-``, ``@``, tab, carriage return) at
    the start of a cell or right after a separator (``,`` ``;`` ``|`` tab, line break) gets a ``'`` before it.

    Examples
    --------
    >>> excel_safe(pd.DataFrame({"a": ["=1+1", "ok", "-3", None, "London;=1+1", "a,@SUM(A1)", "\u202e=1+1"]}))["a"].tolist()
    ["'=1+1", 'ok', "'-3", nan, "London;'=1+1", "a,'@SUM(A1)", "'=1+1"]
    """
    from ._text import neutralise_bidi

    out = {}
    for column in frame.columns:
        values = neutralise_bidi(frame[column].astype("str"))
        out[column] = values.str.replace(_FORMULA_ANYWHERE, r"\1'\2", regex=True)
    safe_columns = [_FORMULA_ANYWHERE.sub(r"\1'\2", neutralise_bidi(c)) for c in frame.columns]
    return pd.DataFrame(out, index=frame.index).set_axis(safe_columns, axis=1)


def write_client_csv(frame: pd.DataFrame, target: Path, *, mode: int = 0o600) -> Path:
    """Write a CSV a client will open in Excel: every field quoted, formulas neutralised, atomically.

    Files go to the restricted folder, so they are readable by their owner only (``mode``).
    """
    import csv

    from ._io import atomic_path

    with atomic_path(target, mode=mode) as tmp:
        excel_safe(frame).to_csv(tmp, index=False, encoding="utf-8-sig", quoting=csv.QUOTE_ALL)
    return target


REF_CHARS = 8  # 40 bits: a collision among 100,000 people has odds of about 1 in 200, and is resolved below


def person_refs(person_ids: pd.Series) -> pd.Series:
    """A short, stable reference per person (``P-7KQ2M4XA``), the same in every report and every quarter.

    Derived from the keyed pseudonym (``person_id``) by a plain hash, so it reveals nothing the
    pseudonym does not; the same person always gets the same reference. In the rare case two
    people of one client share a code, each of them gets two more characters.

    Examples
    --------
    >>> refs = person_refs(pd.Series(["0a1b2c3d4e5f6a7b", "ffffffffffffffff", "0a1b2c3d4e5f6a7b"]))
    >>> refs.tolist()
    ['P-EQ4BOMTD', 'P-BXNC5ACI', 'P-EQ4BOMTD']
    """
    import base64

    ids = person_ids.astype("str")
    uniques = pd.Series(ids.dropna().unique())
    # Base32 encodes each 5 bytes on their own: the first 10 bytes give the same first 16 characters
    # as the whole digest (the code needs at most REF_CHARS + 2), at a fifth of the cost.
    digests = uniques.map(lambda i: base64.b32encode(hashlib.sha256(b"esnkit-ref:" + i.encode("utf-8")).digest()[:10]).decode("ascii"))
    codes = digests.str[:REF_CHARS]
    clash = codes.duplicated(keep=False)
    codes = codes.where(~clash, digests.str[: REF_CHARS + 2])
    refs = pd.Series(("P-" + codes).to_numpy(), index=uniques.to_numpy())
    return ids.map(refs).astype("str")


def dataset_refs(ds, ids) -> pd.Series:
    """The references of ``ids`` as every report, list and file of Dataset ``ds`` shows them.

    :func:`person_refs` over all of ``ds.people`` (kept per Dataset), then looked up by row: a
    clash of codes is resolved among the whole population, so a person has the same reference
    in a report and in a restricted contact list whoever else either names. Codes clash more
    often the more people there are: among 1,000,000 people, odds of about 1 in 3 that some pair
    does. Ids outside ``ds.people`` (none in a validated Dataset) get theirs hashed among themselves;
    a missing id gives a missing reference.

    Examples
    --------
    >>> from esnkit import Dataset
    >>> ds = Dataset(people=pd.DataFrame({"person_id": ["000000000009b62d", "00000000001fd3e8", "0a1b2c3d4e5f6a7b"]}))
    >>> person_refs(pd.Series(["000000000009b62d"])).tolist()  # alone: no clash to resolve
    ['P-R3VKQ2C5']
    >>> dataset_refs(ds, ["000000000009b62d", None]).tolist()  # among everyone: it clashes with the second person
    ['P-R3VKQ2C5WI', nan]
    """
    from ._fast import positions

    ids = pd.Series(pd.array(ids if isinstance(ids, (pd.Series, pd.Index, np.ndarray)) else list(ids), dtype="str"))
    people = ds.people["person_id"]
    refs = ds.cached("person_refs", (), lambda: person_refs(people).to_numpy())  # one per row of people
    # Looked up by row (Arrow's hash join): Series.map and isin over 100,000 id strings cost seconds per list.
    at = positions(ids, people)
    if len(refs) == 0 or (at < 0).all():
        shown = person_refs(ids)
    else:
        shown = pd.Series(refs[np.maximum(at, 0)], dtype="str")
        if (at < 0).any():
            shown = shown.where(pd.Series(at >= 0), person_refs(ids))
    return shown.astype("str").where(ids.notna().to_numpy())


def suppress_small(table: pd.DataFrame, *, count_column: str, min_group_size: int) -> pd.DataFrame:
    """Drop the rows of a breakdown whose ``count_column`` is below ``min_group_size``.

    Rows are removed, not blanked, so neither a table nor a plot drawn from it can reveal them.

    Examples
    --------
    >>> t = pd.DataFrame({"department": ["Sales", "Legal"], "people": [12, 3]})
    >>> suppress_small(t, count_column="people", min_group_size=5)["department"].tolist()
    ['Sales']
    """
    if min_group_size < 1:
        raise ValueError("min_group_size must be at least 1")
    keep = table[count_column].fillna(0) >= min_group_size
    return table.loc[keep].reset_index(drop=True)
