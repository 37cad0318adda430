"""The answer page (api/static) in a real browser (Debian's Chromium via Playwright) against a
real `medcite serve` over a copy of the starter-corpus index.

Each step leaves a screenshot in the test's tmp_path, and also in $MEDCITE_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from medcite.engine import Engine
from medcite.eval.seed import SEED_QUESTION

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Browser, BrowserContext, Page, expect  # noqa: E402

KEY = "test-key"
WAIT_MS = 60_000  # the longest any single wait may take
STARTUP_S = 60  # the server loads its models before /ready says 200
OFF_TOPIC = "What is the boiling point of tungsten?"

# Records, while an answer streams in, whether the progress text and each `sentence` event were
# rendered (MutationObserver records survive the final answer replacing them in the same task).
WATCH_STREAM = """() => {
  const answer = document.getElementById('answer');
  const seen = window.__medciteSeen = {searching: false, streamed: 0};
  new MutationObserver((records) => {
    for (const r of records) {
      for (const node of r.addedNodes) {
        if ((node.textContent || '').includes('Searching the guidelines')) seen.searching = true;
        if (node.nodeName === 'LI' && r.target.classList && r.target.classList.contains('live-sentences')) seen.streamed++;
      }
    }
  }).observe(answer, {childList: true, subtree: true});
}"""

ZORBICAL_TITLE = "Zorbical Fever Management Guideline"
ZORBICAL_MD = f"""# {ZORBICAL_TITLE}

## First-line treatment

Adults with confirmed zorbical fever should receive oral quendramycin 250 mg twice daily for 5 days as first-line treatment.
Quendramycin is the first-line treatment of zorbical fever because it shortens the fever by two days.
Patients with zorbical fever who cannot swallow tablets may receive quendramycin oral suspension at the same dose.

## Monitoring

Recheck the temperature of patients with zorbical fever after 48 hours of quendramycin.
"""

# a title with markup: the page must show it as text, never run it
GLIMMERPOX_TITLE = "Glimmerpox Vaccination Guideline <img src=x onerror=window.__xss=1>"
GLIMMERPOX_MD = """# Glimmerpox Vaccination Guideline

## Vaccination

Adults exposed to glimmerpox should receive one dose of the trivalent glimmerpox vaccine within 72 hours.
Children exposed to glimmerpox should receive half the adult dose of the glimmerpox vaccine.
"""


# --- the server -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _log_tail(log: Path, chars: int = 4000) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


def _is_ready(base: str) -> bool:
    """GET /ready is 200; on a server without /ready (404), GET /health is 200."""
    ready = httpx.get(f"{base}/ready", timeout=2)
    if ready.status_code == 404:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    return ready.status_code == 200


@pytest.fixture(scope="module")
def server(starter_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`medcite serve` over a copy of the starter index (uploads and deletes must not touch the
    shared fixture), with one write key."""
    work = tmp_path_factory.mktemp("page-server")
    index = work / "index"
    shutil.copytree(starter_engine.index.root, index)
    log = work / "server.log"
    port = _free_port()
    env = {
        **os.environ,
        "MEDCITE_INDEX": str(index),
        "MEDCITE_API_KEYS": KEY,
        "MEDCITE_READ_REQUIRES_KEY": "false",
    }
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "medcite.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_S
    try:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited ({proc.returncode}):\n{_log_tail(log)}")
            try:
                if _is_ready(base):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server not ready within {STARTUP_S} s:\n{_log_tail(log)}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --- the browser ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            timeout=WAIT_MS,
        )
        yield b
        b.close()


def _open(browser: Browser, server: str, **context_args: Any) -> tuple[BrowserContext, Page, list[str]]:
    """A fresh context (its own sessionStorage) and page; the list collects uncaught page errors."""
    context = browser.new_context(base_url=server, **context_args)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context, p, errors = _open(browser, server, viewport={"width": 1280, "height": 900})
    yield p
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


