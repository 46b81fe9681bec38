"""WorfBench parser and scorers against hand-computed cases (one-hot embeddings) and edge cases."""

from __future__ import annotations

import dataclasses
import math
import re
import time

import numpy as np
import pytest
from fakes import OneHotEmbedder
from hypothesis import given, settings
from hypothesis import strategies as st

from acbench_tasks.common.matching import (
    ZERO,
    longest_ordered_match,
    max_weight_matching,
    ordered_match_score,
    precision_recall_f1,
)
from acbench_tasks.worfbench.worfbench import (
    MAX_PREDICTED_NODES,
    Workflow,
    gold_trajectories,
    parse_workflow,
    score_workflow,
)


def graph(nodes: list[str], edges: str) -> str:
    lines = "\n".join(f"{i}: {text}" for i, text in enumerate(nodes, 1))
    return f"Node:\n{lines}\nEdge: {edges}"


LINEAR3 = graph(
    ["open the fridge", "take the milk", "close the fridge"], "(START,1) (1,2) (2,3) (3,END)"
)
# 1 fans out to 2 and 3, which join at 4.
DIAMOND = graph(
    ["find the recipe", "buy flour", "buy eggs", "bake the cake"],
    "(START,1) (1,2) (1,3) (2,4) (3,4) (4,END)",
)


def score(prediction: str, gold: str):
    return score_workflow(prediction, gold, OneHotEmbedder())


# ----------------------------------------------------------------------------- parser
def test_parser_reads_nodes_anywhere_and_edges():
    parsed = parse_workflow("Plan Node: 1: a\n2. b\nsee 3: c\nEdge: (START, 1) (1,2)(2 ,3) (3,END)")
    assert parsed == Workflow(
        ("a", "b", "c"), (("START", "1"), ("1", "2"), ("2", "3"), ("3", "END"))
    )


def test_parser_node_rules():
    # "1:" + two spaces is an empty node; "1:text" (no space) is not a node.
    parsed = parse_workflow("Node:\n1:  \n2:text\n3: real\nEdge: (START,1)")
    assert parsed.nodes == ("", "real")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        None,
        42,
        "Edge: (START,1) (1,END)",  # no "Node"
        "Node:\n1: a\n2: b",  # no edges
        "node:\n1: a\nEdge: (START,1)",  # "Node" is case-sensitive
    ],
)
def test_parser_unparsed(text):
    assert parse_workflow(text) is None


def test_edges_without_nodes_parse_to_zero_nodes():
    assert parse_workflow("Node: none\nEdge: (START,END)").nodes == ()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_parser_and_scorer_never_raise(text):
    parse_workflow(text)
    for candidate in (text, f"Node:\n1: {text}\nEdge: (START,1) (1,END)", "Node:\n" + text):
        metrics = score(candidate, LINEAR3).as_metrics()
        assert all(0.0 <= v <= 1.0 for v in metrics.values())


# ----------------------------------------------------------------------------- gold orders
def test_small_gold_uses_topological_orders():
    texts, orders = gold_trajectories(parse_workflow(DIAMOND))
    assert texts == ["find the recipe", "buy flour", "buy eggs", "bake the cake"]
    assert sorted(orders) == [[0, 1, 2, 3], [0, 2, 1, 3]]


def test_large_gold_is_one_start_end_list():
    nodes = [f"step {chr(97 + i)}" for i in range(8)]
    gold = parse_workflow(graph(nodes, "(START,1) (1,END)"))
    texts, orders = gold_trajectories(gold)
    assert texts == ["START", *nodes, "END"]
    assert orders == [list(range(10))]


def test_at_most_20_orders():
    # 5 independent branches: 120 orders, only the first 20 are used.
    gold = parse_workflow(
        graph(list("abcde"), " ".join(f"(START,{i}) ({i},END)" for i in range(1, 6)))
    )
    assert len(gold_trajectories(gold)[1]) == 20


def test_cyclic_gold_falls_back_to_text_order():
    gold = parse_workflow(graph(list("abc"), "(START,1) (1,2) (2,1) (2,3) (3,END)"))
    assert gold_trajectories(gold)[1] == [[0, 1, 2]]


# ----------------------------------------------------------------------------- node F1
def test_perfect_small_gold():
    result = score(LINEAR3, LINEAR3)
    assert (result.node.precision, result.node.recall, result.node.f1) == (1.0, 1.0, 1.0)
    assert result.parsed


