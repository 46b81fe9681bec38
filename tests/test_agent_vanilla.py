"""The vanilla agent: AgentBoard's prompt layout, ACBench's chat wrap, AgentBoard's parser."""

from __future__ import annotations

import pytest
from agentboard_fixtures import CHAT_TEMPLATES

from acbench_tasks.agentboard.upstream import literal_assignment
from acbench_tasks.agentboard.vanilla_agent import (
    SYSTEM_SUFFIX,
    PromptParts,
    Renderer,
    fit_history,
    generation_kwargs,
    parse_action,
    parse_agentboard_action,
    parse_first_line_action,
    system_text,
    user_text,
    wrap_rule,
)
from acbench_tasks.common.protocol import check_protocol


@pytest.mark.parametrize(
    ("output", "action"),
    [
        # no "action" anywhere: the whole output, stripped, first line
        (" go to desk 1\n", "go to desk 1"),
        ("go to desk 1\nObservation: You arrive.", "go to desk 1"),
        # the spec's case: no stop string, the model invents a turn; the later Action: wins
        ("go to desk 1\nObservation: You arrive at desk 1.\nAction: open drawer 2",
         "open drawer 2"),
        ("Action: open fridge 1", "open fridge 1"),
        ("ACTION:take mug 1 from desk 1\nAction: look", "take mug 1 from desk 1"),
        # the text after the FIRST colon, all of it
        ("Action: say: hello", "say: hello"),
        # "Action: " gives " " (not empty), then the raw first line is taken
        ("Action: ", "Action:"),
        # empty after the colon: scan on; nothing found: the raw output's first line
        ("Action:\nlook", "Action:"),
        # "is to": the text between the first and second "is to"
        ("My next action is to open the door", "open the door"),
        ("The action is to go north is to win", "go north"),
        # tool format: the whole line, stop
        ('Action: get_weather with Action Input: {"city": "Lyon"}',
         'get_weather with Action Input: {"city": "Lyon"}'),
        ('get_weather with Action Input: {"city": "Lyon"}\nAction: finish',
         'get_weather with Action Input: {"city": "Lyon"}'),
        # "next action" (case-sensitive) + ":" takes the next non-empty line and goes on
        ("Here is the next action to take:\n\ngo west", "go west"),
        ("Here is the Next Action to take:\n\ngo west", "Here is the Next Action to take:"),
        # strip quotes and slashes at both ends
        ("Action: 'look'", "look"),
        ("Action: /inventory/", "inventory"),
        ("", ""),
        ("\n\nAction", "Action"),  # stripped before the first line is taken
    ],
)  # fmt: skip
def test_agentboard_parser(output, action):
    assert parse_agentboard_action(output) == action


def test_agentboard_parser_reused_variable_quirk():
    # After an "Action:" line with nothing after the colon, upstream's list of lines has become
    # that empty text; a later "next action:" line is then looked up in it (str.index) and
    # AgentBoard crashed. We stop scanning there and keep what the parser had.
    assert parse_agentboard_action("Action:\nnext action: go") == "Action:"
    # Before that, a "next action:" line takes the next non-empty line and scanning goes on.
    assert parse_agentboard_action("next action:\n\ngo west") == "go west"


def test_first_line_parser_of_the_clean_protocol():
    assert parse_first_line_action(" go to desk 1\nAction: open drawer 2") == "go to desk 1"
    assert parse_first_line_action("\nAction:  look\n") == "look"
    assert parse_first_line_action("Observation: nothing") == ""
    assert parse_action("clean", "go\nAction: x") == "go"
    assert parse_action("acbench", "go\nAction: x") == "x"


PARTS = PromptParts(
    instruction="INSTR",
    examples=("EX1", "EX2"),
    system_msg="SYS. ",
    check_actions="check valid actions",
    check_inventory=True,
)


