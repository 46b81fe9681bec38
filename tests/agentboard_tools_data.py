"""Hand-written fixtures for AgentBoard's tools: academia pickles and HTTP cassettes.

The cassettes hold answers in the services' real response shapes (Open-Meteo, TMDB, Todoist
REST v2, Google Sheets v4 / Drive v3), values made up.
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import networkx as nx

# ----------------------------------------------------------------------------- academia
PAPER_ATTRS = {
    "authors": ["Ann Lee", "Bo Chen"],
    "year": 2021,
    "venue": "ICML",
    "n_citation": 12,
    "keywords": ["pruning", "agents"],
    "doc_type": "Conference",
}


def write_academia(root: Path) -> Path:
    """AgentBoard's academia files under ``root/data/tool-query/academia/raw``."""
    papers = nx.DiGraph()
    papers.add_node(0, **PAPER_ATTRS)
    papers.add_node(1, authors=["Bo Chen"], year=2019, venue="NeurIPS", n_citation=40)
    papers.add_node(2, authors=["Cy Diaz"], year=2020, venue="ACL", n_citation=3)
    papers.add_edge(0, 1)  # Deep Nets cites Old Nets and Word Nets
    papers.add_edge(0, 2)
    authors = nx.Graph()
    authors.add_node(10, name="Ann Lee", org="HKUST", papers=[0])
    authors.add_node(11, name="Bo Chen", org="MIT", papers=[0, 1])
    authors.add_edge(10, 11, collaborative_papers=[0])
    titles = {"Deep Nets": 0, "Old Nets": 1, "Word Nets": 2}
    people = {"Ann Lee": 10, "Bo Chen": 11}
    raw = root / "data" / "tool-query" / "academia" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    content = {
        "paper_net": papers,
        "author_net": authors,
        "title2id_dict": titles,
        "author2id_dict": people,
        "id2title_dict": {v: k for k, v in titles.items()},
        "id2author_dict": {v: k for k, v in people.items()},
    }
    for name, value in content.items():
        (raw / f"{name}.pkl").write_bytes(pickle.dumps(value))
    return root


# ----------------------------------------------------------------------------- cassettes
def write_cassette(path: Path, interactions: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "interactions": interactions}, indent=1))
    return path


def exchange(
    method: str, url: str, status: int = 200, *, params=None, body=None, json_reply=None, text=None
) -> dict[str, Any]:
    request: dict[str, Any] = {"method": method, "url": url}
    if params is not None:
        request["params"] = params
    if body is not None:
        request["json"] = body
    response: dict[str, Any] = {"status": status}
    if json_reply is not None:
        response["json"] = json_reply
    else:
        response["text"] = text or ""
    return {"request": request, "response": response}


# Open-Meteo ------------------------------------------------------------------------------
GEOCODING = "https://geocoding-api.open-meteo.com/v1/search"
ARCHIVE = "https://archive-api.open-meteo.com/v1/archive"
PARIS_GEOCODING = {
    "results": [
        {
            "id": 2988507,
            "name": "Paris",
            "latitude": 48.85341,
            "longitude": 2.3488,
            "elevation": 42.0,
            "feature_code": "PPLC",
            "country_code": "FR",
            "admin1_id": 3012874,
            "admin2_id": 2968815,
            "timezone": "Europe/Paris",
            "population": 2138551,
            "postcodes": ["75001", "75020"],
            "country_id": 3017382,
            "country": "France",
            "admin1": "Île-de-France",
            "admin2": "Paris",
        }
    ],
    "generationtime_ms": 0.6740093,
}
PARIS_ARCHIVE = {
    "latitude": 48.84,
    "longitude": 2.3599997,
    "generationtime_ms": 0.07700920104980469,
    "utc_offset_seconds": 0,
    "timezone": "GMT",
    "timezone_abbreviation": "GMT",
    "elevation": 43.0,
    "daily_units": {
        "time": "iso8601",
        "temperature_2m_max": "°C",
        "temperature_2m_min": "°C",
        "temperature_2m_mean": "°C",
    },
    "daily": {
        "time": ["2023-06-01", "2023-06-02"],
        "temperature_2m_max": [24.1, 25.3],
        "temperature_2m_min": [12.0, 13.1],
        "temperature_2m_mean": [18.2, 19.0],
    },
}
TEMPS = "temperature_2m_max,temperature_2m_min,temperature_2m_mean"


def weather_cassette(path: Path) -> Path:
    return write_cassette(
        path,
        [
            exchange(
                "GET",
                GEOCODING,
                params={"name": "Paris", "count": "3", "language": "en", "format": "json"},
                json_reply=PARIS_GEOCODING,
            ),
            exchange(
                "GET",
                ARCHIVE,
                params={
                    "latitude": "48.85341",
                    "longitude": "2.3488",
                    "start_date": "2023-06-01",
                    "end_date": "2023-06-02",
                    "timezone": "GMT",
                    "daily": TEMPS,
                },
                json_reply=PARIS_ARCHIVE,
            ),
        ],
    )


