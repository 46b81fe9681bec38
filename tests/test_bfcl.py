"""BFCL-style function calling: the answer decoder, the AST checker (hand cases), the data
loader, and the ground truth of bfcl-eval's own data (right answers 1, broken answers 0)."""

from __future__ import annotations

import copy
import json
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lm_eval_runs import run_lm_eval

from acbench_core.data_sources import DataSourceError
from acbench_tasks.bfcl import bfcl
from acbench_tasks.bfcl.bfcl import (
    CATEGORIES,
    installed_data_dir,
    load_records,
    reference_calls,
    render_calls,
    score_answer,
)
from acbench_tasks.bfcl.checker import check_calls, standardize_string
from acbench_tasks.bfcl.parser import (
    CallParseError,
    is_empty,
    parse_function_calls,
    strip_fence,
    tool_call_blocks,
)

SAMPLE = {"data_source": "sample"}


# ----------------------------------------------------------------------------- decoder
@pytest.mark.parametrize(
    ("text", "calls"),
    [
        ("get_weather(city='Paris')", [{"get_weather": {"city": "Paris"}}]),
        (
            "[get_weather(city='Paris'), get_weather(city='Rome', unit=\"celsius\")]",
            [
                {"get_weather": {"city": "Paris"}},
                {"get_weather": {"city": "Rome", "unit": "celsius"}},
            ],
        ),
        ("```python\n[math.hypot(x=3, y=-4.5)]\n```", [{"math.hypot": {"x": 3, "y": -4.5}}]),
        (
            "f(a=[1, (2, 3)], b={'k': None}, c=True)",
            [{"f": {"a": [1, (2, 3)], "b": {"k": None}, "c": True}}],
        ),
        ("f(area=3 * 2 ** 2, half=1 / 2)", [{"f": {"area": 12, "half": 0.5}}]),  # no eval
        (
            "f(x=my_var, y=g(z=1), w=h())",
            [{"f": {"x": "my_var", "y": {"g": {"z": 1}}, "w": "h()"}}],
        ),
        ("f(1, 2, a=3)", [{"f": {"a": 3}}]),  # positional arguments ignored, as BFCL
        ("f(big=2 ** 1000)", [{"f": {"big": "2 ** 1000"}}]),  # too large: kept as text
        ('[{"name": "f", "arguments": {"a": 1}}]', [{"f": {"a": 1}}]),
        ('{"name": "f", "parameters": {"a": 1}}', [{"f": {"a": 1}}]),
        ('[{"function": "f", "parameters": {"a": 1}}]', [{"f": {"a": 1}}]),  # BFCL JSON
        (
            '{"tool_calls": [{"type": "function", "function": {"name": "f", '
            '"arguments": "{\\"a\\": 1}"}}]}',
            [{"f": {"a": 1}}],
        ),  # OpenAI
        (
            '<tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>\n'
            '<tool_call>{"name": "g", "arguments": {}}</tool_call>',
            [{"f": {"a": 1}}, {"g": {}}],
        ),
        ('```json\n[{"name": "f", "arguments": {"a": [1, 2]}}]\n```', [{"f": {"a": [1, 2]}}]),
        ("[]", []),
        ("", []),  # nothing: no call (BFCL decodes it the same way)
    ],
)
def test_decoder(text, calls):
    assert parse_function_calls(text) == calls


@pytest.mark.parametrize(
    "text",
    [
        "I cannot help with that.",
        "The answer is 42.",
        "x" * 10_000,
        "f(a=",
        "f(**kw)",
        "f(a=math.pi)",
        '[{"arguments": {}}]',
        '{"name": "f", "arguments": "not json"}',
        "f(a={[1]: 2})",
        "(" * 500 + ")" * 500,
        "f(a=" + "[" * 3000 + "]" * 3000 + ")",
    ],
)
def test_decoder_rejects(text):
    with pytest.raises(CallParseError):
        parse_function_calls(text)


def test_empty_calls():
    assert is_empty([]) and is_empty([{}])
    assert not is_empty([{"f": {}}])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_decoder_and_scorer_never_raise_unexpectedly(text):
    try:
        parse_function_calls(text)
    except CallParseError:
        pass
    functions = [WEATHER]
    for category in CATEGORIES:
        score_answer(text, functions, [{"get_weather": {"city": ["Paris"]}}], category)


