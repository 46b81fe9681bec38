"""T-Eval parsers and scorers against hand-computed cases, from the spec's exact rules.

The rules are ``shared/spec/tasks.md`` §1 ("Exact upstream rules"). Plan and reason use the
one-hot test embedder (identical texts → cosine 1, others 0), so every expected number below
is computed by hand. Surprising rules of the spec are marked RULE; cases where the upstream
code reads differently and the spec is followed are marked SPEC (both listed in
acbench_tasks/teval/README.md).
"""

from __future__ import annotations

import json
import re
import time

import pytest
from fakes import OneHotEmbedder
from hypothesis import given, settings
from hypothesis import strategies as st

from acbench_tasks.common.matching import PRF
from acbench_tasks.teval import scoring
from acbench_tasks.teval.scoring import (
    PlanStep,
    load_literal,
    parse_instruct_string,
    parse_plan_json,
    parse_plan_str,
    review_letter,
    score_instruct,
    score_plan,
    score_reason_str,
    score_retrieve_str,
    score_review,
    score_rru_json,
    score_understand_str,
)

LONG = "x" * 10_000
EPS = scoring.ARGS_EPSILON

# ----------------------------------------------------------------------------- load_literal
JSON_TEMPLATE = {"thought": "thought", "action": "name", "args": "args"}
STRING_TEMPLATE = {
    "thought_start": "Thought:",
    "thought_end": "\n",
    "action_start": "Action:",
    "action_end": "\n",
    "args_start": "Action Input:",
    "args_end": "",
}
GOLD = {"action": "WeatherAPI.get_forecast", "args": {"location": "Oslo", "days": 3}}


def call_json(name="WeatherAPI.get_forecast", args=None, **extra) -> str:
    body = {"thought": "I need the forecast.", "name": name, "args": args, **extra}
    if args is None:
        body["args"] = {"location": "Oslo", "days": 3}
    return json.dumps(body)


def test_load_literal_order_python_then_json_only():
    assert load_literal("{'a': (1, 2)}") == {"a": (1, 2)}  # Python literal first
    assert load_literal('{"a": true, "b": null}') == {"a": True, "b": None}  # then JSON
    # SPEC: no third attempt (upstream retries JSON with every ' turned into ")
    with pytest.raises(scoring.ParseError):
        load_literal("{'a': true}")
    with pytest.raises(scoring.ParseError):
        load_literal("not json at all")


def test_load_literal_fence_and_slicing():
    assert load_literal('Sure:\n```json\n{"a": 1}\n```') == {"a": 1}
    assert load_literal("x [1, 2] y", "[", "]") == [1, 2]
    # Python's find/rfind arithmetic: no "[" keeps the last character, no "]" keeps nothing.
    with pytest.raises(scoring.ParseError):
        load_literal("1]", "[", "]")


# ----------------------------------------------------------------------------- instruct
@pytest.mark.parametrize(
    ("prediction", "format_ok", "args_em"),
    [
        (call_json(), 1.0, 1.0),  # perfect
        (call_json(args={"location": "Oslo", "days": "3"}), 1.0, 2 / 3),  # "3" != 3
        (call_json(args={"location": "Oslo"}), 1.0, 2 / 3),  # missing arg
        (call_json(name="WeatherAPI.get_current_weather"), 1.0, 2 / 3),  # wrong action
        (call_json(args="{'location': 'Oslo', 'days': 3}"), 1.0, 1 / 3),  # RULE: args text
        ('{"thought": "x", "name": "WeatherAPI.get_forecast", "args": {"loc', 0.0, 0.0),
        ("I would call the forecast tool for Oslo.", 0.0, 0.0),  # prose
        ("", 0.0, 0.0),
        (LONG, 0.0, 0.0),
        ("Here is the call:\n" + call_json(), 0.0, 0.0),  # RULE: no slicing to braces
        ("```json\n" + call_json() + "\n```", 1.0, 1.0),  # a json fence is fine
        ("Sure.\n```json\n" + call_json() + "\n```", 1.0, 1.0),  # text before it dropped
        # RULE: only backticks are stripped, so a newline after the closing fence breaks it
        # (the task strips the generation's surrounding whitespace before scoring)
        ("```json\n" + call_json() + "\n```\n", 0.0, 0.0),
        # SPEC: the thought key is not required (upstream needs it): action 1 of 1 + 2 args
        (json.dumps({"name": "WeatherAPI.get_forecast", "args": {}}), 1.0, 1 / 3),
        (json.dumps({"name": GOLD["action"], "args": GOLD["args"]}), 1.0, 1.0),
        (json.dumps({"thought": "t", "args": GOLD["args"]}), 0.0, 0.0),  # no action key
        (json.dumps({"thought": "t", "name": GOLD["action"]}), 0.0, 0.0),  # no args key
        # SPEC: single-quoted JSON is neither a literal nor JSON (no ' → " retry)
        (
            "{'thought': 't', 'name': 'WeatherAPI.get_forecast', "
            "'args': {'location': 'Oslo', 'days': 3}, 'done': true}",
            0.0,
            0.0,
        ),
        ("[" + call_json() + "]", 0.0, 0.0),  # a list is not the answer object
    ],
)
def test_instruct_json(prediction, format_ok, args_em):
    result = score_instruct(prediction, GOLD, JSON_TEMPLATE, "json")
    assert result.format_ok == format_ok
    assert result.args_em == pytest.approx(args_em)


