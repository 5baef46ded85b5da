"""JupyterLab renders the course's notebooks: the part of the browser test that opens JupyterLab.

    python tools/lab_check.py [--all] [NOTEBOOK ...]

Starts JupyterLab from the course environment on loopback (a free port, a random token,
temporary settings, runtime and data folders; no extension manager, no news), copies
chapter 00 and its exercise notebook (or the notebooks named, or with ``--all`` every
chapter and exercise notebook) into a temporary folder, opens each in headless Chromium
and fails when

- a Markdown cell does not render, or shows a raw MyST directive fence (```` ```{exercise} ````)
  or a raw role (``{term}`…```, ``{cite:p}`…```, ``{doc}`…```);
- an exercise's math is not rendered (jupyterlab-myst typesets it with KaTeX);
- the page requests anything off this machine.

Console errors are printed, not failed: jupyterlab-myst logs one for every glossary term
it cannot resolve (it has no glossary), while rendering the term's text.

Screenshots go to _build/screenshots/lab_<name>.png. Exercise notebooks are generated
first (tools/exercises.py) if they are missing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "_build" / "screenshots"
EXERCISES = ROOT / "_build" / "exercises"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Text that must not be visible in a rendered Markdown cell.
RAW = r"/```+\s*\{[\w:-]+\}|:::+\s*\{[\w:-]+\}|\{(term|cite|cite:[a-z]+|doc|ref|numref|eq|math)\}`/"

#: JupyterLab settings for a test: every cell rendered (no windowing), no news or update checks.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lab:
    """A JupyterLab server of the course environment on loopback, in temporary folders."""

    def __init__(self, root: Path) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="causalcourse-lab-"))
        self.root, self.port, self.token = root, free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = self.tmp / "lab.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Lab:
        settings = self.tmp / "settings"
        for name, values in SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(self.tmp / "config"),
                   JUPYTER_DATA_DIR=str(self.tmp / "data"), JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"),
                   IPYTHONDIR=str(self.tmp / "ipython"), JUPYTER_PLATFORM_DIRS="1")
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
                   f"--port={self.port}", f"--ServerApp.token={self.token}",
                   f"--ServerApp.root_dir={self.root}", f"--LabApp.user_settings_dir={settings}",
                   f"--LabApp.workspaces_dir={self.tmp / 'workspaces'}",
                   "--LabApp.extension_manager=readonly", "--ServerApp.port_retries=0"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers run as root; JupyterLab refuses otherwise
        self.process = subprocess.Popen(command, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited at start:\n{self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2)
                return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"JupyterLab did not answer within 120 s:\n{self.log.read_text()[-2000:]}")

    def url(self, relative: str) -> str:
        return f"{self.base}/lab/tree/{relative}?reset&token={self.token}"  # reset: no restored tabs

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the server and the kernels it started
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
ALL_RENDERED = """() => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell')];
  return cells.length > 0 && cells.every(c => c.classList.contains('jp-mod-rendered')
    && c.querySelector('.jp-RenderedMarkdown, .myst'));
}"""
TYPESET_SETTLED = """() => {
  const n = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .katex').length;
  const same = window.__katexCount === n;
  window.__katexCount = n;
  return same;
}"""

INSPECT = """(raw) => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return {error: 'no notebook panel'};
  const cells = [...panel.querySelectorAll('.jp-MarkdownCell')];
  const rawRe = new RegExp(raw.slice(1, -1));
  const texRe = /\\$[^$]*\\\\[a-zA-Z]+[^$]*\\$/;   // $...\\command...$ left as text
  const out = {cells: cells.length, unrendered: 0, raw: [], exercises: 0, exercisesWithMath: 0,
               exercisesWithoutMath: [], katex: panel.querySelectorAll('.jp-MarkdownCell .katex').length};
  for (const cell of cells) {
    const rendered = cell.querySelector('.jp-RenderedMarkdown, .myst');
    if (!rendered || !cell.classList.contains('jp-mod-rendered')) { out.unrendered += 1; continue; }
    const text = rendered.innerText;
    for (const re of [rawRe, texRe]) {
      const hit = text.match(re);
      if (hit) out.raw.push(text.slice(Math.max(0, hit.index - 30), hit.index + 60).replace(/\\s+/g, ' '));
    }
    if (/^\\s*Exercise \\d/m.test(text)) {
      out.exercises += (text.match(/^\\s*Exercise \\d/gm) || []).length;
      const source = (cell.querySelector('.cm-content') || {}).textContent || '';
      if (rendered.querySelector('.katex')) out.exercisesWithMath += 1;
      else if (/\\$[^$]+\\$/.test(source)) out.exercisesWithoutMath.push(text.trim().split('\\n')[0].slice(0, 60));
    }
  }
  return out;
}"""


def has_exercise_math(path: Path) -> bool:
    """Whether any exercise of a notebook (a directive or an "Exercise N" heading) has a formula."""
    import re

    text = "\n\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                        if c["cell_type"] == "markdown")
    blocks = re.findall(r"```\{exercise\}.*?```", text, re.S)
    blocks += re.findall(r"^### Exercise \d.*?(?=^#|\Z)", text, re.S | re.M)
    return any(re.search(r"\$[^$]+\$", b) for b in blocks)


def check_notebooks(paths: list[Path]) -> dict[str, list[str]]:
    """Open each notebook in JupyterLab; return its problems, keyed by a display name."""
    from playwright.sync_api import sync_playwright

    failures: dict[str, list[str]] = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="causalcourse-lab-root-") as root:
        names, exercise_math = [], {}
        for path in paths:
            folder = "exercises" if path.parent.name == "exercises" else "chapters"
            (Path(root) / folder).mkdir(exist_ok=True)
            shutil.copy(path, Path(root) / folder / path.name)
            names.append(f"{folder}/{path.name}")
            exercise_math[names[-1]] = has_exercise_math(path)
        with Lab(Path(root)) as lab, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name in names:
                problems: list[str] = []
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                notes: list[str] = []
                page.on("console", lambda m, n=notes: n.append(m.text.splitlines()[0])
                        if m.type == "error" else None)
                page.on("request", lambda r, p=problems: p.append(f"request leaves this machine: {r.url}")
                        if not r.url.startswith((lab.base, "data:", "blob:", "about:")) else None)
                page.goto(lab.url(name))
                try:  # every Markdown cell rendered, and the formulas typeset (the count stops changing)
                    page.wait_for_selector(PANEL + " .jp-MarkdownCell", timeout=90000)
                    page.wait_for_function(ALL_RENDERED, timeout=120000)
                    page.wait_for_function(TYPESET_SETTLED, timeout=60000, polling=500)
                except Exception as error:  # noqa: BLE001 - reported below
                    problems.append(f"the notebook did not finish rendering: {type(error).__name__}")
                result = page.evaluate(INSPECT, RAW)
                if "error" in result:
                    problems.append(result["error"])
                else:
                    if result["unrendered"]:
                        problems.append(f"{result['unrendered']} of {result['cells']} Markdown cells not rendered")
                    problems += [f"raw MyST visible: …{r}…" for r in result["raw"][:10]]
                    if not result["exercises"]:
                        problems.append("no exercise found on the page")
                    problems += [f"an exercise's math is not rendered: {e}" for e in result["exercisesWithoutMath"]]
                    if exercise_math[name] and not result["exercisesWithMath"]:
                        problems.append("no exercise shows rendered math (the exercises have formulas)")
                stem = name.replace("/", "_").removesuffix(".ipynb")
                page.screenshot(path=str(SHOTS / f"lab_{stem}.png"))
                # the first exercise, scrolled into view
                exercise = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell",
                                        has_text="Exercise 1").first
                if exercise.count():
                    exercise.scroll_into_view_if_needed()
                    page.screenshot(path=str(SHOTS / f"lab_{stem}_exercise.png"))
                page.close()
                if problems:
                    failures[f"lab/{name}"] = sorted(set(problems))
                print(f"{'FAIL' if problems else 'ok  '}  lab/{name} ({result.get('exercises', 0)} exercises, "
                      f"{result.get('katex', 0)} formulas)", flush=True)
                for note in sorted(set(notes))[:5]:  # JupyterLab's own messages: reported, not failed
                    print(f"      console: {note}")
            browser.close()
    return failures


def default_notebooks(every: bool) -> list[Path]:
    chapters = sorted((ROOT / "notebooks").glob("*.ipynb"))
    chosen = chapters if every else [p for p in chapters if p.stem.startswith("00_")][:1]
    missing = [p for p in chosen if not (EXERCISES / p.name).exists()]
    if missing:
        sys.path.insert(0, str(ROOT / "tools"))
        import exercises

        exercises.main([str(p) for p in missing])
    return [q for p in chosen for q in (p, EXERCISES / p.name)]


def main(argv: list[str]) -> int:
    every = "--all" in argv
    paths = [Path(a).resolve() for a in argv if a != "--all"] or default_notebooks(every)
    if not Path(CHROMIUM).exists():
        print(f"error: Chromium not found at {CHROMIUM}; install Debian's chromium package or set CHROMIUM",
              file=sys.stderr)
        return 1
    failures = check_notebooks(paths)
    for name, problems in failures.items():
        print(f"\n{name}:")
        for problem in problems:
            print(f"  - {problem}")
    print(f"\nJupyterLab: {len(paths) - len(failures)} of {len(paths)} notebooks render cleanly")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