def test_perfect_copy_of_large_gold_has_recall_n_over_n_plus_2():
    gold = graph(
        [f"subtask number {w}" for w in "abcdefgh"],
        " ".join(["(START,1)"] + [f"({i},{i + 1})" for i in range(1, 8)] + ["(8,END)"]),
    )
    result = score(gold, gold)
    assert result.node.precision == 1.0
    assert result.node.recall == pytest.approx(8 / 10)
    assert result.node.f1 == pytest.approx(2 * 0.8 / 1.8)


def test_reordered_parallel_branches_are_not_penalised():
    swapped = graph(
        ["find the recipe", "buy eggs", "buy flour", "bake the cake"],
        "(START,1) (1,2) (1,3) (2,4) (3,4) (4,END)",
    )
    assert score(swapped, DIAMOND).node.f1 == 1.0
    # The same swap against a linear gold breaks the order: chain of 3 out of 4.
    linear = graph(
        ["find the recipe", "buy flour", "buy eggs", "bake the cake"],
        "(START,1) (1,2) (2,3) (3,4) (4,END)",
    )
    result = score(swapped, linear)
    assert (result.node.precision, result.node.recall) == (0.75, 0.75)


def test_missing_and_extra_nodes():
    pred = graph(
        ["open the fridge", "close the fridge", "dance", "sing"], "(START,1) (1,2) (2,END)"
    )
    result = score(pred, LINEAR3)  # chain "open", "close" = 2
    assert result.node.precision == pytest.approx(2 / 4)
    assert result.node.recall == pytest.approx(2 / 3)
    assert result.node.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_unmatched_prediction_still_gets_chain_of_one():
    # ACBench quirk kept on purpose: every predicted node starts a chain of length 1.
    pred = graph(["dance", "sing"], "(START,1) (1,2) (2,END)")
    result = score(pred, LINEAR3)
    assert result.node.precision == pytest.approx(1 / 2)
    assert result.node.recall == pytest.approx(1 / 3)
    assert result.node.f1 == pytest.approx(0.4)


def test_duplicate_node_texts():
    gold = graph(["press the button", "wait", "press the button"], "(START,1) (1,2) (2,3) (3,END)")
    pred = graph(["press the button", "press the button", "wait"], "(START,1) (1,2) (2,3) (3,END)")
    result = score(pred, gold)  # whichever tie networkx picks, the longest chain is 2
    assert result.node.precision == pytest.approx(2 / 3)
    assert result.node.recall == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "prediction",
    [
        "",
        "I cannot help with that.",
        "Node:\n1: open the fridge",  # no edges
        "}{][)(\x00\ufffd" * 50,
        "Edge: (START,1) (1,END)",  # no "Node"
    ],
)
def test_unparsed_predictions_score_zero(prediction):
    metrics = score(prediction, LINEAR3).as_metrics()
    assert metrics == {
        "node_f1": 0.0,
        "node_precision": 0.0,
        "node_recall": 0.0,
        "graph_f1": 0.0,
        "parse_rate": 0.0,
    }


def test_edges_but_no_nodes_scores_zero_but_parsed():
    metrics = score("Node: none\nEdge: (START,END)", LINEAR3).as_metrics()
    assert metrics["node_f1"] == 0.0 and metrics["parse_rate"] == 1.0


def test_ten_thousand_character_output():
    filler = "\n".join(f"{i}: wander around the kitchen aimlessly {i}" for i in range(4, 260))
    pred = LINEAR3.replace("Edge:", filler + "\nEdge:")
    assert len(pred) > 10_000
    result = score(pred, LINEAR3)
    n_pred = 3 + 256
    assert result.node.precision == pytest.approx(3 / n_pred)
    assert result.node.recall == 1.0


def test_bad_gold_raises():
    with pytest.raises(ValueError, match="gold workflow"):
        score(LINEAR3, "no graph here")


# ----------------------------------------------------------------------------- graph F1
def test_graph_f1_perfect():
    assert score(LINEAR3, LINEAR3).graph.f1 == 1.0


