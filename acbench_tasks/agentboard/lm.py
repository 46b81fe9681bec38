"""``--model acbench-agent``: any lm-eval model, plus multi-turn agent episodes.

lm-eval asks a model once per document, so the episode loop lives model-side. This wrapper
builds the inner model from its own ``--model_args`` (``model=hf,pretrained=...``; everything
but ``model`` and the ``agent_*`` keys goes to the inner model), forwards ordinary requests to
it unchanged, and answers the ``agent_episode`` requests of the ``acbench_realworld`` tasks by
playing the episodes with :func:`acbench_tasks.agentboard.runner.run_episodes`: all episodes in
flight advance in lockstep, one batched ``generate_until`` call per step.

Example::

    lm_eval --model acbench-agent --model_args model=hf,pretrained=acbench:smollm2 \\
        --tasks acbench_realworld --limit 1

Model arguments of the wrapper: ``model`` (inner lm-eval model name, default ``hf``),
``agent_concurrency`` (episodes in flight, default 64), ``agent_max_context`` (tokens; default
the smaller of 8192 and the inner model's maximum length), ``agent_model_path`` (the path that
ACBench's chat-wrapper rules read; default the inner model's ``pretrained``).
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Sequence
from typing import Any

import lm_eval.models  # noqa: F401 - lm-eval's own models first (the registry fills lazily)
from lm_eval import utils
from lm_eval.api.instance import Instance
from lm_eval.api.model import LM
from lm_eval.api.registry import get_model, register_model

from acbench_tasks.agentboard import upstream
from acbench_tasks.agentboard.runner import EpisodeConfig, approx_tokens, run_episodes
from acbench_tasks.agentboard.vanilla_agent import Renderer

logger = logging.getLogger(__name__)

MODEL_NAME = "acbench-agent"
REQUEST_TYPE = "agent_episode"
DEFAULT_CONCURRENCY = 64


def wrong_model_message(lm: Any) -> str:
    """Why a plain backend cannot run agent tasks, and the command that can."""
    return (
        f"{type(lm).__name__} cannot play multi-turn agent episodes (acbench_realworld tasks). "
        f"Wrap it: --model {MODEL_NAME} --model_args model=<backend>,<its model_args>, e.g. "
        f"lm_eval --model {MODEL_NAME} --model_args model=hf,pretrained=acbench:smollm2 "
        "--tasks acbench_realworld. Ordinary tasks run through the wrapper unchanged."
    )


def refuse_agent_episode(self: LM, requests: Sequence[Instance]) -> list[str]:
    """Installed on lm-eval's ``LM`` base class: plain backends stop with the right command."""
    raise RuntimeError(wrong_model_message(self))


