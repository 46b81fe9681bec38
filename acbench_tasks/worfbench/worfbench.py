"""WorfBench workflow generation: data, prompt, parser and scorers (ACBench §2).

The model reads a task and its action list and answers with a workflow graph::

    Node:
    1: <subtask>
    2: <subtask>
    Edge: (START,1) (1,2) (2,END)

The prompt is the one ACBench's ``node_eval.build_message`` built (``protocol: acbench``, the
default): the record's system turn, the subset's worked examples, the record's user turn after
``"Now it's your turn.\\n"``; the examples are ``two_shot_example`` of pprp/ACBench's
``acbench/prompts/eval_prompt.py`` at the pinned commit, read at run time
(:mod:`acbench_tasks.common.upstream`) and parsed, never imported. Without a chat template the
messages are flattened as ACBench's runner did (``role: content`` lines). Sample data and
``protocol: clean`` use this project's ``fewshot.json`` instead (offline).

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
from acbench_tasks.common.embeddings import (
    UPSTREAM_EMBEDDING_MODEL,
    SentenceEmbedder,
    cosine_similarity,
    task_embedder,
)
from acbench_tasks.common.guard import INT_MAX_DIGITS, SCORING_ERROR
from acbench_tasks.common.matching import (
    PRF,
    ZERO,
    max_weight_matching,
    ordered_match_score,
    precision_recall_f1,
)
from acbench_tasks.common.metrics import register_mean_metrics
from acbench_tasks.common.protocol import task_protocol
from acbench_tasks.common.records import convert_records
from acbench_tasks.common.upstream import (
    ACBENCH_REPO,
    UpstreamUnavailableError,
    literal_assignment,
    read_upstream,
    ways_to_provide,
)

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


# ----------------------------------------------------------------------------- worked examples
#: ACBench's worked examples: ``two_shot_example`` in this module of pprp/ACBench, a dict of
#: subset -> chat turns (user, assistant, user, assistant) that ``node_eval.build_message`` puts
#: between the record's system turn and its query.
EXAMPLES_FILE = "acbench/prompts/eval_prompt.py"
EXAMPLES_NAME = "two_shot_example"
#: SHA-256 of that file at the pinned commit: a user's copy (or a cache) that differs still runs,
#: but the results say it is not the paper's prompt.
EXAMPLES_SHA256 = "47f7120960b7914abc8df0c2fd10f2fce70d619afb7644e3d56e219d805dfc31"
#: This project's worked examples, in the same shape: used with sample data and ``protocol: clean``.
PROJECT_EXAMPLES_FILE = Path(__file__).parent / "fewshot.json"
_EXAMPLE_ROLES = ("user", "assistant")
_CLEAN_HINT = (
    " (Or run this project's examples, not comparable with the paper: "
    '--metadata \'{"protocol": "clean"}\'.)'
)


@dataclass(frozen=True)
class WorkedExamples:
    """The worked examples of every subset (chat turns) and where they were read."""

    turns: Mapping[str, tuple[Message, ...]]
    #: For the results metadata: ``origin`` (``pprp/ACBench`` or ``this project``), ``file``
    #: and, for ACBench's, ``commit``, ``read_from``, ``sha256``, ``matches_pinned_commit``.
    provenance: Mapping[str, Any]
    #: Read from ACBench's module (pinned commit, cache or a user's copy).
    from_acbench: bool
    #: Byte for byte the file at the pinned commit (:data:`EXAMPLES_SHA256`).
    as_in_paper: bool

    def for_subset(self, subset: str) -> tuple[Message, ...]:
        """The turns of ``subset``; ACBench's file must have them, ours may not (extra subsets)."""
        if subset in self.turns:
            return self.turns[subset]
        if not self.from_acbench:
            return ()
        raise UpstreamUnavailableError(
            f"{self.provenance['read_from']}: {EXAMPLES_NAME} has no entry for WorfBench "
            f"subset {subset!r} (it has: {', '.join(sorted(self.turns))}); ACBench's prompts "
            'exist for the seven subsets it ran; --metadata \'{"protocol": "clean"}\' runs '
            "this subset without worked examples."
        )


def check_examples(value: Any, where: str) -> dict[str, tuple[Message, ...]]:
    """Validate a ``two_shot_example``-shaped table: subset -> user/assistant turn pairs.

    Raises :class:`UpstreamUnavailableError` naming ``where`` and the first problem.
    """
    if not isinstance(value, dict) or not value:
        raise UpstreamUnavailableError(
            f"{where}: {EXAMPLES_NAME} is not a non-empty dict of subset -> chat turns"
        )
    table: dict[str, tuple[Message, ...]] = {}
    for subset, turns in value.items():
        if not isinstance(turns, list) or not turns or len(turns) % 2:
            raise UpstreamUnavailableError(
                f"{where}: {EXAMPLES_NAME}[{subset!r}] is not a list of user/assistant turn pairs"
            )
        messages = []
        for index, turn in enumerate(turns):
            role = _EXAMPLE_ROLES[index % 2]
            if (
                not isinstance(turn, dict)
                or turn.get("role") != role
                or not isinstance(turn.get("content"), str)
            ):
                raise UpstreamUnavailableError(
                    f"{where}: {EXAMPLES_NAME}[{subset!r}][{index}] should be "
                    f'{{"role": "{role}", "content": <text>}}'
                )
            messages.append({"role": role, "content": turn["content"]})
        table[str(subset)] = tuple(messages)
    return table


def acbench_examples(metadata: Mapping[str, Any] | None = None) -> WorkedExamples:
    """ACBench's ``two_shot_example``, read at run time (:func:`read_upstream`: the checkout
    named by ``acbench_repo`` / ``$ACBENCH_ACBENCH_REPO``, the cache, or one download) and parsed
    with ``ast``, never imported."""
    try:
        source = read_upstream(ACBENCH_REPO, EXAMPLES_FILE, metadata)
    except UpstreamUnavailableError as err:
        message = str(err).rstrip(".")
        raise UpstreamUnavailableError(
            f"WorfBench's worked examples: {message}.{_CLEAN_HINT}"
        ) from None
    try:
        table = check_examples(literal_assignment(source, EXAMPLES_NAME), source.origin)
    except UpstreamUnavailableError as err:
        raise UpstreamUnavailableError(
            f"WorfBench's worked examples: {err}; expected ACBench's {EXAMPLES_FILE} at "
            f"{ACBENCH_REPO.describe()}. {ways_to_provide(ACBENCH_REPO)}{_CLEAN_HINT}"
        ) from None
    pinned = source.sha256 == EXAMPLES_SHA256
    if not pinned:
        logger.warning(
            "WorfBench: %s differs from ACBench's file at %s (SHA-256 %s); results are marked "
            "not comparable with the paper",
            source.origin,
            ACBENCH_REPO.describe(),
            source.sha256,
        )
    return WorkedExamples(
        table,
        {
            "origin": ACBENCH_REPO.github,
            "commit": ACBENCH_REPO.commit,
            "file": f"{EXAMPLES_FILE}:{EXAMPLES_NAME}",
            "read_from": source.origin,
            "sha256": source.sha256,
            "matches_pinned_commit": pinned,
        },
        from_acbench=True,
        as_in_paper=pinned,
    )


@functools.lru_cache(maxsize=1)
def project_examples() -> WorkedExamples:
    """Two worked examples per subset written for this project (not from the test set)."""
    with open(PROJECT_EXAMPLES_FILE, encoding="utf-8") as handle:
        table = check_examples(json.load(handle), str(PROJECT_EXAMPLES_FILE))
    provenance = {"origin": "this project", "file": "acbench_tasks/worfbench/fewshot.json"}
    return WorkedExamples(table, provenance, from_acbench=False, as_in_paper=False)


def uses_acbench_examples(metadata: Mapping[str, Any]) -> bool:
    """ACBench's examples under the ``acbench`` protocol on real data; ours with the samples
    (offline, never comparable with the paper) or under ``protocol: clean``."""
    return task_protocol(metadata) == "acbench" and resolve_source(DATA, metadata).kind != "sample"


def worked_examples(metadata: Mapping[str, Any] | None = None) -> WorkedExamples:
    """The worked examples a run with this metadata puts in its prompts."""
    metadata = metadata or {}
    return acbench_examples(metadata) if uses_acbench_examples(metadata) else project_examples()


