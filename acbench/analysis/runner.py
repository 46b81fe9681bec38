"""Run a base model and its compressed copy on the same texts and compare them.

One forward pass per text and model gives everything: the ERank of the logits (and optionally of
the last hidden state), the logit energy of every position, the next-token loss (perplexity),
and for the top-k study the first ``topk_tokens`` positions (a causal model's logits there are
the same as for the truncated sequence). The models run one after the other, so only one is in
memory; between the passes only small arrays are kept (the base model's top-k token ids and
values, per-token energies, per-text ERanks).
"""

from __future__ import annotations

import gc
import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from acbench.analysis import metrics
from acbench.analysis.texts import TextSet, load_texts

logger = logging.getLogger(__name__)

REPRESENTATIONS = ("logits", "hidden")


class AnalysisError(RuntimeError):
    """The two models cannot be compared as asked; the message says why."""


class AnalysisSettings(BaseModel):
    """What to compute; defaults follow ACBench (50 texts; 50 sequences × 32 tokens, k=3,10,20).

    One model for ``acbench analyze``, the ``analyze:`` section of an ``acbench run`` study and
    the library call. A study writes ``topk: [3, 10]`` and ``hidden: true``; they are the same
    settings as ``ks`` and ``representations``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    texts: str | None = None  # a source for load_texts (None: auto)
    representations: tuple[str, ...] = ("logits",)
    ks: tuple[int, ...] = Field(default=(3, 10, 20), validation_alias=AliasChoices("ks", "topk"))
    max_texts: int = Field(default=50, ge=1)
    max_tokens: int = Field(default=512, ge=2)
    topk_sequences: int = Field(default=50, ge=1)
    topk_tokens: int = Field(default=32, ge=1)
    energy_bins: int = Field(default=60, ge=2)
    device: str | None = None  # default: cuda when available, else cpu
    dtype: str | None = None  # torch dtype name; default: float32 on cpu, the checkpoint's on gpu

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as err:  # a direct call gets the analysis's own error
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
                for e in err.errors()
            )
            raise AnalysisError(problems) from None

    @model_validator(mode="before")
    @classmethod
    def _hidden_switch(cls, data: Any) -> Any:
        """``hidden: true`` = also the last hidden state."""
        if isinstance(data, dict) and "hidden" in data:
            data = dict(data)
            data["representations"] = ("logits", "hidden") if data.pop("hidden") else ("logits",)
        return data

    @model_validator(mode="after")
    def _check(self) -> AnalysisSettings:
        unknown = set(self.representations) - set(REPRESENTATIONS)
        if unknown or not self.representations:
            raise ValueError(f"representations must be among {REPRESENTATIONS}")
        if not self.ks or min(self.ks) < 2:
            raise ValueError("top-k sizes must be at least 2 (a correlation needs two items)")
        return self


@dataclass
class _Pass:
    """What one model produced on the texts (small arrays only)."""

    erank: dict[str, list[float]] = field(default_factory=dict)
    energy: list[np.ndarray] = field(default_factory=list)
    nll_sum: float = 0.0
    nll_count: int = 0
    topk_ids: list[Any] = field(default_factory=list)  # base pass: (n, k_max) token ids
    topk_values: list[np.ndarray] = field(default_factory=list)  # (n, k_max) logits


def analyze(
    base: Any,
    compressed: Any,
    texts: str | Path | Sequence[str] | None = None,
    *,
    settings: AnalysisSettings | None = None,
    tokenizer: Any = None,
    output_dir: str | Path | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Compare ``compressed`` with ``base`` on the same texts; optionally write the outputs.

    ``base`` / ``compressed``: a checkpoint folder, Hub id, ``acbench:<name>`` alias, or a loaded
    transformers causal LM (then pass ``tokenizer``). ``texts``: a source for
    :func:`~acbench.analysis.texts.load_texts` or a list of strings. Returns the report dict
    that ``output_dir`` receives as ``analysis.json`` next to the plots and a text summary.
    """
    settings = settings or AnalysisSettings()
    texts = settings.texts if texts is None else texts
    text_set = (
        TextSet("custom", [t for t in texts if isinstance(t, str) and t.strip()])
        if isinstance(texts, (list, tuple))
        else load_texts(texts)
    )
    tokenizer = tokenizer or _load_tokenizer(base)
    sequences = _encode(tokenizer, text_set.texts, settings)
    if not sequences:
        raise AnalysisError(f"no text from {text_set.source} has two or more tokens")
    topk_rows = [i for i, s in enumerate(sequences) if len(s) >= settings.topk_tokens]
    topk_rows = topk_rows[: settings.topk_sequences]

    _check_vocabularies(base, compressed, sequences)
    with _progress(progress) as bar:
        base_pass = _run_model("base", base, sequences, topk_rows, settings, None, bar)
        compressed_pass = _run_model(
            "compressed", compressed, sequences, topk_rows, settings, base_pass.topk_ids, bar
        )
    report = _report(
        base, compressed, text_set, sequences, topk_rows, settings, base_pass, compressed_pass
    )
    if output_dir is not None:
        report["files"] = write_outputs(report, output_dir)
    return report


