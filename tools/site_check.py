"""Browser test of the built website, its slide decks and JupyterLab: `make test-site`.

    python tools/site_check.py [--no-lab] [--no-pages] [--only PATTERN]

Serves _build/html on loopback and opens every page in headless Chromium (driven by
Playwright, using the system's /usr/bin/chromium). A page fails on

- console errors and uncaught page errors;
- requests that fail or return an HTTP error, and any request that leaves this machine
  (the site must work offline, MathJax included);
- images that do not load, or that lack alt text; internal links to missing pages or files;
- at 1280 px: display math wider than its box (clipped, or hidden behind a scroll bar), and
  code cells that scroll sideways;
- at 390 px: horizontal scroll of the whole page;
- on a chapter page: an ``assert`` in code the reader sees (asserts belong in check cells), a
  check cell that is not folded behind a toggle labelled "Check: …", a toggle that does not
  open, and missing links to the chapter's slides and exercise notebook.

It then opens every chapter's deck under _build/html/slides/ at 1280×720 and fails on the
same load errors, a deck with fewer than five slides, a slide whose content overflows the
slide (text, code, a figure or a formula), and raw MyST markup ({role}`…`, ```{directive})
anywhere in the deck. Finally it opens chapter 00 and its exercise notebook in JupyterLab
(tools/lab_check.py). Screenshots go to _build/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SLIDES = HTML / "slides"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SKIP = {"genindex.html", "search.html"}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}
SLIDE = {"width": 1280, "height": 720}
#: A MyST role or directive left as text: with its backticks, or rendered by Markdown (the
#: backticks become a code span, "{term}name" is left), or a directive's fence.
RAW_MYST = re.compile(r"\{[A-Za-z][\w:-]*\}`|(```+|:::+)\s*\{[\w:-]+\}|"
                      r"\{(term|cite|cite:[a-z]+|doc|ref|numref|eq|math|abbr|download|prf:[a-z]+)\}")


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
                  if not {"_static", "_sources", "slides"} & set(p.relative_to(directory).parts)
                  and p.name not in SKIP)


def watch(page, base: str) -> list[str]:
    """Collect the load problems of ``page`` (console, page errors, failed or outgoing requests)."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: None if r.url.startswith((base, "data:", "blob:", "about:"))
            else problems.append(f"request leaves this machine: {r.url}"))
    return problems


def check_links_and_images(page, base: str, site: Path, require_alt: bool = True) -> list[str]:
    problems = []
    images = page.eval_on_selector_all(
        "article img, main img",
        "els => els.map(e => [e.getAttribute('src'), e.complete && e.naturalWidth > 0, e.getAttribute('alt') || ''])")
    for src, loaded, alt in images:
        if not loaded:
            problems.append(f"image did not load: {(src or '')[:80]}")
        if require_alt and (not alt.strip() or alt.strip().endswith((".png", ".svg", ".jpg"))):
            problems.append(f"image without alt text: {(src or '')[:80]}")
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


MATHJAX_DONE = "() => window.MathJax && MathJax.startup && MathJax.startup.promise ? MathJax.startup.promise.then(() => true) : true"

#: Display equations wider than their box, and code cells that scroll sideways (desktop).
LAYOUT = """() => {
  const out = {clipped: [], scrolling: 0, code: 0};
  for (const math of document.querySelectorAll('article mjx-container[display="true"]')) {
    const box = math.closest('div.math') || math;
    const inner = math.querySelector('mjx-math') || math;
    const width = inner.getBoundingClientRect().width;
    const container = box === math ? (math.parentElement || math) : box;
    if (width > container.clientWidth + 1 || width > math.clientWidth + 1) {
      out.clipped.push((math.getAttribute('aria-label') || box.textContent || '').slice(0, 60).trim()
                       + ` (${Math.round(width)} px in ${container.clientWidth} px)`);
    }
  }
  const seen = new Set();
  for (const pre of document.querySelectorAll('article .cell_input pre')) {
    out.code += 1;
    if (pre.scrollWidth > pre.clientWidth + 1) out.scrolling += 1;
  }
  out.clipped = [...new Set(out.clipped)];
  return out;
}"""

#: Check cells folded behind a labelled toggle; asserts the reader sees.
CHECKS = """() => {
  const out = {checks: 0, unlabelled: [], open: [], visibleAsserts: []};
  for (const cell of document.querySelectorAll('article .cell')) {
    const input = cell.querySelector('.cell_input');
    if (!input) continue;
    const toggle = input.parentElement.closest('details.hide');  // myst-nb's hide-input toggle
    if (cell.classList.contains('tag_check')) {
      out.checks += 1;
      const label = toggle ? toggle.querySelector('summary').textContent.trim() : '';
      if (!toggle || !/^Check\\b/.test(label)) out.unlabelled.push(input.textContent.trim().split('\\n')[0].slice(0, 70));
      else if (toggle.open) out.open.push(label.slice(0, 70));
      continue;
    }
    if (toggle && !toggle.open) continue;  // folded code (hidden plotting code) is not on the page
    // a solution's code counts: the reader sees it when the solution is opened
    const hit = input.textContent.match(/^\\s*assert\\b.*$/m);
    if (hit) out.visibleAsserts.push(hit[0].trim().slice(0, 70));
  }
  return out;
}"""

