"""What the line asks of Redis: little memory for call retries, and no eviction of
what it must never forget. Over HTTP against a live server, and the Procfile's web
process against a Redis of the test's own."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests

from service.state.embedded_redis import EmbeddedRedis, free_port
from service.state.keys import PREFIX
from tests.support import gather

PROJECT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def voice_records(redis_client) -> list[bytes]:
    return list(redis_client.scan_iter(f"{PREFIX}delivery:voice:*"))


def test_a_call_steps_retry_record_is_kept_for_minutes_and_holds_little(twilio, redis_client):
    call = twilio.call_start().press("1").press("9")
    records = voice_records(redis_client)
    assert len(records) == 3
    for key in records:
        assert 0 < redis_client.ttl(key) <= 10 * 60
        assert len(redis_client.get(key)) < 64  # not the TwiML (about 1.5 KB a step)
    assert "Step 1" in call.text


def test_a_retried_step_still_gets_the_identical_answer(twilio, redis_client):
    call = twilio.call_start(from_="anonymous").say("text me the links").press("07400123456")
    url = gather(call.root).get("action")
    first = call.press("1").response.content
    again = call.post(url, Digits="1").response.content
    assert again == first and b"the text will be there" in first


@pytest.fixture
def own_redis(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis", persist=False)
    server.start()
    yield server
    server.stop()


def start_web(tmp_path, redis_url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "SIGNPOST_", "PUBLIC_"))}
    env.update(
        TWILIO_AUTH_TOKEN="redis-needs-auth-token-0123456789",
        SIGNPOST_SECRET_KEY="redis-needs-secret-key-0123456789abcdef",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        REDIS_URL=redis_url,
        WEB_CONCURRENCY="1",
        SIGNPOST_STATE_DIR=str(tmp_path / "state"),
    )
    process = subprocess.Popen(
        [GUNICORN, "--config", "python:service.web.gunicorn_conf", "service.web.wsgi:app", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, port


def started(process, port) -> tuple[bool, str]:
    """Whether the web process came up (then stopped), and what it said."""
    deadline = time.monotonic() + 30
    up = False
    while time.monotonic() < deadline and process.poll() is None:
        try:
            up = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    process.terminate()
    _, stderr = process.communicate(timeout=15)
    return up, stderr


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_the_web_process_refuses_a_redis_that_may_evict_any_key(tmp_path, own_redis, policy):
    redis.Redis.from_url(own_redis.url).config_set("maxmemory-policy", policy)
    up, said = started(*start_web(tmp_path, own_redis.url))
    assert not up and policy in said and "noeviction" in said


def test_a_redis_that_may_evict_keys_with_a_ttl_is_named_in_a_warning(tmp_path, own_redis):
    redis.Redis.from_url(own_redis.url).config_set("maxmemory-policy", "volatile-lru")
    up, said = started(*start_web(tmp_path, own_redis.url))
    assert up and "volatile-lru" in said and "noeviction" in said


def test_noeviction_starts_quietly_and_a_redis_that_hides_config_gets_a_warning(tmp_path, own_redis):
    client = redis.Redis.from_url(own_redis.url)
    up, said = started(*start_web(tmp_path, own_redis.url))
    assert up and "maxmemory-policy" not in said
    # A managed Redis may refuse CONFIG: the line starts, and says it could not check.
    client.execute_command("ACL", "SETUSER", "line", "on", ">line-password", "~*", "&*", "+@all", "-config")
    limited = own_redis.url.replace("redis://", "redis://line:line-password@")
    up, said = started(*start_web(tmp_path, limited))
    assert up and "could not read Redis's maxmemory-policy" in said
