"""The Procfile's web process: without TWILIO_AUTH_TOKEN it serves loopback only."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL", "SIGNPOST_SECRET_KEY", "PORT")}
    return {**env, **extra}


def test_without_a_token_it_refuses_a_public_address():
    run = subprocess.run(
        [GUNICORN, "--config", "python:service.web.gunicorn_conf", "service.web.wsgi:app", "--bind", "0.0.0.0:0"],
        env=environment(),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert "refusing to bind 0.0.0.0:0" in run.stderr and "TWILIO_AUTH_TOKEN" in run.stderr


def bind_for(**env) -> str:
    return subprocess.run(
        [sys.executable, "-c", "import service.web.gunicorn_conf as c; print(c.bind[0])"],
        env=environment(**env),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout.strip()


def test_it_binds_loopback_without_a_token_and_all_interfaces_with_one():
    assert bind_for(PORT="5055") == "127.0.0.1:5055"
    assert bind_for(PORT="5055", TWILIO_AUTH_TOKEN="token") == "0.0.0.0:5055"


def test_metrics_count_every_gunicorn_workers_webhooks(redis_server, redis_client, tmp_path):
    """Two workers, eight texts: whichever worker answers the scrape counts all eight."""
    import socket
    import time

    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = environment(PORT=str(port), REDIS_URL=redis_server.url, WEB_CONCURRENCY="2", SIGNPOST_STATE_DIR=str(tmp_path))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # gunicorn_conf makes its own
    web = subprocess.Popen(
        [GUNICORN, "--config", "python:service.web.gunicorn_conf", "service.web.wsgi:app"],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for _ in range(8):
            # A new connection each time, so both workers answer some.
            requests.post(base + "/sms", data={"From": "+447400123456", "Body": "hi"}, timeout=5, headers={"Connection": "close"})
        for _ in range(4):
            text = requests.get(base + "/metrics", timeout=5, headers={"Connection": "close"}).text
            assert 'signpost_webhooks_total{route="/sms",status="200"} 8.0' in text
    finally:
        web.terminate()
        web.wait(timeout=30)
