"""The codecarbon meter shared by evaluation (``acbench.energy``) and compression.

One place makes the tracker (offline: no network, no files; the grid is given as a country
code), says how codecarbon measured (RAPL / NVML counters or a TDP estimate) and on which
hardware, and measures one block of work (:func:`measure_energy`) for callers that need a single
figure, such as a compression run.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

logger = logging.getLogger(__name__)

JOULES_PER_KWH = 3.6e6
CPU_METHODS = {
    "intel_rapl": "RAPL",
    "intel_power_gadget": "Intel Power Gadget",
    "apple_powermetrics": "powermetrics",
    "windows_emi": "Windows EMI",
    "cpu_load": "estimate (TDP × CPU load)",
    "constant": "estimate (constant TDP)",
}


def make_tracker(country_iso_code: str = "USA", measure_power_secs: float = 1.0) -> Any:
    """A quiet codecarbon tracker that makes no network calls and writes no file."""
    os.environ.setdefault("CODECARBON_LOG_LEVEL", "error")
    from codecarbon import OfflineEmissionsTracker

    return OfflineEmissionsTracker(
        country_iso_code=country_iso_code,
        tracking_mode="process",
        measure_power_secs=measure_power_secs,
        output_methods=[],
        save_to_file=False,
        log_level="error",
        allow_multiple_runs=True,
    )


def codecarbon_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("codecarbon")
    except PackageNotFoundError:
        return "not installed"


def describe_tracker(tracker: Any) -> dict[str, Any]:
    """How ``tracker`` measures (``method``, ``estimated``) and the ``hardware`` it sees."""
    if tracker is None:
        return {"method": None, "estimated": None, "hardware": None}
    methods: dict[str, str] = {}
    try:
        for hardware in getattr(tracker, "_hardware", []):
            kind = type(hardware).__name__
            if kind == "CPU":
                mode = str(getattr(hardware, "_mode", ""))
                methods["cpu"] = CPU_METHODS.get(mode, f"estimate ({mode})")
            elif kind == "GPU":
                devices = getattr(getattr(hardware, "devices", None), "devices", [])
                amd = any("AMD" in type(d).__name__ for d in devices)
                methods["gpu"] = "AMD SMI" if amd else "NVML"
            elif kind == "RAM":
                methods["ram"] = "estimate (memory size)"
        conf = dict(getattr(tracker, "_conf", {}))
    except Exception as err:  # private codecarbon attributes changed: keep the numbers
        logger.debug("codecarbon hardware details unavailable: %s", err)
        conf = {}
    method = ", ".join(f"{part.upper()}: {how}" for part, how in methods.items()) or None
    return {
        "method": method,
        "estimated": any(how.startswith("estimate") for how in methods.values())
        if methods
        else None,
        "hardware": {
            "cpu_model": conf.get("cpu_model"),
            "cpu_count": conf.get("cpu_count"),
            "gpu_model": conf.get("gpu_model") or None,
            "gpu_count": conf.get("gpu_count"),
            "ram_total_gb": conf.get("ram_total_size"),
            "tracking_mode": conf.get("tracking_mode"),
            "os": conf.get("os"),
        },
    }


def describe_error(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


@contextlib.contextmanager
def measure_energy(
    label: str,
    country_iso_code: str = "USA",
    tracker_factory: Callable[[], Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Measure the ``with`` block; the yielded dict is filled in when the block ends.

    ``status`` is ``measured`` (kWh split into CPU/GPU/RAM, kg CO2eq, seconds, the grid's
    country and region as codecarbon reports them, method and hardware) or ``missing`` with the
    reason in ``error``: a broken meter never stops the work it measures. Errors raised by the
    block itself propagate after the measurement is closed.
    """
    block: dict[str, Any] = {
        "status": "missing",
        "tool": f"codecarbon {codecarbon_version()}",
        "country_iso_code": country_iso_code,
    }
    tracker = None
    try:
        tracker = (tracker_factory or (lambda: make_tracker(country_iso_code)))()
        tracker.start_task(label)
    except Exception as err:  # codecarbon absent or unable to start: keep working
        block["error"] = f"codecarbon unavailable: {describe_error(err)}"
        logger.warning("codecarbon unavailable, energy not measured: %s", err)
        tracker = None
    try:
        yield block
    finally:
        if tracker is not None:
            try:
                data = tracker.stop_task(label)
            except Exception as err:
                data = None
                block["error"] = f"stop failed: {describe_error(err)}"
            else:
                if data is None:
                    block["error"] = "codecarbon returned no measurement"
            if data is not None:
                block.update(_figures(data))
                block["status"] = "measured"
                block.pop("error", None)
            block.update(describe_tracker(tracker))


def _figures(data: Any) -> dict[str, Any]:
    """The numbers of a codecarbon ``EmissionsData``."""
    energy = float(data.energy_consumed)
    emissions = float(data.emissions)
    out = {
        "energy_kwh": energy,
        "cpu_energy_kwh": float(data.cpu_energy),
        "gpu_energy_kwh": float(data.gpu_energy),
        "ram_energy_kwh": float(data.ram_energy),
        "joules": energy * JOULES_PER_KWH,
        "emissions_kg_co2eq": emissions,
        "emissions_g_co2eq": emissions * 1000.0,
        "duration_s": float(data.duration),
    }
    for key in ("country_name", "country_iso_code", "region", "cloud_provider", "cloud_region"):
        value = getattr(data, key, None)
        if isinstance(value, str) and value:
            out[key] = value
    return out


def add_energy_options(parser: argparse.ArgumentParser, measured: str) -> None:
    """``--no-energy`` and ``--energy-country`` for a command that meters ``measured``."""
    parser.add_argument(
        "--no-energy", action="store_true", help=f"skip the codecarbon measurement of {measured}"
    )
    parser.add_argument(
        "--energy-country",
        default="USA",
        help="ISO 3166 alpha-3 code of the grid for the CO2eq estimate (default: USA)",
    )
