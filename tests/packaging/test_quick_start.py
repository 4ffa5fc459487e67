"""The README's "Quick start for a service", run command by command in a fresh project, so it cannot rot.

The section's code blocks are read from README.md: a ``yaml`` or ``python``
block whose first line is ``# PATH`` is a file of the project (appended to, for
the one file the harness scaffolds: the rest of a Django project's settings);
an ``sh`` block is commands, each run in its own shell in the project.  The
``pip install`` lines are checked for their form and the release they pin; one
slow test runs them for real in a new virtual environment, with this checkout
in place of the git URL.  A trailing ``&`` starts a background process (its
first line of output awaited), ``kill %N`` stops the Nth one and expects exit 0.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import venv
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bc_events import __version__
from bc_events.testing import EventsAPIServer

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Quick start for a service"
INSTALL = re.compile(
    r'pip install "bc-events\[(?P<extras>[a-z,]+)\] @ git\+https://git\.example\.com/your-org/bc-events@v(?P<version>[0-9.]+)"'
)
DJANGO_BASE = """\
SECRET_KEY = "quick-start"
ROOT_URLCONF = "signup.urls"
ALLOWED_HOSTS = ["testserver"]
INSTALLED_APPS: list[str] = []
DATABASES: dict[str, object] = {}
MIDDLEWARE: list[str] = []
"""
DJANGO_URLS = """\
from django.urls import path

from signup.views import signup

urlpatterns = [path("signup/", signup)]
"""
DJANGO_REQUEST = """\
import django
from django.test import Client

django.setup()
reply = Client().post("/signup/", {"email": "ada@example.com"})
print(reply.status_code, reply.json()["id"])
"""


@dataclass
class Block:
    language: str
    text: str

    @property
    def path(self) -> str | None:
        """The project file a yaml or python block is (``# PATH`` or ``# PATH: note``); None for commands."""
        match = re.match(r"# ([\w./-]+\.(?:ya?ml|py))(?::.*)?\n", self.text)
        return match.group(1) if match and self.language != "sh" else None

    @property
    def commands(self) -> list[str]:
        return [line for line in self.text.splitlines() if line.strip() and not line.startswith("#")]


def quick_start() -> list[Block]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(SECTION + "\n", 1)[1].split("\n## ", 1)[0]
    return [Block(m.group(1), m.group(2)) for m in re.finditer(r"```(\w+)\n(.*?)```", section, re.S)]


@dataclass
class Project:
    """A temporary service project, the interpreter's ``bin`` directory and what ran in it."""

    directory: Path
    bin_dir: Path
    install: bool
    port: int
    background: list[subprocess.Popen[str]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env["PATH"] = f"{self.bin_dir}{os.pathsep}{env.get('PATH', '')}"
        return {**env, **extra}

    def write(self, block: Block) -> None:
        assert block.path is not None
        target = self.directory / block.path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as stream:  # appends to the scaffolded settings
            stream.write(block.text)

    def run(self, command: str) -> None:
        command = re.sub(r"\s+#.*$", "", command).replace("8000", str(self.port))
        if INSTALL.search(command):
            return self._install(command)
        kill = re.fullmatch(r"kill %(\d+)", command)
        if kill:
            process = self.background[int(kill.group(1)) - 1]
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0, command
            return None
        if command.endswith("&"):
            return self._start(command[:-1].strip())
        if command.startswith("curl ") and shutil.which("curl") is None:
            pytest.skip("curl is not installed")
        result = subprocess.run(
            command,
            shell=True,
            cwd=self.directory,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
        self.outputs.append(result.stdout)
        return None

    def _install(self, command: str) -> None:
        match = INSTALL.search(command)
        assert match is not None
        assert match.group("version") == __version__, "the install line pins a tag of another version"
        if self.install:
            local = command.replace(
                match.group(0), f'pip install -q "bc-events[{match.group("extras")}] @ {ROOT.as_uri()}"'
            )
            result = subprocess.run(
                local,
                shell=True,
                cwd=self.directory,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=900,
            )
            assert result.returncode == 0, f"{local}\n{result.stdout}{result.stderr}"

    def _start(self, command: str) -> None:
        process = subprocess.Popen(
            command.split(),
            cwd=self.directory,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.background.append(process)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == f"http://127.0.0.1:{self.port}", command

    def stop(self) -> None:
        for process in self.background:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            if process.stdout is not None:
                self.outputs.append(process.stdout.read())
                process.stdout.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_quick_start(project: Project) -> None:
    """Every block in order; then the Django view, with Django's test client, against a local Events API."""
    (project.directory / "signup").mkdir(parents=True)
    (project.directory / "signup" / "__init__.py").write_text("")
    (project.directory / "signup" / "settings.py").write_text(DJANGO_BASE)
    (project.directory / "signup" / "urls.py").write_text(DJANGO_URLS)
    try:
        for block in quick_start():
            if block.path is not None:
                project.write(block)
            else:
                for command in block.commands:
                    project.run(command)
    finally:
        project.stop()
    printed = "".join(project.outputs)
    assert "1 passed" in printed  # pytest test_signup.py
    assert '"topic": "signup.UserCreated"' in printed  # GET /events
    assert 'signup.UserCreated job=signup-u-2 actor=service:SignupService data={"id":"u-2",' in printed
    with EventsAPIServer() as api:
        env = project.env(EVENTS_API_URL=api.url, DJANGO_SETTINGS_MODULE="signup.settings")
        result = subprocess.run(
            [project.bin_dir / "python", "-c", DJANGO_REQUEST],
            cwd=project.directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        status, user_id = result.stdout.split()
        assert status == "201"
        [event] = api.accepted_for("signup.UserCreated")
        assert event.data == {"id": user_id, "email": "ada@example.com"}
        assert event.actor == ("SignupService", "service")


def test_the_quick_start_has_what_it_promises() -> None:
    blocks = quick_start()
    paths = [block.path for block in blocks if block.path]
    assert paths == [
        "topics.yaml",
        "publish_signup.py",
        "signup/settings.py",
        "signup/views.py",
        "test_signup.py",
    ]
    commands = [command for block in blocks for command in block.commands]
    assert sum(1 for command in commands if INSTALL.search(command)) == 2
    assert "bc-events-gen topics.yaml -o events_gen.py" in commands


@pytest.mark.slow  # about ten seconds: generator, pytest and Django in subprocesses
def test_the_quick_start_runs_in_a_fresh_project(tmp_path: Path) -> None:
    """In this interpreter's environment: the install lines are checked, not run."""
    run_quick_start(Project(tmp_path / "service", Path(sys.executable).parent, False, _free_port()))


@pytest.mark.slow
def test_the_quick_start_installs_from_this_checkout(tmp_path: Path) -> None:
    """A new virtual environment gets exactly the install lines (plus pytest, the service's test runner)."""
    home = tmp_path / "venv"
    venv.create(home, with_pip=True)
    bin_dir = home / "bin"
    pytest_pin = f"pytest=={pytest.__version__}"
    installed = subprocess.run(
        [bin_dir / "python", "-m", "pip", "install", "-q", pytest_pin],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    run_quick_start(Project(tmp_path / "service", bin_dir, True, _free_port()))


def test_the_harness_reads_blocks_as_documented() -> None:
    block = Block(
        "python",
        textwrap.dedent("""\
        # signup/settings.py: the bc-events part
        X = 1
    """),
    )
    assert block.path == "signup/settings.py"
    assert Block("sh", "# a comment\nbc-events-gen a -o b\n").commands == ["bc-events-gen a -o b"]
    assert Block("python", "import os\n").path is None
