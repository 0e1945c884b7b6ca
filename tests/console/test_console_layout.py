"""What a marketer saw wrong in headless Chromium, checked in the browser: the builder's
preview following an edit and its step filters, timeline numbers past 9, analyst chart
labels that overlap, a double-spaced version diff, and a fresh Segments page with problems
and a sideways scroll at 1366 px. Tests run in file order and share one server and one
browser."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from tests.conftest import ADMIN_KEY
from tests.console.conftest import ConsoleServer
from tests.console.test_console_browser import (
    editor_holds,
    htmx_idle,
    sign_in,
    text_of,
    type_into,
    wait,
)

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]

TIMELINE_SHOPPER = "timeline-shopper"


def _send(server: ConsoleServer, *messages: dict) -> None:
    r = httpx.post(f"{server.base_url}/v1/batch", json={"batch": list(messages)},
                   headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=30)
    assert r.status_code == 200, r.text


def _viewed(user: str, days_ago: float, item: str = "i1") -> dict:
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user,
            "event": "Product Viewed", "properties": {"product_id": item},
            "timestamp": (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()}


def _retype(browser, element_id: str, value: str, *then: str) -> None:
    """Selects a field's text and types over it, as a person does (WebDriver's clear()
    would send a change of its own, and the form is rebuilt under the typing)."""
    htmx_idle(browser)
    field = wait(browser, ec.element_to_be_clickable((By.ID, element_id)))
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(value, *then)


def _no_sideways_scroll(browser) -> tuple[int, int]:
    return browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")


def test_a_fresh_segments_page_reports_nothing_and_fits_1366(browser, console_server, keys,
                                                             screenshot) -> None:
    sign_in(browser, console_server, keys["marketer"])
    browser.set_window_size(1366, 900)
    try:
        browser.get(f"{console_server.base_url}/console/segments")
        issues = text_of(browser, "issues")
        assert "problem" not in issues and "checked against the published JSON Schema" in issues
        wide, view = _no_sideways_scroll(browser)
        assert wide <= view, (wide, view)
        # a problem quoting a long pattern wraps instead of widening the page
        type_into(browser, "seg-id", "Not An Id")
        wait(browser, ec.text_to_be_present_in_element((By.ID, "issues"), "/id"))
        wide, view = _no_sideways_scroll(browser)
        assert wide <= view, (wide, view)
    finally:
        browser.set_window_size(1400, 1000)
    screenshot("segments-fresh")


def test_the_preview_follows_within_days(browser, console_server) -> None:
    _send(console_server, *[_viewed(f"recent-{n}", 2) for n in range(3)],
          *[_viewed(f"older-{n}", 20) for n in range(2)])
    browser.get(f"{console_server.base_url}/console/segments")
    type_into(browser, "seg-id", "viewers")
    type_into(browser, "seg-name", "Viewers")
    Select(wait(browser, ec.element_to_be_clickable((By.ID, "c0_type")))).select_by_value("event")
    htmx_idle(browser)
    type_into(browser, "c0_event_type", "product_viewed")
    type_into(browser, "c0_within_days", "30")
    editor_holds(browser, '"within_days": 30')
    browser.find_element(By.ID, "preview-button").click()
    # the storefront's six shoppers viewed within 10 days, and these five within 20
    wait(browser, ec.text_to_be_present_in_element((By.ID, "preview-count"), "11"))
    # changed and left: the preview shown is run again, for 15 days (the six and three)
    _retype(browser, "c0_within_days", "15", Keys.TAB)
    wait(browser, ec.text_to_be_present_in_element((By.ID, "preview-count"), "9"))
    editor_holds(browser, '"within_days": 15')
    # changed, then Preview clicked straight from the field: the new definition is counted
    _retype(browser, "c0_within_days", "30")
    browser.find_element(By.ID, "preview-button").click()
    wait(browser, ec.text_to_be_present_in_element((By.ID, "preview-count"), "11"))
    htmx_idle(browser)
    assert text_of(browser, "preview-count") == "11"
    editor_holds(browser, '"within_days": 30')
    # "Not saved" goes once the definition changes
    _retype(browser, "seg-id", "Not An Id", Keys.TAB)
    htmx_idle(browser)
    browser.find_element(By.ID, "save-button").click()
    assert "Not saved" in text_of(browser, "save-result")
    _retype(browser, "seg-id", "viewers", Keys.TAB)
    wait(browser, lambda b: "Not saved" not in b.find_element(By.ID, "save-result").text)


def test_a_sequence_step_takes_a_filter_in_the_form(browser, console_server) -> None:
    browser.get(f"{console_server.base_url}/console/segments")
    Select(wait(browser, ec.element_to_be_clickable((By.ID, "c0_type")))).select_by_value(
        "sequence")
    htmx_idle(browser)
    type_into(browser, "c0_first_event_type", "product_viewed")
    type_into(browser, "c0_first_filter_field", "category")
    type_into(browser, "c0_first_filter_value", "kitchen")
    type_into(browser, "c0_then_event_type", "order_completed")
    type_into(browser, "c0_within_days", "7")
    editor_holds(browser, '"field": "category"', '"value": "kitchen"', '"days": 7')
    # a second filter on a step is the editor's: the form says so, not "nests groups"
    editor = browser.find_element(By.ID, "editor")
    text = editor.get_attribute("value").replace(
        '"filters": [', '"filters": [{"field": "brand", "op": "eq", "value": "acme"}, ', 1)
    editor.clear()
    editor.send_keys(text)
    wait(browser, ec.text_to_be_present_in_element((By.ID, "form-note"),
                                                   "first step has 2 filters"))
    assert "nests" not in text_of(browser, "form-note")
    editor.send_keys("{")
    wait(browser, ec.text_to_be_present_in_element((By.ID, "form-note"), "not valid JSON"))


def test_timeline_numbers_past_nine_are_whole(browser, console_server, screenshot) -> None:
    _send(console_server, *[_viewed(TIMELINE_SHOPPER, 1 + n / 24, f"i{1 + n % 6}")
                            for n in range(25)])
    browser.get(f"{console_server.base_url}/console/profiles?id={TIMELINE_SHOPPER}")
    wait(browser, ec.element_to_be_clickable((By.CSS_SELECTOR, "#timeline li.more button"))
         ).click()
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#timeline > li")) == 25)
    # each marker ("10. ") must fit in the list's padding: the scrolling list clips the rest
    short = browser.execute_script("""
        const ol = document.getElementById('timeline');
        const inner = ol.getBoundingClientRect().left + ol.clientLeft;
        const out = [];
        const items = Array.from(ol.children);
        const probe = document.createElement('span');
        probe.style.whiteSpace = 'pre';
        document.body.appendChild(probe);
        items.forEach((li, n) => {
          const style = getComputedStyle(li, '::marker');
          probe.style.font = getComputedStyle(li).font;
          probe.style.fontVariantNumeric = style.fontVariantNumeric;
          for (const number of [n + 1, 100 * (n + 1)]) {  // and three-digit numbers to come
            probe.textContent = number + '. ';
            const room = li.getBoundingClientRect().left - inner;
            if (probe.getBoundingClientRect().width > room) out.push([number, room]);
          }
        });
        probe.remove();
        return out;""")
    assert short == []
    screenshot("profile-timeline")


def test_analyst_chart_labels_do_not_overlap(browser, console_server, screenshot) -> None:
    browser.get(f"{console_server.base_url}/console/analyst")
    query = wait(browser, ec.element_to_be_clickable((By.ID, "query")))
    query.clear()
    query.send_keys("UNWIND range(1, 40) AS n RETURN 'category-' + n AS label, n AS value")
    browser.find_element(By.ID, "run-query").click()
    wait(browser, ec.text_to_be_present_in_element((By.ID, "row-count"), "40"))
    # each label's box in the frame where (slanted) labels run level: no two overlap, and
    # every label lies inside the chart
    found = browser.execute_script("""
        const svg = document.querySelector('#result figure.chart svg');
        const frame = svg.getBoundingClientRect();
        const boxes = [], outside = [];
        for (const t of svg.querySelectorAll('text.axis-label')) {
          const b = t.getBBox();
          let dx = 0, dy = 0;
          const turn = t.getAttribute('transform');
          if (turn) {
            const [deg, cx, cy] = turn.match(/-?[0-9.]+/g).map(Number);
            const r = -deg * Math.PI / 180;  // undo the label's turn about the origin
            dx = cx * Math.cos(r) - cy * Math.sin(r) - cx;
            dy = cx * Math.sin(r) + cy * Math.cos(r) - cy;
          }
          boxes.push([b.x + dx, b.y + dy, b.x + dx + b.width, b.y + dy + b.height,
                      t.textContent]);
          const s = t.getBoundingClientRect();
          if (s.left < frame.left - 0.5 || s.right > frame.right + 0.5
              || s.bottom > frame.bottom + 0.5) outside.push(t.textContent);
        }
        const overlaps = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const [a, c] = [boxes[i], boxes[j]];
          if (a[0] < c[2] && c[0] < a[2] && a[1] < c[3] && c[1] < a[3])
            overlaps.push([a[4], c[4]]);
        }
        return {count: boxes.length, overlaps, outside};""")
    assert found["count"] >= 10, found
    assert found["overlaps"] == [] and found["outside"] == [], found
    screenshot("analyst-chart")


def test_version_diff_is_single_spaced(browser, console_server, screenshot) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for days in (30, 7):
        r = httpx.post(f"{console_server.base_url}/v1/segments", headers=headers, timeout=30,
                       json={"id": "diffed", "name": "Diffed", "condition": {
                           "type": "event", "event_type": "product_viewed",
                           "within_days": days}})
        assert r.status_code in (200, 201), r.text
    browser.get(f"{console_server.base_url}/console/segments/diffed")
    lines = browser.execute_script("""
        return Array.from(document.querySelectorAll('#version-diff span')).map(s => {
          const r = s.getBoundingClientRect(); return [r.top, r.height]; });""")
    assert len(lines) >= 5
    for (top, height), (next_top, _) in itertools.pairwise(lines):
        assert abs(next_top - (top + height)) < 1, lines  # no blank line between two
    text = browser.find_element(By.ID, "version-diff").text.splitlines()
    assert "" not in text and any(t.startswith("-") and "30" in t for t in text)
    screenshot("segment-diff")
