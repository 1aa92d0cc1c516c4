"""Assessors of two units click "compute the ranking" at the same moment, against a SQLite
file database under the production settings (WAL, IMMEDIATE transactions, a busy timeout):
what the test suite's in-memory SQLite database cannot show, as its locks never wait.

    python -m tests.concurrent_clicks FOLDER CLICKS

prints one JSON object: every answer (status, and the message of the page it leads to),
and the ranking afterwards (rows, whether it is current).
"""

import json
import os
import sys
import threading
from pathlib import Path


def main(folder: str, clicks: int) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'jixiao.sqlite3'}"
    os.environ["JIXIAO_DATA_DIR"] = folder
    os.environ["DJANGO_SETTINGS_MODULE"] = "jixiao.settings"
    # Each click ranks within its request (no worker), so that the rankings meet in the database.
    os.environ["JIXIAO_EXPORTS_IN_BACKGROUND"] = "0"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from jixiao.assessment.actions import get_or_create_period
    from jixiao.imports.actions import import_file
    from jixiao.imports.roster import ROSTER_COLUMNS
    from jixiao.imports.scores import SCORE_COLUMNS
    from jixiao.imports.source import open_source
    from jixiao.org.access import Operator
    from jixiao.org.models import Role, RoleKind, Unit
    from jixiao.selection.actions import rank
    from jixiao.selection.models import RankingResult
    from jixiao.selection.ranking import ranking_is_current

    setup_test_environment()  # the test client's responses, and no e-mail
    call_command("migrate", verbosity=0)
    operator = Operator("test")
    period, _created = get_or_create_period("2025H1", acting_user=operator)
    roster, scores = Path(folder) / "roster.csv", Path(folder) / "scores.csv"
    people = [
        (f"{p}{n:03d}", f"{name}{n:02d}", unit)
        for p, name, unit in (("F", "财政", "市财政局"), ("C", "城关", "城关镇"))
        for n in range(1, 21)
    ]
    roster.write_text(
        "工号,姓名,单位,人员类别\n" + "".join(f"{s},{n},{u},一般干部\n" for s, n, u in people),
        encoding="utf-8",
    )
    scores.write_text(
        "工号,总分\n" + "".join(f"{s},{100 - i % 20}\n" for i, (s, _n, _u) in enumerate(people))
    )
    import_file("roster", period, open_source(roster, ROSTER_COLUMNS), acting_user=operator)
    import_file("scores", period, open_source(scores, SCORE_COLUMNS), acting_user=operator)
    rank(period, acting_user=operator)

    targets = []
    for number in range(clicks):
        unit = Unit.objects.order_by("pk")[number % 2]
        user = get_user_model().objects.create_user(f"k{number}")
        Role.objects.create(user=user, kind=RoleKind.ASSESSOR, unit=unit)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        targets.append((client, f"/periods/2025H1/units/{unit.pk}/ranking/run/"))
    connection.close()
    answers, start = [], threading.Barrier(clicks, timeout=60)

    def click(client, url):
        try:
            start.wait()
            response = client.post(url)
            page = client.get(response["Location"]).content.decode() if response.status_code == 302 else ""
            messages = [m for m in ("排名已计算", "正在计算") if m in page]
            answers.append({"status": response.status_code, "messages": messages})
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    print(
        json.dumps(
            {
                "answers": answers,
                "rows": RankingResult.objects.filter(period=period).count(),
                "current": ranking_is_current(period),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
