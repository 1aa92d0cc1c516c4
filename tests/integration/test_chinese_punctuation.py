"""The Chinese interface writes Chinese punctuation.

Next to Chinese text, Chinese writes full-width ：，；（）？！ and quotes with “” — never a
half-width , : ; ( ) ? ! or «». The rule is checked twice: over every translation of the
catalogue (a short list of formats excepted, such as 主机:端口), and over the visible text of
every page of the URL conf rendered in Chinese for each role that may open it (the city of
``test_access_isolation``: two units in publicity, one published), the admin's pages
included. Visible text is what a reader sees: the text outside scripts, styles, ``<code>``,
``<pre>`` and form fields (what a user typed is theirs), plus the confirmations, titles and
placeholders the browser shows.

Between digits, Latin letters and in formats the half-width marks stay (1 / 25, 2025-09-20,
127.0.0.1:8000): only a mark with a CJK character directly on one side counts.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from jixiao.assessment.actions import create_period
from jixiao.org.access import Operator
from jixiao.selection.models import Candidate, Verdict
from tests.integration.test_access_isolation import (  # noqa: F401 (site: the fixture)
    ENDPOINTS,
    NOTHING_PUBLISHED_YET,
    SELF_REFUSALS,
    UNIT_B,
    UNIT_P,
    allowed_users,
    as_user,
    site,
)
from tests.workflow_city import staff_id

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "jixiao" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
)

# Chinese characters, and the full-width marks that stand beside them (“：” “（” …).
CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]"
HALF_WIDTH = r"[,:;()?!]"
# A half-width mark with a Chinese character directly before or after it, or «».
WRONG = re.compile(rf"{CJK}{HALF_WIDTH}|{HALF_WIDTH}{CJK}|[«»]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")

# Formats, not prose: the address a server listens on and the audit log's head, which a
# user types or copies exactly as written.
FORMAT_EXCEPTIONS = ("主机:端口", "条数:哈希", "%(host)s:%(port)s")

# Elements whose text is not prose of the interface: code, formats, and what users typed.
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "textarea", "kbd", "samp"}
# Attributes the browser shows as text.
SHOWN_ATTRIBUTES = ("title", "placeholder", "data-confirm", "aria-label", "alt")
# Elements that start a line or a cell of their own: their text never runs into the next's.
BLOCKS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table", "thead", "tbody",
    "h1", "h2", "h3", "h4", "h5", "h6", "br", "section", "header", "footer", "nav", "main",
    "form", "fieldset", "legend", "label", "option", "button", "figure", "figcaption", "caption",
}  # fmt: skip
BREAK = "\x00"


def wrong_marks(text: str) -> list[str]:
    """Each wrong mark with a few characters around it."""
    return [text[max(0, m.start() - 8) : m.end() + 8] for m in WRONG.finditer(text)]


# ----------------------------------------------------------------------------------------
# The catalogue
# ----------------------------------------------------------------------------------------


def catalogue_translations():
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete:
            continue
        for msgstr in (entry.msgstr, *entry.msgstr_plural.values()):
            if msgstr:
                yield entry.msgid, msgstr


def test_the_rule_sees_what_it_should():
    assert wrong_marks("第3行: 缺少工号")
    assert wrong_marks("总分: 95.00")
    assert wrong_marks("排名(组内第 1 名)")
    assert wrong_marks("市财政局, 2025-09-27")
    assert wrong_marks("缺少 «工号» 列")
    assert not wrong_marks("第 3 行：缺少“工号”列（共 1 / 25 人），时间 09:30，地址 127.0.0.1:8000")
    assert not wrong_marks("F001 (2025-09-20), x: y")


def test_every_translation_writes_chinese_punctuation():
    problems = []
    for msgid, msgstr in catalogue_translations():
        text = msgstr
        for allowed in FORMAT_EXCEPTIONS:
            text = text.replace(allowed, "")
        # A placeholder stands for a value that is often Chinese (a unit, a name).
        text = PLACEHOLDER.sub("某", text)
        problems += [f"{msgid!r}: {found!r}" for found in wrong_marks(text)]
    assert problems == [], "\n".join(problems)


# ----------------------------------------------------------------------------------------
# The pages
# ----------------------------------------------------------------------------------------


class VisibleText(HTMLParser):
    """The text a reader of the page sees, one piece per text node or shown attribute."""

    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping = []  # the open skipped elements
        self.pieces: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self.pieces.append(BREAK)
        attributes = dict(attrs)
        if not self.skipping:
            self.attributes += [attributes[name] for name in SHOWN_ATTRIBUTES if attributes.get(name)]
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)

    def handle_startendtag(self, tag, attrs):
        if not self.skipping:
            attributes = dict(attrs)
            self.attributes += [attributes[name] for name in SHOWN_ATTRIBUTES if attributes.get(name)]

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag in BLOCKS:
            self.pieces.append(BREAK)

    def handle_data(self, data):
        if not self.skipping:
            self.pieces.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        parser.close()
        # Text nodes side by side read as one line ("总分" "：" "95" are checked together), each
        # block and each shown attribute as a line of its own.
        lines = "".join(parser.pieces).split(BREAK) + parser.attributes
        return "\n".join(line for line in (re.sub(r"\s+", " ", line).strip() for line in lines) if line)


def test_visible_text_skips_code_and_fields():
    html = (
        '<p title="总分: 1">总分<b>:</b> 9</p><code>主机:端口</code><script>a("甲,乙")</script>'
        '<textarea>用户写的(内容)</textarea><input value="甲,乙"><button data-confirm="确定?">发布</button>'
    )
    text = VisibleText.of(html)
    assert text.splitlines() == ["总分: 9", "发布", "总分: 1", "确定?"]
    assert len(wrong_marks(text)) == 3


def rejected_and_removed(site) -> None:  # noqa: F811 (the fixture)
    """B's committee rejected one candidate (with a reason): the decision page shows it."""
    candidate = Candidate.objects.get(person__staff_id=staff_id(UNIT_B, 1))
    Candidate.objects.filter(pk=candidate.pk).update(
        verdict=Verdict.REJECTED, rejection_reason="近期受到通报批评，暂缓推荐"
    )


