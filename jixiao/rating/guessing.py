"""Limits on guessing codes: wrong codes typed from one address for one round are counted
in a window; past the limit the address waits until the window ends. Kept in the database,
so every web process of the city counts together.

Per round as well as per address: the raters of one office often share one address, and a
few of them mistyping must not lock out every other round of the city."""

import datetime
import math

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from jixiao.core.refusals import Refused
from jixiao.rating.errors import RatingRefusal
from jixiao.rating.models import CodeGuesses

WINDOW = datetime.timedelta(minutes=15)
# Enough for a whole office behind one address mistyping now and then; far too few to
# find one of 2^40 codes (30 guesses a quarter hour is ~10^6 a year).
FAILURE_LIMIT = 30


def _current(address: str, round_key: str, now: datetime.datetime) -> CodeGuesses | None:
    guesses = CodeGuesses.objects.filter(address=address, round_key=round_key).first()
    if guesses is None or now - guesses.window_start >= WINDOW:
        return None
    return guesses


def check(address: str, round_key: str = "") -> None:
    """Refuse, with how long to wait, an address past the limit in this window."""
    now = timezone.now()
    guesses = _current(address, round_key, now)
    if guesses is not None and guesses.failures >= FAILURE_LIMIT:
        left = guesses.window_start + WINDOW - now
        raise Refused(RatingRefusal.TOO_MANY_GUESSES, minutes=max(1, math.ceil(left.total_seconds() / 60)))


def failed(address: str, round_key: str = "") -> None:
    """Count one wrong code (a new window starts when the last one has ended)."""
    now = timezone.now()
    with transaction.atomic():
        updated = CodeGuesses.objects.filter(
            address=address, round_key=round_key, window_start__gt=now - WINDOW
        ).update(failures=F("failures") + 1)
        if updated:
            return
        restarted = CodeGuesses.objects.filter(address=address, round_key=round_key).update(
            window_start=now, failures=1
        )
        if restarted:
            return
        try:
            with transaction.atomic():
                CodeGuesses.objects.create(address=address, round_key=round_key, window_start=now, failures=1)
        except IntegrityError:  # another request of the same address created it just now
            CodeGuesses.objects.filter(address=address, round_key=round_key).update(
                failures=F("failures") + 1
            )
