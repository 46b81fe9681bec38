"""WorfBench workflow generation: data, prompt, parser and scorers (ACBench §2).

The model reads a task and its action list and answers with a workflow graph::

    Node:
    1: <subtask>
    2: <subtask>
    Edge: (START,1) (1,2) (2,END)

Scoring reproduces ACBench's evaluator by default (``scoring_mode: exact``):

* node F1 — predicted nodes are matched to each gold topological order by sentence-embedding
  similarity (> 0.6, maximum-weight matching); the longest order-preserving chain of matches
  gives P, R and F1; the best order counts. Golds with 8 or more nodes use one order: the node
  list with literal ``START``/``END`` entries (so even a perfect copy has R = n/(n+2)); smaller
  golds use the first 20 orders of ``networkx.all_topological_sorts``.
* graph F1 — the upstream secondary metric: nodes matched as above (one matching against all
  gold nodes), then P/R/F1 over the nodes and edges of the largest weakly connected component of
  the common subgraph (START/END count as edge endpoints, not as nodes).

Predictions without ``Node`` or without any edge are unparsed and score 0; so does a prediction
with edges but no nodes (the original evaluator crashes there). Both count in the mean.

Any text scores, in time linear in its length. Where the reference cannot read an answer, it
scores 0 and the per-sample log's ``scoring_error`` says why: an edge label of more digits than
Python's ``int()`` converts (4,300) makes the reference's parser give up, so the answer is
unparsed, as there; an answer of more than :data:`MAX_PREDICTED_NODES` nodes (far beyond what
1,024 generated tokens can hold) is not scored. Gold records are checked when the subset loads:
a parseable graph whose edges name existing nodes, at most :data:`MAX_GOLD_CHARS` characters.
``scoring_mode: fast`` caches embeddings per distinct string: ~5× faster, different on about 1%
of samples (ties between duplicate node texts).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import networkx as nx
import numpy as np

from acbench_core.catalog import benchmark
from acbench_core.data_sources import (
    DataSourceError,
    Provenance,
    load_json_file,
    resolve_source,
)
from acbench_tasks.common.chat import ChatTask, Message
from acbench_tasks.common.embeddings import SentenceEmbedder, cosine_similarity, task_embedder
from acbench_tasks.common.guard import INT_MAX_DIGITS, SCORING_ERROR
from acbench_tasks.common.matching import (
    PRF,
    ZERO,
    max_weight_matching,
    ordered_match_score,
    precision_recall_f1,
)
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.records import convert_records

logger = logging.getLogger(__name__)

#: The seven subsets ACBench evaluates (sizes upstream: 312, 489, 20, 93, 114, 133, 262).
SUBSETS: tuple[str, ...] = (
    "alfworld",
    "lumos",
    "os",
    "toolalpaca",
    "toolbench",
    "webshop",
    "wikihow",
)
#: In the upstream test set but not in ACBench; loadable with ``subset`` in --metadata.
EXTRA_SUBSETS: tuple[str, ...] = ("intercodesql", "seal_tools")

DATA = benchmark("worfbench").dataset().with_samples(Path(__file__).parent / "samples")

NODE_MATCH_THRESHOLD = 0.6
MAX_TOPOLOGICAL_ORDERS = 20
LINEAR_GOLD_MIN_NODES = 8  # golds this large are scored as one START..END list
#: Answers with more nodes are scored 0 (each node takes a line: 1,024 tokens hold ~300).
MAX_PREDICTED_NODES = 1000
#: Longest gold graph text accepted (upstream's longest, wikihow, has ~2,700 characters).
MAX_GOLD_CHARS = 100_000
TURN_PREFIX = "Now it's your turn.\n"
DEFAULT_SYSTEM_PROMPT = (
    "You are a task planner. Break the task into subtask nodes and connect them into a "
    "workflow graph from START to END. Answer in the format:\nNode:\n1: <subtask>\n"
    "2: <subtask>\nEdge: (START,1) (1,2) (2,END)"
)

# ``(?<!\d)``: a match can only start at the first digit of a run (one starting inside the
# run would end at the same ``:``/``.``), so findall gives the reference's matches in linear
# time instead of rescanning every digit run from each of its digits.
_NODE_RE = re.compile(r"(?<!\d)\d+[:.] (.+)")
_EDGE_RE = re.compile(r"\(\s*(\d+|START)\s*,\s*(\d+|END)\s*\)")


# ----------------------------------------------------------------------------- parsing
@dataclass(frozen=True)
class Workflow:
    """A parsed answer: node texts in text order and raw edges (``"START"``, ``"3"``, ...)."""

    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]


def parse_workflow(text: Any) -> Workflow | None:
    """Parse nodes and edges as ACBench does; ``None`` means unparsed. Never raises."""
    if not isinstance(text, str) or "Node" not in text:
        return None
    edges = tuple(_EDGE_RE.findall(text))
    if not edges:
        return None
    return Workflow(tuple(m.strip() for m in _NODE_RE.findall(text)), edges)


def _oversized_label(workflow: Workflow) -> str | None:
    """The first edge label with more digits than Python's ``int()`` converts, if any."""
    for edge in workflow.edges:
        for label in edge:
            if len(label) > INT_MAX_DIGITS:
                return label
    return None


