import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
# Same package, different name on conda-forge.
CONDA_NAMES = {"python-igraph": "python-igraph", "duckdb": "python-duckdb"}


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


def test_an_installed_wheel_runs_a_client_from_an_empty_folder(tmp_path):
    """`pip install .` (not editable): the notebooks and template travel in the wheel.

    The wheel is built from this checkout and installed without dependencies into a fresh
    virtual environment whose only other packages are the test environment's third-party ones
    (through a path file, and their data files such as nbconvert's templates through JUPYTER_PATH:
    a full download of pandas, jupyterlab and the rest would cost minutes). The checkout itself is not importable there, so everything comes from the wheel.
    """
    import site
    import subprocess
    import sys
    import venv

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(REPO)], check=True, timeout=300)
    (wheel,) = wheels.glob("esnkit-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    own_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    (own_site / "test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)], check=True, timeout=300)

    work = tmp_path / "consultant"  # an empty folder far from the checkout
    work.mkdir()
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("ESNKIT_")}
    env["PATH"] = f"{env_dir / 'bin'}:{env['PATH']}"
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")  # the borrowed packages' data files (nbconvert's templates)

    def esnkit(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(env_dir / "bin" / "esnkit"), *args], cwd=work, env=env, capture_output=True, text=True, timeout=600)

    where = subprocess.run(
        [str(python), "-c", "import esnkit, esnkit.resources as r; print(esnkit.__file__); print(r.notebooks_dir())"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(str(own_site) in w for w in where) and not any(str(REPO) in w for w in where)
    assert esnkit("init", "acme").returncode == 0
    client = work / "data" / "acme"
    (client / "raw" / "export.zip").write_bytes((REPO / "tests" / "fixtures" / "slack-export-viewer-testarchive" / "testarchive.zip").read_bytes())
    config = (client / "client.yml").read_text().replace("sources:", "sources: [{path: raw/export.zip, format: slack}]", 1)
    (client / "client.yml").write_text(config)
    r = esnkit("ingest", "acme")
    assert r.returncode == 0, r.stderr
    r = esnkit("run", "acme", "--steps", "1", "--to", "html")
    assert r.returncode == 0, r.stderr
    (html,) = (client / "reports").glob("*/1-assess.html")
    assert "Step 1" in html.read_text()


@pytest.mark.parametrize(("chosen", "expected"), [(None, "jemalloc"), ("system", "system")])
def test_arrow_buffers_go_to_jemalloc_unless_the_environment_chooses_a_pool(chosen, expected):
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    code = "import esnkit, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out == expected
