"""Tasks whose prompt is a list of chat messages.

lm-eval builds prompts from ``doc_to_text`` strings; ACBench's agent benchmarks are defined as
message lists (system prompt, worked examples as user/assistant turns, the query). A
:class:`ChatTask` renders that list with the model's chat template under
``--apply_chat_template`` (API chat backends receive the messages themselves) and as a plain
transcript otherwise.

Every ``ChatTask`` subclass's ``process_results`` is wrapped by
:func:`acbench_tasks.common.guard.guard_process_results` when the class is defined: a scoring
failure costs that sample (scored 0, ``scoring_error`` in the per-sample log, counted by the
per-task ``scoring_error`` metric), never the run.

A subclass that defines :meth:`ChatTask.load_documents` loads its own documents (instead of
lm-eval's ``custom_dataset``) and writes where they came from into its results metadata.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

import datasets
from lm_eval.api.task import ConfigurableTask
from lm_eval.config.task import TaskConfig

from acbench_core.data_sources import (
    DataSourceError,
    Provenance,
    merge_provenance,
    record_provenance,
)
from acbench_tasks.common.guard import (
    SCORING_ERROR,
    count_scoring_errors,
    guard_process_results,
)

logger = logging.getLogger(__name__)

Message = dict[str, str]
_TASK_CONFIG_FIELDS = frozenset(f.name for f in dataclasses.fields(TaskConfig))


def render_transcript(messages: Sequence[Message]) -> str:
    """Plain-text prompt: turns separated by blank lines, ending where the answer starts."""
    return "\n\n".join(m["content"] for m in messages) + "\n"


def with_system_instruction(messages: list[Message], instruction: str | None) -> list[Message]:
    """Prepend ``--system_instruction`` to the system turn (or add one)."""
    if not instruction:
        return messages
    if messages and messages[0]["role"] == "system":
        head = {"role": "system", "content": f"{instruction}\n\n{messages[0]['content']}"}
        return [head, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


class ChatTask(ConfigurableTask):
    """A ``generate_until`` task built from ``doc_to_messages``; subclasses define that method.

    Use it from YAML with ``class: !function <module>.<Subclass>``; keys that are not
    ``TaskConfig`` fields (such as ``class``) are dropped before lm-eval sees the config.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "process_results" in cls.__dict__:
            cls.process_results = guard_process_results(cls.__dict__["process_results"])

    def __init__(self, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        config = {k: v for k, v in (config or {}).items() if k in _TASK_CONFIG_FIELDS}
        super().__init__(config=config, **kwargs)

    # ---- metadata ------------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        """The task metadata: YAML ``metadata``, ``--metadata`` and the model args lm-eval adds."""
        return dict(self.config.metadata or {})

    def record(self, **fields: Any) -> None:
        """Write ``fields`` into the task's metadata, which lm-eval saves with the results
        (a ``provenance`` block is merged into the one already there)."""
        if self.config.metadata is None:
            self.config.metadata = {}
        merge_provenance(self.config.metadata, fields)

    def record_sources(
        self,
        *,
        data: Sequence[Provenance] = (),
        upstream: Sequence[Provenance] = (),
        embedding_model: Provenance | None = None,
    ) -> None:
        """Write where the task's data, upstream texts and embedding model came from into its
        metadata (``configs.<task>.metadata.provenance``; see
        :func:`acbench_core.data_sources.record_provenance`)."""
        if self.config.metadata is None:
            self.config.metadata = {}
        record_provenance(
            self.config.metadata, data=data, upstream=upstream, embedding_model=embedding_model
        )

    # ---- data --------------------------------------------------------------------------
    def load_documents(self, options: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
        """(documents, fields for the results metadata) from metadata + ``dataset_kwargs``.

        Subclasses that do not define it get lm-eval's ``custom_dataset``.
        """
        raise NotImplementedError

    def download(self, dataset_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if type(self).load_documents is ChatTask.load_documents:
            super().download(dataset_kwargs, **kwargs)
            return
        options = {**self.metadata, **(dataset_kwargs or {})}
        docs, provenance = self.load_documents(options)
        if not docs:
            raise DataSourceError(f"{self.config.task}: the data has no documents")
        self.dataset = datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})
        self.record(**provenance)

    #: lm-eval's own scoring (metric_list functions), guarded as the subclasses' methods are.
    process_results = guard_process_results(ConfigurableTask.process_results)

    def aggregation(self) -> dict:
        """The task's aggregations plus the ``scoring_error`` count."""
        return {**super().aggregation(), SCORING_ERROR: count_scoring_errors}

    def higher_is_better(self) -> dict:
        return {**super().higher_is_better(), SCORING_ERROR: False}

    def failed_sample_metrics(self, doc: dict) -> dict[str, Any]:
        """Metrics of a sample whose scoring failed: 0.0 for each of the task's metrics.

        Override where a metric's items are not plain numbers (T-Eval's dict items) or where 0
        is the wrong value for a failed sample.
        """
        return {name: 0.0 for name in super().aggregation() if name != SCORING_ERROR}

    # ---- n-shot ----------------------------------------------------------------------------
    def embedded_examples(self) -> int:
        """How many worked examples the benchmark's own prompt embeds (0: none).

        lm-eval's ``--num_fewshot`` is ignored by these tasks (:meth:`fewshot_context`); this
        number is what the results' ``n-shot`` reports instead (:meth:`dump_config`).
        """
        return 0

    def dump_config(self) -> dict:
        """The config saved with the results, ``num_fewshot`` = :meth:`embedded_examples`."""
        config = dict(super().dump_config())
        config["num_fewshot"] = self.embedded_examples()
        return config

    def doc_to_messages(self, doc: dict) -> list[Message]:
        raise NotImplementedError

    def plain_prompt(self, messages: Sequence[Message]) -> str:
        """The prompt without a chat template (override where the benchmark flattened its
        messages its own way)."""
        return render_transcript(messages)

    def doc_to_text(self, doc: dict, doc_to_text: Any = None) -> str:
        return self.plain_prompt(self.doc_to_messages(doc))

    def fewshot_context(
        self,
        doc: dict,
        num_fewshot: int,
        system_instruction: str | None = None,
        apply_chat_template: bool = False,
        fewshot_as_multiturn: bool = False,
        chat_template: Callable[..., Any] | None = None,
        gen_prefix: str | None = None,
    ) -> Any:
        if num_fewshot:
            logger.warning(
                "%s: the benchmark's own worked examples are part of its prompt; "
                "--num_fewshot %s is ignored",
                self.config.task,
                num_fewshot,
            )
        messages = with_system_instruction(self.doc_to_messages(doc), system_instruction)
        if apply_chat_template and chat_template is not None:
            return chat_template(messages, add_generation_prompt=True)
        return self.plain_prompt(messages)