# ----------------------------------------------------------------------------- data
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
def build_messages(doc: Mapping[str, str], examples: Sequence[Message]) -> list[Message]:
    """The chat turns ACBench's ``node_eval.build_message`` builds for a record.

    The record's system turn, the subset's worked examples as they are, then the record's user
    turn prefixed by ``"Now it's your turn.\\n"`` (the gold assistant turn is left out).
    """
    return [
        {"role": "system", "content": doc["system"]},
        *({"role": m["role"], "content": m["content"]} for m in examples),
        {"role": "user", "content": TURN_PREFIX + doc["user"]},
    ]


def acbench_prompt(messages: Sequence[Message]) -> str:
    """The text ACBench's runner generated from (``VllmOfflineModel._prepare_prompt``, vLLM
    ``generate`` on a plain string): one ``role: content`` line per turn joined by newlines, no
    chat template, nothing after the query."""
    return "\n".join(f"{m['role']}: {m['content']}" for m in messages)


class WorfBenchTask(ChatTask):
    """One WorfBench subset as an lm-eval task.

    Task metadata (YAML ``metadata`` or ``--metadata``) understood here: ``protocol``
    (``acbench``: ACBench's worked examples, read from pprp/ACBench; ``clean``: this project's),
    ``acbench_repo`` (a local checkout of pprp/ACBench), ``embedding_model`` (default: upstream
    mpnet when available, else offline MiniLM), ``scoring_mode`` (``exact`` | ``fast``), plus
    the data-source keys ``data_source`` and ``data_dir``. Written back into the task's metadata
    (``configs`` in the results file): ``protocol``, ``worked_examples`` (their origin),
    ``data_source``, ``prompt_rendering`` (``acbench_role_lines``, ``transcript`` or
    ``chat_template``), ``scoring`` and ``comparable_with_paper``.
    """

    protocol: str = "acbench"

    def download(self, dataset_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        """Load the records, then the worked examples: any problem stops the run here, before
        the model is used."""
        super().download(dataset_kwargs, **kwargs)
        options = {**(self.config.metadata or {}), **(dataset_kwargs or {})}
        subset = str(options.get("worfbench_subset"))
        self.examples = worked_examples(options)
        self.subset_examples = self.examples.for_subset(subset)
        protocol = self.protocol = task_protocol(options)
        self.record(
            protocol=protocol,
            worked_examples=dict(self.examples.provenance),
            # Set to false later by a chat template, a system instruction or another embedder.
            comparable_with_paper=self.examples.as_in_paper
            and self.config.metadata.get("data_source_kind") != "sample"  # from load_documents
            and str(options.get("scoring_mode", "exact")) == "exact",
        )

    def load_documents(self, options: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
        docs, provenance = load_sourced_records(str(options.get("worfbench_subset")), options)
        self.record_sources(data=[provenance])
        return docs, {}

    def doc_to_messages(self, doc: dict) -> list[Message]:
        return build_messages(doc, self.subset_examples)

    def plain_prompt(self, messages: Sequence[Message]) -> str:
        if self.protocol == "acbench":
            return acbench_prompt(messages)
        return super().plain_prompt(messages)

    def fewshot_context(self, doc: dict, num_fewshot: int, **options: Any) -> Any:
        """As :class:`ChatTask`; records how the prompt was rendered. ACBench's runs used its
        ``role: content`` lines (no ``--apply_chat_template``, no ``--system_instruction``)."""
        templated = bool(options.get("apply_chat_template") and options.get("chat_template"))
        if templated:
            rendering = "chat_template"
        else:
            rendering = "acbench_role_lines" if self.protocol == "acbench" else "transcript"
        if self.config.metadata.get("prompt_rendering") != rendering:
            self.record(prompt_rendering=rendering)
            if templated or options.get("system_instruction"):
                self.record(comparable_with_paper=False)
        return super().fewshot_context(doc, num_fewshot, **options)

    def embedded_examples(self) -> int:
        """The subset's worked examples (two), turns of every prompt (:func:`build_messages`)."""
        return len(getattr(self, "subset_examples", ())) // 2

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return doc["gold"]

    @functools.cached_property
    def embedder(self) -> SentenceEmbedder:
        embedder = task_embedder(self.config.metadata)
        if embedder.model_name != UPSTREAM_EMBEDDING_MODEL:
            self.record(comparable_with_paper=False)
        return embedder

    def process_results(self, doc: dict, results: Sequence[str]) -> dict[str, float]:
        prediction = results[0] if results else ""
        score = score_workflow(prediction, doc["gold"], self.embedder)
        return {**score.as_metrics(), SCORING_ERROR: score.note}
