"""Browser test of the built website: `make test-site`.

Serves _build/html on loopback, opens every page in headless Chromium (driven by
Playwright, using the system's /usr/bin/chromium) and fails on

- console errors and uncaught page errors,
- requests that fail or return an HTTP error, and any request that leaves this
  machine (the site must work offline, MathJax included),
- images that do not load, or that lack alt text,
- internal links to pages or files that do not exist.

It then opens every chapter's slide deck from _build/slides/ (`make slides`) and
fails on the same errors or a deck without slides. It saves screenshots of the home
page, two chapters and the first deck to _build/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SLIDES = ROOT / "_build" / "slides"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SKIP = {"genindex.html", "search.html"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)  # a page closed mid-transfer is not an error


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def pages(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts and p.name not in SKIP)


def check_page(page, url: str, base: str, site: Path = HTML, require_alt: bool = True) -> list[str]:
    """Load one page and return its problems."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))

    def on_response(response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    def on_request(request) -> None:
        if not request.url.startswith(base) and not request.url.startswith(("data:", "blob:", "about:")):
            problems.append(f"request leaves this machine: {request.url}")

    page.on("response", on_response)
    page.on("request", on_request)
    page.goto(url, wait_until="networkidle")
    images = page.eval_on_selector_all(
        "article img, main img",
        "els => els.map(e => [e.getAttribute('src'), e.complete && e.naturalWidth > 0, e.getAttribute('alt') || ''])")
    for src, loaded, alt in images:
        if not loaded:
            problems.append(f"image did not load: {src}")
        if require_alt and (not alt.strip() or alt.strip().endswith((".png", ".svg", ".jpg"))):
            problems.append(f"image without alt text: {src}")
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
        target, _ = urldefrag(href)
        if not target.startswith(base):
            continue
        path = site / urlparse(target).path[1:]
        if path.is_dir():
            path = path / "index.html"
        if not path.exists():
            problems.append(f"broken internal link: {href}")
    return problems


def check_decks() -> tuple[dict[str, list[str]], int]:
    """Open every chapter's deck; each must exist, show slides and load without errors."""
    from playwright.sync_api import sync_playwright

    failures: dict[str, list[str]] = {}
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    server, base = serve(SLIDES) if SLIDES.exists() else (None, "")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for index, notebook in enumerate(notebooks):
                name = f"{notebook.stem}.slides.html"
                if not (SLIDES / name).exists():
                    failures[f"slides/{name}"] = ["deck missing: run `make slides`"]
                    continue
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                problems = check_page(page, urljoin(base, name), base, site=SLIDES, require_alt=False)
                try:  # reveal.js marks the deck "ready" once it has laid out the slides
                    page.wait_for_selector(".reveal.ready", timeout=15000)
                except Exception:  # noqa: BLE001 - reported as a problem below
                    problems.append("reveal.js did not start")
                count = page.evaluate("document.querySelectorAll('.reveal .slides section:not(.stack)').length")
                if count < 5:
                    problems.append(f"deck has only {count} slides")
                if index == 0:
                    page.screenshot(path=str(SHOTS / f"slides_{notebook.stem}.png"))
                page.close()
                if problems:
                    failures[f"slides/{name}"] = sorted(set(problems))
                print(f"{'FAIL' if problems else 'ok  '}  slides/{name} ({count} slides)")
            browser.close()
    finally:
        if server:
            server.shutdown()
    return failures, len(notebooks)


def main() -> int:
    if not (HTML / "index.html").exists():
        print("error: _build/html/index.html is missing; run `make book` first", file=sys.stderr)
        return 1
    if not Path(CHROMIUM).exists():
        print(f"error: Chromium not found at {CHROMIUM}; install Debian's chromium package "
              "(make test-site does it) or set CHROMIUM", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    server, base = serve(HTML)
    SHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, list[str]] = {}
    chapters = [p for p in pages(HTML) if p.parent.name == "notebooks"]
    shots = {"home": HTML / "book" / "intro.html", **{p.stem: p for p in chapters[:1] + chapters[-1:]}}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for path in pages(HTML):
                relative = path.relative_to(HTML).as_posix()
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                problems = check_page(page, urljoin(base, relative), base)
                if path in shots.values():
                    name = next(k for k, v in shots.items() if v == path)
                    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)
                page.close()
                if problems:
                    failures[relative] = sorted(set(problems))
                print(f"{'FAIL' if problems else 'ok  '}  {relative}")
            browser.close()
    finally:
        server.shutdown()
    deck_failures, decks = check_decks()
    failures.update(deck_failures)
    for relative, problems in failures.items():
        print(f"\n{relative}:")
        for problem in problems[:20]:
            print(f"  - {problem}")
    checked = len(pages(HTML)) + decks
    print(f"\nscreenshots: {', '.join(sorted(str(p.relative_to(ROOT)) for p in SHOTS.glob('*.png')))}")
    print(f"{len(pages(HTML))} pages of the website and {decks} slide decks loaded in Chromium")
    print(f"site: {checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
