from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import AS_OF, small_dataset
from pandas.testing import assert_frame_equal

from esnkit.metrics import network

EU = Path(__file__).parent / "fixtures" / "email-eu-core"


def test_interaction_edges():
    got = network.interaction_edges(small_dataset(), as_of=AS_OF)
    expected = pd.DataFrame(
        {
            "source": ["a", "a", "b", "c"],
            "target": ["b", "d", "a", "d"],
            "replies": [1, 0, 1, 1],
            "mentions": [0, 0, 0, 0],
            "reactions": [0, 1, 0, 0],
            "weight": [1, 1, 1, 1],
        }
    ).astype({"source": "str", "target": "str"})
    assert_frame_equal(got, expected)


def test_the_graph_of_a_dataset_numbers_people_as_its_edges_first_name_them():
    # Sources a, a, b, c then targets b, d, a, d: d first appears as a target, so it comes last.
    ds = small_dataset()
    g = network.build_graph(ds, as_of=AS_OF)
    assert g.nodes.tolist() == ["a", "b", "c", "d"]
    assert g.src.tolist() == [0, 0, 1, 2] and g.dst.tolist() == [1, 3, 0, 3]
    by_strings = network.InteractionGraph(network.interaction_edges(ds, as_of=AS_OF))  # how a graph of any edge table is numbered
    assert g.nodes.equals(by_strings.nodes)
    assert np.array_equal(g.src, by_strings.src) and np.array_equal(g.dst, by_strings.dst)
    assert g.graph.get_edgelist() == by_strings.graph.get_edgelist() and g.graph.es["weight"] == by_strings.graph.es["weight"]
    # The coded graph keeps no id strings for its ends; it names them when asked, all rows or some.
    assert_frame_equal(g.edges, network.interaction_edges(ds, as_of=AS_OF))
    assert_frame_equal(g.edge_rows(np.array([1, 3])), by_strings.edges.iloc[[1, 3]].reset_index(drop=True))
    assert "source" not in g.edge_data and g.edge_data["weight"].tolist() == by_strings.edges["weight"].tolist()
    # b replies to a: b is the first source, so node 0, before a, which sorts first
    from esnkit import Dataset

    reply = Dataset(
        people=pd.DataFrame({"person_id": ["a", "b"]}),
        groups=pd.DataFrame({"group_id": ["g"]}),
        messages=pd.DataFrame(
            {
                "message_id": ["1", "2"],
                "thread_id": ["1", "1"],
                "reply_to_id": [None, "1"],
                "group_id": ["g", "g"],
                "author_id": ["a", "b"],
                "created_at": ["2026-01-01", "2026-01-02"],
                "is_thread_start": [True, False],
                "is_private": [False, False],
            }
        ),
    )
    g = network.build_graph(reply, as_of="2026-01-31")
    assert g.nodes.tolist() == ["b", "a"] and g.src.tolist() == [0] and g.dst.tolist() == [1]


def test_key_individuals_on_a_path():
    # Ties b - a - d - c: a and d each lie on two shortest paths.
    got = network.key_individuals(small_dataset(), as_of=AS_OF).drop(columns=["pagerank"])
    expected = pd.DataFrame(
        {
            "person_id": ["a", "d", "b", "c"],
            "department": ["X", "Y", "X", "Y"],
            "degree": [2, 2, 1, 1],
            "betweenness": [2.0, 2.0, 0.0, 0.0],
            "two_way_ties": [1, 0, 1, 0],
            "cross_department_ties": [1, 1, 0, 0],
            "replies_given": [1, 0, 1, 1],
            "role": ["", "influencer", "", ""],  # d is replied to and reacted to by two people: top PageRank
        }
    ).astype({"person_id": "str", "department": "str", "role": "str"})
    assert_frame_equal(got, expected)


def test_pagerank_is_a_distribution():
    g = network.build_graph(small_dataset(), as_of=AS_OF)
    pr = g.pagerank()
    assert pr.sum() == pytest.approx(1.0) and (pr > 0).all()
    ds = small_dataset()
    assert network.build_graph(ds, as_of=AS_OF) is network.build_graph(ds, as_of=AS_OF)  # built once per run


