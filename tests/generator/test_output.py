"""``-o`` and ``--check`` against what can be found at a path: real files, links, devices, FIFOs."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from generator_support import GENERATOR, run

GOOD = """
DefaultCategory: testing
Topics:
  - Action: Created
    Entity: Test
    Schema: {type: object, required: [id], properties: {id: {type: string}}}
"""


def _one_line_exit_2(result: object, *expected: str) -> str:
    returncode, stderr = result.returncode, result.stderr  # type: ignore[attr-defined]
    assert returncode == 2, stderr
    assert "Traceback" not in stderr
    message = stderr.strip()
    assert "\n" not in message, message
    for text in expected:
        assert text in message, message
    return message


def test_a_symlink_keeps_pointing_at_its_updated_target(
    topics_file: Callable[[str], Path], tmp_path: Path
) -> None:
    target = tmp_path / "real" / "events_gen.py"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o600)
    link = tmp_path / "events_gen.py"
    link.symlink_to(Path("real") / "events_gen.py")
    assert run(GENERATOR, topics_file(GOOD), "-o", link).returncode == 0
    assert link.is_symlink()
    assert os.readlink(link) == os.path.join("real", "events_gen.py")
    assert "class TestCreatedData" in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(os.listdir(target.parent)) == ["events_gen.py"]  # the temporary file went beside the target
    assert run(GENERATOR, topics_file(GOOD), "-o", link, "--check").returncode == 0


def test_a_dangling_symlink_creates_its_target(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    link = tmp_path / "events_gen.py"
    link.symlink_to(tmp_path / "made.py")
    assert run(GENERATOR, topics_file(GOOD), "-o", link).returncode == 0
    assert link.is_symlink()
    assert "class TestCreatedData" in (tmp_path / "made.py").read_text(encoding="utf-8")


def test_dev_null_stays_a_character_device(topics_file: Callable[[str], Path]) -> None:
    before = os.stat("/dev/null")
    _one_line_exit_2(run(GENERATOR, topics_file(GOOD), "-o", "/dev/null"), "/dev/null", "character device")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_fifo_is_refused_and_kept(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    fifo = tmp_path / "events_gen.py"
    os.mkfifo(fifo)
    _one_line_exit_2(run(GENERATOR, topics_file(GOOD), "-o", fifo), "a FIFO")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    _one_line_exit_2(run(GENERATOR, topics_file(GOOD), "-o", fifo, "--check"), "a FIFO")  # never blocks on it


def test_a_socket_is_refused(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        _one_line_exit_2(run(GENERATOR, topics_file(GOOD), "-o", path), "a socket")
        assert stat.S_ISSOCK(path.stat().st_mode)


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link"])
def test_the_input_is_never_the_output(how: str, topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    topics = topics_file(GOOD)
    output = topics if how == "same path" else tmp_path / "events_gen.py"
    if how == "symlink":
        output.symlink_to(topics)
    elif how == "hard link":
        os.link(topics, output)
    inode, content = topics.stat().st_ino, topics.read_bytes()
    _one_line_exit_2(run(GENERATOR, topics, "-o", output), "is the input file")
    assert topics.read_bytes() == content
    assert topics.stat().st_ino == inode


def test_a_read_only_output_is_refused_not_overwritten(
    topics_file: Callable[[str], Path], tmp_path: Path
) -> None:
    output = tmp_path / "events_gen.py"
    output.write_text("old\n", encoding="utf-8")
    output.chmod(0o444)
    inode = output.stat().st_ino
    _one_line_exit_2(run(GENERATOR, topics_file(GOOD), "-o", output), "read-only")
    assert output.read_text(encoding="utf-8") == "old\n"
    assert output.stat().st_ino == inode
    # --check only reads: a read-only module checked in CI is fine.
    assert run(GENERATOR, topics_file(GOOD), "-o", output, "--check").returncode == 1


def test_a_new_file_gets_the_umask_mode(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    output = tmp_path / "events_gen.py"
    assert run(GENERATOR, topics_file(GOOD), "-o", output).returncode == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(output.stat().st_mode) == 0o666 & ~mask


def test_output_problems_are_one_line(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    topics = topics_file(GOOD)
    _one_line_exit_2(run(GENERATOR, topics, "-o", tmp_path / "missing" / "out.py"), "does not exist")
    _one_line_exit_2(run(GENERATOR, topics, "-o", tmp_path), "is a directory")
    # /proc refuses new files even to root.
    _one_line_exit_2(run(GENERATOR, topics, "-o", "/proc/events_gen.py"), "/proc/events_gen.py")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a directory without write permission")
def test_a_read_only_directory_is_one_line(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    directory = tmp_path / "locked"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        _one_line_exit_2(run(GENERATOR, topics_file(GOOD), "-o", directory / "out.py"), "Permission denied")
    finally:
        directory.chmod(0o755)


def test_check_against_a_directory_or_binary_file(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    topics = topics_file(GOOD)
    _one_line_exit_2(run(GENERATOR, topics, "-o", tmp_path, "--check"), "is a directory")
    binary = tmp_path / "events_gen.py"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    _one_line_exit_2(run(GENERATOR, topics, "-o", binary, "--check"), "not UTF-8")


def test_check_names_line_endings(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    topics, output = topics_file(GOOD), tmp_path / "events_gen.py"
    assert run(GENERATOR, topics, "-o", output).returncode == 0
    output.write_bytes(output.read_bytes().replace(b"\n", b"\r\n"))
    result = run(GENERATOR, topics, "-o", output, "--check")
    assert result.returncode == 1
    assert result.stdout == ""  # no whole-file diff
    assert "line endings differ (CRLF vs LF)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_summarizes_before_it_diffs(topics_file: Callable[[str], Path], tmp_path: Path) -> None:
    output = tmp_path / "events_gen.py"
    assert run(GENERATOR, topics_file(GOOD), "-o", output).returncode == 0
    changed = GOOD.replace("{id: {type: string}}", "{id: {type: integer, description: '" + "x" * 3000 + "'}}")
    result = run(GENERATOR, topics_file(changed), "-o", output, "--check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1:3] == ["  topics changed: testing.TestCreated", "  declarations changed: TestCreatedData"]
    assert lines[3].startswith("---")
    assert max(map(len, lines)) < 300  # the 3,000-character definition line is clipped
    assert "more characters)" in result.stdout


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_failing_stdout_is_one_line(topics_file: Callable[[str], Path]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [GENERATOR, str(topics_file(GOOD))], stdout=full, stderr=subprocess.PIPE, text=True, check=False
        )
    _one_line_exit_2(result, "<stdout>: cannot write: No space left on device")


def test_a_file_as_the_output_directory_is_one_line(topics_file: Callable[[str], Path]) -> None:
    topics = topics_file(GOOD)
    _one_line_exit_2(run(GENERATOR, topics, "-o", topics / "events_gen.py"), "Not a directory")
