# JupyterHub configuration of a class on one server (`make hub`, the hub test, `make hub-bench`).
#
# tools/hub/hub.py starts JupyterHub with this file and passes every setting in CC_HUB_*
# environment variables, so the class, the test and the benchmark run the same hub.
# The class password arrives in CC_HUB_PASSWORD and is removed from the environment here,
# so neither the proxy, the services nor the learners' servers inherit it.
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hub import default_url  # noqa: E402

c = get_config()  # noqa: F821

env = os.environ
state = Path(env["CC_HUB_STATE"])
course_repo = env["CC_HUB_REPO"]  # what nbgitpuller clones into each learner's home
course_branch = env.get("CC_HUB_BRANCH", "")

# Loopback by default: JupyterHub, its proxy and every learner's server. The hub's own API and
# the proxy's API always take the free ports hub.py found for them.
c.JupyterHub.bind_url = f"http://{env.get('CC_HUB_IP', '127.0.0.1')}:{env['CC_HUB_PORT']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["CC_HUB_API_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env['CC_HUB_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.command = [env["CC_HUB_CHP"]]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server
c.JupyterHub.cleanup_proxy = True

# One shared class password; any user name of the learner's choice.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = env.pop("CC_HUB_PASSWORD")
c.Authenticator.allow_all = True
if env.get("CC_HUB_ADMIN"):
    c.Authenticator.admin_users = {env["CC_HUB_ADMIN"]}
    c.SharedPasswordAuthenticator.admin_password = env.pop("CC_HUB_ADMIN_PASSWORD")
env.pop("CC_HUB_ADMIN_PASSWORD", None)

# Each learner's server is a process of the hub's user, started from the hub's environment.
# SimpleLocalProcessSpawner gives NO isolation between learners and NO memory limits: fine
# for a workshop of trusted participants on a machine that holds nothing else; see
# book/workshop/hosting.md for The Littlest JupyterHub (systemdspawner) and Kubernetes.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(state / "users" / "{username}")
c.Spawner.ip = "127.0.0.1"
c.Spawner.port = 0  # a free port for every server
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
# The servers read the kernel choice and kernel culling from one file (see hub.py), and find
# the course kernel's spec in CC_HUB_JUPYTER_PATH.
c.Spawner.environment = {
    "JUPYTER_PATH": env["CC_HUB_JUPYTER_PATH"],
    "JUPYTER_CONFIG_PATH": env["CC_HUB_SERVER_CONFIG"],
}
if env.get("CC_HUB_IPYTHONDIR"):  # the test's kernel profile: no network beyond loopback
    c.Spawner.environment["IPYTHONDIR"] = env["CC_HUB_IPYTHONDIR"]

# A learner's first visit pulls the course (nbgitpuller) and opens chapter 00 in JupyterLab
# (the same URL as singleuser.defaultUrl in deploy/z2jh/values.yaml).
c.Spawner.default_url = default_url(course_repo, course_branch)

# Culling: the culler stops a learner's server after CC_HUB_CULL_TIMEOUT seconds without
# activity (default one hour); the servers cull idle kernels themselves (hub.py).
services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={env.get('CC_HUB_CULL_TIMEOUT', '3600')}"],
}]
roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
if env.get("CC_HUB_SERVICE_TOKEN"):  # the test and the benchmark drive the hub through its API
    services.append({"name": "course-admin", "api_token": env.pop("CC_HUB_SERVICE_TOKEN")})
    roles.append({
        "name": "course-admin",
        "scopes": ["admin:users", "admin:servers", "admin:server_state", "access:servers"],
        "services": ["course-admin"],
    })
c.JupyterHub.services = services
c.JupyterHub.load_roles = roles