def _node_index(label: str, n_nodes: int) -> int | None:
    """0-based node index of a numeric label, or None when no such node exists."""
    if len(label) > INT_MAX_DIGITS:  # int() would raise
        return None
    index = int(label) - 1
    return index if 0 <= index < n_nodes else None


def _endpoint(label: str, n_nodes: int) -> int:
    """START → 0, END → n+1, k → k (the upstream numbering)."""
    if label == "START":
        return 0
    if label == "END":
        return n_nodes + 1
    return int(label)


def gold_trajectories(gold: Workflow) -> tuple[list[str], list[list[int]]]:
    """Texts to embed for a gold graph, and the orders (row indices) to score against.

    Golds with 8+ nodes: one order over ``START, nodes..., END``. Smaller golds: up to 20
    topological orders in networkx's enumeration order. A cyclic gold (malformed data) falls
    back to its text order.
    """
    n = len(gold.nodes)
    if n >= LINEAR_GOLD_MIN_NODES:
        return ["START", *gold.nodes, "END"], [list(range(n + 2))]
    graph = nx.DiGraph()
    graph.add_nodes_from(range(n + 2))
    graph.add_edges_from((_endpoint(a, n), _endpoint(b, n)) for a, b in gold.edges)
    orders: list[list[int]] = []
    try:
        for order in itertools.islice(nx.all_topological_sorts(graph), MAX_TOPOLOGICAL_ORDERS):
            orders.append([k - 1 for k in order if 1 <= k <= n])
    except nx.NetworkXUnfeasible:
        logger.warning("WorfBench gold graph has a cycle; scoring its text order only")
        orders = [list(range(n))]
    return list(gold.nodes), orders


# ----------------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class WorkflowScore:
    """Per-sample scores; ``parsed`` is False when the prediction could not be read."""

    node: PRF
    graph: PRF
    parsed: bool
    #: Why the answer was not scored normally (None when it was); goes to ``scoring_error``.
    note: str | None = None

    def as_metrics(self) -> dict[str, float]:
        return {
            "node_f1": self.node.f1,
            "node_precision": self.node.precision,
            "node_recall": self.node.recall,
            "graph_f1": self.graph.f1,
            "parse_rate": float(self.parsed),
        }


UNPARSED = WorkflowScore(ZERO, ZERO, parsed=False)
register_mean_metrics(UNPARSED.as_metrics())


def node_scores(similarity: np.ndarray, orders: Sequence[Sequence[int]]) -> PRF:
    """Best P/R/F1 over the gold's orders (first maximum wins); ``similarity`` is pred × texts."""
    best = ZERO
    for order in orders:
        score = ordered_match_score(similarity[:, list(order)], NODE_MATCH_THRESHOLD)
        if score.f1 > best.f1:
            best = score
    return best


def _edge_set(workflow: Workflow, node_map: Mapping[int, int] | None) -> set[tuple[Any, Any]]:
    """Edges as (source, target) over gold node indices; predicted nodes go through node_map."""
    n = len(workflow.nodes)
    edges = set()
    for a, b in workflow.edges:
        ends = []
        for label in (a, b):
            if label in ("START", "END"):
                ends.append(label)
                continue
            index = _node_index(label, n)
            if index is None:
                break
            if node_map is not None:
                if index not in node_map:
                    break
                index = node_map[index]
            ends.append(index)
        if len(ends) == 2:
            edges.add((ends[0], ends[1]))
    return edges