def test_instruct_json_uses_the_templates_keys():
    template = {"thought": "goal", "action": "api", "args": "parameters"}
    answer = json.dumps({"goal": "g", "api": GOLD["action"], "parameters": GOLD["args"]})
    assert score_instruct(answer, GOLD, template, "json").args_em == 1.0
    assert score_instruct(call_json(), GOLD, template, "json").format_ok == 0.0
    assert score_instruct(call_json(), GOLD, "", "json").format_ok == 0.0  # no template


def string_answer(action="WeatherAPI.get_forecast", args="{'location': 'Oslo', 'days': 3}"):
    return f"Thought: I need the forecast.\nAction: {action}\nAction Input: {args}"


@pytest.mark.parametrize(
    ("prediction", "format_ok", "args_em"),
    [
        (string_answer(), 1.0, 1.0),
        (string_answer(action="  WeatherAPI.get_forecast  "), 1.0, 1.0),  # action stripped
        (string_answer(args="{'location': 'Oslo', 'days': 4}"), 1.0, 2 / 3),
        (string_answer(action="Maps.get_directions"), 1.0, 2 / 3),
        # JSON literals are not Python: args read with ast.literal_eval only → {}
        (string_answer(args='{"location": "Oslo", "days": 3, "hourly": true}'), 1.0, 1 / 3),
        (string_answer(args="location=Oslo"), 1.0, 1 / 3),  # unreadable args → {}
        ("Action: WeatherAPI.get_forecast\nAction Input: {}", 0.0, 0.0),  # no Thought
        ("thought: x\naction: WeatherAPI.get_forecast\naction input: {}", 0.0, 0.0),  # case
        ("Thought: x Action: WeatherAPI.get_forecast\nAction Input: {}", 0.0, 0.0),  # no \n
        ("I would call the forecast tool.", 0.0, 0.0),
        ("", 0.0, 0.0),
        (LONG, 0.0, 0.0),
    ],
)
def test_instruct_string(prediction, format_ok, args_em):
    result = score_instruct(prediction, GOLD, STRING_TEMPLATE, "string")
    assert (result.format_ok, result.args_em) == (format_ok, pytest.approx(args_em))


def test_instruct_string_thought_spans_lines_and_shortest_groups():
    call = parse_instruct_string(
        "Thought: a\nb\nAction: A\nAction Input: {'k': 1}", STRING_TEMPLATE
    )
    assert (call.thought, call.action, call.args) == (" a\nb", "A", {"k": 1})
    # SPEC: each text is the shortest possible, so with repeated blocks the FIRST action counts
    # (upstream's greedy groups take the last); an empty args_end runs the args to the end of
    # the answer, here " {'k': 1}\nThought: b\n...", not a literal → {}.
    twice = (
        "Thought: a\nAction: A\nAction Input: {'k': 1}\n"
        "Thought: b\nAction: B\nAction Input: {'k': 2}"
    )
    call = parse_instruct_string(twice, STRING_TEMPLATE)
    assert (call.thought, call.action, call.args) == (" a", "A", {})
    assert score_instruct(twice, GOLD, STRING_TEMPLATE, "string") == scoring.InstructScore(1.0, 0.0)
    # with an args_end marker the first args block ends at its first args_end
    ended = {**STRING_TEMPLATE, "args_end": "\n"}
    assert parse_instruct_string(twice, ended).args == {"k": 1}


