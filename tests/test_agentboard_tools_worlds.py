"""Scripted episodes on AgentBoard's five tools, replayed from hand-written cassettes.

Each expected progress/success value is worked out by hand from the spec's rules
(realworld.md §2 "Tools"): progress = gold subgoals matched one-to-one among the logged
Subgoals / #gold, kept as a maximum; sheet = equal cells of the overlap; done on ``finish``.
"""

from __future__ import annotations

import httpx
import pytest
from agentboard_tools_data import (
    PAPER_ATTRS,
    PROJECTS_JSON,
    SHEET_BEFORE,
    SHEET_GOLD,
    SHOWN_ALGEBRA,
    SHOWN_CHEMISTRY,
    SHOWN_PROJECT,
    movie_cassette,
    sheet_cassette,
    todo_cassette,
    weather_cassette,
    write_academia,
)

from acbench_tasks.agentboard.tools import rules
from acbench_tasks.agentboard.tools.academia import AcademiaWorld, check_academia_data
from acbench_tasks.agentboard.tools.environment import ToolEpisode, ToolProblem, ToolServiceError
from acbench_tasks.agentboard.tools.movie import MovieWorld
from acbench_tasks.agentboard.tools.sheet import SheetWorld, a1_to_rowcol, combine_merged
from acbench_tasks.agentboard.tools.todo import TodoAccountBusy, TodoResetError, TodoWorld
from acbench_tasks.agentboard.tools.weather import WeatherWorld, air_quality_level
from acbench_tasks.common.http_replay import HttpClient, ReplayMiss

ACADEMIA_ACTIONS = ["loadPaperNet", "loadAuthorNet", "neighbourCheck", "paperNodeCheck",
                    "authorNodeCheck", "authorEdgeCheck", "paperEdgeCheck",
                    "check_valid_actions", "finish"]  # fmt: skip


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(self, request):
        raise AssertionError(f"network used: {request.url}")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)


def play(episode: ToolEpisode, actions: list[str]) -> list[tuple[float, bool, bool]]:
    """(progress, valid, done) after each action."""
    trace = []
    for action in actions:
        result = episode.step(action)
        trace.append((round(result.progress, 4), result.valid, result.done))
        if result.done:
            break
    return trace


# ----------------------------------------------------------------------------- academia
def academia_episode(tmp_path, subgoals, answer=12):
    root = write_academia(tmp_path)
    problem = ToolProblem("academia", "How many citations does 'Deep Nets' have?", subgoals,
                          answer)  # fmt: skip
    episode = ToolEpisode(problem, AcademiaWorld(root, ACADEMIA_ACTIONS))
    return episode


def test_academia_scripted_episode(tmp_path):
    gold = ["PaperNet is loaded.", PAPER_ATTRS, 12]
    episode = academia_episode(tmp_path, gold)
    assert episode.reset() == rules.FINISH_REMINDER
    steps = [
        'paperNodeCheck with Action Input: {"node": "Deep Nets"}',  # not loaded: logged failure
        "loadPaperNet with Action Input: {}",  # 1/3
        "paperNodeCheck {'node': 'Deep Nets'}",  # format error
        "paperNodeCheck with Action Input: {'node': Deep Nets}",  # not a literal
        "searchPaper with Action Input: {'title': 'Deep Nets'}",  # Invalid action
        "paperNodeCheck with Action Input: {'title': 'Deep Nets'}",  # KeyError
        "paperNodeCheck with Action Input: {'node': 'Deep Nets'}",  # 2/3
        "check_valid_actions with Action Input: {}",
        'finish with Action Input: {"answer": 12}',  # 3/3, done
    ]
    observations = []
    for action in steps:
        observations.append(episode.step(action))
    assert [(round(o.progress, 4), o.valid, o.done) for o in observations] == [
        (0.0, True, False),
        (0.3333, True, False),
        (0.3333, False, False),
        (0.3333, False, False),
        (0.3333, False, False),
        (0.3333, False, False),
        (0.6667, True, False),
        (0.6667, True, False),
        (1.0, True, True),
    ]
    texts = [o.observation for o in observations]
    assert texts[0] == "Please load the PaperNet first."
    assert texts[2] == rules.FORMAT_ERROR
    assert texts[3].startswith("ERROR | Exception(Parameters in action input are not valid")
    assert texts[4] == "ERROR | Invalid action: searchPaper."
    assert texts[5] == "ERROR | KeyError('node')"
    assert texts[6] == str(PAPER_ATTRS)  # results are shown as Python reprs, as upstream
    assert texts[7] == f"You can use following valid actions: {ACADEMIA_ACTIONS}"
    assert texts[8] == "12"
    assert episode.success
    assert episode.world.subgoals()[0] == (
        "Calling paperNodeCheck with {'node': 'Deep Nets'} failed"
    )


