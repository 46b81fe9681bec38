"""Tasks whose prompt is one long user message, sized in the evaluated model's tokens.

The long-context tasks (LongBench, LongGenBench, Needle-in-a-Haystack) build one prompt per
document; under ``--apply_chat_template`` it becomes the single user turn (unless the task says
that upstream feeds it raw), otherwise it is passed as it is, with no trailing newline added.
"""

from __future__ import annotations

import functools
from typing import Any

from acbench_tasks.common.chat import ChatTask, Message
from acbench_tasks.common.long_context import load_tokenizer


class SinglePromptTask(ChatTask):
    """A ``generate_until`` task with one prompt per doc; subclasses define :meth:`build_prompt`.

    ``self.metadata`` is the task metadata (YAML ``metadata``, ``--metadata`` and the model args
    that lm-eval merges in); ``self.tokenizer`` the evaluated model's tokenizer, loaded on first
    use from that metadata.
    """

    def build_prompt(self, doc: dict) -> str:
        raise NotImplementedError

    def uses_chat_template(self, doc: dict) -> bool:
        """Whether ``--apply_chat_template`` wraps this doc's prompt (default: yes)."""
        return True

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.config.metadata or {})

    @functools.cached_property
    def tokenizer(self) -> Any:
        return load_tokenizer(self.metadata)

    @property
    def max_gen_toks(self) -> int:
        """The generation length in force (after ``--gen_kwargs`` overrides)."""
        return int((self.config.generation_kwargs or {}).get("max_gen_toks", 256))

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
        return f"{instruction}\n\n{prompt}" if instruction else prompt
