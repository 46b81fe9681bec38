"""AgentBoard's tool rules (spec realworld.md §2 "Tools"), on values computed by hand."""

from __future__ import annotations

import pytest

from acbench_tasks.agentboard.tools import rules


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("loadPaperNet with Action Input: {}", ("loadPaperNet", "{}")),
        ("  finish   with Action Input:   {'answer': 3}", ("finish", "{'answer': 3}")),
        # the first "with Action Input:" splits; the rest is input
        (
            "a with Action Input: {'x': 'with Action Input: y'}",
            ("a", "{'x': 'with Action Input: y'}"),
        ),
        # no DOTALL: name and input each sit on one line (the input on the last one)
        ("think first\nget_projects with Action Input: {}", ("get_projects", "{}")),
        ("x with Action Input:\n{}", ("x", "{}")),
        ("x with Action Input: {\n}", None),
        ("get_projects {}", None),
        ("get_projects with action input: {}", None),  # case-sensitive
    ],
)
def test_split_action(message, expected):
    assert rules.split_action(message) == expected


def test_action_input_is_a_literal_never_evaluated():
    assert rules.parse_action_input("{'node': 'A', 'n': -1.5, 'ok': True}") == {
        "node": "A",
        "n": -1.5,
        "ok": True,
    }
    for text in ("__import__('os').system('echo x')", "{'a': true}", "1+1", "", "{'a':"):
        with pytest.raises(rules.ActionInputError):
            rules.parse_action_input(text)
    err = rules.error_observation(Exception(rules.INPUT_ERROR))
    assert err == (
        "ERROR | Exception(Parameters in action input are not valid, please change your action "
        "input.)"
    )
    assert rules.error_observation(KeyError("node")) == "ERROR | KeyError('node')"


def test_done_looks_for_finish_anywhere_in_the_action():
    text = rules.action_text("neighbourCheck", "{'node': 'How to finish papers'}")
    assert rules.is_done(text, "academia")
    assert rules.is_done(rules.action_text("Finish", "{}"), "movie")
    assert not rules.is_done(rules.action_text("FINISH", "{}"), "movie")
    assert rules.is_done(rules.action_text("FINISH", "{}"), "sheet")  # sheet: any case
    assert not rules.is_done(rules.action_text("get_projects", "{}"), "todo")


def test_one_to_one_matching_by_python_equality():
    gold = ["PaperNet is loaded.", "PaperNet is loaded.", {"year": 2021}, 12]
    assert rules.count_matched(gold, ["PaperNet is loaded."]) == 1
    assert rules.count_matched(gold, ["PaperNet is loaded."] * 3) == 2
    assert rules.count_matched(gold, [{"year": 2021}, 12.0]) == 2  # 12 == 12.0 in Python
    assert rules.count_matched(gold, ["12", [{"year": 2021}]]) == 0  # no type coercion
    assert rules.subgoal_progress("movie", gold, ["PaperNet is loaded.", 12]) == 0.5
    with pytest.raises(ZeroDivisionError):  # AgentBoard ends such a problem with an error
        rules.subgoal_progress("movie", [], ["x"])


def test_weather_coordinates_match_within_50_km():
    # Paris geocoded vs the archive's grid point: about 1.4 km apart
    assert rules.haversine_km((48.85341, 2.3488), (48.84, 2.3599997)) == pytest.approx(
        1.73, abs=0.05
    )
    # one degree of latitude is about 111.2 km on AgentBoard's 6371 km sphere
    assert rules.haversine_km((10.0, 5.0), (11.0, 5.0)) == pytest.approx(111.19, abs=0.01)
    gold = [{"latitude": 48.85, "longitude": 2.35, "daily": {"time": ["2023-06-01"]}}, "2023-06-15"]
    near = {"latitude": 48.84, "longitude": 2.36, "daily": {"time": ["2023-06-01"]}}
    far = {"latitude": 49.5, "longitude": 2.35, "daily": {"time": ["2023-06-01"]}}  # ~72 km
    other_day = {"latitude": 48.85, "longitude": 2.35, "daily": {"time": ["2023-06-02"]}}
    assert rules.subgoal_progress("weather", gold, [near]) == 0.5
    assert rules.subgoal_progress("weather", gold, [far, other_day, "2023-06-15"]) == 0.5
    assert rules.subgoal_progress("weather", gold, [far, near, "2023-06-15"]) == 1.0
    # a logged result is used once: two gold points, one logged
    assert rules.count_matched_weather([gold[0], gold[0]], [near]) == 1
    # outside weather the coordinates must be equal
    assert rules.subgoal_progress("movie", gold[:1], [near]) == 0.0


