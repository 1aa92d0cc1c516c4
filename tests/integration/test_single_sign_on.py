"""Single sign-on through the city's identity platform (OpenID Connect): a staff member with
an account opened from the roster signs in without our password, an unknown person or a
token meant for another client does not."""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from jixiao.assessment import actions as assessment_actions
from jixiao.org import actions as org_actions
from jixiao.org.access import Operator
from jixiao.org.models import PasswordToChange, Person, Unit
from tests.identity_platform import IdentityPlatform, follow_to_platform


@pytest.fixture
def platform():
    with (
        IdentityPlatform("jixiao-test", "platform-secret") as running,
        override_settings(**running.settings()),
    ):
        yield running


@pytest.fixture
def staff_account(db):
    assessment_actions.create_period("2024H1", acting_user=Operator("cli:test"))
    person = Person.objects.create(staff_id="100001", name="王小明")
    unit = Unit.objects.create(name="市财政局")
    org_actions.open_staff_accounts([(person, unit)], acting_user=Operator("cli:test"))
    return get_user_model().objects.get(username="100001")


def test_a_staff_member_signs_in_through_the_platform(client, platform, staff_account):
    login_page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/sso/"' in login_page
    platform.sign_in_as = "100001"
    landed = follow_to_platform(client, client.get("/accounts/sso/"))
    assert landed.status_code == 302 and landed["Location"] == "/"
    # Signed in by the platform: our one-time password is not in the way.
    assert PasswordToChange.objects.filter(user=staff_account).exists()
    mine = client.get("/me/")
    assert mine.status_code == 200 and "王小明" in mine.content.decode()


def test_nobody_without_an_account_is_let_in_or_given_one(client, platform, staff_account):
    platform.sign_in_as = "999999"
    landed = follow_to_platform(client, client.get("/accounts/sso/"))
    assert landed["Location"].startswith("/accounts/login/?sso=failed")
    assert not get_user_model().objects.filter(username="999999").exists()
    assert client.get("/me/").status_code == 302  # still signed out
    page = client.get(landed["Location"]).content.decode()
    assert "统一身份认证" in page


def test_a_token_meant_for_another_client_is_refused(client, platform, staff_account):
    platform.sign_in_as, platform.audience = "100001", "another-system"
    landed = follow_to_platform(client, client.get("/accounts/sso/"))
    assert landed["Location"].startswith("/accounts/login/?sso=failed")
    assert client.get("/me/").status_code == 302


def test_without_configuration_there_is_no_single_sign_on(client, db):
    assert client.get("/accounts/sso/").status_code == 404
    assert "/accounts/sso/" not in client.get("/accounts/login/").content.decode()