def test_user_text_is_agentboards_layout_exactly():
    history = [("Observation", "first"), ("Action", "look"), ("Observation", "a room")]
    assert user_text(PARTS, "the goal", history) == (
        "INSTR\nHere are examples:\nEX1\nEX2\n"
        "You should perform actions to accomplish the goal: the goal\n"
        "You should use the following commands for help when your action cannot be "
        "understood: check valid actions\n"
        "You should use the following commands for help when your action cannot be "
        "understood: inventory\n"
        "Observation: first\nAction: look\nObservation: a room\nAction: "
    )
    bare = PromptParts(instruction="I")
    assert user_text(bare, "g", [("Observation", "o")]) == (
        "I" + "You should perform actions to accomplish the goal: g\nObservation: o\nAction: "
    )
    assert system_text(PARTS) == "SYS. " + SYSTEM_SUFFIX
    assert SYSTEM_SUFFIX.endswith("e.g. Action: put down cup. \n")


def test_prompt_file_examples_as_agentboard_reads_them():
    one = PromptParts.from_prompt_file({"instruction": "I", "examples": "E", "system_msg": "S"})
    assert one.examples == ("E",)
    alf = PromptParts.from_prompt_file(
        {"instruction": "I", "examples": {"put": ["a", "b"]}, "system_msg": "S"},
        examples="".join(["a", "b"]),
        check_inventory=True,
    )
    assert alf.examples == ("ab",) and alf.check_inventory


def test_history_keeps_the_last_100_entries_then_trims_oldest_first():
    history = [("Observation", "o0")] + [("Action", f"a{i}") for i in range(150)]
    assert fit_history(history, len, 10**6)[0] == ("Action", "a50")
    assert fit_history(history[:5], len, 3) == history[2:5]
    assert fit_history(history[:5], lambda kept: 99, 3) == []


def test_wrap_rules_follow_acbenchs_order():
    assert wrap_rule("/data2/share/Qwen2.5/Qwen2.5-7B-Instruct-AWQ") == "qwen"
    assert wrap_rule("/data2/share/internlm/internlm2_5-7b-chat") == "internlm"
    assert wrap_rule("/data2/share/deepseek/DeepSeek-R1-Distill-Qwen-7B") == "deepseek"
    assert wrap_rule("deepseek/DeepSeek-R1-Distill-Llama-8B") == "llama"  # llama comes first
    assert wrap_rule("codellama/CodeLlama-13b-Instruct-hf") == "codellama-13b"
    assert wrap_rule("acbench:smollm2") is None and wrap_rule("google/gemma-2-2b-it") is None


def test_acbench_qwen_wrapper_keeps_its_indentation(tmp_path):
    path = tmp_path / "prompt_template.py"
    path.write_text(CHAT_TEMPLATES)
    templates = literal_assignment(path, "prompt_templates")
    render = Renderer("acbench", "/models/Qwen2.5-7B-Instruct", None, lambda: templates)
    pad = " " * 12
    assert render("SYS\n", "USER") == (
        f"<|im_start|>system\n{pad}SYS\n\n{pad}<|im_end|>\n{pad}<|im_start|>user\n{pad}USER"
        f"<|im_end|>\n{pad}<|im_start|>assistant"
    )
    assert "ACBench's hand-written 'qwen' wrapper" in render.describe()


def test_renderer_falls_back_to_the_chat_template_then_plain_text():
    seen = []

    def template(messages):
        seen.append(messages)
        return "TEMPLATED"

    acbench = Renderer("acbench", "HuggingFaceTB/SmolLM2-135M-Instruct", template, None)
    assert acbench("S", "U") == "TEMPLATED"
    assert seen == [[{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]]
    clean = Renderer("clean", "Qwen/Qwen2.5-7B-Instruct", template, None)
    assert clean("S", "U") == "TEMPLATED"  # clean never uses ACBench's wrappers
    assert Renderer("clean", "x", None, None)("S", "U") == "S\nU"


def test_protocol_settings():
    assert generation_kwargs("acbench", 100) == {
        "until": [],
        "max_gen_toks": 100,
        "do_sample": False,
    }
    assert generation_kwargs("clean", 64)["until"] == ["\nObservation"]
    assert check_protocol(None) == "acbench" and check_protocol("CLEAN") == "clean"
    with pytest.raises(ValueError, match="unknown protocol 'react'"):
        check_protocol("react")