def test_academia_graph_queries_and_finish_inside_the_input(tmp_path):
    gold = [
        "AuthorNet is loaded.",
        {"collaborative_papers": ["Deep Nets"]},
        ["Old Nets", "Word Nets"],
    ]
    episode = academia_episode(tmp_path, gold)
    episode.reset()
    world = episode.world
    assert world.run("neighbourCheck", {"graph": "PaperNet", "node": "Deep Nets"}) == (
        "Please load the PaperNet first."
    )
    result = episode.step("loadPaperNet with Action Input: {}")
    assert result.progress == 0.0  # "PaperNet is loaded." is not a gold subgoal here
    result = episode.step(
        "neighborCheck with Action Input: {'graph': 'PaperNet', 'node': 'Deep Nets'}"
    )
    assert result.observation == "['Old Nets', 'Word Nets']"
    assert result.progress == pytest.approx(1 / 3)
    assert world.run("neighbourCheck", {"graph": "Papers", "node": "Deep Nets"}) == (
        "AttributeError('str' object has no attribute 'neighbors')"
    )
    episode.step("loadAuthorNet with Action Input: {}")
    result = episode.step(
        "authorEdgeCheck with Action Input: {'node1': 'Ann Lee', 'node2': 'Bo Chen'}"
    )
    assert result.observation == "{'collaborative_papers': ['Deep Nets']}"  # ids become titles
    assert result.progress == 1.0 and not result.done  # all matched, not finished yet
    assert not episode.success
    assert (
        world.run("authorNodeCheck", {"node": "Zed"})
        == "There is no node named Zed in the AuthorNet."
    )
    assert world.run("paperEdgeCheck", {"node1": "Old Nets", "node2": "Deep Nets"}) == (
        "There is no edge between Old Nets and Deep Nets."
    )
    # 'finish' inside the input ends the episode, whatever the action
    result = episode.step("paperNodeCheck with Action Input: {'node': 'How to finish'}")
    assert result.done and result.valid and episode.success  # progress was already 1.0


def test_academia_data_is_required_up_front(tmp_path):
    assert "paper_net.pkl" in check_academia_data(tmp_path)
    write_academia(tmp_path)
    assert check_academia_data(tmp_path) is None


# ----------------------------------------------------------------------------- weather
WEATHER_GOLD = [
    "2023-06-15",
    {
        "results": [
            {"name": "Paris", "latitude": 48.85341, "longitude": 2.3488, "country_code": "FR"}
        ]
    },
    {  # recorded at annotation time on a neighbouring grid point (about 1.7 km away)
        "latitude": 48.85,
        "longitude": 2.35,
        "daily_units": {
            "time": "iso8601",
            "temperature_2m_max": "°C",
            "temperature_2m_min": "°C",
            "temperature_2m_mean": "°C",
        },
        "daily": {"time": ["2023-06-01", "2023-06-02"]},
    },
    24.7,
]