def page_problems(client, url: str, who: str) -> list[str]:
    response = client.get(url, follow=True)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    text = VisibleText.of(response.content.decode())
    return [f"{who} {url}: {found!r}" for found in wrong_marks(text)]


@pytest.mark.django_db
def test_every_page_writes_chinese_punctuation(client, site):  # noqa: F811
    rejected_and_removed(site)
    problems, seen = [], 0
    with translation.override("zh-hans"):
        client.cookies["django_language"] = "zh-hans"
        for endpoint in ENDPOINTS:
            if endpoint.post_only or endpoint.name in NOTHING_PUBLISHED_YET:
                continue
            for name in allowed_users(endpoint):
                if SELF_REFUSALS.get((endpoint.name, name)):
                    continue
                as_user(client, site, name)
                client.cookies["django_language"] = "zh-hans"
                for side in ("A", "B") if endpoint.access != "public" and name == "admin" else ("A",):
                    problems += page_problems(client, site.url(endpoint, side), name or "anonymous")
                    seen += 1
        # A new period's import pages offer the last period's roster.
        create_period("2025H2", acting_user=Operator("cli:test"))
        as_user(client, site, "admin")
        client.cookies["django_language"] = "zh-hans"
        unit_id = site.values["A"]["unit_id"]
        for url in (f"/periods/2025H2/units/{unit_id}/import/", "/periods/2025H2/import/"):
            assert "2025年上半年的花名册" in client.get(url).content.decode(), url
            problems += page_problems(client, url, "admin")
        # The pages of a signed-out visitor.
        client.logout()
        for url in ("/accounts/login/", "/exemplars/"):
            problems += page_problems(client, url, "anonymous")
    assert seen > 100
    assert problems == [], "\n".join(sorted(set(problems)))


@pytest.mark.django_db
def test_the_documents_write_chinese_punctuation(site):  # noqa: F811
    """The notice, the WeChat article and the poster are Chinese documents."""
    from jixiao.selection.models import Proposal
    from jixiao.selection.notice_documents import notice_content
    from jixiao.showcase import posters, wechat

    period = site.city.period
    problems = []
    for proposal in Proposal.objects.filter(notice__isnull=False):
        problems += wrong_marks(notice_content(proposal.notice).text)
    published = site.city.units[UNIT_P.name]
    for unit in (published, None):
        problems += wrong_marks(
            VisibleText.of(wechat.article_html(period, unit, "https://jixiao.example.gov.cn"))
        )
    for board in posters.poster_boards(period, None, posters.PAPERS["A4"], "https://jixiao.example.gov.cn"):
        problems += wrong_marks(VisibleText.of(posters.board_html(period, board, posters.PAPERS["A4"])))
    assert problems == []


ADMIN_PAGES = (
    "/admin/",
    "/admin/org/unit/",
    "/admin/org/unit/add/",
    "/admin/org/category/",
    "/admin/assessment/period/",
    "/admin/assessment/vetoreason/",
    "/admin/auth/user/",
    "/admin/auth/group/",
    "/admin/org/person/",
    "/admin/core/auditentry/",
    "/admin/password_change/",
)


@pytest.mark.django_db
def test_the_admin_writes_chinese_punctuation(client, site):  # noqa: F811
    root = get_user_model().objects.create_superuser("root", password="x-Secret-2025")
    client.force_login(root)
    client.cookies["django_language"] = "zh-hans"
    problems = []
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        problems += page_problems(client, url, "superuser")
    assert problems == [], "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("url", ["/admin/", "/admin/login/"])
@pytest.mark.django_db
def test_the_admin_has_the_sites_look_in_chinese(client, settings, url):
    settings.JIXIAO_CITY_NAME = "江城市"
    if url == "/admin/":
        client.force_login(get_user_model().objects.create_superuser("root", password="x-Secret-2025"))
    client.cookies["django_language"] = "zh-hans"
    html = client.get(url).content.decode()
    assert "江城市全员绩效考核系统 · 基础数据" in html
    assert "jixiao/admin.css" in html
    assert 'href="/"' in html
    assert "Django" not in VisibleText.of(html)
