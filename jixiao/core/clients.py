"""The client's address behind a reverse proxy."""

from django.conf import settings


def client_address(request) -> str:
    """The peer's address, or, when the peer is one of ``TRUSTED_PROXIES``, the address that
    proxy appended to X-Forwarded-For (nginx's ``$proxy_add_x_forwarded_for``): the last one.
    Addresses further left are whatever the client claimed, and are ignored.

    (A proxy count, as python-ipware counts, would believe the header from any peer.)"""
    peer = request.META.get("REMOTE_ADDR", "")
    if peer in settings.TRUSTED_PROXIES:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        chain = [address for address in forwarded if address]
        # Several proxies in a row each append their peer: skip the trusted ones.
        while chain and chain[-1] in settings.TRUSTED_PROXIES:
            chain.pop()
        if chain:
            return chain[-1]
    return peer