def test_weather_scripted_episode(tmp_path):
    http = HttpClient("replay", weather_cassette(tmp_path / "weather.json"))
    world = WeatherWorld(http, current_date="2023-06-15", current_location="Paris")
    problem = ToolProblem("weather", "Mean of the highs in Paris on June 1-2?", WEATHER_GOLD, 24.7,
                          init_config={"current_date": "2023-06-15"})  # fmt: skip
    episode = ToolEpisode(problem, world)
    assert episode.reset().startswith("If you want to get the latitude and longitude")
    span = "'latitude': 48.85341, 'longitude': 2.3488, 'start_date': '2023-06-01'"
    trace = play(
        episode,
        [
            "get_user_current_date with Action Input: {}",  # 1/4
            "get_latitude_longitude with Action Input: {'name': 'Paris'}",  # 2/4
            f"get_historical_temp with Action Input: {{{span}, 'end_date': '2023-06-02'}}",  # 3/4
            f"get_historical_temp with Action Input: {{{span}, 'end_date': '2023-06-20'}}",
            "get_historical_temp with Action Input: {'latitude': 1}",  # KeyError
            "finish with Action Input: {'answer': 24.7}",  # 4/4
        ],
    )
    assert trace == [
        (0.25, True, False),
        (0.5, True, False),
        (0.75, True, False),
        (0.75, True, False),
        (0.75, False, False),
        (1.0, True, True),
    ]
    assert episode.success
    shown = world.log[2].observation  # the full response, service keys dropped
    assert shown["daily"]["temperature_2m_max"] == [24.1, 25.3]
    assert "elevation" not in shown and "generationtime_ms" not in shown
    assert world.log[2].subgoal["daily"] == {"time": ["2023-06-01", "2023-06-02"]}
    assert world.log[3].observation == "Error: end_date should be earlier than current_date"
    assert world.log[1].subgoal == WEATHER_GOLD[1]
    assert http.unserved() == 0


def test_weather_offline_tools():
    world = WeatherWorld(HttpClient.__new__(HttpClient), current_date="2023-06-15")
    assert world.get_distance(48.85, 2.35, 51.5, -0.12)[1] == pytest.approx(343.9, abs=1.0)
    assert [air_quality_level(x) for x in (10, 20.5, 30, 50, 70, 90, 120)] == [
        "good", "extremely poor", "fair", "moderate", "poor", "very poor", "extremely poor",
    ]  # fmt: skip
    assert world.get_temp_forecast(1, 2, "2023-06-10", "2023-06-20") == (
        False, "Error: start_date should be later than current_date",
    )  # fmt: skip
    assert world.get_temp_forecast(1, 2, "2023-06-16", "2023-08-20")[1].startswith(
        "Error: Sorry, at present, we support a maximum time span of 30 days"
    )
    with pytest.raises(KeyError):  # AgentBoard's zipcode URL is commented out
        world.convert_zipcode_to_address("10001")


# ----------------------------------------------------------------------------- movie
def test_movie_scripted_episode(tmp_path):
    http = HttpClient("replay", movie_cassette(tmp_path / "movie.json"))
    gold = [[{"id": 27205, "title": "Inception"}], {"crew": [
        {"id": 525, "name": "Christopher Nolan", "job": "Director"},
        {"id": 556, "name": "Emma Thomas", "job": "Producer"},
        {"id": 947, "name": "Hans Zimmer", "job": "Original Music Composer"},
    ]}, "Christopher Nolan"]  # fmt: skip
    problem = ToolProblem("movie", "Who directed Inception?", gold, "Christopher Nolan")
    episode = ToolEpisode(problem, MovieWorld(http, token="tmdb-SECRET"))
    episode.reset()
    trace = play(
        episode,
        [
            "get_search_movie with Action Input: {'movie_name': 'Inception'}",  # 1/3
            "get_movie_details with Action Input: {'movie_id': 0}",  # 404: logged failure
            "get_movie_crew with Action Input: {'movie_id': 27205}",  # 2/3
            "get_search_movie with Action Input: {'movie_name': 'Nothing At All'}",  # IndexError
            "finish with Action Input: {'answer': 'Christopher Nolan'}",  # 3/3
        ],
    )
    assert trace == [
        (0.3333, True, False),
        (0.3333, True, False),
        (0.6667, True, False),
        (0.6667, False, False),
        (1.0, True, True),
    ]
    world = episode.world
    assert world.log[0].observation[0]["overview"].startswith("Cobb")  # shown to the agent
    assert world.log[0].subgoal == gold[0]  # ... but not part of the Subgoal
    assert world.log[1].subgoal == "Calling get_movie_details with {'movie_id': 0} failed"
    assert world.log[1].observation.startswith('{"success":false')
    assert episode.success
    assert http.unserved() == 0


