"""What the benchmarks against `jixiao serve` share: the server started on a free port of
127.0.0.1 over a data folder, and a small HTTP/1.1 client on asyncio's streams (keep-alive
connections, one request in flight on each), so the client costs little of the cores it
shares with the server."""

import asyncio
import gzip
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

from demo_city import ROOT

# The server's key; a benchmark that makes what the server checks (the rating codes' keyed
# hashes) sets it in its own process as well.
SECRET_KEY = "bench-only-" + "s" * 50


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)  # names in lower case
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)

    def cookies(self) -> dict[str, str]:
        """The cookies the answer sets (name → value; "" where it deletes one)."""
        set_cookies = {}
        for key, value in self.headers:
            if key == "set-cookie":
                pair, _, attributes = value.partition(";")
                name, _, content = pair.strip().partition("=")
                deleted = "max-age=0" in attributes.lower().replace(" ", "")
                set_cookies[name] = "" if deleted else content.strip('"')
        return set_cookies

    @property
    def text(self) -> str:
        """The body as text (unzipped first where the server sent it gzipped)."""
        body = self.body
        if (self.header("content-encoding") or "").lower() == "gzip":
            body = gzip.decompress(body)
        return body.decode("utf-8", "replace")


async def exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Answer:
    """Send one request on an open connection and read the whole answer (Content-Length,
    chunked, or up to the close)."""
    headers = {"Host": "127.0.0.1", "Accept-Encoding": "gzip", **(headers or {})}
    lines = [f"{method} {path} HTTP/1.1", *(f"{name}: {value}" for name, value in headers.items())]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    answer = Answer(int(status_line.split()[1]))
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        answer.headers.append((name.strip().lower(), value.strip()))
    length = answer.header("content-length")
    if length is not None:
        answer.body = await reader.readexactly(int(length))
    elif (answer.header("transfer-encoding") or "").lower() == "chunked":
        parts = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readline()
        while (await reader.readline()) not in (b"\r\n", b""):  # trailers
            pass
        answer.body = b"".join(parts)
    elif answer.status not in (204, 304) and method != "HEAD":
        answer.body = await reader.read()
    return answer


async def connect(port: int):
    return await asyncio.open_connection("127.0.0.1", port)


async def request(
    port: int,
    connection,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[Answer | None, tuple, float]:
    """(the answer or None for none, the connection to go on with, latency ms). A kept-alive
    connection the server has closed meanwhile (gunicorn's keep-alive is 2 s) is opened
    again and the request sent once more, timed from the first try: that is no failure (the
    server closes only between requests, so the first try was never read)."""
    start = time.perf_counter()
    for _attempt in range(2):
        try:
            answer = await exchange(*connection, method, path, headers, body)
            ms = (time.perf_counter() - start) * 1000
            if (answer.header("connection") or "").lower() == "close":
                connection[1].close()
                connection = await connect(port)
            return answer, connection, ms
        except (ConnectionError, asyncio.IncompleteReadError):
            connection[1].close()
            connection = await connect(port)
    return None, connection, (time.perf_counter() - start) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_server(
    folder: str, workers: int, *, database_url: str | None = None
) -> tuple[subprocess.Popen, int]:
    """`jixiao serve --workers N` on the data folder (and ``database_url``, else the folder's
    SQLite database), once /healthz answers; its log is ``serve.log`` in the folder."""
    sys.path.insert(0, str(ROOT))
    from tools.pgserver import free_port

    port = free_port()
    env = {
        **os.environ,
        "JIXIAO_DATA_DIR": folder,
        "JIXIAO_HTTPS": "0",
        "JIXIAO_SECRET_KEY": SECRET_KEY,
    }
    env.pop("JIXIAO_PRODUCTION", None)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    log = open(os.path.join(folder, "serve.log"), "w")  # noqa: SIM115 (kept open for the server's life)
    server = subprocess.Popen(
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
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return server, port
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"jixiao serve did not start: see {log.name}")
        time.sleep(0.3)


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """User and system CPU time so far of the server and its worker processes (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        if int(name) == server.pid or int(fields[1]) == server.pid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)