def graph_scores(pred: Workflow, gold: Workflow, similarity: np.ndarray) -> PRF:
    """Node+edge P/R/F1 of the largest weakly connected component of the common subgraph.

    ``similarity`` is predicted nodes × gold nodes.
    """
    matched = max_weight_matching(similarity, NODE_MATCH_THRESHOLD)
    common = nx.DiGraph()
    common.add_nodes_from(matched.values())
    gold_edges = _edge_set(gold, None)
    common.add_edges_from(_edge_set(pred, matched) & gold_edges)
    if common.number_of_nodes() == 0:
        return ZERO
    component = max(nx.weakly_connected_components(common), key=len)
    sub = common.subgraph(component)
    correct = sum(1 for v in sub if v not in ("START", "END")) + sub.number_of_edges()
    return precision_recall_f1(
        correct, len(pred.nodes) + len(pred.edges), len(gold.nodes) + len(gold_edges)
    )


def score_workflow(prediction: Any, gold_text: str, embedder: SentenceEmbedder) -> WorkflowScore:
    """Score one generation against its gold graph text. Never raises on bad predictions.

    Raises ``ValueError`` for a gold that does not parse (rejected when the data loads).
    """
    pred = parse_workflow(prediction)
    gold = parse_workflow(gold_text)
    if gold is None or not gold.nodes:
        raise ValueError(f"gold workflow is not parseable: {str(gold_text)[:80]!r}")
    if pred is None:
        return UNPARSED
    oversized = _oversized_label(pred)
    if oversized is not None:  # the reference's int() raises; its parser returns "unparsed"
        return dataclasses.replace(
            UNPARSED,
            note=f"edge label of {len(oversized)} digits (more than Python's int() converts, "
            f"{INT_MAX_DIGITS}): unparsed, as in the reference evaluator",
        )
    if not pred.nodes:  # edges but no nodes: scored 0, still counted as parsed
        return WorkflowScore(ZERO, ZERO, parsed=True)
    if len(pred.nodes) > MAX_PREDICTED_NODES:
        return WorkflowScore(
            ZERO,
            ZERO,
            parsed=True,
            note=f"{len(pred.nodes)} nodes, more than {MAX_PREDICTED_NODES}: not scored",
        )
    texts, orders = gold_trajectories(gold)
    # One encode call for the prediction and one for the gold, as the reference evaluator.
    similarity = cosine_similarity(embedder.encode(pred.nodes), embedder.encode(texts))
    first = (len(texts) - len(gold.nodes)) // 2  # 1 when texts are START, nodes..., END
    node_similarity = similarity[:, first : first + len(gold.nodes)]
    return WorkflowScore(
        node_scores(similarity, orders), graph_scores(pred, gold, node_similarity), parsed=True
    )


# ----------------------------------------------------------------------------- data
@functools.lru_cache(maxsize=1)
def fewshot_examples() -> dict[str, list[dict[str, str]]]:
    """Two worked examples per subset, written for ACBench (not taken from the test set)."""
    with open(Path(__file__).parent / "fewshot.json", encoding="utf-8") as handle:
        return json.load(handle)


def record_to_doc(record: Mapping[str, Any], subset: str) -> dict[str, str]:
    """Flatten an upstream record into the fields the task uses; raises on missing fields."""
    turns = record.get("conversations")
    if not isinstance(turns, list) or not all(isinstance(t, Mapping) for t in turns):
        raise ValueError("no 'conversations' list")
    by_role: dict[str, str] = {}
    for turn in turns:
        if isinstance(turn.get("content"), str):
            by_role[str(turn.get("role"))] = turn["content"]  # last turn of each role wins
    if "user" not in by_role:
        raise ValueError("no user turn in 'conversations'")
    gold_text = by_role.get("assistant")
    if isinstance(gold_text, str) and len(gold_text) > MAX_GOLD_CHARS:
        raise ValueError(f"gold graph of {len(gold_text)} characters (at most {MAX_GOLD_CHARS})")
    gold = parse_workflow(gold_text)
    if gold is None or not gold.nodes:
        raise ValueError("no parseable gold graph in the assistant turn")
    check_gold_edges(gold)
    return {
        "id": str(record.get("id", "")),
        "subset": subset,
        "system": by_role.get("system", DEFAULT_SYSTEM_PROMPT),
        "user": by_role["user"],
        "gold": by_role["assistant"],
    }


