"""Sheet (Tool-Operation): a copy of AgentBoard's Google spreadsheet, through the REST APIs.

Each sheet problem works on its own copy of AgentBoard's reference spreadsheet (Drive v3
``files.copy``), shared with ``SHEET_EMAIL`` when given, opened at the quoted ``"SheetN"`` of the
goal, and deleted when the problem ends. A service account's ``credential.json`` signs in
(:mod:`.google_auth`). AgentBoard drives the same operations through ``gspread``; here they go to
the Sheets v4 REST API directly (batchUpdate requests, ``values:batchGet`` /
``values:batchUpdate``), so that every call passes through the recorded HTTP client and no
Google SDK is needed. The observable behaviour follows AgentBoard's ``sheets_tools.py`` with the
gspread semantics it relied on:

* results are the whole sheet (``get_all_values``: formatted values, rows padded to the widest,
  merged cells filled with their top-left value); error texts are ``repr`` of the error, so a
  message string shows in quotes;
* ``update_cell`` writes as if typed (``USER_ENTERED``), ``update_range``/``insert_*`` write
  numbers as numbers (``RAW``, numeric strings become floats); formulas are written typed;
* ``sort_sheet_by_col`` sorts everything below the frozen rows (freeze the header first);
* ``del_sheet`` always fails, as in AgentBoard (it passes a name where gspread wants a sheet);
* ``get_value_by_formula`` computes in a scratch column that an invalid position leaves behind;
* positions are read with gspread's ``[A-Za-z]+[1-9][0-9]*`` prefix match (``"A1:B2"`` → A1);
* formulas (``update_cell_by_formula``, ``get_value_by_formula``): AgentBoard calls
  ``worksheet.update(position, formula)``, gspread 5's argument order. gspread 6 (January 2024;
  AgentBoard pins no version, so an install made when ACBench ran gets it) reads that as
  ``update(values, range_name)`` and sends the formula as the range, which Google refuses: the
  formula tools then always fail (and ``get_value_by_formula`` leaves its scratch column).
  ``sheet_gspread: 6`` (the default, what ACBench's install ran; UNVERIFIED) sends that request;
  ``sheet_gspread: 5`` writes the formula as AgentBoard's annotators saw it work.

Progress compares the grid after each step with the answer (:func:`.rules.sheet_match_score`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from acbench_tasks.agentboard.tools.base import Outcome, ToolCall, ToolWorld
from acbench_tasks.common.http_replay import HttpClient

#: AgentBoard's reference spreadsheet ("Test Sheet-For Copy").
REFERENCE_SHEET_ID = "17MVNCONh-6Pw3Met2O31WhUHlgOcQz8TPJKikVpL8IY"
SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_API = "https://www.googleapis.com/drive/v3/files"
NO_SHEET = "Please open a sheet before operating it"
OPERATORS = ["SUM", "AVERAGE", "COUNT", "MAX", "MIN", "MINUS", "PRODUCT"]
OPERATOR_ERROR = f"the operator should be one of the {OPERATORS}".replace("'", '"')
A1_HINT = (
    "In the sheet formula, you should use A1 notation to display all positions in the sheet and "
    "you can use get_A1_annotation(row, col) to get its A1 address."
)
A1_HINT_RANGE = (
    "In the sheet formula, you should use A1 notation to display the start and end cell address "
    "in the sheet and you can use get_A1_annotation(row, col) to get its A1 address."
)
WHOLE_SHEET_DELETE = "Warning: You cannot delete whole sheet at once, please try other functions"
WHOLE_SHEET_UPDATE = "Warning: You cannot update whole sheet at once, please try other functions"
_CELL = re.compile(r"([A-Za-z]+)([1-9]\d*)")
_STRICT_A1 = re.compile(r"^[A-Z]{1}[0-9]+$")


class APIError(Exception):
    """A Sheets/Drive answer other than 2xx (its ``repr`` shows Google's error object)."""


class WorksheetNotFound(Exception):
    """No sheet of that name in the spreadsheet."""


class IncorrectCellLabel(Exception):
    """A cell position that is not A1 notation."""


class GSpreadException(Exception):
    """A request gspread refuses before sending it."""


# ----------------------------------------------------------------------------- A1 helpers
def a1_to_rowcol(label: Any) -> tuple[int, int]:
    """gspread's reading of a cell label: a prefix match, letters in any case."""
    match = _CELL.match(label)
    if not match:
        raise IncorrectCellLabel(label)
    column = 0
    for char in match.group(1).upper():
        column = column * 26 + ord(char) - ord("A") + 1
    return int(match.group(2)), column


def rowcol_to_a1(row: int, col: int) -> str:
    if row < 1 or col < 1:
        raise IncorrectCellLabel(f"({row}, {col})")
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"


def is_strict_a1(text: Any) -> bool:
    """AgentBoard's formula-position check: one capital letter and digits."""
    return _STRICT_A1.match(text) is not None


def grid_range(label: Any, sheet_id: int) -> dict[str, int]:
    """A1 cell or ``A1:B2`` range as a Sheets GridRange (0-based, end exclusive)."""
    start, _, end = str(label).partition(":")
    row1, col1 = a1_to_rowcol(start)
    row2, col2 = a1_to_rowcol(end) if end else (row1, col1)
    return {
        "sheetId": sheet_id,
        "startRowIndex": row1 - 1,
        "endRowIndex": row2,
        "startColumnIndex": col1 - 1,
        "endColumnIndex": col2,
    }


def fill_gaps(values: list[list[Any]]) -> list[list[Any]]:
    """Rows padded with ``""`` to the widest row (gspread's ``fill_gaps``)."""
    if not values:
        return []
    width = max(len(row) for row in values)
    return [list(row) + [""] * (width - len(row)) for row in values]


def combine_merged(values: list[list[Any]], merges, start_row: int = 0, start_col: int = 0):
    """Every cell of a merged range shows the range's top-left value (within ``values``)."""
    if not values:
        return values
    combined = [list(row) for row in values]
    last_row, last_col = len(values) - 1, len(values[0]) - 1
    for merge in merges or []:
        top = merge.get("startRowIndex", 0) - start_row
        left = merge.get("startColumnIndex", 0) - start_col
        bottom = merge.get("endRowIndex", 0) - start_row
        right = merge.get("endColumnIndex", 0) - start_col
        if top < 0 or left < 0 or top > last_row or left > last_col:
            continue
        value = values[top][left]
        for r in range(top, min(bottom, last_row + 1)):
            for c in range(left, min(right, last_col + 1)):
                combined[r][c] = value
    return combined


def is_numeric(value: Any) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def to_float(value: Any) -> Any:
    return float(value) if is_numeric(value) else value


def rows_to_float(rows: Any) -> list[list[Any]]:
    return [[to_float(value) for value in row] for row in rows]


def sheet_name_in_goal(goal: str) -> str | None:
    """The quoted ``"SheetN"`` a goal names (the sheet opened before the first step)."""
    match = re.search(r'"Sheet(\d{1,2})"', goal)
    return f"Sheet{match.group(1)}" if match else None


# ----------------------------------------------------------------------------- the world
class SheetWorld(ToolWorld):
    """One problem's copy of the spreadsheet and the sheet open in it."""

    name = "sheet"
    lists_actions = False
    calls: ClassVar[dict[str, ToolCall]] = {
        "open_sheet": ToolCall("open_sheet", ("name",)),
        "del_sheet": ToolCall("del_sheet", ("name",)),
        "freeze_data": ToolCall("freeze_data", ("dimension", "num")),
        "get_A1_annotation": ToolCall("get_A1_annotation", ("row", "col")),
        "insert_cols": ToolCall("insert_cols", ("values_list", "col_idx")),
        "insert_rows": ToolCall("insert_rows", ("values_list", "row_idx")),
        "delete_batch_data": ToolCall("delete_batch_data", ("dimension", "index_list")),
        "update_cell": ToolCall("update_cell", ("position", "value")),
        "update_range": ToolCall("update_range", ("start_position", "end_position", "values_list")),
        "sort_sheet_by_col": ToolCall("sort_sheet_by_col", ("col_num", "order")),
        "merge_cells": ToolCall("merge_cells", ("start_position", "end_position")),
        "update_note": ToolCall("update_note", ("position", "content")),
        "get_all_values": ToolCall("get_all_values"),
        "get_range_values": ToolCall("get_range_values", ("start_position", "end_position")),
        "get_cell_value": ToolCall("get_cell_value", ("position",)),
        "filter_cells": ToolCall("filter_cells", (), ("query", "in_row", "in_column")),
        "get_note": ToolCall("get_note", ("position",)),
        "finish": ToolCall("finish_sheet"),
    }
    #: The two ways of naming the cells of a formula (``position_list`` present or not).
    formula_calls: ClassVar[dict[tuple[str, bool], ToolCall]] = {
        ("update_cell_by_formula", True): ToolCall(
            "update_cell_by_formula", ("position_list", "operator", "result_position")
        ),
        ("update_cell_by_formula", False): ToolCall(
            "update_cell_by_formula",
            ("start_position", "end_position", "result_position", "operator"),
        ),
        ("get_value_by_formula", True): ToolCall(
            "get_value_by_formula", ("position_list", "operator")
        ),
        ("get_value_by_formula", False): ToolCall(
            "get_value_by_formula", ("start_position", "end_position", "operator")
        ),
    }

    def __init__(
        self,
        http: HttpClient,
        token: Callable[[], str] | None = None,
        *,
        share_with: str | None = None,
        folder_id: str | None = None,
        reference_id: str = REFERENCE_SHEET_ID,
        action_names: Sequence[str] = (),
        pause_s: float = 0.0,
        gspread: int = 6,
    ) -> None:
        super().__init__(action_names)
        self.gspread = int(gspread)
        self.http = http
        self._token = token
        self.share_with = share_with
        self.folder_id = folder_id
        self.reference_id = reference_id
        self.pause_s = pause_s
        self.spreadsheet_id: str | None = None
        self.sheet: dict[str, Any] | None = None  # properties of the open sheet

    # ------------------------------------------------------------------ HTTP
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token()}"} if self._token else {}

    def _call(self, method: str, url: str, *, params=None, json=None) -> Any:
        response = self.http.request(method, url, params=params, json=json, headers=self._headers())
        if not 200 <= response.status_code < 300:
            try:
                error = response.json().get("error", response.text)
            except (ValueError, AttributeError):
                error = response.text
            raise APIError(error)
        return response.json() if response.text else {}

    @property
    def _book(self) -> str:
        return f"{SHEETS_API}/{self.spreadsheet_id}"

    def _metadata(self) -> dict[str, Any]:
        return self._call("GET", self._book, params={"includeGridData": "false"})

    def _range(self, a1: str | None = None) -> str:
        title = self.sheet["title"].replace("'", "''")
        return f"'{title}'!{a1}" if a1 else f"'{title}'"

    def _read(self, a1: str | None = None) -> list[list[Any]]:
        body = self._call(
            "GET", f"{self._book}/values:batchGet", params={"ranges": self._range(a1)}
        )
        ranges = body.get("valueRanges") or [{}]
        return ranges[0].get("values", [])

    def _write(self, a1: str, values: Any, *, typed: bool, by_columns: bool = False) -> None:
        data = {"range": self._range(a1), "values": values}
        if by_columns:
            data["majorDimension"] = "COLUMNS"
        body = {"valueInputOption": "USER_ENTERED" if typed else "RAW", "data": [data]}
        self._call("POST", f"{self._book}/values:batchUpdate", json=body)

    def _write_formula(self, position: Any, formula: str) -> None:
        """``worksheet.update(position, formula, raw=False)`` as the chosen gspread sends it."""
        if self.gspread >= 6:  # values=position, range_name=formula: the range is the formula
            body = {
                "valueInputOption": "USER_ENTERED",
                "data": [{"range": self._range(formula), "values": position}],
            }
            self._call("POST", f"{self._book}/values:batchUpdate", json=body)
        else:
            self._write(position, [[formula]], typed=True)

    def _batch(self, *requests: dict[str, Any]) -> None:
        self._call("POST", f"{self._book}:batchUpdate", json={"requests": list(requests)})

    def _merges(self) -> list[dict[str, Any]]:
        for sheet in self._metadata().get("sheets", []):
            if sheet.get("properties", {}).get("sheetId") == self.sheet["sheetId"]:
                return sheet.get("merges", [])
        return []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Copy the reference spreadsheet for this problem (and share it if asked)."""
        body: dict[str, Any] = {"mimeType": "application/vnd.google-apps.spreadsheet"}
        if self.folder_id:
            body["parents"] = [self.folder_id]
        copy = self._call(
            "POST",
            f"{DRIVE_API}/{self.reference_id}/copy",
            params={"supportsAllDrives": "true"},
            json=body,
        )
        self.spreadsheet_id = str(copy["id"])
        if self.share_with:
            self._call(
                "POST",
                f"{DRIVE_API}/{self.spreadsheet_id}/permissions",
                params={"sendNotificationEmail": "false"},
                json={"type": "user", "role": "writer", "emailAddress": self.share_with},
            )

    def close(self) -> None:
        try:
            if self.spreadsheet_id is not None:
                self._call("DELETE", f"{DRIVE_API}/{self.spreadsheet_id}")
                self.spreadsheet_id = None
        finally:
            self.http.close()

    def open_for_goal(self, goal: str) -> tuple[str, str]:
        """Open the goal's ``"SheetN"``: the action and observation AgentBoard puts in history."""
        name = sheet_name_in_goal(goal)
        self.run("open_sheet", {"name": name})
        action = f"open_sheet with Action Input: {{'name': '{name}'}}"
        return action, f"You are now in {name}\n{self.current_grid()}"

    # ------------------------------------------------------------------ dispatch
    def invalid_action(self, action: str) -> str:
        return (
            f"ERROR | Invalid action: {action}. Please choose another valid action from "
            f"{self.action_names}"
        )

    def run(self, action: str, params: Any) -> str:
        if action == "get_observation_space":
            return ""
        key = (
            (action, "position_list" in params)
            if action in {"update_cell_by_formula", "get_value_by_formula"}
            else None
        )
        call = self.formula_calls[key] if key else self.calls.get(action)
        if call is None:
            return self.invalid_action(action)
        kwargs = call.arguments(params)
        if call.method != "open_sheet" and self.sheet is None:
            return NO_SHEET
        return str(self.invoke(call, kwargs))

    def current_grid(self) -> Any:
        """What AgentBoard scores after a step: ``get_all_values()[1]``."""
        if self.sheet is None:
            return NO_SHEET[1]  # AgentBoard indexes the message string
        return self.get_all_values()[1]

    def _grid(self) -> list[list[Any]]:
        """The whole sheet, or an exception (``get_all_values`` of AgentBoard raising)."""
        ok, grid = self.get_all_values()
        return grid if ok else str(grid)

    # ------------------------------------------------------------------ actions
    def open_sheet(self, name: Any) -> Outcome:
        try:
            for sheet in self._metadata().get("sheets", []):
                if sheet["properties"]["title"] == name:
                    self.sheet = dict(sheet["properties"])
                    break
            else:
                raise WorksheetNotFound(name)
        except Exception as err:
            return False, repr(err)
        return True, f"<Worksheet {self.sheet['title']!r} id:{self.sheet['sheetId']}>"

    def del_sheet(self, name: Any) -> Outcome:
        # AgentBoard hands gspread's del_worksheet the name where it wants a sheet object.
        return False, repr(AttributeError(f"'{type(name).__name__}' object has no attribute 'id'"))

    def freeze_data(self, dimension: Any, num: Any) -> Outcome:
        try:
            num = int(num)
            key = {"rows": "frozenRowCount", "columns": "frozenColumnCount"}.get(dimension)
            if key is None:
                return False, repr("Error: the dimension should be one of the rows/columns")
            properties = {"sheetId": self.sheet["sheetId"], "gridProperties": {key: num}}
            self._batch(
                {
                    "updateSheetProperties": {
                        "properties": properties,
                        "fields": f"gridProperties/{key}",
                    }
                }
            )
            self.sheet.setdefault("gridProperties", {})[key] = num
        except Exception as err:
            return False, repr(err)
        return True, f"You have successfully freeze the {dimension} {num}"

    def get_A1_annotation(self, row: Any, col: Any) -> Outcome:
        try:
            address = rowcol_to_a1(int(row), int(col))
            self._read(address)  # gspread reads the cell; a position off the grid fails here
        except Exception as err:
            return False, repr(err)
        return True, address

    def _insert(self, dimension: str, values_list: Any, index: Any) -> Outcome:
        try:
            values = rows_to_float(values_list)
            grid = self._grid()
            current = len(grid[0]) if dimension == "COLUMNS" else len(grid)
            inherit = int(index) == current + 1
            if inherit and dimension == "COLUMNS" and index == 1:
                raise GSpreadException(
                    "inherit_from_before cannot be used when inserting column(s) at the left "
                    "edge of a spreadsheet."
                )
            span = {"startIndex": index - 1, "endIndex": len(values) + index - 1}
            self._batch(
                {
                    "insertDimension": {
                        "range": {"sheetId": self.sheet["sheetId"], "dimension": dimension, **span},
                        "inheritFromBefore": inherit,
                    }
                }
            )
            anchor = rowcol_to_a1(1, index) if dimension == "COLUMNS" else f"A{index}"
            self._write(anchor, values, typed=False, by_columns=dimension == "COLUMNS")
        except Exception as err:
            return False, repr(err)
        return True, self.get_all_values()[1]

    def insert_cols(self, values_list: Any, col_idx: Any) -> Outcome:
        return self._insert("COLUMNS", values_list, col_idx)

    def insert_rows(self, values_list: Any, row_idx: Any) -> Outcome:
        return self._insert("ROWS", values_list, row_idx)

    def _delete(self, dimension: str, index: Any, end: Any = None) -> None:
        end = index if end is None else end
        span = {"startIndex": index - 1, "endIndex": end}
        self._batch(
            {
                "deleteDimension": {
                    "range": {"sheetId": self.sheet["sheetId"], "dimension": dimension, **span}
                }
            }
        )

    def delete_batch_data(self, dimension: Any, index_list: Any) -> Outcome:
        try:
            ordered = sorted(index_list, key=lambda x: int(x), reverse=True)
            if dimension == "row":
                if len(index_list) >= len(self._grid()) - 1:
                    return False, repr(WHOLE_SHEET_DELETE)
                kind = "ROWS"
            elif dimension == "col":
                if len(index_list) == len(self._grid()[0]):
                    return False, repr(WHOLE_SHEET_DELETE)
                kind = "COLUMNS"
            else:
                return False, repr("Wrong dimension, please choose from row/col")
            for index in ordered:
                if self.pause_s:
                    time.sleep(self.pause_s)
                self._delete(kind, index)
        except Exception as err:
            return False, repr(err)
        return True, self.get_all_values()[1]

    def update_cell(self, position: Any, value: Any) -> Outcome:
        try:
            value = to_float(value)
            row, col = a1_to_rowcol(position)
            self._write(rowcol_to_a1(row, col), [[value]], typed=True)
        except Exception as err:
            return False, repr(err)
        return True, self.get_all_values()[1]

    def update_cell_by_formula(
        self,
        start_position: Any = "B1",
        end_position: Any = "D2",
        position_list: Any = None,
        result_position: Any = "G2",
        operator: Any = "",
    ) -> Outcome:
        try:
            if operator not in OPERATORS:
                return False, repr(OPERATOR_ERROR)
            if position_list is None:
                cells = (start_position, end_position, result_position)
                if not all(is_strict_a1(p) for p in cells):
                    return False, repr(A1_HINT)
                formula = f"={operator}({start_position}:{end_position})"
            else:
                if not (
                    all(is_strict_a1(p) for p in position_list) and is_strict_a1(result_position)
                ):
                    return False, repr(A1_HINT)
                formula = f"={operator}({','.join(position_list)})"
            self._write_formula(result_position, formula)
            return True, self.get_all_values()[1]
        except Exception as err:
            return False, repr(err)

    def update_range(self, start_position: Any, end_position: Any, values_list: Any) -> Outcome:
        try:
            grid = self._grid()
            last = rowcol_to_a1(len(grid), len(grid[0]))
            if start_position == "A1" and end_position == last:
                return False, repr(WHOLE_SHEET_UPDATE)
            values = rows_to_float(values_list)
            self._write(f"{start_position}:{end_position}", values, typed=False)
        except Exception as err:
            return False, repr(err)
        return True, self.get_all_values()[1]

    def sort_sheet_by_col(self, col_num: Any, order: Any) -> Outcome:
        try:
            col = int(col_num)
            grid_props = self.sheet.get("gridProperties", {})
            if order == "asc":
                direction = "ASCENDING"
            elif order == "des":
                direction = "DESCENDING"
            else:
                raise ValueError("Either 'asc' or 'des' should be specified as sort order.")
            span = {
                "sheetId": self.sheet["sheetId"],
                "startRowIndex": grid_props.get("frozenRowCount", 0),
                "endRowIndex": grid_props.get("rowCount", 1000),
                "startColumnIndex": 0,
                "endColumnIndex": grid_props.get("columnCount", 26),
            }
            spec = {"dimensionIndex": col - 1, "sortOrder": direction}
            self._batch({"sortRange": {"range": span, "sortSpecs": [spec]}})
        except Exception as err:
            return False, repr(err)
        return True, self.get_all_values()[1]

    def merge_cells(self, start_position: Any, end_position: Any) -> Outcome:
        try:
            span = grid_range(f"{start_position}:{end_position}", self.sheet["sheetId"])
            self._batch({"mergeCells": {"range": span, "mergeType": "MERGE_ALL"}})
        except Exception as err:
            return False, repr(err)
        return True, self.get_all_values()[1]

    def update_note(self, position: Any, content: Any) -> Outcome:
        try:
            span = grid_range(position, self.sheet["sheetId"])
            rows = [{"values": [{"note": content}]}]
            self._batch({"updateCells": {"range": span, "rows": rows, "fields": "note"}})
        except Exception as err:
            return False, repr(err)
        return True, f"Updated! the {position}'s note is {self.get_note(position)[1]}"

    def get_all_values(self) -> Outcome:
        try:
            values = fill_gaps(self._read())
            if not values or not values[0]:
                raise IndexError("list index out of range")
            grid = combine_merged(values, self._merges())
        except Exception as err:
            return False, repr(err)
        return True, grid

    def get_range_values(self, start_position: Any, end_position: Any) -> Outcome:
        try:
            a1 = f"{start_position}:{end_position}"
            values = fill_gaps(self._read(a1))
            span = grid_range(a1, self.sheet["sheetId"])
            result = combine_merged(
                values, self._merges(), span["startRowIndex"], span["startColumnIndex"]
            )
        except Exception as err:
            return False, repr(err)
        return True, result

    def get_cell_value(self, position: Any) -> Outcome:
        try:
            values = self._read(rowcol_to_a1(*a1_to_rowcol(position)))
            result = values[0][0] if values and values[0] else None
        except Exception as err:
            return False, repr(err)
        return True, result

    def get_value_by_formula(
        self,
        start_position: Any = "B1",
        end_position: Any = "D2",
        position_list: Any = None,
        operator: Any = "",
    ) -> Outcome:
        width = len(fill_gaps(self._read())[0])
        self._insert("COLUMNS", [[1]], width + 1)  # a scratch column for the formula
        scratch = rowcol_to_a1(1, width + 1)
        try:
            if operator not in OPERATORS:
                self._delete("COLUMNS", width + 1)
                return False, repr(OPERATOR_ERROR)
            if position_list is None:
                if not (is_strict_a1(start_position) and is_strict_a1(end_position)):
                    return False, repr(A1_HINT_RANGE)
                formula = f"={operator}({start_position}:{end_position})"
            else:
                if not all(is_strict_a1(p) for p in position_list):
                    return False, repr(A1_HINT)
                formula = f"={operator}({','.join(position_list)})"
            self._write_formula(scratch, formula)
            values = self._read(scratch)
            result = values[0][0] if values and values[0] else None
            self._delete("COLUMNS", width + 1)
            return True, result
        except Exception as err:
            return False, repr(err)

    def filter_cells(self, query: Any = None, in_row: Any = None, in_column: Any = None) -> Outcome:
        try:
            in_row = int(in_row) if in_row is not None else None
            in_column = int(in_column) if in_column is not None else None
            if in_row is not None and in_column is not None:
                raise TypeError("Either 'in_row' or 'in_column' should be specified.")
            values = fill_gaps(self._read())
            if in_row:
                cells = [(in_row, j + 1, v) for j, v in enumerate(values[in_row - 1])]
            elif in_column:
                cells = [(i + 1, in_column, row[in_column - 1]) for i, row in enumerate(values)]
            else:
                cells = [
                    (i + 1, j + 1, v) for i, row in enumerate(values) for j, v in enumerate(row)
                ]
            if isinstance(query, str):
                found = [rowcol_to_a1(r, c) for r, c, v in cells if v == query]
            else:
                found = [rowcol_to_a1(r, c) for r, c, v in cells if query.search(v)]
        except Exception as err:
            return False, repr(err)
        return True, found

    def get_note(self, position: Any) -> Outcome:
        try:
            params = {"ranges": self._range(position), "fields": "sheets/data/rowData/values/note"}
            body = self._call("GET", self._book, params=params)
            try:
                note = body["sheets"][0]["data"][0]["rowData"][0]["values"][0]["note"]
            except (IndexError, KeyError):
                note = ""
        except Exception as err:
            return False, repr(err)
        return True, note

    def finish_sheet(self) -> Outcome:
        return True, self.get_all_values()[1]
