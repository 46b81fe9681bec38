"""Offline LongGenBench samples: generated arithmetic problems with exact answers.

GSM8K-format word problems (``question``, ``answer`` ending ``#### <n>``) and MMLU-format
multiple-choice arithmetic (``question``, ``subject``, ``choices``, ``answer`` index), enough for
two prompts each at the default K. Deterministic; nothing here comes from the real test sets.
``python -m acbench_tasks.longgenbench.samples DIR`` writes them in the Hub layout
(``DIR/gsm8k/main/test.jsonl``, ``DIR/mmlu/all/test.jsonl``) for use as a local copy.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

GSM8K_COUNT = 60  # two prompts of 30
MMLU_SUBJECTS = ("elementary_mathematics", "high_school_mathematics")
MMLU_PER_SUBJECT = 20
NAMES = ("Ava", "Ben", "Carla", "Dmitri", "Esme", "Femi", "Gus", "Hana", "Ivo", "Jun")
ITEMS = ("apples", "stamps", "marbles", "books", "shells", "pencils", "stickers", "cards")


def _word_problem(rng: random.Random) -> dict[str, str]:
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    start, bought, per_box = rng.randint(5, 60), rng.randint(2, 9), rng.randint(2, 12)
    given = rng.randint(1, start)
    total = start + bought * per_box - given
    question = (
        f"{name} has {start} {item}. {name} buys {bought} boxes with {per_box} {item} in each "
        f"box and then gives {given} {item} to a friend. How many {item} does {name} have now?"
    )
    answer = (
        f"{name} buys {bought} * {per_box} = <<{bought}*{per_box}={bought * per_box}>>"
        f"{bought * per_box} {item}.\n{name} then has {start} + {bought * per_box} - {given} = "
        f"<<{start}+{bought * per_box}-{given}={total}>>{total} {item}.\n#### {total}"
    )
    return {"question": question, "answer": answer}


def _choice_question(rng: random.Random, subject: str) -> dict[str, Any]:
    a, b = rng.randint(3, 40), rng.randint(3, 40)
    if subject == "elementary_mathematics":
        question, value = f"What is {a} * {b}?", a * b
    else:
        c = rng.randint(1, 30)
        question, value = f"If x = {a}, what is {b}x - {c}?", b * a - c
    wrong = set()
    while len(wrong) < 3:
        candidate = value + rng.choice((-1, 1)) * rng.randint(1, 12)
        if candidate != value:
            wrong.add(candidate)
    choices = [value, *sorted(wrong)]
    rng.shuffle(choices)
    return {
        "question": question,
        "subject": subject,
        "choices": [str(c) for c in choices],
        "answer": choices.index(value),
    }


def sample_records(benchmark: str) -> list[dict[str, Any]]:
    """Generated records of ``gsm8k`` or ``mmlu`` in the Hub datasets' format."""
    rng = random.Random(f"acbench-longgenbench-{benchmark}")
    if benchmark == "gsm8k":
        return [_word_problem(rng) for _ in range(GSM8K_COUNT)]
    if benchmark == "mmlu":
        return [
            _choice_question(rng, subject)
            for subject in MMLU_SUBJECTS
            for _ in range(MMLU_PER_SUBJECT)
        ]
    raise KeyError(f"no LongGenBench samples for {benchmark!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    for benchmark, rel in (("gsm8k", "main/test.jsonl"), ("mmlu", "all/test.jsonl")):
        path = args.folder / benchmark / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            for record in sample_records(benchmark):
                handle.write(json.dumps(record) + "\n")
        print(path)


if __name__ == "__main__":
    main()
