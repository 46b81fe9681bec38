"""Write the T-Eval sample set (``data/*.json``, the upstream v2 layout) from the records below.

Written for ACBench around a dozen everyday tool schemas; not taken from the T-Eval test set.
Run ``python -m acbench_tasks.teval.samples.build_samples`` after editing; the JSON files are
committed, and a test checks that they match this script.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"


def _param(name: str, kind: str, description: str) -> dict[str, str]:
    return {"name": name, "type": kind, "description": description}


def _tool(name: str, description: str, required=(), optional=(), returns=()) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "required_parameters": [_param(*p) for p in required],
        "optional_parameters": [_param(*p) for p in optional],
        "return_data": [{"name": n, "description": d} for n, d in returns],
    }


TOOLS: dict[str, dict[str, Any]] = {
    t["name"]: t
    for t in (
        _tool(
            "WeatherAPI.get_current_weather",
            "Get the current weather at a location.",
            [("location", "STRING", "City name, e.g. 'Lisbon'.")],
            [("unit", "STRING", "'celsius' or 'fahrenheit'; default celsius.")],
            [("temperature", "Current temperature."), ("condition", "Sky condition.")],
        ),
        _tool(
            "WeatherAPI.get_forecast",
            "Get the daily forecast for the next days.",
            [("location", "STRING", "City name."), ("days", "NUMBER", "Days ahead, 1 to 7.")],
            [],
            [("forecast", "One entry per day with high, low and condition.")],
        ),
        _tool(
            "WebSearch.search",
            "Search the web and return the top results.",
            [("query", "STRING", "The search query.")],
            [("num_results", "NUMBER", "How many results to return; default 5.")],
            [("results", "Titles, links and snippets.")],
        ),
        _tool(
            "Calendar.create_event",
            "Create a calendar event.",
            [
                ("title", "STRING", "Event title."),
                ("start_time", "STRING", "Start, ISO format YYYY-MM-DDTHH:MM."),
                ("end_time", "STRING", "End, ISO format YYYY-MM-DDTHH:MM."),
            ],
            [("attendees", "ARRAY", "E-mail addresses of the attendees.")],
            [("event_id", "Identifier of the new event.")],
        ),
        _tool(
            "Calendar.list_events",
            "List the events of one day.",
            [("date", "STRING", "The day, YYYY-MM-DD.")],
            [],
            [("events", "Title, start and end of each event.")],
        ),
        _tool(
            "FileSystem.read_file",
            "Read a text file.",
            [("path", "STRING", "Path of the file.")],
            [],
            [("content", "The file's text.")],
        ),
        _tool(
            "FileSystem.write_file",
            "Write text to a file, replacing its content.",
            [("path", "STRING", "Path of the file."), ("content", "STRING", "Text to write.")],
            [],
            [("status", "'ok' or an error message.")],
        ),
        _tool(
            "FileSystem.list_directory",
            "List the entries of a directory.",
            [("path", "STRING", "Path of the directory.")],
            [],
            [("entries", "Names of files and sub-directories.")],
        ),
        _tool(
            "Email.send_email",
            "Send an e-mail.",
            [
                ("to", "STRING", "Recipient address."),
                ("subject", "STRING", "Subject line."),
                ("body", "STRING", "Message text."),
            ],
            [],
            [("status", "'sent' or an error message.")],
        ),
        _tool(
            "Translator.translate",
            "Translate text into another language.",
            [
                ("text", "STRING", "Text to translate."),
                ("target_language", "STRING", "ISO 639-1 code, e.g. 'fr'."),
            ],
            [],
            [("translation", "The translated text.")],
        ),
        _tool(
            "Calculator.evaluate",
            "Evaluate an arithmetic expression.",
            [("expression", "STRING", "The expression, e.g. '12 * (3 + 4)'.")],
            [],
            [("result", "The numeric result.")],
        ),
        _tool(
            "Maps.get_directions",
            "Get directions between two places.",
            [("origin", "STRING", "Start address."), ("destination", "STRING", "End address.")],
            [("mode", "STRING", "'driving', 'walking' or 'transit'; default driving.")],
            [("duration", "Travel time in minutes."), ("steps", "Turn-by-turn steps.")],
        ),
        _tool(
            "Stocks.get_quote",
            "Get the latest price of a stock.",
            [("symbol", "STRING", "Ticker symbol, e.g. 'AAPL'.")],
            [],
            [("price", "Last trade price in USD."), ("change", "Change today in percent.")],
        ),
    )
}


def _tool_list(names: list[str]) -> str:
    return json.dumps([TOOLS[n] for n in names], ensure_ascii=False)


def _system(names: list[str], instructions: str) -> dict[str, str]:
    tools = _tool_list(names)
    return {
        "role": "system",
        "content": f"You have access to these tools:\n{tools}\n\n{instructions}",
    }


def _user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


# ----------------------------------------------------------------------------- instruct
JSON_TEMPLATES = [
    {"thought": "thought", "action": "name", "args": "args"},
    {"thought": "goal", "action": "api", "args": "parameters"},
]
STRING_TEMPLATES = [
    {
        "thought_start": "Thought:",
        "thought_end": "\n",
        "action_start": "Action:",
        "action_end": "\n",
        "args_start": "Action Input:",
        "args_end": "",
    },
    {
        "thought_start": "goal:",
        "thought_end": "\n",
        "action_start": "name:",
        "action_end": "\n",
        "args_start": "args:",
        "args_end": "\nEND",
    },
]

INSTRUCT_CASES = [
    (
        ["WeatherAPI.get_current_weather", "WeatherAPI.get_forecast"],
        "Call WeatherAPI.get_current_weather with location 'Lisbon' and unit 'celsius'.",
        "WeatherAPI.get_current_weather",
        {"location": "Lisbon", "unit": "celsius"},
    ),
    (
        ["Calendar.create_event", "Calendar.list_events"],
        "Call Calendar.create_event with title 'Design review', start_time '2024-05-02T10:00' "
        "and end_time '2024-05-02T11:00'.",
        "Calendar.create_event",
        {
            "title": "Design review",
            "start_time": "2024-05-02T10:00",
            "end_time": "2024-05-02T11:00",
        },
    ),
    (
        ["WeatherAPI.get_forecast", "Stocks.get_quote"],
        "Call WeatherAPI.get_forecast with location 'Oslo' and days 3.",
        "WeatherAPI.get_forecast",
        {"location": "Oslo", "days": 3},
    ),
    (
        ["FileSystem.write_file", "FileSystem.read_file", "FileSystem.list_directory"],
        "Call FileSystem.write_file with path 'notes/todo.txt' and content 'buy milk'.",
        "FileSystem.write_file",
        {"path": "notes/todo.txt", "content": "buy milk"},
    ),
]


def _json_format_instructions(template: dict[str, str]) -> str:
    keys = template
    return (
        "Answer with one JSON object and nothing else, in this format:\n"
        f'{{"{keys["thought"]}": "<why you call the tool>", "{keys["action"]}": "<tool name>", '
        f'"{keys["args"]}": {{<arguments as a JSON object>}}}}'
    )


def _string_format_instructions(template: dict[str, str]) -> str:
    t = template
    return (
        "Answer in the following format and nothing else:\n"
        f"{t['thought_start']} <why you call the tool>{t['thought_end']}"
        f"{t['action_start']} <tool name>{t['action_end']}"
        f"{t['args_start']} <arguments as a Python dict on one line>{t['args_end']}"
    )


def instruct_records() -> dict[str, dict]:
    records = {}
    for index, (tools, query, action, args) in enumerate(INSTRUCT_CASES):
        json_template = JSON_TEMPLATES[index % len(JSON_TEMPLATES)]
        records[f"query_{index}_json"] = {
            "origin_prompt": [
                _system(tools, _json_format_instructions(json_template)),
                _user(query),
            ],
            "ground_truth": {"action": action, "args": args},
            "meta_data": {"response_format": "json"},
            "template": json_template,
        }
        string_template = STRING_TEMPLATES[index % len(STRING_TEMPLATES)]
        records[f"query_{index}_string"] = {
            "origin_prompt": [
                _system(tools, _string_format_instructions(string_template)),
                _user(query),
            ],
            "ground_truth": {"action": action, "args": args},
            "meta_data": {"response_format": "string"},
            "template": string_template,
        }
    return records


# ----------------------------------------------------------------------------- plan
def _step(step_id: int, name: str, args: dict, prev: list[int]) -> dict:
    return {"id": step_id, "name": name, "args": args, "prev": prev}


PLAN_CASES = [
    (
        ["WeatherAPI.get_forecast", "Calendar.create_event", "Email.send_email"],
        "If it will be sunny in Lisbon tomorrow, book a 'Beach day' on 2024-06-01 from 09:00 "
        "to 17:00 and e-mail ana@example.org about it.",
        [
            _step(0, "WeatherAPI.get_forecast", {"location": "Lisbon", "days": 1}, []),
            _step(
                1,
                "Calendar.create_event",
                {
                    "title": "Beach day",
                    "start_time": "2024-06-01T09:00",
                    "end_time": "2024-06-01T17:00",
                },
                [0],
            ),
            _step(
                2,
                "Email.send_email",
                {"to": "ana@example.org", "subject": "Beach day", "body": "See you tomorrow!"},
                [1],
            ),
        ],
    ),
    (
        ["FileSystem.list_directory", "FileSystem.read_file", "Translator.translate"],
        "Find the README in the folder 'docs' and translate its text into French.",
        [
            _step(0, "FileSystem.list_directory", {"path": "docs"}, []),
            _step(1, "FileSystem.read_file", {"path": "docs/README.md"}, [0]),
            _step(2, "Translator.translate", {"text": "<content>", "target_language": "fr"}, [1]),
        ],
    ),
    (
        ["Stocks.get_quote", "Calculator.evaluate", "WebSearch.search"],
        "What is 10 shares of AAPL worth right now, and what is the latest news on Apple?",
        [
            _step(0, "Stocks.get_quote", {"symbol": "AAPL"}, []),
            _step(1, "Calculator.evaluate", {"expression": "10 * <price>"}, [0]),
            _step(2, "WebSearch.search", {"query": "Apple news"}, []),
        ],
    ),
]

PLAN_JSON_INSTRUCTIONS = (
    "Give the WHOLE plan that solves the query with these tools, as a JSON list and nothing "
    'else: [{"id": 0, "name": "<tool name>", "args": {<arguments>}}, ...]. End the list with '
    'a step named "FinishAction".'
)
PLAN_STR_INSTRUCTIONS = (
    "Give the WHOLE plan that solves the query with these tools and nothing else. Write one "
    "step per line, in the form: Use <tool name> to <goal>. The last step uses FinishAction."
)


def plan_records(prompt_type: str) -> dict[str, dict]:
    records = {}
    for index, (tools, query, steps) in enumerate(PLAN_CASES):
        instructions = PLAN_JSON_INSTRUCTIONS if prompt_type == "json" else PLAN_STR_INSTRUCTIONS
        gold = [*steps, _step(len(steps), "FinishAction", {}, [len(steps) - 1])]
        records[f"query_{index}_{prompt_type}"] = {
            "origin_prompt": [_system(tools, instructions), _user(query)],
            "ground_truth": gold,
            "meta": {"API_list": [*tools, "FinishAction"], "prompt_type": prompt_type},
            "template": "",
        }
    return records


# ----------------------------------------------------------------------------- one step
# A conversation so far (query, earlier tool calls and their results) and the gold next step.
STEP_CASES = [
    {
        "tools": ["Maps.get_directions", "WeatherAPI.get_current_weather"],
        "query": "Should I walk from Alexanderplatz to the Brandenburg Gate today?",
        "history": [
            (
                "WeatherAPI.get_current_weather",
                {"location": "Berlin"},
                '{"temperature": 19, "condition": "sunny"}',
            )
        ],
        "gold": {
            "thought": "The weather is fine, so I need the walking time for the route.",
            "name": "Maps.get_directions",
            "args": {
                "origin": "Alexanderplatz",
                "destination": "Brandenburg Gate",
                "mode": "walking",
            },
        },
    },
    {
        "tools": ["FileSystem.read_file", "Email.send_email"],
        "query": "Send the contents of report.txt to boss@example.com with subject 'Report'.",
        "history": [
            ("FileSystem.read_file", {"path": "report.txt"}, '{"content": "Sales rose 4%."}')
        ],
        "gold": {
            "thought": "I have the report text; now I send it by e-mail.",
            "name": "Email.send_email",
            "args": {"to": "boss@example.com", "subject": "Report", "body": "Sales rose 4%."},
        },
    },
    {
        "tools": ["Stocks.get_quote", "Calculator.evaluate"],
        "query": "How much are 25 shares of NVDA worth?",
        "history": [],
        "gold": {
            "thought": "First I need the current price of NVDA.",
            "name": "Stocks.get_quote",
            "args": {"symbol": "NVDA"},
        },
    },
    {
        "tools": ["WebSearch.search", "Translator.translate"],
        "query": "Find who wrote 'Dom Casmurro' and tell me in Spanish.",
        "history": [
            (
                "WebSearch.search",
                {"query": "Dom Casmurro author"},
                '{"results": ["Dom Casmurro is a novel by Machado de Assis (1899)."]}',
            ),
            (
                "Translator.translate",
                {"text": "It was written by Machado de Assis.", "target_language": "es"},
                '{"translation": "Fue escrito por Machado de Assis."}',
            ),
        ],
        "gold": {
            "thought": "I have the answer in Spanish, so I can finish.",
            "name": "FinishAction",
            "args": {},
        },
    },
]

STEP_INSTRUCTIONS = {
    "reason_str": "Think about the next step. Answer with your thought only, in one sentence.",
    "retrieve_str": "Choose the tool for the next step. Answer with the tool name only.",
    "understand_str": (
        "The next step calls the tool named by the user. Answer with its arguments only, as a "
        "Python dict on one line."
    ),
    "rru_json": (
        'Give the next step as one JSON object and nothing else: {"thought": "<your thought>", '
        '"name": "<tool name>", "args": {<arguments>}}. When the task is done, use the tool '
        '"FinishAction" with empty args.'
    ),
}


def _conversation(case: dict, instructions: str, tail: str | None) -> list[dict[str, str]]:
    messages = [_system(case["tools"], instructions), _user(case["query"])]
    for name, args, result in case["history"]:
        call = json.dumps({"name": name, "args": args}, ensure_ascii=False)
        messages.append({"role": "assistant", "content": call})
        messages.append({"role": "function", "content": result})
    if tail:
        messages.append(_user(tail))
    return messages


def step_records(kind: str) -> dict[str, dict]:
    records = {}
    for index, case in enumerate(STEP_CASES):
        gold = case["gold"]
        tail = f"The next tool to call is {gold['name']}." if kind == "understand_str" else None
        if kind == "understand_str" and gold["name"] == "FinishAction":
            continue
        records[f"query_{index}_{kind}"] = {
            "origin_prompt": _conversation(case, STEP_INSTRUCTIONS[kind], tail),
            "ground_truth": gold,
            "meta_data": {"response_format": "json" if kind == "rru_json" else "str"},
            "template": "",
        }
    return records


# ----------------------------------------------------------------------------- review
REVIEW_OPTIONS = (
    "A. The tool call succeeded and answers the request.\n"
    "B. The tool call succeeded but does not answer the request.\n"
    "C. The tool returned an error because of wrong arguments.\n"
    "D. The tool returned an error for another reason.\n"
    "E. The wrong tool was called."
)
REVIEW_CASES = [
    (
        "WeatherAPI.get_current_weather",
        {"location": "Paris"},
        '{"temperature": 21, "condition": "cloudy"}',
        "What is the weather in Paris?",
        "A",
    ),
    (
        "Stocks.get_quote",
        {"symbol": "APPLE"},
        '{"error": "unknown symbol APPLE"}',
        "What is Apple's stock price?",
        "C",
    ),
    (
        "Translator.translate",
        {"text": "good night", "target_language": "de"},
        '{"translation": "Gute Nacht"}',
        "How do you say 'good night' in Japanese?",
        "B",
    ),
    (
        "WebSearch.search",
        {"query": "2+2"},
        '{"results": ["4"]}',
        "Add 2 and 2 with the calculator tool.",
        "E",
    ),
]


def review_records() -> dict[str, dict]:
    records = {}
    for index, (name, args, result, request, answer) in enumerate(REVIEW_CASES):
        call = json.dumps({"name": name, "args": args}, ensure_ascii=False)
        content = (
            f"Request: {request}\nTool call: {call}\nTool result: {result}\n\n"
            f"Which statement describes the tool call best?\n{REVIEW_OPTIONS}\n"
            "Answer in the form 'Answer: <letter>'."
        )
        records[f"query_{index}_review"] = {
            "origin_prompt": [_system([name], "You review tool calls."), _user(content)],
            "ground_truth": {"answer": answer},
            "meta_data": {"response_format": "str"},
            "template": "",
        }
    return records


def build() -> dict[str, dict[str, dict]]:
    """File stem → records, in the upstream English v2 layout."""
    return {
        "instruct_v2": instruct_records(),
        "plan_json_v2": plan_records("json"),
        "plan_str_v2": plan_records("str"),
        "reason_str_v2": step_records("reason_str"),
        "retrieve_str_v2": step_records("retrieve_str"),
        "understand_str_v2": step_records("understand_str"),
        "reason_retrieve_understand_json_v2": step_records("rru_json"),
        "review_str_v2": review_records(),
    }


def render(records: dict[str, dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    DATA_DIR.mkdir(exist_ok=True)
    for stem, records in build().items():
        (DATA_DIR / f"{stem}.json").write_text(render(records), encoding="utf-8")
        print(f"{stem}: {len(records)} records")


if __name__ == "__main__":
    main()
