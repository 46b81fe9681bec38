"""Academia (Tool-Query): AgentBoard's DBLP citation and collaboration graphs, offline.

Two ``networkx`` graphs from the AgentBoard data, ``data/tool-query/academia/raw/``: PaperNet
(nodes are papers, edges citations) and AuthorNet (nodes are authors, edges collaborations),
with the four name/id dictionaries. The files are pickles, so they are read only from the
folder the AgentBoard data module resolved (the pinned Hub revision, or a ``data_dir`` the user
gave), never from anywhere else; one process reads them once.

Actions (AgentBoard ``academia_env.py`` / ``academia_tools.py``): ``loadPaperNet``,
``loadAuthorNet``, ``neighbourCheck`` (also spelt ``neighborCheck``), ``paperNodeCheck``,
``authorNodeCheck``, ``paperEdgeCheck``, ``authorEdgeCheck``, ``check_valid_actions``,
``finish``. A graph must be loaded in the episode before it is queried. Results are logged as
Subgoals unchanged.
"""

from __future__ import annotations

import copy
import functools
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from acbench_tasks.agentboard.tools.base import Outcome, ToolCall, ToolWorld

#: The academia files, relative to the AgentBoard data root (the folder holding ``data/``).
RAW_DIR = Path("data", "tool-query", "academia", "raw")
FILES = (
    "paper_net",
    "author_net",
    "title2id_dict",
    "author2id_dict",
    "id2title_dict",
    "id2author_dict",
)


class AcademiaDataError(FileNotFoundError):
    """The academia graphs are missing or unreadable."""


@dataclass(frozen=True)
class AcademiaData:
    """The two graphs and the four dictionaries."""

    paper_net: Any
    author_net: Any
    title2id: dict[Any, Any]
    author2id: dict[Any, Any]
    id2title: dict[Any, Any]
    id2author: dict[Any, Any]


def academia_dir(data_root: str | Path) -> Path:
    """Where the academia pickles are under an AgentBoard data root."""
    return Path(data_root) / RAW_DIR


def check_academia_data(data_root: str | Path) -> str | None:
    """Why the academia tool cannot run from ``data_root`` (``None`` when it can)."""
    folder = academia_dir(data_root)
    missing = [f"{name}.pkl" for name in FILES if not (folder / f"{name}.pkl").is_file()]
    if missing:
        return f"academia needs {', '.join(missing)} in {folder}"
    return None


@functools.lru_cache(maxsize=2)
def _load(folder: str) -> AcademiaData:
    loaded = {}
    for name in FILES:
        path = Path(folder) / f"{name}.pkl"
        try:
            with path.open("rb") as handle:
                loaded[name] = pickle.load(handle)
        except FileNotFoundError:
            raise AcademiaDataError(f"academia: {path} is missing") from None
        except Exception as err:  # a truncated or foreign pickle
            raise AcademiaDataError(f"academia: cannot read {path}: {err}") from None
    return AcademiaData(
        loaded["paper_net"],
        loaded["author_net"],
        loaded["title2id_dict"],
        loaded["author2id_dict"],
        loaded["id2title_dict"],
        loaded["id2author_dict"],
    )


def load_academia_data(data_root: str | Path) -> AcademiaData:
    """Unpickle the academia files under an AgentBoard data root (once per process)."""
    return _load(str(academia_dir(data_root).resolve()))


def _error(err: Exception) -> str:
    return f"{type(err).__name__}({err})"


