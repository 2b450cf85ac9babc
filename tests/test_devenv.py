"""The development environment of scripts/develop and the end-to-end tests.

Without a real Home Assistant: the environments built here hold a tiny wheel, and
scripts/develop runs with a stand-in for `hass` that only serves its frontend's
manifest, while the panel simulator is the real one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import zipfile

import aiohttp
import pytest

from scripts.devenv import DevenvError
from scripts.devenv.__main__ import _demo_banner
from scripts.devenv.configuration import HOST, prepare_config_dir
from scripts.devenv.environment import (
    UNFINISHED_PREFIX,
    HomeAssistantEnvironment,
    ensure_environment,
    environment_path,
)
from scripts.devenv.options import DevelopOptions, parse_args

REPO_ROOT = Path(__file__).parents[1]
STARTUP_TIMEOUT = 60.0  # seconds; two cores shared with other test runs
STOP_TIMEOUT = 30.0
# What one checkout runs to get its environment: the requirements are its arguments.
ENSURE_ENVIRONMENT = """\
import logging, sys
from scripts.devenv.environment import ensure_environment
logging.basicConfig(format="%(message)s", level=logging.INFO)
print(ensure_environment(sys.argv[1:]).path)
"""
# Stands in for Home Assistant: serves its frontend's manifest on the port of the HTTP
# settings in the configuration folder, as `hass --config DIR` would, until stopped.
FAKE_HASS = """\
import http.server, json, pathlib, sys

config = pathlib.Path(sys.argv[sys.argv.index("--config") + 1])
settings = json.loads((config / ".storage" / "http").read_text())["data"]["stable"]


class Manifest(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/manifest.json" else 404)
        self.end_headers()


address = (settings["server_host"][0], settings["server_port"])
http.server.HTTPServer(address, Manifest).serve_forever()
"""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Run no Home Assistant in this process: these tests drive processes."""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Use an empty cache, in this process and in the processes it starts."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return tmp_path / "xdg-cache" / "smmpanel-dev"


def _checkout(directory: Path, *parts: str) -> Path:
    """Copy parts of this repository into a folder: another checkout of them."""
    for part in parts:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(
                source, directory / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            (directory / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, directory / part)
    return directory


def _wheel(directory: Path, version: str) -> str:
    """Write a wheel of `tiny`, with a `tiny` command; return its requirement."""
    dist_info = f"tiny-{version}.dist-info"
    files = {
        "tiny.py": f"def main():\n    print({version!r})\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: tiny\nVersion: {version}\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": "[console_scripts]\ntiny = tiny:main\n",
    }
    record = [
        f"{name},sha256="
        f"{base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},"
        f"{len(text.encode())}"
        for name, text in files.items()
    ]
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,", ""])
    wheel = directory / f"tiny-{version}-py3-none-any.whl"
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return f"tiny @ {wheel.as_uri()}"


def _tiny(environment: Path) -> str:
    """Run the environment's `tiny` command; return what it prints."""
    return subprocess.run(  # noqa: S603 - this interpreter, this repository's code
        [environment / "bin" / "tiny"], check=True, capture_output=True, text=True
    ).stdout.strip()


def _ensure_environment_in(checkout: Path, *requirements: str) -> subprocess.Popen[str]:
    """Start ensure_environment in a process of its own, from a checkout."""
    return subprocess.Popen(  # noqa: S603 - this interpreter, this repository's code
        [sys.executable, "-c", ENSURE_ENVIRONMENT, *requirements],
        cwd=checkout,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _environments(cache: Path) -> list[str]:
    return sorted(path.name for path in cache.iterdir() if path.is_dir())


def test_checkouts_share_an_environment(tmp_path: Path, cache: Path) -> None:
    """Two checkouts needing the same environment build it once and share it.

    Neither rebuilds it later, nor touches what it holds by then (as Home Assistant's
    run-time installs). Built elsewhere and renamed into place, its commands still run.
    """
    tiny = _wheel(tmp_path / "wheels", "1.0")
    checkouts = [
        _checkout(tmp_path / name, "scripts/devenv") for name in ("first", "second")
    ]
    processes = [_ensure_environment_in(checkout, tiny) for checkout in checkouts]
    outputs = [process.communicate(timeout=STARTUP_TIMEOUT) for process in processes]

    assert [process.returncode for process in processes] == [0, 0]
    paths = {stdout.strip() for stdout, _ in outputs}
    assert len(paths) == 1
    environment = Path(paths.pop())
    assert _environments(cache) == [environment.name]
    assert sum(stderr.count("Installing Home Assistant") for _, stderr in outputs) == 1
    assert _tiny(environment) == "1.0"

    installed_at_run_time = environment / "installed-at-run-time"
    installed_at_run_time.touch()
    again = _ensure_environment_in(checkouts[1], tiny)
    stdout, stderr = again.communicate(timeout=STARTUP_TIMEOUT)
    assert (again.returncode, stdout.strip(), stderr) == (0, str(environment), "")
    assert installed_at_run_time.exists()


def test_an_environment_in_use_is_never_replaced(tmp_path: Path, cache: Path) -> None:
    """A checkout needing another environment gets its own; the first one stays."""
    first = _checkout(tmp_path / "first", "scripts/devenv")
    second = _checkout(tmp_path / "second", "scripts/devenv")
    building = _ensure_environment_in(first, _wheel(tmp_path / "1.0", "1.0"))
    stdout, _ = building.communicate(timeout=STARTUP_TIMEOUT)
    first_environment = Path(stdout.strip())

    building = _ensure_environment_in(second, _wheel(tmp_path / "2.0", "2.0"))
    stdout, _ = building.communicate(timeout=STARTUP_TIMEOUT)
    second_environment = Path(stdout.strip())

    assert building.returncode == 0
    assert second_environment != first_environment
    assert _environments(cache) == sorted(
        [first_environment.name, second_environment.name]
    )
    assert (_tiny(first_environment), _tiny(second_environment)) == ("1.0", "2.0")


def test_a_failed_build_leaves_nothing_behind(tmp_path: Path, cache: Path) -> None:
    """A build that fails, or dies, leaves no environment that looks complete."""
    missing = f"tiny @ {(tmp_path / 'tiny-1.0-py3-none-any.whl').as_uri()}"
    with pytest.raises(DevenvError, match="uv pip failed"):
        ensure_environment([missing])
    assert _environments(cache) == []
    assert not environment_path([missing]).exists()

    # A build killed on the way leaves its folder; the next build clears it away.
    died = cache / f"{UNFINISHED_PREFIX}{environment_path([missing]).name}-x1y2"
    died.mkdir()
    environment = ensure_environment([_wheel(tmp_path / "wheels", "1.0")])
    assert _environments(cache) == [environment.path.name]
    assert _tiny(environment.path) == "1.0"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], DevelopOptions(demo=False, port=8123, panel_port=8321)),
        (
            ["--demo", "--port", "8200", "--panel-port", "8400"],
            DevelopOptions(demo=True, port=8200, panel_port=8400),
        ),
    ],
)
def test_ports(argv: list[str], expected: DevelopOptions) -> None:
    """Home Assistant serves on 8123 and the simulator on 8321, unless told others."""
    assert parse_args(argv) == expected