def _vocab_size(model: Any) -> int | None:
    """The model's vocabulary (embedding rows) from its config, without loading weights."""
    config = getattr(model, "config", None)
    if config is None and isinstance(model, (str, Path)):
        from transformers import AutoConfig

        try:
            config = AutoConfig.from_pretrained(_resolve(model))
        except (OSError, ValueError) as err:
            raise AnalysisError(f"could not load model {model}: {err}") from None
    size = getattr(config, "vocab_size", None)
    if config is not None and hasattr(config, "get_text_config"):
        size = getattr(config.get_text_config(), "vocab_size", size)
    return size if isinstance(size, int) and size > 0 else None


def _check_vocabularies(base: Any, compressed: Any, sequences: list[list[int]]) -> None:
    """Both models must read the base tokenizer's ids: checked before any forward pass (an id
    past a model's embedding table would crash it)."""
    sizes = {"base": _vocab_size(base), "compressed": _vocab_size(compressed)}
    highest = max(max(ids) for ids in sequences)
    for role, size in sizes.items():
        if size is not None and highest >= size:
            raise AnalysisError(
                f"the texts hold token id {highest}, past the {role} model's vocabulary "
                f"({size}): the tokenizer does not belong to that model"
            )
    if None not in sizes.values() and sizes["base"] != sizes["compressed"]:
        raise AnalysisError(
            f"the base model's vocabulary ({sizes['base']}) differs from the compressed "
            f"model's ({sizes['compressed']}): the models do not share a tokenizer"
        )


def _load_tokenizer(model: Any) -> Any:
    from transformers import AutoTokenizer

    if not isinstance(model, (str, Path)):
        raise AnalysisError("pass tokenizer= when the base model is an already loaded object")
    try:
        return AutoTokenizer.from_pretrained(_resolve(model))
    except (OSError, ValueError) as err:
        raise AnalysisError(f"could not load the tokenizer of {model}: {err}") from None


def _resolve(model: str | Path) -> str:
    from acbench_core.models import resolve_model

    return resolve_model(str(model))


def _encode(tokenizer: Any, texts: Sequence[str], settings: AnalysisSettings) -> list[list[int]]:
    sequences = []
    for text in texts:
        ids = tokenizer(text, add_special_tokens=True)["input_ids"][: settings.max_tokens]
        if len(ids) >= 2:
            sequences.append(list(ids))
        if len(sequences) == settings.max_texts:
            break
    return sequences


@contextmanager
def _progress(enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns) as bar:
        yield bar


def _load_model(model: Any, settings: AnalysisSettings) -> tuple[Any, Any]:
    import torch

    if not isinstance(model, (str, Path)):
        return model, next(model.parameters()).device
    from transformers import AutoModelForCausalLM

    device = settings.device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = settings.dtype or ("float32" if device == "cpu" else "auto")
    try:
        loaded = AutoModelForCausalLM.from_pretrained(
            _resolve(model), dtype=dtype if dtype == "auto" else getattr(torch, dtype)
        )
    except (OSError, ValueError) as err:
        raise AnalysisError(f"could not load model {model}: {err}") from None
    return loaded.to(device).eval(), torch.device(device)


