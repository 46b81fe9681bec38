"""Small lm-eval results files for the compare/publish tests, written in lm-eval 0.4's layout.

``write_run`` writes what ``lm_eval --output_path DIR --log_samples`` writes: a
``results_<date>.json`` (results, groups, group_subtasks, configs, versions, n-shot,
higher_is_better, n-samples, config, model_name, date, task_hashes, ...) and one
``samples_<task>_<date>.jsonl`` per task. ``write_leaderboard_run`` writes an Open LLM Leaderboard
v2 details folder (``<org>__<model>/results_<date>.json`` with ``leaderboard_*`` tasks, string
``model_args``, indented aliases), the layout of ``open-llm-leaderboard/<org>__<model>-details``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

DATE = "2026-01-02T03-04-05.678901"
#: The dataset commit that results read from the Hub record (``data_revision``).
HUB_COMMIT = "5503434ddd753f426f4b38109466949a1217c2bb"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _provenance(task: str, data_source: str | None, revision: str) -> dict[str, Any]:
    """The data provenance an ACBench task writes: the catalog's Hub dataset at ``revision``
    (no data source chosen), or the bundled samples."""
    from acbench_core.catalog import benchmark_of
    from acbench_core.data_sources import Provenance, provenance_fields

    entry = benchmark_of(task)
    spec = entry.data_for(task) if entry else None
    if spec is None:
        return {}
    if data_source == "sample":
        record = Provenance("sample", f"acbench:{spec.benchmark}", "0.1.0", pinned=True)
    else:
        record = Provenance("hub", spec.hub_repo, revision, ("test.json",))
    return provenance_fields(data=[record])


def _sample(task: str, doc_id: int, metrics: dict[str, Any]) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "doc": {"id": f"{task}-{doc_id}"},
        "target": "t",
        "arguments": {"gen_args_0": {"arg_0": f"prompt {doc_id}", "arg_1": {"until": ["\n"]}}},
        "resps": [["answer"]],
        "filtered_resps": ["answer"],
        "filter": "none",
        "metrics": list(metrics),
        "doc_hash": _hash(f"{task}{doc_id}doc"),
        "prompt_hash": _hash(f"{task}{doc_id}prompt"),
        "target_hash": _hash(f"{task}{doc_id}target"),
        **metrics,
    }


def write_run(
    folder: Path,
    model: str,
    tasks: dict[str, dict[str, list[float]]],
    *,
    groups: dict[str, list[str]] | None = None,
    date: str = DATE,
    log_samples: bool = True,
    data_source: str | None = None,
    original: int | None = None,
    energy: dict[str, Any] | None = None,
    lower_is_better: tuple[str, ...] = (),
    provenance: bool = True,
    data_revision: str = HUB_COMMIT,
) -> Path:
    """Results of ``model``: ``tasks`` maps task -> metric -> per-sample values (doc_id order).

    Task scores are the per-sample means; group scores the size-weighted means of their tasks.
    ``original`` > len(samples) records a ``--limit`` run. ACBench tasks record where their
    data came from (``provenance``): the bundled samples with ``data_source="sample"``, else the
    catalog's Hub dataset at ``data_revision``. Returns the results file.
    """
    out = folder / model.replace("/", "__")
    out.mkdir(parents=True, exist_ok=True)
    results, configs, n_samples, hib, hashes = {}, {}, {}, {}, {}
    for task, metrics in tasks.items():
        n = len(next(iter(metrics.values())))
        entry: dict[str, Any] = {"alias": task}
        for metric, values in metrics.items():
            entry[f"{metric},none"] = sum(values) / n
            entry[f"{metric}_stderr,none"] = "N/A"
        results[task] = entry
        metadata: dict[str, Any] = {"version": 1.0}
        if data_source:
            metadata["data_source"] = data_source
        if provenance:
            metadata.update(_provenance(task, data_source, data_revision))
        configs[task] = {"task": task, "output_type": "generate_until", "metadata": metadata}
        n_samples[task] = {"original": original or n, "effective": n}
        hib[task] = {m: m not in lower_is_better for m in metrics}
        samples = [_sample(task, i, {m: v[i] for m, v in metrics.items()}) for i in range(n)]
        # lm-eval's task hash: sha256 of the concatenated doc/prompt/target hashes
        hashes[task] = _hash(
            "".join(x["doc_hash"] + x["prompt_hash"] + x["target_hash"] for x in samples)
        )
        if log_samples:
            lines = [json.dumps(x) for x in samples]
            (out / f"samples_{task}_{date}.jsonl").write_text("\n".join(lines) + "\n")
    group_entries = {}
    for group, members in (groups or {}).items():
        entry = {"alias": group}
        size = sum(n_samples[m]["effective"] for m in members)
        for key in results[members[0]]:
            if key.endswith(",none") and "_stderr" not in key:
                total = sum(results[m][key] * n_samples[m]["effective"] for m in members)
                entry[key] = total / size
        group_entries[group] = entry
    data = {
        "results": {**{g: dict(e) for g, e in group_entries.items()}, **results},
        "groups": group_entries,
        "group_subtasks": {**{t: [] for t in tasks}, **(groups or {})},
        "configs": configs,
        "versions": {t: 1.0 for t in tasks},
        "n-shot": {t: 0 for t in tasks},
        "higher_is_better": hib,
        "n-samples": n_samples,
        "config": {
            "model": "hf",
            "model_args": {"pretrained": model},
            "batch_size": "1",
            "limit": None,
            "gen_kwargs": {"max_gen_toks": 64},
            "bootstrap_iters": 100000,
        },
        "git_hash": None,
        "date": 1767322445.0,
        "lm_eval_version": "0.4.13",
        "model_source": "hf",
        "model_name": model,
        "model_name_sanitized": model.replace("/", "__"),
        "chat_template": "{{ messages }}",
        "chat_template_sha": _hash("tpl"),
        "task_hashes": hashes,
        "total_evaluation_time_seconds": "12.5",
    }
    if energy is not None:
        data["energy"] = energy
    path = out / f"results_{date}.json"
    path.write_text(json.dumps(data, indent=2))
    return path


def leaderboard_results(model: str) -> dict[str, Any]:
    """An Open LLM Leaderboard v2 results file (scores are made up, the layout is not)."""
    args = (
        f"pretrained={model},revision=main,trust_remote_code=False,dtype=bfloat16,parallelize=False"
    )
    bbh = ["leaderboard_bbh_boolean_expressions", "leaderboard_bbh_navigate"]
    return {
        "results": {
            "leaderboard": {
                "acc_norm,none": 0.31,
                "acc_norm_stderr,none": 0.005,
                "acc,none": 0.11,
                "acc_stderr,none": 0.003,
                "exact_match,none": 0.01,
                "exact_match_stderr,none": 0.002,
                "prompt_level_strict_acc,none": 0.2,
                "prompt_level_strict_acc_stderr,none": 0.017,
                "alias": "leaderboard",
            },
            "leaderboard_bbh": {
                "acc_norm,none": 0.5,
                "acc_norm_stderr,none": 0.03,
                "alias": " - leaderboard_bbh",
            },
            "leaderboard_bbh_boolean_expressions": {
                "alias": "  - leaderboard_bbh_boolean_expressions",
                "acc_norm,none": 0.75,
                "acc_norm_stderr,none": 0.05,
            },
            "leaderboard_bbh_navigate": {
                "alias": "  - leaderboard_bbh_navigate",
                "acc_norm,none": 0.25,
                "acc_norm_stderr,none": 0.05,
            },
            "leaderboard_ifeval": {
                "alias": " - leaderboard_ifeval",
                "prompt_level_strict_acc,none": 0.2,
                "prompt_level_strict_acc_stderr,none": 0.017,
                "inst_level_strict_acc,none": 0.33,
                "inst_level_strict_acc_stderr,none": "N/A",
                "prompt_level_loose_acc,none": 0.22,
                "prompt_level_loose_acc_stderr,none": 0.018,
            },
            "leaderboard_mmlu_pro": {
                "alias": " - leaderboard_mmlu_pro",
                "acc,none": 0.11,
                "acc_stderr,none": 0.003,
            },
        },
        "groups": {
            "leaderboard": {"alias": "leaderboard", "acc_norm,none": 0.31},
            "leaderboard_bbh": {
                "acc_norm,none": 0.5,
                "acc_norm_stderr,none": 0.03,
                "alias": " - leaderboard_bbh",
            },
        },
        "group_subtasks": {
            "leaderboard_bbh": bbh,
            "leaderboard": ["leaderboard_bbh", "leaderboard_ifeval", "leaderboard_mmlu_pro"],
        },
        "configs": {t: {"task": t, "dataset_path": "SaylorTwift/bbh"} for t in bbh}
        | {
            "leaderboard_ifeval": {
                "task": "leaderboard_ifeval",
                "dataset_path": "wis-k/instruction-following-eval",
            },
            "leaderboard_mmlu_pro": {
                "task": "leaderboard_mmlu_pro",
                "dataset_path": "TIGER-Lab/MMLU-Pro",
            },
        },
        "versions": {t: 0.0 for t in [*bbh, "leaderboard_ifeval"]} | {"leaderboard_mmlu_pro": 0.1},
        "n-shot": {t: 3 for t in bbh} | {"leaderboard_ifeval": 0, "leaderboard_mmlu_pro": 5},
        "higher_is_better": {t: {"acc_norm": True} for t in bbh}
        | {
            "leaderboard_ifeval": {
                "prompt_level_strict_acc": True,
                "inst_level_strict_acc": True,
                "prompt_level_loose_acc": True,
            },
            "leaderboard_mmlu_pro": {"acc": True},
        },
        "n-samples": {
            "leaderboard_bbh_boolean_expressions": {"original": 4, "effective": 4},
            "leaderboard_bbh_navigate": {"original": 4, "effective": 4},
            "leaderboard_ifeval": {"original": 541, "effective": 541},
            "leaderboard_mmlu_pro": {"original": 12032, "effective": 12032},
        },
        "config": {
            "model": "hf",
            "model_args": args,
            "model_num_parameters": 134515008,
            "model_dtype": "torch.bfloat16",
            "batch_size": "auto",
            "batch_sizes": [64],
            "device": "cuda:0",
            "limit": None,
            "bootstrap_iters": 100000,
            "gen_kwargs": None,
            "random_seed": 0,
            "numpy_seed": 1234,
            "torch_seed": 1234,
            "fewshot_seed": 1234,
        },
        "git_hash": "80c5a43",
        "date": 1733000000.0,
        "transformers_version": "4.45.2",
        "upper_git_hash": None,
        "model_source": "hf",
        "model_name": model,
        "model_name_sanitized": model.replace("/", "__"),
        "system_instruction": None,
        "fewshot_as_multiturn": False,
        "chat_template": None,
        "start_time": 1.0,
        "end_time": 2.0,
        "total_evaluation_time_seconds": "1.0",
    }


LEADERBOARD_DATE = "2024-12-01T10-00-00.000000"
#: Per-sample acc_norm of the two BBH subtasks in the leaderboard fixture (means 0.75, 0.25).
LEADERBOARD_BBH = {
    "leaderboard_bbh_boolean_expressions": [1.0, 1.0, 1.0, 0.0],
    "leaderboard_bbh_navigate": [0.0, 1.0, 0.0, 0.0],
}


def write_leaderboard_run(folder: Path, model: str) -> Path:
    """A details folder as the leaderboard left it: results + BBH samples (acc_norm per doc)."""
    out = folder / model.replace("/", "__")
    out.mkdir(parents=True, exist_ok=True)
    for task, values in LEADERBOARD_BBH.items():
        lines = [json.dumps(_sample(task, i, {"acc_norm": v})) for i, v in enumerate(values)]
        (out / f"samples_{task}_{LEADERBOARD_DATE}.jsonl").write_text("\n".join(lines) + "\n")
    path = out / f"results_{LEADERBOARD_DATE}.json"
    path.write_text(json.dumps(leaderboard_results(model), indent=2))
    return path
