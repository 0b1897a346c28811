"""Key individuals and silos: the person-to-person interaction graph.

The graph is directed and weighted: an edge *a → b* counts a's replies to b, a's mentions of b and
a's reactions to b's messages (self-ties dropped). It is built once per run (:func:`build_graph`
caches it on the Dataset) and shared by every function here.

Engine, chosen on evidence (``shared/TOOLCHAIN.md``, measured on this machine type at 100,000
people / 5.3 M edges): networkx needed 18 s for PageRank, 80 s for Louvain and ~1,100 s for
sampled betweenness where igraph needed 0.6 s, 5.5 s and 22 s, with 5x less memory. So the
centrality and community algorithms run on igraph; :meth:`InteractionGraph.to_networkx` gives
consultants the same graph as a networkx ``DiGraph`` to explore and draw.

Betweenness is computed on the undirected, unweighted tie graph (who is linked to whom, whichever
way): exact up to ``exact_max`` people, above that estimated from ``k`` source people drawn with
``seed`` (the Brandes–Pich estimator), k set by a work budget (see :meth:`InteractionGraph.betweenness`). networkit's KADABRA was tried too: fast on
small-world graphs but its run time swings with the graph's diameter (52 s on a 20,000-node
lattice-like graph) and it is deterministic only single-threaded, so igraph's seeded sampling, with
predictable cost, was kept.

Roles (one per person, the first that applies):

- **connector**: among the ``max(10, 2%)`` highest betweenness (in a network under 200 people, a
  tenth of them: :func:`esnkit.profile.ranked_count`), above 0, with ties into at least two other
  departments (or, where the data have no departments, with more people tied to them than nine in
  ten people have: brokers with wide reach);
- **influencer**: among the top 5% by PageRank;
- **responder**: among the top 10% by replies given, with at least 5 replies.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import warnings
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .._fast import arrow_factorize, arrow_positions, first_index, found_sorted, id_ranks, lookup, positions, unique
from ..dataset import Dataset
from ._base import as_of_end, codes, day_number, population, suppress
from .conversations import thread_responses

__all__ = [
    "interaction_edges",
    "InteractionGraph",
    "build_graph",
    "key_individuals",
    "department_mixing",
    "department_matrix",
    "department_ties",
    "cross_department_carriers",
    "key_person_risk",
    "two_way_share",
    "community_two_way_share",
    "organisation",
    "leader_reach",
    "influence_curve",
    "influencer_risk_score",
    "cross_department_share",
    "cross_department_share_history",
    "detect_communities",
    "influencer_risk",
]

WORK_BUDGET = 600_000_000  # sampled sources x ties for estimated betweenness
BACKGROUND_MIN_TIES = 200_000  # graphs with fewer ties compute betweenness in-process (a process costs ~1 s to start)


def interaction_edges(ds: Dataset, *, as_of=None, window_days: int | None = 365) -> pd.DataFrame:
    """Directed person-to-person ties over the window ending at ``as_of``.

    Returns
    -------
    DataFrame
        ``source``, ``target``, ``replies``, ``mentions``, ``reactions``, ``weight`` (their sum).

    Examples
    --------
    >>> from esnkit import Dataset
    >>> ds = Dataset(people=pd.DataFrame({"person_id": ["a", "b"]}), groups=pd.DataFrame({"group_id": ["g"]}),
    ...     messages=pd.DataFrame({"message_id": ["1", "2"], "thread_id": ["1", "1"], "reply_to_id": [None, "1"],
    ...         "group_id": ["g", "g"], "author_id": ["a", "b"], "created_at": ["2026-01-01", "2026-01-02"],
    ...         "is_thread_start": [True, False], "is_private": [False, False]}),
    ...     mentions=pd.DataFrame({"message_id": ["2"], "person_id": ["a"]}))
    >>> interaction_edges(ds, as_of="2026-01-31").to_string(index=False)
    'source target  replies  mentions  reactions  weight\\n     b      a        1         1          0       2'
    """
    data, source, target, ids = _edge_data(ds, as_of=as_of, window_days=window_days)
    return pd.concat([pd.DataFrame({"source": ids.take(source).array, "target": ids.take(target).array}), data], axis=1)


def _edge_data(ds: Dataset, *, as_of=None, window_days: int | None = 365) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, pd.Index]:
    """:func:`interaction_edges` without the ends' ids: ``replies``, ``mentions``, ``reactions``, ``weight``, and
    each row's source and target as codes into the ids returned last (people in id order)."""
    source, target, counts, by_rank = edge_codes(ds, as_of=as_of, window_days=window_days)
    weight = counts["replies"] + counts["mentions"] + counts["reactions"]
    return pd.DataFrame({**counts, "weight": weight}, copy=False), source, target, by_rank


def edge_codes(ds: Dataset, *, as_of=None, window_days: int | None = 365) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], pd.Index]:
    """The rows of :func:`interaction_edges` without their id strings: source and target as codes into the
    ids returned last (people in id order, so the rows are sorted by source then target), and the
    ``replies``, ``mentions`` and ``reactions`` of each."""
    ties = _reduced_ties(ds, as_of=as_of, window_days=window_days)
    c = codes(ds)
    src, tgt = ties["src"].to_numpy(), ties["tgt"].to_numpy()
    # Ranks in id order, so ties come out sorted by (source, target) as a string group-by would.
    rank = id_ranks(c.people)
    n = max(len(rank), 1)
    pairs, where = np.unique(rank[src] * n + rank[tgt], return_inverse=True)
    counts = {
        kind: np.bincount(where, weights=ties[kind].to_numpy(), minlength=len(pairs)).astype(np.int64)
        for kind in ("replies", "mentions", "reactions")
    }
    return pairs // n, pairs % n, counts, c.people.take(np.argsort(rank))


def _reduced_ties(ds: Dataset, *, as_of=None, window_days: int | None = 365) -> pd.DataFrame:
    """The ``ties_day`` reduction cut to the window of whole days ending at ``as_of``'s end (``window_days`` None: all before it).

    On integer codes: ``src`` and ``tgt`` are people of :attr:`Codes.people <esnkit.metrics._base.Codes>`,
    ``g`` the community's position in :func:`_tie_groups` (-1: none); then ``day``, ``replies``,
    ``mentions``, ``reactions``.
    """
    end = as_of_end(as_of, ds)
    ties = _ties_by_day(ds)[0]
    days = ties["day"].to_numpy()
    hi = int(np.searchsorted(days, day_number(end), side="left"))
    lo = int(np.searchsorted(days, day_number(end - pd.Timedelta(days=window_days)), side="left")) if window_days else 0
    return ties.iloc[lo:hi]


def _tie_groups(ds: Dataset) -> pd.Index:
    """The communities the codes ``g`` of :func:`_reduced_ties` stand for."""
    return _ties_by_day(ds)[1]


def _ties_by_day(ds: Dataset) -> tuple[pd.DataFrame, pd.Index]:
    return ds.cached("ties_by_day", (), lambda: _code_ties(ds))


