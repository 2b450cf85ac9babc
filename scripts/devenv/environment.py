"""Home Assistant's own virtual environment, cached outside the repository.

It is made by uv from the interpreter running this code (that of .venv, which
scripts/setup found or assembled), so that Home Assistant's pins never meet those of
the test harness.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
import fcntl
import hashlib
import logging
import os
from pathlib import Path
import subprocess
import sys
import sysconfig

from uv import find_uv_bin

from . import DevenvError

HOMEASSISTANT_VERSION = "2026.11.0"
REQUIREMENTS = (
    f"homeassistant=={HOMEASSISTANT_VERSION}",
    # Home Assistant installs these two at run time (assist pipeline), and without
    # them its UI cannot list actions; they have no Python 3.14 wheel, so they are
    # built here, against the interpreter's C headers.
    "pymicro-vad==1.0.1",
    "pyspeex-noise==1.0.2",
)
SETUP = Path(__file__).parents[1] / "setup"
CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smmpanel-dev"
)

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


def ensure_environment() -> HomeAssistantEnvironment:
    """Return Home Assistant's environment, creating it on the first call."""
    environment = HomeAssistantEnvironment(
        CACHE_DIR / f"homeassistant-{HOMEASSISTANT_VERSION}"
    )
    stamp_file = environment.path / ".requirements.sha256"
    stamp = hashlib.sha256(
        "\n".join([sys.version, sys.base_prefix, *REQUIREMENTS]).encode()
    ).hexdigest()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with _locked(CACHE_DIR / "homeassistant.lock"):
        if stamp_file.is_file() and stamp_file.read_text().strip() == stamp:
            return environment
        _LOGGER.info(
            "Installing Home Assistant %s into %s (once; about a minute)",
            HOMEASSISTANT_VERSION,
            environment.path,
        )
        uv = find_uv_bin()
        _run(
            uv,
            "venv",
            "--quiet",
            "--clear",
            "--python",
            sys.executable,
            environment.path,
        )
        _run(
            uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            environment.python,
            *REQUIREMENTS,
            environment=_build_environment(),
        )
        stamp_file.write_text(f"{stamp}\n")
    return environment


def _build_environment() -> dict[str, str]:
    """Return the environment for building C extensions against this interpreter.

    scripts/setup adds the C headers to an interpreter it assembled. Debian's layout keeps pyconfig.h under <prefix>/usr/include/<multiarch>/, which a
    compiler finds by itself only when the prefix is /usr: add the parent folder of the
    headers to the include path.
    """
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