OPEN_FIRST_CHECK = """() => {
  const toggle = [...document.querySelectorAll('article .cell.tag_check details.hide')]
    .find(d => !d.parentElement.closest('details'));  // not one inside a closed solution
  if (!toggle) return null;
  toggle.querySelector('summary').click();
  const input = toggle.querySelector('.cell_input');
  return input ? toggle.open && input.checkVisibility() && input.innerText.trim().startsWith('# Check') : false;
}"""


def check_page(browser, base: str, relative: str, shot: str | None, site: Path = HTML) -> list[str]:
    """All checks of one page of the website, at 1280 px and at 390 px."""
    page = browser.new_page(viewport=DESKTOP)
    problems = watch(page, base)
    page.goto(urljoin(base, relative), wait_until="networkidle")
    page.evaluate(MATHJAX_DONE)
    problems += check_links_and_images(page, base, site)
    layout = page.evaluate(LAYOUT)
    problems += [f"display math clipped at 1280 px: {m}" for m in layout["clipped"]]
    if layout["scrolling"]:
        problems.append(f"{layout['scrolling']} of {layout['code']} code cells scroll sideways at 1280 px")
    if relative.startswith("notebooks/"):
        checks = page.evaluate(CHECKS)
        problems += [f"assert visible to the reader (not in a check cell): {a}" for a in checks["visibleAsserts"][:5]]
        if len(checks["visibleAsserts"]) > 5:
            problems.append(f"... {len(checks['visibleAsserts'])} visible asserts in all")
        problems += [f"check cell not folded behind a 'Check: …' toggle: {c}" for c in checks["unlabelled"]]
        problems += [f"check cell open on load: {c}" for c in checks["open"]]
        if not checks["checks"]:
            problems.append("no check cells (asserts belong in cells tagged 'check' and 'hide-input')")
        elif page.evaluate(OPEN_FIRST_CHECK) is False:
            problems.append("the first check toggle does not open")
        links = page.eval_on_selector_all(".cc-kit-links a", "els => els.map(e => e.textContent)")
        if not {"Slides", "Exercise notebook"} <= set(links):
            problems.append("no links to the chapter's slides and exercise notebook")
        page.evaluate("() => document.querySelectorAll('article details').forEach(d => d.open = false)")
    if shot:
        page.screenshot(path=str(SHOTS / f"{shot}.png"))
        if relative.startswith("notebooks/"):
            toggle = page.locator("article .cell.tag_check details summary").first
            if toggle.count():
                toggle.scroll_into_view_if_needed()
                toggle.click()
                page.wait_for_timeout(300)
                page.screenshot(path=str(SHOTS / f"{shot}_check_open.png"))
    page.close()
    mobile = browser.new_page(viewport=MOBILE)
    mobile.goto(urljoin(base, relative), wait_until="networkidle")
    mobile.evaluate(MATHJAX_DONE)
    wide = mobile.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth, "
                           "[...document.querySelectorAll('article *')].filter(e => e.getBoundingClientRect().right "
                           "> window.innerWidth + 1 && !e.closest('pre, .math, mjx-container, table, .cell_output, "
                           ".highlight')).slice(0, 3).map(e => e.tagName + ': ' + e.textContent.slice(0, 40))]")
    if wide[0] > wide[1] + 1:
        problems.append(f"the page scrolls sideways at 390 px ({wide[0]} px wide): {wide[2]}")
    if shot:
        mobile.screenshot(path=str(SHOTS / f"{shot}_390px.png"))
    mobile.close()
    return problems


#: Per slide: content beyond the slide's box, and code or formulas cut at their own box.
SLIDE_LAYOUT = """() => {
  const out = [];
  const slides = Reveal.getSlides();
  slides.forEach((slide, index) => {
    Reveal.slide(index);
    const box = slide.getBoundingClientRect();
    const problems = [];
    if (slide.scrollHeight > slide.clientHeight + 1) problems.push(`content ${slide.scrollHeight - slide.clientHeight} px too tall`);
    if (slide.scrollWidth > slide.clientWidth + 1) problems.push(`content ${slide.scrollWidth - slide.clientWidth} px too wide`);
    for (const pre of slide.querySelectorAll('pre')) {
      if (pre.scrollWidth > pre.clientWidth + 1) problems.push('code cut at the right edge');
      if (pre.scrollHeight > pre.clientHeight + 1) problems.push('code cut at the bottom');
    }
    for (const el of slide.querySelectorAll('img, mjx-container, pre, li, p, h1, h2')) {
      if (el.closest('aside')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.right > box.right + 2 || r.bottom > box.bottom + 2) {
        problems.push(`${el.tagName.toLowerCase()} outside the slide`); break;
      }
    }
    if (problems.length) out.push(`slide ${index + 1} (${(slide.querySelector('h1, h2') || {}).textContent || ''}): ` + [...new Set(problems)].join(', '));
  });
  Reveal.slide(0);
  return out;
}"""