def _code_ties(ds: Dataset) -> tuple[pd.DataFrame, pd.Index]:
    """The ``ties_day`` reduction sorted by day once, so that any window of days is a slice, with its
    ids read as integer codes (as strings they held 830 MiB at 100,000 people, and every caller
    looked them up again)."""
    from ..reduce import day_numbers, day_order, int_array, read_arrow

    ties = read_arrow(ds, "ties_day", dictionary=("source", "target", "group_id"))
    day = day_numbers(ties.column("day"), np.int32)
    order = day_order(day)  # None: written by day, as DuckDB does
    if order is None:
        order = slice(None)  # a view of each array, not a copy
    g, names = arrow_factorize(ties.column("group_id"))
    people = codes(ds).people
    coded = pd.DataFrame(
        {
            "src": arrow_positions(ties.column("source"), people)[order].astype(np.int32),
            "tgt": arrow_positions(ties.column("target"), people)[order].astype(np.int32),
            "g": g[order].astype(np.int32),
            "day": day[order],
            # Kept across the steps (18 M rows at 200,000 people): the day and counts as int32 too.
            **{column: int_array(ties.column(column), compact=True)[order] for column in ("replies", "mentions", "reactions")},
        },
        copy=False,  # the arrays as they are, not copied into one block
    )
    return coded, names.rename("group_id")


def community_two_way_share(ds: Dataset, *, as_of=None, window_days: int | None = 365) -> pd.Series:
    """:func:`two_way_share` of the ties made inside each community over the window, by ``group_id``.

    SWOOP's guidance for small working teams is 70-80%. Communities without a tie are left out.
    """
    ties = _reduced_ties(ds, as_of=as_of, window_days=window_days)
    ties = ties[ties["g"].to_numpy() >= 0]
    group_ids = _tie_groups(ds)
    src, tgt, g = (ties[column].to_numpy().astype(np.int64) for column in ("src", "tgt", "g"))
    if len(src) == 0:
        return pd.Series(dtype="float64", name="two_way_share")
    both, related = _two_way_counts(src, tgt, g, len(group_ids))
    has = related > 0
    out = pd.Series(both[has] / related[has], index=pd.Index(np.asarray(group_ids)[has], dtype="str", name="group_id"), name="two_way_share")
    return out.sort_index().astype("float64")


def _nodes_from_codes(source: np.ndarray, target: np.ndarray, ids: pd.Index) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The nodes of edges given as codes into ``ids``, in the order the ids first appear among the sources then the
    targets (as ``pd.concat([source, target]).unique()`` orders them), and each edge's ends as node positions."""
    seen, first = first_index(np.concatenate([source, target]))
    order = seen[np.argsort(first, kind="stable")]
    node_of = np.full(len(ids), -1, dtype=np.int64)
    node_of[order] = np.arange(len(order))
    return ids.take(order), node_of[source], node_of[target]


PAIR_CHUNK = 1_000_000  # ties turned into Python ints at a time while igraph reads them


def _pairs(src: np.ndarray, dst: np.ndarray):
    """The ties as pairs of Python ints, made a chunk at a time while igraph reads them.

    igraph reads pairs of Python ints 40% faster than rows of a numpy array (3.6 s against 5.6 s
    at 3.2 M ties; a memoryview is turned into such a list inside igraph). Made all at once, the
    pairs of 7 M ties hold about 0.8 GiB; a chunk at a time, one chunk's worth. Adding the chunks to
    a graph one call at a time instead re-indexes the graph on each call (8.8 s against 3.5 s).
    """
    return itertools.chain.from_iterable(
        zip(src[start : start + PAIR_CHUNK].tolist(), dst[start : start + PAIR_CHUNK].tolist()) for start in range(0, len(src), PAIR_CHUNK)
    )


def _igraph(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray):
    import igraph as ig

    graph = ig.Graph(n=n, edges=_pairs(src, dst), directed=True)
    graph.es["weight"] = weight
    return graph


