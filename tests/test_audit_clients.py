"""The audit on whole clients: the demo and clients made from the real export samples deliver five documents without a fault.

Each client is ingested and run for real (papermill, nbconvert; HTML only, the PDF adds nothing the
audit reads) and :func:`esnkit.audit.audit` must find nothing. A fault here is a defect in what a
client would read: a figure printed two ways, a label for two measures, a count above its
population, a community with two statuses, a person who cannot be found in the restricted lists.
"""

import json
import shutil
from pathlib import Path

import pytest

from esnkit.audit import audit, format_faults
from esnkit.config import ClientPaths
from esnkit.ingest import ingest_client
from esnkit.run import run_client
from esnkit.synth import SynthSpec, write_demo_client

FIX = Path(__file__).parent / "fixtures"


def _client(root: Path, name: str, source: Path, fmt: str) -> ClientPaths:
    raw = root / name / "raw"
    raw.mkdir(parents=True)
    target = raw / source.name
    (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    (root / name / "client.yml").write_text(f'name: "{name}"\nsources:\n  - path: raw/{source.name}\n    format: {fmt}\n', encoding="utf-8")
    return ClientPaths(root / name)


def _demo(root: Path) -> ClientPaths:
    write_demo_client(root / "demo", spec=SynthSpec())  # what `make demo` writes
    return ClientPaths(root / "demo")


CLIENTS = {
    "demo": _demo,
    "slack sample": lambda root: _client(root, "slack", FIX / "slack-export-viewer-testarchive" / "testarchive.zip", "slack"),
    "viva engage sample": lambda root: _client(root, "ve", FIX / "viva-engage-small", "viva-engage"),
    "teams sample": lambda root: _client(root, "teams", FIX / "teams-graph-docs-samples", "teams"),
}


@pytest.mark.parametrize("client", list(CLIENTS))
def test_the_five_deliverables_pass_the_audit(tmp_path, client):
    paths = CLIENTS[client](tmp_path)
    ingest_client(paths, progress=lambda s: None)
    lines: list[str] = []
    run_client(paths, formats=("html",), progress=lines.append)
    faults = audit(paths)
    assert faults == [], format_faults(faults)
    assert lines[-2].strip().endswith("audit: no fault found in these deliverables") and lines[-1].startswith("DRAFT: ")
    (folder,) = [p for p in paths.reports_root.iterdir() if p.is_dir()]
    facts = json.loads((folder / "facts.json").read_text(encoding="utf-8"))["facts"]
    # every deliverable records the figures of its summary and findings, and step 1 its ten tiles: nine where the
    # data have no departments (that tile says the figure is not available, and prints none)
    ten = 10 if client in ("demo", "viva engage sample") else 9
    assert len([f for f in facts if f["step"] == "1-assess" and f["section"] == "tiles"]) == ten
    assert {f["step"] for f in facts if f["section"] == "summary"} >= {"1-assess", "3-reactivate", "4-sustain"}
