"""Files that hold secrets or client data are created readable by their owner only."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PRIVATE = 0o600


def write_private(path: Path, text: str) -> None:
    """Write `text` to a new file at `path`, 0600, atomically and durably. Concurrent first uses
    end with one file: if another process created it first, theirs is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process got there first: theirs wins
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)


def make_private(path: Path) -> None:
    """Take group and other permissions off an existing file (no-op when it is missing)."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    if mode & 0o077:
        path.chmod(mode & 0o700)