def test_instruct_string_end_marker_and_literal_markers():
    template = {**STRING_TEMPLATE, "args_end": "\nEND"}
    answer = "Thought: t\nAction: A\nAction Input: {'k': 1}\nEND and more"
    assert parse_instruct_string(answer, template).args == {"k": 1}
    assert parse_instruct_string(answer.replace("\nEND", ""), template) is None
    assert parse_instruct_string(answer, {"thought_start": "Thought:"}) is None  # incomplete
    # SPEC: markers are literal text, also with regex or str.format syntax (upstream inserts
    # them into a regular expression unescaped and crashes on braces)
    braces = {**STRING_TEMPLATE, "args_end": "{x}"}
    assert parse_instruct_string(answer, braces) is None
    assert parse_instruct_string(answer + "{x}", braces).args == {}  # "...END and more" → {}
    assert parse_instruct_string(answer.replace("\nEND", "{x}"), braces).args == {"k": 1}
    paren = {**STRING_TEMPLATE, "thought_start": "("}
    assert parse_instruct_string(answer, paren) is None
    assert parse_instruct_string("(" + answer, paren).thought == "Thought: t"
    dot = ("T.", "\n", "A:", "\n", "I:", "")
    assert scoring.match_instruct_string("Tx a\nA: b\nI: c", dot) is None  # "." is a dot
    assert scoring.match_instruct_string("T. a\nA: b\nI: c", dot) == (" a", " b", " c")


def test_instruct_string_nothing_between_end_and_next_start():
    # thought_end "\n" and action_start "Action:" must be adjacent: with a space between them
    # the thought runs on to the next adjacent pair, and with none the format check fails.
    call = parse_instruct_string(
        "Thought: a\n Action: X\nThought: b\nAction: A\nAction Input: {}", STRING_TEMPLATE
    )
    assert (call.thought, call.action, call.args) == (" a\n Action: X\nThought: b", "A", {})
    lone = "Thought: a\n Action: A\nAction Input: {}"
    assert parse_instruct_string(lone, STRING_TEMPLATE) is None


MARKER_PIECES = ["Thought:", "Action:", "Input:", "\n", "END", "", " ", ".", "(", "{x}"]


def spec_pattern(markers) -> re.Pattern[str]:
    """The spec's rule as a regular expression: escaped markers, shortest groups, DOTALL."""
    ts, te, as_, ae, gs, ge = (re.escape(m) for m in markers)
    last = f"(.*?){ge}" if ge else "(.*)"
    return re.compile(f"{ts}(.*?){te}{as_}(.*?){ae}{gs}{last}", re.S)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(MARKER_PIECES), min_size=6, max_size=6),
    st.lists(st.sampled_from([*MARKER_PIECES, "x", "{'k': 1}"]), max_size=30),
)
def test_string_matcher_equals_the_spec_regular_expression(markers, pieces):
    # The linear-time matcher gives exactly the groups of the non-greedy escaped pattern.
    text = "".join(pieces)
    found = spec_pattern(markers).search(text)
    expected = found.groups() if found else None
    assert scoring.match_instruct_string(text, markers) == expected


def test_string_matcher_is_linear_on_adversarial_answers():
    # ~10k characters of thought/action pairs and no args marker: the backtracking pattern
    # retries every pair against every later one (cubic); the matcher scans a few times.
    template = {**STRING_TEMPLATE, "args_end": "END"}
    answers = ["Thought:\nAction:\n" * 600, "Thought: a\nAction: b\n" * 500 + "Action Input:"]
    started = time.perf_counter()
    for answer in answers:
        assert len(answer) >= 10_000
        assert parse_instruct_string(answer, template) is None
    assert time.perf_counter() - started < 1.0  # takes about a millisecond


# ----------------------------------------------------------------------------- plan
def step(i: int, name: str, args: dict) -> dict:
    return {"id": i, "name": name, "args": args}


