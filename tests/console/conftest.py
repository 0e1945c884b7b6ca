"""The console under test: the real app in a uvicorn server on 127.0.0.1 (a thread), over
the test Neo4j, driven by Debian's headless Chromium through Selenium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from neo4j import AsyncDriver
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from app.core.config import Settings
from app.core.paths import CACHE_DIR
from app.main import create_app
from tests.conftest import ADMIN_KEY, wipe_data
from tests.console.storefront import create_key, seed, write_model_runs

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PORT = int(os.environ.get("PROFILEGRAPH_CONSOLE_TEST_PORT",
                          os.environ.get("PROFILEGRAPH_API_PORT", "8060")))
SCREENSHOTS = Path(os.environ.get("PROFILEGRAPH_CONSOLE_SCREENSHOTS",
                                  CACHE_DIR / "console-screenshots"))


class ConsoleServer:
    def __init__(self, settings: Settings) -> None:
        self.base_url = f"http://127.0.0.1:{PORT}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=PORT,
                                log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="console-uvicorn",
                                        daemon=True)

    def __enter__(self) -> ConsoleServer:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", PORT)) == 0:
                raise RuntimeError(f"port {PORT} is taken; set PROFILEGRAPH_CONSOLE_TEST_PORT")
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the console test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


@pytest.fixture(scope="module")
async def console_graph(migrated: AsyncDriver, settings: Settings) -> AsyncDriver:
    await wipe_data(migrated, settings.neo4j_database)
    return migrated


@pytest.fixture(scope="module")
def console_server(console_graph: AsyncDriver, settings: Settings,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    artifacts = tmp_path_factory.mktemp("console-artifacts")
    write_model_runs(artifacts)
    # opt-out consent, as a storefront whose banner defaults to yes: events are stored
    served = settings.model_copy(update={"artifacts_dir": artifacts, "consent_default": "opt_out",
                                         "segment_sweep_interval_s": 0})
    with ConsoleServer(served) as server:
        seed(server.base_url, ADMIN_KEY)
        yield server


@pytest.fixture(scope="module")
def keys(console_server: ConsoleServer) -> dict[str, str]:
    base = console_server.base_url
    return {"marketer": create_key(base, ADMIN_KEY, "read", "segments", "analyst"),
            "reader": create_key(base, ADMIN_KEY, "read"), "admin": ADMIN_KEY}


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console-downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver; .ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def screenshot(browser: webdriver.Chrome):
    """Saves a full-height screenshot of the current page under SCREENSHOTS (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        height = browser.execute_script("return document.body.scrollHeight")
        browser.set_window_size(1400, min(max(int(height) + 40, 800), 4000))
        browser.execute_script("window.scrollTo(0, 0)")
        path = SCREENSHOTS / f"{name}.png"
        browser.save_screenshot(str(path))
        browser.set_window_size(1400, 1000)
        return path

    return take


def clear_downloads(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink() if path.is_file() else shutil.rmtree(path)
