"""The Dockerfile and compose.yaml, checked as far as a machine without a container engine can.

Always: compose.yaml parses, its services are the Procfile's processes, its Redis is
configured as the README says, and the Dockerfile runs them as a non-root user with a
health check on /healthz. With SIGNPOST_IMAGE_CHECK=1 (``make image-check``, about a
minute and a half): the Dockerfile's COPY and RUN steps are carried out as written in a
fresh virtualenv, then its ENTRYPOINT and CMD are started there and its HEALTHCHECK
run against them. The image build itself is not exercised.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis
import yaml
from dockerfile_parse import DockerfileParser
from rq import Worker

from service.cli import build_parser
from service.cli.web import WEB_COMMAND, cmd_web
from service.state.keys import FOLLOWUP_QUEUE

PROJECT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, str]:
    lines = (PROJECT / "Procfile").read_text().splitlines()
    return {kind.strip(): command.strip() for kind, command in (line.split(":", 1) for line in lines if line.strip())}


def compose() -> dict:
    return yaml.safe_load((PROJECT / "compose.yaml").read_text())


def dockerfile() -> list[dict]:
    return DockerfileParser(path=str(PROJECT / "Dockerfile")).structure


def instructions(name: str) -> list[str]:
    return [step["value"] for step in dockerfile() if step["instruction"] == name]


def exec_form(value: str) -> list[str]:
    parsed = json.loads(value)
    assert isinstance(parsed, list), f"{value} is not in exec form"
    return parsed


def healthcheck_command() -> list[str]:
    [check] = instructions("HEALTHCHECK")
    return exec_form(check[check.index("CMD") + len("CMD") :].strip())


def test_compose_services_are_the_procfile_s_processes():
    [entrypoint] = instructions("ENTRYPOINT")
    services = compose()["services"]
    assert set(services) == {"redis", *procfile()}
    for kind, line in procfile().items():
        container = [*exec_form(entrypoint), *services[kind]["command"]]
        assert container == ["signpost", kind]
        if kind == "web":
            # signpost web runs the Procfile's web line itself.
            assert build_parser().parse_args(container[1:]).handler is cmd_web
            assert " ".join(WEB_COMMAND) == line
        else:
            assert " ".join(container) == line
        assert services[kind]["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert services[kind]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_compose_redis_keeps_what_it_is_given():
    command = compose()["services"]["redis"]["command"]
    settings = dict(zip(command[1::2], command[2::2]))
    assert command[0] == "redis-server"
    assert settings["--maxmemory-policy"] == "noeviction"
    assert settings["--appendonly"] == "yes"


def test_the_image_runs_as_a_user_with_a_health_check_and_the_web_process_by_default():
    steps = [step["instruction"] for step in dockerfile()]
    [base] = instructions("FROM")
    assert base.startswith("python:") and base.endswith("-slim")
    [user] = instructions("USER")
    assert user not in ("root", "0")
    assert steps.index("USER") < steps.index("ENTRYPOINT")
    assert exec_form(instructions("CMD")[0]) == ["web"]
    assert any("/healthz" in part for part in healthcheck_command())


def test_the_image_copies_every_package_the_project_installs():
    copied = {part.rstrip("/").lstrip("./") for value in instructions("COPY") for part in value.split()[:-1]}
    for package in ("service", "flows", "messages"):
        assert package in copied
    assert {"pyproject.toml", "README.md", "Procfile"} <= copied


# ---- the Dockerfile's steps, carried out in a fresh virtualenv (make image-check) ----

# Steps that change the machine's users rather than build the line: the image needs
# them; a developer's machine must not get them.
MACHINE_STEPS = ("useradd",)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The Dockerfile's WORKDIR, COPY and RUN, as written, with a fresh virtualenv as the image's Python."""
    if os.environ.get("SIGNPOST_IMAGE_CHECK") != "1":
        pytest.skip("about 90 s: run with make image-check (SIGNPOST_IMAGE_CHECK=1)")
    root = tmp_path_factory.mktemp("image")
    venv = root / "python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    app = root / "app"
    app.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SIGNPOST_", "VIRTUAL_ENV"))},
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    for step in dockerfile():
        value = step["value"]
        if step["instruction"] == "ENV":
            env.update(_env_pairs(value))
        elif step["instruction"] == "COPY":
            *sources, target = value.split()
            for source in sources:
                where = PROJECT / source
                destination = app / target / (where.name if target.endswith("/") else "")
                if where.is_dir():
                    shutil.copytree(where, destination, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy(where, destination)
        elif step["instruction"] == "RUN" and not value.startswith(MACHINE_STEPS):
            subprocess.run(["sh", "-c", value], cwd=app, env=env, check=True, timeout=600)
    env["SIGNPOST_STATE_DIR"] = str(root / "state")
    return app, env


def _env_pairs(value: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in value.replace("\\\n", " ").split())


def test_the_image_serves_the_line_and_its_health_check_passes(built, redis_server):
    app, env = built
    [entrypoint], [cmd] = instructions("ENTRYPOINT"), instructions("CMD")
    env = {**env, "PORT": str(free_port()), "REDIS_URL": redis_server.url}
    web = subprocess.Popen(
        [*exec_form(entrypoint), *exec_form(cmd)], cwd=app, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(healthcheck_command(), cwd=app, env=env, capture_output=True).returncode != 0:
            assert web.poll() is None and time.monotonic() < deadline, "web never became healthy"
            time.sleep(0.5)
    finally:
        web.terminate()
        web.wait(timeout=30)
    assert subprocess.run(healthcheck_command(), cwd=app, env=env, capture_output=True).returncode != 0


def _healthz(port: int) -> bytes | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return response.read()
    except OSError:
        return None


def test_the_procfile_s_web_line_serves_from_a_plain_install(built, redis_server):
    """What a PaaS runs: `pip install .` with no extras, then the Procfile's web line as written."""
    app, env = built
    port = free_port()
    web = subprocess.Popen(
        ["sh", "-c", procfile()["web"]],
        cwd=app,
        env={**env, "PORT": str(port), "REDIS_URL": redis_server.url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while (body := _healthz(port)) is None:
            if web.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Procfile's web line never served /healthz:\n{web.stderr.read().decode()[-2000:]}")
            time.sleep(0.5)
        assert json.loads(body)["redis"] == "ok"
    finally:
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)


def test_the_image_runs_the_worker(built, redis_server):
    app, env = built
    [entrypoint] = instructions("ENTRYPOINT")
    command = [*exec_form(entrypoint), *compose()["services"]["worker"]["command"]]
    worker = subprocess.Popen(
        command, cwd=app, env={**env, "REDIS_URL": redis_server.url}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    connection = redis.Redis.from_url(redis_server.url)
    try:
        deadline = time.monotonic() + 60
        while not any(FOLLOWUP_QUEUE in w.queue_names() for w in Worker.all(connection=connection)):
            assert worker.poll() is None and time.monotonic() < deadline, "worker never listened"
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