@register_model(MODEL_NAME)
class AgentLM(LM):
    """An lm-eval model that wraps another one and plays agent episodes with it."""

    def __init__(
        self,
        model: str = "hf",
        agent_concurrency: int = DEFAULT_CONCURRENCY,
        agent_max_context: int | None = None,
        agent_model_path: str | None = None,
        inner: LM | None = None,
        **inner_args: Any,
    ) -> None:
        super().__init__()
        self.model_path = str(agent_model_path or inner_args.get("pretrained") or "")
        if inner is None:
            if model == MODEL_NAME:
                raise ValueError(f"{MODEL_NAME} cannot wrap itself; pass model=hf (or vllm, ...)")
            inner = get_model(model).create_from_arg_obj(inner_args)
        self.inner = inner
        self.inner_name = model
        self.concurrency = max(1, int(agent_concurrency))
        inner_max = getattr(inner, "max_length", None)
        default_context = min(8192, inner_max) if isinstance(inner_max, int) else 8192
        self.max_context = int(agent_max_context or default_context)

    @classmethod
    def create_from_arg_string(
        cls, arg_string: str, additional_config: dict | None = None
    ) -> AgentLM:
        args = utils.simple_parse_args_string(arg_string)
        extra = {k: v for k, v in (additional_config or {}).items() if v is not None}
        return cls(**args, **extra)

    # ------------------------------------------------------------------ pass-through
    def loglikelihood(self, requests, *args, **kwargs):
        return self.inner.loglikelihood(requests, *args, **kwargs)

    def loglikelihood_rolling(self, requests, *args, **kwargs):
        return self.inner.loglikelihood_rolling(requests, *args, **kwargs)

    def generate_until(self, requests, *args, **kwargs):
        return self.inner.generate_until(requests, *args, **kwargs)

    def apply_chat_template(self, chat_history, add_generation_prompt: bool = True):
        return self.inner.apply_chat_template(chat_history, add_generation_prompt)

    @property
    def tokenizer_name(self) -> str:
        return getattr(self.inner, "tokenizer_name", "")

    def chat_template(self, chat_template: bool | str = False) -> str | None:
        return self.inner.chat_template(chat_template)

    @property
    def device(self) -> Any:
        return getattr(self.inner, "device", None)

    @property
    def rank(self) -> int:
        return self.inner.rank

    @property
    def world_size(self) -> int:
        return self.inner.world_size

    def all_gather(self, tensor: Any) -> Any:
        return self.inner.all_gather(tensor)

    def gather_object(self, obj: Any, dst: int = 0) -> Any:
        return self.inner.gather_object(obj, dst)

    def barrier(self) -> None:
        self.inner.barrier()

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes AgentLM lacks (tokenizer, tok_encode, max_length, ...).
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def get_model_info(self) -> dict:
        info = getattr(self.inner, "get_model_info", None)
        return info() if callable(info) else {}

    # ------------------------------------------------------------------ episodes
    def count_tokens(self, prompt: Any) -> int:
        encode = getattr(self.inner, "tok_encode", None)
        if not isinstance(prompt, str) or encode is None or self._tokenizer() is None:
            return approx_tokens(prompt)
        try:
            return len(encode(prompt))
        except Exception:  # API backends whose tokenizer cannot encode locally
            return approx_tokens(prompt)

    def _tokenizer(self) -> Any:
        try:
            return getattr(self.inner, "tokenizer", None)
        except Exception:
            return None

    def chat_template_fn(self) -> Any:
        """The backend's chat template as ``messages -> prompt``, or None when it has none."""
        apply = getattr(self.inner, "apply_chat_template", None)
        if apply is None:
            return None
        tokenizer = self._tokenizer()
        if tokenizer is not None and not getattr(tokenizer, "chat_template", None):
            return None  # a base model: no template to apply
        return lambda messages: apply(messages, add_generation_prompt=True)

    def renderer(self, config: EpisodeConfig, sources: dict[str, Any]) -> Renderer:
        """How prompts reach the model under the episode's protocol."""
        templates: dict[str, str] = {}

        def acbench_templates() -> dict[str, str]:
            if not templates:
                templates.update(upstream.acbench_chat_templates(sources))
            return templates

        render = Renderer(config.protocol, self.model_path, self.chat_template_fn(),
                          acbench_templates)  # fmt: skip
        logger.info("Agent prompts (%s protocol): %s", config.protocol, render.describe())
        return render

    def generate_batch(self, prompts: list[Any], gen_kwargs: dict[str, Any]) -> list[str]:
        """One ``generate_until`` call on the inner model for a whole step."""
        instances = [
            Instance(request_type="generate_until", doc={}, arguments=(p, dict(gen_kwargs)), idx=0)
            for p in prompts
        ]
        kwargs = {}
        if "disable_tqdm" in inspect.signature(self.inner.generate_until).parameters:
            kwargs["disable_tqdm"] = True
        return [str(g) for g in self.inner.generate_until(instances, **kwargs)]

    def agent_episode(self, requests: Sequence[Instance]) -> list[str]:
        """Play one episode per request; answer each with its readable transcript."""
        problems, configs, sources = [], [], []
        for request in requests:
            spec = json.loads(request.args[0])
            problems.append(spec["problem"])
            settings = dict(spec.get("settings", {}))
            settings["max_context"] = min(int(settings.get("max_context", 8192)), self.max_context)
            configs.append(EpisodeConfig.from_mapping(settings))
            sources.append(json.dumps(settings.get("upstream", {}), sort_keys=True))
        answers: list[str] = [""] * len(requests)
        # One lockstep group per environment (and settings): the prompts of one environment
        # have similar lengths, so a padded batch (HF) wastes little on the shorter ones.
        groups: dict[tuple[EpisodeConfig, str, str], list[int]] = {}
        for index, config in enumerate(configs):
            key = (config, str(problems[index].get("env")), sources[index])
            groups.setdefault(key, []).append(index)
        from tqdm import tqdm

        with tqdm(total=len(requests), desc="Agent episodes") as bar:
            for (config, _, source), indices in groups.items():
                render = self.renderer(config, json.loads(source))
                finished = [0]

                def report(done: int, total: int, finished=finished) -> None:
                    bar.update(done - finished[0])
                    finished[0] = done

                results = run_episodes(
                    [problems[i] for i in indices],
                    self.generate_batch,
                    config,
                    count_tokens=self.count_tokens,
                    render=render,
                    max_concurrent=self.concurrency,
                    on_step=report,
                )
                for index, result in zip(indices, results, strict=True):
                    answers[index] = result.transcript()
        return answers
