"""`jixiao serve` and `jixiao worker` processes for the tests that run them as a city's
servers do, and a plain HTTP client for them."""

import http.client
import io
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager

from django.core.management import call_command

from tools.pgserver import free_port

SECRET = "test-only-" + "k" * 50


def environment_for(tmp_path, **environment) -> dict:
    """The environment of a server process: its own data folder and SQLite database unless
    ``environment`` names others."""
    env = {
        **os.environ,
        "JIXIAO_SECRET_KEY": SECRET,
        "JIXIAO_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "JIXIAO_HTTPS": "0",
        **environment,
    }
    env.pop("JIXIAO_PRODUCTION", None)  # `serve` sets it itself
    return env


@contextmanager
def served(tmp_path, *, workers: int = 2, **environment):
    """A `jixiao serve` process on a free port, with its own data folder and database (unless
    ``environment`` names others); yields (port, output file) once it answers, and stops it
    after."""
    port = free_port()
    log = (tmp_path / f"serve-{port}.log").open("w+")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jixiao.cli",
            "serve",
            "--addr",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        env=environment_for(tmp_path, **environment),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, log_text(log)
            try:
                get(port, "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, log_text(log)
                time.sleep(0.3)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def log_text(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def get(port: int, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


@contextmanager
def worker(tmp_path, **environment):
    """A `jixiao worker` process; yields its output file, and stops it after."""
    log = (tmp_path / f"worker-{time.monotonic_ns()}.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "jixiao.cli", "worker", "--interval", "0.2"],
        env=environment_for(tmp_path, **environment),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield log
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def run_worker() -> str:
    """What ``jixiao worker --batch`` prints making every queued job, in this process."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    out = io.StringIO()
    try:
        call_command("worker", "--batch", "--no-startup-delay", "--interval", "0", stdout=out)
    finally:
        for number, handler in handlers.items():  # the worker sets its own
            signal.signal(number, handler)
    return out.getvalue()
