"""Home Assistant's own virtual environment, cached outside the repository.

It is made by uv from the interpreter running this code (that of .venv, which
scripts/setup found or assembled), so that Home Assistant's pins never meet those of
the test harness.

Checkouts share it: its folder is named by a hash of what it holds (the interpreter
and the requirements), built under another name and renamed into place when complete.
So a folder with that name is always complete, checkouts needing the same one use it
as it is, and one needing another (another interpreter, another pin) gets a folder of
its own: none is ever deleted or rebuilt while another checkout may run from it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
import fcntl
import hashlib
import logging
import os
from pathlib import Path
import shutil
import subprocess
import sys
import sysconfig
import tempfile

from uv import find_uv_bin

from . import DevenvError

HOMEASSISTANT_VERSION = "2026.11.0"
# Home Assistant installs these two at run time (assist pipeline), and without them its
# UI cannot list actions; they have no Python 3.14 wheel, so they are built here,
# against the interpreter's C headers.
BUILT_FROM_SOURCE = ("pymicro-vad==1.0.1", "pyspeex-noise==1.0.2")
REQUIREMENTS = (f"homeassistant=={HOMEASSISTANT_VERSION}", *BUILT_FROM_SOURCE)
SETUP = Path(__file__).parents[1] / "setup"
# A build holds this lock: one checkout builds, the others wait and then use its work.
LOCK_FILE = "homeassistant.lock"
# The name of a folder being built, or left behind by a build that died, starts so.
UNFINISHED_PREFIX = ".building-"

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HomeAssistantEnvironment:
    """A virtual environment with Home Assistant installed."""

    path: Path

    @property
    def hass(self) -> Path:
        """Return the `hass` command."""
        return self.path / "bin" / "hass"

    @property
    def python(self) -> Path:
        """Return the environment's interpreter."""
        return self.path / "bin" / "python"

    def process_environment(self) -> dict[str, str]:
        """Return the environment variables to run `hass` with.

        Home Assistant installs requirements at run time with `uv pip install`, which
        picks its target from VIRTUAL_ENV (or a .venv in the working folder): point it
        here, never at the developer's .venv.
        """
        environment = {
            name: value
            for name, value in os.environ.items()
            if name not in {"PYTHONPATH", "PYTHONHOME", "UV_PYTHON", "UV_SYSTEM_PYTHON"}
        }
        environment["VIRTUAL_ENV"] = str(self.path)
        environment["PATH"] = os.pathsep.join(
            [str(self.path / "bin"), environment.get("PATH", os.defpath)]
        )
        return environment


def cache_dir() -> Path:
    """Return the cache the environments live in (shared with scripts/setup)."""
    return (
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "smmpanel-dev"
    )


def environment_path(requirements: Sequence[str] = REQUIREMENTS) -> Path:
    """Return the folder of the environment this interpreter makes of requirements."""
    content = hashlib.sha256(
        "\n".join([sys.version, sys.base_prefix, *requirements]).encode()
    ).hexdigest()
    return cache_dir() / f"homeassistant-{HOMEASSISTANT_VERSION}-{content[:16]}"


def ensure_environment(
    requirements: Sequence[str] = REQUIREMENTS,
) -> HomeAssistantEnvironment:
    """Return the environment with the requirements installed, building it once."""
    environment = HomeAssistantEnvironment(environment_path(requirements))
    if environment.path.is_dir():
        return environment
    cache = environment.path.parent
    cache.mkdir(parents=True, exist_ok=True)
    with _locked(cache / LOCK_FILE):
        # Another checkout may have built it while this one waited.
        if not environment.path.is_dir():
            _remove_unfinished_builds(cache)
            _build(environment.path, requirements)
    return environment


def _build(path: Path, requirements: Sequence[str]) -> None:
    """Build an environment beside path, then rename it to path in one step."""
    _LOGGER.info(
        "Installing Home Assistant %s into %s (once; about a minute)",
        HOMEASSISTANT_VERSION,
        path,
    )
    staging = Path(
        tempfile.mkdtemp(prefix=f"{UNFINISHED_PREFIX}{path.name}-", dir=path.parent)
    )
    try:
        uv = find_uv_bin()
        # Relocatable: its commands (hass) find their interpreter next to them, so
        # they run from the final folder.
        _run(
            uv,
            "venv",
            "--quiet",
            "--clear",
            "--relocatable",
            "--python",
            sys.executable,
            staging,
        )
        if requirements:
            _run(
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                staging / "bin" / "python",
                *requirements,
                environment=_build_environment(requirements),
            )
        staging.rename(path)
    finally:
        # Left only when the build failed.
        shutil.rmtree(staging, ignore_errors=True)


def _remove_unfinished_builds(cache: Path) -> None:
    """Remove what builds that died left; only a holder of the lock may call this."""
    for unfinished in cache.glob(f"{UNFINISHED_PREFIX}*"):
        _LOGGER.info("Removing %s, left by a build that did not finish", unfinished)
        shutil.rmtree(unfinished, ignore_errors=True)


def _build_environment(requirements: Sequence[str]) -> dict[str, str] | None:
    """Return the environment for building C extensions against this interpreter.

    None when no requirement is built from source. scripts/setup adds the C headers to
    an interpreter it assembled. Debian's layout keeps pyconfig.h under
    <prefix>/usr/include/<multiarch>/, which a compiler finds by itself only when the
    prefix is /usr: add the parent folder of the headers to the include path.
    """
    if not set(requirements) & set(BUILT_FROM_SOURCE):
        return None
    include = Path(sysconfig.get_path("include"))
    if not (include / "Python.h").is_file():
        _run(SETUP, "--with-dev-headers")
    environment = dict(os.environ)
    for name in ("CFLAGS", "CXXFLAGS"):
        environment[name] = " ".join(
            filter(None, [environment.get(name), f"-I{include.parent}"])
        )
    return environment


def _run(*command: str | Path, environment: dict[str, str] | None = None) -> None:
    try:
        subprocess.run(command, check=True, env=environment)  # noqa: S603 - our own commands
    except subprocess.CalledProcessError as error:
        raise DevenvError(
            f"{Path(command[0]).name} {command[1]} failed (exit code {error.returncode})"
        ) from error


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on a file: one installer at a time per cache."""
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
