"""A city's unified identity platform for the single sign-on tests: an OpenID Connect
provider on loopback (authorization code flow with PKCE, RS256-signed ID tokens, a JWKS and
a userinfo endpoint), answering the real HTTP requests mozilla-django-oidc makes.

``platform.sign_in_as = "100001"`` chooses who the next authorization signs in (the
platform's own login page is not ours to test); ``platform.audience`` may be set to issue
tokens meant for another client."""

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlparse
from wsgiref.simple_server import WSGIRequestHandler, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "platform-key-1"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class IdentityPlatform:
    def __init__(self, client_id: str, client_secret: str):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.sign_in_as: str | None = None
        self.audience: str | None = None
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}
        self.server = make_server("127.0.0.1", 0, self.app, handler_class=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict:
        return {
            "JIXIAO_OIDC_ENABLED": True,
            "JIXIAO_OIDC_ISSUER": self.url,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
        }

    # ------------------------------------------------------------------ the endpoints

    def app(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/authorize":
            return self.authorize(query, start_response)
        if path == "/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
            return self.token(form, start_response)
        if path == "/userinfo":
            bearer = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
            if bearer not in self.tokens:
                return self._json(start_response, {"error": "invalid_token"}, "401 Unauthorized")
            name = self.tokens[bearer]
            return self._json(start_response, {"sub": f"sub-{name}", "preferred_username": name})
        if path == "/jwks":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return self._json(
                start_response, {"keys": [{**jwk, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}
            )
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    def authorize(self, query, start_response):
        assert query["client_id"] == self.client_id and query["response_type"] == "code"
        assert query.get("code_challenge_method") == "S256", "PKCE expected"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "name": self.sign_in_as,
            "nonce": query.get("nonce"),
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
        }
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        start_response("302 Found", [("Location", target)])
        return [b""]

    def token(self, form, start_response):
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("client_secret") != self.client_secret:
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if digest != grant["challenge"] or form.get("redirect_uri") != grant["redirect_uri"]:
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": f"sub-{grant['name']}",
            "aud": self.audience or self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
        }
        id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})
        access_token = secrets.token_urlsafe(16)
        self.tokens[access_token] = grant["name"]
        return self._json(
            start_response, {"access_token": access_token, "id_token": id_token, "token_type": "Bearer"}
        )

    @staticmethod
    def _json(start_response, body, status="200 OK"):
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]


def follow_to_platform(client, response):
    """The browser's trip through the platform: its authorization answers with a redirect
    back to our callback (as after the person signed in there)."""
    import requests

    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert urlparse(location).path == "/authorize", location
    back = requests.get(location, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")