@pytest.mark.parametrize(
    ("argv", "status", "answer"),
    [
        (["--help"], 0, "--panel-port PORT  the port the panel simulator serves on"),
        (["--port", "0"], 2, "argument --port: not a port number: '0'"),
        (["--panel-port", "http"], 2, "argument --panel-port: not a port number"),
        (["--port", "8200", "--panel-port", "8200"], 2, "must differ"),
    ],
)
def test_command_line_answered_before_the_setup(
    tmp_path: Path, argv: list[str], status: int, answer: str
) -> None:
    """--help, or a wrong option, is answered at once, even in a fresh checkout."""
    checkout = _checkout(tmp_path / "fresh", "scripts/develop", "scripts/devenv")
    setup_ran = tmp_path / "setup-ran"
    setup = checkout / "scripts" / "setup"
    setup.write_text(f'#!/bin/sh\ntouch "{setup_ran}"\nexit 1\n')
    setup.chmod(0o755)
    result = subprocess.run(  # noqa: S603 - this repository's script
        [checkout / "scripts" / "develop", *argv],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == status
    assert answer in result.stdout + result.stderr
    assert not setup_ran.exists()


def _fake_environment(path: Path) -> HomeAssistantEnvironment:
    """Make a folder that serves as Home Assistant's environment.

    Its interpreter is this one (whose Home Assistant writes the HTTP settings); its
    `hass` serves the frontend's manifest only.
    """
    (path / "bin").mkdir(parents=True)
    python = path / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    hass = path / "bin" / "hass"
    hass.write_text(f"#!{sys.executable}\n{FAKE_HASS}")
    for command in (python, hass):
        command.chmod(0o755)
    return HomeAssistantEnvironment(path)


def test_configuration_serves_on_the_port(tmp_path: Path) -> None:
    """Home Assistant's HTTP settings name the port, also when they exist already."""
    environment = _fake_environment(tmp_path / "environment")
    config_dir = tmp_path / "config"
    settings_file = config_dir / ".storage" / "http"

    assert (
        prepare_config_dir(config_dir, environment, port=8200) == f"http://{HOST}:8200"
    )
    settings = json.loads(settings_file.read_text())
    assert settings["key"] == "http"
    assert settings["data"]["stable"]["server_host"] == [HOST]
    assert settings["data"]["stable"]["server_port"] == 8200

    # Changed in Home Assistant's UI: kept, but for the port.
    settings["data"]["stable"]["use_x_forwarded_for"] = True
    settings_file.write_text(json.dumps(settings))
    assert (
        prepare_config_dir(config_dir, environment, port=8201) == f"http://{HOST}:8201"
    )
    settings = json.loads(settings_file.read_text())
    assert settings["data"]["stable"]["server_port"] == 8201
    assert settings["data"]["stable"]["use_x_forwarded_for"] is True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


async def _answers(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status == 200
    except aiohttp.ClientConnectionError:
        return False


async def _stop(process: asyncio.subprocess.Process, stop_signal: int) -> int | None:
    """Send the signal; return the exit status, or None if it did not stop on it.

    A process that did not is stopped with SIGTERM, which it then passes on.
    """
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(stop_signal)
    try:
        return await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
    except TimeoutError:
        process.terminate()
        await process.wait()
        return None


@pytest.mark.parametrize(
    "stop_signal", [signal.SIGINT, signal.SIGTERM], ids=lambda stop: stop.name
)
async def test_develop_stops_on_ctrl_c_wherever_started(
    tmp_path: Path, cache: Path, socket_enabled: None, stop_signal: signal.Signals
) -> None:
    """scripts/develop serves on the ports asked for, until Ctrl-C or SIGTERM.

    Started as nohup and a script's background job start it (SIGHUP and SIGINT
    ignored), it outlives a hang-up, stops on Ctrl-C all the same, and stops Home
    Assistant and the simulator.
    """
    _fake_environment(environment_path())
    checkout = _checkout(tmp_path / "checkout", "scripts/devenv", "panel_simulator")
    port, panel_port = _free_port(), _free_port()
    develop = await asyncio.create_subprocess_exec(
        "/bin/sh",
        "-c",
        'trap "" INT HUP; exec "$@"',
        "sh",
        sys.executable,
        "-m",
        "scripts.devenv",
        f"--port={port}",
        f"--panel-port={panel_port}",
        cwd=checkout,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert develop.stdout is not None and develop.stderr is not None
    homeassistant_url = f"http://{HOST}:{port}"
    simulator_url = f"http://{HOST}:{panel_port}"
    try:
        banner = await asyncio.wait_for(
            develop.stdout.readuntil(b"Press Ctrl-C to stop."), STARTUP_TIMEOUT
        )
        assert f"Open             {homeassistant_url}\n" in banner.decode()
        assert f"API URL          {simulator_url}/api/v2\n" in banner.decode()
        assert "API key          demo-key\n" in banner.decode()
        assert await _answers(f"{homeassistant_url}/manifest.json")
        assert await _answers(f"{simulator_url}/_simulator/state")

        develop.send_signal(signal.SIGHUP)
        await asyncio.sleep(1)
        assert develop.returncode is None
    finally:
        status = await _stop(develop, stop_signal)
    assert status == 0
    assert b"develop: Stopped" in await develop.stderr.read()
    assert not await _answers(f"{homeassistant_url}/manifest.json")
    assert not await _answers(f"{simulator_url}/_simulator/state")


def test_demo_banner_names_the_simulator() -> None:
    """The --demo banner gives the simulator's API URL and (demo, not secret) key too."""
    banner = _demo_banner(
        "http://127.0.0.1:8200",
        "http://127.0.0.1:8200/config/devices/device/0123",
        "http://127.0.0.1:8400/api/v2",
    )
    assert "API URL          http://127.0.0.1:8400/api/v2" in banner
    assert "API key          demo-key" in banner


def test_setup_refuses_a_python_it_cannot_use(tmp_path: Path) -> None:
    """SMMPANEL_PYTHON naming no usable Python stops the setup, saying so."""
    checkout = _checkout(tmp_path / "checkout", "scripts/setup")
    result = subprocess.run(  # noqa: S603 - this repository's script
        [checkout / "scripts" / "setup"],
        capture_output=True,
        text=True,
        timeout=30,
        env={
            **os.environ,
            "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
            "SMMPANEL_PYTHON": str(tmp_path / "no-python"),
        },
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"setup: error: SMMPANEL_PYTHON={tmp_path / 'no-python'} "
        "is not a Python >= 3.14.2\n"
    )
    assert not (checkout / ".venv").exists()
