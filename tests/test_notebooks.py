"""Each committed notebook and its jupytext percent source are one notebook, cell for cell."""

from pathlib import Path

import jupytext
import nbformat
import pytest

from esnkit.resources import notebooks_dir

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))


def _cells(nb) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ()))) for c in nb.cells]


def test_every_notebook_has_a_percent_source_and_no_source_is_orphaned():
    stems = {p.stem for p in NOTEBOOKS}
    sources = {p.stem for p in notebooks_dir().glob("*.py")}
    assert stems and stems == sources


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_pair_is_the_same_notebook(path: Path):
    source = jupytext.read(path.with_suffix(".py"))
    committed = nbformat.read(path, as_version=4)
    assert _cells(source) == _cells(committed), (
        f"{path.name} and {path.with_suffix('.py').name} differ: run `make notebooks` (jupytext --sync) and commit both"
    )
    assert committed.metadata["jupytext"]["formats"] == "ipynb,py:percent"
    assert committed.metadata["kernelspec"]["name"] == "python3"


def test_the_check_notices_a_difference(tmp_path):
    path = NOTEBOOKS[0]
    edited = jupytext.read(path.with_suffix(".py"))
    edited.cells[-1].source += "\n# an edit made in the .py only"
    assert _cells(edited) != _cells(nbformat.read(path, as_version=4))
