"""Helpers for tests of the web pages."""


def sign_in(client, username: str, password: str) -> None:
    """Sign in through the login page, as a user does (django-axes sees the request)."""
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