GOLD_PLAN = [
    step(0, "Search.run", {"q": "x"}),
    step(1, "Mail.send", {"to": "a"}),
    step(2, "FinishAction", {}),
]


def plan(prediction: str, prompt_type: str = "json", api_list=("Search.run", "Mail.send")):
    return score_plan(
        prediction, GOLD_PLAN, prompt_type, [*api_list, "FinishAction"], OneHotEmbedder()
    )


@pytest.mark.parametrize(
    ("prediction", "prf", "parsed"),
    [
        (json.dumps(GOLD_PLAN), (1.0, 1.0, 1.0), True),  # perfect (FinishAction dropped)
        (json.dumps(GOLD_PLAN[:2]), (1.0, 1.0, 1.0), True),  # no FinishAction is fine
        ("Plan:\n" + json.dumps(GOLD_PLAN) + "\nDone.", (1.0, 1.0, 1.0), True),  # sliced to []
        # one step right, one wrong: P = R = 1/2
        (json.dumps([GOLD_PLAN[0], step(1, "Mail.send", {"to": "b"})]), (0.5, 0.5, 0.5), True),
        # both right but in the wrong order: the ordered chain has length 1
        (
            json.dumps([step(0, "Mail.send", {"to": "a"}), step(1, "Search.run", {"q": "x"})]),
            (0.5, 0.5, 0.5),
            True,
        ),
        # ids decide the order, not the list position
        (
            json.dumps([step(1, "Mail.send", {"to": "a"}), step(0, "Search.run", {"q": "x"})]),
            (1.0, 1.0, 1.0),
            True,
        ),
        # RULE: no step matches, yet every non-empty plan has a chain of 1: P = 1/2
        (json.dumps([step(0, "Other.x", {}), step(1, "Other.y", {})]), (0.5, 0.5, 0.5), True),
        (json.dumps([step(0, "FinishAction", {})]), (0.0, 0.0, 0.0), True),  # empty after drop
        ('[{"id": 0, "name": "Search.run", "args": ', (0.0, 0.0, 0.0), False),  # broken
        (json.dumps([{"name": "Search.run", "args": {}}]), (0.0, 0.0, 0.0), False),  # no id
        (json.dumps([{"id": "first", "name": "Search.run", "args": {}}]), (0.0, 0.0, 0.0), False),
        ("[]", (0.0, 0.0, 0.0), False),
        ("First search, then mail.", (0.0, 0.0, 0.0), False),
        ("", (0.0, 0.0, 0.0), False),
        (LONG, (0.0, 0.0, 0.0), False),
    ],
)
def test_plan_json(prediction, prf, parsed):
    result = plan(prediction)
    assert (result.prf.precision, result.prf.recall, result.prf.f1) == pytest.approx(prf)
    assert result.parsed is parsed


def test_plan_str_parsing_rules():
    steps = parse_plan_str(
        "1. Use Search.run to find it. Then use Mail.send to tell Ann.\nThanks!\n"
        "Finally Mail.send or Search.run\nFinishAction",
        ["Search.run", "Mail.send", "FinishAction"],
    )
    # SPEC: lines only, one step per line (upstream also splits at ". ": 4 steps here, not 3)
    assert [(s.name, s.args) for s in steps] == [
        ("Search.run", "1. Use Search.run to find it. Then use Mail.send to tell Ann."),
        ("Mail.send", "Finally Mail.send or Search.run"),  # first API in the line wins
        ("FinishAction", "FinishAction"),
    ]
    assert [s.id for s in steps] == [0, 1, 2]
    # Same position: the API listed first wins; names are case-sensitive.
    assert parse_plan_str("Search.runner", ["Search.run", "Search.runner"])[0].name == "Search.run"
    assert parse_plan_str("use search.run", ["Search.run"]) == []


