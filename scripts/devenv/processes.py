"""Home Assistant and the panel simulator as child processes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from http import HTTPStatus
from pathlib import Path
import signal
import subprocess
import sys
import time
from types import TracebackType
from typing import Self
from urllib.error import URLError
from urllib.request import urlopen

from panel_simulator import RunningSimulator

from . import DevenvError
from .configuration import HOST, REPO_ROOT
from .environment import HomeAssistantEnvironment

STOP_TIMEOUT = 60.0  # seconds; Home Assistant takes a few to shut down
# The first start of Home Assistant installs its frontend and other requirements.
HOMEASSISTANT_STARTUP_TIMEOUT = 600.0
SIMULATOR_STARTUP_TIMEOUT = 30.0
POLL_INTERVAL = 0.25
LOG_TAIL_LINES = 40


class ManagedProcess(AbstractContextManager["ManagedProcess"]):
    """A child process in a session of its own, writing its output to a fresh log file.

    Its own session keeps Ctrl-C, which the terminal sends to the whole foreground
    process group, away from it: whoever started it stops it, in order.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str | Path],
        *,
        log_file: Path,
        cwd: Path,
        environment: Mapping[str, str] | None = None,
    ) -> None:
        """Describe the process; entering the context starts it, leaving stops it."""
        self.name = name
        self.command = command
        self.log_file = log_file
        self.cwd = cwd
        self.environment = environment
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        """Start the process."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own commands
                self.command,
                cwd=self.cwd,
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Ask the process to stop (SIGTERM); kill it if it takes too long."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        except KeyboardInterrupt:
            # A second Ctrl-C: do not wait any longer, but leave nothing behind.
            process.kill()
            process.wait()
            raise

    def wait_until(
        self, ready: Callable[[], bool], *, timeout: float, what: str
    ) -> None:
        """Wait until ready() is true; fail with the log's tail if the process ends."""
        deadline = time.monotonic() + timeout
        while not ready():
            self.check_running()
            if time.monotonic() > deadline:
                raise self._failure(f"was not {what} after {timeout:.0f} s")
            time.sleep(POLL_INTERVAL)

    def check_running(self) -> None:
        """Fail with the log's tail if the process has ended."""
        if self._process is not None and (code := self._process.poll()) is not None:
            raise self._failure(f"exited with code {code}")

    def _failure(self, what_happened: str) -> DevenvError:
        lines = self.log_file.read_text(errors="replace").splitlines()
        tail = "\n".join(lines[-LOG_TAIL_LINES:])
        return DevenvError(
            f"{self.name} {what_happened}; the end of {self.log_file}:\n{tail}"
        )


def answers(url: str) -> bool:
    """Return whether a GET of the URL succeeds."""
    try:
        with urlopen(url, timeout=5) as response:  # noqa: S310 - http on loopback
            return bool(response.status == HTTPStatus.OK)
    except URLError, ConnectionError, TimeoutError:
        return False


@contextmanager
def start_simulator(
    *, port: int, api_key: str, log_file: Path, module: str = "panel_simulator"
) -> Iterator[ManagedProcess]:
    """Run the panel simulator of this working tree on HOST:port while in the block.

    `module` is the one to run with `python -m`: one taking the simulator's command
    line, such as the end-to-end tests' simulator with an extra service.
    """
    with ManagedProcess(
        "The panel simulator",
        [
            sys.executable,
            "-m",
            module,
            "--host",
            HOST,
            "--port",
            str(port),
            "--key",
            api_key,
        ],
        log_file=log_file,
        cwd=REPO_ROOT,
    ) as process:
        process.wait_until(
            lambda: answers(
                f"{RunningSimulator(HOST, port).base_url}/_simulator/state"
            ),
            timeout=SIMULATOR_STARTUP_TIMEOUT,
            what="listening",
        )
        yield process


@contextmanager
def start_homeassistant(
    environment: HomeAssistantEnvironment, *, config_dir: Path, url: str, log_file: Path
) -> Iterator[ManagedProcess]:
    """Run Home Assistant from config_dir while in the block; wait for it to serve url."""
    with ManagedProcess(
        "Home Assistant",
        [environment.hass, "--config", config_dir, "--log-no-color"],
        log_file=log_file,
        cwd=config_dir,
        environment=environment.process_environment(),
    ) as process:
        process.wait_until(
            lambda: answers(f"{url}/manifest.json"),
            timeout=HOMEASSISTANT_STARTUP_TIMEOUT,
            what="serving its frontend",
        )
        yield process
