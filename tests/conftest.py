import os
import shutil
from pathlib import Path

import pytest

# The day of the run, pinned before the as-of of every fixture: each is delivered on its own as-of, so no
# due date or proposed deadline changes with the calendar (tests of delivered_on give theirs explicitly).
os.environ["ESNKIT_RUN_DAY"] = "2000-01-01"

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def ve_folder(tmp_path) -> Path:
    """A writable copy of the hand-made Viva Engage export folder."""
    dst = tmp_path / "ve"
    shutil.copytree(FIXTURES / "viva-engage-small", dst)
    return dst


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(autouse=True)
def _no_data_dir_env(monkeypatch):
    monkeypatch.delenv("ESNKIT_DATA_DIR", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