def test_plan_str_scores():
    # A step's args text is its whole line, compared with the Python repr of the gold args:
    # with one-hot embeddings only a line equal to that repr matches (else 0.75 < 0.8).
    gold = [
        step(0, "Search.run", {"q": "Search.run"}),
        step(1, "Mail.send", {"to": "a"}),
        step(2, "FinishAction", {}),
    ]
    apis = ["Search.run", "Mail.send", "FinishAction"]
    result = score_plan(
        "{'q': 'Search.run'}\nUse Mail.send\nFinishAction", gold, "str", apis, OneHotEmbedder()
    )
    # 2 steps after dropping FinishAction; the first matches, the chain is 1: P = R = 1/2
    assert result.parsed and result.prf == PRF(0.5, 0.5, 0.5)
    both = score_plan(
        "{'q': 'Search.run'}\n{'to': 'a'} Mail.send", gold, "str", apis, OneHotEmbedder()
    )
    assert both.prf == PRF(0.5, 0.5, 0.5)  # second line differs from "{'to': 'a'}": no match
    assert plan("no tool named here", "str").parsed is False
    assert plan("", "str").parsed is False
    # SPEC: one line naming both tools is one step (no ". " split); one-hot: no match, the
    # chain of 1 gives P = 1/1, R = 1/2, F1 = 2/3 (upstream: 2 steps, P = R = F1 = 1/2)
    one_line = plan("Use Search.run. Then Mail.send", "str")
    assert one_line.parsed and one_line.prf == pytest.approx(PRF(1.0, 0.5, 2 / 3))


def test_match_plans_similarity_is_weighted():
    # identical names, different args: 0.75 · 1 + 0.25 · 0 = 0.75 < 0.8, no match ...
    pred = [PlanStep(0, "Search.run", "{'q': 'y'}"), PlanStep(1, "Mail.send", "{'to': 'a'}")]
    gold = [PlanStep(0, "Search.run", "{'q': 'x'}"), PlanStep(1, "Mail.send", "{'to': 'a'}")]
    sim = scoring.plan_similarity(pred, gold, OneHotEmbedder())
    assert sim.tolist() == [[0.75, 0.0], [0.0, 1.0]]
    # ... so only the second step matches: chain 1 of 2 → P = R = 1/2
    assert scoring.match_plans(pred, gold, OneHotEmbedder()) == PRF(0.5, 0.5, 0.5)


def test_plan_parse_normalizes_items():
    steps = parse_plan_json('[{"id": "1", "name": 5, "args": {"a": 1}}]')
    assert steps == [PlanStep(1, "5", "{'a': 1}")]


# ------------------------------------------------------------------ reason, retrieve, understand
STEP_GOLD = {
    "thought": "I need the forecast.",
    "name": "WeatherAPI.get_forecast",
    "args": {"location": "Oslo", "days": 3},
}


@pytest.mark.parametrize(
    ("prediction", "thought", "name", "args", "parsed"),
    [
        (json.dumps(STEP_GOLD), 1.0, 1.0, 2 / (2 + EPS), True),  # RULE: 0.99999, not 1
        # str() comparison: "3" matches 3; a wrong value does not
        (
            json.dumps({**STEP_GOLD, "args": {"location": "Bergen", "days": "3"}}),
            1.0,
            1.0,
            1 / (2 + EPS),
            True,
        ),
        (
            json.dumps({**STEP_GOLD, "name": "WeatherAPI.get_current_weather"}),
            1.0,
            0.0,
            2 / (2 + EPS),
            True,
        ),
        ("Sure! " + json.dumps(STEP_GOLD) + " Hope it helps.", 1.0, 1.0, 2 / (2 + EPS), True),
        # a missing thought is embedded as "" (one-hot: unrelated), still parsed
        (
            json.dumps({"name": STEP_GOLD["name"], "args": STEP_GOLD["args"]}),
            0.0,
            1.0,
            2 / (2 + EPS),
            True,
        ),
        # SPEC: an args value given as text is read like the answer (braces, literal, JSON);
        # upstream counts it as {}
        (
            json.dumps({**STEP_GOLD, "args": json.dumps(STEP_GOLD["args"])}),
            1.0,
            1.0,
            2 / (2 + EPS),
            True,
        ),
        (  # JSON-only text (true): not a Python literal, read as JSON
            json.dumps({**STEP_GOLD, "args": '{"location": "Oslo", "days": 3, "hourly": true}'}),
            1.0,
            1.0,
            2 / (2 + EPS),
            True,
        ),
        (  # cut to its braces; "days" wrong by str(): 1 of 2
            json.dumps({**STEP_GOLD, "args": "args: {'location': 'Oslo', 'days': 4} ok"}),
            1.0,
            1.0,
            1 / (2 + EPS),
            True,
        ),
        (json.dumps({**STEP_GOLD, "args": "Oslo, 3 days"}), 1.0, 1.0, 0.0, True),  # unreadable
        (json.dumps({**STEP_GOLD, "args": "[1, 2]"}), 1.0, 1.0, 0.0, True),  # not a dict
        # SPEC: single-quoted JSON (true) is not parsed at all (no ' → " retry)
        (
            "{'thought': 'I need the forecast.', 'name': 'WeatherAPI.get_forecast', "
            "'args': {'location': 'Oslo', 'days': 3}, 'final': true}",
            0.0,
            0.0,
            0.0,
            False,
        ),
        ('{"thought": "I need the forecast.", "name": ', 0.0, 0.0, 0.0, False),
        ("I would call the forecast tool.", 0.0, 0.0, 0.0, False),
        ("", 0.0, 0.0, 0.0, False),
        (LONG, 0.0, 0.0, 0.0, False),
    ],
)
def test_rru_json(prediction, thought, name, args, parsed):
    result = score_rru_json(prediction, STEP_GOLD, OneHotEmbedder())
    assert (result.thought, result.name, result.args, result.parsed) == (
        thought,
        name,
        pytest.approx(args),
        parsed,
    )


