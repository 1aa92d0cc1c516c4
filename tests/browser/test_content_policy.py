"""Every page runs under the site's Content-Security-Policy (the browser fixture fails a test
on any violation). Here: that the policy is really enforced, and seen when broken."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_injected_inline_script_is_refused_and_reported(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    response = page.goto("/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # What an attacker's injected markup would do: the browser refuses to run it.
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.injected = 1";
                   document.body.appendChild(s); }"""
    )
    assert page.evaluate("() => window.injected") is None
    page.wait_for_timeout(200)
    assert any("inline script" in violation.lower() for violation in chromium.violations), chromium.violations
    # The site's own scripts do run: the language menu switches on change.
    # (signed out: the sign-in page's visitors choose their language too)
    page.locator("select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    chromium.violations.clear()  # the expected one, not a failure of this test
    context.close()