def test_to_networkx_has_the_same_ties():
    nx_graph = network.build_graph(small_dataset(), as_of=AS_OF).to_networkx()
    assert sorted(nx_graph.edges()) == [("a", "b"), ("a", "d"), ("b", "a"), ("c", "d")]
    assert nx_graph["a"]["d"]["reactions"] == 1


def test_sampled_betweenness_matches_exact_ranking_on_a_star_of_stars():
    # Two hubs joined by a bridge person: the bridge has the highest betweenness either way.
    edges = [("h1", f"x{i}") for i in range(30)] + [("h2", f"y{i}") for i in range(30)] + [("h1", "bridge"), ("bridge", "h2")]
    g = network.InteractionGraph(pd.DataFrame(edges, columns=["source", "target"]).assign(weight=1.0))
    exact = g.betweenness()
    sampled = g.betweenness(exact_max=10, k=40, seed=0)
    assert exact.idxmax() in {"h1", "h2"} and set(exact.nlargest(3).index) == {"h1", "h2", "bridge"}
    assert set(sampled.nlargest(3).index) == {"h1", "h2", "bridge"}


def test_betweenness_begun_in_another_process_is_the_same():
    # A random graph of 400 people and 1,600 ties, exact and sampled: the helper process rebuilds
    # the undirected graph from the same ties, so every value is equal, not just close.
    rng = np.random.default_rng(3)
    pairs = pd.DataFrame({"source": rng.integers(0, 400, 1600), "target": rng.integers(0, 400, 1600)})
    pairs = pairs[pairs["source"] != pairs["target"]].drop_duplicates().astype("str").assign(weight=1.0)
    for kwargs in ({}, {"exact_max": 10, "k": 50, "seed": 7}):
        here = network.InteractionGraph(pairs).betweenness(**kwargs)
        g = network.InteractionGraph(pairs)
        assert g.start_betweenness(**kwargs, min_ties=0)
        assert not g.start_betweenness(**kwargs, min_ties=0)  # already begun: not sent twice
        pd.testing.assert_series_equal(g.betweenness(**kwargs), here)
    assert not network.InteractionGraph(pairs).start_betweenness()  # small graphs stay in-process


def test_graphs_read_their_ties_a_chunk_at_a_time_and_the_helper_links_each_pair_once(monkeypatch):
    # Five ties, two of them a pair linked both ways (0-1) and one repeated (2>3 twice), read
    # two at a time: every chunk goes in, in order; the helper's graph has each linked pair once.
    monkeypatch.setattr(network, "PAIR_CHUNK", 2)
    src, dst = np.array([0, 1, 2, 2, 4]), np.array([1, 0, 3, 3, 0])
    assert list(network._pairs(src, dst)) == [(0, 1), (1, 0), (2, 3), (2, 3), (4, 0)]
    assert network._igraph(5, src, dst, np.ones(5)).get_edgelist() == [(0, 1), (1, 0), (2, 3), (2, 3), (4, 0)]
    assert network._linked_pairs(5, src, dst).tolist() == [0 * 5 + 1, 0 * 5 + 4, 2 * 5 + 3]
    undirected = network._pairs_igraph(5, network._linked_pairs(5, src, dst))
    assert not undirected.is_directed() and sorted(undirected.get_edgelist()) == [(0, 1), (0, 4), (2, 3)]


def test_exact_betweenness_of_the_linked_pairs_is_that_of_the_collapsed_tie_graph_bit_for_bit():
    # Betweenness was computed on the directed tie graph made undirected; the linked pairs must
    # give the very same floats, or equal values could swap places in a client's ranking.
    rng = np.random.default_rng(11)
    src, dst = rng.integers(0, 200, 900), rng.integers(0, 200, 900)
    src, dst = src[src != dst], dst[src != dst]
    collapsed = network._igraph(200, src, dst, np.ones(len(src))).as_undirected(mode="collapse")
    want = np.asarray(collapsed.betweenness(directed=False), dtype=float)
    np.testing.assert_array_equal(network._betweenness_values(200, network._linked_pairs(200, src, dst), 5000, None, 0), want)


