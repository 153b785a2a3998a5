"""``signpost serve``: the web process and the worker on this machine, as the Procfile says."""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

from flows.pack import PackError, load_pack
from service.cli import LOCAL_REDIS_FILE, PROJECT_DIR, say, state_dir
from service.config import Config, ConfigError
from service.state.embedded_redis import EmbeddedRedis


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the Procfile (web, and worker when there is one) with honcho, as a PaaS would."""
    local_state = state_dir().resolve()
    env = dict(os.environ)
    env.setdefault("PORT", str(args.port))
    # One state folder for this command and the processes it starts.
    env["SIGNPOST_STATE_DIR"] = str(local_state)
    try:
        config = Config.from_env(env)
        pack = load_pack(config.pack_dir)
        # Every line's pack must load too: the web process would refuse to start.
        for folder in config.packs.values():
            load_pack(folder)
    except (ConfigError, PackError) as exc:
        say(str(exc))
        return 2
    procfile = PROJECT_DIR / "Procfile"
    # Checked before anything is started, so nothing is left running when they are missing.
    if importlib.util.find_spec("honcho") is None:
        say("serve runs the Procfile with honcho: pip install -e '.[local]' (make run does)")
        return 2
    if not procfile.is_file():
        say(f"serve runs the Procfile, and there is none at {procfile}: run it from a checkout")
        return 2
    say(f"content pack {pack.id} loaded from {config.pack_dir}" + (f", and {len(config.packs)} by called number" if config.packs else ""))

    embedded = None
    written = local_state / LOCAL_REDIS_FILE
    try:
        if not env.get("REDIS_URL"):
            embedded = EmbeddedRedis(local_state / "redis")
            env["REDIS_URL"] = embedded.start()
            written.write_text(env["REDIS_URL"] + "\n", encoding="utf-8")
            say(
                f"no REDIS_URL: started a local Redis at {env['REDIS_URL']} "
                f"(data in {embedded.data_dir}; the signpost command uses it while this runs)"
            )
        if not config.auth_token:
            say("no TWILIO_AUTH_TOKEN: signatures are not checked, serving on 127.0.0.1 only")
        say(f"webhooks: http://127.0.0.1:{env['PORT']}/sms and /voice (Ctrl-C stops)")
        # The Procfile names console scripts (gunicorn, signpost): find them beside this Python.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        command = [sys.executable, "-m", "honcho", "start", "-f", str(procfile), "-d", str(PROJECT_DIR)]
        process = subprocess.Popen(command, env=env)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            return process.wait()
    finally:
        # Whatever ends the command, what it started stops and is no longer named.
        if embedded:
            written.unlink(missing_ok=True)
            embedded.stop()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def register(commands) -> None:
    serve = commands.add_parser("serve", help="run the web process (and worker) locally, as the Procfile says")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5000)))
    serve.set_defaults(handler=cmd_serve)
