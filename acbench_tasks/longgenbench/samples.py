"""Offline LongGenBench samples: generated arithmetic problems with exact answers.

GSM8K-format word problems (``question``, ``answer`` ending ``#### <n>``) and MMLU-format
multiple-choice arithmetic (``question``, ``subject``, ``choices``, ``answer`` index), enough for
two prompts each at the default K. Deterministic; nothing here comes from the real test sets.

For the ``acbench`` protocol the samples also stand in for LongGenBench's upstream files, in
their formats but written for this project (:func:`sample_upstream_files`): the 8 worked GSM8K
examples (``LongGenBench_prompt.txt``), 5 chain-of-thought examples per sample subject
(``LongGenBench_prompt.json``), the subjects' test CSVs, and the system instructions
(:data:`SAMPLE_INSTRUCTIONS`).
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


# ----------------------------------------------------------------------------- upstream stand-ins
#: Worked examples in the layout of LongGenBench_prompt.txt, written for these samples.
GSM8K_DEMOS = (
    ("A baker made 24 rolls and sold 15 of them. How many rolls are left?",
     "The baker started with 24 rolls.\nShe sold 15.\n24 - 15 = 9.\nThe answer is 9."),
    ("Tom reads 6 pages a day. How many pages does he read in a week?",
     "A week has 7 days.\n6 * 7 = 42.\nThe answer is 42."),
    ("A box holds 8 crayons. How many crayons are in 5 boxes?",
     "Each box has 8 crayons.\n5 * 8 = 40.\nThe answer is 40."),
    ("Mia had 50 cents and bought a pencil for 35 cents. How many cents does she have left?",
     "Mia had 50 cents.\nThe pencil cost 35.\n50 - 35 = 15.\nThe answer is 15."),
    ("There are 3 shelves with 12 jars each. 7 jars break. How many jars are whole?",
     "3 * 12 = 36 jars.\n36 - 7 = 29.\nThe answer is 29."),
    ("A bus has 40 seats and 26 are taken. How many seats are free?",
     "40 - 26 = 14.\nThe answer is 14."),
    ("Leo saves 5 dollars a week for 9 weeks and spends 12. How much is left?",
     "He saves 5 * 9 = 45 dollars.\n45 - 12 = 33.\nThe answer is 33."),
    ("A garden has 4 rows of 9 tulips and 10 roses. How many flowers are there?",
     "4 * 9 = 36 tulips.\n36 + 10 = 46.\nThe answer is 46."),
)  # fmt: skip
#: Instructions standing in for ACBench's system prompts (our own words, same roles).
SAMPLE_INSTRUCTIONS = {
    "gsm8k": "Answer the questions one after another, reasoning step by step as the examples "
    "do. Begin each answer with 'Answer_' and its number and end it with 'The answer is' and "
    "the result. Answer every question, however many there are.",
    "mmlu": "Answer the questions one after another, reasoning step by step as the examples "
    "do. Begin each answer with 'Answer_' and its number and end it with 'The answer is' and "
    "the option in brackets. Answer every question, however many there are.",
}


def _mmlu_demo_text(subject: str) -> str:
    """Five chain-of-thought examples in the layout of LongGenBench_prompt.json."""
    rng = random.Random(f"acbench-longgenbench-demo-{subject}")
    parts = [f"The following are arithmetic questions with worked answers ({subject})."]
    for _ in range(5):
        record = _choice_question(rng, subject)
        options = "\n".join(f"({'ABCD'[k]}) {c}" for k, c in enumerate(record["choices"]))
        letter = "ABCD"[record["answer"]]
        value = record["choices"][record["answer"]]
        parts.append(
            f"Q: {record['question']}\n{options}\nA: Let's think step by step. Working it "
            f"out gives {value}, which is option ({letter}). The answer is ({letter})."
        )
    return "\n\n".join(parts)


def _csv_text(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([row["question"], *row["choices"], "ABCD"[row["answer"]]])
    return out.getvalue()


def sample_upstream_files() -> dict[str, str]:
    """LongGenBench's upstream files (path in its repository → text), written for the samples."""
    gsm8k = "".join(f"Question_{k}: \n{q}\n\n" for k, (q, _) in enumerate(GSM8K_DEMOS, 1))
    gsm8k += "\n\n".join(f"Answer_{k}:\n{a}" for k, (_, a) in enumerate(GSM8K_DEMOS, 1))
    records = sample_records("mmlu")
    files = {
        "data/LongGenBench_GSM8K_prompt/LongGenBench_prompt.txt": gsm8k,
        "data/LongGenBench_MMLU_prompt/LongGenBench_prompt.json": json.dumps(
            {subject: _mmlu_demo_text(subject) for subject in MMLU_SUBJECTS}, indent=1
        ),
    }
    for subject in MMLU_SUBJECTS:
        rows = [r for r in records if r["subject"] == subject]
        files[f"data/MMLU/data/test/{subject}_test.csv"] = _csv_text(rows)
    return files


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