# TMDB ------------------------------------------------------------------------------------
TMDB = "https://api.themoviedb.org/3"
INCEPTION_SEARCH = {
    "page": 1,
    "results": [
        {
            "adult": False,
            "backdrop_path": "/s3TBrRGB1iav7gFOCNx3H31MoES.jpg",
            "genre_ids": [28, 878, 12],
            "id": 27205,
            "original_language": "en",
            "original_title": "Inception",
            "overview": "Cobb, a skilled thief who commits corporate espionage ...",
            "popularity": 83.952,
            "poster_path": "/oYuLEt3zVCKq57qu2F8dT7NIa6f.jpg",
            "release_date": "2010-07-15",
            "title": "Inception",
            "video": False,
            "vote_average": 8.369,
            "vote_count": 34495,
        }
    ],
    "total_pages": 1,
    "total_results": 1,
}


def crew_member(ident: int, name: str, job: str, department: str) -> dict[str, Any]:
    return {
        "adult": False,
        "gender": 2,
        "id": ident,
        "known_for_department": department,
        "name": name,
        "original_name": name,
        "popularity": 10.0,
        "profile_path": None,
        "credit_id": f"c{ident}",
        "department": department,
        "job": job,
    }


INCEPTION_CREDITS = {
    "id": 27205,
    "cast": [
        {
            "adult": False,
            "gender": 2,
            "id": 6193,
            "known_for_department": "Acting",
            "name": "Leonardo DiCaprio",
            "original_name": "Leonardo DiCaprio",
            "popularity": 60.0,
            "profile_path": "/wo2hJpn04vbtmh0B9utCFdsQhxM.jpg",
            "cast_id": 1,
            "character": "Dom Cobb",
            "credit_id": "52fe4534c3a368484e04de03",
            "order": 0,
        }
    ],
    "crew": [
        crew_member(947, "Hans Zimmer", "Original Music Composer", "Sound"),
        crew_member(525, "Christopher Nolan", "Director", "Directing"),
        crew_member(556, "Emma Thomas", "Producer", "Production"),
    ],
}
MOVIE_CREW_RESULT = {
    "crew": [
        {"id": 525, "name": "Christopher Nolan", "job": "Director"},
        {"id": 556, "name": "Emma Thomas", "job": "Producer"},
        {"id": 947, "name": "Hans Zimmer", "job": "Original Music Composer"},
    ]
}
TMDB_NOT_FOUND = (
    '{"success":false,"status_code":34,"status_message":"The resource you requested could not '
    'be found."}'
)
SEARCH_PARAMS = {"include_adult": "false", "language": "en-US", "page": "1"}


def movie_cassette(path: Path) -> Path:
    return write_cassette(
        path,
        [
            exchange(
                "GET",
                f"{TMDB}/search/movie",
                params={"query": "Inception", **SEARCH_PARAMS},
                json_reply=INCEPTION_SEARCH,
            ),
            exchange("GET", f"{TMDB}/movie/0", 404, text=TMDB_NOT_FOUND),
            exchange("GET", f"{TMDB}/movie/27205/credits", json_reply=INCEPTION_CREDITS),
            exchange(
                "GET",
                f"{TMDB}/search/movie",
                params={"query": "Nothing At All", **SEARCH_PARAMS},
                json_reply={"page": 1, "results": [], "total_pages": 1, "total_results": 0},
            ),
        ],
    )


# Todoist ---------------------------------------------------------------------------------
TODOIST = "https://api.todoist.com/rest/v2"
PROJECTS_JSON = [
    {
        "name": "Homework and Assignments",
        "is_favorite": False,
        "tasks": [
            {
                "content": "Solve algebra equations",
                "description": "- Place: Library",
                "due_date": "2015-06-01",
                "duration": 60,
                "duration_unit": "minute",
                "priority": 1,
            },
            {
                "content": "Conduct a chemistry experiment",
                "description": "- Place: Student Building",
                "due_date": "2015-06-12",
                "duration": 90,
                "duration_unit": "minute",
                "priority": 2,
            },
        ],
    }
]


def todoist_project(ident: str, name: str, order: int, **extra: Any) -> dict[str, Any]:
    project = {
        "id": ident,
        "name": name,
        "comment_count": 0,
        "color": "charcoal",
        "is_shared": False,
        "order": order,
        "is_favorite": False,
        "is_inbox_project": name == "Inbox",
        "is_team_inbox": False,
        "view_style": "list",
        "url": f"https://todoist.com/showProject?id={ident}",
        "parent_id": None,
    }
    project.update(extra)
    return project