def test_betweenness_is_computed_here_when_the_helper_process_dies():
    rng = np.random.default_rng(5)
    pairs = pd.DataFrame({"source": rng.integers(0, 300, 1200), "target": rng.integers(0, 300, 1200)})
    pairs = pairs[pairs["source"] != pairs["target"]].drop_duplicates().astype("str").assign(weight=1.0)
    here = network.InteractionGraph(pairs).betweenness()
    g = network.InteractionGraph(pairs)
    assert g.start_betweenness(min_ties=0)
    helper = g._pending[(5000, None, 0)]
    helper.process.kill()  # as the out-of-memory killer would
    with pytest.warns(RuntimeWarning, match="second process failed"):
        got = g.betweenness()
    pd.testing.assert_series_equal(got, here)
    assert not helper.folder.exists()  # its temporary files are gone


def test_connector_role_needs_two_other_departments():
    people = pd.DataFrame(
        {"person_id": ["k"] + [f"p{i}" for i in range(9)], "department": ["K"] + ["A"] * 3 + ["B"] * 3 + ["C"] * 3, "state": "active"}
    )
    rows = [(f"t{i}", f"t{i}", None, "g", f"p{i}", f"2026-03-0{1 + i % 8}", True) for i in range(9)]
    rows += [(f"r{i}", f"t{i}", f"t{i}", "g", "k", f"2026-03-0{1 + i % 8} 12:00", False) for i in range(9)]
    from esnkit import Dataset

    m = pd.DataFrame(rows, columns=["message_id", "thread_id", "reply_to_id", "group_id", "author_id", "created_at", "is_thread_start"]).assign(
        is_private=False
    )
    ds = Dataset(people=people, groups=pd.DataFrame({"group_id": ["g"]}), messages=m)
    got = network.key_individuals(ds, as_of=AS_OF)
    assert got.iloc[0]["person_id"] == "k" and got.iloc[0]["role"] == "connector"
    assert (got.iloc[1:]["role"] != "connector").all()


def test_department_mixing():
    got = network.department_mixing(small_dataset(), as_of=AS_OF, min_group_size=1)
    expected = pd.DataFrame({"department": ["X", "Y"], "people": [2, 3], "internal": [2, 1], "external": [1, 1], "ei_index": [-1 / 3, 0.0]})
    assert_frame_equal(got, expected.astype({"department": "str"}))
    assert network.department_mixing(small_dataset(), as_of=AS_OF, min_group_size=3)["department"].tolist() == ["Y"]


def _nmi(a, b) -> float:
    """Normalised mutual information with the arithmetic mean of the entropies (sklearn's default)."""
    a, b = pd.factorize(np.asarray(a))[0], pd.factorize(np.asarray(b))[0]
    joint = pd.crosstab(a, b).to_numpy() / len(a)
    pa, pb = joint.sum(1), joint.sum(0)
    nz = joint > 0
    mi = (joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])).sum()
    ha, hb = -(pa * np.log(pa)).sum(), -(pb * np.log(pb)).sum()
    return 2 * mi / (ha + hb)