class AcademiaWorld(ToolWorld):
    """The academia toolkit of one problem: which graphs the agent has loaded so far."""

    name = "academia"
    calls: ClassVar[dict[str, ToolCall]] = {
        "loadPaperNet": ToolCall("loadPaperNet"),
        "loadAuthorNet": ToolCall("loadAuthorNet"),
        "neighbourCheck": ToolCall("neighbourCheck", ("graph", "node")),
        "neighborCheck": ToolCall("neighbourCheck", ("graph", "node")),
        "authorNodeCheck": ToolCall("authorNodeCheck", ("node",)),
        "paperNodeCheck": ToolCall("paperNodeCheck", ("node",)),
        "authorEdgeCheck": ToolCall("authorEdgeCheck", ("node1", "node2")),
        "paperEdgeCheck": ToolCall("paperEdgeCheck", ("node1", "node2")),
        "finish": ToolCall("finish", ("answer",)),
    }

    def __init__(self, data_root: str | Path, action_names: Sequence[str] = ()) -> None:
        super().__init__(action_names)
        self.data_root = Path(data_root)
        self.paper_loaded = False
        self.author_loaded = False

    def start(self) -> None:
        load_academia_data(self.data_root)  # fail at reset, before any model step

    @property
    def data(self) -> AcademiaData:
        return load_academia_data(self.data_root)

    def _net(self, graph: Any) -> tuple[Any, dict[Any, Any], dict[Any, Any], str]:
        """Graph, name->id and id->name of ``PaperNet`` / ``AuthorNet``."""
        data = self.data
        if graph == "PaperNet":
            return data.paper_net, data.title2id, data.id2title, "PaperNet"
        return data.author_net, data.author2id, data.id2author, "AuthorNet"

    # ------------------------------------------------------------------ actions
    def loadPaperNet(self) -> Outcome:
        self.paper_loaded = True
        return True, "PaperNet is loaded."

    def loadAuthorNet(self) -> Outcome:
        self.author_loaded = True
        return True, "AuthorNet is loaded."

    def neighbourCheck(self, graph: Any, node: Any) -> Outcome:
        if graph == "PaperNet" and not self.paper_loaded:
            return False, "Please load the PaperNet first."
        if graph == "AuthorNet" and not self.author_loaded:
            return False, "Please load the AuthorNet first."
        if graph not in ("PaperNet", "AuthorNet"):
            # AgentBoard then calls ``graph.neighbors`` on the name itself.
            return False, (
                f"AttributeError('{type(graph).__name__}' object has no attribute 'neighbors')"
            )
        try:
            net, ids, names, label = self._net(graph)
            if node not in ids:
                return False, f"There is no node named {node} in the {label}."
            return True, [names[neighbour] for neighbour in net.neighbors(ids[node])]
        except Exception as err:  # AgentBoard reports any lookup error as the result
            return False, _error(err)

    def paperNodeCheck(self, node: Any = None) -> Outcome:
        if not self.paper_loaded:
            return False, "Please load the PaperNet first."
        try:
            data = self.data
            if node not in data.title2id:
                return False, f"There is no node named {node} in the PaperNet."
            return True, copy.deepcopy(data.paper_net.nodes[data.title2id[node]])
        except Exception as err:
            return False, _error(err)

    def authorNodeCheck(self, node: Any = None) -> Outcome:
        if not self.author_loaded:
            return False, "Please load the AuthorNet first."
        try:
            data = self.data
            if node not in data.author2id:
                return False, f"There is no node named {node} in the AuthorNet."
            return True, copy.deepcopy(data.author_net.nodes[data.author2id[node]])
        except Exception as err:
            return False, _error(err)

    def _edge(self, graph: str, node1: Any, node2: Any) -> Outcome:
        net, ids, _, label = self._net(graph)
        if node1 not in ids:
            return False, f"There is no node named {node1} in the {label}."
        if node2 not in ids:
            return False, f"There is no node named {node2} in the {label}."
        if ids[node2] not in net.neighbors(ids[node1]):
            return False, f"There is no edge between {node1} and {node2}."
        return True, copy.deepcopy(net.edges[ids[node1], ids[node2]])

    def authorEdgeCheck(self, node1: Any = None, node2: Any = None) -> Outcome:
        if not self.author_loaded:
            return False, "Please load the AuthorNet first."
        try:
            ok, edge = self._edge("AuthorNet", node1, node2)
            if ok:  # paper ids become titles
                titles = self.data.id2title
                edge["collaborative_papers"] = [titles[p] for p in edge["collaborative_papers"]]
            return ok, edge
        except Exception as err:
            return False, _error(err)

    def paperEdgeCheck(self, node1: Any = None, node2: Any = None) -> Outcome:
        if not self.paper_loaded:
            return False, "Please load the PaperNet first."
        try:
            return self._edge("PaperNet", node1, node2)
        except Exception as err:
            return False, _error(err)