def _run_model(
    role: str,
    model: Any,
    sequences: list[list[int]],
    topk_rows: list[int],
    settings: AnalysisSettings,
    base_topk_ids: list[Any] | None,
    bar: Any,
) -> _Pass:
    """Forward every sequence through one model and keep the per-text statistics."""
    import torch

    owned = isinstance(model, (str, Path))
    net, device = _load_model(model, settings)
    out = _Pass(erank={r: [] for r in settings.representations})
    topk_set = {row: n for n, row in enumerate(topk_rows)}
    k_max = max(settings.ks)
    task = bar.add_task(f"{role} model", total=len(sequences)) if bar else None
    want_hidden = "hidden" in settings.representations
    with torch.inference_mode():
        for row, ids in enumerate(sequences):
            input_ids = torch.tensor([ids], device=device)
            result = net(input_ids=input_ids, output_hidden_states=want_hidden, use_cache=False)
            logits = result.logits[0].float()
            if "logits" in settings.representations:
                out.erank["logits"].append(metrics.erank(logits))
            if want_hidden:
                out.erank["hidden"].append(metrics.erank(result.hidden_states[-1][0].float()))
            out.energy.append(-torch.logsumexp(logits.double(), dim=-1).cpu().numpy())
            loss = torch.nn.functional.cross_entropy(logits[:-1], input_ids[0, 1:], reduction="sum")
            out.nll_sum += float(loss)
            out.nll_count += len(ids) - 1
            if row in topk_set:
                head = logits[: settings.topk_tokens]
                if base_topk_ids is None:
                    if head.shape[-1] < k_max:
                        raise AnalysisError(f"vocabulary smaller than k={k_max}")
                    values, token_ids = head.topk(k_max, dim=-1)
                    out.topk_ids.append(token_ids)
                else:
                    token_ids = base_topk_ids[topk_set[row]]
                    if head.shape[-1] <= int(token_ids.max()):
                        raise AnalysisError(
                            f"the {role} model's vocabulary ({head.shape[-1]}) is smaller than "
                            "the base model's: the models do not share a tokenizer"
                        )
                    values = head.gather(-1, token_ids.to(head.device))
                out.topk_values.append(values.cpu().numpy())
            if bar:
                bar.advance(task)
    if owned:
        del net
        gc.collect()
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return out


