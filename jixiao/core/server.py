"""The site under gunicorn, with its options given here rather than in a config file."""

import contextlib
import subprocess
import sys

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _
from gunicorn.app.base import BaseApplication


class JixiaoServer(BaseApplication):
    def __init__(self, application, options: dict):
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def parse_address(address: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8000`` for IPv6) → (host, port); ``ValueError`` with a message."""
    host, separator, port = address.rpartition(":")
    host = host.strip("[]")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(_("%(address)s is not HOST:PORT, e.g. 127.0.0.1:8000.") % {"address": address})
    return host, int(port)


def serve(host: str, port: int, *, workers: int, threads: int) -> None:
    """Serve until stopped (Ctrl+C or SIGTERM, after the requests in flight end)."""
    from jixiao.wsgi import application

    # Every worker opens its own connections: none may be inherited from this process.
    connections.close_all()
    JixiaoServer(
        application,
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            # A document made within the request (background exports off) may take minutes.
            "timeout": 300,
            "graceful_timeout": 30,
            "accesslog": "-",
            "errorlog": "-",
            # X-Forwarded-Proto is believed only from the proxies the settings trust.
            "forwarded_allow_ips": ",".join(sorted(settings.TRUSTED_PROXIES)) or "127.0.0.1",
            "proc_name": "jixiao",
            # No control socket in the home folder: several servers may run on one machine.
            "control_socket_disable": True,
        },
    ).run()


@contextlib.contextmanager
def queue_workers(count: int):
    """``count`` ``jixiao worker`` processes beside a server on this machine (the demo's),
    stopped with it: in production they are services of their own (see the README)."""
    processes = [
        subprocess.Popen([sys.executable, "-m", "jixiao.cli", "worker", "--verbosity", "0"])
        for _ in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
