"""The output file: what ``-o`` may replace, how it is replaced, and how ``--check`` reads it.

Decisions (documented in the README):

* A symlink is followed: its target is replaced and the link kept.
* Only a regular file is ever replaced.  A directory, device (``/dev/null``),
  FIFO or socket is refused, and so is the input file itself (compared by
  device and inode, so a hard link or a symlink to it is caught too).
* A read-only file (no write permission bit, or not writable by this user) is
  refused, not overwritten: someone made it read-only on purpose, and root
  would otherwise replace it silently.
* The new file is written beside the target and renamed over it, so readers
  see the old file or the new one, never half; it keeps the old file's mode
  (and owner, when run as root).

Every refusal and every failed write is an ``OutputError``: one line naming the path.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile


class OutputError(Exception):
    """The output path cannot be written or read; ``str()`` is one line naming it."""


_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def writable_target(path: str, input_path: str | None = None) -> str:
    """The file writing ``path`` replaces (symlinks followed); ``OutputError`` if it must not be."""
    target = os.path.realpath(path)
    status = _status(path, target)
    if status is None:
        directory = os.path.dirname(target)
        if not os.path.isdir(directory):
            raise OutputError(f"{path}: directory {directory} does not exist")
        return target
    _require_regular(path, status)
    if input_path is not None and _same_file(status, input_path):
        raise OutputError(f"{path}: is the input file; write the module to another file")
    if not status.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise OutputError(f"{path}: is read-only; make it writable (chmod u+w) to regenerate it")
    return target


def write_atomically(path: str, target: str, text: str) -> None:
    """Write ``text`` beside ``target`` and rename it over ``target`` (``path`` names it in errors)."""
    directory = os.path.dirname(target)
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=".bc-events-gen-", suffix=".tmp", dir=directory)
    except OSError as error:
        raise OutputError(f"{path}: cannot create a file in {directory}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        _copy_permissions(target, temporary)
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise OutputError(f"{path}: cannot write: {error.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_existing(path: str) -> str | None:
    """The text of the output file for ``--check``; ``None`` if it does not exist."""
    target = os.path.realpath(path)
    status = _status(path, target)
    if status is None:
        return None
    _require_regular(path, status)
    try:
        with open(target, "rb") as stream:
            data = stream.read()
    except OSError as error:
        raise OutputError(f"{path}: cannot read: {error.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise OutputError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start}), so not a module "
            "bc-events-gen wrote; run without --check to regenerate it"
        ) from None


def _status(path: str, target: str) -> os.stat_result | None:
    try:
        return os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OutputError(f"{path}: {error.strerror}") from None


def _require_regular(path: str, status: os.stat_result) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{path}: is a directory; give the path of the module file")
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a regular file")
        raise OutputError(f"{path}: is {kind}; bc-events-gen only replaces regular files")


def _same_file(status: os.stat_result, other: str) -> bool:
    try:
        other_status = os.stat(other)
    except OSError:
        return False
    return (status.st_dev, status.st_ino) == (other_status.st_dev, other_status.st_ino)


def _copy_permissions(target: str, temporary: str) -> None:
    """The replaced file's mode (and owner, as root); a new file gets the umask's default mode."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        os.chmod(temporary, 0o666 & ~_umask())
        return
    if os.geteuid() == 0 and (old.st_uid, old.st_gid) != (0, 0):
        os.chown(temporary, old.st_uid, old.st_gid)  # before chmod: chown clears set-id bits
    os.chmod(temporary, stat.S_IMODE(old.st_mode))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
