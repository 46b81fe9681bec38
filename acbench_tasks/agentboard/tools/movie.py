"""Movie (Tool-Query): The Movie Database (TMDB) API v3, with a read-access token.

The token (TMDB's "API Read Access Token") comes from ``TMDB_TOKEN`` or AgentBoard's
``MOVIE_KEY`` and is sent as a bearer header, never logged or recorded. Actions and result
shapes follow AgentBoard's ``movie_env.py`` / ``movie_tools.py``: searches return the first hit
only (an empty movie search is an ``IndexError``, as there), cast lists the first 10, crew puts
directors, producers and writers first and fills up to 10, translations keep NL/CN/US/DE without
titles. Logged Subgoals drop the keys that drift on TMDB (``overview``, ``biography``,
``vote_average``, ``genres``, ``revenue``, ``budget``, ``release_date``); gold subgoals were
recorded at annotation time, so live TMDB changes can still move scores.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, ClassVar

from acbench_tasks.agentboard.tools.base import Outcome, ToolCall, ToolWorld
from acbench_tasks.common.http_replay import HttpClient

API = "https://api.themoviedb.org/3"
URLS = {
    "movie_details": API + "/movie/{movie_id}",
    "movie_credits": API + "/movie/{movie_id}/credits",
    "movie_keywords": API + "/movie/{movie_id}/keywords",
    "movie_alternative_titles": API + "/movie/{movie_id}/alternative_titles",
    "movie_translations": API + "/movie/{movie_id}/translations",
    "person_details": API + "/person/{person_id}",
    "person_movie_credits": API + "/person/{person_id}/movie_credits",
    "person_external_ids": API + "/person/{person_id}/external_ids",
    "search_movie": API + "/search/movie",
    "search_person": API + "/search/person",
}
DRIFTING_KEYS = ("overview", "biography", "vote_average", "genres", "revenue", "budget")
DRIFTING_KEYS += ("release_date",)
CREW_JOBS = ("Director", "Producer", "Writer")
TRANSLATION_COUNTRIES = ("NL", "CN", "US", "DE")
_MOVIE = ("movie_id",)
_PERSON = ("person_id",)


def without_drifting_keys(result: Any) -> Any:
    """The Subgoal of a movie result: the drifting keys removed (top level or list items)."""
    cleaned = copy.deepcopy(result)
    items = cleaned if isinstance(cleaned, list) else [cleaned]
    for item in items:
        if isinstance(item, dict):
            for key in DRIFTING_KEYS:
                item.pop(key, None)
    return cleaned


class MovieWorld(ToolWorld):
    """The movie toolkit of one problem."""

    name = "movie"
    calls: ClassVar[dict[str, ToolCall]] = {
        "get_search_movie": ToolCall("get_search_movie", ("movie_name",)),
        "get_movie_details": ToolCall("get_movie_details", _MOVIE),
        "get_movie_production_companies": ToolCall("get_movie_production_companies", _MOVIE),
        "get_movie_production_countries": ToolCall("get_movie_production_countries", _MOVIE),
        "get_movie_keywords": ToolCall("get_movie_keywords", _MOVIE),
        "get_search_person": ToolCall("get_search_person", ("person_name",)),
        "get_person_details": ToolCall("get_person_details", _PERSON),
        "get_movie_cast": ToolCall("get_movie_cast", _MOVIE),
        "get_movie_crew": ToolCall("get_movie_crew", _MOVIE),
        "get_person_cast": ToolCall("get_person_cast", _PERSON),
        "get_person_crew": ToolCall("get_person_crew", _PERSON),
        "get_person_external_ids": ToolCall("get_person_external_ids", _PERSON),
        "get_movie_alternative_titles": ToolCall("get_movie_alternative_titles", _MOVIE),
        "get_movie_translation": ToolCall("get_movie_translation", _MOVIE),
        "finish": ToolCall("finish", ("answer",)),
    }

    def __init__(self, http: HttpClient, token: str = "", action_names: Sequence[str] = ()):
        super().__init__(action_names)
        self.http = http
        self._headers = {"Authorization": f"Bearer {token}"}

    def clean_subgoal(self, result: Any) -> Any:
        return without_drifting_keys(result)

    def close(self) -> None:
        self.http.close()

    def _get(self, url: str, params: dict[str, Any] | None = None) -> tuple[bool, Any]:
        """``(True, json)`` on 200, else ``(False, body text)``."""
        response = self.http.get(url, params=params, headers=self._headers)
        if response.status_code == 200:
            return True, response.json()
        return False, response.text

    def _search(self, kind: str, query: Any) -> tuple[bool, Any]:
        params = {"query": query, "include_adult": "false", "language": "en-US", "page": "1"}
        return self._get(URLS[f"search_{kind}"], params)

    # ------------------------------------------------------------------ actions
    def get_search_movie(self, movie_name: Any = None) -> Outcome:
        ok, data = self._search("movie", movie_name)
        if not ok:
            return False, data
        first = data["results"][0]
        return True, [{"id": first["id"], "overview": first["overview"], "title": first["title"]}]

    def get_movie_details(self, movie_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["movie_details"].format(movie_id=movie_id))
        if not ok:
            return False, data
        keys = ("title", "budget", "genres", "revenue", "vote_average", "release_date")
        return True, {key: data[key] for key in keys}

    def get_movie_production_companies(self, movie_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["movie_details"].format(movie_id=movie_id))
        return (True, {"production_companies": data["production_companies"]}) if ok else (ok, data)

    def get_movie_production_countries(self, movie_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["movie_details"].format(movie_id=movie_id))
        return (True, {"production_countries": data["production_countries"]}) if ok else (ok, data)

    def get_movie_cast(self, movie_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["movie_credits"].format(movie_id=movie_id))
        if not ok:
            return False, data
        cast = [
            {"id": c["id"], "name": c["name"], "character": c["character"]}
            for c in data["cast"][:10]
        ]
        return True, {"cast": cast}

    def get_movie_crew(self, movie_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["movie_credits"].format(movie_id=movie_id))
        if not ok:
            return False, data
        entry = lambda c: {"id": c["id"], "name": c["name"], "job": c["job"]}  # noqa: E731
        crew = [entry(c) for c in data["crew"] if c["job"] in CREW_JOBS]
        if len(crew) < 10:  # fill up with other people (AgentBoard: by id, up to 10)
            ids = [c["id"] for c in crew]
            for member in data["crew"]:
                if member["id"] not in ids:
                    crew.append(entry(member))
                if len(crew) == 10:
                    break
        return True, {"crew": crew}

    def get_movie_keywords(self, movie_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["movie_keywords"].format(movie_id=movie_id))
        return (True, {"keywords": [k["name"] for k in data["keywords"]]}) if ok else (ok, data)

    def get_search_person(self, person_name: Any = None) -> Outcome:
        ok, data = self._search("person", person_name)
        if not ok:
            return False, data
        if not data["results"]:
            return True, []
        first = data["results"][0]
        return True, [{"id": first["id"], "name": first["name"]}]

    def get_person_details(self, person_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["person_details"].format(person_id=person_id))
        if not ok:
            return False, data
        return True, {key: data[key] for key in ("name", "biography", "birthday", "place_of_birth")}

    def get_person_cast(self, person_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["person_movie_credits"].format(person_id=person_id))
        if not ok:
            return False, data
        cast = [
            {"id": c["id"], "title": c["title"], "character": c["character"]}
            for c in data["cast"][:10]
        ]
        return True, {"cast": cast}

    def get_person_crew(self, person_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["person_movie_credits"].format(person_id=person_id))
        if not ok:
            return False, data
        crew = [{"id": c["id"], "title": c["title"], "job": c["job"]} for c in data["crew"][:10]]
        return True, {"crew": crew}

    def get_person_external_ids(self, person_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["person_external_ids"].format(person_id=person_id))
        if not ok:
            return False, data
        keys = ("imdb_id", "facebook_id", "instagram_id", "twitter_id")
        return True, {key: data[key] for key in keys}

    def get_movie_alternative_titles(self, movie_id: Any = None) -> Outcome:
        return self._get(URLS["movie_alternative_titles"].format(movie_id=movie_id))

    def get_movie_translation(self, movie_id: Any = None) -> Outcome:
        ok, data = self._get(URLS["movie_translations"].format(movie_id=movie_id))
        if not ok:
            return False, data
        result = copy.deepcopy(data)
        result["translations"] = [
            item for item in data["translations"] if item["iso_3166_1"] in TRANSLATION_COUNTRIES
        ]
        for item in result["translations"]:
            item["data"].pop("title")
        return True, result
