"""One name per thing: the glossary's labels translate to its Chinese terms, the route by rank
reads with the period's share, and the words the product does not use appear nowhere in the
Chinese interface, the documents or the exported headers."""

import re
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.utils import translation

from jixiao.core import glossary

ROOT = Path(__file__).resolve().parents[2] / "jixiao"
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Documents written in fixed Chinese.
DOCUMENT_TEMPLATES = [
    ROOT / "showcase" / "templates" / "showcase" / "wechat_article.html",
    ROOT / "showcase" / "templates" / "showcase" / "poster.html",
    ROOT / "selection" / "templates" / "selection" / "notice_print.html",
]


@pytest.mark.parametrize(("label", "chinese"), glossary.TERMS, ids=[zh for _label, zh in glossary.TERMS])
def test_each_label_translates_to_its_term(label, chinese):
    with translation.override("zh-hans"):
        assert str(label) == chinese


def test_the_route_by_rank_reads_with_the_periods_share():
    assert glossary.top_share(Decimal("10.00")) == "排名前10%"
    assert glossary.top_share(Decimal("12.50")) == "排名前12.5%"
    assert glossary.route(True, Decimal("10")) == "排名前10%"
    assert glossary.route(True) == glossary.TOP_BY_RANK == "排名前列"
    assert glossary.route(False, Decimal("10")) == glossary.SPECIAL == "突出贡献"
    with translation.override("zh-hans"):
        assert glossary.route_label(True, Decimal("12.50")) == "排名前12.5%"
        assert glossary.route_label(True) == "排名前列"
        assert glossary.route_label(False, "10") == "突出贡献"
    with translation.override("en"):
        assert glossary.route_label(True, "10") == "top 10% by rank"


def chinese_texts():
    for entry in polib.pofile(str(CATALOGUE)):
        if not entry.obsolete:
            for msgstr in (entry.msgstr, *entry.msgstr_plural.values()):
                yield f"msgid {entry.msgid!r}", msgstr
    for path in DOCUMENT_TEMPLATES:
        yield path.name, path.read_text(encoding="utf-8")


def test_no_avoided_word_is_written():
    from jixiao.reports import exports, tables

    texts = list(chinese_texts())
    headers = [
        column.header
        for columns in (
            exports.RANKING_COLUMNS,
            exports.EXEMPLAR_COLUMNS,
            exports.CANDIDATE_COLUMNS,
            tables.TREND_COLUMNS,
            tables.BREAKDOWN_COLUMNS,
        )
        for column in columns
    ]
    texts += [("export header", header) for header in headers]
    texts += [
        ("export label", label)
        for label in (*exports.OUTCOME_LABELS.values(), *exports.STATE_LABELS.values())
    ]
    texts += [
        (f"table {t.slug}", t.title) for t in (*tables.PERIOD_TABLES.values(), *tables.TREND_TABLES.values())
    ]
    found = [
        f"{where}: {match.group(0)!r} in {text!r} (write {use})"
        for where, text in texts
        for pattern, use in glossary.AVOIDED
        for match in re.finditer(pattern, text)
    ]
    assert found == [], "\n".join(found)
