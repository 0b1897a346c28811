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
    from .network import _betweenness_values, _undirected_igraph

    here = Path(folder)
    with np.load(here / "ties.npz") as ties:
        n, src, dst = int(ties["n"]), ties["src"], ties["dst"]
        exact_max, k, seed = int(ties["exact_max"]), int(ties["k"]), int(ties["seed"])
    # The undirected graph of the same ties, each linked pair once: the same values as the graph
    # InteractionGraph makes undirected (see _undirected_igraph), built in a third of the time.
    graph = _undirected_igraph(n, src, dst)
    del src, dst
    values = _betweenness_values(graph, exact_max, None if k < 0 else k, seed)
    with open(here / "betweenness.tmp.npy", "wb") as out:
        np.save(out, values)
    os.replace(here / "betweenness.tmp.npy", here / "betweenness.npy")


if __name__ == "__main__":
    main(sys.argv[1])
