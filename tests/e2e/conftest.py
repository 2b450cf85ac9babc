"""Fixtures of the end-to-end tests: Home Assistant, the simulator and a browser.

They run what scripts/develop runs: Home Assistant 2026.11.0 in its own cached
environment, from a configuration folder wired to this working tree, and the panel
simulator, each a process stopped at the end of the session; and Debian's Chromium,
driven by Playwright.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
import os
from pathlib import Path
import shutil
import socket
from typing import Any
from unittest.mock import patch

from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
import pytest
import pytest_socket

from custom_components.smmpanel.const import DOMAIN
from panel_simulator import RunningSimulator
from scripts.devenv.client import HomeAssistantClient, JsonClient, Owner
from scripts.devenv.configuration import HOST, prepare_config_dir
from scripts.devenv.environment import ensure_environment
from scripts.devenv.processes import start_homeassistant, start_simulator

from .harness import (
    ADMIN_GROUP,
    API_KEY,
    AUTOMATIONS_YAML,
    GERMAN_ADMIN,
    GERMAN_MEMBER,
    MEMBER,
    NON_ADMIN_GROUP,
    OWNER,
    HomeAssistant,
    SaveScreenshot,
    Simulator,
    add_user,
    set_profile_language,
)

CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
UI_TIMEOUT_MS = 60_000  # a first page load takes a while on two cores
SCREENSHOTS_DIR = Path(__file__).parents[2] / "docs" / "images"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None]:
    """Let these tests and their fixtures reach loopback servers.

    The harness blocks sockets before each test, before the fixtures are set up.
    """
    pytest_socket.enable_socket()
    with patch.object(pytest_socket, "disable_socket"):
        return (yield)


# No Home Assistant runs in this process, and Playwright's sync API runs an event loop
# of its own in this thread: the harness's fixtures that set up the other tests' Home
# Assistant and event loop, and check both afterwards, are replaced by no-ops here.
@pytest.fixture
def auto_enable_custom_integrations() -> None:
    """Load no custom integrations in this process."""


@pytest.fixture
def configure_event_loop() -> None:
    """Leave the event loop alone."""


@pytest.fixture
def enable_event_loop_debug() -> None:
    """Leave the event loop alone."""


@pytest.fixture
def verify_cleanup() -> None:
    """Check nothing: the fixtures stop the processes they start."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Simulator]:
    """Run the panel simulator, with a service named with markup, on a free port."""
    running = RunningSimulator(HOST, _free_port())
    with start_simulator(
        port=running.port,
        api_key=API_KEY,
        log_file=tmp_path_factory.mktemp("simulator") / "simulator.log",
        module="tests.e2e.simulator",
    ):
        yield Simulator(running, JsonClient(running.base_url))


@pytest.fixture(scope="session")
def homeassistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    """Run Home Assistant on a free port, onboarded, with a blueprint automation."""
    environment = ensure_environment()
    run_dir = tmp_path_factory.mktemp("homeassistant")
    config_dir = run_dir / "config"
    url = prepare_config_dir(
        config_dir, environment, port=_free_port(), automations_yaml=AUTOMATIONS_YAML
    )
    with start_homeassistant(
        environment, config_dir=config_dir, url=url, log_file=run_dir / "console.log"
    ) as process:
        client = HomeAssistantClient(url).onboard(OWNER)
        process.wait_until(
            lambda: client.core_state() == "RUNNING", timeout=120, what="running"
        )
        # As scripts/develop --demo does: no "country not configured" repair.
        client.update_core_config({"country": "US"})
        yield HomeAssistant(client, process, config_dir)


