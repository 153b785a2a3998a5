"""Console logins cannot starve the webhooks they share a process with: each login is
checked against an Argon2 hash (tens of milliseconds of CPU that no other request
in the worker gets while it runs), so 16 clients posting logins as fast as they are
answered must still leave a genuine webhook answered within a second. The Procfile's
web line, on loopback, with a token; the login clients are bounded in number and time."""

import re
import threading
import time

import requests

from tests.load.slow_clients import genuine_webhook

LOGIN_CLIENTS = 16


def post_logins(port: int, n: int, stop: threading.Event, answers: list) -> None:
    http = requests.Session()
    page = http.get(f"http://127.0.0.1:{port}/console/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    deadline = time.monotonic() + 20
    while not stop.is_set() and time.monotonic() < deadline:
        answer = http.post(
            f"http://127.0.0.1:{port}/console/login",
            timeout=30,
            allow_redirects=False,
            data={"username": f"guess{n}", "password": "not the password", "csrf_token": token},
        )
        answers.append(answer.status_code)


def test_a_genuine_webhook_is_answered_within_a_second_while_logins_pour_in(web):
    genuine_webhook(web, 0)  # the worker is warm
    stop, answers = threading.Event(), []
    clients = [threading.Thread(target=post_logins, args=(web, n, stop, answers)) for n in range(LOGIN_CLIENTS)]
    for client in clients:
        client.start()
    try:
        time.sleep(1.0)
        took = [genuine_webhook(web, n) for n in range(1, 6)]
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=40)
    assert answers, "no login was answered"
    assert max(took) < 1.0, took
