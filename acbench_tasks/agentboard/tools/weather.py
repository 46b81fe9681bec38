"""Weather (Tool-Query): Open-Meteo's archive, geocoding, air-quality and elevation APIs.

No key is needed, but the calls go to the live service (or a recorded cassette). Actions and
results follow AgentBoard's ``weather_env.py`` / ``weather_tools.py``:

* ``get_user_current_date`` / ``get_user_current_location``: the problem's ``init_config``;
* ``get_historical_{temp,rain,snow}`` (dates before the current date), ``get_{temp,rain,snow}
  _forecast`` (after it), ``get_current_{temp,rain,snow}`` (one day): all read the *archive*
  API (the "current" date of a problem lies in the past), at most 30 days per query; the
  response without ``elevation``, ``generationtime_ms`` and the timezone keys;
* ``get_latitude_longitude``: the first three geocoding results without ids, admin areas,
  elevation, feature code, timezone, population, postcodes (and, as AgentBoard does whenever a
  ``country_code`` is present, without ``country``);
* ``get_elevation``, ``get_distance`` (geodesic km, ``geopy``), ``get_historical_air_quality_index``
  / ``get_current_air_quality_index`` (European AQI PM2.5 at 12:00 of each day),
  ``get_air_quality_level``, ``check_valid_actions``, ``finish``.

Logged Subgoals drop the temperature arrays (``temperature_2m_{max,min,mean}``), which change
as the archive is revised; gold results with coordinates match within 50 km (:mod:`.rules`).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from acbench_tasks.agentboard.tools.base import Outcome, ToolCall, ToolWorld
from acbench_tasks.common.http_replay import HttpClient

URLS = {
    "historical_weather": "https://archive-api.open-meteo.com/v1/archive",
    "geocoding": "https://geocoding-api.open-meteo.com/v1/search",
    "air_quality": "https://air-quality-api.open-meteo.com/v1/air-quality",
    "elevation": "https://api.open-meteo.com/v1/elevation",
}
SPAN_ERROR = (
    "Error: Sorry, at present, we support a maximum time span of 30 days between start_date and "
    "end_date in a single query. Your input exceeds this range. You can split your current query "
    "into multiple sub-queries that meet our criteria."
)
_DROPPED_KEYS = ("elevation", "generationtime_ms", "timezone", "timezone_abbreviation")
_DROPPED_KEYS += ("utc_offset_seconds",)
_TEMPERATURES = ("temperature_2m_max", "temperature_2m_min", "temperature_2m_mean")
_DATE = "%Y-%m-%d"
_SPAN = ("latitude", "longitude", "start_date", "end_date")
_DAY = ("latitude", "longitude", "current_date")


def within_30_days(start_date: str, end_date: str) -> bool:
    """AgentBoard's span check (a reversed range passes; the API answers it)."""
    span = datetime.strptime(end_date, _DATE) - datetime.strptime(start_date, _DATE)
    return span <= timedelta(days=30)


def _without_service_keys(response: dict[str, Any]) -> dict[str, Any]:
    for key in _DROPPED_KEYS:
        response.pop(key, None)
    return response


def air_quality_level(index: Any) -> str:
    """AgentBoard's bands, gaps included (20 < x ≤ 21 falls through to "extremely poor")."""
    if index <= 20:
        return "good"
    if 21 < index <= 40:
        return "fair"
    if 41 < index <= 60:
        return "moderate"
    if 61 < index <= 80:
        return "poor"
    if 81 < index <= 100:
        return "very poor"
    return "extremely poor"