def check_deck(browser, base: str, name: str, shots: str = "") -> tuple[list[str], int]:
    """Open one deck at 1280×720; return its problems and its number of slides.

    With ``shots`` (a file-name stem), save screenshots of its title, a section with code, a
    figure and an exercise slide.
    """
    page = browser.new_page(viewport=SLIDE)
    problems = watch(page, base)
    page.goto(urljoin(base, name), wait_until="networkidle")
    try:  # reveal.js marks the deck "ready" once it has laid out the slides
        page.wait_for_selector(".reveal.ready", timeout=15000)
    except Exception:  # noqa: BLE001 - reported as a problem below
        problems.append("reveal.js did not start")
    page.evaluate(MATHJAX_DONE)
    count = page.evaluate("document.querySelectorAll('.reveal .slides section:not(.stack)').length")
    if count < 5:
        problems.append(f"deck has only {count} slides")
    text = page.evaluate("""() => { const root = (document.querySelector('.reveal .slides') || document.body)
        .cloneNode(true); root.querySelectorAll('pre').forEach(e => e.remove()); return root.textContent; }""")
    problems += [f"raw MyST on a slide: …{' '.join(text[max(0, m.start() - 30):m.end() + 30].split())}…"
                 for m in list(RAW_MYST.finditer(text))[:5]]
    if count:
        problems += page.evaluate(SLIDE_LAYOUT)
    if shots:
        for number, kind in ((0, "title"), (None, "section"), (None, "figure"), (None, "exercise")):
            position = number if number is not None else page.evaluate(
                f"Reveal.getSlides().findIndex(s => s.dataset.kind === '{kind}' && "
                f"(s.querySelector('pre') || '{kind}' !== 'section'))")
            if position is not None and position >= 0:
                page.evaluate(f"Reveal.slide({position})")
                page.wait_for_timeout(300)
                page.screenshot(path=str(SHOTS / f"{shots}_{kind}.png"))
    page.close()
    return problems, count


def check_decks(browser, base: str, only: str = "") -> tuple[dict[str, list[str]], int]:
    """Open every chapter's published deck at 1280×720."""
    failures: dict[str, list[str]] = {}
    notebooks = [p for p in sorted((ROOT / "notebooks").glob("*.ipynb")) if only in p.name]
    for index, notebook in enumerate(notebooks):
        name = f"{notebook.stem}.slides.html"
        if not (SLIDES / name).exists():
            failures[f"slides/{name}"] = ["deck missing: the site build publishes it (make book)"]
            continue
        problems, count = check_deck(browser, base, f"slides/{name}",
                                     shots=f"slides_{notebook.stem}" if index == 0 else "")
        if problems:
            failures[f"slides/{name}"] = sorted(set(problems))
        print(f"{'FAIL' if problems else 'ok  '}  slides/{name} ({count} slides)", flush=True)
    return failures, len(notebooks)


def main(argv: list[str]) -> int:
    only = argv[argv.index("--only") + 1] if "--only" in argv else ""
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
    site = [p for p in pages(HTML) if only in p.as_posix()]
    chapters = [p for p in site if p.parent.name == "notebooks"]
    shots = {HTML / "book" / "intro.html": "home", HTML / "book" / "workshop" / "index.html": "workshop"}
    shots.update({p: p.stem for p in chapters[:1] + chapters[-1:]})
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for path in ([] if "--no-pages" in argv else site):
                relative = path.relative_to(HTML).as_posix()
                problems = check_page(browser, base, relative, shots.get(path))
                if problems:
                    failures[relative] = sorted(set(problems))
                print(f"{'FAIL' if problems else 'ok  '}  {relative}", flush=True)
            deck_failures, decks = check_decks(browser, base, only)
            failures.update(deck_failures)
            browser.close()
    finally:
        server.shutdown()
    labs = 0
    if "--no-lab" not in argv:
        sys.path.insert(0, str(ROOT / "tools"))
        import lab_check

        notebooks = lab_check.default_notebooks(every=False)
        failures.update(lab_check.check_notebooks(notebooks))
        labs = len(notebooks)
    for relative, problems in failures.items():
        print(f"\n{relative}:")
        for problem in problems[:20]:
            print(f"  - {problem}")
    site = [] if "--no-pages" in argv else site
    checked = len(site) + decks + labs
    print(f"\nscreenshots: {', '.join(sorted(p.name for p in SHOTS.glob('*.png')))}")
    print(f"{len(site)} pages of the website, {decks} slide decks and {labs} notebooks in JupyterLab "
          "checked in Chromium")
    print(f"site: {checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
