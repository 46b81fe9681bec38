"""Lone surrogates replaced everywhere text is written or tokenized (acbench_core.text)."""

from __future__ import annotations

from acbench_core.text import replace_surrogates, without_surrogates


def test_replace_surrogates() -> None:
    assert replace_surrogates("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert replace_surrogates("") == ""
    astral = "\U0001f600 é 中"  # real characters, astral ones included, stay
    assert replace_surrogates(astral) == astral
    assert replace_surrogates(astral).encode("utf-8")


def test_without_surrogates_nested() -> None:
    value = {"k\ud800": ["x\udc00", ("y", 3, None)], "n": 1.5}
    assert without_surrogates(value) == {"k\ufffd": ["x\ufffd", ("y", 3, None)], "n": 1.5}
    clean = ["a", {"b": "c"}]
    assert without_surrogates(clean) == clean
    text = "plain"
    assert without_surrogates(text) is text