class Shots:
    """page screenshots, numbered in step order, into tmp_path (and $MEDCITE_SCREENSHOTS)."""

    def __init__(self, folder: Path, test_name: str) -> None:
        self.folder = folder
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.count = 0
        keep = os.environ.get("MEDCITE_SCREENSHOTS")
        self.keep = Path(keep) if keep else None

    def __call__(self, page: Page, step: str) -> Path:
        self.count += 1
        name = f"{self.test_name}-{self.count:02d}-{step}.png"
        path = self.folder / name
        page.screenshot(path=str(path), full_page=True)
        if self.keep is not None:
            self.keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.keep / name)
        return path


@pytest.fixture
def shot(tmp_path: Path, request: pytest.FixtureRequest) -> Shots:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return Shots(folder, request.node.name)


# --- helpers --------------------------------------------------------------------------------
def _load(page: Page, path: str) -> None:
    """Open a route of the page and wait until app.js has run (it marks <html data-app=ready>)."""
    page.goto(path)
    expect(
        page.locator("html"), f"app.js did not run on {path} (is /static/app.js served?)"
    ).to_have_attribute("data-app", "ready", timeout=10_000)


def _ask(page: Page, question: str) -> None:
    """Type the question and press Ask; the page must call POST /ask as an event stream."""
    page.fill("#question", question)
    with page.expect_response(lambda r: r.url.endswith("/ask") and r.request.method == "POST") as info:
        page.click("#ask")
    response = info.value
    assert response.request.post_data_json == {"question": question, "stream": True}
    assert response.status == 200, response.text()
    assert response.headers.get("content-type", "").startswith("text/event-stream")


def _wait_answer(page: Page) -> None:
    """Until the final answer (or an abstention, or an error box) is on the page."""
    page.wait_for_selector("#answer .answer-body, #answer .error", timeout=WAIT_MS)
    errors = page.locator("#answer .error")
    assert errors.count() == 0, errors.first.inner_text()


