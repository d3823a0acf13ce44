"""Writing files so that a reader never sees half of one: temp name beside it, then rename.

Every file the bridge writes for someone else to read (``build/check.json``,
``build/report.md``, ``build/review.md``, traces, the generated suite) goes
through :func:`write_text_atomically`.  The temporary file lives in the same
folder as the target so that :func:`os.replace` is a rename within one file
system, which POSIX makes atomic.  ``mkstemp`` creates files 0600; they are
set to 0644 before the rename, as a plain ``open`` would under the usual
umask, so CI artifacts and other users can read them.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["FILE_MODE", "write_if_changed", "write_json_atomically", "write_text_atomically"]

FILE_MODE = 0o644


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to a temporary name beside ``path``, then rename it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json_atomically(path: Path, value: Any) -> None:
    """``value`` as indented JSON with a final newline, written atomically."""
    write_text_atomically(path, json.dumps(value, indent=2) + "\n")


def write_if_changed(path: Path, text: str) -> bool:
    """Write atomically only when the file's text differs (keeps mtimes, so make stays quiet); True if written."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_text_atomically(path, text)
    return True
