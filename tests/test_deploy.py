"""Beyond one server: the Kubernetes values and the Binder files are consistent and complete.

Neither route can run here (this machine reaches package registries only), so these tests
check what can be checked without a cluster: the Helm values pass the chart's own schema and
agree with the tested single-server hub and with the measured capacity table; the files
repo2docker reads exist and name files that exist; the website's launch buttons lead only to
environments that have the course.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools" / "hub"))
import hub as hubtool  # noqa: E402

CHART = ROOT / "deploy" / "z2jh" / "chart-4.4.0"
VALUES = yaml.safe_load(hubtool.HELM_VALUES.read_text())
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
SINGLEUSER = VALUES["singleuser"]


def helm_merge(base: dict, override: dict) -> dict:
    """Helm's merge of a values file over the chart's defaults (maps merge, null deletes)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def test_the_helm_values_pass_the_charts_schema() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    defaults = json.loads((CHART / "values.defaults.json").read_text())
    jsonschema.validate(helm_merge(defaults, VALUES), schema)
    # The schema bites: a misspelt key is refused.
    typo = helm_merge(VALUES, {"singleuser": {"memory": {"gurantee": "1G"}}})
    try:
        jsonschema.validate(helm_merge(defaults, typo), schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the vendored schema accepted a misspelt key")


def test_the_image_is_pinned_by_the_environment_files() -> None:
    inputs = VALUES["custom"]["causalcourse"]["imageInputs"]
    assert tuple(inputs) == hubtool.IMAGE_INPUTS
    assert all((ROOT / name).is_file() for name in inputs)
    assert SINGLEUSER["image"]["tag"] == hubtool.image_tag(), (
        "environment.yml or requirements.lock changed: rebuild the image (the imageBuild command"
        f" in deploy/z2jh/values.yaml) and set singleuser.image.tag to {hubtool.image_tag()}")
    build = VALUES["custom"]["causalcourse"]["imageBuild"]
    assert "--target-repo-dir /srv/causalcourse" in build  # not under the home volume
    assert SINGLEUSER["image"]["name"] + ":$(python tools/hub/hub.py image-tag)" in build


def test_learners_land_on_nbgitpuller_pulling_the_published_course() -> None:
    repository = CONFIG["repository"]
    expected = hubtool.default_url(repository["url"], repository["branch"])
    got, want = urlsplit(SINGLEUSER["defaultUrl"]), urlsplit(expected)
    assert got.path == want.path == "/git-pull"
    assert dict(parse_qsl(got.query)) == dict(parse_qsl(want.query))
    urlpath = dict(parse_qsl(got.query))["urlpath"]
    assert (ROOT / urlpath.removeprefix("lab/tree/causalcourse/")).is_file()
    assert SINGLEUSER["extraEnv"]["PYTHONPATH"] == "/home/jovyan/causalcourse"


def test_memory_comes_from_the_capacity_table() -> None:
    _, rows = hubtool.read_capacity()
    guarantee, limit = hubtool.helm_memory(rows)
    assert SINGLEUSER["memory"] == {"guarantee": guarantee, "limit": limit}


def test_culling_matches_the_single_server_hub(tmp_path) -> None:
    assert VALUES["cull"]["enabled"] is True
    assert VALUES["cull"]["timeout"] == hubtool.CULL_SERVER_SECONDS
    settings = hubtool.HubSettings(state=tmp_path, password="x" * 8, course_python=Path("/p"),
                                   repo="file:///r")
    _, config = hubtool.write_jupyter_files(settings)
    server = json.loads((config / "jupyter_server_config.json").read_text())
    culling = SINGLEUSER["extraFiles"]["kernel-culling"]["data"]["MappingKernelManager"]
    assert {k: v for k, v in server["MappingKernelManager"].items() if k.startswith("cull")} \
        == culling


def test_the_kernels_compute_like_the_tests() -> None:
    for key, value in hubtool.kernel_environment().items():
        assert SINGLEUSER["extraEnv"][key] == value, key


def test_no_password_is_committed() -> None:
    text = hubtool.HELM_VALUES.read_text()
    assert "user_password:" not in text.split("# class-password.yaml")[1].split("\n\n", 1)[1]
    assert "SharedPasswordAuthenticator" not in json.dumps(VALUES)
    assert VALUES["hub"]["config"]["JupyterHub"]["authenticator_class"] == "shared-password"


def test_binder_builds_from_the_root_environment_file() -> None:
    # repo2docker prefers a binder/ or .binder/ folder, and a Dockerfile replaces everything.
    for shadow in ("binder", ".binder", "Dockerfile", "requirements.txt", "Pipfile",
                   "runtime.txt", "postBuild", "start", "apt.txt"):
        assert not (ROOT / shadow).exists(), f"{shadow} would change what Binder builds"
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in pip
    requirements = [line.split(None, 1)[1] for line in pip if line.startswith("-r ")]
    assert requirements == ["requirements.lock"] and (ROOT / "requirements.lock").is_file()
    assert "-e ." in pip and (ROOT / "pyproject.toml").is_file()
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    torch = [line for line in lock if line.startswith("torch==")]
    assert len(torch) == 1 and "+" not in torch[0], "the CPU index must supply the +cpu build"
    assert not any(line.startswith("nvidia-") for line in lock)


def test_launch_buttons_open_only_environments_with_the_course() -> None:
    buttons = CONFIG["launch_buttons"]
    # Colab has neither the course package nor its data: no button for it.
    assert not buttons.get("colab_url"), "the Colab button leads to a failing first cell"
    assert set(buttons) <= {"notebook_interface", "binderhub_url"}
    assert buttons["binderhub_url"] == "https://mybinder.org"
    assert buttons["notebook_interface"] == "jupyterlab"


def test_the_hosting_page_shows_the_measured_capacity() -> None:
    meta, rows = hubtool.read_capacity()
    page = hubtool.HOSTING_PAGE.read_text()
    shown = page.split("<!-- capacity:start -->\n", 1)[1].split("<!-- capacity:end -->", 1)[0]
    assert shown == hubtool.capacity_markdown(meta, rows), "run make hub-bench"
    assert {r["chapter"] for r in rows} == {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    teaching = next(p for p in toc["parts"] if p["caption"] == "Teaching")
    files = [s["file"] for c in teaching["chapters"] for s in [c, *c.get("sections", [])]]
    assert "book/workshop/hosting" in files
