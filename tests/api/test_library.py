"""The protocol package as a library: what it imports, and the README's example."""

from __future__ import annotations

import ast
import asyncio
from decimal import Decimal
from pathlib import Path
import re
import shutil
import subprocess
import sys

import pytest

from panel_simulator import Panel
from tests.const import API_KEY, PANEL_CURRENCY

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "custom_components" / "smmpanel" / "api"
# What the package may import besides the standard library and its own modules.
THIRD_PARTY = frozenset({"aiohttp", "yarl"})
# The simulator's defaults, which the README's example uses.
EXAMPLE_URL = "http://127.0.0.1:8321/api/v2"
EXAMPLE_KEY = '"demo-key"'
# Imports the copied package and each of its modules with Home Assistant and the
# integration out of reach, then every name of its __all__.
IMPORT_ALONE = """
import importlib
import importlib.abc
import pkgutil
import sys


class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"homeassistant", "custom_components"}:
            raise ImportError(f"{name} is out of reach")


sys.meta_path.insert(0, Blocked())
sys.path.insert(0, sys.argv[1])
import smmpanel_api

for module in pkgutil.iter_modules(smmpanel_api.__path__, "smmpanel_api."):
    importlib.import_module(module.name)
from smmpanel_api import *

print(smmpanel_api.classify_error("Invalid API key"))
print(*sorted(name for name in sys.modules if name.startswith("smmpanel_api.")))
"""


def test_imports_only_the_standard_library_aiohttp_yarl_and_itself() -> None:
    """Each module imports its siblings relatively, and nothing from Home Assistant."""
    problems: list[str] = []
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level > 1:
                    problems.append(f"{path.name}: imports from outside the package")
                names = [] if node.level else [node.module or ""]
            else:
                continue
            problems.extend(
                f"{path.name}: imports {name}"
                for name in names
                if (top := name.partition(".")[0]) not in sys.stdlib_module_names
                and top not in THIRD_PARTY
            )
    assert problems == []


def test_package_copied_alone_imports_without_home_assistant(tmp_path: Path) -> None:
    """A copy of the folder under another name imports with Home Assistant blocked."""
    shutil.copytree(
        PACKAGE,
        tmp_path / "smmpanel_api",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-I", "-c", IMPORT_ALONE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    reason, modules = result.stdout.splitlines()
    assert reason == "invalid_key"
    assert modules.split() == [
        f"smmpanel_api.{path.stem}"
        for path in sorted(PACKAGE.glob("*.py"))
        if path.stem != "__init__"
    ]


@pytest.mark.usefixtures("socket_enabled")
async def test_readme_example_runs(
    panel: Panel, panel_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's example prints the simulated panel's balance and catalogue."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Using the protocol client alone", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    example = match.group(1)
    assert EXAMPLE_URL in example
    assert EXAMPLE_KEY in example
    code = compile(
        example.replace(EXAMPLE_URL, panel_url).replace(EXAMPLE_KEY, repr(API_KEY)),
        "README.md",
        "exec",
    )
    # In a thread of its own: the example runs its own event loop.
    await asyncio.to_thread(exec, code, {"__name__": "__main__"})
    balance, *services = capsys.readouterr().out.splitlines()
    amount, currency = balance.removeprefix("Balance: ").split()
    assert (Decimal(amount), currency) == (panel.balance, PANEL_CURRENCY)
    assert services == [
        f"{service.service_id}: {service.name}, {service.rate} per 1000"
        for service in panel.services.values()
    ]
