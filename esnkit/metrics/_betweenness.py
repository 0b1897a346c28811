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

CHUNK = 1_000_000  # ties per add_edges call


def main(folder: str) -> None:
    import igraph as ig

    from .network import _betweenness_values

    here = Path(folder)
    with np.load(here / "ties.npz") as ties:
        n, src, dst = int(ties["n"]), ties["src"], ties["dst"]
        exact_max, k, seed = int(ties["exact_max"]), int(ties["k"]), int(ties["seed"])
    # The undirected graph built as InteractionGraph builds it (same ties, same order): the same
    # values. The ties go in a chunk at a time and the graph is made undirected in place: one list
    # of 3.4 M pairs of Python ints and a second copy of the graph held this process at 0.86 GiB.
    graph = ig.Graph(n=n, directed=True)
    for start in range(0, len(src), CHUNK):
        graph.add_edges(list(zip(src[start : start + CHUNK].tolist(), dst[start : start + CHUNK].tolist())))
    del src, dst
    graph.to_undirected(mode="collapse")
    values = _betweenness_values(graph, exact_max, None if k < 0 else k, seed)
    with open(here / "betweenness.tmp.npy", "wb") as out:
        np.save(out, values)
    os.replace(here / "betweenness.tmp.npy", here / "betweenness.npy")


if __name__ == "__main__":
    main(sys.argv[1])
