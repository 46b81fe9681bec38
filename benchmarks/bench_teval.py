"""T-Eval scorer throughput: samples/s for each dimension on 1,000 records.

Records cycle through the bundled samples (or a local copy of the upstream data:
``TEVAL_BENCH_DATA_DIR=/path/to/T-Eval python -m benchmarks teval``); predictions alternate
between the reference answer and a realistic wrong one, so both the parse and the failure
paths are timed. Plan and reason embed texts with the offline sentence-embedding model
(loaded once before timing), in exact mode (one ``encode`` call per text list, as upstream) and
in fast mode (``scoring_mode: fast``: embeddings cached per distinct string); the other
dimensions are pure parsing. The load average is printed: on a shared machine the embedding
numbers scale with it.
"""

from __future__ import annotations

import itertools
import os
import time

from acbench_tasks.common.embeddings import shared_embedder
from acbench_tasks.teval.teval import DIMENSIONS, load_records, reference_answer, score_doc

N_RECORDS = 1000


def predictions_for(docs: list[dict], records: list[dict]) -> list[str]:
    """Half reference answers, half the reference answer of another record of the same
    variant (right format, wrong content), alternating in pairs (variants are interleaved)."""
    out = []
    for i, doc in enumerate(docs):
        others = [r for r in records if r["variant"] == doc["variant"] and r["id"] != doc["id"]]
        source = doc if (i // 2) % 2 == 0 or not others else others[i % len(others)]
        out.append(reference_answer(source))
    return out


def main() -> None:
    data_dir = os.environ.get("TEVAL_BENCH_DATA_DIR")
    metadata = {"data_dir": data_dir} if data_dir else {"data_source": "sample"}
    embedders = {
        "exact": shared_embedder("offline"),
        "fast": shared_embedder("offline", cache=True),
    }
    embedders["exact"].encode(["warm-up"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"embedding model: {embedders['exact'].model_name}; {N_RECORDS} records per dimension; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'dimension':<12}{'mode':<7}{'seconds':>9}{'samples/s':>11}{'mean score':>12}")
    for dimension in DIMENSIONS:
        records = load_records(dimension, metadata)
        docs = list(itertools.islice(itertools.cycle(records), N_RECORDS))
        predictions = predictions_for(docs, records)
        modes = ("exact", "fast") if dimension in ("plan", "reason") else ("exact",)
        for mode in modes:
            embedder = embedders[mode]
            start = time.perf_counter()
            scores = [
                score_doc(d, p, embedder)["score"] for d, p in zip(docs, predictions, strict=True)
            ]
            elapsed = time.perf_counter() - start
            print(
                f"{dimension:<12}{mode:<7}{elapsed:>9.2f}{len(docs) / elapsed:>11.0f}"
                f"{sum(scores) / len(scores):>12.3f}"
            )


if __name__ == "__main__":
    main()
