"""With a token the line faces the internet: the web process refuses to start on
settings that would make it unsafe there, and without one the app answers only this
machine, whatever server runs it."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from service.config import DEVELOPMENT_SECRET
from service.state.embedded_redis import free_port

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
TOKEN = "a-twilio-auth-token-0123456789abcdef"
SAFE = {
    "TWILIO_AUTH_TOKEN": TOKEN,
    "SIGNPOST_SECRET_KEY": "k" * 20 + "-a-secret-of-its-own",
    "PUBLIC_BASE_URL": "https://line.example.org",
    "TWILIO_API_BASE_URL": "https://api.twilio.com",
}


def web_process(tmp_path, **settings) -> subprocess.Popen:
    """The Procfile's web line, on a loopback port, with ``settings`` over SAFE."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SIGNPOST_", "PUBLIC_"))}
    port = free_port()
    env.update(SAFE, PORT=str(port), SIGNPOST_STATE_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:1/0", WEB_CONCURRENCY="1", **settings)
    process = subprocess.Popen(
        [GUNICORN, "--config", "python:service.web.gunicorn_conf", "service.web.wsgi:app", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.port = port
    return process


@pytest.mark.parametrize(
    "setting, value",
    [
        ("SIGNPOST_SECRET_KEY", "x"),
        ("SIGNPOST_SECRET_KEY", " " * 40),
        ("SIGNPOST_SECRET_KEY", "short-but-not-that-short-123"),
        ("SIGNPOST_SECRET_KEY", DEVELOPMENT_SECRET),
        ("SIGNPOST_SECRET_KEY", TOKEN),
        ("PUBLIC_BASE_URL", "http://line.example.org"),
        ("TWILIO_API_BASE_URL", "http://api.twilio.com"),
        ("TWILIO_API_BASE_URL", "http://10.0.0.5:8080"),
    ],
)
def test_the_web_process_refuses_to_start_on_an_unsafe_setting(tmp_path, setting, value):
    process = web_process(tmp_path, **{setting: value})
    try:
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode != 0
    assert setting in stderr


def test_safe_settings_and_plain_http_to_this_machine_start(tmp_path):
    process = web_process(tmp_path, PUBLIC_BASE_URL="http://127.0.0.1:8000", TWILIO_API_BASE_URL="http://localhost:9000")
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                health = requests.get(f"http://127.0.0.1:{process.port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert health.status_code == 200
        # Up, and checking signatures: an unsigned webhook is refused.
        assert requests.post(f"http://127.0.0.1:{process.port}/sms", data={"Body": "hi"}, timeout=5).status_code == 403
    finally:
        process.terminate()
        process.wait(timeout=10)


# A peer that is not loopback, without leaving the machine: a network namespace of the
# test's own, whose loopback device also carries a documentation address (192.0.2.0/24).
PEER = "192.0.2.10"
IN_NAMESPACE = textwrap.dedent(f"""
    import threading, requests
    from werkzeug.serving import make_server
    from service.config import Config
    from service.web.app import create_app
    app = create_app(Config(redis_url="redis://127.0.0.1:1/0", state_dir={{state!r}}))
    server = make_server("0.0.0.0", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for host in ("{PEER}", "127.0.0.1"):
        form = {{{{"From": "+447400123456", "Body": "hi"}}}}
        answer = requests.post(f"http://{{{{host}}}}:{{{{server.server_port}}}}/sms", data=form, timeout=5)
        print(host, answer.status_code)
    server.shutdown()
""")


def namespaces_work() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def in_a_namespace(script: str, without: tuple[str, ...]) -> subprocess.CompletedProcess:
    """Run ``script`` in a network namespace of its own, where loopback also answers to
    PEER (a non-loopback address): nothing leaves the machine. ``without``: settings unset."""
    return subprocess.run(
        ["unshare", "-n", "sh", "-c", f'ip link set lo up && ip addr add {PEER}/32 dev lo && exec {sys.executable} -c "$0"', script],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k not in without},
    )


@pytest.mark.skipif(not namespaces_work(), reason="needs unshare -n (root) for a non-loopback peer")
def test_without_a_token_the_app_answers_only_loopback_peers_under_any_server(tmp_path):
    run = in_a_namespace(IN_NAMESPACE.format(state=str(tmp_path)), without=("TWILIO_AUTH_TOKEN",))
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == [f"{PEER} 403", "127.0.0.1 200"]


# The console too: without a token the key that signs its sessions is the public
# development default, so a cookie made with it must open nothing for another machine.
CONSOLE_IN_NAMESPACE = textwrap.dedent(f"""
    import threading, requests
    from werkzeug.serving import make_server
    from service.config import Config
    from service.web.app import create_app
    app = create_app(Config(redis_url="redis://127.0.0.1:1/0", state_dir={{state!r}}))
    server = make_server("0.0.0.0", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    made = app.session_interface.get_signing_serializer(app).dumps({{{{"user": "dana", "_permanent": True}}}})
    for host in ("{PEER}", "127.0.0.1"):
        base = f"http://{{{{host}}}}:{{{{server.server_port}}}}/console"
        login = requests.get(base + "/login", timeout=5)
        # Redis is away here, so a cookie opens the health page alone (it cannot be checked).
        content = requests.get(base + "/health", cookies={{{{"signpost_console": made}}}}, timeout=5,
                               allow_redirects=False)
        print(host, login.status_code, content.status_code)
    server.shutdown()
""")


@pytest.mark.skipif(not namespaces_work(), reason="needs unshare -n (root) for a non-loopback peer")
def test_without_a_token_the_console_answers_only_loopback_peers_under_any_server(tmp_path):
    run = in_a_namespace(CONSOLE_IN_NAMESPACE.format(state=str(tmp_path)), without=("TWILIO_AUTH_TOKEN", "SIGNPOST_SECRET_KEY"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == [f"{PEER} 403 403", "127.0.0.1 200 503"]  # 503: health says Redis is down
