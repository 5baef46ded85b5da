"""A class on one server (`make hub`): a real JupyterHub, its proxy, nbgitpuller and the kernel.

The module starts the hub the way `make hub` does (tools/hub/jupyterhub_config.py), but on
loopback with free ports, in a temporary directory, with a random class password and a random
API token; three learners get servers, pull the course from this checkout and run chapter 00
through the course kernel. The last test stops the hub by its process id and checks that no
process it started is left. Node.js must be installed (`make test` installs it when missing);
the proxy is installed from npm into _build/hub/proxy on first use.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "hub"))
import hub as hubtool  # noqa: E402

pytestmark = pytest.mark.timeout(240)  # loose: the whole module takes well under two minutes

LEARNERS = ["learner1", "learner2", "learner3"]
MEMORY_BOUND_MIB = 1024  # a learner's server + kernel after chapter 00 (measured: about 550)
CHAPTER = "causalcourse/notebooks/00_welcome.ipynb"
COURSE_PYTHON = Path(sys.executable)


@pytest.fixture(scope="module")
def course_repo(tmp_path_factory) -> tuple[str, str]:
    """This checkout for nbgitpuller; a detached HEAD is first pushed to a temporary branch."""
    repo, branch = hubtool.course_checkout()
    if branch:
        return repo, branch
    bare = tmp_path_factory.mktemp("course") / "causalcourse.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    subprocess.run(["git", "push", "--quiet", str(bare), "HEAD:refs/heads/course"], cwd=ROOT,
                   check=True)
    return f"file://{bare}", "course"


@pytest.fixture(scope="module")
def hub(tmp_path_factory, course_repo):
    try:
        chp = hubtool.install_proxy()  # npm ci the first time; checked against the pins
    except hubtool.HubError as error:
        pytest.fail(f"{error.code} (make test installs Node.js when it is missing)")
    ipython = os.environ.get("IPYTHONDIR")  # conftest.py: the test kernel profile (no network)
    settings = hubtool.HubSettings(
        state=tmp_path_factory.mktemp("hub"), password=secrets.token_urlsafe(12),
        course_python=COURSE_PYTHON, repo=course_repo[0], branch=course_repo[1],
        service_token=secrets.token_hex(32), ipythondir=Path(ipython) if ipython else None)
    running = hubtool.Hub(settings)
    running.start(timeout=90, chp=chp)
    print(f"\nhub started in {running.start_seconds:.1f} s")
    yield running
    running.stop()  # already stopped by the last test unless an earlier one failed


@pytest.fixture(scope="module")
def servers(hub) -> dict[str, float]:
    seconds = hub.spawn(LEARNERS, timeout=180)
    print(f"servers ready after {', '.join(f'{s:.1f}' for s in seconds.values())} s")
    return seconds


@pytest.fixture(scope="module")
def login(hub, servers) -> dict:
    """learner1 logs in through the login form: first with a wrong password, then the right one."""
    session = requests.Session()
    form = session.get(f"{hub.url}/hub/login", timeout=30)
    form.raise_for_status()
    xsrf = session.cookies.get("_xsrf")
    attempt = {"username": LEARNERS[0], "_xsrf": xsrf}
    wrong = session.post(f"{hub.url}/hub/login", allow_redirects=False, timeout=30,
                         data={**attempt, "password": hub.settings.password[::-1] + "x"})
    right = session.post(f"{hub.url}/hub/login", allow_redirects=False, timeout=30,
                         data={**attempt, "password": hub.settings.password})
    landing = session.get(f"{hub.url}/user/{LEARNERS[0]}/", timeout=60)
    return {"session": session, "wrong": wrong, "right": right, "landing": landing}


@pytest.fixture(scope="module")
def pulled(hub, login) -> dict[str, list[dict]]:
    """Every learner's nbgitpuller run: learner1 with its login cookie, the others by token."""
    events = {LEARNERS[0]: hub.pull(LEARNERS[0], session=login["session"])}
    for name in LEARNERS[1:]:
        events[name] = hub.pull(name)
    return events