# ----------------------------------------------------------------------------- checker
WEATHER = {
    "name": "get_weather",
    "parameters": {
        "type": "dict",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string"},
            "days": {"type": "integer"},
            "scale": {"type": "float"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "point": {"type": "tuple", "items": {"type": "float"}},
            "options": {"type": "dict"},
            "stops": {"type": "array", "items": {"type": "dict"}},
        },
        "required": ["city"],
    },
}
STOCK = {
    "name": "stocks.quote",
    "parameters": {
        "type": "dict",
        "properties": {"symbol": {"type": "string"}},
        "required": ["symbol"],
    },
}


def check(call_text: str, answer: dict, category: str = "simple", functions=None) -> str:
    """The checker's error type, or "" when the calls are valid."""
    calls = parse_function_calls(call_text)
    answers = answer if isinstance(answer, list) else [answer]
    result = check_calls(functions or [WEATHER, STOCK], calls, answers, category)
    return "" if result.valid else result.error_type


ANSWER = {"get_weather": {"city": ["New York, NY", "NYC"], "unit": ["", "celsius"], "days": [3]}}


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("get_weather(city='New York, NY', days=3)", ""),
        ("get_weather(city='new york ny', days=3, unit='Celsius')", ""),  # normalized strings
        ("get_weather(city='NYC', days=3)", ""),
        ("get_weather(city='Boston', days=3)", "value_error"),
        ("get_weather(days=3)", "missing_required"),
        ("get_weather(city='NYC')", "missing_optional"),  # days has no "" among its values
        ("get_weather(city='NYC', days=3, scale=1.0)", "unexpected_param"),  # not in answer
        ("get_weather(city='NYC', days=3, wind=1)", "unexpected_param"),  # not documented
        ("get_weather(city='NYC', days='3')", "type_error"),
        ("get_weather(city='NYC', days=3.0)", "type_error"),
        ("get_forecast(city='NYC', days=3)", "wrong_func_name"),
        ("[get_weather(city='NYC', days=3), get_weather(city='NYC', days=3)]", "wrong_count"),
    ],
)
def test_simple_checker(call, error):
    assert check(call, ANSWER) == error


def test_checker_types_and_collections():
    assert (
        check("get_weather(city='a', scale=2)", {"get_weather": {"city": ["a"], "scale": [2.0]}})
        == ""
    )
    assert (
        check(
            "get_weather(city='a', tags=['Big City', 'old'])",
            {"get_weather": {"city": ["a"], "tags": [["big city", "old"]]}},
        )
        == ""
    )
    assert (
        check(
            "get_weather(city='a', tags=['old', 'Big City'])",
            {"get_weather": {"city": ["a"], "tags": [["big city", "old"]]}},
        )
        == "value_error"
    )
    assert (
        check(
            "get_weather(city='a', tags=['x', 1])",
            {"get_weather": {"city": ["a"], "tags": [["x", "y"]]}},
        )
        == "type_error"
    )
    assert (
        check(
            "get_weather(city='a', point=(1.0, 2.0))",
            {"get_weather": {"city": ["a"], "point": [[1.0, 2.0]]}},
        )
        == ""
    )
    dict_answer = {
        "get_weather": {"city": ["a"], "options": [{"lang": ["EN", "en-US"], "metric": ["", True]}]}
    }
    assert check("get_weather(city='a', options={'lang': 'en us'})", dict_answer) == ""
    assert check("get_weather(city='a', options={'lang': 'de'})", dict_answer) == "value_error"
    assert check("get_weather(city='a', options={'x': 1})", dict_answer) == "value_error"
    stops = {"get_weather": {"city": ["a"], "stops": [[{"name": ["Rome"]}, {"name": ["Pisa"]}]]}}
    assert check("get_weather(city='a', stops=[{'name': 'rome'}, {'name': 'Pisa'}])", stops) == ""
    assert (
        check("get_weather(city='a', stops=[{'name': 'Pisa'}, {'name': 'Rome'}])", stops)
        == "value_error"
    )


