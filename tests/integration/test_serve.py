"""`jixiao serve` as a city's server runs it: gunicorn on a port, static files by WhiteNoise
under hashed names with long cache headers and compressed copies, a Content-Security-Policy
on every page, /healthz telling the load balancer whether the database answers, and the
HTTPS settings behind a reverse proxy. Sign-in lockouts count the client behind the proxy
and the user name across addresses."""

import re

import pytest
from django.test import RequestFactory, override_settings

from jixiao.core.clients import client_address
from tests.servers import get, log_text, served
from tests.workflow_city import make_user
from tools.pgserver import free_port


@pytest.mark.slow
def test_serve_answers_with_gunicorn_whitenoise_csp_and_health(tmp_path):
    with served(tmp_path) as (port, log):
        health = get(port, "/healthz")
        assert (health.status, health.body) == (200, b"ok\n")
        login = get(port, "/accounts/login/")
        assert login.status == 200
        policy = login.getheader("Content-Security-Policy")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy
        page = login.body.decode()
        stylesheet = re.search(r'href="(/static/jixiao/site\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, page[:1500]
        css = get(port, stylesheet.group(1), {"Accept-Encoding": "gzip"})
        assert css.status == 200 and css.getheader("Content-Encoding") == "gzip"
        assert "max-age=315360000" in css.getheader("Cache-Control")
        assert "immutable" in css.getheader("Cache-Control")
        # The scripts too are the collected, hashed copies.
        assert re.search(r'src="/static/jixiao/site\.[0-9a-f]{12}\.js"', page)
        output = log_text(log)
        assert "gunicorn" in output.lower() and "runserver" not in output


@pytest.mark.slow
def test_health_is_503_while_the_database_cannot_be_reached(tmp_path):
    unreachable = f"postgresql://jixiao@127.0.0.1:{free_port()}/jixiao"
    with served(tmp_path, DATABASE_URL=unreachable) as (port, log):
        health = get(port, "/healthz")
        assert health.status == 503, health.body
        assert "cannot be reached" in log_text(log) or "无法连接" in log_text(log)


@pytest.mark.slow
def test_behind_an_https_proxy_cookies_are_secure_and_http_is_redirected(tmp_path):
    with served(tmp_path, JIXIAO_HTTPS="1", JIXIAO_TRUSTED_PROXIES="127.0.0.1") as (port, _log):
        plain = get(port, "/accounts/login/")
        assert plain.status == 301 and plain.getheader("Location").startswith("https://")
        # The load balancer's health check is answered over plain HTTP.
        assert get(port, "/healthz").status == 200
        proxied = get(
            port, "/accounts/login/", {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
        )
        assert proxied.status == 200
        assert "max-age=31536000" in proxied.getheader("Strict-Transport-Security")
        cookie = proxied.getheader("Set-Cookie")
        assert "csrftoken=" in cookie and "Secure" in cookie


@override_settings(TRUSTED_PROXIES=frozenset({"127.0.0.1", "10.0.0.2"}))
def test_the_client_is_the_address_the_trusted_proxy_appended():
    factory = RequestFactory()

    def address(peer, forwarded=None):
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return client_address(factory.get("/", REMOTE_ADDR=peer, **extra))

    # What the client claims (the left part) is ignored; the proxy's own entry is believed.
    assert address("127.0.0.1", "6.6.6.6, 203.0.113.5") == "203.0.113.5"
    # Two proxies in a row: the first one's entry is the client.
    assert address("127.0.0.1", "203.0.113.5, 10.0.0.2") == "203.0.113.5"
    # Not from a proxy: the header is the client's own claim.
    assert address("198.51.100.7", "203.0.113.5") == "198.51.100.7"
    assert address("127.0.0.1") == "127.0.0.1"


@pytest.mark.django_db
def test_a_password_guessed_from_many_addresses_locks_the_account(client):
    make_user("kezhang", password="correct horse battery")
    for attempt in range(5):
        client.post(
            "/accounts/login/",
            {"username": "kezhang", "password": f"guess-{attempt}"},
            REMOTE_ADDR=f"198.51.100.{attempt + 1}",
        )
    locked = client.post(
        "/accounts/login/",
        {"username": "kezhang", "password": "correct horse battery"},
        REMOTE_ADDR="198.51.100.99",
    )
    assert locked.status_code == 429
    assert "登录已锁定" in locked.content.decode()