def todoist_task(ident: str, project_id: str, spec: dict[str, Any], order: int, **extra):
    task = {
        "id": ident,
        "assigner_id": None,
        "assignee_id": None,
        "project_id": project_id,
        "section_id": None,
        "parent_id": None,
        "order": order,
        "content": spec["content"],
        "description": spec["description"],
        "is_completed": False,
        "labels": [],
        "priority": spec["priority"],
        "comment_count": 0,
        "creator_id": "2671355",
        "created_at": "2024-01-10T09:00:00.000000Z",
        "due": {
            "date": spec["due_date"],
            "is_recurring": False,
            "datetime": None,
            "string": spec["due_date"],
            "timezone": None,
        },
        "url": f"https://todoist.com/showTask?id={ident}",
        "duration": {"amount": spec["duration"], "unit": spec["duration_unit"]},
    }
    task.update(extra)
    return task


HOMEWORK = todoist_project("2203306141", "Homework and Assignments", 1)
ALGEBRA = todoist_task("7025", "2203306141", PROJECTS_JSON[0]["tasks"][0], 1)
CHEMISTRY = todoist_task("7026", "2203306141", PROJECTS_JSON[0]["tasks"][1], 2)
SHOWN_PROJECT = {
    "name": "Homework and Assignments",
    "color": "charcoal",
    "order": 1,
    "is_favorite": False,
}
SHOWN_ALGEBRA = {
    "content": "Solve algebra equations",
    "is_completed": False,
    "order": 1,
    "priority": 1,
    "due_date": "2015-06-01",
}
SHOWN_CHEMISTRY = {
    "content": "Conduct a chemistry experiment",
    "is_completed": False,
    "order": 2,
    "priority": 2,
    "due_date": "2015-06-12",
}


def task_params(project_id: str, spec: dict[str, Any]) -> dict[str, str]:
    return {
        "project_id": project_id,
        "content": spec["content"],
        "description": spec["description"],
        "due_date": spec["due_date"],
        "duration": str(spec["duration"]),
        "duration_unit": spec["duration_unit"],
        "priority": str(spec["priority"]),
    }


def todo_reset_exchanges() -> list[dict[str, Any]]:
    """Wipe (an old project, the Inbox stays) and create AgentBoard's project and tasks."""
    inbox = todoist_project("100", "Inbox", 0)
    old = todoist_project("555", "My real groceries", 2)
    specs = PROJECTS_JSON[0]["tasks"]
    return [
        exchange("GET", f"{TODOIST}/projects", json_reply=[inbox, old]),
        exchange("GET", f"{TODOIST}/projects/555", json_reply=old),
        exchange("DELETE", f"{TODOIST}/projects/555", 204),
        exchange(
            "POST",
            f"{TODOIST}/projects",
            params={"name": "Homework and Assignments"},
            json_reply=HOMEWORK,
        ),
        exchange(
            "POST",
            f"{TODOIST}/tasks",
            params=task_params("2203306141", specs[0]),
            json_reply=ALGEBRA,
        ),
        exchange(
            "POST",
            f"{TODOIST}/tasks",
            params=task_params("2203306141", specs[1]),
            json_reply=CHEMISTRY,
        ),
    ]


def todo_cassette(path: Path) -> Path:
    inbox = todoist_project("100", "Inbox", 0)
    return write_cassette(
        path,
        [
            *todo_reset_exchanges(),
            # get_projects
            exchange("GET", f"{TODOIST}/projects", json_reply=[inbox, HOMEWORK]),
            # get_tasks
            exchange(
                "GET",
                f"{TODOIST}/tasks",
                params={"project_id": "2203306141"},
                json_reply=[ALGEBRA, CHEMISTRY],
            ),
            # complete_task: look it up, then close it
            exchange("GET", f"{TODOIST}/tasks/7025", json_reply=ALGEBRA),
            exchange("POST", f"{TODOIST}/tasks/7025/close", 204),
            # complete_task of a task that does not exist
            exchange("GET", f"{TODOIST}/tasks/999", 404, text="Task not found"),
            # final state after finish (goal_type 1)
            exchange("GET", f"{TODOIST}/projects", json_reply=[inbox, HOMEWORK]),
            exchange(
                "GET",
                f"{TODOIST}/tasks",
                params={"project_id": "2203306141"},
                json_reply=[CHEMISTRY],
            ),
        ],
    )


