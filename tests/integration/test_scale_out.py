"""Several machines on one database: two `jixiao serve` processes and a `jixiao worker`, each
with a data folder of its own (no shared disk), share the queue, the documents and the
sessions through the database alone — on PostgreSQL, as a city adding machines runs them."""

import http.client
import re
import shutil
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import connection

from tests.servers import environment_for, log_text, served, worker

AUDIT_KEY = "ab" * 32
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


@contextmanager
def shared_database():
    """A database of its own on the PostgreSQL server the tests run on, dropped after."""
    settings = connection.settings_dict
    name = f"jixiao_scale_{uuid.uuid4().hex[:8]}"
    server = {"host": settings["HOST"], "port": settings["PORT"], "user": settings["USER"]}
    if settings["PASSWORD"]:
        server["password"] = settings["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        yield f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


class Browser:
    """A signed-in visitor: one session cookie, sent to whichever server it asks."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        client.request(method, path, body=body, headers=headers)
        response = client.getresponse()
        response.body = response.read()
        client.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return response

    def sign_in(self, port: int, username: str, password: str) -> None:
        page = self.request(port, "GET", "/accounts/login/").body.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = self.request(
            port,
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        assert response.status == 302, response.body.decode()[:2000]


@pytest.mark.slow
@needs_poppler
@pytest.mark.skipif(connection.vendor != "postgresql", reason="several machines share a PostgreSQL server")
def test_a_poster_started_through_one_server_is_made_by_a_worker_and_sent_by_another(tmp_path):
    with shared_database() as database_url:
        shared = {"DATABASE_URL": database_url, "JIXIAO_AUDIT_KEY": AUDIT_KEY}
        # The demo city (published exemplars with portraits) built from a machine of its own.
        built = subprocess.run(
            [sys.executable, "-m", "jixiao.cli", "demo", "--no-serve", "--people", "1000"],
            env=environment_for(tmp_path, JIXIAO_DATA_DIR=str(tmp_path / "builder"), **shared),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert built.returncode == 0, built.stderr
        password = re.search(r"密码 (\S+)", built.stdout).group(1)
        machines = {name: str(tmp_path / name) for name in ("web-a", "web-b", "worker")}
        with (
            served(tmp_path, workers=1, JIXIAO_DATA_DIR=machines["web-a"], **shared) as (port_a, _log_a),
            served(tmp_path, workers=1, JIXIAO_DATA_DIR=machines["web-b"], **shared) as (port_b, log_b),
        ):
            browser = Browser()
            browser.sign_in(port_a, "kaoheban", password)
            started = browser.request(port_a, "GET", "/periods/2023H1/showcase/poster.pdf?paper=A4")
            # No worker yet: the document waits in the queue, and the other server sees it wait.
            assert started.status == 302, started.body.decode()[:2000]
            progress = started.getheader("Location")
            assert re.fullmatch(r"/exports/[0-9a-f]{24}/", progress), progress
            waiting = browser.request(port_b, "GET", progress).body.decode()
            assert "等待后台进程" in waiting, waiting
            with worker(tmp_path, JIXIAO_DATA_DIR=machines["worker"], **shared) as worker_log:
                deadline = time.monotonic() + 300
                while "文件已生成" not in (page := browser.request(port_b, "GET", progress).body.decode()):
                    assert "文件生成失败" not in page, page
                    assert time.monotonic() < deadline, log_text(worker_log)
                    time.sleep(0.5)
            document = browser.request(port_b, "GET", progress + "file")
            assert document.status == 200 and document.getheader("Content-Type") == "application/pdf"
            pdf = tmp_path / "poster.pdf"
            pdf.write_bytes(document.body)
            text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True).stdout
            # Every published exemplar of the city is on it, as the public list shows them.
            public = browser.request(port_b, "GET", "/exemplars/2023H1/").body.decode()
            names = set(re.findall(r'class="ex-name">([^<]+)<', public))
            assert names and all(name in text.replace(" ", "") for name in names), (names, text[:3000])
            assert "GET /exports/" in log_text(log_b)
        # Nothing was written to a server's own disk: each holds only its static files.
        for name, folder in machines.items():
            kept = {path.relative_to(folder).parts[0] for path in Path(folder).rglob("*") if path.is_file()}
            assert kept <= {"static"}, (name, kept)
