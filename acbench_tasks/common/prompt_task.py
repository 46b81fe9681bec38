"""Tasks whose prompt is one long user message, sized in the evaluated model's tokens.

The long-context tasks (LongBench, LongGenBench, Needle-in-a-Haystack) build one prompt per
document. Under the ``clean`` protocol, ``--apply_chat_template`` makes it the single user turn
(unless the task says that upstream feeds it raw); under ``acbench`` the task reproduces
ACBench's own wrapping (or none) and lm-eval's template is never applied. Without a template the
prompt is passed as it is, with no trailing newline added.

Each task records in its results metadata (``configs.<task>.metadata``) the protocol, where its
data and upstream texts came from, the generation settings in force and whether its numbers can
be compared with the paper's (``comparable_with_paper``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from typing import Any

import datasets

from acbench_core.data_sources import DataSourceError
from acbench_tasks.common.chat import ChatTask, Message
from acbench_tasks.common.long_context import load_tokenizer, task_protocol

logger = logging.getLogger(__name__)


class SinglePromptTask(ChatTask):
    """A ``generate_until`` task with one prompt per doc, run under a protocol.

    Subclasses define :meth:`build_prompt`, :meth:`load_documents` and, when the protocols
    decode differently, :meth:`protocol_generation`. ``self.metadata`` is the task metadata
    (YAML ``metadata``, ``--metadata`` and the model args that lm-eval merges in);
    ``self.tokenizer`` the evaluated model's tokenizer, loaded on first use from it.
    """

    def __init__(self, config: dict[str, Any] | None = None, **kwargs: Any) -> None:
        config = dict(config or {})
        self.protocol = task_protocol(config.get("metadata") or {})
        generation = self.protocol_generation(config, self.protocol)
        #: The protocol's generation settings; ``--gen_kwargs`` may lower max_gen_toks only.
        self.protocol_settings: dict[str, Any] | None = None
        if generation is not None:
            self.protocol_settings = dict(generation)
            config["generation_kwargs"] = dict(generation)
        self._generation_recorded = False
        super().__init__(config=config, **kwargs)
        self.record(protocol=self.protocol)

    # ---- hooks -------------------------------------------------------------------------
    @classmethod
    def protocol_generation(cls, config: Mapping[str, Any], protocol: str) -> dict | None:
        """Generation settings of ``protocol`` for this task config (None: the YAML's)."""
        return None

    def build_prompt(self, doc: dict) -> str:
        raise NotImplementedError

    def load_documents(self, options: dict[str, Any]) -> tuple[list[dict], dict[str, Any]]:
        """(documents, provenance for the results metadata) from metadata + dataset_kwargs."""
        raise NotImplementedError

    def uses_chat_template(self, doc: dict) -> bool:
        """Whether ``--apply_chat_template`` wraps this doc's prompt (clean protocol)."""
        return self.protocol == "clean"

    def paper_comparable(self) -> bool:
        """Whether this run's settings are those ACBench ran (data checked separately)."""
        return self.protocol == "acbench"

    # ---- metadata ------------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.config.metadata or {})

    # ---- data --------------------------------------------------------------------------
    def download(self, dataset_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        options = {**self.metadata, **(dataset_kwargs or {})}
        docs, provenance = self.load_documents(options)
        if not docs:
            raise DataSourceError(f"{self.config.task}: the data has no documents")
        self.dataset = datasets.DatasetDict({"test": datasets.Dataset.from_list(docs)})
        self.record(**provenance)

    @functools.cached_property
    def tokenizer(self) -> Any:
        return load_tokenizer(self.metadata)

    @property
    def max_gen_toks(self) -> int:
        """The generation length in force (after ``--gen_kwargs`` overrides)."""
        return int((self.config.generation_kwargs or {}).get("max_gen_toks", 256))

    # ---- prompts and requests ------------------------------------------------------------
    def doc_to_text(self, doc: dict, doc_to_text: Any = None) -> str:
        return self.build_prompt(doc)

    def doc_to_messages(self, doc: dict) -> list[Message]:
        return [{"role": "user", "content": self.build_prompt(doc)}]

    def fewshot_context(self, doc: dict, num_fewshot: int, **options: Any) -> Any:
        """The chat-wrapped prompt (``ChatTask``'s path), or the bare prompt without a template."""
        if options.get("apply_chat_template") and options.get("chat_template"):
            if self.uses_chat_template(doc):
                return super().fewshot_context(doc, num_fewshot, **options)
        instruction = options.get("system_instruction")
        prompt = self.build_prompt(doc)
        if instruction and self.protocol == "acbench":
            logger.warning("%s: --system_instruction ignored (acbench protocol)", self.config.task)
            instruction = None
        return f"{instruction}\n\n{prompt}" if instruction else prompt

    def construct_requests(self, doc: dict, ctx: Any, **kwargs: Any) -> Any:
        request = super().construct_requests(doc, ctx, **kwargs)
        generation = request.arguments[1]
        if self.protocol_settings and "max_gen_toks" in self.protocol_settings:
            limit = int(self.protocol_settings["max_gen_toks"])
            if int(generation.get("max_gen_toks", limit)) > limit:
                generation["max_gen_toks"] = limit
        if not self._generation_recorded:
            self._generation_recorded = True
            same = self.protocol_settings is None or all(
                generation.get(key) == value for key, value in self.protocol_settings.items()
            )
            comparable = (
                self.paper_comparable()
                and same
                and self.metadata.get("data_source_kind") not in ("sample", None)
            )
            self.record(generation=dict(generation), comparable_with_paper=comparable)
        return request