def test_rru_json_empty_args_and_no_embedder():
    finish = {"thought": "Done.", "name": "FinishAction", "args": {}}
    assert score_rru_json(json.dumps(finish), finish, None).args == 1.0  # empty vs empty
    wrong = json.dumps({**finish, "args": {"answer": "x"}})
    assert score_rru_json(wrong, finish, None).args == 0.0  # empty gold, args given
    assert score_rru_json(json.dumps(finish), finish, None).thought == 0.0  # not computed


def test_reason_str_is_similarity_of_the_whole_answer():
    assert score_reason_str("I need the forecast.", STEP_GOLD, OneHotEmbedder()) == 1.0
    assert score_reason_str("Thought: I need the forecast.", STEP_GOLD, OneHotEmbedder()) == 0.0
    assert score_reason_str("", STEP_GOLD, OneHotEmbedder()) == 0.0


@pytest.mark.parametrize(
    ("prediction", "correct"),
    [
        ("WeatherAPI.get_forecast", 1.0),
        ("I would use WeatherAPI.get_forecast.", 1.0),
        ("WeatherAPI.get_forecast, then WeatherAPI.get_forecast again", 1.0),
        ("WeatherAPI.get_forecast or Maps.get_directions", 0.0),  # another tool named
        ("WeatherAPI.get_forecast (API v2.1)", 0.0),  # RULE: any word.word token
        ("WeatherAPI.get_forecast, see example.com", 0.0),
        ("WeatherAPI.get_forecast then FinishAction", 0.0),  # the finish action
        ("weatherapi.get_forecast", 0.0),  # case-sensitive
        ("the forecast tool", 0.0),
        ("", 0.0),
        (LONG, 0.0),
    ],
)
def test_retrieve_str(prediction, correct):
    assert score_retrieve_str(prediction, STEP_GOLD) == correct


def test_retrieve_str_finish_action_gold():
    gold = {"thought": "", "name": "FinishAction", "args": {}}
    assert score_retrieve_str("FinishAction", gold) == 1.0
    assert score_retrieve_str("FinishAction or Search.run", gold) == 0.0


@pytest.mark.parametrize(
    ("prediction", "correct"),
    [
        ("{'location': 'Oslo', 'days': 3}", 1.0),  # the Python str() of the gold dict
        ("'{'location': 'Oslo', 'days': 3}'", 1.0),  # quotes at the ends are stripped
        ("\"{'location': 'Oslo', 'days': 3}\"", 1.0),
        ('{"location": "Oslo", "days": 3}', 0.0),  # RULE: JSON spelling differs from str()
        (" {'location': 'Oslo', 'days': 3}", 0.0),  # no whitespace stripping in the scorer
        ("{'days': 3, 'location': 'Oslo'}", 0.0),  # order matters (text equality)
        ("", 0.0),
        (LONG, 0.0),
    ],
)
def test_understand_str(prediction, correct):
    assert score_understand_str(prediction, STEP_GOLD) == correct


