"""Matching predicted items to gold items: bipartite matching, ordered overlap, P/R/F1.

Shared by WorfBench (workflow nodes) and T-Eval (plan steps). Both upstream evaluators build a
networkx graph of the pairs above a similarity threshold and take ``max_weight_matching``;
reproducing that exactly (node labels, insertion order, float weights) keeps tie-breaking
identical, which matters when a plan repeats a step text.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float


ZERO = PRF(0.0, 0.0, 0.0)


def max_weight_matching(similarity: np.ndarray, threshold: float) -> dict[int, int]:
    """Map predicted index → gold index by maximum-weight matching of pairs above ``threshold``.

    ``similarity`` is (n_pred × n_gold). Predicted items are graph nodes ``i`` (int), gold
    items ``str(j)``; edges are added in predicted-major order with plain float weights.
    """
    graph = nx.Graph()
    rows, cols = similarity.shape if similarity.ndim == 2 else (0, 0)
    for i in range(rows):
        for j in range(cols):
            weight = float(similarity[i, j])
            if weight > threshold:
                graph.add_edge(i, str(j), weight=weight)
    matched: dict[int, int] = {}
    for left, right in nx.max_weight_matching(graph):
        pred, gold = (left, right) if isinstance(left, int) else (right, left)
        matched[pred] = int(gold)
    return matched


def longest_ordered_match(gold_index_per_pred: Sequence[int | None]) -> int:
    """Length of the longest chain of predictions whose matched gold indices increase.

    As the upstream evaluators compute it: every prediction starts a chain of length 1,
    matched or not, so any non-empty prediction scores at least 1. Upstream's quadratic DP
    equals max(1, longest strictly increasing subsequence of the matched indices), computed
    here in O(n log n) (patience sorting) so that long answers stay cheap.
    """
    seq = list(gold_index_per_pred)
    if not seq:
        return 0
    tails: list[int] = []  # tails[k]: smallest last value of an increasing chain of k + 1
    for value in seq:
        if value is None:
            continue
        position = bisect.bisect_left(tails, value)
        if position == len(tails):
            tails.append(value)
        else:
            tails[position] = value
    return max(1, len(tails))


def precision_recall_f1(correct: float, n_pred: int, n_gold: int) -> PRF:
    """P = correct/n_pred, R = correct/n_gold, F1 their harmonic mean (0 where undefined)."""
    precision = correct / n_pred if n_pred else 0.0
    recall = correct / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1)


def ordered_match_score(similarity: np.ndarray, threshold: float) -> PRF:
    """Match, then score the longest order-preserving chain of matches (WorfBench, T-Eval plan)."""
    n_pred, n_gold = similarity.shape
    if n_pred == 0 or n_gold == 0:
        return ZERO
    matched = max_weight_matching(similarity, threshold)
    chain = longest_ordered_match([matched.get(i) for i in range(n_pred)])
    return precision_recall_f1(chain, n_pred, n_gold)
