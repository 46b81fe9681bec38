"""WorfBench scorer throughput: node F1 on 500 gold records with realistic predictions.

Compares exact mode (one ``encode`` call per node list, as the reference evaluator) with fast
mode (embeddings cached per distinct string), and puts both next to SmolLM2's generation time
for the same prompts. Target: scoring ≤ 2% of generation time.

Golds come from the bundled samples, or from a local copy of the upstream data:
``WORFBENCH_BENCH_DATA_DIR=/path/to/WorFBench_test python -m benchmarks worfbench`` (its prompts
then carry ACBench's worked examples: network access or ``ACBENCH_ACBENCH_REPO=<checkout>``).
"""

from __future__ import annotations

import os
import random
import time

from acbench_tasks.common.embeddings import SentenceEmbedder
from acbench_tasks.worfbench.worfbench import (
    SUBSETS,
    build_messages,
    load_records,
    score_workflow,
    worked_examples,
)

N_RECORDS = 500
N_GENERATIONS = 3
MAX_NEW_TOKENS = 256


def bench_metadata() -> dict:
    """The upstream data (and ACBench's worked examples) when a local copy is named."""
    data_dir = os.environ.get("WORFBENCH_BENCH_DATA_DIR")
    return {"data_dir": data_dir} if data_dir else {"data_source": "sample"}


def gold_records() -> list[dict]:
    metadata = bench_metadata()
    docs = []
    for subset in SUBSETS:
        try:
            docs += load_records(subset, metadata)
        except Exception as err:  # a local copy may lack a subset
            print(f"  skipping {subset}: {err}")
    return docs


def perturbed_prediction(gold: str, rng: random.Random) -> str:
    """A plausible model answer: reworded, reordered, missing or extra steps."""
    nodes = [line.split(": ", 1)[1] for line in gold.splitlines() if line[:1].isdigit()]
    nodes = [("then " + n if rng.random() < 0.3 else n.lower()) for n in nodes]
    if len(nodes) > 2 and rng.random() < 0.4:
        nodes.pop(rng.randrange(len(nodes)))
    if len(nodes) > 2 and rng.random() < 0.4:
        i = rng.randrange(len(nodes) - 1)
        nodes[i], nodes[i + 1] = nodes[i + 1], nodes[i]
    if rng.random() < 0.4:
        nodes.insert(rng.randrange(len(nodes) + 1), "check that the previous step worked")
    lines = "\n".join(f"{i}: {n}" for i, n in enumerate(nodes, 1))
    edges = " ".join(
        ["(START,1)", *(f"({i},{i + 1})" for i in range(1, len(nodes))), f"({len(nodes)},END)"]
    )
    return f"Node:\n{lines}\nEdge: {edges}"


def time_scoring(pairs: list[tuple[str, str]], embedder: SentenceEmbedder) -> tuple[float, float]:
    start = time.perf_counter()
    f1 = [score_workflow(pred, gold, embedder).node.f1 for pred, gold in pairs]
    elapsed = time.perf_counter() - start
    return elapsed, sum(f1) / len(f1)


def time_generation(docs: list[dict]) -> float:
    """Seconds per sample for SmolLM2 greedy generation of the real prompts (capped length)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from acbench_core.models import resolve_model

    path = resolve_model("acbench:smollm2")
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    examples = worked_examples(bench_metadata())  # ACBench's need network or $ACBENCH_ACBENCH_REPO
    start = time.perf_counter()
    for doc in docs:
        messages = build_messages(doc, examples.for_subset(doc["subset"]))
        prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        inputs = tokenizer(prompt, return_tensors="pt")
        model.generate(
            **inputs,
            max_new_tokens=MAX_NEW_TOKENS,
            do_sample=False,
            stop_strings=["END", "---", "\n\n"],
            tokenizer=tokenizer,
        )
    return (time.perf_counter() - start) / len(docs)


def main() -> None:
    import torch

    rng = random.Random(0)
    docs = gold_records()
    pairs = [
        (perturbed_prediction(d["gold"], rng), d["gold"])
        for d in (docs[i % len(docs)] for i in range(N_RECORDS))
    ]
    print(
        f"{len(pairs)} scored samples from {len(docs)} gold records; torch threads "
        f"{torch.get_num_threads()}"
    )
    exact = SentenceEmbedder(cache=False)
    exact.encode(["warm-up"])  # model load is not scoring time
    print(f"embedding model: {exact.model_name}")
    results = {}
    for mode, embedder in (("exact", exact), ("fast (cached)", SentenceEmbedder(cache=True))):
        elapsed, mean_f1 = time_scoring(pairs, embedder)
        results[mode] = elapsed / len(pairs)
        print(f"  {mode:14s} {len(pairs) / elapsed:8.1f} samples/s   mean node F1 {mean_f1:.4f}")
    per_sample = time_generation(docs[:N_GENERATIONS])
    print(
        f"SmolLM2 generation: {per_sample:.2f} s/sample (≤{MAX_NEW_TOKENS} new tokens, "
        f"{N_GENERATIONS} prompts)"
    )
    for mode, seconds in results.items():
        print(
            f"  scoring / generation, {mode:14s} {100 * seconds / per_sample:6.2f} %  "
            "(target ≤ 2 %)"
        )
