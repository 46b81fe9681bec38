"""``acbench compare`` speed: the paired bootstrap and a whole comparison from results files.

Run: ``python -m benchmarks.bench_compare`` (target: ≤ 2 s on one CPU thread for a group of 7
tasks × 1,000 matched samples at 10,000 resamples, the default). Also times reading two runs of
7 tasks × 1,000 logged samples and comparing them with CIs, and rendering their model card.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from acbench_core.bootstrap import paired_bootstrap
from acbench_core.comparison import compare_runs
from acbench_core.results import load_run

TASKS, DOCS, RESAMPLES = 7, 1000, 10_000
TARGET_S = 2.0


def _write_run(folder: Path, model: str, rng: np.random.Generator) -> None:
    folder.mkdir(parents=True)
    date = "2026-01-01T00-00-00.000000"
    names = [f"acbench_workflow_t{i}" for i in range(TASKS)]
    results, counts = {}, {}
    for name in names:
        values = rng.random(DOCS).round(3)
        lines = [
            json.dumps(
                {
                    "doc_id": i,
                    "filter": "none",
                    "metrics": ["node_f1"],
                    "doc": {"text": "x" * 2000},
                    "node_f1": float(v),
                }
            )
            for i, v in enumerate(values)
        ]
        (folder / f"samples_{name}_{date}.jsonl").write_text("\n".join(lines))
        results[name] = {"alias": name, "node_f1,none": float(values.mean())}
        counts[name] = {"original": DOCS, "effective": DOCS}
    group = {"node_f1,none": float(np.mean([r["node_f1,none"] for r in results.values()]))}
    data = {
        "results": {**results, "acbench_workflow": group},
        "groups": {"acbench_workflow": group},
        "group_subtasks": {"acbench_workflow": names},
        "n-samples": counts,
        "higher_is_better": {n: {"node_f1": True} for n in names},
        "configs": {},
        "config": {"model": "hf", "model_args": {"pretrained": model}},
        "model_name": model,
    }
    (folder / f"results_{date}.json").write_text(json.dumps(data))


def main() -> None:
    rng = np.random.default_rng(0)
    strata = [rng.random(DOCS) - rng.random(DOCS) for _ in range(TASKS)]
    start = time.perf_counter()
    ci = paired_bootstrap(strata, [DOCS] * TASKS, n_resamples=RESAMPLES)
    took = time.perf_counter() - start
    verdict = "OK" if took <= TARGET_S else "SLOWER THAN TARGET"
    print(
        f"paired bootstrap, {TASKS} tasks × {DOCS} samples, {RESAMPLES} resamples: "
        f"{took:.2f} s (target ≤ {TARGET_S} s: {verdict}); CI [{ci.low:.4f}, {ci.high:.4f}]"
    )

    with tempfile.TemporaryDirectory() as tmp:
        _write_run(Path(tmp) / "base", "base", rng)
        _write_run(Path(tmp) / "comp", "comp", rng)
        start = time.perf_counter()
        base, comp = load_run(Path(tmp) / "base"), load_run(Path(tmp) / "comp")
        rows = compare_runs(base, [comp], n_resamples=RESAMPLES)
        took = time.perf_counter() - start
        print(
            f"load two runs ({TASKS} × {DOCS} logged samples each) and compare "
            f"{len(rows)} rows with CIs: {took:.2f} s"
        )

        from compressors.record import CompressionRecord
        from hub_publish.card import build_card

        start = time.perf_counter()
        build_card(
            CompressionRecord.from_dict(
                {"method": "rtn-w4a16", "quantization": {"schemes": [{"bits": 4}]}}
            ),
            comp,
            base,
            "me/model",
        )
        print(f"render the model card (2,000-resample CIs): {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
