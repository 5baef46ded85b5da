"""A class on one server: the course's JupyterHub (`make hub`, `make hub-bench`, the hub test).

    python tools/hub/hub.py serve            # make hub: a hub for a class on this machine
    python tools/hub/hub.py install-proxy    # configurable-http-proxy into _build/hub/proxy
    python tools/hub/hub.py bench [--runs N] [NOTEBOOK ...]   # make hub-bench: capacity table
    python tools/hub/hub.py render           # the capacity table into hosting.md and the values
    python tools/hub/hub.py image-tag        # the Kubernetes image's tag (deploy/z2jh/values.yaml)

`serve` reads the class password from CLASS_PASSWORD (at least 8 characters; never printed,
never written to disk) and the port from HUB_PORT (default 8000). Every learner logs in with
any user name and that password, gets a server of their own from this environment, finds the
course pulled into their home by nbgitpuller, and one kernel: the course environment's Python.

The proxy, configurable-http-proxy, comes from the npm registry at a pinned version: npm ci
installs the exact tree in tools/hub/package-lock.json (every package checked against its
SHA-512 there), and its own tarball is checked against the SHA-512 pinned below.
"""

from __future__ import annotations

import argparse
import base64
import configparser
import csv
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import nbtools  # noqa: E402

PROXY_DIR = ROOT / "_build" / "hub" / "proxy"
CHP_VERSION = "5.3.0"
CHP_INTEGRITY = ("sha512-5au4O12dEFFHWNm9Y7Exm06TYc1CnMOvvptPTU83Vw7Nz9j0jUqQQwKDR1xT52gqX+X6D8Uu"
                 "O754dQdUkeBYuQ==")
NODE_MAJOR_MIN = 20  # configurable-http-proxy 5.3.0: "engines": {"node": ">= 20"}
MIN_PASSWORD = 8  # SharedPasswordAuthenticator refuses shorter user passwords
MIN_ADMIN_PASSWORD = 32
CULL_SERVER_SECONDS = 3600  # jupyterhub-idle-culler stops a server idle for an hour
CULL_KERNEL_SECONDS = 1800  # a server shuts down a kernel idle for 30 minutes
KERNEL_NAME = "python3"  # the name the chapters' metadata ask for
CAPACITY_CSV = ROOT / "book" / "workshop" / "hub_capacity.csv"
HOSTING_PAGE = ROOT / "book" / "workshop" / "hosting.md"
HELM_VALUES = ROOT / "deploy" / "z2jh" / "values.yaml"
OS_RESERVE_MIB = 1024  # left to the operating system when sizing a class


class HubError(SystemExit):
    """A problem `make hub` reports in one line (naming the problem and the fix), exit status 1."""

    def __init__(self, message: str) -> None:
        super().__init__(f"error: {message}")


# ---------------------------------------------------------------------------------------------
# Checks of the input: each stops `make hub` with one line.


def check_password(password: str | None, name: str = "CLASS_PASSWORD",
                   minimum: int = MIN_PASSWORD) -> str:
    if not password:
        raise HubError(f"the class password is not set: export {name}='<at least {minimum} "
                       "characters>' and run make hub again (it is never printed or stored)")
    if len(password) < minimum:
        raise HubError(f"{name} has {len(password)} characters; JupyterHub's shared password "
                       f"needs at least {minimum}: choose a longer one")
    return password