def check_gold_edges(gold: Workflow) -> None:
    """Raise ``ValueError`` unless every numbered edge endpoint names one of the gold's nodes.

    The reference evaluator crashes on such a gold (index out of range, or ``int()`` of a huge
    label); every record of the nine upstream subsets passes.
    """
    n = len(gold.nodes)
    for edge in gold.edges:
        for label in edge:
            if label not in ("START", "END") and _node_index(label, n) is None:
                shown = label if len(label) <= 12 else f"of {len(label)} digits"
                raise ValueError(f"gold edge {shown} names no node (the graph has {n} nodes)")


def load_sourced_records(
    subset: str, metadata: Mapping[str, Any] | None = None
) -> tuple[list[dict[str, str]], Provenance]:
    """Records of one subset from the configured data source, flattened by :func:`record_to_doc`,
    and where they were read (kind, dataset or folder, revision, file)."""
    if subset not in SUBSETS + EXTRA_SUBSETS:
        raise DataSourceError(
            f"unknown WorfBench subset {subset!r}; ACBench subsets: {', '.join(SUBSETS)} "
            f"(also available: {', '.join(EXTRA_SUBSETS)})"
        )
    source = resolve_source(DATA, metadata)
    path = source.fetch([f"gold_traj/{subset}/graph_eval.json", f"{subset}.json"])
    raw = load_json_file(path)
    if not isinstance(raw, list):
        raise DataSourceError(f"WorfBench {subset} ({path}): expected a JSON list")
    docs = convert_records(
        raw, lambda record: record_to_doc(record, subset), f"WorfBench {subset} ({path})"
    )
    logger.info("WorfBench %s: %d records from %s", subset, len(docs), source.describe())
    return docs, source.provenance()


def load_records(subset: str, metadata: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
    """Records of one subset from the configured data source, flattened by :func:`record_to_doc`."""
    return load_sourced_records(subset, metadata)[0]


def load_dataset(worfbench_subset: str, **metadata: Any) -> datasets.DatasetDict:
    """lm-eval ``custom_dataset`` entry point: one subset as a ``test`` split."""
    return datasets.DatasetDict(
        {"test": datasets.Dataset.from_list(load_records(worfbench_subset, metadata))}
    )


# ----------------------------------------------------------------------------- lm-eval task
def build_messages(doc: Mapping[str, str]) -> list[Message]:
    """System prompt, the subset's two worked examples as turns, then the query."""
    messages: list[Message] = [{"role": "system", "content": doc["system"]}]
    for example in fewshot_examples().get(doc["subset"], []):
        messages.append({"role": "user", "content": example["user"]})
        messages.append({"role": "assistant", "content": example["assistant"]})
    messages.append({"role": "user", "content": TURN_PREFIX + doc["user"]})
    return messages


class WorfBenchTask(ChatTask):
    """One WorfBench subset as an lm-eval task.

    Task metadata (YAML ``metadata`` or ``--metadata``) understood here:
    ``embedding_model`` (default: upstream mpnet when available, else offline MiniLM),
    ``scoring_mode`` (``exact`` | ``fast``), plus the data-source keys ``data_source`` and
    ``data_dir``. The model and mode actually used are written back into the task's metadata,
    so they appear under ``configs`` in the results file.
    """

    def load_documents(self, options: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
        docs, provenance = load_sourced_records(str(options.get("worfbench_subset")), options)
        self.record_sources(data=[provenance])
        return docs, {}

    def doc_to_messages(self, doc: dict) -> list[Message]:
        return build_messages(doc)

    def embedded_examples(self) -> int:
        """The subset's worked examples (two), turns of every prompt (:func:`build_messages`)."""
        subset = (self.config.dataset_kwargs or {}).get("worfbench_subset")
        return len(fewshot_examples().get(str(subset), []))

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return doc["gold"]

    @functools.cached_property
    def embedder(self) -> SentenceEmbedder:
        return task_embedder(self.config.metadata)

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        prediction = results[0] if results else ""
        score = score_workflow(prediction, doc["gold"], self.embedder)
        return {**score.as_metrics(), SCORING_ERROR: score.note}