def test_variable_in_place_of_a_value():
    # BFCL writes a variable as a string possible answer for a non-string parameter.
    answer = {"get_weather": {"city": ["a"], "days": ["num_days"]}}
    assert check("get_weather(city='a', days=num_days)", answer) == ""
    assert check("get_weather(city='a', days=other)", answer) == "value_error"


def test_parallel_is_order_free_and_multiple_picks_one():
    answers = [{"get_weather": {"city": ["Paris"]}}, {"get_weather": {"city": ["Rome"]}}]
    ok = "[get_weather(city='Rome'), get_weather(city='Paris')]"
    assert check(ok, answers, "parallel") == ""
    assert (
        check("[get_weather(city='Rome'), get_weather(city='Rome')]", answers, "parallel")
        == "no_match"
    )
    assert check("get_weather(city='Rome')", answers, "parallel") == "wrong_count"
    mixed = [{"stocks.quote": {"symbol": ["AAPL"]}}, {"get_weather": {"city": ["Paris"]}}]
    assert (
        check(
            "[get_weather(city='paris'), stocks.quote(symbol='AAPL')]", mixed, "parallel_multiple"
        )
        == ""
    )
    assert check("stocks.quote(symbol='AAPL')", [mixed[0]], "multiple") == ""
    assert check("get_weather(city='AAPL')", [mixed[0]], "multiple") == "wrong_func_name"


def test_standardize_string():
    assert standardize_string("New York, NY") == standardize_string("new-york ny")
    assert standardize_string("it's") == 'it"s'


# ----------------------------------------------------------------------------- scoring
def test_score_answer_categories():
    answers = [{"get_weather": {"city": ["Paris"]}}]
    assert score_answer("get_weather(city='Paris')", [WEATHER], answers, "simple") == {
        "accuracy": 1.0,
        "decoded": 1.0,
        "scoring_error": None,
    }
    assert score_answer("It is sunny.", [WEATHER], answers, "simple") == {
        "accuracy": 0.0,
        "decoded": 0.0,
        "scoring_error": None,
    }
    # irrelevance: right when nothing decodes as a call (prose, [] and [{}] alike)
    for text, right in (
        ("No function fits.", 1.0),
        ("[]", 1.0),
        ("", 1.0),
        ("get_weather(city='Paris')", 0.0),
    ):
        assert score_answer(text, [WEATHER], [], "irrelevance")["accuracy"] == right


# ----------------------------------------------------------------------------- data
@pytest.mark.parametrize("category", CATEGORIES)
def test_sample_set_ground_truth_scores_one(category):
    docs = load_records(category, SAMPLE)
    assert len(docs) == 3
    for doc in docs:
        functions, answers = json.loads(doc["functions"]), json.loads(doc["possible_answer"])
        text = render_calls(reference_calls(functions, answers)) if answers else "No call."
        assert score_answer(text, functions, answers, category)["accuracy"] == 1.0


def test_data_source_errors(tmp_path):
    with pytest.raises(DataSourceError, match="unknown BFCL category"):
        load_records("live_simple", SAMPLE)
    with pytest.raises(DataSourceError, match=r"BFCL_v3_simple\.json"):
        load_records("simple", {"data_dir": str(tmp_path)})
    (tmp_path / "BFCL_v4_simple_python.json").write_text('{"id": "a"}\nnot json\n')
    with pytest.raises(DataSourceError, match="not JSON lines"):
        load_records("simple", {"data_dir": str(tmp_path)})
    (tmp_path / "BFCL_v4_irrelevance.json").write_text('{"id": "a", "question": "hi"}\n')
    with pytest.raises(
        DataSourceError, match=r"BFCL_v4_irrelevance.json\): 1 of 1 .*#0 \(a\): no single-turn"
    ):
        load_records("irrelevance", {"data_dir": str(tmp_path)})


def test_installed_wheel_is_the_default_source():
    """bfcl-eval's data is read from the installed wheel (make install puts it there)."""
    data_dir = installed_data_dir()
    assert data_dir is not None, "pip install --no-deps bfcl-eval (make install does)"
    assert bfcl.resolve_bfcl_source({}).root == data_dir
    assert bfcl.resolve_bfcl_source(SAMPLE).kind == "sample"


