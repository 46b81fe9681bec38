"""The two protocols every ACBench task runs under, and the one switch that picks one.

``acbench`` (the default) reproduces what ACBench's scripts ran, upstream quirks included;
``clean`` is this project's corrected variant. Tasks read the switch from their metadata
(``--metadata '{"protocol": "clean"}'``) and write the protocol in force into their results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

Protocol = Literal["acbench", "clean"]
#: The two protocols; the first is the default.
PROTOCOLS: tuple[str, ...] = ("acbench", "clean")
DEFAULT_PROTOCOL: Protocol = "acbench"


def check_protocol(value: Any) -> Protocol:
    """A protocol name (any case, surrounding spaces ignored; empty: the default), or a
    ``ValueError`` naming the two there are."""
    protocol = str(value or DEFAULT_PROTOCOL).strip().lower()
    if protocol not in PROTOCOLS:
        raise ValueError(
            f"unknown protocol {value!r}; choose one of {', '.join(PROTOCOLS)} "
            '(--metadata \'{"protocol": "clean"}\')'
        )
    return protocol  # type: ignore[return-value]


def task_protocol(metadata: Mapping[str, Any]) -> Protocol:
    """The protocol a task's metadata asks for (``metadata["protocol"]``, default ``acbench``)."""
    return check_protocol(metadata.get("protocol"))
