"""Publishing compressed checkpoints to the Hugging Face Hub with their ACBench model card.

- the compression record (``acbench_compression.json``):
  :class:`compressors.record.CompressionRecord`;
- :mod:`hub_publish.card`: the model card (``ModelCardData``/``EvalResult`` model-index,
  ``.eval_results`` entries, results per capability with recovery, energy, reproduce commands);
- :mod:`hub_publish.publish`: idempotent upload (``create_commit``; PR, branch, private, dry run);
- :mod:`hub_publish.details`: lm-eval per-sample details to a Hub dataset (lm-eval's tracker);
- :mod:`hub_publish.cli`: ``acbench publish``.

Heavy imports (huggingface_hub, lm_eval) happen inside the functions.
"""