def _mean(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


def _name(model: Any) -> str:
    if isinstance(model, (str, Path)):
        return str(model)
    return str(getattr(model, "name_or_path", "") or type(model).__name__)


def _report(
    base: Any,
    compressed: Any,
    text_set: TextSet,
    sequences: list[list[int]],
    topk_rows: list[int],
    settings: AnalysisSettings,
    base_pass: _Pass,
    compressed_pass: _Pass,
) -> dict[str, Any]:
    erank = {}
    for rep in settings.representations:
        b, c = _mean(base_pass.erank[rep]), _mean(compressed_pass.erank[rep])
        erank[rep] = {
            "base": b,
            "compressed": c,
            "diff_erank": metrics.diff_erank(b, c),
            "base_per_text": base_pass.erank[rep],
            "compressed_per_text": compressed_pass.erank[rep],
        }

    topk: dict[str, Any] = {}
    if topk_rows:
        base_values = np.stack(base_pass.topk_values)  # (S, n, k_max), sorted by base logit
        compressed_values = np.stack(compressed_pass.topk_values)
        for k in settings.ks:
            per_sequence = [
                metrics.rank_correlations(b[:, :k], c[:, :k])
                for b, c in zip(base_values, compressed_values, strict=True)
            ]
            topk[str(k)] = {
                name: _summarise_positions(np.stack([p[name] for p in per_sequence]))
                for name in ("kendall", "spearman")
            }

    base_energy = np.concatenate(base_pass.energy)
    compressed_energy = np.concatenate(compressed_pass.energy)
    edges = np.histogram_bin_edges(
        np.concatenate([base_energy, compressed_energy]), bins=settings.energy_bins
    )
    energy = {
        "definition": "E_t = -logsumexp(logits_t), per token position",
        **metrics.shift_statistics(base_energy, compressed_energy),
        "histogram": {
            "bin_edges": edges.tolist(),
            "base": np.histogram(base_energy, edges)[0].tolist(),
            "compressed": np.histogram(compressed_energy, edges)[0].tolist(),
        },
    }
    return {
        "base": _name(base),
        "compressed": _name(compressed),
        "texts": {
            "source": text_set.source,
            "count": len(sequences),
            "tokens": sum(len(s) for s in sequences),
            "topk_sequences": len(topk_rows),
        },
        "settings": settings.model_dump(mode="json"),
        "erank": erank,
        "topk_correlation": topk,
        "logit_energy": energy,
        "perplexity": {
            "base": math.exp(base_pass.nll_sum / base_pass.nll_count),
            "compressed": math.exp(compressed_pass.nll_sum / compressed_pass.nll_count),
        },
    }


def _summarise_positions(values: np.ndarray) -> dict[str, Any]:
    """(sequences × positions) correlations → mean per position and overall, NaNs skipped."""
    finite = np.isfinite(values)
    counts = finite.sum(0)
    sums = np.where(finite, values, 0.0).sum(0)
    per_position = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    overall = float(values[finite].mean()) if finite.any() else math.nan
    return {
        "overall": overall,
        "per_position": [None if math.isnan(v) else float(v) for v in per_position],
        "undefined": int((~finite).sum()),
    }


def summary_text(report: dict[str, Any]) -> str:
    """A few lines for people: the headline of every metric."""
    texts = report["texts"]
    lines = [
        f"ACBench analysis: {report['compressed']} vs {report['base']}",
        f"Texts: {texts['source']}: {texts['count']} texts, {texts['tokens']} tokens; "
        f"top-k on {texts['topk_sequences']} sequences × "
        f"{report['settings']['topk_tokens']} tokens",
    ]
    for rep, values in report["erank"].items():
        diff = values["diff_erank"]
        lines.append(
            f"ERank ({rep}): base {values['base']:.2f}, compressed {values['compressed']:.2f}; "
            f"Diff-ERank {diff['absolute']:+.2f} ({diff['percent']:+.2f}%)"
        )
    for k, values in report["topk_correlation"].items():
        lines.append(
            f"Top-{k} ranking correlation: Kendall τ {values['kendall']['overall']:.3f}, "
            f"Spearman ρ {values['spearman']['overall']:.3f}"
        )
    energy = report["logit_energy"]
    lines.append(
        f"Logit energy: base mean {energy['base_mean']:.3f}, compressed mean "
        f"{energy['compressed_mean']:.3f} (shift {energy['mean_difference']:+.3f}); "
        f"Wasserstein {energy['wasserstein']:.3f}, KS {energy['ks_statistic']:.3f}"
    )
    ppl = report["perplexity"]
    lines.append(f"Perplexity: base {ppl['base']:.2f}, compressed {ppl['compressed']:.2f}")
    return "\n".join(lines)


def write_outputs(report: dict[str, Any], output_dir: str | Path) -> dict[str, str]:
    """Write ``analysis.json``, ``analysis_summary.txt`` and the PNG plots; return their paths."""
    import json

    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        from acbench.analysis.plots import plot_all

        files = {name: str(path) for name, path in plot_all(report, folder).items()}
    except ImportError as err:  # the numbers do not need matplotlib
        logger.warning("no plots (%s): pip install matplotlib", err)
        files = {}
    summary = folder / "analysis_summary.txt"
    summary.write_text(summary_text(report) + "\n", encoding="utf-8")
    files["summary"] = str(summary)
    results = folder / "analysis.json"
    files["json"] = str(results)
    with open(results, "w", encoding="utf-8") as handle:
        json.dump(_json_safe({**report, "files": files}), handle, indent=2)
    return files


def _json_safe(value: Any) -> Any:
    """NaN / inf → null: strict JSON (undefined values, e.g. the ERank of a one-token text)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value
