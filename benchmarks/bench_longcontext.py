"""Long-context prompt construction time against the model's own time on the same prompts.

Builds every prompt of the full ACBench Needle-in-a-Haystack grid (1k-40k tokens × 10 depths,
400 prompts, about 8.2M tokens) under both protocols (acbench: decode / re-encode / insert at
the period token; clean: sentence boundaries), all LongBench sample prompts with both middle
truncations, and scores 10,000 LongGenBench generations with the upstream-equivalent extractors,
using the evaluated model's tokenizer. The model's time is estimated from one measured prefill of a
1k-token prompt (tokens per second; a lower bound, as attention grows with length), so the
printed ratio is an upper bound of the share that prompt construction adds. Issue target:
negligible next to the model.

Knobs (environment variables): ``LONGCONTEXT_BENCH_MODEL`` (``acbench:smollm2``),
``LONGCONTEXT_BENCH_BUDGET`` (LongBench prompt budget in tokens, 1000: forces truncation).
"""

from __future__ import annotations

import os
import time

from acbench_tasks.common.long_context import (
    load_tokenizer,
    middle_truncate,
    upstream_middle_truncate,
)
from acbench_tasks.longbench import longbench
from acbench_tasks.longgenbench import longgenbench
from acbench_tasks.niah import niah


def _prefill_tokens_per_second(model_name: str, tokenizer, tokens: int = 1000) -> float:
    """Tokens per second of one forward pass over a ``tokens``-long essay prompt."""
    import torch
    from transformers import AutoModelForCausalLM

    from acbench_core.models import resolve_model

    model = AutoModelForCausalLM.from_pretrained(resolve_model(model_name))
    model.eval()
    prompt = niah.Haystack(tokenizer, tokens).build(tokens, 50).prompt
    ids = tokenizer(prompt, return_tensors="pt").input_ids
    with torch.inference_mode():
        model(ids[:, :64])  # warm-up
        start = time.perf_counter()
        model(ids)
        seconds = time.perf_counter() - start
    return ids.shape[1] / seconds


def main() -> None:
    model_name = os.environ.get("LONGCONTEXT_BENCH_MODEL", "acbench:smollm2")
    budget = int(os.environ.get("LONGCONTEXT_BENCH_BUDGET", "1000"))
    tokenizer = load_tokenizer({"pretrained": model_name})
    cells = niah.grid({})
    niah_tokens = sum(length for length, _ in cells)

    start = time.perf_counter()
    haystack = niah.Haystack(tokenizer, max(niah.DEFAULT_LENGTHS))
    setup = time.perf_counter() - start
    start = time.perf_counter()
    prompts = [haystack.build(length, depth).prompt for length, depth in cells]
    clean_build = time.perf_counter() - start
    start = time.perf_counter()
    upstream = niah.UpstreamHaystack(tokenizer, max(niah.DEFAULT_LENGTHS))
    upstream_setup = time.perf_counter() - start
    periods = niah.period_ids("other", tokenizer)
    start = time.perf_counter()
    prompts = [upstream.build(length, depth, periods).prompt for length, depth in cells]
    acbench_build = time.perf_counter() - start
    print(
        f"NIAH grid: {len(prompts)} prompts, {niah_tokens / 1e6:.2f}M tokens. acbench: haystack "
        f"{upstream_setup:.2f} s, prompts {acbench_build:.2f} s "
        f"({1000 * acbench_build / len(prompts):.1f} ms per prompt); clean: haystack "
        f"{setup:.2f} s, prompts {clean_build:.2f} s"
    )

    templates, _ = longbench.prompt_templates({})
    docs = [
        doc
        for subset in longbench.SUBSETS
        for doc in longbench.load_records(subset, {"data_source": "sample"})[0]
    ]
    start = time.perf_counter()
    for doc in docs:
        upstream_middle_truncate(
            longbench.fill_prompt(templates[doc["subset"]], doc), tokenizer, budget
        )
    longbench_acbench = time.perf_counter() - start
    start = time.perf_counter()
    for doc in docs:
        middle_truncate(longbench.fill_prompt(templates[doc["subset"]], doc), tokenizer, budget)
    longbench_clean = time.perf_counter() - start
    print(
        f"LongBench: {len(docs)} sample prompts cut to {budget} tokens: acbench "
        f"{longbench_acbench:.2f} s, clean {longbench_clean:.2f} s"
    )

    answer = "".join(f"Answer_{k}: 3 + 4 = 7. The answer is 7.\n" for k in range(9, 39))
    start = time.perf_counter()
    for _ in range(10_000):
        longgenbench.acbench_score(answer, ["7"] * 30, "gsm8k")
    scoring = time.perf_counter() - start
    print(f"LongGenBench: 10,000 GSM8K generations of 30 answers scored in {scoring:.2f} s")

    speed = _prefill_tokens_per_second(model_name, tokenizer)
    niah_model = niah_tokens / speed
    longbench_model = len(docs) * budget / speed
    print(f"Model prefill ({model_name}, this machine): {speed:,.0f} tokens/s")
    print(
        f"NIAH (acbench): construction {upstream_setup + acbench_build:.2f} s vs model "
        f"≥ {niah_model:,.0f} s (ratio ≤ {(upstream_setup + acbench_build) / niah_model:.2e})"
    )
    print(
        f"LongBench: construction {longbench_acbench:.2f} s vs model ≥ {longbench_model:,.1f} s "
        f"(ratio ≤ {longbench_acbench / longbench_model:.2e})"
    )


if __name__ == "__main__":
    main()
