"""What the page benchmarks share: Django on a fresh SQLite demo city in a temporary folder,
the test client's environment, and a median timer."""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def build_demo_city(people: int, name: str) -> str:
    """Set Django up on an empty SQLite database in a new temporary folder, build the demo
    city there (``jixiao demo --no-serve``) and return the folder."""
    folder = tempfile.mkdtemp(prefix=f"jixiao-bench-{name}-")
    os.environ["JIXIAO_DATA_DIR"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jixiao.settings")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's hosts
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command("demo", no_serve=True, people=people, stdout=quiet)
    print(f"demo city with {people} people built in {time.perf_counter() - started:.1f} s ({folder})")
    return folder


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
