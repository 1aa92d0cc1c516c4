"""Run the whole test suite on SQLite, then on a throwaway PostgreSQL server.

uv run python -m tools.runtests [--sqlite-only | --postgres-only] [pytest arguments]
"""

import os
import subprocess
import sys
from pathlib import Path

from tools.pgserver import throwaway_postgres


def pytest(label: str, database_url: str | None, args: list[str]) -> int:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    print(f"\n=== tests on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def lint() -> int:
    print("=== ruff ===", flush=True)
    paths = ["jixiao", "tests", "tools", "bench"]
    code = subprocess.call([sys.executable, "-m", "ruff", "check", *paths]) or subprocess.call(
        [sys.executable, "-m", "ruff", "format", "--check", *paths]
    )
    print("=== import layers (import-linter) ===", flush=True)
    # The contracts are in pyproject.toml: each app imports only the layers below it.
    return code or subprocess.call([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"])


def main(argv: list[str]) -> int:
    engines = {"sqlite", "postgresql"}
    if "--sqlite-only" in argv:
        engines = {"sqlite"}
    if "--postgres-only" in argv:
        engines = {"postgresql"}
    args = [a for a in argv if a not in ("--sqlite-only", "--postgres-only")]
    results = {"lint": lint()}
    if "sqlite" in engines:
        results["SQLite"] = pytest("SQLite", None, args)
    if "postgresql" in engines:
        # Durability is not under test: skipping fsync makes the suite several times faster.
        with throwaway_postgres(
            settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        ) as url:
            results["PostgreSQL"] = pytest("PostgreSQL", url, args)
    print(
        "\n"
        + "  ".join(
            f"{name}: {'passed' if code == 0 else f'FAILED ({code})'}" for name, code in results.items()
        )
    )
    return max(results.values(), default=0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
