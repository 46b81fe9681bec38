"""BFCL-style abstract-syntax-tree checking of function calls (our own implementation).

A decoded answer is a list of calls, each ``{function_name: {param: value}}``. A call is
correct when, against the function's documentation and the record's possible answers:

* the function name matches;
* every required parameter is present, and no parameter is unknown to the documentation or
  absent from the possible answers;
* each value has the documented type (Python types; an ``int`` is accepted for ``float``; a
  ``tuple`` counts as a list; array items are type-checked one level deep) — or the type of the
  possible answers, which is how BFCL marks a parameter given as a variable name;
* each value is one of the allowed values: strings compare case-insensitively ignoring spaces
  and ``,./-_*^`` (and ``'`` as ``"``), inside lists and dicts too; dicts key by key, lists of
  dicts element by element;
* every possible-answer parameter not marked optional (``""`` among its values) is given.

Categories: ``simple`` (exactly one call), ``multiple`` (exactly one call, the function to
choose among several), ``parallel`` and ``parallel_multiple`` (as many calls as answers, in any
order; each answer takes the first unmatched call that fits). ``irrelevance`` is handled by the
task: any decodable non-empty call is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from acbench_tasks.common.guard import Unscorable, safe_str

PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
NESTED_TYPES = ("array", "tuple")
_STANDARDIZE_RE = re.compile(r"[ ,./\-_*^]")

Call = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class CheckResult:
    valid: bool
    error: str = ""
    error_type: str = ""


OK = CheckResult(True)


def _fail(error_type: str, error: str) -> CheckResult:
    return CheckResult(False, error, error_type)


# ----------------------------------------------------------------------------- values
def standardize_string(text: str) -> str:
    """Lower-case, drop spaces and ``,./-_*^``, and read ``'`` as ``"``."""
    return _STANDARDIZE_RE.sub("", text).lower().replace("'", '"')


def _as_list(values: Any) -> list:
    return values if isinstance(values, list) else [values]


def _std(value: Any) -> Any:
    return standardize_string(value) if type(value) is str else value


def _answer_type(options: Sequence[Any]) -> type | None:
    """Type of the first non-optional possible answer (None when all are optional)."""
    for option in options:
        if option != "":
            return type(option)
    return None


def type_check(value: Any, options: Sequence[Any], expected: type, nested: type | None):
    """``(valid, is_variable)``: documented type, or the possible answers' type (a variable)."""
    answer_type = _answer_type(options)
    is_variable = answer_type is not None and answer_type is not expected
    if type(value) is expected:
        if nested is None:
            return True, is_variable
        for option in options:
            if type(option) is list:
                items_ok = all(type_check(item, option, nested, None)[0] for item in value)
            else:
                items_ok = True
            if items_ok:
                return True, is_variable
        return False, is_variable  # items of the wrong type
    if answer_type is not None and type(value) is answer_type:
        return True, True
    return False, is_variable


def string_matches(value: str, options: Sequence[Any]) -> bool:
    return standardize_string(value) in [standardize_string(o) for o in options if type(o) is str]


def list_matches(value: Sequence[Any], options: Sequence[Any]) -> bool:
    standardized = [_std(item) for item in value]
    candidates = []
    for option in options:
        try:
            candidates.append([_std(item) for item in option])
        except TypeError:  # a non-iterable option cannot equal a list
            continue
    return standardized in candidates


def dict_matches(value: Mapping[str, Any], options: Sequence[Any]) -> bool:
    """Some non-optional option where every given key is allowed with an allowed value and
    every missing key is optional."""
    for option in options:
        if option == "" or not isinstance(option, Mapping):
            continue
        given_ok = all(
            key in option and _std(item) in [_std(o) for o in _as_list(option[key])]
            for key, item in value.items()
        )
        missing_ok = all(key in value or "" in _as_list(allowed) for key, allowed in option.items())
        if given_ok and missing_ok:
            return True
    return False


