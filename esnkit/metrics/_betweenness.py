"""``python -m esnkit.metrics._betweenness FOLDER``: a graph's betweenness, in its own process.

Started by :meth:`esnkit.metrics.network.InteractionGraph.start_betweenness` so the estimate runs
on another core while a step computes its other figures (igraph holds Python's lock). ``FOLDER``
holds ``ties.npz`` (``n``, ``src``, ``dst``, ``exact_max``, ``k`` (-1: by the work budget),
``seed``); the values are written to ``FOLDER/betweenness.npy`` through a temporary name, so a
process killed midway leaves no result to be mistaken for one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np


def main(folder: str) -> None:
    from .network import _betweenness_values, _linked_pairs

    here = Path(folder)
    with np.load(here / "ties.npz") as ties:
        n, exact_max, k, seed = int(ties["n"]), int(ties["exact_max"]), int(ties["k"]), int(ties["seed"])
        # The linked pairs are handed over unnamed, so the estimate can let them go once renumbered.
        values = _betweenness_values(n, _linked_pairs(n, ties["src"], ties["dst"]), exact_max, None if k < 0 else k, seed)
    with open(here / "betweenness.tmp.npy", "wb") as out:
        np.save(out, values)
    os.replace(here / "betweenness.tmp.npy", here / "betweenness.npy")


if __name__ == "__main__":
    main(sys.argv[1])
