"""What bc-events-gen remembers between runs, outside the user's repository.

Two kinds of entry, both keyed by the generator's version, black's version and the
exact input, so a change of either version or of the input is a different key:

* ``pieces``: the text of a piece black had to format -> black's form of it;
* ``modules``: a topic file's bytes and the options -> the sha256 of the module
  generated from it (and the warnings printed), so ``--check`` and a rerun with
  nothing changed can answer from the output file alone.

Where: ``$BC_EVENTS_CACHE_DIR``, else ``$XDG_CACHE_HOME/bc-events``, else
``~/.cache/bc-events``.  Delete the directory to clear it; ``--no-cache`` ignores it.

The cache can never change the output: an entry is written to a temporary file
and renamed into place (a reader sees a whole entry or none, and two writers of one
key write the same bytes), and each entry starts with the sha256 of its content,
so a corrupt, truncated or foreign entry is ignored.  An unreadable or unwritable
cache is ignored with one warning.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENT_VARIABLE = "BC_EVENTS_CACHE_DIR"
_LAYOUT = "v1"
"""Bumped when the entry format changes: old entries are then never read."""


def cache_directory() -> Path:
    """Where the cache lives (see the module docstring)."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "bc-events"


def _black_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("black")
    except metadata.PackageNotFoundError:
        return "none"


@dataclass
class Cache:
    """Entries under ``directory``; problems go to ``warn`` once and make the cache a no-op."""

    directory: Path
    warn: Callable[[str], object]
    generator_version: str
    _namespace: str = ""
    _warned: bool = False

    def __post_init__(self) -> None:
        self._namespace = f"bc-events-gen {self.generator_version}\0black {_black_version()}\0"

    def key(self, *parts: str) -> str:
        """The sha256 of the versions and ``parts`` (each part's length is hashed too: no ambiguity)."""
        digest = hashlib.sha256(self._namespace.encode())
        for part in parts:
            data = part.encode("utf-8", "surrogatepass")
            digest.update(f"{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()

    def get(self, kind: str, key: str) -> str | None:
        """The value stored under ``key``, or ``None`` (missing, damaged or unreadable)."""
        path = self._path(kind, key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            self._problem(f"cannot read {path}: {error.strerror}")
            return None
        checksum, newline, value = data.partition(b"\n")
        if not newline or hashlib.sha256(value).hexdigest().encode() != checksum:
            return None  # truncated, corrupt or not ours: recomputed and rewritten
        try:
            return value.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return None

    def put(self, kind: str, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (atomically); a failure only warns."""
        path = self._path(kind, key)
        data = value.encode("utf-8", "surrogatepass")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        except OSError as error:
            self._problem(f"cannot write in {path.parent}: {error.strerror}")
            return
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
            os.replace(temporary, path)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            self._problem(f"cannot write {path}: {error.strerror}")

    def formatter(self, format_piece: Callable[[str], str]) -> Callable[[str], str]:
        """``format_piece`` with the ``pieces`` entries in front of it."""

        def formatted(text: str) -> str:
            key = self.key(text)
            value = self.get("pieces", key)
            if value is None:
                value = format_piece(text)
                self.put("pieces", key, value)
            return value

        return formatted

    def record_module(self, key: str, text: str, warnings: list[str]) -> None:
        """Remember the module ``key`` (input and options) generates, and the warnings it printed."""
        record = {"sha256": hashlib.sha256(text.encode()).hexdigest(), "warnings": warnings}
        self.put("modules", key, json.dumps(record))

    def recorded_module(self, key: str) -> tuple[str, list[str]] | None:
        """(sha256 of the module, warnings) recorded for ``key``, or ``None``."""
        value = self.get("modules", key)
        if value is None:
            return None
        try:
            record = json.loads(value)
            sha, warnings = record["sha256"], record["warnings"]
        except (ValueError, KeyError, TypeError):
            return None
        if not isinstance(sha, str) or not isinstance(warnings, list):
            return None
        return sha, [str(warning) for warning in warnings]

    def _path(self, kind: str, key: str) -> Path:
        return self.directory / _LAYOUT / kind / key[:2] / key

    def _problem(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            self.warn(f"bc-events-gen: warning: cache ignored: {message}")
