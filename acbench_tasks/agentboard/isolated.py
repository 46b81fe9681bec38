"""Native game engines in a child process, so that a segfault or a hang ends one episode only.

The Z-machine behind Jericho and TextWorld, ALFWorld's TextWorld games and ScienceWorld's JVM
bridge run native code: a bad command can kill the Python process (``look \\U`` segfaults
Jericho's Frotz) or loop forever (a command starting with ``\\``), and no ``try``/``except``
catches that. :class:`IsolatedEngine` builds the engine object in a worker process (a fresh
``python -c`` with the parent's ``sys.path``; unlike multiprocessing's ``spawn`` it never
re-imports the caller's main script, so scripts need no ``__main__`` guard) and forwards
method calls over a pair of pipes, each with a time limit
(:data:`STEP_TIMEOUT_S`, ``$ACBENCH_ENGINE_TIMEOUT_S``; starting an engine gets
:data:`START_TIMEOUT_S`). When the worker dies or a call runs past its limit the worker is
killed and the call raises :class:`EngineError`; the episode runner ends that episode as
``env_error`` with the reason in its log, and the other episodes go on. An ordinary Python
exception inside the engine comes back as itself (or as :class:`EngineError` when it cannot
be pickled) and the worker stays usable.

Cost: one worker process per running episode, not per step. A worker whose engine was closed
normally is kept (per ``pool`` name) and reused by the next episode, so starting Python and
importing the engine happens about ``max_parallel`` times per run. The workers' own
stdout/stderr go to ``/dev/null`` (Frotz prints an endless stream of errors while it hangs).

:func:`engine_command` is the documented neutralisation of text before it reaches a text-game
engine: the Z-machine reads backslash escapes (``\\U``: crash; a leading ``\\``: hang), so
backslashes become ``/``; control characters and anything outside printable ASCII become
spaces (a NUL byte hangs it), and the command is cut to :data:`MAX_COMMAND` characters.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

#: Seconds one engine call may take (a Jericho step takes milliseconds; listing its valid
#: actions can take seconds on a busy machine).
STEP_TIMEOUT_S = float(os.environ.get("ACBENCH_ENGINE_TIMEOUT_S", "60"))
#: Seconds for starting the worker and building the engine (a JVM, loading a game).
START_TIMEOUT_S = float(os.environ.get("ACBENCH_ENGINE_START_TIMEOUT_S", "300"))
#: Idle workers kept per pool.
MAX_IDLE = 16
#: Longest command passed to a text-game engine.
MAX_COMMAND = 200


class EngineError(RuntimeError):
    """The engine process crashed, hung past its time limit, or failed in a way that could
    not be sent back; the episode using it ends (``env_error``)."""


def engine_command(text: str, limit: int = MAX_COMMAND) -> str:
    """Text made safe for a text-game engine: ``\\`` → ``/``, every character outside
    printable ASCII → a space, at most ``limit`` characters, stripped."""
    text = str(text)[: limit * 4].replace("\\", "/")
    cleaned = "".join(c if " " <= c <= "~" else " " for c in text)
    return cleaned[:limit].strip()


# ----------------------------------------------------------------------------- worker side
def _resolve(target: str) -> Callable[..., Any]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _reply_error(conn: Any, err: BaseException) -> None:
    try:
        payload = pickle.dumps(err)
        pickle.loads(payload)
    except Exception:
        payload = pickle.dumps(EngineError(f"{type(err).__name__}: {err}"))
    conn.send(("error", payload))


def serve(inbox_fd: int, outbox_fd: int) -> None:
    """The worker loop: ``("new", factory, args, kwargs)`` builds the engine, ``("call",
    method, args, kwargs)`` calls it, ``("drop",)`` forgets it (after its ``close``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    inbox = Connection(inbox_fd, writable=False)
    conn = Connection(outbox_fd, readable=False)
    engine: Any = None
    method = ""
    while True:
        try:
            message = inbox.recv()
        except (EOFError, OSError):
            return
        kind = message[0]
        try:
            if kind == "new":
                _, factory, args, kwargs = message
                engine = _resolve(factory)(*args, **kwargs)
                result = None
            elif kind == "call":
                _, method, args, kwargs = message
                if engine is None:
                    raise EngineError("no engine was started in this worker")
                result = getattr(engine, method)(*args, **kwargs)
            elif kind == "drop":
                engine, result = None, None
            else:
                raise EngineError(f"unknown request {kind!r}")
        except BaseException as err:
            _reply_error(conn, err)
            continue
        try:
            conn.send(("ok", result))
        except Exception as err:  # an unpicklable result
            _reply_error(conn, EngineError(f"{method} returned something unpicklable: {err}"))


# ----------------------------------------------------------------------------- parent side
def _signal_name(exitcode: int | None) -> str:
    if exitcode is None:
        return "still running"
    if exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"


class _Worker:
    """One worker process (``python -c``, output to ``/dev/null``) and its two pipes."""

    def __init__(self) -> None:
        to_child, from_parent = os.pipe()[::-1]
        from_child, to_parent = os.pipe()
        code = f"from {__name__} import serve; serve({from_parent}, {to_parent})"
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                pass_fds=(from_parent, to_parent),
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        finally:
            os.close(from_parent)
            os.close(to_parent)
        self.outbox = Connection(to_child, readable=False)
        self.inbox = Connection(from_child, writable=False)

    def request(self, message: tuple, timeout: float, what: str) -> Any:
        try:
            self.outbox.send(message)
            if not self.inbox.poll(timeout):
                self.kill()
                raise EngineError(f"the engine did not answer {what} within {timeout:g} s")
            status, payload = self.inbox.recv()
        except (EOFError, OSError, BrokenPipeError):
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
            code = self.process.returncode
            self.kill()
            raise EngineError(
                f"the engine process died during {what} ({_signal_name(code)})"
            ) from None
        if status == "error":
            raise pickle.loads(payload)
        return payload

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(5)
        for end in (self.outbox, self.inbox):
            with contextlib.suppress(Exception):
                end.close()


_idle: dict[str, list[_Worker]] = {}
_lock = threading.Lock()


def _take(pool: str) -> _Worker:
    with _lock:
        workers = _idle.get(pool, [])
        while workers:
            worker = workers.pop()
            if worker.alive():
                return worker
    return _Worker()


def _give_back(pool: str, worker: _Worker) -> None:
    with _lock:
        workers = _idle.setdefault(pool, [])
        if len(workers) < MAX_IDLE and worker.alive():
            workers.append(worker)
            return
    worker.kill()


@atexit.register
def shutdown() -> None:
    """Stop every idle worker (also run at exit)."""
    with _lock:
        workers = [w for pool in _idle.values() for w in pool]
        _idle.clear()
    for worker in workers:
        worker.kill()


class IsolatedEngine:
    """An engine object living in a worker process; ``engine.method(...)`` runs it there.

    ``factory`` is ``"module:callable"`` building the engine in the worker (arguments and
    results must pickle). ``pool`` names the workers that may be reused (default: the
    factory). Calls raise :class:`EngineError` on a crash or a timeout; afterwards the engine
    is gone and every further call raises too.
    """

    def __init__(
        self,
        factory: str,
        *args: Any,
        pool: str | None = None,
        timeout_s: float | None = None,
        start_timeout_s: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.pool = pool or factory
        self.timeout_s = STEP_TIMEOUT_S if timeout_s is None else float(timeout_s)
        self._worker: _Worker | None = _take(self.pool)
        start = START_TIMEOUT_S if start_timeout_s is None else float(start_timeout_s)
        try:
            self._worker.request(("new", factory, args, kwargs), start, f"starting {factory}")
        except EngineError:
            self._worker = None
            raise
        except BaseException:
            self._release()
            raise

    def call(self, method: str, *args: Any, timeout_s: float | None = None, **kwargs: Any) -> Any:
        """``engine.method(*args, **kwargs)`` in the worker, within ``timeout_s``."""
        if self._worker is None:
            raise EngineError("the engine is no longer running")
        limit = self.timeout_s if timeout_s is None else timeout_s
        try:
            return self._worker.request(("call", method, args, kwargs), limit, repr(method))
        except EngineError as err:
            if not self._worker.alive():
                self._worker = None
            raise err from None

    def get(self, name: str, default: Any = None) -> Any:
        """An attribute of the engine (``default`` when it has none)."""
        try:
            return self.call("__getattribute__", name)
        except AttributeError:
            return default

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def close(self) -> None:
        """Close the engine (its ``close`` method, if any) and hand the worker back."""
        if self._worker is None:
            return
        try:
            self._worker.request(("call", "close", (), {}), self.timeout_s, "'close'")
        except EngineError:
            if not self._worker.alive():
                self._worker = None
                return
        except Exception:  # the engine's own close failed; the worker is fine
            pass
        self._release()

    def _release(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        try:
            worker.request(("drop",), self.timeout_s, "'drop'")
        except Exception:
            worker.kill()
            return
        _give_back(self.pool, worker)