@pytest.fixture(scope="module")
def chapter_runs(hub, pulled) -> dict[str, dict]:
    """All three learners run chapter 00's code cells at once through their kernels."""
    runs: dict[str, dict] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            runs[name] = hubtool.run_notebook(hub, name, CHAPTER, timeout=120)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(name,)) for name in LEARNERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    print("chapter 00 through the hub: "
          + ", ".join(f"{name} {run['seconds']:.1f} s" for name, run in runs.items()))
    return runs


def test_the_hub_api_answers(hub) -> None:
    import jupyterhub

    assert hub.api("GET", "/").json()["version"] == jupyterhub.__version__
    assert requests.get(f"{hub.url}/hub/api/users", timeout=10).status_code == 403  # no token
    assert hub.api("GET", "/users").status_code == 200


def test_three_learners_get_servers(hub, servers) -> None:
    import psutil

    children = {p.pid for p in psutil.Process(hub.process.pid).children()}
    for name in LEARNERS:
        model = hub.api("GET", f"/users/{name}").json()
        assert model["servers"][""]["ready"], name
        assert hub.server_pid(name) in children, f"{name}'s server is not the hub's child"


def test_the_idle_culler_runs_with_the_class_timeout(hub) -> None:
    import psutil

    cullers = [p.cmdline() for p in psutil.Process(hub.process.pid).children()
               if "jupyterhub_idle_culler" in p.cmdline()]
    assert len(cullers) == 1, "the hub should run one jupyterhub-idle-culler"
    assert f"--timeout={hubtool.CULL_SERVER_SECONDS}" in cullers[0]


def test_a_wrong_password_is_refused_and_the_right_one_accepted(hub, login) -> None:
    assert login["wrong"].status_code == 403
    assert "jupyterhub-session-id" not in login["wrong"].cookies
    assert login["right"].status_code == 302
    assert any(c.name.startswith("jupyterhub-hub-login") for c in login["session"].cookies)
    # The first visit lands on nbgitpuller (the servers' default URL), pulling this checkout.
    landing = login["landing"]
    assert landing.status_code == 200
    assert f"/user/{LEARNERS[0]}/git-pull?" in landing.url
    assert "repo=" + requests.utils.quote(hub.settings.repo, safe="") in landing.url


