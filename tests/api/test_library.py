"""The protocol package as a library: what it imports."""

from __future__ import annotations

import ast
from pathlib import Path
import shutil
import subprocess
import sys

ROOT = Path(__file__).parents[2]
PACKAGE = ROOT / "custom_components" / "smmpanel" / "api"
# What the package may import besides the standard library and its own modules.
THIRD_PARTY = frozenset({"aiohttp", "yarl"})
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