def test_sheet_score_counts_equal_cells_over_the_overlap():
    gold = [["a", "b"], ["c", "X"], ["e", "f"]]
    grid = [["a", "b", "x"], ["c", "d", "y"], ["e", "f", "z"], ["g", "h", "w"]]
    # overlap 3 rows x 2 columns = 6 cells; a b c e f equal
    assert rules.sheet_match_score(grid, gold) == pytest.approx(5 / 6)
    assert rules.sheet_match_score(grid[:1], gold) == 1.0  # only row 1 overlaps
    assert rules.sheet_match_score([["5"]], [[5.0]]) == 0.0  # cells compared by ==
    assert rules.sheet_match_score("Please open a sheet before operating it", gold) == 0.0
    assert rules.sheet_match_score([], gold) == 0.0
    assert rules.sheet_answer('[["Item", "Price"], ["a", "1"]]') == [["Item", "Price"], ["a", "1"]]
    with pytest.raises(ValueError):
        rules.sheet_answer('{"a": 1}')


def test_success_needs_done_and_full_progress():
    assert rules.is_success(True, 1.0, tool="academia")
    assert not rules.is_success(False, 1.0, tool="academia")
    assert not rules.is_success(True, 0.99, tool="sheet")
    status = {"projects": [], "tasks": []}
    assert rules.is_success(
        True,
        1.0,
        tool="todo",
        goal_type=1,
        final_status=status,
        answer={"projects": [], "tasks": []},
    )
    assert not rules.is_success(
        True,
        1.0,
        tool="todo",
        goal_type=1,
        final_status=status,
        answer={"projects": [{"name": "x"}], "tasks": []},
    )
    # goal_type 0 todo problems ignore the final state
    assert rules.is_success(True, 1.0, tool="todo", goal_type=0, final_status=None, answer="x")


def test_network_errors_and_observation_flags():
    assert rules.contains_network_error("ERROR | ConnectionError(GET https://x: ConnectError)")
    assert not rules.contains_network_error("There is no node named X in the PaperNet.")
    assert not rules.updates_progress("ERROR | Invalid action: foo.")
    assert rules.updates_progress("ERROR | KeyError('node')")
    assert not rules.is_valid_observation("ERROR | KeyError('node')")
    assert rules.first_observation("weather").startswith("If you want to get the latitude")
    assert rules.first_observation("academia") == rules.FINISH_REMINDER


def test_split_action_is_agentboards_pattern_in_linear_time():
    import random
    import time

    def by_regex(text):
        match = rules.ACTION_PATTERN.search(text)
        return (match.group(1), match.group(2)) if match else None

    pieces = [" ", "\n", "\t", "\r", "\u00a0", "with", " with ", "Action Input:", "Action",
              "Action Input: {}", "x", "w", ":", "a b", "\n\n"]  # fmt: skip
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert rules.split_action(text) == by_regex(text), repr(text)
    assert rules.split_action("  find with Action Input: {'a': 1}\n") == ("find", "{'a': 1}")
    assert rules.split_action("x\nfind with Action Input: 1\n2") is None  # `$`: last line only
    start = time.perf_counter()
    for text in (" " * 100_000 + "x", "x" + " " * 100_000 + "y", "with " * 20_000):
        assert rules.split_action(text) is None  # the regex takes minutes on the first
    assert time.perf_counter() - start < 5
