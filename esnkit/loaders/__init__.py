"""Loaders: one module per export format, each mapping vendor fields to the canonical model.

Each format module has ``detect(source) -> bool`` and
``load(source, *, pseudonymiser, keep_text) -> Dataset``. :func:`load` picks one and pseudonymises.
"""

from __future__ import annotations

import os
from types import ModuleType

from ..dataset import Dataset
from ..errors import DataError
from ..privacy import Pseudonymiser
from . import canonical, m365_usage, slack, teams, viva_engage
from ._common import ExportSource

__all__ = ["load", "detect_format", "FORMATS"]

#: format name -> module, in detection order (most specific first)
FORMATS: dict[str, ModuleType] = {
    viva_engage.FORMAT: viva_engage,
    slack.FORMAT: slack,
    teams.FORMAT: teams,
    m365_usage.FORMAT: m365_usage,
    canonical.FORMAT: canonical,
}


def detect_format(source: ExportSource) -> str:
    """Name of the first format whose ``detect`` accepts ``source``."""
    for name, module in FORMATS.items():
        if module.detect(source):
            return name
    raise DataError(
        f"{source.label}: not a recognised export (supported formats: {', '.join(FORMATS)}); check the file, or name its format in client.yml"
    )


def load(
    path: str | os.PathLike[str],
    *,
    source: str = "auto",
    key: bytes | str | None = None,
    keep_text: bool = False,
) -> Dataset:
    """Load an export into a validated, pseudonymised :class:`~esnkit.Dataset`.

    Parameters
    ----------
    path : path-like
        A zip file or an unpacked export folder (or a single file for file-based formats).
    source : str
        A format name (see ``esnkit.loaders.FORMATS``) or ``"auto"`` to detect it.
    key : bytes or str, optional
        The client's secret for pseudonymous ids. Without one, a one-off random key is used and
        the ids cannot be matched with any other load.
    keep_text : bool
        Keep message bodies (mentions inside them are pseudonymised). Off by default.
    """
    pseudonymiser = Pseudonymiser(key)
    with ExportSource(path) as export:
        name = detect_format(export) if source == "auto" else source
        if name not in FORMATS:
            raise DataError(f"unknown format {name!r}; supported formats: {', '.join(FORMATS)}")
        ds = FORMATS[name].load(export, pseudonymiser=pseudonymiser, keep_text=keep_text)
    if pseudonymiser.ephemeral:
        ds.meta.warn("loaded without a client key: ids are consistent within this load only")
    return ds.validate()
