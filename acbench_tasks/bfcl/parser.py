"""Decode a model's function calls from Python-call syntax or JSON tool-call syntax.

Both give a list of ``{function_name: {param: value}}``, BFCL's decoded form.

* Python syntax, as BFCL's prompt asks for: ``[get_weather(city='Paris'), math.hypot(x=3, y=4)]``
  (brackets optional). Parsed with :func:`ast.parse` and read node by node — nothing is
  evaluated: constants, lists, tuples, dicts, negative numbers and arithmetic on number
  literals are values; a bare name is the variable's name as a string; a nested call with
  keyword arguments is a nested ``{name: args}``, without them its source text. Positional
  arguments are ignored (BFCL's decoder does the same).
* JSON syntax: a list of (or one) ``{"name": ..., "arguments"|"parameters": {...}}``,
  ``{"function": "name", "parameters": {...}}``, OpenAI's
  ``{"function": {"name": ..., "arguments": "<json>"}}``, ``{"tool_calls": [...]}``, or Hermes
  ``<tool_call>{...}</tool_call>`` blocks.

A Markdown code fence around the answer is removed first. Anything else raises
:class:`CallParseError`; the parsers never raise anything else. Answers longer than
:data:`MAX_TEXT` characters are not parsed, and fences and ``<tool_call>`` blocks are found
with ``str.find``, so the time stays linear in the answer's length.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from acbench_tasks.common.guard import quiet_parse

DecodedCall = dict[str, dict[str, Any]]

_FENCE = "```"
_FENCE_INFO_RE = re.compile(r"[\w-]*\s*")  # language tag and the line break after ```
_TOOL_CALL_OPEN, _TOOL_CALL_CLOSE = "<tool_call>", "</tool_call>"
_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_JSON_KEYS = frozenset({"name", "function", "arguments", "parameters", "args"})
_MAX_EXPONENT = 64  # keeps ``9 ** 9 ** 9`` from eating the machine
MAX_TEXT = 20_000  # longer answers are not parsed (no realistic call list is that long)


class CallParseError(ValueError):
    """The answer holds no function call in a supported syntax."""


def strip_fence(text: str) -> str:
    """The content of the first Markdown code block, or the text itself.

    The block runs from the first ```` ``` ```` (and its language tag and whitespace) to the
    next ```` ``` ````: what ``re.search(r"```[\\w-]*\\s*\\n?(.*?)```", text, re.S)`` gives,
    without that pattern's quadratic backtracking over whitespace when no fence closes.
    """
    start = text.find(_FENCE)
    if start == -1:
        return text
    info = _FENCE_INFO_RE.match(text, start + len(_FENCE))
    body_from = info.end() if info else start + len(_FENCE)
    end = text.find(_FENCE, body_from)
    return text[body_from:end] if end != -1 else text


def tool_call_blocks(text: str) -> list[str]:
    """The contents of the ``<tool_call>...</tool_call>`` blocks, in order (non-overlapping)."""
    blocks = []
    position = 0
    while (start := text.find(_TOOL_CALL_OPEN, position)) != -1:
        end = text.find(_TOOL_CALL_CLOSE, start + len(_TOOL_CALL_OPEN))
        if end == -1:
            break
        blocks.append(text[start + len(_TOOL_CALL_OPEN) : end])
        position = end + len(_TOOL_CALL_CLOSE)
    return blocks


def parse_function_calls(text: Any) -> list[DecodedCall]:
    """Decode the calls in ``text`` (JSON syntax first when it looks like JSON, else Python)."""
    if not isinstance(text, str):
        raise CallParseError("answer is not text")
    if len(text) > MAX_TEXT:
        raise CallParseError(f"answer longer than {MAX_TEXT} characters")
    blocks = tool_call_blocks(text)
    if blocks:
        return [call for block in blocks for call in parse_json_calls(block)]
    body = strip_fence(text).strip()
    if body.startswith("{") or re.match(r"\[\s*\{", body):
        try:
            return parse_json_calls(body)
        except CallParseError:
            pass
    return parse_python_calls(body)


# ----------------------------------------------------------------------------- JSON
def parse_json_calls(text: str) -> list[DecodedCall]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise CallParseError(f"invalid JSON: {err}") from None
    if isinstance(data, Mapping) and isinstance(data.get("tool_calls"), list):
        data = data["tool_calls"]
    items = data if isinstance(data, list) else [data]
    return [_json_call(item) for item in items]


def _json_call(item: Any) -> DecodedCall:
    if not isinstance(item, Mapping):
        raise CallParseError("a tool call is not a JSON object")
    function = item.get("function")
    if isinstance(function, Mapping):  # OpenAI tool_calls entry
        item = function
    name = item.get("name", function if isinstance(function, str) else None)
    args = item.get("arguments", item.get("parameters", item.get("args", {})))
    if name is None and len(item) == 1 and not _JSON_KEYS & set(item):
        ((name, args),) = item.items()  # BFCL's decoded form {name: {args}}
    if isinstance(args, str):  # OpenAI sends arguments as a JSON string
        try:
            args = json.loads(args) if args.strip() else {}
        except (ValueError, RecursionError):
            raise CallParseError("arguments string is not JSON") from None
    if not isinstance(name, str) or not isinstance(args, Mapping):
        raise CallParseError("a tool call needs a name and an arguments object")
    return {name: dict(args)}


# ----------------------------------------------------------------------------- Python
def parse_python_calls(text: str) -> list[DecodedCall]:
    """``[f(a=1), g(b=2)]`` or ``f(a=1)`` → decoded calls (BFCL's prompt format)."""
    text = text.strip("`\n ")
    if not text.startswith("["):
        text = "[" + text
    if not text.endswith("]"):
        text = text + "]"
    try:
        tree = quiet_parse(text.strip().strip("'"))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        raise CallParseError(f"not Python call syntax: {err}") from None
    body = tree.body
    nodes = [body] if isinstance(body, ast.Call) else getattr(body, "elts", None)
    if nodes is None or not all(isinstance(node, ast.Call) for node in nodes):
        raise CallParseError("not a list of function calls")
    try:
        return [_python_call(node) for node in nodes]
    except RecursionError:
        raise CallParseError("nested too deeply") from None


def _dotted_name(node: ast.expr) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def _python_call(node: ast.Call) -> DecodedCall:
    if any(kw.arg is None for kw in node.keywords):
        raise CallParseError("**-unpacking in a call")
    return {_dotted_name(node.func): {kw.arg: _value(kw.value) for kw in node.keywords}}


def _value(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, (ast.UnaryOp, ast.BinOp)):
        number = _arithmetic(node)
        return number if number is not None else ast.unparse(node)
    if isinstance(node, ast.List):
        return [_value(v) for v in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(v) for v in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise CallParseError("dict unpacking in an argument")
        try:
            return {_value(k): _value(v) for k, v in zip(node.keys, node.values, strict=True)}
        except TypeError:  # unhashable key
            raise CallParseError("unhashable dict key in an argument") from None
    if isinstance(node, ast.Name):  # a variable: BFCL keeps its name
        return node.id
    if isinstance(node, ast.Call):
        return _python_call(node) if node.keywords else ast.unparse(node)
    if isinstance(node, (ast.Lambda, ast.Subscript)):
        return ast.unparse(node)
    raise CallParseError(f"unsupported argument syntax: {type(node).__name__}")


def _arithmetic(node: ast.expr) -> float | int | None:
    """Value of +, -, *, /, //, %, ** over number literals; None for anything else."""
    if isinstance(node, ast.Constant):
        value = node.value
        return value if type(value) in (int, float) else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _arithmetic(node.operand)
        if value is None:
            return None
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        left, right = _arithmetic(node.left), _arithmetic(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Pow) and (abs(right) > _MAX_EXPONENT or abs(left) > 2**64):
            return None
        try:
            result = _ARITHMETIC[type(node.op)](left, right)
        except (ArithmeticError, ValueError):
            return None
        if type(result) is int or (type(result) is float and math.isfinite(result)):
            return result
    return None


def is_empty(calls: list[DecodedCall]) -> bool:
    """BFCL's "no call" for irrelevance: ``[]`` or ``[{}]``."""
    return not calls or (len(calls) == 1 and not calls[0])