def _break(calls: list[dict], how: str, functions: list[dict]) -> list[dict]:
    """A deliberately wrong version of right calls."""
    calls = copy.deepcopy(calls)
    name, args = next(iter(calls[0].items()))
    if how == "name":
        calls[0] = {name + "_v2": args}
    elif how == "value":  # first argument gets a value of the right type that is not allowed
        param = next(iter(args))
        value = args[param]
        wrong = {str: "zz-not-an-answer", bool: not value, int: 987654321, float: 987654.321}.get(
            type(value), "zz-not-an-answer"
        )
        args[param] = [wrong] if isinstance(value, list) else wrong
    elif how == "missing":
        required = next(f for f in functions if f["name"] == name)["parameters"]["required"]
        for param in required[:1]:
            args.pop(param, None)
    elif how == "extra_call":
        calls.append(copy.deepcopy(calls[0]))
    elif how == "no_call":
        return []
    return calls


@pytest.mark.parametrize("category", CATEGORIES)
def test_bfcl_ground_truth_scores_one_and_broken_answers_zero(category):
    assert installed_data_dir() is not None, "pip install --no-deps bfcl-eval (make install)"
    docs = load_records(category, {})
    assert len(docs) >= 200
    for doc in docs:
        functions, answers = json.loads(doc["functions"]), json.loads(doc["possible_answer"])
        if category == "irrelevance":
            call = render_calls([{functions[0]["name"]: {}}])
            assert score_answer("None of the functions fits.", functions, [], category) == {
                "accuracy": 1.0,
                "decoded": 0.0,
                "scoring_error": None,
            }
            assert score_answer(call, functions, [], category)["accuracy"] == 0.0
            continue
        right = reference_calls(functions, answers)
        for syntax in ("python", "json"):
            text = render_calls(right, syntax)
            assert score_answer(text, functions, answers, category)["accuracy"] == 1.0, (
                doc["id"],
                syntax,
                text,
            )
        for how in ("name", "value", "missing", "extra_call", "no_call"):
            broken = _break(right, how, functions)
            if broken == right:  # e.g. no required parameter to drop
                continue
            text = render_calls(broken)
            assert score_answer(text, functions, answers, category)["accuracy"] == 0.0, (
                doc["id"],
                how,
                text,
            )


# ----------------------------------------------------------------------------- lm-eval
def test_task_prompt_and_scoring_through_lm_eval():
    from lm_eval.tasks import TaskManager, get_task_dict

    name = "acbench_bfcl_parallel"
    task = get_task_dict([name], TaskManager(metadata=SAMPLE))[name]
    doc = task.test_docs()[0]
    messages = task.doc_to_messages(doc)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert '"name": "get_weather"' in messages[0]["content"]
    assert task.fewshot_context(doc, 0).endswith(messages[1]["content"] + "\n")
    functions, answers = json.loads(doc["functions"]), json.loads(doc["possible_answer"])
    right = render_calls(reference_calls(functions, answers), "json")
    ok, prose = {"scoring_error": None}, task.process_results(doc, ["It is sunny."])
    assert task.process_results(doc, [right]) == {"accuracy": 1.0, "decoded": 1.0, **ok}
    assert prose == {"accuracy": 0.0, "decoded": 0.0, **ok}


@pytest.mark.slow
def test_acbench_bfcl_group_on_smollm2(tmp_path, smollm2_path):
    results = run_lm_eval(
        "--tasks", "acbench_bfcl", "--model", "hf", "--model_args", f"pretrained={smollm2_path}",
        "--apply_chat_template", "--metadata", json.dumps(SAMPLE), "--limit", "1",
        "--gen_kwargs", "max_gen_toks=24", output=tmp_path,
    ).results  # fmt: skip
    accuracies = [results["results"][f"acbench_bfcl_{c}"]["accuracy,none"] for c in CATEGORIES]
    assert all(a in (0.0, 1.0) for a in accuracies)
    assert results["groups"]["acbench_bfcl"]["accuracy,none"] == pytest.approx(
        sum(accuracies) / len(accuracies)
    )


