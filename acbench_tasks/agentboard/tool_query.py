"""Tool-Query (ACBench §11): answer questions by querying tools.

``problem_set: agentboard`` (the default) plays AgentBoard's 60 problems on its own tools (academia
offline, weather and movie live or replayed; :mod:`acbench_tasks.agentboard.tools`). The ``sample``
and ``generated`` sets are ours, not comparable with the paper: three offline worlds, generated
from a fixed seed: an academic citation graph (papers, authors, citations), a weather archive
(cities, countries, daily weather) and a movie database (movies, people). Each problem has
annotated subgoals: the tool calls that lead to the answer, then the answer itself. Progress rate =
share of subgoals reached (calls made, in any order); a correct final answer (``finish``) reaches
them all. A wrong answer ends the episode with the progress the calls had reached.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Mapping
from typing import Any

from acbench_tasks.agentboard.tools.offline import Tool, ToolEnvironment, answer_matches, call_key

_FIRST = [
    "Ada",
    "Boris",
    "Chen",
    "Dana",
    "Emil",
    "Farah",
    "Goran",
    "Hana",
    "Ivan",
    "Jun",
    "Kemal",
    "Lena",
    "Mira",
    "Noor",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
]
_LAST = [
    "Alvarez",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haas",
    "Ivanova",
    "Jensen",
    "Kato",
    "Lindqvist",
    "Moreau",
    "Novak",
    "Okafor",
    "Petrov",
]
_TOPICS = [
    "Sparse Attention",
    "Graph Pruning",
    "Quantized Agents",
    "Tool Learning",
    "Long Context Recall",
    "Workflow Planning",
    "Low-Rank Adapters",
    "Speculative Decoding",
    "Reward Modelling",
    "Code Repair",
    "Memory Networks",
    "Curriculum Search",
]
_KINDS = ["for", "with", "via", "under"]
_SETTINGS = [
    "Edge Devices",
    "Small Models",
    "Noisy Labels",
    "Web Agents",
    "Compression",
    "Multilingual Text",
]
_VENUES = ["ICML", "NeurIPS", "ICLR", "ACL", "EMNLP", "AAAI"]
_AFFILIATIONS = [
    "Northlake University",
    "Institute of Applied Computing",
    "Riverside Lab",
    "Coastal Tech",
    "Alpine Research Centre",
]
_COUNTRIES = {
    "Norland": ["Fjordby", "Skarvik", "Ostholm"],
    "Valdora": ["Miraval", "Cortena", "Belfonte"],
    "Kestria": ["Ardun", "Pelmark", "Tovin"],
    "Sundara": ["Palmora", "Ketu", "Sirang"],
}
_CONDITIONS = ["sunny", "cloudy", "rain", "snow", "fog", "windy"]
_DATES = [f"2024-03-{d:02d}" for d in range(1, 8)]
_GENRES = ["drama", "comedy", "thriller", "documentary", "animation", "science fiction"]
_WORDS = [
    "Silent",
    "Golden",
    "Last",
    "Hidden",
    "Paper",
    "Northern",
    "Glass",
    "Winter",
    "Lost",
    "Electric",
]
_NOUNS = ["Harbor", "Orchard", "Signal", "Garden", "Voyage", "Lantern", "Mirror", "Station"]


@functools.cache
def world() -> dict[str, Any]:
    """The three databases (deterministic: seed 0)."""
    rng = random.Random(0)
    people = [f"{first} {last}" for first in _FIRST for last in _LAST]
    rng.shuffle(people)
    authors = {
        name: {"name": name, "affiliation": rng.choice(_AFFILIATIONS), "papers": []}
        for name in people[:24]
    }
    titles = sorted(
        {f"{t} {rng.choice(_KINDS)} {s}" for t in _TOPICS for s in rng.sample(_SETTINGS, 2)}
    )
    papers = {}
    for title in titles:
        team = rng.sample(sorted(authors), rng.randint(1, 3))
        papers[title] = {
            "title": title,
            "year": rng.randint(2015, 2024),
            "venue": rng.choice(_VENUES),
            "authors": team,
        }
        for name in team:
            authors[name]["papers"].append(title)
    cites = {
        t: sorted(
            c
            for c in titles
            if c != t and papers[c]["year"] >= papers[t]["year"] and rng.random() < 0.25
        )
        for t in titles
    }
    countries = {
        c: {
            "country": c,
            "capital": cities[0],
            "cities": cities,
            "population_millions": rng.randint(2, 90),
        }
        for c, cities in _COUNTRIES.items()
    }
    weather = {}
    for country, cities in _COUNTRIES.items():
        for city in cities:
            for date in _DATES:
                high = rng.randint(-5, 30)
                weather[(city, date)] = {
                    "city": city,
                    "country": country,
                    "date": date,
                    "condition": rng.choice(_CONDITIONS),
                    "temperature_max": high,
                    "temperature_min": high - rng.randint(3, 12),
                }
    directors = people[24:36]
    actors = people[36:60]
    movie_titles = sorted({f"The {w} {n}" for w in _WORDS for n in _NOUNS})
    rng.shuffle(movie_titles)
    movies = {}
    persons = {
        p: {"name": p, "born": rng.randint(1940, 1990), "directed": [], "acted_in": []}
        for p in directors + actors
    }
    for title in sorted(movie_titles[:40]):
        director = rng.choice(directors)
        cast = rng.sample(actors, 3)
        movies[title] = {
            "title": title,
            "year": rng.randint(1975, 2023),
            "genre": rng.choice(_GENRES),
            "director": director,
            "cast": cast,
        }
        persons[director]["directed"].append(title)
        for actor in cast:
            persons[actor]["acted_in"].append(title)
    return {
        "authors": authors,
        "papers": papers,
        "citations": cites,
        "countries": countries,
        "weather": weather,
        "movies": movies,
        "persons": persons,
    }


Question = dict[str, Any]


def _question(goal: str, answer: Any, *calls: tuple[str, dict[str, Any]]) -> Question:
    """A question, its answer and the annotated tool calls (subgoals) that lead to it."""
    return {"goal": goal, "answer": answer, "calls": [{"tool": t, "args": a} for t, a in calls]}


def _academia(rng: random.Random, index: int) -> Question:
    w = world()
    title = rng.choice(sorted(w["papers"]))
    paper, author = w["papers"][title], w["papers"][title]["authors"][0]
    by_title = ("search_paper", {"title": title})
    kind = index % 4
    if kind == 0:
        return _question(f"Which venue published the paper '{title}'?", paper["venue"], by_title)
    if kind == 1:
        return _question(
            f"How many papers has {author} written?",
            len(w["authors"][author]["papers"]),
            ("search_author", {"name": author}),
        )
    if kind == 2:
        return _question(
            f"What is the affiliation of the first author of '{title}'?",
            w["authors"][author]["affiliation"],
            by_title,
            ("search_author", {"name": author}),
        )
    return _question(
        f"How many papers cite '{title}'?",
        len(w["citations"][title]),
        ("get_citations", {"title": title}),
    )


def _weather(rng: random.Random, index: int) -> Question:
    w = world()
    country = rng.choice(sorted(w["countries"]))
    date = rng.choice(_DATES)
    city = rng.choice(w["countries"][country]["cities"])
    kind = index % 3
    if kind == 0:
        return _question(
            f"What was the maximum temperature (°C) in {city} on {date}?",
            w["weather"][(city, date)]["temperature_max"],
            ("get_weather", {"city": city, "date": date}),
        )
    if kind == 1:
        other = rng.choice([c for c in w["countries"][country]["cities"] if c != city])
        while (
            w["weather"][(city, date)]["temperature_max"]
            == w["weather"][(other, date)]["temperature_max"]
        ):
            date = rng.choice(_DATES)
        highs = {c: w["weather"][(c, date)]["temperature_max"] for c in (city, other)}
        return _question(
            f"Which city had the higher maximum temperature on {date}: {city} or {other}?",
            max(highs, key=highs.__getitem__),
            ("get_weather", {"city": city, "date": date}),
            ("get_weather", {"city": other, "date": date}),
        )
    capital = w["countries"][country]["capital"]
    return _question(
        f"What was the weather condition in the capital of {country} on {date}?",
        w["weather"][(capital, date)]["condition"],
        ("get_country", {"name": country}),
        ("get_weather", {"city": capital, "date": date}),
    )


def _movies(rng: random.Random, index: int) -> Question:
    w = world()
    title = rng.choice(sorted(w["movies"]))
    director = w["movies"][title]["director"]
    kind = index % 3
    if kind == 0:
        return _question(f"Who directed '{title}'?", director, ("search_movie", {"title": title}))
    if kind == 1:
        return _question(
            f"In which year was the director of '{title}' born?",
            w["persons"][director]["born"],
            ("search_movie", {"title": title}),
            ("search_person", {"name": director}),
        )
    latest = max(w["persons"][director]["directed"], key=lambda t: (w["movies"][t]["year"], t))
    return _question(
        f"What is the genre of the most recent movie directed by {director}?",
        w["movies"][latest]["genre"],
        ("search_person", {"name": director}),
        ("search_movie", {"title": latest}),
    )


_DOMAINS = {"academia": _academia, "weather": _weather, "movie": _movies}


def make_problems(per_domain: int, seed: int) -> list[dict[str, Any]]:
    problems = []
    for domain, make in _DOMAINS.items():
        rng = random.Random(f"{seed}-{domain}")
        for index in range(per_domain):
            problem = make(rng, index)
            plan = [
                f"{c['tool']} with Action Input: {json.dumps(c['args'])}" for c in problem["calls"]
            ]
            plan.append(
                f"finish with Action Input: {json.dumps({'answer': str(problem['answer'])})}"
            )
            problems.append(
                {"id": f"{domain}-{index:02d}", "domain": domain, **problem, "solution": plan}
            )
    return problems


PROBLEM_SETS = {"sample": lambda: make_problems(1, 7), "default": lambda: make_problems(20, 0)}


def example() -> str:
    """A worked two-step trajectory on the real databases."""
    country = world()["countries"]["Kestria"]
    return "\n".join(
        [
            "Goal: What is the population (millions) of the country whose capital is "
            f"{country['capital']}?",
            "Observation: Tools are ready.",
            'Action: get_country with Action Input: {"name": "Kestria"}',
            f"Observation: {json.dumps(country)}",
            f'Action: finish with Action Input: {{"answer": "{country["population_millions"]}"}}',
            "Observation: Answer submitted.",
        ]
    )


class ToolQueryEnvironment(ToolEnvironment):
    """One question over the simulated databases."""

    name = "tool_query"
    problem_sets = PROBLEM_SETS
    description = (
        "You answer questions by querying tools: an academic database (papers, authors, "
        "citations), a weather archive (countries, daily weather in cities) and a movie database."
    )
    tools = (
        Tool("search_paper", "Look up a paper by exact title.", ("title",)),
        Tool("search_author", "Look up an author by name.", ("name",)),
        Tool("get_citations", "Titles of the papers citing a paper.", ("title",)),
        Tool("get_country", "Capital, cities and population of a country.", ("name",)),
        Tool("get_weather", "Weather in a city on a date (YYYY-MM-DD).", ("city", "date")),
        Tool("search_movie", "Look up a movie by exact title.", ("title",)),
        Tool("search_person", "Look up a film director or actor by name.", ("name",)),
        Tool("finish", "Give the final answer.", ("answer",)),
    )

    def __init__(self, problem: Mapping[str, Any]) -> None:
        super().__init__(problem)
        self.subgoals = {call_key(c["tool"], c["args"]) for c in problem.get("calls", [])}
        self.reached: set[str] = set()
        self.solved = False

    def examples(self) -> str:
        return example()

    def reset(self) -> str:
        self.reached, self.solved = set(), False
        return "Tools are ready."

    def progress(self) -> float:
        if self.solved:
            return 1.0
        return len(self.reached & self.subgoals) / (len(self.subgoals) + 1)

    def on_call(self, tool: str, args: Mapping[str, Any]) -> None:
        self.reached.add(call_key(tool, args))

    @staticmethod
    def _find(table: Mapping[str, Any], key: Any, what: str) -> Any:
        wanted = str(key).strip().strip("'\"").lower()
        for name, row in table.items():
            if name.lower() == wanted:
                return row
        return f"Error: no {what} named '{key}'."

    def tool_search_paper(self, title: Any) -> Any:
        return self._find(world()["papers"], title, "paper")

    def tool_search_author(self, name: Any) -> Any:
        return self._find(world()["authors"], name, "author")

    def tool_get_citations(self, title: Any) -> Any:
        found = self._find(world()["papers"], title, "paper")
        return (
            found
            if isinstance(found, str)
            else {"title": found["title"], "cited_by": world()["citations"][found["title"]]}
        )

    def tool_get_country(self, name: Any) -> Any:
        return self._find(world()["countries"], name, "country")

    def tool_get_weather(self, city: Any, date: Any) -> Any:
        for (c, d), row in world()["weather"].items():
            if c.lower() == str(city).strip().lower() and d == str(date).strip():
                return row
        return f"Error: no weather record for '{city}' on '{date}'."

    def tool_search_movie(self, title: Any) -> Any:
        return self._find(world()["movies"], title, "movie")

    def tool_search_person(self, name: Any) -> Any:
        return self._find(world()["persons"], name, "person")

    def tool_finish(self, answer: Any) -> str:
        self.solved = answer_matches(answer, self.problem.get("answer"))
        return "Answer submitted."
