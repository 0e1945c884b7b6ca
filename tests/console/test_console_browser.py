"""The console in a real browser (headless Chromium): sign in, build/preview/save a segment,
a merged profile found by its anonymous id, a saved query and its CSV, the models page, and
a key without the `segments` scope kept from saving. The tests run in file order and share
one server and one browser."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from selenium.common.exceptions import (
    ElementNotInteractableException,
    StaleElementReferenceException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.conftest import ADMIN_KEY
from tests.console.conftest import ConsoleServer, clear_downloads
from tests.console.storefront import ANONYMOUS_ID, SHOPPERS

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]
WAIT_S = 40  # generous: CI machines and shared ones can be slow; passing runs never wait it out


def wait(browser: WebDriver, condition, timeout: float = WAIT_S):
    # htmx replaces parts of the page: an element found a moment ago may be gone, so look again
    return WebDriverWait(browser, timeout, poll_frequency=0.05, ignored_exceptions=(
        StaleElementReferenceException, ElementNotInteractableException)).until(condition)


def htmx_idle(browser: WebDriver) -> None:
    """Waits until no htmx request, swap or settle is under way."""
    wait(browser, lambda b: b.execute_script(
        "return !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"))


def text_of(browser: WebDriver, element_id: str) -> str:
    return wait(browser, ec.visibility_of_element_located((By.ID, element_id))).text


def sign_in(browser: WebDriver, server: ConsoleServer, key: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{server.base_url}/console")
    wait(browser, ec.url_contains("/console/signin"))
    field = wait(browser, ec.element_to_be_clickable((By.ID, "api_key")))
    field.send_keys(key)
    browser.find_element(By.ID, "signin").click()
    wait(browser, lambda b: "/console/signin" not in b.current_url)


def editor_holds(browser: WebDriver, *fragments: str) -> None:
    wait(browser, lambda b: all(f in (b.find_element(By.ID, "editor").get_attribute("value")
                                      or "") for f in fragments))


def type_into(browser: WebDriver, element_id: str, value: str) -> None:
    """Types a value and leaves the field (the change that makes htmx rebuild the form)."""
    def attempt(b: WebDriver) -> bool:
        field = b.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(value, Keys.TAB)
        return True

    htmx_idle(browser)
    wait(browser, attempt)
    htmx_idle(browser)


def test_sign_in_shows_the_overview(browser, console_server, keys, screenshot) -> None:
    sign_in(browser, console_server, keys["marketer"])
    assert browser.current_url.endswith("/console")
    assert text_of(browser, "profile-count") == "6"
    nav = browser.find_element(By.CSS_SELECTOR, "nav[aria-label='Console pages']").text
    assert {"Overview", "Profiles", "Segments", "Analyst", "Models"} <= set(nav.split("\n"))
    cookie = browser.get_cookie("pg_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert keys["marketer"] not in str(browser.get_cookies()) + browser.page_source
    assert "lightgcn" in browser.find_element(By.ID, "live").text
    screenshot("overview")


def test_build_preview_save_and_list_a_segment(browser, console_server, screenshot) -> None:
    browser.get(f"{console_server.base_url}/console/segments")
    type_into(browser, "seg-id", "pro-buyers")
    type_into(browser, "seg-name", "Pro plan buyers")
    type_into(browser, "c0_property", "trait_plan")
    type_into(browser, "c0_value", "pro")
    editor_holds(browser, '"trait_plan"', '"pro"', '"pro-buyers"')
    browser.find_element(By.ID, "add-condition").click()
    htmx_idle(browser)
    Select(wait(browser, ec.element_to_be_clickable((By.ID, "c1_type")))).select_by_value("event")
    htmx_idle(browser)
    type_into(browser, "c1_event_type", "order_completed")
    type_into(browser, "c1_within_days", "30")
    editor_holds(browser, '"order_completed"', '"within_days": 30', '"type": "and"')
    assert "Valid against the published JSON Schema" in text_of(browser, "issues")

    type_into(browser, "preview-shopper", ANONYMOUS_ID)
    browser.find_element(By.ID, "preview-button").click()
    # pro plan: shoppers 1, 3, 5; ordered in the last 30 days: shoppers 1-4
    wait(browser, ec.text_to_be_present_in_element((By.ID, "preview-count"), "2"))
    explanation = text_of(browser, "explanation")
    assert "/condition/conditions/0" in explanation and "true" in explanation
    screenshot("segment-builder")

    browser.find_element(By.ID, "save-button").click()
    assert "version 1: 2 members" in text_of(browser, "saved")
    browser.get(f"{console_server.base_url}/console/segments")
    row = wait(browser, ec.visibility_of_element_located(
        (By.XPATH, "//table[@id='segment-list']//tr[td/a[text()='pro-buyers']]")))
    assert "Pro plan buyers" in row.text and " 2 " in f" {row.text} "
    screenshot("segments")
    row.find_element(By.LINK_TEXT, "pro-buyers").click()
    assert text_of(browser, "segment-size") == "2"
    screenshot("segment-detail")


def test_a_broken_definition_is_shown_with_its_pointer(browser, console_server) -> None:
    browser.get(f"{console_server.base_url}/console/segments")
    editor = wait(browser, ec.element_to_be_clickable((By.ID, "editor")))
    editor.clear()
    editor.send_keys('{"id": "x", "name": "x", "condition": {"type": "event", '
                     '"event_type": "order_completed", "within_days": 0}}')
    wait(browser, ec.text_to_be_present_in_element((By.ID, "issues"),
                                                   "/condition/within_days"))


def test_profile_found_by_anonymous_id_is_the_merged_one(browser, console_server,
                                                        screenshot) -> None:
    browser.get(f"{console_server.base_url}/console/profiles")
    type_into(browser, "profile-id", ANONYMOUS_ID)
    browser.find_element(By.ID, "find-profile").click()
    assert text_of(browser, "profile-user-id") == "shopper-1"
    assert ANONYMOUS_ID in text_of(browser, "resolved-from")
    assert f"anon:{ANONYMOUS_ID}" in text_of(browser, "merges")
    assert ANONYMOUS_ID in text_of(browser, "identities")
    assert "Pro plan buyers" in text_of(browser, "profile-segments")
    timeline = text_of(browser, "timeline")
    assert "product_viewed" in timeline and "order_completed" in timeline
    assert browser.find_elements(By.CSS_SELECTOR, "svg.graph rect")  # neighbourhood items
    screenshot("profile")


def test_saved_query_runs_and_downloads_csv(browser, console_server, downloads: Path,
                                            screenshot) -> None:
    clear_downloads(downloads)
    browser.get(f"{console_server.base_url}/console/analyst")
    assert "read-only" in text_of(browser, "read-only-policy").lower()
    browser.find_element(By.ID, "run-saved-consent_coverage").click()
    table = text_of(browser, "result-table")
    assert "purpose" in table and "personalization" in table
    screenshot("analyst")
    browser.find_element(By.ID, "download-csv").click()
    target = downloads / "consent_coverage.csv"
    deadline = time.monotonic() + WAIT_S
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = target.read_text().splitlines()
    assert lines[0].startswith("purpose") and len(lines) == 4  # header + three purposes


def test_a_write_query_is_refused_plainly(browser, console_server) -> None:
    browser.get(f"{console_server.base_url}/console/analyst")
    query = wait(browser, ec.element_to_be_clickable((By.ID, "query")))
    query.clear()
    query.send_keys("MATCH (u:User) SET u.hacked = true RETURN u")
    browser.find_element(By.ID, "run-query").click()
    assert "read-only" in text_of(browser, "query-error")


def test_models_page_and_admin_promotion(browser, console_server, keys, screenshot) -> None:
    browser.get(f"{console_server.base_url}/console/models")
    runs = text_of(browser, "runs")
    assert "20261102T120000Z-run1" in runs and "promoted" in runs and "0.2700" in runs
    assert "need the admin scope" in browser.page_source
    assert not browser.find_elements(By.ID, "rollback")
    screenshot("models")
    sign_in(browser, console_server, keys["admin"])
    browser.get(f"{console_server.base_url}/console/models")
    browser.find_element(By.ID, "rollback").click()
    assert "Rolled back to 20261101T120000Z-run0" in text_of(browser, "models-notice")
    assert browser.current_url == f"{console_server.base_url}/console/models"


def test_key_without_segments_scope_cannot_save(browser, console_server, keys) -> None:
    sign_in(browser, console_server, keys["reader"])
    nav = browser.find_element(By.CSS_SELECTOR, "nav[aria-label='Console pages']").text
    assert "Segments" not in nav and "Profiles" in nav
    browser.get(f"{console_server.base_url}/console/segments")
    assert "lacks the 'segments' scope" in browser.page_source
    # the server refuses the write itself, not only the menu: post the builder with this
    # session's own CSRF token
    status = browser.execute_script("""
        const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
        const body = new URLSearchParams({editor_format: 'json', editor: JSON.stringify(
            {id: 'sneaky', name: 'Sneaky', condition: {type: 'consent', purpose: 'marketing'}})});
        return fetch('/console/segments/save', {method: 'POST', body: body,
            headers: {'X-CSRF-Token': token}}).then(r => r.status);""")
    assert status == 403
    r = httpx.get(f"{console_server.base_url}/v1/segments/sneaky",
                  headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert r.status_code == 404


def test_create_an_experiment_with_the_form_and_find_it_listed(browser, console_server,
                                                               keys, screenshot) -> None:
    sign_in(browser, console_server, keys["marketer"])
    browser.find_element(By.LINK_TEXT, "Experiments").click()
    wait(browser, ec.url_contains("/console/experiments"))
    for element_id, value in (("exp-id", "homepage-recs"), ("exp-name", "Homepage recs"),
                              ("v0_weight", "0.3"), ("v1_weight", "0.7")):
        field = wait(browser, ec.element_to_be_clickable((By.ID, element_id)))
        field.clear()
        field.send_keys(value)
    Select(browser.find_element(By.ID, "exp-primary-metric")).select_by_value("conversion")
    browser.find_element(By.ID, "create-button").click()
    assert "Saved experiment homepage-recs (version 1, draft)" in text_of(
        browser, "experiments-notice")
    row = wait(browser, ec.visibility_of_element_located(
        (By.XPATH, "//table[@id='experiment-list']//tr[td/a[text()='homepage-recs']]")))
    assert "Homepage recs" in row.text and "draft" in row.text
    assert "control 0.3, gnn 0.7" in row.text and "conversion" in row.text
    screenshot("experiments")
    row.find_element(By.LINK_TEXT, "homepage-recs").click()
    browser.find_element(By.ID, "start-experiment").click()
    assert "Started." in text_of(browser, "experiment-notice")
    results_url = f"{console_server.base_url}/console/experiments/homepage-recs"
    assert browser.current_url == results_url  # redirected: the page's address, not the action's
    assert text_of(browser, "experiment-status") == "running"
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.intervals")) == 4
    # shoppers served through the API while it runs, two of them clicking what they saw
    clicked = serve_and_click(console_server, SHOPPERS, clicks=2)
    browser.refresh()  # a GET of the page, not a second start: that answered with a redirect
    assert not browser.find_elements(By.ID, "experiment-notice")  # the notice shows once
    deadline = time.monotonic() + WAIT_S
    while exposures_on_page(browser) != len(SHOPPERS) and time.monotonic() < deadline:
        time.sleep(0.5)  # exposures are written in the background, every half second
        browser.refresh()
    assert exposures_on_page(browser) == len(SHOPPERS)
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.intervals circle")) >= 2
    assert text_of(browser, "experiment-status") == "running" and clicked == 2
    screenshot("experiment-results")


def serve_and_click(server: ConsoleServer, shoppers: list[str], clicks: int) -> int:
    """Recommendations served to each shopper through the API; the first `clicks` of them
    click the first item, the event carrying the recommendation's id. Returns the clicks."""
    done = 0
    with httpx.Client(base_url=server.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as http:
        for user in shoppers:
            r = http.get(f"/v1/users/{user}/recommendations", params={"limit": 4})
            assert r.status_code == 200, r.text
            served = r.json()
            if done < clicks and served["items"]:
                r = http.post("/v1/track", json={
                    "messageId": str(uuid.uuid4()), "userId": user, "event": "Product Clicked",
                    "properties": {"product_id": served["items"][0]["item_id"],
                                   "recommendation_id": served["recommendation_id"]}})
                assert r.status_code == 200, r.text
                done += 1
    return done


def exposures_on_page(browser: WebDriver) -> int:
    cells = browser.find_elements(By.CSS_SELECTOR, "td.exposures")
    return sum(int(c.text) for c in cells if c.text.isdigit())
