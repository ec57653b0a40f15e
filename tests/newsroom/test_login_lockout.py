"""Admin login lockouts: guessing is stopped, and strangers cannot lock an editor out."""

import pytest
from django.test import Client
from django.urls import reverse

PASSWORD = "the-right-password-123"
EDITORS_DESK = "192.0.2.10"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Dozens of logins per test: hash with a fast hasher (the lockout rules are the same)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor_with_password(editor):
    editor.set_password(PASSWORD)
    editor.save()
    return editor


def log_in(username, password, address):
    """Post the admin login form from `address`; return the status (302 means logged in)."""
    response = Client(REMOTE_ADDR=address).post(
        reverse("admin:login"), {"username": username, "password": password}
    )
    return response.status_code


def test_guesses_spread_over_many_addresses_lock_the_account_for_new_addresses(
    editor_with_password, settings
):
    """40 guesses from 10 addresses (4 each, under the per-address limit) used to lock nothing."""
    assert log_in("editor", PASSWORD, EDITORS_DESK) == 302
    for attacker in range(10):
        for _ in range(4):
            assert log_in("editor", "guess", f"203.0.113.{attacker}") in (200, 429)
    assert log_in("editor", PASSWORD, "198.51.100.7") == 429  # a new address: locked
    assert log_in("editor", PASSWORD, EDITORS_DESK) == 302  # the editor's own desk: not


def test_the_account_locks_for_new_addresses_at_the_username_limit(editor_with_password, settings):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 8
    for attacker in range(7):
        assert log_in("editor", "guess", f"203.0.113.{attacker}") == 200
    assert log_in("editor", "guess", "203.0.113.98") == 429  # the 8th failure locks
    assert log_in("editor", PASSWORD, "203.0.113.99") == 429


def test_guessing_from_one_address_locks_that_address_out_of_the_account_only(
    editor_with_password, settings
):
    assert log_in("editor", PASSWORD, EDITORS_DESK) == 302
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("editor", "guess", "203.0.113.5")
    assert log_in("editor", PASSWORD, "203.0.113.5") == 429
    assert log_in("editor", PASSWORD, EDITORS_DESK) == 302
    assert log_in("editor", PASSWORD, "198.51.100.7") == 302  # 5 failures of 20 for the account


def test_trying_many_usernames_from_one_address_locks_the_address(
    editor_with_password, writer, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    writer.set_password(PASSWORD)
    writer.save()
    sprayer = "203.0.113.50"
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        assert log_in(f"user{number}", "Summer2026!", sprayer) == 200  # one try per username
    assert log_in("another-user", "Summer2026!", sprayer) == 429  # the 6th failure locks
    assert log_in("writer", PASSWORD, sprayer) == 429
    assert log_in("writer", PASSWORD, "198.51.100.7") == 302  # the account itself is not locked


def test_an_editor_who_logged_in_from_an_address_is_judged_there_by_their_own_tries_only(
    editor_with_password, writer, settings
):
    """A shared office address where someone tried many accounts still lets known staff in."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    assert log_in("editor", PASSWORD, EDITORS_DESK) == 302
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        log_in(f"user{number}", "guess", EDITORS_DESK)
    assert log_in("editor", PASSWORD, EDITORS_DESK) == 302