def _linked_pairs(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Each pair of the ``n`` people linked by a tie, either way, once: sorted keys ``lo * n + hi``."""
    return unique(np.minimum(src, dst).astype(np.int64) * n + np.maximum(src, dst))


def _pairs_igraph(n: int, keys: np.ndarray):
    """The undirected, unweighted igraph of :func:`_linked_pairs` keys (for betweenness).

    Its exact betweenness equals, bit for bit, that of ``_igraph(...).as_undirected(mode="collapse")``,
    which betweenness was computed on before: a simple graph's neighbours are visited in the order
    of their codes either way. Found with numpy, the pairs cost 0.3 s at 7 M ties, where building
    the directed graph and collapsing it cost 11 s.
    """
    import igraph as ig

    return ig.Graph(n=n, edges=_pairs(keys // n, keys % n), directed=False)


class InteractionGraph:
    """The interaction graph, built once: an igraph engine plus a networkx view on demand.

    Parameters
    ----------
    edges : DataFrame
        ``source``, ``target``, ``weight`` (extra columns are kept as edge attributes). With
        ``coded``, the ends come from the codes and ``edges`` needs only the other columns.
    people : Index-like, optional
        Extra people to include as isolated nodes.
    coded : (source, target, ids), optional
        Each row's ends as codes into ``ids``: the nodes are found without hashing strings, and
        :attr:`edges` names the ends only when asked (as strings, the 6.9 M ties of a graph at
        200,000 people held about 0.3 GiB for as long as the graph was kept).
    """

    def __init__(self, edges: pd.DataFrame, people=None, *, coded: tuple[np.ndarray, np.ndarray, pd.Index] | None = None):
        if coded is not None:
            nodes, src, dst = _nodes_from_codes(*coded)
        else:
            nodes = pd.Index(pd.concat([edges["source"], edges["target"]]).unique())
        if people is not None:
            nodes = nodes.append(pd.Index(people).difference(nodes))
        self.nodes = pd.Index(nodes.astype("str"), name="person_id")
        if coded is None:
            src = positions(edges["source"].astype("str"), pd.Series(self.nodes))
            dst = positions(edges["target"].astype("str"), pd.Series(self.nodes))
            self._named = edges.reset_index(drop=True)
        else:
            self._named = None
        #: The edges' attributes (``weight``, and ``replies``, ``mentions``, ``reactions`` when built
        #: from the data), row for row with :attr:`src` and :attr:`dst`; the ends may be missing.
        self.edge_data = edges.drop(columns=["source", "target"], errors="ignore").reset_index(drop=True)
        self.src, self.dst = src, dst
        self._pending: dict = {}  # betweenness begun in another process (start_betweenness), by its arguments

    @cached_property
    def graph(self):
        """The igraph engine: directed, weighted. Built when first asked for, so a :meth:`start_betweenness`
        right after the graph is made sends the ties before igraph reads them (3 s at 7 M ties)."""
        return _igraph(len(self.nodes), self.src, self.dst, self.edge_data["weight"].to_numpy(dtype=float))

    @property
    def edges(self) -> pd.DataFrame:
        """``source``, ``target`` (person ids) and the attributes of every edge; for a coded graph, built on each call."""
        if self._named is not None:
            return self._named
        return self.edge_rows(slice(None))

    def edge_rows(self, rows) -> pd.DataFrame:
        """:attr:`edges` of some rows only (positions, a mask or a slice), the ends named for those rows alone."""
        ends = {"source": self.nodes.take(self.src[rows]).array, "target": self.nodes.take(self.dst[rows]).array}
        return pd.DataFrame({**ends, **{c: self.edge_data[c].to_numpy()[rows] for c in self.edge_data.columns}})

    def __len__(self) -> int:
        return len(self.nodes)

    @cached_property
    def undirected(self):
        g = self.graph.as_undirected(mode="collapse", combine_edges={"weight": "sum"})
        return g

    def to_networkx(self):
        """A networkx ``DiGraph`` of the same graph (node = person_id, edge attributes as columns)."""
        import networkx as nx

        return nx.from_pandas_edgelist(self.edges, "source", "target", edge_attr=True, create_using=nx.DiGraph)

    def pagerank(self) -> pd.Series:
        return pd.Series(self.graph.pagerank(weights="weight", directed=True), index=self.nodes, name="pagerank")

    def betweenness(self, *, exact_max: int = 5000, k: int | None = None, seed: int = 0) -> pd.Series:
        """Betweenness on the undirected tie graph; estimated from ``k`` sampled sources above ``exact_max`` people.

        ``k=None`` samples as many sources as a work budget allows: sources x ties ≤ 6e8, never
        fewer than 256 (cost grows with k x ties; the quality of the ranking with k). A graph of
        120,000 ties gets about 5,000 sources, one of 3.2 M ties gets 256. The floor was measured
        before it was kept (benchmark L graph, 184,118 people, 6.9 M ties, against a 1,024-source
        estimate): of its top 10, 256 sources found 8 and 9 (two seeds), 128 found 7 and 7, 64
        found 6, the six planted connectors, which every k finds. Lowering it would halve the
        helper's time at L (33 s to 17 s, with the numbering of
        :func:`_betweenness_values`) for a worse ranking just below the clear leaders. When
        :meth:`start_betweenness` began the same computation in another process, its result is
        collected here (the values are the same either way).
        """
        pending = self._pending.pop((exact_max, k, seed), None)
        values = None
        if pending is not None:
            try:
                values = pending.result()
            except Exception as exc:  # the helper process died (out of memory, killed): compute it here instead
                warnings.warn(
                    f"betweenness in a second process failed ({type(exc).__name__}: {exc}); computing it here", RuntimeWarning, stacklevel=2
                )
        if values is None:
            values = _betweenness_values(len(self.nodes), _linked_pairs(len(self.nodes), self.src, self.dst), exact_max, k, seed)
        return pd.Series(values, index=self.nodes, name="betweenness")

    def start_betweenness(self, *, exact_max: int = 5000, k: int | None = None, seed: int = 0, min_ties: int = BACKGROUND_MIN_TIES) -> bool:
        """Begin :meth:`betweenness` in a second process, so a step computes its other figures meanwhile.

        igraph holds Python's lock while it computes, so a thread would not help; a process on the
        machine's other core does (at 100,000 people the estimate takes 18-45 s on one core, most
        of step 1). The process is a fresh ``python -m esnkit.metrics._betweenness`` given the ties
        in a temporary file, not a multiprocessing child: those re-import the caller's main script,
        which a consultant's script or notebook need not guard. Only graphs of at least
        ``min_ties`` ties are sent (a process costs about a second to start); smaller ones are
        computed when asked. Returns whether a process was started.
        """
        key = (exact_max, k, seed)
        if key in self._pending or len(self.src) < min_ties:
            return False
        self._pending[key] = _BackgroundBetweenness(len(self.nodes), self.src, self.dst, exact_max, k, seed)
        return True

    def communities(self, *, seed: int = 0, resolution: float = 1.5) -> pd.Series:
        """Louvain communities of the undirected weighted graph (igraph's multilevel)."""
        import igraph as ig

        ig.set_random_number_generator(random.Random(seed))
        try:
            membership = self.undirected.community_multilevel(weights="weight", resolution=resolution).membership
        finally:
            ig.set_random_number_generator(random)
        return pd.Series(membership, index=self.nodes, name="community")


def _betweenness_values(n: int, keys: np.ndarray, exact_max: int, k: int | None, seed: int) -> np.ndarray:
    """Betweenness of the undirected graph of :func:`_linked_pairs` ``keys`` among ``n`` people: exact,
    or the Brandes–Pich estimate from ``k`` sampled sources (by the work budget when ``None``).

    For the estimate the people are first numbered by how many people they are linked to, most
    first, and the values read back in the callers' order. A breadth-first search then finds the
    busy people it reaches most often side by side in memory: at 200,000 people (6.9 M linked
    pairs) each source took 0.12 s instead of 0.18 s. The sources drawn are the same people
    either way; the values differ from the unnumbered graph's only in the sums' last bits (1e-14
    relative), so the exact path, whose equal values a client could see swap places, keeps the
    callers' numbering.
    """
    if k is None:
        k = int(max(256, WORK_BUDGET // max(len(keys), 1)))
    if n <= exact_max or k >= n:
        return np.asarray(_pairs_igraph(n, keys).betweenness(directed=False), dtype=float)
    sources = np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))
    lo, hi = keys // n, keys % n
    del keys  # the caller's copy is its own; the helper process passes none
    code = np.empty(n, dtype=np.int64)
    code[np.argsort(-(np.bincount(lo, minlength=n) + np.bincount(hi, minlength=n)), kind="stable")] = np.arange(n)
    g = _pairs_igraph(n, _linked_pairs(n, code[lo], code[hi]))
    del lo, hi
    return np.asarray(g.betweenness(directed=False, sources=code[sources].tolist()), dtype=float)[code] * (n / k)


class _BackgroundBetweenness:
    """:func:`_betweenness_values` of a graph's ties, computed by ``python -m esnkit.metrics._betweenness``."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray, exact_max: int, k: int | None, seed: int):
        self.process = None
        self.folder = Path(tempfile.mkdtemp(prefix="esnkit-betweenness-"))
        np.savez(self.folder / "ties.npz", n=n, src=src, dst=dst, exact_max=exact_max, k=-1 if k is None else k, seed=seed)
        # The child imports this very esnkit, however the caller found it (installed, or on PYTHONPATH).
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "esnkit.metrics._betweenness", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )

    def result(self) -> np.ndarray:
        try:
            _, err = self.process.communicate()
            if self.process.returncode != 0:
                lines = err.decode("utf-8", "replace").strip().splitlines()
                raise RuntimeError(f"exit code {self.process.returncode}: {lines[-1] if lines else 'no message'}")
            return np.load(self.folder / "betweenness.npy")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __del__(self):  # never collected (its graph was let go first): stop the process and remove its files
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def build_graph(ds: Dataset, *, as_of=None, window_days: int | None = 365) -> InteractionGraph:
    """The interaction graph for ``ds`` at ``as_of``, built once per Dataset, as-of and window."""
    end = as_of_end(as_of, ds)
    return ds.cached("graph", (end, window_days), lambda: _graph(ds, end - pd.Timedelta(days=1), window_days))


def _graph(ds: Dataset, as_of, window_days: int | None) -> InteractionGraph:
    data, source, target, ids = _edge_data(ds, as_of=as_of, window_days=window_days)
    return InteractionGraph(data, coded=(source, target, ids))


def key_individuals(
    ds: Dataset, *, as_of=None, seed: int = 0, window_days: int | None = 365, graph: InteractionGraph | None = None, k: int | None = None
) -> pd.DataFrame:
    """One row per person in the interaction graph with centrality, ties and a role.

    ``graph`` defaults to :func:`build_graph` of ``ds`` at ``as_of``; the result is then computed
    once per Dataset (betweenness costs seconds at scale and steps 1, 3 and 4 all ask for it). A
    graph passed in is used as it is, and its result is not kept.

    Returns
    -------
    DataFrame
        ``person_id``, ``department``, ``degree`` (distinct people tied either way),
        ``pagerank``, ``betweenness``, ``two_way_ties``, ``cross_department_ties``,
        ``replies_given``, ``role`` (connector / influencer / responder / ""), by betweenness.
    """
    if graph is not None:
        return _key_individuals(ds, graph, seed, k)
    end = as_of_end(as_of, ds)
    return ds.cached(
        "key_individuals", (end, window_days, seed, k), lambda: _key_individuals(ds, build_graph(ds, as_of=as_of, window_days=window_days), seed, k)
    )


def _key_individuals(ds: Dataset, g: InteractionGraph, seed: int, k: int | None) -> pd.DataFrame:
    cols = ["person_id", "department", "degree", "pagerank", "betweenness", "two_way_ties", "cross_department_ties", "replies_given", "role"]
    if len(g) == 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("person_id", "department", "role") else "float64") for c in cols})
    # Tie counts on the graph's integer node codes (string pairs cost seconds at millions of ties).
    edges, src, dst, n = g.edge_data, g.src, g.dst, len(g)
    ties = unique(np.concatenate([src * n + dst, dst * n + src]))  # either way, each pair once
    a, b = ties // n, ties % n
    degree = np.bincount(a, minlength=n)
    directed = unique(src * n + dst)
    two_way = np.bincount(found_sorted(dst * n + src, directed) % n, minlength=n)  # a reversed tie found: counted for its source
    department = lookup(pd.Series(g.nodes), ds.people["person_id"], ds.people["department"]).astype("str")
    dept_code, dept_names = pd.factorize(department)  # -1: unknown
    da, db = dept_code[a], dept_code[b]
    cross = (da >= 0) & (db >= 0) & (da != db)
    n_depts = max(len(dept_names), 1)
    cross_ties = np.bincount(a[cross], minlength=n)
    cross_depts = np.bincount(unique(a[cross] * n_depts + db[cross]) // n_depts, minlength=n)
    replies = edges["replies"].to_numpy(dtype=np.int64) if "replies" in edges else np.zeros(len(src), dtype=np.int64)
    out = pd.DataFrame({"person_id": g.nodes.astype("str")})
    out["department"] = department.array
    out["degree"] = degree.astype("int64")
    out["pagerank"] = g.pagerank().to_numpy()
    out["betweenness"] = g.betweenness(seed=seed, k=k).to_numpy()
    out["two_way_ties"] = two_way.astype("int64")
    out["cross_department_ties"] = cross_ties.astype("int64")
    out["replies_given"] = np.bincount(src, weights=replies, minlength=n).astype("int64")
    n = len(out)
    from ..profile import ranked_count  # a small network: at least 10 would make a fifth of 50 people connectors

    n_conn = max(ranked_count(n, 10), int(np.ceil(0.02 * n)))
    bet_rank = out["betweenness"].rank(ascending=False, method="first")
    pr_rank = out["pagerank"].rank(ascending=False, method="first")
    rep_rank = out["replies_given"].rank(ascending=False, method="first")
    spans = pd.Series(cross_depts >= 2, index=out.index)
    if out["department"].dropna().nunique() < 2:  # no departments (esnkit.profile's rule): wide reach stands in for spanning them
        spans = out["degree"] >= out["degree"].quantile(0.9)
    out["role"] = np.select(
        [
            (bet_rank <= n_conn) & spans & (out["betweenness"] > 0),
            pr_rank <= max(1, int(np.ceil(0.05 * n))),
            (rep_rank <= max(1, int(np.ceil(0.10 * n)))) & (out["replies_given"] >= 5),
        ],
        ["connector", "influencer", "responder"],
        default="",
    )
    out["role"] = out["role"].astype("str")
    return out.sort_values(["betweenness", "person_id"], ascending=[False, True]).reset_index(drop=True)[cols]


def department_mixing(
    ds: Dataset, *, by: str = "department", as_of=None, window_days: int | None = 365, min_group_size: int = 5, graph: InteractionGraph | None = None
) -> pd.DataFrame:
    """Internal and external tie weight per department, and Krackhardt's E-I index.

    ``E-I = (external - internal) / (external + internal)``: -1 talks only to itself (a silo),
    +1 only to others. A tie between two departments counts as external for both; a tie inside one
    counts once as internal. Departments with fewer than ``min_group_size`` people are dropped.

    Returns
    -------
    DataFrame
        ``<by>``, ``people``, ``internal``, ``external``, ``ei_index``, lowest E-I first.

    Examples
    --------
    >>> from esnkit import Dataset
    >>> people = pd.DataFrame({"person_id": list("abcd"), "department": ["X", "X", "Y", "Y"]})
    >>> g = InteractionGraph(pd.DataFrame({"source": ["a", "a", "c"], "target": ["b", "c", "d"], "weight": [3, 1, 2]}))
    >>> department_mixing(Dataset(people=people), graph=g, min_group_size=1).to_string(index=False)
    'department  people  internal  external  ei_index\\n         X       2         3         1 -0.500000\\n         Y       2         2         1 -0.333333'
    """
    g = graph or build_graph(ds, as_of=as_of, window_days=window_days)
    people = population(ds)
    # On the graph's integer codes (mapping 3 M string ends to departments took 2.5 s a call at M).
    src, dst, weight, segment, names = _segment_ties(ds, g, by)
    sa, ta = segment[src], segment[dst]
    known = (sa >= 0) & (ta >= 0)
    sa, ta, weight = sa[known], ta[known], weight[known]
    same, k = sa == ta, len(names)
    internal = np.bincount(sa[same], weights=weight[same], minlength=k)
    external = np.bincount(sa[~same], weights=weight[~same], minlength=k) + np.bincount(ta[~same], weights=weight[~same], minlength=k)
    sizes = people[by].value_counts()
    out = pd.DataFrame({by: sizes.index.astype("str"), "people": sizes.to_numpy().astype("int64")})
    at = names.get_indexer(out[by])
    out["internal"] = np.where(at >= 0, internal[at], 0).astype("int64")
    out["external"] = np.where(at >= 0, external[at], 0).astype("int64")
    total = out["internal"] + out["external"]
    out["ei_index"] = ((out["external"] - out["internal"]) / total.where(total > 0)).astype("float64")
    out = suppress(out, count_column="people", min_group_size=min_group_size)
    return out.sort_values(["ei_index", by]).reset_index(drop=True)


#: The column of :func:`department_matrix` that gathers segments too small to show and people whose segment is unknown.
OTHER_SEGMENTS = "other or unknown"


def _segment_ties(
    ds: Dataset, g: InteractionGraph, by: str, *, column: str = "weight"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """The graph's ties between people of the population, on integer codes.

    Returns ``(src, dst, weight, segment, names)``: node codes of each tie, its weight (or another
    edge attribute, ``column``: zero when the graph has none), each node's ``by`` code (-1 unknown
    or not in the population) and the segment names.
    """
    people = population(ds)
    if by not in people.columns:
        raise ValueError(f"people has no column {by!r}; choose one of {', '.join(c for c in people.columns if c != 'person_id')}")
    seg_codes, names = pd.factorize(people[by])
    at = pd.Index(people["person_id"].astype("str")).get_indexer(g.nodes)  # -1: not in the population
    segment = np.where(at >= 0, np.append(seg_codes, -1)[at], -1)
    inside = (at[g.src] >= 0) & (at[g.dst] >= 0)
    weight = g.edge_data[column].to_numpy(dtype="float64") if column in g.edge_data else np.zeros(len(g.src))
    return g.src[inside], g.dst[inside], weight[inside], segment, pd.Index(names.astype("str"))


def department_matrix(
    ds: Dataset, *, by: str = "department", as_of=None, window_days: int | None = 365, min_group_size: int = 5, graph: InteractionGraph | None = None
) -> pd.DataFrame:
    """Who talks to whom between segments: row = from-segment, column = to-segment (SWOOP's segment map).

    Each row is the share of that segment's interactions (replies, mentions, reactions it gave,
    weighted as in the interaction graph) directed at each segment, so every row sums to 1; the
    diagonal is the share kept inside. ``by`` is any people attribute. Segments with fewer than
    ``min_group_size`` people get no row, and interactions with them (or with people whose segment
    is unknown) are gathered in the :data:`OTHER_SEGMENTS` column, shown only when it is not empty.
    A segment that gave no interaction has no row. Bots and guests are left out.

    Examples
    --------
    >>> from esnkit import Dataset
    >>> people = pd.DataFrame({"person_id": list("abcd"), "department": ["X", "X", "Y", "Y"]})
    >>> g = InteractionGraph(pd.DataFrame({"source": ["a", "a", "c"], "target": ["b", "c", "d"], "weight": [3, 1, 2]}))
    >>> department_matrix(Dataset(people=people), graph=g, min_group_size=1).round(2).to_dict("index")
    {'X': {'X': 0.75, 'Y': 0.25}, 'Y': {'X': 0.0, 'Y': 1.0}}
    """
    g = graph or build_graph(ds, as_of=as_of, window_days=window_days)
    src, dst, w, segment, names = _segment_ties(ds, g, by)
    sizes = population(ds)[by].value_counts()
    shown = sorted(str(v) for v in sizes[sizes >= min_group_size].index)
    k = len(names)
    if k == 0:  # nobody's segment is known
        empty = pd.DataFrame(index=pd.Index([], name=f"from {by}", dtype="str"), columns=pd.Index([], name=f"to {by}", dtype="str"), dtype="float64")
        return empty
    big = names.isin(shown)
    seg_src, seg_dst = segment[src], segment[dst]
    rows = (seg_src >= 0) & big[np.maximum(seg_src, 0)]
    col = np.where((seg_dst >= 0) & big[np.maximum(seg_dst, 0)], seg_dst, k)  # k: other or unknown
    totals = np.bincount(seg_src[rows] * (k + 1) + col[rows], weights=w[rows], minlength=k * (k + 1)).reshape(k, k + 1)
    table = pd.DataFrame(totals, index=names, columns=[*names, OTHER_SEGMENTS])
    order = [n for n in shown if n in table.index]
    columns = [n for n in order if table[n].sum() > 0 or table.loc[n].sum() > 0]
    if table.loc[order, OTHER_SEGMENTS].sum() > 0:
        columns.append(OTHER_SEGMENTS)
    table = table.loc[order, columns]
    given = table.sum(axis=1)
    out = table[given > 0].div(given[given > 0], axis=0).astype("float64")
    out.index.name, out.columns.name = f"from {by}", f"to {by}"
    return out


def department_ties(
    ds: Dataset, *, by: str = "department", as_of=None, window_days: int | None = 365, min_group_size: int = 5, graph: InteractionGraph | None = None
) -> pd.DataFrame:
    """Interactions between each pair of segments, either way (the edges of a department network).

    Returns ``a``, ``b`` (segment names, a < b), ``interactions`` (tie weight between them, either
    direction), ``people_a``, ``people_b``; segments under ``min_group_size`` people are left out.
    """
    g = graph or build_graph(ds, as_of=as_of, window_days=window_days)
    src, dst, w, segment, names = _segment_ties(ds, g, by)
    sizes = population(ds)[by].value_counts()
    big = names.isin([v for v, n in sizes.items() if n >= min_group_size])
    sa, sb = segment[src], segment[dst]
    ok = (sa >= 0) & (sb >= 0) & (sa != sb)
    ok &= big[np.maximum(sa, 0)] & big[np.maximum(sb, 0)] if len(names) else ok
    lo, hi = np.minimum(sa[ok], sb[ok]), np.maximum(sa[ok], sb[ok])
    k = max(len(names), 1)
    pairs, weight = np.unique(lo * k + hi, return_inverse=True)
    total = np.bincount(weight, weights=w[ok]) if len(pairs) else np.array([])
    a, b = names.to_numpy()[pairs // k] if len(pairs) else [], names.to_numpy()[pairs % k] if len(pairs) else []
    out = pd.DataFrame({"a": pd.array(a, dtype="str"), "b": pd.array(b, dtype="str"), "interactions": total.astype("int64")})
    swap = out["a"] > out["b"]
    out.loc[swap, ["a", "b"]] = out.loc[swap, ["b", "a"]].to_numpy()
    out["people_a"] = out["a"].map(sizes).astype("int64")
    out["people_b"] = out["b"].map(sizes).astype("int64")
    return out.sort_values(["interactions", "a", "b"], ascending=[False, True, True]).reset_index(drop=True)


def cross_department_carriers(
    ds: Dataset, *, as_of=None, window_days: int | None = 365, graph: InteractionGraph | None = None, by: str = "department"
) -> pd.DataFrame:
    """The people who carry the conversation between departments, and how much of it the top ones carry.

    A cross-department interaction is a tie (weighted as in the interaction graph) between two
    people of different known departments; each of the two takes part in it. People are ranked by
    the weight they take part in; ``cumulative_share`` at a row is the share of all
    cross-department weight that involves at least one person of that rank or above (a tie between
    two top people counts once). Its first rows are the key-person risk: when one or two people
    reach 50%, the links between departments hang on them.

    ``cross_replies`` counts the replies across departments they wrote or received: the real
    conversation a bridge holds, where a stray @mention or a reaction is not.

    Returns
    -------
    DataFrame
        ``person_id``, ``department``, ``cross_weight``, ``cross_replies``, ``share`` (their own, of
        the total), ``cumulative_share``, most first (ties by person id); only people with
        cross-department ties.
    """
    g = graph or build_graph(ds, as_of=as_of, window_days=window_days)
    src, dst, w, segment, names = _segment_ties(ds, g, by)
    replies = _segment_ties(ds, g, by, column="replies")[2]
    cross = (segment[src] >= 0) & (segment[dst] >= 0) & (segment[src] != segment[dst])
    src, dst, w, replies = src[cross], dst[cross], w[cross], replies[cross]
    cols = ["person_id", by, "cross_weight", "cross_replies", "share", "cumulative_share"]
    total = float(w.sum())
    if total == 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c in ("person_id", by) else "int64" if c == "cross_replies" else "float64") for c in cols})
    n = len(g.nodes)
    carried = np.bincount(src, weights=w, minlength=n) + np.bincount(dst, weights=w, minlength=n)
    people = np.flatnonzero(carried > 0)
    ids = g.nodes.to_numpy()[people].astype(str)
    order = np.lexsort((ids, -carried[people]))  # most first, ties by person id
    people = people[order]
    rank = np.full(n, n, dtype=np.int64)
    rank[people] = np.arange(len(people))
    first = np.minimum(rank[src], rank[dst])
    out = pd.DataFrame({"person_id": pd.array(g.nodes.to_numpy()[people], dtype="str")})
    out[by] = pd.array(np.append(names.to_numpy(), None)[np.where(segment[people] >= 0, segment[people], len(names))], dtype="str")
    out["cross_weight"] = carried[people]
    out["cross_replies"] = (np.bincount(src, weights=replies, minlength=n) + np.bincount(dst, weights=replies, minlength=n))[people].astype("int64")
    out["share"] = out["cross_weight"] / total
    out["cumulative_share"] = np.cumsum(np.bincount(first, weights=w, minlength=len(people)))[: len(people)] / total
    return out[cols]


#: A bridge out of a silo holds a real conversation across departments: at least this many replies
#: written to, or received from, people of other departments in the window (a mention or a reaction is not one).
BRIDGE_MIN_REPLIES = 2
#: Key-person risk by the share of the conversation between departments its carriers take part in (:func:`key_person_risk`).
KEY_PERSON_GRADES = ((0.5, "high"), (0.3, "moderate"), (0.0, "low"))


def key_person_grade(share: float) -> str:
    """``high`` from half of the conversation between departments, ``moderate`` from 30%, ``low`` under it.

    >>> key_person_grade(0.55), key_person_grade(0.47), key_person_grade(0.2)
    ('high', 'moderate', 'low')
    """
    return next(grade for floor, grade in KEY_PERSON_GRADES if share >= floor)


def key_person_risk(carriers: pd.DataFrame, *, max_people: int = 3) -> tuple[int, float] | None:
    """From :func:`cross_department_carriers`: ``(k, share)``, the fewest people (at most ``max_people``)
    who take part in half of all conversation between departments, and the share they take part in.

    When even ``max_people`` fall short of half, ``k`` is ``max_people`` (or everyone, when fewer) and
    ``share`` is under 0.5: no key-person risk. ``None`` without any cross-department tie.

    Examples
    --------
    >>> c = pd.DataFrame({"cumulative_share": [0.3, 0.55, 0.7, 1.0]})
    >>> key_person_risk(c), key_person_risk(c, max_people=1)
    ((2, 0.55), (1, 0.3))
    """
    if len(carriers) == 0:
        return None
    cumulative = carriers["cumulative_share"].to_numpy()
    k = min(int(np.searchsorted(cumulative, 0.5 - 1e-12)) + 1, max_people, len(cumulative))
    return k, float(cumulative[k - 1])


def two_way_share(edges) -> float:
    """The share of related pairs whose tie runs both ways (SWOOP's *two-way relationships*).

    Pair-based: of the unordered pairs of people with a tie either way (``source``, ``target``;
    self-ties and repeats ignored), the share with a tie each way. NaN without any tie. ``edges``
    is an edge table or an :class:`InteractionGraph`.

    Examples
    --------
    >>> two_way_share(pd.DataFrame({"source": ["a", "b", "a", "c"], "target": ["b", "a", "c", "c"]}))
    0.5
    """
    if isinstance(edges, InteractionGraph):  # its ties are on integer codes already
        src, dst = edges.src.astype(np.int64), edges.dst.astype(np.int64)
        keep = src != dst
        src, dst = src[keep], dst[keep]
        if len(src) == 0:
            return float("nan")
    else:
        if not {"source", "target"} <= set(edges.columns):
            raise ValueError("edges needs columns source and target")
        e = edges[edges["source"] != edges["target"]]
        if len(e) == 0:
            return float("nan")
        codes_, _ = pd.factorize(pd.concat([e["source"], e["target"]], ignore_index=True))
        src, dst = codes_[: len(e)].astype(np.int64), codes_[len(e) :].astype(np.int64)
    both, related = _two_way_counts(src, dst, np.zeros(len(src), dtype=np.int64), 1)
    return float(both[0] / related[0])


def _two_way_counts(src: np.ndarray, dst: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: pairs tied both ways, and pairs tied either way (self-ties already dropped), on integer codes."""
    n = int(max(src.max(), dst.max())) + 1
    directed = unique((group * n + src) * n + dst)  # one key per group and direction
    pairs = unique((group * n + np.minimum(src, dst)) * n + np.maximum(src, dst))
    g, rest = directed // (n * n), directed % (n * n)
    back = (g * n + rest % n) * n + rest // n
    both = np.bincount(found_sorted(back, directed) // (n * n), minlength=n_groups) / 2  # each two-way pair is found from both ends
    return both, np.bincount(pairs // (n * n), minlength=n_groups)


def influence_curve(pagerank: pd.Series, *, top: int = 20) -> pd.DataFrame:
    """The drop-off of influence from the top person down: each of the ``top`` highest PageRanks over the highest.

    Returns ``rank`` (1 = the most influential), ``relative`` (their PageRank over the top person's).
    """
    pr = pd.Series(pagerank, dtype="float64").sort_values(ascending=False).head(top)
    if len(pr) == 0 or pr.iloc[0] <= 0:
        return pd.DataFrame({"rank": pd.Series(dtype="int64"), "relative": pd.Series(dtype="float64")})
    return pd.DataFrame({"rank": np.arange(1, len(pr) + 1, dtype=np.int64), "relative": (pr / pr.iloc[0]).to_numpy()})


def influencer_risk_score(pagerank: pd.Series, *, top: int = 10) -> float:
    """How steeply influence drops from the top person (SWOOP's influencer risk), from 0 to 1.

    Defined here as ``1 - mean(relative influence of ranks 2..top)``, where relative influence is a
    person's PageRank over the top person's (:func:`influence_curve`): 0 when the next nine people
    are as influential as the first (influence is shared), near 1 when the network hangs on one
    person. NaN with fewer than two people.

    Examples
    --------
    >>> influencer_risk_score(pd.Series([4.0, 2.0, 1.0]), top=3), influencer_risk_score(pd.Series([1.0, 1.0]))
    (0.625, 0.0)
    """
    curve = influence_curve(pagerank, top=top)
    if len(curve) < 2:
        return float("nan")
    return float(1 - curve["relative"].iloc[1:].mean())


def organisation(people: pd.DataFrame, leader_ids, *, max_depth: int = 30) -> pd.DataFrame:
    """Everyone below each leader in the manager chain (``manager_id``): ``leader_id``, ``person_id``.

    Walks up from every person through ``manager_id`` (a loop over levels of the hierarchy, not
    over people); a cycle in the roster stops at ``max_depth``.
    """
    if "manager_id" not in people.columns:
        return pd.DataFrame({"leader_id": pd.Series(dtype="str"), "person_id": pd.Series(dtype="str")})
    manager = people.dropna(subset=["manager_id"]).drop_duplicates("person_id").set_index("person_id")["manager_id"]
    leaders = set(map(str, leader_ids))
    pairs, person, above = [], manager.index.to_series(), manager
    for _ in range(max_depth):
        if len(above) == 0:
            break
        hit = above.isin(leaders).to_numpy()
        pairs.append(pd.DataFrame({"leader_id": above.to_numpy()[hit], "person_id": person.to_numpy()[hit]}))
        nxt = above.map(manager)
        keep = nxt.notna() & (nxt != person.reindex(nxt.index).to_numpy())
        person, above = person[keep.to_numpy()], nxt[keep]
    out = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame(columns=["leader_id", "person_id"])
    out = out[out["leader_id"] != out["person_id"]].drop_duplicates()
    return out.astype("str").sort_values(["leader_id", "person_id"]).reset_index(drop=True)


def leader_reach(
    ds: Dataset, leader_ids, *, as_of=None, window_days: int | None = 365, min_group_size: int = 5, graph: InteractionGraph | None = None
) -> pd.DataFrame:
    """How each leader reaches and engages their organisation (Viva Engage audience analytics, SWOOP).

    - ``posts``: threads the leader started in the window;
    - ``reach``: distinct people who replied to, mentioned or reacted to the leader;
    - ``organisation``: people below them in the manager chain (:func:`organisation`);
    - ``organisation_reached``: the share of their organisation tied to them either way;
    - ``responds_to_their_people``: of the people in their organisation who reached out to them,
      the share the leader interacted with in return.

    The two organisation shares are left empty (NaN) for an organisation under ``min_group_size``.
    Bots and guests are not counted. Most reach first.
    """
    g = graph or build_graph(ds, as_of=as_of, window_days=window_days)
    end = as_of_end(as_of, ds)
    ids = pd.Index(pd.Series(list(leader_ids), dtype="str").unique())
    cols = ["person_id", "posts", "reach", "organisation", "organisation_reached", "responds_to_their_people"]
    if len(ids) == 0:
        return pd.DataFrame({c: pd.Series(dtype="str" if c == "person_id" else "float64") for c in cols})
    members = pd.Index(population(ds)["person_id"].astype("str"))
    # On the graph's node codes: only the ties of the leaders get their ends named.
    in_population, is_leader = g.nodes.isin(members), g.nodes.isin(ids)
    between_members = in_population[g.src] & in_population[g.dst]
    to_leader = g.edge_rows(np.flatnonzero(between_members & is_leader[g.dst]))
    from_leader = g.edge_rows(np.flatnonzero(between_members & is_leader[g.src]))
    reach = to_leader.groupby("target")["source"].nunique()
    started = thread_responses(ds, as_of=end - pd.Timedelta(days=1))  # every dated thread start before the end
    if window_days:
        started = started[started["created_at"] >= end - pd.Timedelta(days=window_days)]
    posts = started[started["author_id"].isin(ids)].groupby("author_id").size()
    org = organisation(ds.people, ids)
    org = org[org["person_id"].isin(members)]
    size = org.groupby("leader_id").size()
    tied = pd.concat(
        [
            to_leader.rename(columns={"target": "leader_id", "source": "person_id"}),
            from_leader.rename(columns={"source": "leader_id", "target": "person_id"}),
        ]
    )
    tied = tied[["leader_id", "person_id"]].drop_duplicates().merge(org, on=["leader_id", "person_id"])
    reached_out = to_leader.rename(columns={"target": "leader_id", "source": "person_id"})[["leader_id", "person_id"]].drop_duplicates().merge(org)
    answered = reached_out.merge(
        from_leader.rename(columns={"source": "leader_id", "target": "person_id"})[["leader_id", "person_id"]].drop_duplicates()
    )
    out = pd.DataFrame({"person_id": ids.astype("str")})
    out["posts"] = out["person_id"].map(posts).fillna(0).astype("int64")
    out["reach"] = out["person_id"].map(reach).fillna(0).astype("int64")
    out["organisation"] = out["person_id"].map(size).fillna(0).astype("int64")
    big = out["organisation"] >= min_group_size
    out["organisation_reached"] = (
        (out["person_id"].map(tied.groupby("leader_id").size()).fillna(0) / out["organisation"]).where(big).astype("float64")
    )
    asked = out["person_id"].map(reached_out.groupby("leader_id").size()).fillna(0)
    back = out["person_id"].map(answered.groupby("leader_id").size()).fillna(0)
    out["responds_to_their_people"] = (back / asked.where(asked > 0)).where(big).astype("float64")
    return out.sort_values(["reach", "person_id"], ascending=[False, True]).reset_index(drop=True)[cols]


def cross_department_share(ds: Dataset, *, as_of=None, window_days: int = 365, people=None) -> float:
    """Of the interactions between people of known departments in the window, the share between two departments.

    The ``cross_department_share`` KPI: the interactions of the interaction graph (replies,
    mentions, reactions; bots and guests left out). With ``people`` (ids), only interactions in
    which one of them takes part count: for one department this is ``(1 + E-I) / 2`` of its ties.
    NaN without any such interaction. :func:`cross_department_share_history` is the same at many dates.
    """
    return cross_department_share_history(ds, [as_of_end(as_of, ds)], window_days=window_days, people=people)[0]


#: Tie-days tallied at a time by :func:`cross_department_share_history`: its temporaries hold a chunk,
#: not the whole history (88 M tie-days at 1,000,000 people, whose int64 copies were step 2's peak).
TIE_CHUNK = 4_000_000


def cross_department_share_history(ds: Dataset, ends, *, window_days: int = 365, people=None) -> list[float]:
    """:func:`cross_department_share` at each instant of ``ends`` (exclusive ends, UTC), in one pass over the ties.

    Only the tie-days some window reaches are read (from the earliest window's first day to the
    last end), :data:`TIE_CHUNK` at a time: each chunk adds its interactions per day to two running
    totals, all and across departments, and a window's sums are differences of those.
    """
    ends = [pd.Timestamp(e) for e in ends]
    if not ends:
        return []
    first = day_number(min(ends)) - window_days  # the first day any window counts
    span = day_number(max(ends)) - first
    if span <= 0:  # no window has a day in it
        return [float("nan")] * len(ends)
    ties = _reduced_ties(ds, as_of=max(ends) - pd.Timedelta(days=1), window_days=span)
    c = codes(ds)
    members = population(ds)
    dept_codes, _names = pd.factorize(members["department"])
    row = pd.Index(members["person_id"].astype("str")).get_indexer(c.people)  # people code -> population row
    # Each person code's department code; the last entry (-1) is taken by the code -1 (no person).
    dept = np.append(np.where(row >= 0, np.append(dept_codes, -1)[row], -1), -1).astype(np.int32)
    chosen = None
    if people is not None:
        chosen = np.append(c.people.isin(pd.Index(pd.Series(list(people), dtype="str"))), False)
    total, cross = np.zeros(span, dtype=np.int64), np.zeros(span, dtype=np.int64)
    for start in range(0, len(ties), TIE_CHUNK):  # a loop over chunks; each is vectorised
        part = ties.iloc[start : start + TIE_CHUNK]
        src, dst = part["src"].to_numpy(), part["tgt"].to_numpy()
        ds_, dd = dept[src], dept[dst]
        keep = (src != dst) & (ds_ >= 0) & (dd >= 0)
        if chosen is not None:
            keep &= chosen[src] | chosen[dst]
        t = part["day"].to_numpy()[keep] - first
        w = (part["replies"].to_numpy().astype(np.int64) + part["mentions"].to_numpy() + part["reactions"].to_numpy())[keep]
        total += np.bincount(t, weights=w, minlength=span).astype(np.int64)
        cross += np.bincount(t, weights=np.where((ds_ != dd)[keep], w, 0), minlength=span).astype(np.int64)
    total, cross = np.concatenate([[0], np.cumsum(total)]), np.concatenate([[0], np.cumsum(cross)])
    out = []
    for end in ends:  # a loop over dates; each is two look-ups in the running totals
        hi = min(max(day_number(end) - first, 0), span)
        lo = min(max(day_number(end - pd.Timedelta(days=window_days)) - first, 0), span)
        n = total[hi] - total[lo]
        out.append(float((cross[hi] - cross[lo]) / n) if n else float("nan"))
    return out


def detect_communities(edges: pd.DataFrame, *, seed: int = 0, resolution: float = 1.5) -> pd.DataFrame:
    """Communities of people from an edge table, by Louvain modularity (igraph), seeded.

    Parameters
    ----------
    edges : DataFrame
        ``source``, ``target`` and optionally ``weight`` (default 1); direction is ignored,
        repeated pairs add up, self-ties are dropped.
    resolution : float
        Above 1 finds smaller, team-sized groups. 1.5 recovered the departments of the real
        email-Eu-core network with NMI 0.63-0.65 over seeds 0-2, against 0.54-0.59 at 1.0.

    Returns
    -------
    DataFrame
        ``node``, ``community`` (0 = the largest community), sorted by node.
    """
    if not {"source", "target"} <= set(edges.columns):
        raise ValueError("edges needs columns source and target (and optionally weight)")
    e = edges.assign(weight=edges.get("weight", 1.0))
    e = e[e["source"] != e["target"]]
    g = InteractionGraph(e[["source", "target", "weight"]].astype({"source": "str", "target": "str", "weight": "float64"}))
    labels = g.communities(seed=seed, resolution=resolution)
    sizes = labels.value_counts()
    relabel = {c: i for i, c in enumerate(sorted(sizes.index, key=lambda c: (-sizes[c], c)))}
    out = pd.DataFrame({"node": labels.index.astype("str"), "community": labels.map(relabel).to_numpy().astype("int64")})
    if pd.api.types.is_integer_dtype(edges["source"]) and pd.api.types.is_integer_dtype(edges["target"]):
        out["node"] = out["node"].astype("int64")
    return out.sort_values("node").reset_index(drop=True)


def influencer_risk(ds: Dataset, *, as_of=None, window_days: int = 90, top_share: float = 0.05) -> pd.DataFrame:
    """Influencers of the previous window whose activity fell in the latest one.

    Influencers are the top ``top_share`` by PageRank over the previous ``window_days`` (the
    window before the latest). Returns ``person_id``, ``department``, ``pagerank_before``,
    ``contributions_before``, ``contributions_now``, ``change`` for those whose contributions
    dropped by at least half, steepest drop first. Kept in the Dataset's cache: steps 1 and 5 show
    them and step 3's restricted list names them.
    """
    end = as_of_end(as_of, ds)
    return ds.cached("influencer_risk", (end, window_days, top_share), lambda: _influencer_risk(ds, end, window_days, top_share))


def _influencer_risk(ds: Dataset, end: pd.Timestamp, window_days: int, top_share: float) -> pd.DataFrame:
    before_end = end - pd.Timedelta(days=window_days)
    g = build_graph(ds, as_of=before_end - pd.Timedelta(days=1), window_days=window_days)
    cols = ["person_id", "department", "pagerank_before", "contributions_before", "contributions_now", "change"]
    if len(g) == 0:
        return pd.DataFrame({c: [] for c in cols})
    pr = g.pagerank().sort_values(ascending=False)
    top = pr.head(max(1, int(np.ceil(top_share * len(pr)))))
    from ._base import person_days

    days = person_days(ds, as_of=end - pd.Timedelta(days=1))
    n = (days["posts"] + days["replies"] + days["reactions"]).to_numpy()
    who, day = days["who"].to_numpy(), days["day"].to_numpy()
    split, start = day_number(before_end), day_number(before_end - pd.Timedelta(days=window_days))
    out = pd.DataFrame({"person_id": top.index.astype("str"), "pagerank_before": top.to_numpy()})
    at = positions(out["person_id"], ds.people["person_id"])  # the top people's rows in ds.people (-1: none)

    def given(mask: np.ndarray) -> np.ndarray:  # contributions per top person over the person-days in mask
        per_row = np.append(np.bincount(who[mask], weights=n[mask], minlength=len(ds.people)), 0)
        return per_row[at].astype("int64")

    out["department"] = out["person_id"].map(ds.people.set_index("person_id")["department"]).astype("str")
    out["contributions_before"] = given((day < split) & (day >= start))
    out["contributions_now"] = given(day >= split)
    out["change"] = (out["contributions_now"] / out["contributions_before"].where(out["contributions_before"] > 0) - 1).astype("float64")
    out = out[out["change"] <= -0.5]
    return out.sort_values(["change", "pagerank_before"], ascending=[True, False]).reset_index(drop=True)[cols]
