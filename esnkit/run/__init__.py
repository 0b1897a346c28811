"""Run a client's step notebooks and export them as branded HTML and PDF deliverables.

- :mod:`.orchestrate` — :func:`run_client` (what ``esnkit run`` calls): prepare, execute, export;
- :mod:`.kernel` — the one kernel every step of a run shares;
- :mod:`.export` — nbconvert HTML through ``templates/esnkit`` and Chromium PDFs.
"""

from ..steps import STEPS, Step
from .export import export_html, find_chromium, print_pdf
from .orchestrate import FORMATS, parse_formats, parse_steps, run_client

__all__ = ["STEPS", "Step", "FORMATS", "run_client", "export_html", "print_pdf", "find_chromium", "parse_steps", "parse_formats"]
