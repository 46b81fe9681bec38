"""Masking credentials in model arguments and configs (hand-written cases and edge cases)."""

from __future__ import annotations

import pytest

from acbench_core.secrets import MASK, mask_model_args, mask_text, masked


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("pretrained=m,token=hf_x", "pretrained=m,token=***"),
        ("api_key=sk-1,base_url=http://h/v1", "api_key=***,base_url=http://h/v1"),
        ("hf_token=abc,tokenizer=t,max_tokens=5", "hf_token=***,tokenizer=t,max_tokens=5"),
        ("use_auth_token=True,password=", "use_auth_token=True,password="),
        ("", ""),
    ],
)
def test_model_args_strings(given: str, expected: str) -> None:
    assert mask_model_args(given) == expected


def test_model_args_dicts_and_nested_configs() -> None:
    args = {"pretrained": "m", "token": "hf_x", "tokenizer": "t", "secret": None}
    assert mask_model_args(args) == {
        "pretrained": "m",
        "token": MASK,
        "tokenizer": "t",
        "secret": None,
    }
    config = {
        "evaluate": {"model_args": {"API_KEY": "k"}, "tasks": ["a"]},
        "list": [{"token": "x"}],
    }
    assert masked(config) == {
        "evaluate": {"model_args": {"API_KEY": MASK}, "tasks": ["a"]},
        "list": [{"token": MASK}],
    }
    assert mask_model_args(None) is None and mask_model_args(3) == 3


def test_reprs_in_text() -> None:
    assert mask_text("args: {'token': 'hf_x', \"api_key\": \"k\", 'n': 1}") == (
        "args: {'token': '***', \"api_key\": \"***\", 'n': 1}"
    )
    assert mask_text("nothing to hide") == "nothing to hide"