# ----------------------------------------------------------------------------- hardening
UPSTREAM_FENCE_RE = re.compile(r"```[\w-]*\s*\n?(.*?)```", re.S)  # quadratic on whitespace
UPSTREAM_TOOL_CALL_RE = re.compile(r"<tool_call>(.*?)</tool_call>", re.S)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["`", "```", "py", "-", " ", "\n", "x", "<tool_call>", "</tool_call>"]),
        max_size=12,
    ).map("".join)
)
def test_fences_and_tool_call_blocks_are_the_patterns_matches(text):
    match = UPSTREAM_FENCE_RE.search(text)
    assert strip_fence(text) == (match.group(1) if match else text)
    assert tool_call_blocks(text) == UPSTREAM_TOOL_CALL_RE.findall(text)


def test_unclosed_fence_with_long_whitespace_is_linear():
    start = time.perf_counter()
    for text in ("```" + " " * 19_000 + "x", "<tool_call>" * 1_800):
        score_answer(text, [WEATHER], [{"get_weather": {"city": ["Paris"]}}], "simple")
    assert time.perf_counter() - start < 0.5


def test_huge_integer_argument_scores_zero_with_the_reason():
    forecast = {
        "name": "weather.forecast",
        "parameters": {
            "type": "dict",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
        },
    }
    answers = [{"weather.forecast": {"city": ["Oslo"], "days": [3, ""]}}]
    # The issue's reproducer: BFCL's checker raises printing this value.
    text = "[weather.forecast(city='Oslo', days=0x" + "f" * 3600 + ")]"
    result = score_answer(text, [forecast], answers, "simple")
    assert result["accuracy"] == 0.0 and result["decoded"] == 1.0
    assert "integer of about 4335 digits" in result["scoring_error"]
    # too large for the float a parameter documents: float() raises upstream
    big = score_answer(
        "get_weather(city='Paris', scale=0x" + "f" * 300 + ")",  # 1,200 bits
        [WEATHER],
        [{"get_weather": {"city": ["Paris"], "scale": [1.0]}}],
        "simple",
    )
    assert big["accuracy"] == 0.0 and "too large for a float" in big["scoring_error"]


def _write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _record(ident="simple_0"):
    return {
        "id": ident,
        "question": [[{"role": "user", "content": "Weather in Paris?"}]],
        "function": [WEATHER],
    }


@pytest.mark.parametrize(
    "answer, expected",
    [
        ([{"get_forecast": {"city": ["Paris"]}}], "undocumented function 'get_forecast'"),
        ([{"get_weather": {"city": "Paris"}}], "get_weather.city: allowed values are not"),
        ([{"get_weather": {"city": ["Paris"]}, "x": {}}], "not one {function"),
        ([], "no possible answer"),
        (None, "no possible answer"),
    ],
)
def test_possible_answers_are_checked_at_load(tmp_path, answer, expected):
    _write_jsonl(tmp_path / "BFCL_v4_simple_python.json", [_record()])
    answers = [{"id": "simple_0", "ground_truth": answer}]
    _write_jsonl(tmp_path / "possible_answer" / "BFCL_v4_simple_python.json", answers)
    with pytest.raises(DataSourceError) as err:
        load_records("simple", {"data_dir": str(tmp_path)})
    message = str(err.value)
    assert "\n" not in message and "#0 (simple_0)" in message and expected in message
    assert "BFCL_v4_simple_python.json" in message


def test_unreadable_bfcl_files_are_one_line_errors(tmp_path):
    path = tmp_path / "BFCL_v4_irrelevance.json"
    for content, expected in (
        (b"", "no records"),
        (b'{"id": "a"}\n{"id": "\xff"}\n', "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"id": "a", "n": ' + b"1" * 5000 + b"}\n", "line 1"),
        (b'{"id": 3}\n', "text 'id'"),
    ):
        path.write_bytes(content)
        with pytest.raises(DataSourceError, match=expected) as err:
            load_records("irrelevance", {"data_dir": str(tmp_path)})
        assert "\n" not in str(err.value)
    bad_doc = {**_record("irrelevance_0"), "function": [{"name": "f", "parameters": []}]}
    _write_jsonl(path, [bad_doc])
    with pytest.raises(DataSourceError, match=r"#0 \(irrelevance_0\): f: 'parameters"):
        load_records("irrelevance", {"data_dir": str(tmp_path)})
