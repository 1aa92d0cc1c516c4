"""Normalising text the way users type it into Excel and WPS."""

import datetime
import unicodedata


def clean_text(value) -> str:
    """A cell as text: ``None`` is empty, whitespace (full-width too) is trimmed."""
    if value is None:
        return ""
    return str(value).strip()


def fold(value: str) -> str:
    """Compatibility-fold (full-width letters and digits become ASCII) and lower-case."""
    return unicodedata.normalize("NFKC", value).strip().lower()


def plain_decimal(value) -> str:
    """``Decimal('10.00')`` → ``10``, ``Decimal('2.50')`` → ``2.5``: as people write numbers."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def character_count(text: str) -> int:
    """Characters as a Chinese word count has them (Word's 字数): whitespace not counted."""
    return sum(1 for ch in text if not ch.isspace())


def display_width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: list[str], rows: list[list]) -> str:
    """A plain-text table aligned for a terminal, Chinese text included."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            # Text left-aligned, numbers right-aligned.
            parts.append(pad + cell if cell.lstrip("-").isdigit() else cell + pad)
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def normalize_staff_id(value) -> str:
    """A staff ID as stored: trimmed, full-width digits typed with a Chinese input method
    made ASCII; case is kept."""
    return unicodedata.normalize("NFKC", clean_text(value))


def chinese_date(day: datetime.date) -> str:
    """``2023年7月10日``: the date as an official document writes it."""
    return f"{day.year}年{day.month}月{day.day}日"