def test_nmi_helper_on_hand_cases():
    assert _nmi([0, 0, 1, 1], [5, 5, 7, 7]) == pytest.approx(1.0)
    assert _nmi([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_detect_communities_recovers_departments_of_a_real_email_network(seed):
    edges = pd.read_csv(EU / "email-Eu-core.txt", sep=r"\s+", header=None, names=["source", "target"])
    labels = pd.read_csv(EU / "email-Eu-core-department-labels.txt", sep=r"\s+", header=None, names=["node", "department"])
    assert len(edges) == 25571 and len(labels) == 1005
    found = network.detect_communities(edges, seed=seed)
    assert found["node"].dtype == "int64"
    joined = labels.merge(found, on="node")
    assert _nmi(joined["department"], joined["community"]) >= 0.55


def test_detect_communities_is_seeded_and_labels_by_size():
    edges = pd.DataFrame({"source": ["a", "a", "b", "d", "d", "e", "c"], "target": ["b", "c", "c", "e", "f", "f", "d"]})
    a = network.detect_communities(edges, seed=3)
    b = network.detect_communities(edges, seed=3)
    assert_frame_equal(a, b)
    groups = a.groupby("community")["node"].apply(lambda s: "".join(sorted(s))).tolist()
    assert sorted(groups) == ["abc", "def"]


def test_a_reaction_without_a_time_counts_at_its_messages_time():
    # Slack exports give reactions no time: a's reaction to d's thread 5 (Mar 1) counts from Mar 1.
    from esnkit import Dataset

    ds = small_dataset()
    reactions = ds.reactions.astype({"created_at": "str"}).assign(created_at=None)
    ds = Dataset(people=ds.people, groups=ds.groups, messages=ds.messages, reactions=reactions).validate()
    ties = lambda as_of: [(e["source"], e["target"], e["reactions"]) for e in network.interaction_edges(ds, as_of=as_of).to_dict("records")]
    assert ties(AS_OF) == [("a", "b", 0), ("a", "d", 1), ("b", "a", 0), ("c", "d", 0)]
    assert ties("2026-02-28") == [("a", "b", 0), ("b", "a", 0)]


def _five_people():
    """p1, p2 in X; p3, p4 in Y; p5 in Z. Ties p1>p3 (3), p3>p5 (1), p2>p4 (2) cross; p1>p2 (5) inside X."""
    from esnkit import Dataset

    people = pd.DataFrame({"person_id": ["p1", "p2", "p3", "p4", "p5"], "department": ["X", "X", "Y", "Y", "Z"]})
    edges = pd.DataFrame({"source": ["p1", "p3", "p2", "p1"], "target": ["p3", "p5", "p4", "p2"], "weight": [3, 1, 2, 5]})
    return Dataset(people=people), network.InteractionGraph(edges)


def test_department_matrix_rows_are_shares_of_what_each_department_gave():
    ds, g = _five_people()
    got = network.department_matrix(ds, graph=g, min_group_size=1)
    # X gave 5 inside, 3 to Y, 2 to Y: 5/10, 5/10. Y gave 1 to Z. Z gave nothing: no row.
    expected = pd.DataFrame({"X": [0.5, 0.0], "Y": [0.5, 0.0], "Z": [0.0, 1.0]}, index=pd.Index(["X", "Y"], name="from department"))
    expected.columns.name = "to department"
    assert_frame_equal(got, expected)


def test_department_matrix_folds_small_departments_into_other():
    ds, g = _five_people()
    got = network.department_matrix(ds, graph=g, min_group_size=2)  # Z (1 person) has no row or column of its own
    expected = pd.DataFrame(
        {"X": [0.5, 0.0], "Y": [0.5, 0.0], network.OTHER_SEGMENTS: [0.0, 1.0]}, index=pd.Index(["X", "Y"], name="from department")
    )
    expected.columns.name = "to department"
    assert_frame_equal(got, expected)
    assert network.department_matrix(ds, graph=g, min_group_size=3).empty  # no department is big enough
    unknown = ds.replace(people=ds.people.assign(department=None))
    assert network.department_matrix(unknown, graph=g, min_group_size=1).empty  # no one's department is known
    assert network.cross_department_carriers(unknown, graph=g).empty


def test_cross_department_carriers_count_a_shared_tie_once():
    ds, g = _five_people()
    # of the ties' weight, replies: p1>p3 2 (a mention besides), p3>p5 none (a reaction), p2>p4 1, p1>p2 5
    g = network.InteractionGraph(g.edges.assign(replies=[2, 0, 1, 5]))
    got = network.cross_department_carriers(ds, graph=g)
    # Cross weight 6: p3 takes part in 3 + 1, p1 in 3, p2 and p4 in 2, p5 in 1. p3 alone covers
    # the p1-p3 and p3-p5 ties (4 of 6); adding p1 covers nothing new; p2 covers the last 2.
    expected = pd.DataFrame(
        {
            "person_id": ["p3", "p1", "p2", "p4", "p5"],
            "department": ["Y", "X", "X", "Y", "Z"],
            "cross_weight": [4.0, 3.0, 2.0, 2.0, 1.0],
            "cross_replies": [2, 2, 1, 1, 0],  # p3: 2 with p1, none with p5; p1: 2; p2 and p4: 1; p5: none
            "share": [4 / 6, 3 / 6, 2 / 6, 2 / 6, 1 / 6],
            "cumulative_share": [4 / 6, 4 / 6, 1.0, 1.0, 1.0],
        }
    ).astype({"person_id": "str", "department": "str"})
    assert_frame_equal(got, expected)


def test_cross_department_share_history_cuts_each_window_by_its_days():
    # Ties by day: b>a 01-05 and a>b 01-06 (X to X), c>d and a's reaction to d 03-01 (Y to Y, X to Y).
    ds = small_dataset()
    ends = ["2026-01-01", "2026-01-06", "2026-01-07", "2026-03-02", "2027-06-01"]
    got = network.cross_department_share_history(ds, ends)
    assert np.isnan(got[0]) and got[1:4] == [0.0, 0.0, 1 / 4] and np.isnan(got[4])  # none yet; b>a; b>a, a>b; all four; all older than a year
    # A 30-day window ending 03-02 starts 01-31: only the two March ties, one of them across.
    month = network.cross_department_share_history(ds, ["2026-03-02", "2026-02-15", "2026-03-01"], window_days=30)
    assert month[0] == 1 / 2 and np.isnan(month[1]) and np.isnan(month[2])  # 02-15: nothing since 01-16; 03-01: the March ties not yet


@pytest.mark.parametrize("chunk", [1, 3])
def test_cross_department_share_history_tallies_the_ties_a_chunk_at_a_time(monkeypatch, chunk):
    # The same ties as above, read one and three tie-days at a time: the same windows' shares.
    monkeypatch.setattr(network, "TIE_CHUNK", chunk)
    ds = small_dataset()
    got = network.cross_department_share_history(ds, ["2026-01-01", "2026-01-06", "2026-01-07", "2026-03-02", "2027-06-01"])
    assert np.isnan(got[0]) and got[1:4] == [0.0, 0.0, 1 / 4] and np.isnan(got[4])
    assert network.cross_department_share_history(ds, ["2026-03-02"], people=["c", "d"]) == [1 / 2]  # c>d inside, a>d across
    assert np.isnan(network.cross_department_share_history(ds, ["2026-03-02"], window_days=0)[0])  # an empty window


def test_cross_department_share_whole_network_and_one_department():
    ds = small_dataset()
    assert network.cross_department_share(ds, as_of=AS_OF) == 1 / 4  # a>d of b>a, a>b, c>d, a>d
    assert network.cross_department_share(ds, as_of=AS_OF, people=["c", "d"]) == 1 / 2  # c>d inside, a>d across
    assert np.isnan(network.cross_department_share(ds, as_of="2026-01-04"))  # no tie yet


def test_two_way_share_counts_pairs_not_ties():
    edges = pd.DataFrame({"source": ["a", "b", "a", "c", "a", "d"], "target": ["b", "a", "c", "c", "b", "a"]})
    # Pairs with a tie: a-b (both ways, twice one way), a-c (one way), a-d (one way); c-c is a self-tie.
    assert network.two_way_share(edges) == 1 / 3
    assert np.isnan(network.two_way_share(edges.iloc[3:4]))


def test_two_way_share_on_the_real_email_eu_core_network():
    edges = pd.read_csv(EU / "email-Eu-core.txt", sep=r"\s+", header=None, names=["source", "target"])
    assert round(network.two_way_share(edges), 4) == 0.5519  # reciprocated pairs / related pairs, computed independently
    graph = network.InteractionGraph(edges.astype(str).drop_duplicates().assign(weight=1))
    assert round(network.two_way_share(graph), 4) == 0.5519  # the same on the graph's integer codes


def test_community_two_way_share_counts_ties_made_inside_each_community():
    # g1: b replies to a, a replies to b (both ways); g2: c replies to d, a reacts to d (two one-way pairs).
    got = network.community_two_way_share(small_dataset(), as_of=AS_OF)
    expected = pd.Series([1.0, 0.0], index=pd.Index(["g1", "g2"], name="group_id"), name="two_way_share")
    pd.testing.assert_series_equal(got, expected)


def test_influencer_risk_score_measures_the_drop_from_the_top_person():
    flat = pd.Series([0.1] * 10)
    steep = pd.Series([0.9] + [0.01] * 9)
    assert network.influencer_risk_score(flat) == 0.0
    assert network.influencer_risk_score(steep) == pytest.approx(1 - 0.01 / 0.9)
    curve = network.influence_curve(pd.Series([2.0, 4.0, 1.0]))
    assert_frame_equal(curve, pd.DataFrame({"rank": np.array([1, 2, 3], dtype="int64"), "relative": [1.0, 0.5, 0.25]}))


def _leader_world():
    """L leads m1 and p3; m1 leads p1 and p2; x is outside. L started two threads."""
    from esnkit import Dataset

    people = pd.DataFrame(
        {
            "person_id": ["L", "m1", "p1", "p2", "p3", "x"],
            "manager_id": [None, "L", "m1", "m1", "L", None],
            "grade": ["G5", "G4", "G1", "G1", "G1", "G2"],
        }
    )
    messages = pd.DataFrame(
        {
            "message_id": ["1", "2"],
            "thread_id": ["1", "2"],
            "group_id": ["g", "g"],
            "author_id": ["L", "L"],
            "created_at": ["2026-02-01", "2026-03-01"],
            "is_thread_start": [True, True],
            "is_private": [False, False],
        }
    )
    ds = Dataset(people=people, groups=pd.DataFrame({"group_id": ["g"]}), messages=messages)
    edges = pd.DataFrame({"source": ["p1", "L", "p2", "x", "L"], "target": ["L", "p1", "L", "L", "m1"], "weight": [2, 1, 1, 1, 1]})
    return ds, network.InteractionGraph(edges)


def test_organisation_walks_the_manager_chain():
    ds, _ = _leader_world()
    got = network.organisation(ds.people, ["L", "m1"])
    expected = pd.DataFrame({"leader_id": ["L", "L", "L", "L", "m1", "m1"], "person_id": ["m1", "p1", "p2", "p3", "p1", "p2"]})
    assert_frame_equal(got, expected.astype("str"))


def test_leader_reach_by_hand():
    ds, g = _leader_world()
    got = network.leader_reach(ds, ["L"], as_of="2026-03-31", graph=g, min_group_size=1)
    # Reached by p1, p2 and x; of L's four people, p1 and p2 reached out, m1 was reached: 3 of 4 tied;
    # of the two who reached out, L answered p1: a half.
    expected = pd.DataFrame(
        {"person_id": ["L"], "posts": [2], "reach": [3], "organisation": [4], "organisation_reached": [0.75], "responds_to_their_people": [0.5]}
    ).astype({"person_id": "str"})
    assert_frame_equal(got, expected)
    small = network.leader_reach(ds, ["L"], as_of="2026-03-31", graph=g, min_group_size=5)  # an organisation of 4 is under the floor
    assert small["organisation_reached"].isna().all() and small["responds_to_their_people"].isna().all() and small["reach"].tolist() == [3]


def test_department_ties_sum_both_directions_between_departments():
    ds, g = _five_people()
    got = network.department_ties(ds, graph=g, min_group_size=1)
    # X-Y: p1>p3 (3) and p2>p4 (2); Y-Z: p3>p5 (1); inside X (p1>p2) is not a tie between departments
    expected = pd.DataFrame({"a": ["X", "Y"], "b": ["Y", "Z"], "interactions": [5, 1], "people_a": [2, 2], "people_b": [2, 1]})
    assert_frame_equal(got, expected.astype({"a": "str", "b": "str"}))
    assert network.department_ties(ds, graph=g, min_group_size=2)["b"].tolist() == ["Y"]  # Z (1 person) left out