def list_of_dicts_matches(value: Sequence[Any], options: Sequence[Any]) -> bool:
    for option in options:
        if not isinstance(option, Sequence) or len(value) != len(option):
            continue
        if all(
            isinstance(item, Mapping) and dict_matches(item, [expected])
            for item, expected in zip(value, option, strict=True)
        ):
            return True
    return False


# ----------------------------------------------------------------------------- calls
def check_call(function_doc: Mapping[str, Any], call: Call, answer: Call) -> CheckResult:
    """One call against one function's documentation and its possible answer."""
    name = function_doc.get("name")
    if name not in call:
        return _fail("wrong_func_name", f"function {name!r} not called")
    args = call[name]
    if not isinstance(args, Mapping):
        return _fail("wrong_args", "arguments are not a mapping")
    allowed = next(iter(answer.values()))
    parameters = function_doc.get("parameters", {})
    properties = parameters.get("properties", {})
    for param in parameters.get("required", []):
        if param not in args:
            return _fail("missing_required", f"missing required parameter {param!r}")
    for param, value in args.items():
        if param not in properties or param not in allowed:
            return _fail("unexpected_param", f"unexpected parameter {param!r}")
        result = check_value(param, value, properties[param], allowed[param])
        if not result.valid:
            return result
    for param, options in allowed.items():
        if param not in args and "" not in options:
            return _fail("missing_optional", f"parameter {param!r} not given")
    return OK


def check_value(param: str, value: Any, schema: Mapping[str, Any], options: Sequence[Any]):
    """Type and allowed-value check of one argument."""
    kind = schema.get("type")
    expected = PYTHON_TYPES.get(kind)
    if expected is None:
        return _fail("type_error", f"{param!r}: undocumented type {kind!r}")
    nested = None
    if kind in NESTED_TYPES:
        nested = PYTHON_TYPES.get(schema.get("items", {}).get("type"))
    if kind == "tuple" and type(value) is tuple:
        value = list(value)
    if kind == "float" and type(value) is int:
        try:
            value = float(value)
        except OverflowError:
            raise Unscorable(
                f"{param!r}: an integer too large for a float; BFCL's float() raises"
            ) from None
    valid, is_variable = type_check(value, options, expected, nested)
    if not valid:
        return _fail("type_error", f"{param!r}: expected {kind}, got {type(value).__name__}")
    if not is_variable:
        if expected is dict:
            matched = isinstance(value, Mapping) and dict_matches(value, options)
        elif expected is list and nested is dict:
            matched = list_of_dicts_matches(value, options)
        elif expected is str:
            matched = string_matches(value, options)
        elif expected is list:
            matched = list_matches(value, options)
        else:
            matched = value in options
    else:
        matched = value in options
    if not matched:
        return _fail("value_error", f"{param!r}: {_short(value)} is not one of {list(options)!r}")
    return OK


def _short(value: Any, limit: int = 80) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters (never raises)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = safe_str(type(value).__name__) or "?"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _find_doc(functions: Sequence[Mapping[str, Any]], name: str) -> Mapping[str, Any] | None:
    return next((f for f in functions if f.get("name") == name), None)


def check_calls(
    functions: Sequence[Mapping[str, Any]],
    calls: Sequence[Call],
    answers: Sequence[Call],
    category: str,
) -> CheckResult:
    """All calls of one answer against the possible answers of its category."""
    if len(calls) != len(answers):
        return _fail("wrong_count", f"{len(calls)} calls, expected {len(answers)}")
    if "parallel" not in category:  # simple and multiple: one call
        doc = _find_doc(functions, next(iter(answers[0])))
        if doc is None:
            return _fail("bad_record", "answer names an undocumented function")
        return check_call(doc, calls[0], answers[0])
    matched: set[int] = set()
    for answer in answers:
        doc = _find_doc(functions, next(iter(answer)))
        if doc is None:
            return _fail("bad_record", "answer names an undocumented function")
        result = _fail("no_match", f"no call matches {next(iter(answer))!r}")
        for index, call in enumerate(calls):
            if index in matched:
                continue
            if check_call(doc, call, answer).valid:
                matched.add(index)
                result = OK
                break
        if not result.valid:
            return result
    return OK
