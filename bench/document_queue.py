"""Benchmark: the whole city's poster through the shared queue, made by 1 and by 2
``jixiao worker`` processes, against the same poster made directly in this process.

    uv run python bench/document_queue.py [--people 8000] [--smoke]

A fresh demo city on SQLite in a temporary folder. For each number of workers the workers
are started and ready first, then the documents are queued (as a page queues them) and
timed until the last is done. The baseline is the first poster made in this process (cold,
as each freshly started worker's first one is); the second one, warm (portraits and QR codes
kept by the process), is printed beside it: one city poster (A4), then two at once (A4 and A3). Prints the
seconds and the ratios queued / direct, and the input size (exemplars, units, pages). One
poster is one task, so a second worker does not make it faster; two posters at once are
made side by side. --smoke: a small city, that it runs and every document is made.
"""

import argparse
import os
import subprocess
import sys
import time

from demo_city import ROOT, build_demo_city


def start_workers(count: int, folder: str) -> list[subprocess.Popen]:
    """``count`` workers on the city's database, once each says it is waiting."""
    env = {**os.environ, "JIXIAO_DATA_DIR": folder}
    env.pop("DATABASE_URL", None)
    workers = []
    for number in range(count):
        log = open(os.path.join(folder, f"worker-{number}.log"), "w+")  # noqa: SIM115 (the worker's)
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "jixiao.cli", "worker", "--interval", "0.1", "--no-startup-delay"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        workers[-1].log = log
    for worker in workers:
        deadline = time.monotonic() + 60
        while not ready(worker):
            assert worker.poll() is None and time.monotonic() < deadline, open(worker.log.name).read()
            time.sleep(0.1)
    return workers


def ready(worker) -> bool:
    text = open(worker.log.name).read()
    return "等待生成文件" in text or "waiting for documents" in text


def stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(timeout=60)
        worker.log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8000)
    parser.add_argument("--smoke", action="store_true", help="a small city: that it runs")
    options = parser.parse_args()
    if options.smoke:
        options.people = 1500

    folder = build_demo_city(options.people, "queue")
    import pypdfium2
    from django.conf import settings

    from jixiao.assessment.models import Period
    from jixiao.core.models import BackgroundJob, JobState
    from jixiao.showcase import jobs, posters
    from jixiao.showcase.public import published_exemplars

    settings.JIXIAO_EXPORTS_IN_BACKGROUND = True
    settings.JIXIAO_JOBS_AT_ONCE = settings.JIXIAO_JOBS_PER_HOUR = 1000
    period = Period.objects.get(code="2023H1")
    exemplars = published_exemplars(period)
    base_url = "http://127.0.0.1:8000/"

    started = time.perf_counter()
    direct = posters.poster_pdf(period, None, posters.PAPERS["A4"], base_url)
    direct_seconds = time.perf_counter() - started  # cold, as a fresh worker's first poster
    started = time.perf_counter()
    posters.poster_pdf(period, None, posters.PAPERS["A4"], base_url)
    warm_seconds = time.perf_counter() - started  # portraits and QR codes kept by the process
    pages = len(pypdfium2.PdfDocument(direct))
    print(
        f"input: {len(exemplars)} published exemplars in {len({e.unit_id for e in exemplars})} units, "
        f"the city poster (A4) {pages} pages\n"
    )
    print(f"{'':<36}{'workers':>8}{'seconds':>9}{'queued/direct':>15}")
    print(f"{'city poster A4, in this process':<36}{'-':>8}{direct_seconds:>9.1f}{1.0:>15.2f}")
    print(
        f"{'  the same again (warm)':<36}{'-':>8}{warm_seconds:>9.1f}{warm_seconds / direct_seconds:>15.2f}"
    )

    failures = 0
    for count in (1, 2):
        for papers in (("A4",), ("A4", "A3")):
            BackgroundJob.objects.all().delete()  # made anew, not the copy already made
            workers = start_workers(count, folder)
            try:
                started = time.perf_counter()
                keys = [
                    jobs.start_document(
                        period, None, jobs.POSTER, paper_name=paper, base_url=base_url, requested_by=None
                    ).key
                    for paper in papers
                ]
                while BackgroundJob.objects.filter(
                    key__in=keys, state__in=[JobState.QUEUED, JobState.RUNNING]
                ).exists():
                    time.sleep(0.1)
                seconds = time.perf_counter() - started
            finally:
                stop(workers)
            made = BackgroundJob.objects.filter(key__in=keys, state=JobState.DONE)
            failures += len(keys) - made.count()
            label = "city poster A4" if len(papers) == 1 else "city posters A4 + A3 at once"
            print(f"{label + ', queued':<36}{count:>8}{seconds:>9.1f}{seconds / direct_seconds:>15.2f}")
            if len(papers) == 1:
                same = bytes(made.get().result) if made.exists() else b""
                failures += len(pypdfium2.PdfDocument(same)) != pages if same else 1
    print(f"\ndocuments not made, or not of the direct poster's pages: {failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
