"""Shared test set-up. Tests by kind: tests/unit (pure rules), tests/integration
(database, run on SQLite and PostgreSQL by ./test)."""

import os

import pytest
from hypothesis import HealthCheck, settings

# Database examples are slower than pure ones and vary with the engine; a deadline would
# only measure the machine.
settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: the showcase keys its entries by the audit log's
    last number, which the rolled-back test databases hand out again."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def background_work_within_the_request():
    """Documents and a unit's actions run within the request (the product's setting for a
    server without a worker), as the test's own transaction holds their data. The tests of
    the queue set JIXIAO_EXPORTS_IN_BACKGROUND and run `jixiao worker` themselves."""
    from django.test import override_settings

    with override_settings(JIXIAO_EXPORTS_IN_BACKGROUND=False):
        yield