def test_understand_str_text_gold():
    assert score_understand_str("'Oslo'", {"args": "Oslo"}) == 1.0


# ----------------------------------------------------------------------------- review
@pytest.mark.parametrize(
    ("prediction", "letter"),
    [
        ("Answer: C", "C"),
        ("C", "C"),
        ("The answer is: C. Because...", "C"),
        ("Answer - C", "A"),  # RULE: no colon → the whole answer → its first letter
        ("Answer:\n  B\n", "B"),  # leading whitespace stripped
        ("Answer: The answer is B", None),  # first character "T"
        ("Note: see below. Answer: B", None),  # the FIRST colon
        ("Answer: c", None),
        ("Answer: F", None),
        ("Answer:", None),
        ("", None),
        (LONG, None),
    ],
)
def test_review_letter(prediction, letter):
    assert review_letter(prediction) == letter


def test_review_score():
    assert score_review("Answer: C", "C") == (1.0, True)
    assert score_review("Answer - C", "C") == (0.0, True)
    assert score_review("no idea", "C") == (0.0, False)


# ----------------------------------------------------------------------------- robustness
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_no_parser_or_scorer_raises_on_random_text(text):
    embedder = OneHotEmbedder()
    score_instruct(text, GOLD, JSON_TEMPLATE, "json")
    score_instruct(text, GOLD, STRING_TEMPLATE, "string")
    score_plan(text, GOLD_PLAN, "json", ["Search.run"], embedder)
    score_plan(text, GOLD_PLAN, "str", ["Search.run", "a", ""], embedder)
    score_rru_json(text, STEP_GOLD, embedder)
    score_reason_str(text, STEP_GOLD, embedder)
    score_retrieve_str(text, STEP_GOLD)
    score_understand_str(text, STEP_GOLD)
    score_review(text, "A")


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
        max_leaves=10,
    )
)
def test_scorers_accept_any_json_value(value):
    text = json.dumps(value)
    score_instruct(text, GOLD, JSON_TEMPLATE, "json")
    score_plan(text, GOLD_PLAN, "json", ["Search.run"], OneHotEmbedder())
    score_rru_json(text, STEP_GOLD, OneHotEmbedder())


# ----------------------------------------------------------------------------- hardening
UPSTREAM_DOTTED_RE = re.compile(r"\w+\.\w+")  # upstream's pattern, quadratic on long words


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1_.é ", max_size=30))
def test_dotted_names_are_exactly_upstreams_matches(text):
    assert scoring._DOTTED_NAME_RE.findall(text) == UPSTREAM_DOTTED_RE.findall(text)


def test_retrieve_str_is_linear_on_long_words():
    start = time.perf_counter()
    assert score_retrieve_str("WeatherAPI.get_forecast " + "a" * 200_000, STEP_GOLD) == 1.0
    assert time.perf_counter() - start < 0.5  # upstream's pattern takes minutes here


def test_huge_integer_thought_reads_as_empty_text_as_upstream():
    # The reproducer: str() of the thought raises; upstream's format_load reads ''.
    step = scoring.read_step('{"thought": 0x' + "f" * 3600 + "}", args_as_text=False)
    assert (step.thought, step.name, step.args) == ("", "", {})
    assert "thought cannot be converted to text" in step.note
    result = score_rru_json('{"thought": 0x' + "f" * 3600 + "}", STEP_GOLD, OneHotEmbedder())
    assert result.parsed and result.name == 0.0 and "read as ''" in result.note


def test_huge_integer_argument_scores_zero_with_the_reason():
    answer = json.dumps({**STEP_GOLD, "args": {}})[:-3] + '{"location": 0x' + "f" * 3600 + "}}"
    result = score_rru_json(answer, STEP_GOLD, OneHotEmbedder())
    assert (result.thought, result.name, result.args) == (0.0, 0.0, 0.0)
    assert "argument 'location' cannot be converted to text" in result.note


def test_plans_beyond_the_step_limit_are_not_scored():
    plan = "\n".join(["Search.run now"] * (scoring.MAX_PLAN_STEPS + 1))
    result = score_plan(plan, GOLD_PLAN, "str", ["Search.run"], OneHotEmbedder())
    assert result.prf.f1 == 0.0 and "1001 steps" in result.note