def test_movie_replay_miss_ends_only_the_episode(tmp_path):
    http = HttpClient("replay", movie_cassette(tmp_path / "movie.json"))
    episode = ToolEpisode(ToolProblem("movie", "g", ["x"]), MovieWorld(http))
    with pytest.raises(ReplayMiss):
        episode.step("get_person_details with Action Input: {'person_id': 525}")


def test_network_failure_ends_the_problem_as_agentboard_does():
    def down(request):
        raise httpx.ConnectError("no route")

    http = HttpClient("live", transport=httpx.MockTransport(down))
    episode = ToolEpisode(ToolProblem("movie", "g", ["x"]), MovieWorld(http, token="t"))
    with pytest.raises(ToolServiceError, match="ConnectionError"):
        episode.step("get_search_movie with Action Input: {'movie_name': 'Up'}")


# ----------------------------------------------------------------------------- todo
def todo_episode(tmp_path, answer):
    http = HttpClient("replay", todo_cassette(tmp_path / "todo.json"))
    world = TodoWorld(http, "todo-SECRET", PROJECTS_JSON, current_date="2015-06-01",
                      current_location="Hong Kong", retry_delay_s=0)  # fmt: skip
    gold = [
        [SHOWN_PROJECT],
        [SHOWN_ALGEBRA, SHOWN_CHEMISTRY],
        {"message": "Complete task successfully.",
         "task": {k: v for k, v in SHOWN_ALGEBRA.items() if k != "is_completed"}},
    ]  # fmt: skip
    problem = ToolProblem("todo", "Complete the algebra task.", gold, answer, goal_type=1)
    return ToolEpisode(problem, world)


TODO_STEPS = [
    "get_projects with Action Input: {}",  # 1/3
    "get_tasks with Action Input: {'project_id': '2203306141'}",  # 2/3
    "complete_task with Action Input: {'task_id': '7025'}",  # 3/3, not done
    "complete_task with Action Input: {'task_id': '999'}",  # logged failure
    "finish with Action Input: {'answer': 'done'}",
]


def test_todo_scripted_episode_with_final_state(tmp_path):
    final = {"projects": [SHOWN_PROJECT], "tasks": [SHOWN_CHEMISTRY]}
    episode = todo_episode(tmp_path, final)
    episode.reset()  # wipes the old project, creates AgentBoard's (from the cassette)
    assert play(episode, TODO_STEPS) == [
        (0.3333, True, False),
        (0.6667, True, False),
        (1.0, True, False),
        (1.0, True, False),
        (1.0, True, True),
    ]
    assert episode.world.log[3].observation == "Task 999 is not exists."
    assert episode.success  # done, progress 1.0 and the account ends as the answer says
    assert episode.world.http.unserved() == 0


def test_todo_goal_type_1_fails_on_a_different_final_state(tmp_path):
    episode = todo_episode(tmp_path, {"projects": [SHOWN_PROJECT], "tasks": []})
    episode.reset()
    assert play(episode, TODO_STEPS)[-1] == (1.0, True, True)
    assert not episode.success


