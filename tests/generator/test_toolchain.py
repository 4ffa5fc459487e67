"""The generated module beside the tools of a service: ruff, isort, pydantic, FastAPI, other Pythons.

Every tool runs for real on a copy of the module in a directory of its own, where
``bc_events`` is a third-party package as it is in a service.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from generator_support import BIN, EXAMPLE, ROOT, run

from bc_events.generator.escaping import is_pinned, py_literal
from bc_events.generator.naming import class_name_problem, pascal_case

UNAVOIDABLE = {"E501", "UP035", "UP040", "UP013"}
"""What ``# ruff: noqa`` covers: long strings, and imports the lowest supported Python needs."""


@pytest.fixture
def service_copy(tmp_path: Path) -> Path:
    path = tmp_path / "events_gen.py"
    shutil.copy(EXAMPLE / "events_gen.py", path)
    return path


@pytest.mark.parametrize("target", ["py311", "py312", "py313"])
@pytest.mark.parametrize("rules", [[], ["--select", "E,F,I,UP,B"]], ids=["default", "E,F,I,UP,B"])
def test_ruff_fix_leaves_the_module_byte_identical(service_copy: Path, target: str, rules: list[str]) -> None:
    before = service_copy.read_bytes()
    result = run(
        BIN / "ruff",
        "check",
        "--isolated",
        "--fix",
        "--target-version",
        target,
        *rules,
        service_copy,
        cwd=service_copy.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert service_copy.read_bytes() == before


@pytest.mark.parametrize("target", ["py311", "py313"])
def test_the_noqa_directive_covers_only_what_a_generated_module_cannot_avoid(
    service_copy: Path, target: str
) -> None:
    result = run(
        BIN / "ruff",
        "check",
        "--isolated",
        "--ignore-noqa",
        "--select",
        "E,F,I,UP,B,RUF",
        "--target-version",
        target,
        "--output-format",
        "concise",
        service_copy,
        cwd=service_copy.parent,
    )
    found = {line.split(": ")[1].split()[0] for line in result.stdout.splitlines() if ": " in line}
    found.discard("[*]")
    assert found <= UNAVOIDABLE, result.stdout


def test_isort_with_the_black_profile_leaves_the_module_byte_identical(service_copy: Path) -> None:
    before = service_copy.read_bytes()
    result = run(BIN / "isort", "--profile", "black", service_copy.name, cwd=service_copy.parent)
    assert result.returncode == 0, result.stderr
    assert service_copy.read_bytes() == before


def _import_example(tmp_path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_events_gen", EXAMPLE / "events_gen.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["example_events_gen"] = module
    spec.loader.exec_module(module)
    return module


def test_pydantic_validates_a_generated_payload_type(tmp_path: Path) -> None:
    pydantic = pytest.importorskip("pydantic")
    module = _import_example(tmp_path)
    adapter = pydantic.TypeAdapter(module.BillingInvoicePaidData)
    payload = {"invoice_id": "i-1", "amount": 12.5, "currency": "EUR", "paid": True}
    assert adapter.validate_python(payload) == payload
    with pytest.raises(pydantic.ValidationError):
        adapter.validate_python({**payload, "currency": "JPY"})


def test_a_fastapi_route_takes_a_generated_payload_as_its_body(tmp_path: Path) -> None:
    fastapi = pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    module = _import_example(tmp_path)
    app = fastapi.FastAPI()
    data_type = module.BillingInvoicePaidData

    def paid(body: dict[str, object]) -> dict[str, object]:
        return {"invoice": body["invoice_id"]}

    # This file's annotations are strings (PEP 563); FastAPI reads the real type.
    paid.__annotations__ = {"body": data_type, "return": dict[str, object]}
    app.post("/invoices")(paid)

    client = TestClient(app)
    good = {"invoice_id": "i-1", "amount": 1, "currency": "USD", "paid": True}
    assert client.post("/invoices", json=good).json() == {"invoice": "i-1"}
    assert client.post("/invoices", json={**good, "paid": False}).status_code == 422


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("Prämie 保険", '"Prämie 保険"'),  # assigned in Unicode 3.2: kept
        ("car 🚗", '"car \\U0001f697"'),  # emoji (Unicode 6.0): escaped on every Python
        ("ReactionSent\U0003134d", '"ReactionSent\\U0003134d"'),  # Unicode 15.0
        ("nbsp\xa0zw\u200bls\u2028", '"nbsp\\xa0zw\\u200bls\\u2028"'),  # spaces and formats: escaped
        ("tab\tnl\nnul\x00del\x7f", '"tab\\tnl\\nnul\\x00del\\x7f"'),
        ("\"'", '"\\"\'"'),  # as many of each quote: double quotes, as black prefers
    ],
)
def test_string_literals_follow_one_fixed_unicode_rule(text: str, literal: str) -> None:
    assert py_literal(text) == literal
    assert eval(literal) == text


def test_names_drop_characters_newer_than_the_pinned_unicode() -> None:
    assert pascal_case("reaction_sent\U0003134d地") == "ReactionSent地"
    assert pascal_case("Adresse_Übersicht") == "AdresseÜbersicht"
    assert not is_pinned("\U0003134d")
    assert is_pinned("地")
    assert "Unicode" in (
        class_name_problem("Events\U0001e4d0") or ""
    )  # Nag Mundari (15.0): a letter on 3.12+


PYTHON_313 = sorted(Path("/root/.pyenv/versions").glob("3.13*/bin/python3.13"))


@pytest.mark.slow
@pytest.mark.skipif(not PYTHON_313, reason="no Python 3.13 under /root/.pyenv/versions")
def test_python_3_11_and_3_13_generate_the_same_bytes(tmp_path: Path) -> None:
    venv = tmp_path / "venv313"
    subprocess.run([str(PYTHON_313[-1]), "-m", "venv", str(venv)], check=True)
    install = run(venv / "bin" / "pip", "install", "-q", "-e", f"{ROOT}[generator]")
    assert install.returncode == 0, install.stderr
    topics = tmp_path / "topics.yaml"
    text = (EXAMPLE / "topics.yaml").read_text(encoding="utf-8")
    # Characters whose printability and identifier status differ between Unicode 14 and 15.
    text = text.replace("An invoice was paid in full.", "An invoice was paid in full 🫠 \U0003134d.")
    topics.write_text(text, encoding="utf-8")
    outputs = []
    for python in (BIN / "python", venv / "bin" / "python"):
        env = {**os.environ, "BC_EVENTS_CACHE_DIR": str(tmp_path / f"cache-{python.parent.parent.name}")}
        result = run(python, "-m", "bc_events.generator", topics, env=env)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert "\\U0001fae0" in outputs[0]
    assert outputs[0] == outputs[1]


@pytest.mark.slow
def test_mypy_at_the_declared_floor_accepts_the_readme_flags_on_the_example(tmp_path: Path) -> None:
    import tomllib

    dev = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    (floor,) = [requirement for requirement in dev["dev"] if requirement.startswith("mypy")]
    version = floor.split(">=")[1].split(",")[0].split()[0]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = run(venv / "bin" / "pip", "install", "-q", f"mypy=={version}.*", "types-PyYAML", "-e", ROOT)
    assert install.returncode == 0, install.stderr
    result = run(
        venv / "bin" / "mypy",
        "--strict",
        "--enable-error-code",
        "deprecated",
        "events_gen.py",
        "app.py",
        cwd=EXAMPLE,
    )
    assert result.returncode == 0, result.stdout + result.stderr