def _upload_via_api(server: str, name: str, text: str, title: str, **fields: str) -> list[str]:
    r = httpx.post(
        f"{server}/documents",
        headers={"Authorization": f"Bearer {KEY}"},
        files={"file": (name, text.encode(), "text/markdown")},
        data={"title": title, **fields},
        timeout=30,
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = httpx.get(f"{server}/jobs/{job_id}", timeout=10).json()
        if job["state"] in ("succeeded", "failed"):
            assert job["state"] == "succeeded", job
            return list(job["doc_ids"])
        time.sleep(0.5)
    raise AssertionError(f"upload job {job_id} did not finish within 60 s")


def _no_horizontal_scroll(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide in a {width} px viewport"


# --- tests ----------------------------------------------------------------------------------
def test_page_and_assets_are_served(server: str) -> None:
    page = httpx.get(f"{server}/", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for asset, kind in (("/static/app.js", "javascript"), ("/static/app.css", "text/css")):
        r = httpx.get(f"{server}{asset}", timeout=10)
        assert r.status_code == 200, f"GET {asset}: {r.status_code} {r.text[:200]}"
        assert kind in r.headers["content-type"], (asset, r.headers["content-type"])
        assert asset in page.text


def test_seed_question_with_citation_panel(page: Page, shot: Shots, server: str) -> None:
    _load(page, "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header nav a")).to_have_count(3)
    expect(page.get_by_label("Your clinical question")).to_be_visible()
    shot(page, "empty")

    page.evaluate(WATCH_STREAM)
    _ask(page, SEED_QUESTION)
    _wait_answer(page)
    seen = page.evaluate("window.__medciteSeen")
    assert seen["searching"], "'Searching the guidelines…' was never shown"
    n_sentences = page.locator("#answer .sentence").count()
    assert n_sentences >= 1 and seen["streamed"] == n_sentences, (seen, n_sentences)
    bottom = page.locator("#bottom-line")
    expect(bottom).to_be_visible()
    expect(bottom).to_contain_text("Bottom line")
    bottom_text = bottom.inner_text()
    assert "methadone" in bottom_text.lower(), bottom_text
    assert "[object" not in page.locator("#answer").inner_text()
    refs = page.locator("#references > li")
    assert refs.count() >= 1
    expect(page.locator("#answer .disclaimer")).not_to_be_empty()
    shot(page, "answer")

    cite = bottom.locator("button.cite").first
    label = cite.get_attribute("aria-label") or ""
    match = re.fullmatch(r"Reference (\d+): (.+)", label)
    assert match, label
    n, title = int(match.group(1)), match.group(2)
    expect(refs.nth(n - 1)).to_contain_text(title)
    cite.click()

    panel = page.locator("#passage")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "dialog")
    expect(page.locator("#passage-title")).to_contain_text(title)
    assert panel.evaluate("(el) => el.contains(document.activeElement)"), "focus did not move into the panel"
    passage = page.locator("#passage-text").inner_text()
    mark = page.locator("#passage-text mark").first
    expect(mark).to_be_visible()
    quote = mark.inner_text()
    assert quote.strip() and quote in passage
    href = page.locator("#passage-source").get_attribute("href") or ""
    assert href.startswith("/documents/") and (href.endswith("/source") or "#page=" in href), href
    source = httpx.get(server + href.split("#")[0], timeout=10)
    assert source.status_code == 200 and source.content, (href, source.status_code)
    shot(page, "passage")

    page.get_by_role("button", name="Close").click()
    expect(panel).to_be_hidden()
    expect(cite).to_be_focused()


def test_upload_then_ask_about_it(page: Page, shot: Shots, tmp_path: Path) -> None:
    guideline = tmp_path / "zorbical-fever.md"
    guideline.write_text(ZORBICAL_MD, encoding="utf-8")

    _load(page, "/#/upload")
    form = page.locator("#upload-form")
    expect(form).to_be_visible()
    page.get_by_label("API key").fill(KEY)
    page.set_input_files("#upload-file", str(guideline))
    page.get_by_label("Title").fill(ZORBICAL_TITLE)
    page.get_by_label("Developer").fill("Made-up Society of Tropical Medicine")
    page.get_by_label("Document id").fill("zorbical-fever")
    shot(page, "form")
    page.click("#upload-submit")

    state = page.locator("#job-state")
    expect(state).to_be_visible()
    expect(page.locator("#upload-job progress")).to_be_visible()
    expect(state).to_have_text(re.compile("succeeded|failed"))
    result = page.locator("#job-result").inner_text()
    expect(state).to_have_text("succeeded")
    assert "zorbical-fever" in result, result
    shot(page, "indexed")

    page.locator("#job-result a", has_text="Ask").click()
    expect(page.locator("#question")).to_be_visible()
    expect(page.locator("#question")).not_to_have_value("")
    _ask(page, "What is the first-line treatment for zorbical fever?")
    _wait_answer(page)
    expect(page.locator(".abstention")).to_have_count(0)
    expect(page.locator("#references")).to_contain_text(ZORBICAL_TITLE)
    expect(page.locator("#answer")).to_contain_text("quendramycin")
    expect(page.locator(f"button.cite[aria-label*='{ZORBICAL_TITLE}']").first).to_be_visible()
    shot(page, "answer")


def test_documents_list_and_delete(page: Page, shot: Shots, server: str) -> None:
    doc_ids = _upload_via_api(server, "glimmerpox.md", GLIMMERPOX_MD, GLIMMERPOX_TITLE)
    assert doc_ids

    _load(page, "/#/documents")
    table = page.locator("#documents-table")
    row = table.locator("tbody tr", has_text=GLIMMERPOX_TITLE)
    expect(row).to_have_count(1)
    for starter in ("opioid-prescribing", "neuropathic-pain", "hypertension"):
        expect(table.locator("tbody tr", has_text=starter)).to_have_count(1)
    listing = httpx.get(f"{server}/documents?offset=0&limit=50").json()
    expect(page.locator("#documents-range")).to_contain_text(f"of {listing['total']}")
    superseded = [d for d in listing["documents"] if d.get("superseded_by")]
    expect(table.locator(".badge-superseded")).to_have_count(len(superseded))
    expect(row).to_contain_text("<img src=x")  # shown as text
    expect(table.locator("img")).to_have_count(0)
    assert page.evaluate("window.__xss") is None
    shot(page, "listed")

    # without a key: refused, and the page says why
    page.get_by_label("API key").fill("")
    row.get_by_role("button", name=re.compile("^Delete")).click()
    row.get_by_role("button", name=re.compile("^Confirm")).click()
    alert = page.locator("#documents-status [role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("HTTP 401")
    expect(alert).to_contain_text(re.compile("API key", re.IGNORECASE))
    expect(row).to_have_count(1)
    shot(page, "refused")

    # with the key: the job runs, the list refreshes without it
    page.get_by_label("API key").fill(KEY)
    assert page.evaluate("sessionStorage.getItem('medcite.apiKey')") == KEY
    row.get_by_role("button", name=re.compile("^Delete")).click()
    row.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.locator("#documents-status")).to_contain_text(f"Deleted {GLIMMERPOX_TITLE}")
    expect(table.locator("tbody tr", has_text=GLIMMERPOX_TITLE)).to_have_count(0)
    expect(table.locator("tbody tr", has_text="opioid-prescribing")).to_have_count(1)
    listed = httpx.get(f"{server}/documents?offset=0&limit=50").json()["documents"]
    assert not {d["doc_id"] for d in listed} & set(doc_ids)
    shot(page, "deleted")


def test_off_topic_question_abstains_calmly(page: Page, shot: Shots) -> None:
    _load(page, "/")
    _ask(page, OFF_TOPIC)
    _wait_answer(page)
    notice = page.locator("#answer .abstention")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "status")
    assert len(notice.inner_text().strip()) > len("No supported answer")
    expect(page.locator("#answer [role=alert]")).to_have_count(0)
    expect(page.locator("#answer button.cite")).to_have_count(0)
    shot(page, "abstained")