def test_todo_reset_failure_is_one_clear_error(tmp_path):
    broken = httpx.MockTransport(lambda r: httpx.Response(401, text="Forbidden"))
    world = TodoWorld(HttpClient("live", transport=broken), "bad", PROJECTS_JSON, retry_delay_s=0)
    with pytest.raises(TodoResetError, match="could not reset the Todoist account"):
        world.start()


# ----------------------------------------------------------------------------- sheet
def test_sheet_scripted_episode(tmp_path):
    http = HttpClient("replay", sheet_cassette(tmp_path / "sheet.json"))
    world = SheetWorld(http, action_names=["open_sheet", "update_cell", "finish"])
    problem = ToolProblem("sheet", 'In "Sheet3", set the price of apple to 5.', [], SHEET_GOLD)
    episode = ToolEpisode(problem, world)
    first = episode.reset()
    assert first == (
        f"{rules.FINISH_REMINDER}\nAction: open_sheet with Action Input: {{'name': 'Sheet3'}}\n"
        f"Observation: You are now in Sheet3\n{SHEET_BEFORE}"
    )
    assert episode.progress == 0.0  # the opening is not scored
    trace = play(
        episode,
        [
            "get_cell_value with Action Input: {'position': 'B2'}",  # 5 of 6 cells equal
            "update_cell with Action Input: {'position': 'B2', 'value': '5'}",  # 6 of 6
            "finish with Action Input: {}",
        ],
    )
    assert trace == [(0.8333, True, False), (1.0, True, False), (1.0, True, True)]
    assert episode.success
    episode.close()  # deletes the copy (the last exchange of the cassette)
    assert http.unserved() == 0


def test_sheet_world_quirks_without_network(tmp_path):
    world = SheetWorld(HttpClient("replay", sheet_cassette(tmp_path / "s.json")),
                       action_names=["open_sheet"])  # fmt: skip
    assert world.run("update_cell", {"position": "A1", "value": 1}) == (
        "Please open a sheet before operating it"
    )
    assert world.current_grid() == "l"  # AgentBoard scores the message's second character
    assert world.run("check_valid_actions", {}) == (
        "ERROR | Invalid action: check_valid_actions. Please choose another valid action from "
        "['open_sheet']"
    )
    world.sheet = {"sheetId": 1, "title": "Sheet3"}
    assert world.run("del_sheet", {"name": "Sheet3"}) == (
        "AttributeError(\"'str' object has no attribute 'id'\")"
    )
    assert world.run("freeze_data", {"dimension": "cols", "num": 1}) == (
        "'Error: the dimension should be one of the rows/columns'"
    )
    assert world.run("update_cell_by_formula", {"position_list": ["A1"], "operator": "DIV",
                                                "result_position": "B1"}).startswith(
        "'the operator should be one of the [\"SUM\""
    )  # fmt: skip
    assert a1_to_rowcol("A1:B2") == (1, 1)  # gspread's prefix match
    assert a1_to_rowcol("ab12") == (12, 28)
    merged = combine_merged([["a", "b"], ["", "c"]], [
        {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 1}
    ])  # fmt: skip
    assert merged == [["a", "b"], ["a", "c"]]


def test_a_recorded_live_run_replays_to_the_same_scores(tmp_path):
    from agentboard_tools_data import PARIS_ARCHIVE, PARIS_GEOCODING

    def open_meteo(request: httpx.Request) -> httpx.Response:
        body = PARIS_GEOCODING if request.url.host.startswith("geocoding") else PARIS_ARCHIVE
        return httpx.Response(200, json=body)

    actions = [
        "get_latitude_longitude with Action Input: {'name': 'Paris'}",
        "get_historical_temp with Action Input: {'latitude': 48.85341, 'longitude': 2.3488, "
        "'start_date': '2023-06-01', 'end_date': '2023-06-02'}",
        "finish with Action Input: {'answer': 24.7}",
    ]
    cassette = tmp_path / "rec" / "weather.json"
    runs = []
    for mode, transport in (("record", httpx.MockTransport(open_meteo)), ("replay", None)):
        http = HttpClient(mode, cassette, transport=transport)
        problem = ToolProblem("weather", "g", WEATHER_GOLD, 24.7)
        episode = ToolEpisode(problem, WeatherWorld(http, current_date="2023-06-15"))
        episode.reset()
        runs.append((play(episode, actions), [e.observation for e in episode.world.log]))
        episode.close()
    assert runs[0] == runs[1]
    assert runs[0][0][-1] == (0.75, True, True)  # the current date was never asked for


