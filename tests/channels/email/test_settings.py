"""SMTP settings: defaults, and one plain line for each wrong value."""

from __future__ import annotations

import pytest

from bot.channels import email
from bot.channels.email.settings import EmailSettings, TlsMode
from bot.config import ConfigError

BASE = {
    "SAFERHUB_SMTP_HOST": "smtp.office365.com",
    "SAFERHUB_SMTP_FROM": "saferhub@council.example",
}


def read(**changes: str) -> EmailSettings:
    return EmailSettings.from_env({**BASE, **changes})


def test_email_is_on_only_when_an_smtp_host_is_set() -> None:
    assert email.wanted(BASE)
    assert not email.wanted({"SAFERHUB_SMTP_FROM": "saferhub@council.example"})
    assert not email.wanted({"SAFERHUB_SMTP_HOST": "  "})


def test_defaults_are_starttls_on_587_with_no_login_and_a_30_second_timeout() -> None:
    settings = read()
    assert (settings.tls, settings.port, settings.user, settings.timeout) == (
        TlsMode.STARTTLS,
        587,
        "",
        30.0,
    )
    assert settings.from_header == "saferhub@council.example"
    assert settings.domain == "council.example"


@pytest.mark.parametrize(
    ("tls", "host", "port"),
    [("implicit", "smtp.example", 465), ("starttls", "smtp.example", 587), ("none", "::1", 25)],
)
def test_the_default_port_follows_the_tls_mode(tls: str, host: str, port: int) -> None:
    assert read(SAFERHUB_SMTP_TLS=tls, SAFERHUB_SMTP_HOST=host).port == port


def test_a_named_sender_and_a_login_are_read_and_the_password_is_never_shown() -> None:
    settings = read(
        SAFERHUB_SMTP_FROM="Saferhub <saferhub@council.example>",
        SAFERHUB_SMTP_USER="saferhub@council.example",
        SAFERHUB_SMTP_PASSWORD="correct horse battery staple",
        SAFERHUB_SMTP_PORT="2525",
        SAFERHUB_SMTP_TIMEOUT="12.5",
    )
    assert settings.from_header == "Saferhub <saferhub@council.example>"
    assert (settings.port, settings.timeout) == (2525, 12.5)
    assert "correct horse" not in repr(settings)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SAFERHUB_SMTP_FROM": ""}, "SAFERHUB_SMTP_FROM"),
        ({"SAFERHUB_SMTP_FROM": "not an address"}, "SAFERHUB_SMTP_FROM"),
        ({"SAFERHUB_SMTP_FROM": "a@b.example\r\nBcc: x@y.example"}, "SAFERHUB_SMTP_FROM"),
        ({"SAFERHUB_SMTP_TLS": "ssl"}, "SAFERHUB_SMTP_TLS must be starttls, implicit or none"),
        ({"SAFERHUB_SMTP_TLS": "none"}, "only for a relay on this machine"),
        ({"SAFERHUB_SMTP_PORT": "0"}, "SAFERHUB_SMTP_PORT"),
        ({"SAFERHUB_SMTP_PORT": "smtp"}, "SAFERHUB_SMTP_PORT"),
        ({"SAFERHUB_SMTP_PORT": "70000"}, "SAFERHUB_SMTP_PORT"),
        ({"SAFERHUB_SMTP_TIMEOUT": "nan"}, "SAFERHUB_SMTP_TIMEOUT"),
        ({"SAFERHUB_SMTP_TIMEOUT": "0"}, "SAFERHUB_SMTP_TIMEOUT"),
        ({"SAFERHUB_SMTP_USER": "someone"}, "go together"),
        ({"SAFERHUB_SMTP_PASSWORD": "secret"}, "go together"),
        ({"SAFERHUB_SMTP_HOST": "smtp.example\r\nRSET"}, "SAFERHUB_SMTP_HOST"),
    ],
)
def test_each_wrong_value_is_refused_in_one_plain_line_naming_the_setting(
    changes: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        read(**changes)
    assert named in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_password_is_never_in_the_refusal() -> None:
    with pytest.raises(ConfigError) as refused:
        read(SAFERHUB_SMTP_PASSWORD="hunter2-secret")
    assert "hunter2" not in str(refused.value)