def test_phone_width(browser: Browser, server: str, shot: Shots) -> None:
    width = 375
    context, page, errors = _open(browser, server, viewport={"width": width, "height": 800}, is_mobile=True)
    try:
        _load(page, "/")
        _no_horizontal_scroll(page, width)
        _ask(page, SEED_QUESTION)
        _wait_answer(page)
        expect(page.locator("#bottom-line")).to_be_visible()
        _no_horizontal_scroll(page, width)
        shot(page, "answer")

        page.locator("button.cite").first.click()
        panel = page.locator("#passage")
        expect(panel).to_be_visible()
        box = panel.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
        assert box["width"] >= width - 1, f"the panel is not a full-width overlay: {box}"
        expect(page.locator("#passage-text")).to_be_visible()
        close = page.get_by_role("button", name="Close")
        expect(close).to_be_in_viewport()
        _no_horizontal_scroll(page, width)
        shot(page, "passage")
        close.click()
        expect(panel).to_be_hidden()

        _load(page, "/#/documents")
        expect(page.locator("#documents-table tbody tr").first).to_be_visible()
        _no_horizontal_scroll(page, width)
        shot(page, "documents")
        _load(page, "/#/upload")
        expect(page.locator("#upload-form")).to_be_visible()
        _no_horizontal_scroll(page, width)
        shot(page, "upload")
        assert errors == [], f"uncaught errors in the page: {errors}"
    finally:
        context.close()


def _tab_until(page: Page, condition: str, limit: int) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(condition):
            return
    raise AssertionError(f"{limit} presses of Tab did not reach: {condition}")


def test_keyboard_only(page: Page, shot: Shots) -> None:
    _load(page, "/")
    _tab_until(page, "document.activeElement.id === 'question'", 10)
    page.keyboard.type("What is a fourth-line option for treatment-resistant peripheral neuropathic pain?")
    with page.expect_response(lambda r: r.url.endswith("/ask")):
        page.keyboard.press("Control+Enter")
    _wait_answer(page)
    expect(page.locator("#bottom-line")).to_be_visible()
    shot(page, "answer")

    _tab_until(page, "document.activeElement.classList.contains('cite')", 60)
    cite_label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert cite_label and cite_label.startswith("Reference ")
    page.keyboard.press("Enter")
    panel = page.locator("#passage")
    expect(panel).to_be_visible()
    assert panel.evaluate("(el) => el.contains(document.activeElement)"), "focus did not move into the panel"
    shot(page, "passage")

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == cite_label
    shot(page, "closed")