def test_nbgitpuller_pulls_the_course_from_this_checkout(hub, pulled) -> None:
    expected = subprocess.run(["git", "ls-tree", "--name-only", "HEAD", "notebooks/"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.split()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
    for name, events in pulled.items():
        assert events and events[-1]["phase"] == "finished", (name, events[-1:])
        listing = hub.user_request("GET", name, "api/contents/causalcourse/notebooks").json()
        notebooks = {f"notebooks/{item['name']}" for item in listing["content"]
                     if item["name"].endswith(".ipynb")}
        assert notebooks == {p for p in expected if p.endswith(".ipynb")}, name
        home = hub.settings.state / "users" / name / "causalcourse"
        pulled_head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=home,
                                     capture_output=True, text=True, check=True).stdout.strip()
        assert pulled_head == head, f"{name} pulled {pulled_head}, the checkout is at {head}"


def test_the_only_kernel_is_the_course_environment(hub, pulled) -> None:
    for name in LEARNERS:
        specs = hub.user_request("GET", name, "api/kernelspecs").json()
        assert list(specs["kernelspecs"]) == [hubtool.KERNEL_NAME], name
        assert specs["default"] == hubtool.KERNEL_NAME
        argv = specs["kernelspecs"][hubtool.KERNEL_NAME]["spec"]["argv"]
        assert argv[0] == str(COURSE_PYTHON) and Path(argv[0]).is_absolute()
    # The kernel really is that interpreter, not the server's own `python`.
    _, session_id, kernel_id = hubtool.open_notebook(hub, LEARNERS[1], CHAPTER)
    client = hubtool.KernelClient(hub, LEARNERS[1], kernel_id)
    try:
        outputs = client.execute("import sys; print(sys.executable)", timeout=120)
    finally:
        client.close()
        hubtool.close_session(hub, LEARNERS[1], session_id)
    assert hubtool.text_outputs(outputs) == [f"{COURSE_PYTHON}\n"]


def test_chapter_00_reproduces_its_committed_outputs(chapter_runs) -> None:
    for name, run in chapter_runs.items():
        assert run["cells"], name
        for index, cell in enumerate(run["cells"]):
            fresh, stored = (hubtool.text_outputs(cell[k]) for k in ("fresh", "stored"))
            assert fresh == stored, f"{name}, code cell {index}: {cell['source'][:60]!r}"


def test_each_learner_stays_under_the_memory_bound(hub, chapter_runs) -> None:
    used = {name: hub.memory(name) for name in LEARNERS}  # server + chapter 00's live kernel
    print("memory per learner (MiB): " + ", ".join(
        f"{name} {m['rss']:.0f} resident, {m['uss']:.0f} unique" for name, m in used.items()))
    for name, memory in used.items():
        assert memory["rss"] > 100, f"{name}: the kernel's memory was not measured"
        assert memory["rss"] < MEMORY_BOUND_MIB, f"{name} uses {memory['rss']:.0f} MiB"


def test_stopping_the_hub_leaves_no_process(hub, chapter_runs) -> None:
    import psutil

    hub.remember()
    started = set(hub.seen) | {hub.process.pid}
    kernels = [p for p in started if psutil.pid_exists(p)
               and any("ipykernel_launcher" in part for part in psutil.Process(p).cmdline())]
    assert len(kernels) >= len(LEARNERS), "the chapter kernels should still be running here"
    port = hub.settings.port
    left = hub.stop(timeout=60)
    assert left == [], f"still running after the hub stopped (now killed by id): {left}"
    alive = [p for p in started if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert alive == []
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0, "the proxy still listens"


# ---------------------------------------------------------------------------------------------
# Bad input stops `make hub` with one line naming the problem and the fix.


def serve(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("CLASS_PASSWORD", "HUB_PORT")}
    return subprocess.run([sys.executable, str(ROOT / "tools" / "hub" / "hub.py"), "serve",
                           *args], env={**base, **env}, capture_output=True, text=True,
                          timeout=60)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_make_hub_needs_the_class_password() -> None:
    assert "CLASS_PASSWORD" in one_line_error(serve({}))
    line = one_line_error(serve({"CLASS_PASSWORD": "short"}))
    assert "5 characters" in line and "at least 8" in line


def test_make_hub_refuses_a_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_error(serve({"CLASS_PASSWORD": "a-long-password", "HUB_PORT": str(port)}))
    assert f"port {port}" in line and "in use" in line and "HUB_PORT=" in line


def test_make_hub_needs_node_and_npm(tmp_path) -> None:
    (tmp_path / "git").symlink_to(subprocess.check_output(["which", "git"], text=True).strip())
    line = one_line_error(serve({"CLASS_PASSWORD": "a-long-password", "PATH": str(tmp_path),
                                 "HUB_PORT": str(hubtool.free_port())},
                                "--course-python", str(COURSE_PYTHON)))
    assert "node and npm not found" in line and "apt-get install nodejs npm" in line


def test_make_hub_needs_the_course_environment(tmp_path) -> None:
    missing = tmp_path / ".venv" / "bin" / "python"
    line = one_line_error(serve({"CLASS_PASSWORD": "a-long-password",
                                 "HUB_PORT": str(hubtool.free_port())},
                                "--course-python", str(missing)))
    assert "not built" in line and "make install" in line
    make = subprocess.run(["make", "-s", "--no-print-directory", "hub",
                           f"VENV={tmp_path / 'no-venv'}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert make.returncode != 0
    assert make.stdout.strip().splitlines() == [
        f"error: the course environment is not built ({tmp_path / 'no-venv'}/bin/python is "
        "missing); run make install"]