def test_graph_f1_hand_computed():
    # Nodes all match; edges: pred has (START,1) (1,3) (3,2) (2,END); only (START,1) is gold.
    pred = LINEAR3.replace("(START,1) (1,2) (2,3) (3,END)", "(START,1) (1,3) (3,2) (2,END)")
    # Common subgraph: nodes {0,1,2} + START, one edge START→0; largest weak component {START,0}:
    # 1 node + 1 edge = 2 correct of 3 + 4 predicted and 3 + 4 gold items.
    result = score(pred, LINEAR3).graph
    assert result.precision == pytest.approx(2 / 7)
    assert result.recall == pytest.approx(2 / 7)


# ----------------------------------------------------------------------------- shared matching
def test_threshold_is_strict():
    sim = np.array([[0.6, 0.61]], np.float32)
    assert max_weight_matching(sim, 0.6) == {0: 1}


def test_matching_maximises_total_weight():
    # Greedy would take (0,0)=0.9 and leave 1 unmatched; the optimum is 0.8 + 0.85.
    sim = np.array([[0.9, 0.8], [0.85, 0.0]])
    assert max_weight_matching(sim, 0.6) == {0: 1, 1: 0}


@pytest.mark.parametrize(
    "seq, expected",
    [
        ([], 0),
        ([None], 1),
        ([None, None], 1),
        ([0, 1, 2], 3),
        ([2, 1, 0], 1),
        ([0, None, 1], 2),
        ([1, 0, 2, 3], 3),
    ],
)
def test_longest_ordered_match(seq, expected):
    assert longest_ordered_match(seq) == expected


def test_prf_edge_cases():
    assert precision_recall_f1(0, 0, 0).f1 == 0.0
    prf = precision_recall_f1(1, 2, 4)
    assert (prf.precision, prf.recall) == (0.5, 0.25)
    assert math.isclose(prf.f1, 2 * 0.5 * 0.25 / 0.75)
    assert ordered_match_score(np.zeros((0, 3)), 0.6).f1 == 0.0


def _upstream_lis(seq):
    """The upstream evaluators' quadratic DP, for comparison."""
    best = [1] * len(seq)
    for i, current in enumerate(seq):
        for k in range(i):
            if current is not None and seq[k] is not None and seq[k] < current:
                best[i] = max(best[i], best[k] + 1)
    return max(best, default=0)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 12)), max_size=15))
def test_longest_ordered_match_equals_the_upstream_dp(seq):
    assert longest_ordered_match(seq) == _upstream_lis(seq)


# ----------------------------------------------------------------------------- hardening
UPSTREAM_NODE_RE = re.compile(r"\d+[:.] (.+)")  # the reference's pattern, quadratic on digits


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="12:. ab\n", max_size=40))
def test_node_pattern_finds_exactly_the_reference_matches(text):
    assert [m.strip() for m in UPSTREAM_NODE_RE.findall(text)] == list(
        (parse_workflow("Node (1,2) " + text) or Workflow((), ())).nodes
    )


def test_long_digit_runs_parse_in_linear_time():
    text = "Node (START,1) " + "9" * 200_000
    start = time.perf_counter()
    assert parse_workflow(text).nodes == ()
    assert time.perf_counter() - start < 0.5  # the reference's pattern takes minutes here


def test_huge_edge_label_is_unparsed_as_in_the_reference():
    # The reproducer: the reference's int() raises, its parser returns "unparsed".
    result = score("Node:\n1: a\nEdge: (START," + "9" * 4301 + ")", LINEAR3)
    assert result == dataclasses.replace(result, node=ZERO, graph=ZERO, parsed=False)
    assert "4301 digits" in result.note and "unparsed" in result.note
    # 4,300 digits still convert: an edge to a node that does not exist, ignored
    kept = score(graph(["open the fridge"], "(START," + "9" * 4300 + ")"), LINEAR3)
    assert kept.parsed and kept.note is None and kept.node.precision == 1.0


def test_answers_with_too_many_nodes_are_not_scored():
    many = graph(["open the fridge"] * (MAX_PREDICTED_NODES + 1), "(START,1)")
    result = score(many, LINEAR3)
    assert result.node.f1 == 0.0 and result.parsed and "1001 nodes" in result.note


def test_labels_with_leading_zeros_and_unicode_digits_still_count():
    gold = graph(["a", "b"], "(START,1) (1,2) (2,END)")
    assert score(graph(["a", "b"], "(START,01) (01,2) (٢,END)"), gold).graph.f1 == 1.0
