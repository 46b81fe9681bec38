"""Safe extraction of downloaded tar archives (upstream datasets, source snapshots).

Only regular files and folders are written; a member with an absolute path or ``..`` or a link
or special file is refused, and nothing is left behind when extraction fails: files go to a
staging folder that replaces ``destination`` in one rename, marked complete by a stamp file.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

COMPLETE = ".complete"


class UnsafeArchiveError(ValueError):
    """A member would be written outside the destination or is not a plain file."""


class BrokenArchiveError(OSError):
    """The archive cannot be read (truncated download, not a tar, bad compression)."""


Select = Callable[[PurePosixPath], PurePosixPath | None]


def member_path(name: str) -> PurePosixPath:
    """A member's relative path; refuses absolute paths and ``..``."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise UnsafeArchiveError(f"refusing archive member {name!r}: it would land outside")
    return PurePosixPath(*[p for p in path.parts if p not in ("", ".")] or ["."])


def is_complete(destination: Path) -> bool:
    """Whether ``destination`` holds a finished extraction."""
    return (destination / COMPLETE).is_file()


def safe_extract(archive: Path, destination: Path, select: Select) -> Path:
    """Extract the members that ``select`` maps to a relative path (None skips one).

    Returns ``destination``; an existing complete extraction is kept as it is.
    """
    if is_complete(destination):
        return destination
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                target = select(member_path(member.name))
                if target is None or str(target) == ".":
                    continue
                member_path(str(target))  # what select returns must stay inside too
                if member.issym() or member.islnk() or member.isdev() or member.isfifo():
                    raise UnsafeArchiveError(
                        f"refusing archive member {member.name!r}: links and special files "
                        "are not extracted"
                    )
                out = staging / target
                if member.isdir():
                    out.mkdir(parents=True, exist_ok=True)
                    continue
                handle = tar.extractfile(member)
                if handle is None:
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                with handle, open(out, "wb") as sink:
                    shutil.copyfileobj(handle, sink, 1 << 20)
        (staging / COMPLETE).write_text(str(archive), encoding="utf-8")
        if destination.exists():
            shutil.rmtree(destination)
        os.replace(staging, destination)
    except (tarfile.TarError, EOFError, zlib.error) as err:
        raise BrokenArchiveError(f"{type(err).__name__}: {err}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination
