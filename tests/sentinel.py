"""A real replicated Redis watched by Redis Sentinel, on free loopback ports in a folder:
a primary, its replicas and three ``redis-server --sentinel``, for the failover test and
``tests/load/failover_trial.py``. Nothing is faked: the primary is killed with SIGKILL
and the Sentinels elect and promote a replica as they would in production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import redis

from service.state.embedded_redis import free_port, redis_server_binary

MASTER = "signpost"
# Quick, for a test: a primary silent for a second is down; production keeps Redis's
# defaults or a few seconds (see docs/deployment.md).
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 5000


class SentinelCluster:
    def __init__(self, folder: Path, *, replicas: int = 1, min_replicas_to_write: int = 0, sentinels: int = 3):
        self.folder = Path(folder)
        self.min_replicas_to_write = min_replicas_to_write
        self.node_ports = [free_port() for _ in range(1 + replicas)]
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.processes: dict[int, subprocess.Popen] = {}
        self.primary_port = self.node_ports[0]

    @property
    def sentinels_setting(self) -> str:
        """As ``REDIS_SENTINELS`` wants it."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def env(self) -> dict[str, str]:
        return {"REDIS_SENTINELS": self.sentinels_setting, "REDIS_SENTINEL_MASTER": MASTER, "REDIS_URL": "redis://127.0.0.1/0"}

    def start(self, timeout: float = 20.0) -> SentinelCluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        for port in self.node_ports:
            command = [
                redis_server_binary(),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self._dir(port)),
                "--logfile",
                "redis.log",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--maxmemory-policy",
                "noeviction",
                "--min-replicas-to-write",
                str(self.min_replicas_to_write),
                "--min-replicas-max-lag",
                "10",
            ]
            if port != self.primary_port:
                command += ["--replicaof", "127.0.0.1", str(self.primary_port)]
            self._run(port, command)
        for port in self.sentinel_ports:
            config = self._dir(port) / "sentinel.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self._dir(port)}\nlogfile sentinel.log\n"
                f"sentinel monitor {MASTER} 127.0.0.1 {self.primary_port} 2\n"
                f"sentinel down-after-milliseconds {MASTER} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {MASTER} {FAILOVER_TIMEOUT_MS}\n"
                f"sentinel parallel-syncs {MASTER} 1\n"
            )
            self._run(port, [redis_server_binary(), str(config), "--sentinel"])
        self._wait_until_watched(timeout)
        return self

    def _dir(self, port: int) -> Path:
        folder = self.folder / str(port)
        folder.mkdir(exist_ok=True)
        return folder

    def _run(self, port: int, command: list[str]) -> None:
        self.processes[port] = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def _wait_until_watched(self, timeout: float) -> None:
        """Until every replica is in sync and every Sentinel knows the replicas and the
        other Sentinels: before then a failover could not be agreed."""
        deadline = time.monotonic() + timeout
        replicas = len(self.node_ports) - 1
        while True:
            try:
                synced = self.node(self.primary_port).info("replication").get("connected_slaves", 0)
                ready = synced == replicas and all(
                    len(s.sentinel_slaves(MASTER)) == replicas and len(s.sentinel_sentinels(MASTER)) == len(self.sentinel_ports) - 1
                    for s in map(self.node, self.sentinel_ports)
                )
            except redis.RedisError:
                ready = False
            if ready:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"Sentinels not ready within {timeout}s; see {self.folder}")
            time.sleep(0.1)

    @staticmethod
    def node(port: int) -> redis.Redis:
        return redis.Redis(port=port, socket_timeout=1, socket_connect_timeout=1)

    def primary(self) -> redis.Redis:
        """The node the Sentinels name as primary now."""
        for port in self.sentinel_ports:
            try:
                _, primary_port = self.node(port).sentinel_get_master_addr_by_name(MASTER)
                return self.node(int(primary_port))
            except (redis.RedisError, TypeError):
                continue
        raise RuntimeError("no Sentinel answers")

    def kill_primary(self) -> int:
        """SIGKILL the primary, as a machine that dies would leave it; return its port."""
        killed = self.primary_port
        os.kill(self.processes[killed].pid, signal.SIGKILL)
        self.processes[killed].wait()
        return killed

    def promoted(self, timeout: float = 30.0) -> int:
        """Wait until the Sentinels name another primary; return its port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            port = int(self.primary().connection_pool.connection_kwargs["port"])
            if port != self.primary_port:
                self.primary_port = port
                return port
            time.sleep(0.1)
        raise RuntimeError(f"no replica promoted within {timeout}s")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