@pytest.mark.parametrize("gspread", [5, 6])
def test_sheet_formulas_as_each_gspread_sends_them(gspread):
    from agentboard_tools_data import BOOK, SHEET3_ID, sheets_metadata, values_reply

    sent = []

    def sheets(request: httpx.Request) -> httpx.Response:
        body = request.content and __import__("json").loads(request.content)
        sent.append((request.method, request.url.path.rsplit("/", 1)[-1], body))
        if request.url.path.endswith("values:batchUpdate"):
            target = body["data"][0]["range"]
            if "=" in target:  # the formula sent as the range (gspread 6)
                error = {"code": 400, "message": f"Unable to parse range: {target}",
                         "status": "INVALID_ARGUMENT"}  # fmt: skip
                return httpx.Response(400, json={"error": error})
            return httpx.Response(200, json={"spreadsheetId": "x"})
        if request.url.path.endswith("values:batchGet"):
            return httpx.Response(200, json=values_reply([["a", "1"], ["b", "2"]]))
        if request.url.path.endswith(":batchUpdate"):
            return httpx.Response(200, json={"spreadsheetId": "x", "replies": [{}]})
        return httpx.Response(200, json=sheets_metadata())

    world = SheetWorld(HttpClient("live", transport=httpx.MockTransport(sheets)), gspread=gspread)
    world.spreadsheet_id = BOOK.rsplit("/", 1)[-1]
    world.sheet = {"sheetId": SHEET3_ID, "title": "Sheet3"}
    params = {"start_position": "B1", "end_position": "B2", "result_position": "C1",
              "operator": "SUM"}  # fmt: skip
    shown = world.run("update_cell_by_formula", params)
    writes = [body for method, path, body in sent if path == "values:batchUpdate"]
    if gspread == 5:
        assert writes[0]["data"][0] == {"range": "'Sheet3'!C1", "values": [["=SUM(B1:B2)"]]}
        assert shown == "[['a', '1'], ['b', '2']]"
    else:
        assert writes[0]["data"][0] == {"range": "'Sheet3'!=SUM(B1:B2)", "values": "C1"}
        assert shown.startswith("APIError({'code': 400, 'message': \"Unable to parse range")
        sent.clear()
        shown = world.run("get_value_by_formula", {"start_position": "B1", "end_position": "B2",
                                                    "operator": "SUM"})  # fmt: skip
        batch = [body["requests"][0] for m, path, body in sent if path.endswith(":batchUpdate")
                 and "requests" in body]  # fmt: skip
        assert [next(iter(r)) for r in batch] == ["insertDimension"]  # scratch column stays
        assert shown.startswith("APIError(")


def test_todo_problems_never_share_the_account_at_once():
    from agentboard_tools_data import HOMEWORK

    def todoist(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=[])
        return httpx.Response(200, json=HOMEWORK)

    def world():
        http = HttpClient("live", transport=httpx.MockTransport(todoist))
        return TodoWorld(http, "t", [{"name": "P", "tasks": []}], retry_delay_s=0)

    first, second = world(), world()
    first.start()
    with pytest.raises(TodoAccountBusy, match="agent_concurrency=1"):
        second.start()
    first.close()
    second.start()  # free again
    second.close()
