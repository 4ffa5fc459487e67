"""A throwaway PostgreSQL server on a temporary directory and a free port, for tests and benchmarks.

``initdb`` refuses to run as root, so as root the server runs as the
``postgres`` user (``runuser``); it listens on a Unix socket in its own
directory and on 127.0.0.1.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def find_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` with ``initdb`` (or ``initdb`` on PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A running server: ``dsn`` connects as its superuser to the ``postgres`` database."""

    bindir: Path
    directory: Path
    port: int
    user: str

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"

    def stop(self) -> None:
        data = str(self.directory / "data")
        self._run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)


def start(bindir: Path) -> PostgresServer:
    """initdb + pg_ctl start on a new temporary directory; raises CalledProcessError if a tool fails."""
    user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    directory = Path(tempfile.mkdtemp(prefix="bc-events-pg-"))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(bindir, directory, _free_port(), user)
    data = str(directory / "data")
    try:
        server._run("initdb", "-D", data, "-U", user, "-A", "trust", "--no-sync", "-E", "UTF8")
        options = (
            f"-k {directory} -p {server.port} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        server._run("pg_ctl", "-D", data, "-o", options, "-l", str(directory / "log"), "-w", "start")
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    _wait_ready(server)
    return server


def _wait_ready(server: PostgresServer, timeout: float = 20.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(server.dsn, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
