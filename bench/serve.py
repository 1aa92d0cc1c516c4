"""Benchmark: the public pages under `jixiao serve` on loopback, many clients at once.

    uv run python bench/serve.py [--people 8000] [--workers 2] [--clients 50,200,500]
                                 [--seconds 10] [--rate 200] [--smoke]

Builds the demo city (SQLite, temporary folder), starts `jixiao serve --workers N` on a free
port of 127.0.0.1 and loads it with a bounded asyncio client of its own (keep-alive
connections, one request in flight on each; the standard library's streams, so the client
costs little of the two cores it shares with the server):

- *closed loop*: C clients request one URL as fast as they get answers, for ``--seconds``:
  requests/s, p50 and p99 latency, for C in ``--clients``;
- *open loop*: requests sent at ``--rate`` per second whatever the answers, the goal's
  measure (p99 < 50 ms at 200 req/s with 2 workers).

Pages: the public list, a profile and the big screen's ``data.json``; baseline in the same
run: a static file (the site's stylesheet, under its hashed name) from the same server, i.e.
the server's own cost with no Django view behind it. Every answer must be 200 (exit 1 when
one is not).
"""

import argparse
import asyncio
import os
import re
import statistics
import sys
import time
import urllib.request

from demo_city import build_demo_city
from loopback import connect, percentile, request, start_server, stop_server

GOAL_P99_MS = 50


async def closed_loop(port: int, path: str, clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def client():
        nonlocal failures
        connection = await connect(port)
        try:
            while time.perf_counter() < deadline:
                answer, connection, ms = await request(port, connection, path)
                if answer is not None:
                    latencies.append(ms)
                failures += answer is None or answer.status != 200
        finally:
            connection[1].close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, failures


async def open_loop(port: int, path: str, rate: float, seconds: float) -> tuple[list[float], int]:
    """One request every 1/rate s on a pool of idle connections (a new one when all are busy)."""
    latencies: list[float] = []
    failures = 0
    idle: list[tuple] = []

    async def one():
        nonlocal failures
        connection = idle.pop() if idle else await connect(port)
        answer, connection, ms = await request(port, connection, path)
        if answer is not None:
            latencies.append(ms)
        failures += answer is None or answer.status != 200
        idle.append(connection)

    started = time.perf_counter()
    tasks = []
    for number in range(int(rate * seconds)):
        await asyncio.sleep(max(0.0, started + number / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    for _reader, writer in idle:
        writer.close()
    return latencies, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", default="50,200,500")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument(
        "--smoke", action="store_true", help="a small city, a few clients for a second: that it runs"
    )
    options = parser.parse_args()
    if options.smoke:
        options.people, options.clients, options.seconds, options.rate = 1500, "5", 1.0, 20

    folder = build_demo_city(options.people, "serve")
    from jixiao.assessment.models import Period
    from jixiao.showcase.public import published_exemplars

    period = Period.objects.get(code="2023H1")
    exemplars = published_exemplars(period)
    server, port = start_server(folder, options.workers)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as answer:
            stylesheet = re.search(r'href="(/static/jixiao/site\.[0-9a-f]+\.css)"', answer.read().decode())[1]
        targets = {
            "static file (baseline)": stylesheet,
            "list": f"/exemplars/{period.code}/",
            "profile": f"/exemplars/{period.code}/{exemplars[0].key}/",
            "screen data.json": f"/screen/{period.code}/data.json",
        }
        print(
            f"input: {len(exemplars)} published exemplars; jixiao serve --workers {options.workers} "
            f"(gthread, 4 threads) on 127.0.0.1, client and server on the same {os.cpu_count()} cores\n"
        )
        failures = 0
        print(
            f"{'closed loop':<24}{'clients':>8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'req/s ÷ static':>16}"
        )
        for clients in (int(c) for c in options.clients.split(",")):
            baseline_rate = None
            for label, path in targets.items():
                latencies, failed = asyncio.run(closed_loop(port, path, clients, options.seconds))
                failures += failed
                rate = len(latencies) / options.seconds
                baseline_rate = baseline_rate or rate
                print(
                    f"{label:<24}{clients:>8}{rate:>9.0f}{statistics.median(latencies):>9.1f}"
                    f"{percentile(latencies, 0.99):>9.1f}{rate / baseline_rate:>15.2f}×"
                )
        print(
            f"\n{'open loop':<24}{'req/s':>8}{'sent':>9}{'p50 ms':>9}{'p99 ms':>9}  goal p99 < {GOAL_P99_MS} ms"
        )
        for label, path in targets.items():
            latencies, failed = asyncio.run(open_loop(port, path, options.rate, options.seconds))
            failures += failed
            p99 = percentile(latencies, 0.99)
            print(
                f"{label:<24}{options.rate:>8.0f}{len(latencies):>9}{statistics.median(latencies):>9.1f}{p99:>9.1f}"
                f"  {'PASS' if p99 < GOAL_P99_MS else 'MISS'}"
            )
        print(f"\nrequests without a 200 answer (after one retry on a new connection): {failures}")
        return 1 if failures else 0
    finally:
        stop_server(server)


if __name__ == "__main__":
    sys.exit(main())