def port_is_free(port: int, ip: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as node's listen() does
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


def free_port(ip: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def check_port(port: int, ip: str = "127.0.0.1") -> int:
    if not 0 < port < 65536:
        raise HubError(f"HUB_PORT={port} is not a port number; choose one in 1024-65535")
    if not port_is_free(port, ip):
        raise HubError(f"port {port} on {ip} is in use (another hub or program); "
                       f"choose a free one: make hub HUB_PORT={free_port(ip)}")
    return port


def check_node() -> tuple[str, str]:
    """Paths of node and npm, or one line saying what to install."""
    node, npm = shutil.which("node"), shutil.which("npm")
    missing = [name for name, path in (("node", node), ("npm", npm)) if path is None]
    if missing:
        raise HubError(f"{' and '.join(missing)} not found: the hub's proxy "
                       f"(configurable-http-proxy) needs Node.js {NODE_MAJOR_MIN} or newer and "
                       "npm; install them (apt-get install nodejs npm, or NodeSource's nodejs "
                       f"where the distribution's is older than {NODE_MAJOR_MIN})")
    assert node is not None and npm is not None
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    match = re.match(r"v(\d+)\.", version)
    if not match or int(match.group(1)) < NODE_MAJOR_MIN:
        raise HubError(f"node {version or '(unknown version)'} is too old for "
                       f"configurable-http-proxy {CHP_VERSION}; install Node.js "
                       f"{NODE_MAJOR_MIN} or newer (Debian 12's own nodejs is 18: use "
                       "NodeSource's package)")
    return node, npm


def check_course_python(python: Path) -> Path:
    """The course environment's Python can run the course kernel."""
    if not python.is_absolute():
        raise HubError(f"the course Python must be an absolute path, not {python}")
    if not python.exists():
        raise HubError(f"the course environment is not built ({python} does not exist); "
                       "run make install")
    probe = subprocess.run([str(python), "-c", "import ipykernel, causalcourse"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["it does not run"])[-1]
        raise HubError(f"the course environment {python} cannot start the course kernel "
                       f"({last}); run make install")
    return python


def check_hub_packages() -> None:
    import importlib.util

    for module in ("jupyterhub", "nbgitpuller", "jupyterhub_idle_culler"):
        if importlib.util.find_spec(module) is None:
            raise HubError(f"{module} is not installed in {sys.executable}; run make install")


# ---------------------------------------------------------------------------------------------
# The proxy: pinned, verified, installed into the project.


def _sha512(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def proxy_command() -> Path:
    return PROXY_DIR / "node_modules" / ".bin" / "configurable-http-proxy"


def install_proxy() -> Path:
    """configurable-http-proxy at CHP_VERSION in _build/hub/proxy (once); its path."""
    _, npm = check_node()
    lock = HERE / "package-lock.json"
    entry = json.loads(lock.read_text())["packages"]["node_modules/configurable-http-proxy"]
    if (entry["version"], entry["integrity"]) != (CHP_VERSION, CHP_INTEGRITY):
        raise HubError("tools/hub/package-lock.json does not pin configurable-http-proxy "
                       f"{CHP_VERSION} with the SHA-512 in tools/hub/hub.py; fix one of them")
    marker = PROXY_DIR / "installed.json"
    wanted = {"lock_sha512": _sha512(lock), "version": CHP_VERSION}
    if marker.exists() and json.loads(marker.read_text()) == wanted and proxy_command().exists():
        return proxy_command()
    shutil.rmtree(PROXY_DIR, ignore_errors=True)
    PROXY_DIR.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(HERE / name, PROXY_DIR / name)
    quiet = ["--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    print(f"== installing configurable-http-proxy {CHP_VERSION} into "
          f"{PROXY_DIR.relative_to(ROOT)} (npm ci, checked against tools/hub/package-lock.json)",
          flush=True)
    done = subprocess.run([npm, "ci", *quiet], cwd=PROXY_DIR, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise HubError(f"npm could not install configurable-http-proxy {CHP_VERSION} ({last}); "
                       "check that the npm registry is reachable and run again")
    with tempfile.TemporaryDirectory() as tmp:  # its tarball, as npm ci got it, against our pin
        packed = subprocess.run([npm, "pack", "--json", *quiet,
                                 f"configurable-http-proxy@{CHP_VERSION}"],
                                cwd=tmp, capture_output=True, text=True, check=True)
        tarball = Path(tmp) / json.loads(packed.stdout)[0]["filename"]
        if _sha512(tarball) != CHP_INTEGRITY:
            shutil.rmtree(PROXY_DIR, ignore_errors=True)
            raise HubError(f"configurable-http-proxy {CHP_VERSION} from npm does not match its "
                           "pinned SHA-512; refusing to use it")
    installed = json.loads((PROXY_DIR / "node_modules" / "configurable-http-proxy"
                            / "package.json").read_text())["version"]
    if installed != CHP_VERSION:
        raise HubError(f"npm installed configurable-http-proxy {installed}, not {CHP_VERSION}")
    marker.write_text(json.dumps(wanted))
    return proxy_command()


# ---------------------------------------------------------------------------------------------
# The hub's settings, files and process.


@dataclass
class HubSettings:
    state: Path  # database, cookie secret, learners' homes, kernelspec
    password: str
    course_python: Path
    repo: str  # what nbgitpuller clones, e.g. file:///path/to/checkout or the GitHub URL
    branch: str = ""
    port: int = 0  # 0: a free port
    ip: str = "127.0.0.1"
    admin: str = ""
    admin_password: str = ""
    service_token: str = ""  # an API token for tests and the benchmark
    ipythondir: Path | None = None
    cull_timeout: int = CULL_SERVER_SECONDS
    kernel_cull_timeout: int = CULL_KERNEL_SECONDS


def course_checkout() -> tuple[str, str]:
    """nbgitpuller's repository URL and branch for this checkout (branch '' if detached)."""
    branch = subprocess.run(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    return f"file://{ROOT}", "" if branch in ("", "HEAD") else branch


def pull_query(repo: str, branch: str = "") -> dict[str, str]:
    """nbgitpuller's arguments: the course repository, cloned into ~/causalcourse."""
    query = {"repo": repo, "targetpath": "causalcourse"}
    if branch:
        query["branch"] = branch
    return query


def default_url(repo: str, branch: str = "") -> str:
    """A learner's first page: nbgitpuller pulls the course, then chapter 00 opens in JupyterLab."""
    query = {**pull_query(repo, branch),
             "urlpath": "lab/tree/causalcourse/notebooks/00_welcome.ipynb"}
    return "/git-pull?" + urlencode(query)


IMAGE_INPUTS = ("environment.yml", "requirements.lock")


def image_tag() -> str:
    """The Kubernetes single-user image's tag: a digest of the files that pin its environment."""
    digest = hashlib.sha256()
    for name in IMAGE_INPUTS:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return "env-" + digest.hexdigest()[:12]


def kernel_environment() -> dict[str, str]:
    """The course kernel's environment: the same floating-point kernels as the tests."""
    env = {"PYTHONHASHSEED": "0"}
    if os.uname().machine.lower() in {"x86_64", "amd64"}:
        env.update(nbtools.PORTABLE_NUMERICS)
    return env


def write_jupyter_files(settings: HubSettings) -> tuple[Path, Path]:
    """The course kernelspec (the only kernel) and the servers' config; their directories."""
    data, config = settings.state / "jupyter" / "share", settings.state / "jupyter" / "config"
    spec_dir = data / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    config.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [str(settings.course_python), "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"],
        "display_name": "Python 3 (causalcourse)",
        "language": "python",
        "env": kernel_environment(),
        "metadata": {"debugger": True},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    server = {
        "KernelSpecManager": {"ensure_native_kernel": False,
                              "allowed_kernelspecs": [KERNEL_NAME]},
        "MappingKernelManager": {"default_kernel_name": KERNEL_NAME,
                                 "cull_idle_timeout": settings.kernel_cull_timeout,
                                 "cull_interval": 60, "cull_connected": True,
                                 "cull_busy": False},
    }
    (config / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
    return data, config


def hub_environment(settings: HubSettings, chp: Path) -> dict[str, str]:
    data, config = write_jupyter_files(settings)
    api_port, proxy_port = free_port(), free_port()
    while proxy_port == api_port or proxy_port == settings.port:
        proxy_port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CC_HUB_")}
    env.pop("CLASS_PASSWORD", None)
    env.pop("CLASS_ADMIN_PASSWORD", None)
    env.update({
        "CC_HUB_STATE": str(settings.state), "CC_HUB_IP": settings.ip,
        "CC_HUB_PORT": str(settings.port), "CC_HUB_API_PORT": str(api_port),
        "CC_HUB_PROXY_API_PORT": str(proxy_port), "CC_HUB_CHP": str(chp),
        "CC_HUB_PASSWORD": settings.password, "CC_HUB_REPO": settings.repo,
        "CC_HUB_BRANCH": settings.branch, "CC_HUB_JUPYTER_PATH": str(data),
        "CC_HUB_SERVER_CONFIG": str(config), "CC_HUB_CULL_TIMEOUT": str(settings.cull_timeout),
    })
    if settings.admin:
        env["CC_HUB_ADMIN"] = settings.admin
        env["CC_HUB_ADMIN_PASSWORD"] = settings.admin_password
    if settings.service_token:
        env["CC_HUB_SERVICE_TOKEN"] = settings.service_token
    if settings.ipythondir:
        env["CC_HUB_IPYTHONDIR"] = str(settings.ipythondir)
    return env


def hub_command() -> list[str]:
    return [sys.executable, "-m", "jupyterhub", "-f", str(HERE / "jupyterhub_config.py")]


def _rss_tree(pid: int) -> dict[str, float]:
    """Memory of a process and its descendants (MiB): resident, unique, peak resident (summed)."""
    import psutil

    total = {"rss": 0.0, "uss": 0.0, "peak": 0.0}
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return total
    for proc in procs:
        try:
            info = proc.memory_full_info()
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
            continue
        peak = re.search(r"VmHWM:\s+(\d+) kB", status)
        total["rss"] += info.rss / 2**20
        total["uss"] += info.uss / 2**20
        total["peak"] += int(peak.group(1)) / 1024 if peak else info.rss / 2**20
    return total


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


@dataclass
class Hub:
    """A running JupyterHub, driven through its REST API with the service token."""

    settings: HubSettings
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    start_seconds: float = 0.0
    start_cpu_seconds: float = 0.0  # the hub's own CPU time until its API answered
    spawn_cpu_seconds: dict[str, float] = field(default_factory=dict)  # each server's, at ready
    seen: set[int] = field(default_factory=set)  # every descendant pid observed

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    def start(self, timeout: float = 90.0, chp: Path | None = None) -> float:
        """Start the hub in the background; seconds until its API answers."""
        import requests

        chp = chp or install_proxy()
        self.settings.state.mkdir(parents=True, exist_ok=True)
        if not self.settings.port:
            self.settings.port = free_port()
        env = hub_environment(self.settings, chp)
        self.log_path = self.settings.state / "jupyterhub.log"
        log = open(self.log_path, "w")
        began = time.perf_counter()
        self.process = subprocess.Popen(hub_command(), cwd=self.settings.state, env=env,
                                        stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        log.close()
        deadline = began + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited with status {self.process.returncode}:\n"
                                   + self.log_tail())
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=2).status_code == 200:
                    self.start_seconds = time.perf_counter() - began
                    self.start_cpu_seconds = _cpu_seconds(self.process.pid)
                    self.remember()
                    return self.start_seconds
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the hub did not answer within {timeout:.0f} s:\n" + self.log_tail())

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def api(self, method: str, path: str, **kwargs):
        import requests

        headers = {"Authorization": f"token {self.settings.service_token}"}
        return requests.request(method, f"{self.url}/hub/api{path}", headers=headers,
                                timeout=kwargs.pop("timeout", 30), **kwargs)

    def spawn(self, names: list[str], timeout: float = 180.0) -> dict[str, float]:
        """Create the users and start their servers at once; seconds until each is ready.

        The hub answers a start request only after up to 10 s (its slow-spawn timeout), so
        each learner's request is sent from a thread of its own.
        """
        self.api("POST", "/users", json={"usernames": names}).raise_for_status()
        ready: dict[str, float] = {}
        problems: list[str] = []

        def start(name: str) -> None:
            began = time.perf_counter()
            reply = self.api("POST", f"/users/{name}/server", timeout=timeout)
            if reply.status_code not in (201, 202):
                problems.append(f"starting {name}'s server: {reply.status_code} {reply.text}")
                return
            while time.perf_counter() - began < timeout:
                server = self.api("GET", f"/users/{name}").json()["servers"].get("", {})
                if server.get("ready"):
                    ready[name] = time.perf_counter() - began
                    self.spawn_cpu_seconds[name] = _cpu_seconds(int(server["state"]["pid"]))
                    return
                time.sleep(0.1)

        threads = [threading.Thread(target=start, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if problems or len(ready) < len(names):
            raise RuntimeError("; ".join(problems) or f"servers not ready after {timeout:.0f} s: "
                               f"{sorted(set(names) - set(ready))}\n" + self.log_tail())
        self.remember()
        return {name: ready[name] for name in names}

    def server_pid(self, name: str) -> int:
        server = self.api("GET", f"/users/{name}",
                          params={"include_stopped_servers": "false"}).json()["servers"][""]
        return int(server["state"]["pid"])

    def user_request(self, method: str, name: str, path: str, **kwargs):
        import requests

        headers = {"Authorization": f"token {self.settings.service_token}"}
        return requests.request(method, f"{self.url}/user/{name}/{path}", headers=headers,
                                timeout=kwargs.pop("timeout", 60), **kwargs)

    def pull(self, name: str, session=None, timeout: float = 120.0) -> list[dict]:
        """Run nbgitpuller in a user's server (its event stream); the events it sent."""
        query = pull_query(self.settings.repo, self.settings.branch)
        url = f"{self.url}/user/{name}/git-pull/api?{urlencode(query)}"
        if session is None:
            import requests

            session = requests.Session()
            session.headers["Authorization"] = f"token {self.settings.service_token}"
        events = []
        with session.get(url, stream=True, timeout=timeout) as reply:
            reply.raise_for_status()
            for line in reply.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    events.append(json.loads(line[len("data: "):]))
                    if events[-1].get("phase") in ("finished", "error"):
                        break
        return events

    def memory(self, name: str) -> dict[str, float]:
        """Memory (MiB) of a user's server and everything it started (its kernels)."""
        pid = self.server_pid(name)
        self.remember()
        return _rss_tree(pid)

    def own_memory(self) -> dict[str, float]:
        """Memory (MiB) of the hub, its proxy and its services (not the learners' servers)."""
        import psutil

        assert self.process is not None
        servers = set()
        for proc in psutil.Process(self.process.pid).children():
            try:
                if "jupyterhub.singleuser" in " ".join(proc.cmdline()):
                    servers.add(proc.pid)
            except psutil.NoSuchProcess:
                pass
        total = _rss_tree(self.process.pid)
        for pid in servers:
            for key, value in _rss_tree(pid).items():
                total[key] -= value
        return total

    def remember(self) -> None:
        """Note every process the hub has started so far (checked when it stops)."""
        import psutil

        if self.process is None:
            return
        try:
            self.seen.update(p.pid for p in psutil.Process(self.process.pid)
                             .children(recursive=True))
        except psutil.NoSuchProcess:
            pass

    def stop(self, timeout: float = 60.0) -> list[str]:
        """Stop the hub by its process id; it stops the servers, kernels, proxy and services.

        Returns the processes that were still alive afterwards (each then killed by its id).
        """
        import psutil

        if self.process is None:
            return []
        self.remember()
        hub, self.process = self.process, None
        if hub.poll() is None:
            hub.send_signal(signal.SIGTERM)
            try:
                hub.wait(timeout)
            except subprocess.TimeoutExpired:
                hub.kill()
                hub.wait(10)
        left = []
        deadline = time.monotonic() + 10
        for pid in sorted(self.seen):
            try:
                proc = psutil.Process(pid)
                while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE \
                        and time.monotonic() < deadline:
                    time.sleep(0.1)
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    left.append(f"{pid} {' '.join(proc.cmdline())[:120]}")
                    proc.kill()
            except psutil.NoSuchProcess:
                continue
        return left


# ---------------------------------------------------------------------------------------------
# Running a notebook's code cells through a user's kernel.


def _sanitizers() -> list[tuple[re.Pattern, str]]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "tests" / "nbval_sanitize.cfg")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def text_outputs(outputs: list[dict]) -> list[str]:
    """A cell's text outputs as nbval compares them: streams merged, figures left out."""
    sanitize = _sanitizers()
    texts: list[str] = []
    last_stream = None
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            text = out["text"] if isinstance(out["text"], str) else "".join(out["text"])
            if last_stream == out["name"]:
                texts[-1] += text
            else:
                texts.append(text)
                last_stream = out["name"]
            continue
        last_stream = None
        if kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if any(key.startswith("image/") for key in data):
                continue  # a figure
            if "text/plain" in data:
                plain = data["text/plain"]
                texts.append(plain if isinstance(plain, str) else "".join(plain))
        elif kind == "error":
            texts.append(f"{out['ename']}: {out['evalue']}")
    for pattern, replace in sanitize:
        texts = [pattern.sub(replace, t) for t in texts]
    return texts


class KernelClient:
    """Execute code in a kernel of a user's server through its websocket."""

    def __init__(self, hub: Hub, name: str, kernel_id: str) -> None:
        import websocket

        self.session = uuid.uuid4().hex
        url = f"ws://127.0.0.1:{hub.settings.port}/user/{name}/api/kernels/{kernel_id}/channels"
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {hub.settings.service_token}"], timeout=30)

    def execute(self, code: str, timeout: float = 300.0) -> list[dict]:
        """Outputs (as nbformat dicts) of one execution; waits for the reply and idle status."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "course",
                       "session": self.session, "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        outputs: list[dict] = []
        replied = idle = False
        deadline = time.monotonic() + timeout
        while not (replied and idle):  # the reply and the idle status come in either order
            self.ws.settimeout(max(1.0, deadline - time.monotonic()))
            raw = self.ws.recv()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply within {timeout:.0f} s to: {code[:60]!r}")
            if isinstance(raw, bytes):
                continue
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "execute_reply":
                replied = True
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind in ("stream", "execute_result", "display_data", "error"):
                outputs.append({"output_type": kind, **content})
            elif kind == "clear_output":
                outputs.clear()
        return outputs

    def close(self) -> None:
        self.ws.close()


def open_notebook(hub: Hub, name: str, path: str) -> tuple[dict, str, str]:
    """A notebook from the user's home (contents API) and a new session's kernel for it."""
    reply = hub.user_request("GET", name, f"api/contents/{path}")
    reply.raise_for_status()
    notebook = reply.json()["content"]
    session = hub.user_request("POST", name, "api/sessions", json={
        "path": path, "type": "notebook", "name": Path(path).name})
    session.raise_for_status()
    return notebook, session.json()["id"], session.json()["kernel"]["id"]


def run_notebook(hub: Hub, name: str, path: str, timeout: float = 300.0,
                 stop_on_error: bool = True) -> dict:
    """Run every code cell of a notebook in the user's home through a new kernel.

    Returns the cells' fresh and stored outputs, the seconds it took and the session id
    (the kernel keeps running, so its memory can be measured; close_session ends it).
    """
    notebook, session_id, kernel_id = open_notebook(hub, name, path)
    client = KernelClient(hub, name, kernel_id)
    began = time.perf_counter()
    cells = []
    try:
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            fresh = client.execute(source, timeout=timeout)
            cells.append({"source": source, "stored": cell.get("outputs", []), "fresh": fresh})
            if stop_on_error and any(out["output_type"] == "error" for out in fresh):
                break
    finally:
        client.close()
    return {"cells": cells, "seconds": time.perf_counter() - began, "session": session_id,
            "kernel": kernel_id}


def close_session(hub: Hub, name: str, session_id: str) -> None:
    hub.user_request("DELETE", name, f"api/sessions/{session_id}").raise_for_status()


def kernel_pid(hub: Hub, name: str, kernel_id: str) -> int:
    import psutil

    for proc in psutil.Process(hub.server_pid(name)).children(recursive=True):
        if any(kernel_id in part for part in proc.cmdline()):
            return proc.pid
    raise LookupError(f"no process for kernel {kernel_id} of {name}")


# ---------------------------------------------------------------------------------------------
# make hub


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make hub", description="A JupyterHub for a class.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("HUB_PORT") or 8000))
    parser.add_argument("--ip", default=os.environ.get("HUB_IP") or "127.0.0.1")
    parser.add_argument("--state", type=Path,
                        default=Path(os.environ.get("HUB_STATE") or ROOT / "hub-state"))
    parser.add_argument("--course-python", type=Path,
                        default=Path(os.environ.get("COURSE_PYTHON") or ROOT / ".venv/bin/python"))
    parser.add_argument("--repo", default=os.environ.get("COURSE_REPO") or "")
    parser.add_argument("--branch", default=os.environ.get("COURSE_BRANCH") or "")
    args = parser.parse_args(argv)
    password = check_password(os.environ.get("CLASS_PASSWORD"))
    admin = os.environ.get("HUB_ADMIN", "")
    admin_password = ""
    if admin:
        admin_password = check_password(os.environ.get("CLASS_ADMIN_PASSWORD"),
                                        "CLASS_ADMIN_PASSWORD", MIN_ADMIN_PASSWORD)
        if admin_password == password:
            raise HubError("CLASS_ADMIN_PASSWORD must differ from CLASS_PASSWORD")
    check_port(args.port, args.ip)
    course_python = check_course_python(args.course_python.absolute())
    check_hub_packages()
    check_node()
    chp = install_proxy()
    repo, branch = (args.repo, args.branch) if args.repo else course_checkout()
    if not args.repo and not branch:
        raise HubError("this checkout is not on a branch, so nbgitpuller cannot pull it: "
                       "git switch <branch>, or set COURSE_REPO and COURSE_BRANCH")
    settings = HubSettings(state=args.state.absolute(), password=password,
                           course_python=course_python, repo=repo, branch=branch,
                           port=args.port, ip=args.ip, admin=admin,
                           admin_password=admin_password)
    settings.state.mkdir(parents=True, exist_ok=True)
    env = hub_environment(settings, chp)
    host = "127.0.0.1" if args.ip in ("127.0.0.1", "0.0.0.0") else args.ip
    link = f"http://{host}:{args.port}/hub/user-redirect/git-pull?" + urlencode({
        **{k: v for k, v in (("repo", repo), ("branch", branch)) if v},
        "targetpath": "causalcourse", "urlpath": "lab/tree/causalcourse/notebooks"})
    print(f"== JupyterHub for the class at http://{host}:{args.port}/ "
          f"(state in {settings.state}; Ctrl-C stops it and every learner's server)\n"
          f"   learners log in with any user name and the class password; the course "
          f"({repo}{'@' + branch if branch else ''}) is pulled at the first visit\n"
          f"   link that pulls the course again (hand it out after an update): {link}\n"
          "   no isolation between learners and no memory limits (SimpleLocalProcessSpawner):"
          " see book/workshop/hosting.md", flush=True)
    os.execve(sys.executable, hub_command(), env)
    return 0  # not reached


# ---------------------------------------------------------------------------------------------
# make hub-bench: memory per learner per chapter, class sizes.


def _chapters(names: list[str]) -> list[Path]:
    return nbtools.chapter_notebooks(names)


def bench_run(chapters: list[Path], users: int, chp: Path) -> dict:
    """One run: start a hub, spawn `users` servers, pull, run each chapter in a fresh kernel."""
    with tempfile.TemporaryDirectory(prefix="causalcourse-hub-bench-") as tmp:
        repo, branch = course_checkout()
        ipython = nbtools.prepare_kernel_env()
        settings = HubSettings(state=Path(tmp), password=secrets.token_urlsafe(12),
                               course_python=Path(sys.executable), repo=repo, branch=branch,
                               service_token=secrets.token_hex(32), ipythondir=ipython)
        hub = Hub(settings)
        result: dict = {"chapters": {}, "load": [os.getloadavg()[0]]}
        try:
            result["start_seconds"] = hub.start(chp=chp)
            names = [f"learner{i}" for i in range(1, users + 1)]
            result["spawn_seconds"] = list(hub.spawn(names).values())
            result["start_cpu_seconds"] = hub.start_cpu_seconds
            result["spawn_cpu_seconds"] = list(hub.spawn_cpu_seconds.values())
            for name in names:
                events = hub.pull(name)
                if events[-1].get("phase") != "finished":
                    raise RuntimeError(f"nbgitpuller failed for {name}: {events[-1]}")
            result["server_mib"] = hub.memory(names[0])["rss"]
            result["hub_mib"] = hub.own_memory()["rss"]
            for path in chapters:
                rel = f"causalcourse/notebooks/{path.name}"
                run = run_notebook(hub, names[0], rel, stop_on_error=False)
                errors = [c for c in run["cells"] if any(o["output_type"] == "error"
                                                         for o in c["fresh"])]
                pid = kernel_pid(hub, names[0], run["kernel"])
                kernel = _rss_tree(pid)
                close_session(hub, names[0], run["session"])
                result["chapters"][path.stem] = {
                    "seconds": run["seconds"], "kernel_mib": kernel["rss"],
                    "kernel_uss_mib": kernel["uss"], "kernel_peak_mib": kernel["peak"],
                    "errors": len(errors)}
                print(f"   {path.stem:<42} {run['seconds']:6.1f} s  kernel "
                      f"{kernel['rss']:5.0f} MiB (peak {kernel['peak']:5.0f}, unique "
                      f"{kernel['uss']:5.0f}){'  ERROR' if errors else ''}", flush=True)
            result["simultaneous"] = simultaneous(hub, names, chapters)
            result["load"].append(os.getloadavg()[0])
        finally:
            left = hub.stop()
            if left:
                raise RuntimeError(f"processes left after stopping the hub: {left}")
        return result


def simultaneous(hub: Hub, names: list[str], chapters: list[Path]) -> dict:
    """Every learner presses Run all on the same chapter at once: seconds for each."""
    heaviest = "03_intervention" if any(p.stem == "03_intervention" for p in chapters) \
        else chapters[0].stem
    seconds: dict[str, float] = {}

    def one(name: str) -> None:
        run = run_notebook(hub, name, f"causalcourse/notebooks/{heaviest}.ipynb")
        seconds[name] = run["seconds"]
        close_session(hub, name, run["session"])

    threads = [threading.Thread(target=one, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"chapter": heaviest, "users": len(names), "seconds": sorted(seconds.values())}


def capacity_rows(runs: list[dict], memory_mib: float) -> list[dict]:
    """The capacity table: per chapter, memory per learner and the largest class that fits."""
    med = statistics.median
    server = med(r["server_mib"] for r in runs)
    hub = med(r["hub_mib"] for r in runs)
    usable = memory_mib - hub - OS_RESERVE_MIB
    rows, kept = [], 0.0
    for chapter in runs[0]["chapters"]:
        values = [r["chapters"][chapter] for r in runs]
        after = med(v["kernel_mib"] for v in values)
        peak = med(v["kernel_peak_mib"] for v in values)
        one = server + peak  # with culling: one kernel per learner, at its peak
        all_kept = server + kept + peak  # without culling: every chapter so far keeps its kernel
        rows.append({
            "chapter": chapter,
            "seconds": round(med(v["seconds"] for v in values), 1),
            "kernel_mib": round(after), "kernel_peak_mib": round(peak),
            "kernel_peak_range": f"{min(v['kernel_peak_mib'] for v in values):.0f}-"
                                 f"{max(v['kernel_peak_mib'] for v in values):.0f}",
            "user_mib": round(one), "class_with_culling": int(usable // one),
            "user_mib_no_culling": round(all_kept),
            "class_without_culling": int(usable // all_kept),
            "failed_cells": max(v["errors"] for v in values),
        })
        kept += after
    return rows


def helm_memory(rows: list[dict]) -> tuple[str, str]:
    """z2jh guarantee and limit from the capacity table (MiB, rounded up to 128).

    guarantee: a learner at the heaviest chapter's peak (server + one kernel);
    limit: that plus the largest resident kernel (a second chapter left open).
    """
    def up(mib: float) -> int:
        return int(-(-mib // 128) * 128)

    heaviest = max(r["user_mib"] for r in rows)
    second = max(r["kernel_mib"] for r in rows)
    return f"{up(heaviest)}M", f"{up(heaviest + second)}M"


def update_helm_memory(rows: list[dict]) -> tuple[str, str]:
    """Write the guarantee and limit from the capacity table into the Helm values."""
    guarantee, limit = helm_memory(rows)
    text = HELM_VALUES.read_text()
    text, n = re.subn(r"(?m)^(    guarantee: )\d+M$", rf"\g<1>{guarantee}", text)
    text, m = re.subn(r"(?m)^(    limit: )\d+M$", rf"\g<1>{limit}", text)
    if (n, m) != (1, 1):
        raise HubError(f"{HELM_VALUES.relative_to(ROOT)}: no singleuser.memory lines to update")
    HELM_VALUES.write_text(text)
    return guarantee, limit


def write_capacity(runs: list[dict], users: int, target: Path = CAPACITY_CSV) -> list[dict]:
    import psutil

    memory_mib = psutil.virtual_memory().total / 2**20
    rows = capacity_rows(runs, memory_mib)
    meta = {
        "runs": len(runs), "users": users, "cores": os.cpu_count(),
        "memory_mib": round(memory_mib),
        "hub_start_s": [round(r["start_seconds"], 1) for r in runs],
        "spawn_s": [round(s, 1) for r in runs for s in r["spawn_seconds"]],
        "hub_start_cpu_s": [round(r["start_cpu_seconds"], 1) for r in runs],
        "spawn_cpu_s": [round(s, 1) for r in runs for s in r["spawn_cpu_seconds"]],
        "server_mib": [round(r["server_mib"]) for r in runs],
        "hub_proxy_mib": [round(r["hub_mib"]) for r in runs],
        "simultaneous": [{**r["simultaneous"],
                          "seconds": [round(x, 1) for x in r["simultaneous"]["seconds"]]}
                         for r in runs],
        "load_average": [round(x, 1) for r in runs for x in r["load"]],
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", newline="") as handle:
        handle.write(f"# make hub-bench: {json.dumps(meta)}\n")
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def read_capacity(path: Path = CAPACITY_CSV) -> tuple[dict, list[dict]]:
    lines = path.read_text().splitlines()
    meta = json.loads(lines[0].split(":", 1)[1])
    rows = list(csv.DictReader(lines[1:]))
    for row in rows:
        for key, value in row.items():
            if key not in ("chapter", "kernel_peak_range"):
                row[key] = float(value) if "." in value else int(value)
    return meta, rows


def capacity_markdown(meta: dict, rows: list[dict]) -> str:
    """The table the instructor page shows between its capacity markers."""
    def spread(values: list[float], unit: str) -> str:
        return (f"median {statistics.median(values):.1f} {unit} "
                f"(range {min(values):.1f}-{max(values):.1f})")

    alone = [s for r in meta["simultaneous"] for s in r["seconds"]]
    cpu = ""
    if "spawn_cpu_s" in meta:
        cpu = (f" (CPU time used: hub {spread(meta['hub_start_cpu_s'], 's')}, server "
               f"{spread(meta['spawn_cpu_s'], 's')}; a quiet machine's wall time approaches it)")
    lines = [
        f"Measured by `make hub-bench`: {meta['runs']} runs, each a fresh hub with "
        f"{meta['users']} learners started at once, on the course's development machine "
        f"({meta['cores']} cores, {meta['memory_mib'] / 1024:.0f} GiB) while it was shared with "
        f"other work (load average {min(meta['load_average']):.0f}-"
        f"{max(meta['load_average']):.0f}): the times are several times longer than on a quiet "
        "machine; the memory figures are not affected. Medians over the runs.",
        "",
        f"- hub start {spread(meta['hub_start_s'], 's')}; a server's spawn "
        f"{spread(meta['spawn_s'], 's')}{cpu};",
        f"- a learner's server alone {statistics.median(meta['server_mib']):.0f} MiB; the hub, "
        f"proxy and culler together {statistics.median(meta['hub_proxy_mib']):.0f} MiB.",
        "",
        "| chapter | run all (s) | kernel peak (MiB) | per learner (MiB) | class that fits "
        "| class that fits, no culling |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        mark = "\\*" if r["failed_cells"] else ""
        lines.append(
            f"| {r['chapter']}{mark} | {r['seconds']} | {r['kernel_peak_mib']} | "
            f"{r['user_mib']} | {r['class_with_culling']} | {r['class_without_culling']} |")
    spread_mib = max(int(hi) - int(lo) for lo, hi in
                     (r["kernel_peak_range"].split("-") for r in rows))
    lines += ["", f"A kernel's peak varied by at most {spread_mib} MiB between the runs."]
    failed = [r["chapter"] for r in rows if r["failed_cells"]]
    if failed:
        lines += ["", f"\\* {', '.join(failed)}: some cells failed in the measured checkout "
                  "(as they did under the notebook tests); the rest of the chapter ran, so its "
                  "memory may be understated. Run `make hub-bench` again once it passes."]
    if alone:
        first = meta["simultaneous"][0]
        lines += ["", f"All {first['users']} learners pressing *Run all* on {first['chapter']} "
                  f"at the same moment: {spread(alone, 's')} each (CPU-bound: "
                  f"{meta['cores']} cores shared)."]
    return "\n".join(lines) + "\n"


def update_hosting_page(meta: dict, rows: list[dict]) -> None:
    text = HOSTING_PAGE.read_text()
    start, end = "<!-- capacity:start -->\n", "<!-- capacity:end -->"
    if start not in text or end not in text:
        raise HubError(f"{HOSTING_PAGE.relative_to(ROOT)} has no capacity markers")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    HOSTING_PAGE.write_text(head + start + capacity_markdown(meta, rows) + end + tail)


def bench(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make hub-bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=3)
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args(argv)
    check_node()
    check_course_python(Path(sys.executable))
    chp = install_proxy()
    chapters = _chapters(args.notebooks)
    runs = []
    for i in range(args.runs):
        print(f"== run {i + 1} of {args.runs}", flush=True)
        runs.append(bench_run(chapters, args.users, chp))
        print(f"   hub start {runs[-1]['start_seconds']:.1f} s, spawn "
              f"{', '.join(f'{s:.1f}' for s in runs[-1]['spawn_seconds'])} s", flush=True)
    target = CAPACITY_CSV if not args.notebooks else ROOT / "_build" / "hub" / "capacity.csv"
    write_capacity(runs, args.users, target)
    meta, rows = read_capacity(target)
    print(capacity_markdown(meta, rows))
    if args.notebooks:  # some chapters only: the committed table and page stay as they are
        print(f"written to {target.relative_to(ROOT)}")
        return 0
    update_hosting_page(meta, rows)
    guarantee, limit = update_helm_memory(rows)
    print(f"written to {CAPACITY_CSV.relative_to(ROOT)}, {HOSTING_PAGE.relative_to(ROOT)} and "
          f"{HELM_VALUES.relative_to(ROOT)} (singleuser.memory: guarantee {guarantee}, "
          f"limit {limit})")
    return 0


def render(argv: list[str]) -> int:
    """The hosting page's table and the Helm memory values from the committed capacity table."""
    meta, rows = read_capacity()
    update_hosting_page(meta, rows)
    guarantee, limit = update_helm_memory(rows)
    print(f"{HOSTING_PAGE.relative_to(ROOT)} and {HELM_VALUES.relative_to(ROOT)} "
          f"(guarantee {guarantee}, limit {limit}) from {CAPACITY_CSV.relative_to(ROOT)}")
    return 0


def main(argv: list[str]) -> int:
    commands = {"serve": serve, "bench": bench, "render": render,
                "install-proxy": lambda _: print(install_proxy()) or 0,
                "image-tag": lambda _: print(image_tag()) or 0}
    if not argv or argv[0] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
