"""The codes themselves: 8 characters from 32 that cannot be mistaken for one another (no
0/O, no 1/I/l), so 40 random bits, typed case-insensitively with any spaces or dashes."""

import secrets
import unicodedata

from django.utils.crypto import salted_hmac

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8
BITS = 40  # 32 ** 8 == 2 ** 40
ROUND_KEY_LENGTH = 6
SEPARATORS = str.maketrans("", "", " -_\u3000")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def new_round_key() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ROUND_KEY_LENGTH))


def new_rater_token() -> str:
    """What a code's scores are filed under (``RaterScore.rater``): random, so it tells
    nothing of the code, its slip or its holder."""
    return "R" + "".join(secrets.choice(ALPHABET) for _ in range(15))


def normalize(text: str) -> str | None:
    """The code a person typed, or None when it cannot be one (wrong length or a character
    the alphabet does not have). Full-width letters and digits are read as their ASCII."""

    typed = unicodedata.normalize("NFKC", text or "").translate(SEPARATORS).upper()
    if len(typed) != LENGTH or any(ch not in ALPHABET for ch in typed):
        return None
    return typed


def shown(code: str) -> str:
    """As printed: two groups of four, easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"


def code_hash(code: str) -> str:
    """The keyed hash stored in place of the code (the server's secret key is the key: a
    copy of the database alone does not give the codes back, not even by trying them all)."""
    return salted_hmac("jixiao.rating.code", code, algorithm="sha256").hexdigest()