class WeatherWorld(ToolWorld):
    """The weather toolkit of one problem."""

    name = "weather"
    calls: ClassVar[dict[str, ToolCall]] = {
        "get_user_current_date": ToolCall("get_user_current_date"),
        "get_user_current_location": ToolCall("get_user_current_location"),
        "get_historical_temp": ToolCall("get_historical_temp", _SPAN),
        "get_historical_rain": ToolCall("get_historical_rain", _SPAN),
        "get_historical_snow": ToolCall("get_historical_snow", _SPAN),
        "get_snow_forecast": ToolCall("get_snow_forecast", _SPAN),
        "get_current_snow": ToolCall("get_current_snow", _DAY),
        "get_current_temp": ToolCall("get_current_temp", _DAY),
        "get_latitude_longitude": ToolCall("get_latitude_longitude", ("name",)),
        "get_elevation": ToolCall("get_elevation", ("latitude", "longitude")),
        "get_temp_forecast": ToolCall("get_temp_forecast", _SPAN),
        "get_rain_forecast": ToolCall("get_rain_forecast", _SPAN),
        "get_current_rain": ToolCall("get_current_rain", _DAY),
        "get_distance": ToolCall(
            "get_distance", ("latitude1", "longitude1", "latitude2", "longitude2")
        ),
        "get_historical_air_quality_index": ToolCall("get_historical_air_quality_index", _SPAN),
        "get_current_air_quality_index": ToolCall("get_current_air_quality_index", _DAY),
        "get_air_quality_level": ToolCall("get_air_quality_level", ("air_quality_index",)),
        # Dispatched by AgentBoard but its URL is commented out there: always a KeyError.
        "convert_zipcode_to_address": ToolCall("convert_zipcode_to_address", ("zipcode",)),
        "finish": ToolCall("finish", ("answer",)),
    }

    def __init__(
        self,
        http: HttpClient,
        current_date: Any = None,
        current_location: Any = None,
        action_names: Sequence[str] = (),
    ) -> None:
        super().__init__(action_names)
        self.http = http
        self.current_date = current_date
        self.current_location = current_location

    def clean_subgoal(self, result: Any) -> Any:
        subgoal = copy.deepcopy(result)
        if type(subgoal) is dict and "temperature_2m_max" in subgoal.get("daily", {}):
            for key in _TEMPERATURES:
                subgoal["daily"].pop(key)
        return subgoal

    def close(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ helpers
    def _check_dates(self, start_date: Any, end_date: Any, *, past: bool) -> str | None:
        """``None`` when the dates are on the right side of the current date and ≤ 30 days."""
        today = datetime.strptime(self.current_date, _DATE)
        for label, value in (("start_date", start_date), ("end_date", end_date)):
            if value is None:
                continue
            day = datetime.strptime(value, _DATE)
            if past and day >= today:
                return f"Error: {label} should be earlier than current_date"
            if not past and day <= today:
                return f"Error: {label} should be later than current_date"
        if not within_30_days(start_date, end_date):
            return SPAN_ERROR
        return None

    def _span_problem(self, start_date, end_date, *, past: bool) -> str | None:
        """Why a past (archive) or near (30-day) date span is refused, as upstream says it."""
        if past:
            return self._check_dates(start_date, end_date, past=True)
        return None if within_30_days(start_date, end_date) else SPAN_ERROR

    def _archive(self, daily: str, latitude, longitude, start_date, end_date, *, past: bool):
        problem = self._span_problem(start_date, end_date, past=past)
        if problem:
            return False, problem
        params = {
            "latitude": latitude,
            "longitude": longitude,
            "start_date": start_date,
            "end_date": end_date,
            "timezone": "GMT",
            "daily": daily,
        }
        response = self.http.get(URLS["historical_weather"], params=params)
        if response.status_code == 200:
            return True, _without_service_keys(response.json())
        return False, response.text

    def _forecast(self, daily: str, latitude, longitude, start_date, end_date) -> Outcome:
        problem = self._check_dates(start_date, end_date, past=False)
        if problem:
            return False, problem
        return self._archive(daily, latitude, longitude, start_date, end_date, past=False)

    def _air_quality(self, latitude, longitude, start_date, end_date, *, past: bool) -> Outcome:
        problem = self._span_problem(start_date, end_date, past=past)
        if problem:
            return False, problem
        params = {
            "latitude": latitude,
            "longitude": longitude,
            "start_date": start_date,
            "end_date": end_date,
            "timezone": "GMT",
            "hourly": "european_aqi_pm2_5",
        }
        response = self.http.get(URLS["air_quality"], params=params)
        if response.status_code != 200:
            return False, response.text
        data = _without_service_keys(response.json())
        hourly = data["hourly"]
        days = len(hourly["time"]) // 24  # the 12:00 value stands for the day
        hourly["european_aqi_pm2_5"] = [
            hourly["european_aqi_pm2_5"][24 * i + 12] for i in range(days)
        ]
        hourly["time"] = [hourly["time"][24 * i + 12] for i in range(days)]
        return True, {
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "daily_units": data["hourly_units"],
            "daily": hourly,
        }

    # ------------------------------------------------------------------ actions
    def get_user_current_date(self) -> Outcome:
        return True, self.current_date

    def get_user_current_location(self) -> Outcome:
        return True, self.current_location

    def get_historical_temp(self, latitude, longitude, start_date, end_date) -> Outcome:
        daily = ",".join(_TEMPERATURES)
        return self._archive(daily, latitude, longitude, start_date, end_date, past=True)

    def get_historical_rain(self, latitude, longitude, start_date, end_date) -> Outcome:
        return self._archive("rain_sum", latitude, longitude, start_date, end_date, past=True)

    def get_historical_snow(self, latitude, longitude, start_date, end_date) -> Outcome:
        return self._archive("snowfall_sum", latitude, longitude, start_date, end_date, past=True)

    def get_temp_forecast(self, latitude, longitude, start_date, end_date) -> Outcome:
        daily = ",".join(_TEMPERATURES)
        return self._forecast(daily, latitude, longitude, start_date, end_date)

    def get_rain_forecast(self, latitude, longitude, start_date, end_date) -> Outcome:
        return self._forecast("rain_sum", latitude, longitude, start_date, end_date)

    def get_snow_forecast(self, latitude, longitude, start_date, end_date) -> Outcome:
        return self._forecast("snowfall_sum", latitude, longitude, start_date, end_date)

    def get_current_temp(self, latitude, longitude, current_date) -> Outcome:
        daily = ",".join(_TEMPERATURES)
        return self._archive(daily, latitude, longitude, current_date, current_date, past=False)

    def get_current_rain(self, latitude, longitude, current_date) -> Outcome:
        return self._archive(
            "rain_sum", latitude, longitude, current_date, current_date, past=False
        )

    def get_current_snow(self, latitude, longitude, current_date) -> Outcome:
        return self._archive(
            "snowfall_sum", latitude, longitude, current_date, current_date, past=False
        )

    def get_latitude_longitude(self, name) -> Outcome:
        params = {"name": name, "count": 3, "language": "en", "format": "json"}
        response = self.http.get(URLS["geocoding"], params=params)
        if response.status_code != 200:
            return False, response.text
        data = response.json()
        for item in data["results"]:
            for key in ("elevation", "feature_code"):
                item.pop(key, None)
            if "country_code" in item:
                item.pop("country")
            for key in ("country_id", "admin1_id", "timezone", "population", "postcodes"):
                item.pop(key, None)
            for key in [k for k in item if k.endswith("id") or "admin" in k]:
                item.pop(key)
        data.pop("generationtime_ms", None)
        return True, data

    def get_elevation(self, latitude, longitude) -> Outcome:
        params = {"latitude": latitude, "longitude": longitude}
        response = self.http.get(URLS["elevation"], params=params)
        if response.status_code == 200:
            return True, response.json()
        return False, response.text

    def get_distance(self, latitude1, longitude1, latitude2, longitude2) -> Outcome:
        from geopy.distance import geodesic  # the library AgentBoard measures with

        return True, geodesic((latitude1, longitude1), (latitude2, longitude2)).km

    def get_historical_air_quality_index(self, latitude, longitude, start_date, end_date):
        return self._air_quality(latitude, longitude, start_date, end_date, past=True)

    def get_current_air_quality_index(self, latitude, longitude, current_date) -> Outcome:
        return self._air_quality(latitude, longitude, current_date, current_date, past=False)

    def get_air_quality_level(self, air_quality_index) -> Outcome:
        return True, air_quality_level(air_quality_index)

    def convert_zipcode_to_address(self, zipcode) -> Outcome:
        raise KeyError("zipcode")  # AgentBoard's zipcode URL is commented out