QUIXIL_OLD_MD = """# Quixil Syndrome Guideline 2019

## Treatment

Adults with quixil syndrome should take plorvastine 10 mg once daily as the first-line treatment for quixil syndrome.
A loading dose of plorvastine 40 mg on the first day is advised for adults with severe quixil syndrome.
"""
QUIXIL_NEW_MD = """# Quixil Syndrome Guideline 2024

## Treatment

Adults with quixil syndrome should take plorvastine 20 mg once daily as the first-line treatment for quixil syndrome.
"""


def test_superseded_guideline_is_flagged(page: Page, shot: Shots, server: str, tmp_path: Path) -> None:
    """An upload that replaces an older version: the older one carries a Superseded badge in the
    documents table, and wherever an answer cites it (reference list and passage panel)."""
    _upload_via_api(
        server,
        "quixil-2019.md",
        QUIXIL_OLD_MD,
        "Quixil Syndrome Guideline 2019",
        doc_id="quixil-2019",
        released="2019-05-01",
    )
    newer = tmp_path / "quixil-2024.md"
    newer.write_text(QUIXIL_NEW_MD, encoding="utf-8")

    _load(page, "/#/upload")
    page.get_by_label("API key").fill(KEY)
    page.set_input_files("#upload-file", str(newer))
    page.get_by_label("Document id").fill("quixil-2024")
    page.get_by_label("Title").fill("Quixil Syndrome Guideline 2024")
    page.get_by_label("Released").fill("2024-03-01")
    page.get_by_label("Replaces").fill("quixil-2019")
    page.click("#upload-submit")
    expect(page.locator("#job-state")).to_have_text(re.compile("succeeded|failed"))
    expect(page.locator("#job-state")).to_have_text("succeeded")

    _load(page, "/#/documents")
    old_row = page.locator("#documents-table tbody tr", has_text="quixil-2019")
    expect(old_row.locator(".badge-superseded")).to_have_text("Superseded")
    expect(old_row).to_contain_text("quixil-2024")
    new_row = page.locator("#documents-table tbody tr", has_text="Quixil Syndrome Guideline 2024")
    expect(new_row.locator(".badge-superseded")).to_have_count(0)
    shot(page, "documents")

    _load(page, "/")
    _ask(page, "Is a loading dose of plorvastine advised for severe quixil syndrome?")
    _wait_answer(page)
    references = page.locator("#references > li")
    # only the 2019 version has the loading dose: the answer cites it, flagged, with a warning
    cited_old = references.filter(has_text="Quixil Syndrome Guideline 2019")
    expect(cited_old).to_have_count(1)
    expect(cited_old.locator(".badge-superseded")).to_have_text("Superseded")
    expect(
        references.filter(has_text="Quixil Syndrome Guideline 2024").locator(".badge-superseded")
    ).to_have_count(0)
    expect(page.locator("#answer .warning")).to_contain_text("superseded")
    shot(page, "answer")
    n = int(cited_old.get_attribute("value") or "0")
    page.locator(f"button.cite[data-n='{n}']").first.click()
    expect(page.locator("#passage .badge-superseded")).to_be_visible()
    shot(page, "passage")


def test_http_error_shows_the_detail(page: Page, shot: Shots) -> None:
    """A question over the server's limit: the 422's detail in an alert box, not an answer."""
    _load(page, "/")
    page.evaluate("document.getElementById('question').value = 'Is it safe? '.repeat(250)")
    with page.expect_response(lambda r: r.url.endswith("/ask")) as info:
        page.click("#ask")
    assert info.value.status == 422
    detail = info.value.json()["detail"]
    alert = page.locator("#answer [role=alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("HTTP 422")
    if isinstance(detail, str):
        expect(alert).to_contain_text(detail[:60])
    expect(page.locator("#answer .abstention")).to_have_count(0)
    expect(page.locator("#ask")).to_be_enabled()
    shot(page, "error")