# Google Sheets ---------------------------------------------------------------------------
DRIVE = "https://www.googleapis.com/drive/v3/files"
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
REFERENCE = "17MVNCONh-6Pw3Met2O31WhUHlgOcQz8TPJKikVpL8IY"
COPY_ID = "1CopyOfTheReferenceSheetForProblem3xyz"
BOOK = f"{SHEETS}/{COPY_ID}"
SHEET3_ID = 1302412279


def sheets_metadata(merges: list[dict[str, Any]] | None = None, frozen: int = 0):
    sheet3 = {
        "properties": {
            "sheetId": SHEET3_ID,
            "title": "Sheet3",
            "index": 2,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": 1000, "columnCount": 26},
        }
    }
    if frozen:
        sheet3["properties"]["gridProperties"]["frozenRowCount"] = frozen
    if merges:
        sheet3["merges"] = merges
    return {
        "spreadsheetId": COPY_ID,
        "properties": {"title": "Copy of Test Sheet-For Copy", "locale": "en_US"},
        "sheets": [
            {
                "properties": {
                    "sheetId": 0,
                    "title": "Sheet1",
                    "index": 0,
                    "sheetType": "GRID",
                    "gridProperties": {"rowCount": 1000, "columnCount": 26},
                }
            },
            sheet3,
        ],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{COPY_ID}/edit",
    }


def values_reply(rows: list[list[str]]) -> dict[str, Any]:
    last = f"{chr(ord('A') + max(len(r) for r in rows) - 1)}{len(rows)}"
    return {
        "spreadsheetId": COPY_ID,
        "valueRanges": [{"range": f"Sheet3!A1:{last}", "majorDimension": "ROWS", "values": rows}],
    }


def read_all(rows: list[list[str]], merges=None) -> list[dict[str, Any]]:
    """The two requests of one ``get_all_values``: the values, then the merges."""
    return [
        exchange(
            "GET",
            f"{BOOK}/values:batchGet",
            params={"ranges": "'Sheet3'"},
            json_reply=values_reply(rows),
        ),
        exchange(
            "GET", BOOK, params={"includeGridData": "false"}, json_reply=sheets_metadata(merges)
        ),
    ]


SHEET_BEFORE = [["Item", "Price"], ["apple", "4"], ["pear", "3"]]
SHEET_AFTER = [["Item", "Price"], ["apple", "5"], ["pear", "3"]]
SHEET_GOLD = json.dumps(SHEET_AFTER)


def sheet_cassette(path: Path) -> Path:
    write = {
        "valueInputOption": "USER_ENTERED",
        "data": [{"range": "'Sheet3'!B2", "values": [[5.0]]}],
    }
    update_reply = {
        "spreadsheetId": COPY_ID,
        "totalUpdatedRows": 1,
        "totalUpdatedColumns": 1,
        "totalUpdatedCells": 1,
        "totalUpdatedSheets": 1,
        "responses": [
            {
                "spreadsheetId": COPY_ID,
                "updatedRange": "Sheet3!B2",
                "updatedRows": 1,
                "updatedColumns": 1,
                "updatedCells": 1,
            }
        ],
    }
    return write_cassette(
        path,
        [
            exchange(
                "POST",
                f"{DRIVE}/{REFERENCE}/copy",
                params={"supportsAllDrives": "true"},
                body={"mimeType": "application/vnd.google-apps.spreadsheet"},
                json_reply={
                    "kind": "drive#file",
                    "id": COPY_ID,
                    "name": "Copy of Test Sheet-For Copy",
                    "mimeType": "application/vnd.google-apps.spreadsheet",
                },
            ),
            # open_sheet("Sheet3")
            exchange(
                "GET", BOOK, params={"includeGridData": "false"}, json_reply=sheets_metadata()
            ),
            *read_all(SHEET_BEFORE),  # the grid shown after opening
            # step 1: get_cell_value B2, then the grid for progress
            exchange(
                "GET",
                f"{BOOK}/values:batchGet",
                params={"ranges": "'Sheet3'!B2"},
                json_reply={
                    "spreadsheetId": COPY_ID,
                    "valueRanges": [
                        {"range": "Sheet3!B2", "majorDimension": "ROWS", "values": [["4"]]}
                    ],
                },
            ),
            *read_all(SHEET_BEFORE),
            # step 2: update_cell B2 = 5 (typed), its result grid, the grid for progress
            exchange("POST", f"{BOOK}/values:batchUpdate", body=write, json_reply=update_reply),
            *read_all(SHEET_AFTER),
            *read_all(SHEET_AFTER),
            # step 3: finish (the grid), the grid for progress
            *read_all(SHEET_AFTER),
            *read_all(SHEET_AFTER),
            # the copy is deleted at the end
            exchange("DELETE", f"{DRIVE}/{COPY_ID}", 204),
        ],
    )


def deep(value: Any) -> Any:
    return copy.deepcopy(value)
