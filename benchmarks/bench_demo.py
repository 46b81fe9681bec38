"""The README's main job: ``acbench demo`` (the whole pipeline on SmolLM2) from scratch.

Run: ``python -m benchmarks.bench_demo`` (target: ≤ 15 minutes on 2 CPU cores, offline).
Prints each step's wall time from the run's ``acbench_state.json`` and the total; the run goes
into a temporary folder, so nothing is reused from an earlier demo. Takes about as long as the
demo itself (the bundled model is converted once beforehand, outside the timing).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from acbench.cli import main as acbench_main
from acbench.pipeline.runner import STATE_FILE
from acbench_core.models import materialize

TARGET_S = 15 * 60


def main() -> None:
    materialize("acbench:smollm2")
    with tempfile.TemporaryDirectory(prefix="acbench-demo-") as folder:
        out = Path(folder) / "demo"
        start = time.perf_counter()
        code = acbench_main(["demo", "--output", str(out)])
        total = time.perf_counter() - start
        steps = json.loads((out / STATE_FILE).read_text())["steps"]
    print(f"\n{'step':28s} {'status':8s} {'seconds':>8s}")
    for key, record in steps.items():
        print(f"{key:28s} {record['status']:8s} {record.get('seconds', 0):8.1f}")
    verdict = "within" if total <= TARGET_S else "OVER"
    print(f"demo total {total:.0f} s (exit {code}); target ≤ {TARGET_S} s: {verdict}")


if __name__ == "__main__":
    main()
