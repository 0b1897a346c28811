import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
# Same package, different name on conda-forge.
CONDA_NAMES = {"python-igraph": "python-igraph"}


def _norm(spec: str) -> tuple[str, str]:
    m = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", spec.strip())
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_deps = {_norm(d) for d in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = {_norm(d) for d in env["dependencies"] if isinstance(d, str)}
    conda -= {("python", ">=3.11"), ("pip", "")}
    assert {(CONDA_NAMES.get(n, n), v) for n, v in pip_deps} == conda
    assert project["requires-python"] == ">=3.11"


def test_client_data_is_ignored_by_git():
    ignore = (REPO / ".gitignore").read_text().splitlines()
    assert "/data/*" in ignore and "!/data/README.md" in ignore
