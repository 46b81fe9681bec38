"""ACBench: the Agent Compression Benchmark for lm-evaluation-harness and the Hugging Face Hub.

Kept import-free on purpose: the ``acbench_lm_eval.pth`` start-up hook imports this package in
every Python process, so nothing heavy may run here.
"""

__version__ = "0.1.0"
