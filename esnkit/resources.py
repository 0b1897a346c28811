"""Where esnkit finds its notebooks and report template: the one module that locates them.

In a checkout they are the top-level ``notebooks/`` and ``templates/`` folders (what consultants
open and edit); an installed wheel carries copies inside the package (``esnkit/_resources/``),
found with :mod:`importlib.resources`. ``ESNKIT_NOTEBOOKS`` and ``ESNKIT_TEMPLATES`` point
elsewhere (a client's own edited notebooks, or tests).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

__all__ = ["notebooks_dir", "templates_dir", "step_notebook"]

_CHECKOUT = Path(__file__).resolve().parent.parent


def _locate(kind: str, env: str) -> Path:
    explicit = os.environ.get(env)
    if explicit:
        return Path(explicit)
    checkout = _CHECKOUT / kind
    if (_CHECKOUT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return Path(str(resources.files("esnkit") / "_resources" / kind))


def notebooks_dir() -> Path:
    """The folder of step notebooks (``1-assess.ipynb`` ... ``5-report.ipynb``, ``explore.ipynb``)."""
    return _locate("notebooks", "ESNKIT_NOTEBOOKS")


def templates_dir() -> Path:
    """The folder holding the nbconvert template ``esnkit/``."""
    return _locate("templates", "ESNKIT_TEMPLATES")


def step_notebook(stem: str) -> Path:
    """The notebook of a step or of the explorer, by file stem (``1-assess``, ``explore``)."""
    return notebooks_dir() / f"{stem}.ipynb"
