"""Property: whatever anyone posts to "Email me a sign-in link" (a public form, with no session
and no CSRF token), it never gets a 500 nor a refusal from the guard, nothing fails behind the
page, and what was typed comes back escaped."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestServer
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import hostile_text
from tests.web.conftest import Browser
from tests.web.test_hostile_bodies import (  # noqa: F401 (database_url: SQLite only)
    CONTENT_TYPES,
    WEB,
    database_url,
    failures,
)

emails = st.one_of(
    hostile_text(),
    st.text(max_size=60),
    st.just("alex@example.org"),
    st.builds(lambda a, b: f"{a}@{b}.org", st.text(max_size=20), st.text(max_size=20)),
    st.sampled_from(["alex@example.org\r\nBcc: x@evil.example", "a" * 100_000 + "@example.org"]),
)
nexts = st.one_of(
    hostile_text(), st.text(max_size=60), st.sampled_from(["/hub/", "//evil.example", "/hub/\r\n"])
)


@pytest.fixture
def site(email_site: TestServer) -> TestServer:
    """The sign-in page offers email links here."""
    return email_site


@WEB
@given(email=emails, going=nexts, extra=st.dictionaries(st.text(max_size=10), st.text(max_size=20)))
async def test_any_email_or_next_asked_for_never_gets_a_500(browser, caplog, email, going, extra):
    caplog.clear()
    person: Browser = browser()
    body = urlencode({**extra, "email": email, "next": going}, errors="surrogatepass")
    page = await person.post_raw(
        "/hub/sign-in/email", body.encode(), "application/x-www-form-urlencoded"
    )
    assert page.status in (200, 400), page.text[:300]
    assert failures(caplog) == []
    assert "<script>alert" not in page.html
    if page.status == 200:
        assert page.h1 in ("Check your email", "Sign in to Saferhub")
        assert page.headers["Cache-Control"] == "no-store"


@WEB
@given(raw=st.binary(max_size=300), content_type=CONTENT_TYPES)
async def test_raw_bodies_of_any_type_never_get_a_500(browser, caplog, raw, content_type):
    caplog.clear()
    page = await browser().post_raw("/hub/sign-in/email", raw, content_type)
    assert page.status in (200, 400), page.text[:300]
    assert failures(caplog) == []