@pytest.fixture(scope="session")
def panel_entry(homeassistant: HomeAssistant, simulator: Simulator) -> dict[str, Any]:
    """Add the simulator's account through the config flow's REST API."""
    return homeassistant.client.add_config_entry(
        DOMAIN, {"url": simulator.running.url, "api_key": API_KEY}
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Launch headless Chromium; skip where the machine has none, except in CI."""
    executable = os.environ.get("SMMPANEL_CHROMIUM") or shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium in CI, where scripts/test installs Debian's")
        pytest.skip(
            "no browser: install Debian's chromium (apt-get install chromium) "
            "or set SMMPANEL_CHROMIUM to a Chromium executable"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


def _log_in(browser: Browser, url: str, user: Owner) -> Page:
    """Return a page of a new browser context, logged in through the login form."""
    expect.set_options(timeout=UI_TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(user.username)
    page.get_by_role("textbox", name="Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    # Back from the login page, the frontend trades the code in the URL for tokens.
    page.wait_for_url(lambda url: "/auth/" not in url and "auth_callback" not in url)
    return page


@pytest.fixture(scope="module")
def page(browser: Browser, homeassistant: HomeAssistant) -> Iterator[Page]:
    """Return a page logged in to Home Assistant as its owner, an administrator."""
    page = _log_in(browser, homeassistant.client.url, OWNER)
    yield page
    page.context.close()


@pytest.fixture
def own_clock_page(browser: Browser, homeassistant: HomeAssistant) -> Iterator[Page]:
    """Return a page logged in as the owner, in a browser context of its own: a test
    may move its clock (page.clock) and leave the other pages' alone."""
    page = _log_in(browser, homeassistant.client.url, OWNER)
    yield page
    page.context.close()


@pytest.fixture(scope="session")
def member(homeassistant: HomeAssistant) -> HomeAssistantClient:
    """Add a household member, not an administrator; return a client logged in as it."""
    add_user(homeassistant.client, MEMBER, NON_ADMIN_GROUP)
    return homeassistant.client.log_in(MEMBER)


@pytest.fixture(scope="module")
def member_page(
    browser: Browser, homeassistant: HomeAssistant, member: HomeAssistantClient
) -> Iterator[Page]:
    """Return a page logged in to Home Assistant as the household member."""
    page = _log_in(browser, homeassistant.client.url, MEMBER)
    yield page
    page.context.close()


def _add_german_user(homeassistant: HomeAssistant, user: Owner, group_id: str) -> Owner:
    """Add a user and set the language of its profile to German; return it."""
    add_user(homeassistant.client, user, group_id)
    set_profile_language(homeassistant.client.log_in(user), "de")
    return user


@pytest.fixture(scope="session")
def german_admin(homeassistant: HomeAssistant) -> Owner:
    """Add an administrator who speaks German (Home Assistant itself: English)."""
    return _add_german_user(homeassistant, GERMAN_ADMIN, ADMIN_GROUP)


@pytest.fixture(scope="session")
def german_member(homeassistant: HomeAssistant) -> Owner:
    """Add a household member, not an administrator, who speaks German."""
    return _add_german_user(homeassistant, GERMAN_MEMBER, NON_ADMIN_GROUP)


@pytest.fixture(scope="module")
def german_page(
    browser: Browser, homeassistant: HomeAssistant, german_admin: Owner
) -> Iterator[Page]:
    """Return a page logged in as the administrator who speaks German."""
    page = _log_in(browser, homeassistant.client.url, german_admin)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def german_member_page(
    browser: Browser, homeassistant: HomeAssistant, german_member: Owner
) -> Iterator[Page]:
    """Return a page logged in as the household member who speaks German."""
    page = _log_in(browser, homeassistant.client.url, german_member)
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def save_screenshot(page: Page) -> SaveScreenshot:
    """Return a function saving the page (or an element) as docs/images/<name>.png.

    It saves only when SMMPANEL_SAVE_SCREENSHOTS=1: the committed screenshots come
    from such a run. Module fixtures that drive the page may save one too.
    """

    def save(name: str, element: Locator | None = None) -> None:
        """Save the page, or only `element` on it."""
        if os.environ.get("SMMPANEL_SAVE_SCREENSHOTS") == "1":
            SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
            (element or page).screenshot(path=SCREENSHOTS_DIR / f"{name}.png")

    return save


@pytest.fixture(autouse=True)
def review_screenshots(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test, save every page still open, for a person to read.

    Only when SMMPANEL_REVIEW_SCREENSHOTS names a folder: a review of every screen
    the tests reach, in each language and size they use, without committing them.
    """
    yield
    folder = os.environ.get("SMMPANEL_REVIEW_SCREENSHOTS")
    if not folder or "browser" not in request.fixturenames:
        return
    browser: Browser = request.getfixturevalue("browser")
    Path(folder).mkdir(parents=True, exist_ok=True)
    pages = [page for context in browser.contexts for page in context.pages]
    for number, page in enumerate(pages):
        page.screenshot(
            path=Path(folder) / f"{request.node.name}-{number}.png", full_page=True
        )
