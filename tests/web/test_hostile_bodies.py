"""Property: whatever a signed-in browser (or anyone) posts to any of the hub's pages, it never
gets a 500, nothing fails behind the page, the hub keeps answering, and user text comes back
escaped. Bodies are form fields the pages really use, broken at random, with hostile text."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.channels import fuzzing
from tests.conftest import SqliteTemplates
from tests.hostile import hostile_text
from tests.web.conftest import Browser

FIELDS = ("csrf", "event", "field", "kind", "answer", "choice", "command", "edit", "action", "next")
WEB = settings(fuzzing.FUZZ, max_examples=max(10, fuzzing.EXAMPLES // 10))
SOURCES = ("bot", "aiohttp", "asyncio", "jinja2")


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.split(".")[0] in SOURCES
    ]


texts = st.one_of(
    hostile_text(), st.text(max_size=40), st.sampled_from(["back", "confirm", "edit"])
)
bodies = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), texts, max_size=8
)


@pytest.fixture(params=["sqlite"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """SQLite only: what is fuzzed here is the HTTP layer, which is the same on either database."""
    path = tmp_path / "hub.db"
    await request.getfixturevalue("sqlite_templates").empty(path)
    yield SqliteTemplates.url(path)


@pytest.fixture
async def alex(sign_in) -> Browser:
    return await sign_in("alex@example.org")


async def exchange(
    person: Browser, caplog: pytest.LogCaptureFixture, path: str, data: dict[str, str]
) -> int:
    """Post `data` form-encoded (any text, lone surrogates too) and check what holds for any body."""
    caplog.clear()
    body = urlencode(data, errors="surrogatepass")
    page = await person.post_raw(path, body.encode(), "application/x-www-form-urlencoded")
    assert page.status < 500, page.text[:300]
    assert failures(caplog) == []
    assert (await person.get("/hub/")).status == 200
    assert "<script>alert" not in page.html
    return page.status


@WEB
@given(
    body=bodies,
    path=st.sampled_from(["/hub/form", "/hub/start/concern", "/hub/records/CN-2026-0001"]),
    with_csrf=st.booleans(),
)
async def test_broken_form_posts_never_get_a_500(alex, caplog, body, path, with_csrf):
    home = await alex.get("/hub/")
    csrf = next(f.fields["csrf"] for f in home.forms if "csrf" in f.fields)
    data = {**body, "csrf": csrf} if with_csrf else body
    status = await exchange(alex, caplog, path, data)
    if not with_csrf and data.get("csrf") != csrf:
        assert status == 403


@WEB
@given(answer=hostile_text())
async def test_any_answer_to_a_question_comes_back_escaped_and_never_a_500(alex, caplog, answer):
    page = await alex.get("/hub/form")
    if not any("field" in f.fields for f in page.forms):
        page = await alex.press(await alex.get("/hub/"), "Log a concern")
    form = next(f for f in page.forms if "field" in f.fields)
    data = {
        **form.fields,
        "answer": answer.encode("utf-8", "surrogatepass"),
        "choice": answer.encode("utf-8", "surrogatepass"),
    }
    await exchange(alex, caplog, "/hub/form", data)


CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json",
        "text/plain",
    ]
)


@WEB
@given(raw=st.binary(max_size=300), content_type=CONTENT_TYPES)
async def test_raw_bodies_of_any_type_never_get_a_500(alex, caplog, raw, content_type):
    caplog.clear()
    async with alex.session.post(
        alex.base + "/hub/form", data=raw, headers={"Content-Type": content_type}
    ) as response:
        assert response.status < 500
    assert failures(caplog) == []


@WEB
@given(token=st.text(max_size=80), query=st.text(max_size=80))
async def test_any_sign_in_link_or_page_address_never_gets_a_500(browser, caplog, token, query):
    caplog.clear()
    person = browser()
    for path in (
        f"/hub/sign-in/link/{token}",
        f"/hub/records/{token}",
        f"/hub/ask/{token}?for={query}",
    ):
        try:
            url = aiohttp.client.URL(person.base + path.replace("#", "%23").replace("?", "%3F", 0))
        except ValueError:
            continue
        async with person.session.get(url) as response:
            assert response.status < 500
        async with person.session.post(url, data={"x": query}) as response:
            assert response.status < 500
    assert failures(caplog) == []


# Every address the hub takes a POST at, with its parameters filled in: a new one fails
# `test_every_post_address_is_fuzzed` until it is named here.
POSTS = {
    "/hub/directory/people/{person_id}/{change}": (
        "/hub/directory/people/2/leaver",
        "/hub/directory/people/2/email-works",
        "/hub/directory/people/999/on-duty",
        "/hub/directory/people/2/%0d%0a",
    ),
    "/hub/form": ("/hub/form",),
    "/hub/recommendations/import/apply": ("/hub/recommendations/import/apply",),
    "/hub/recommendations/import/preview": ("/hub/recommendations/import/preview",),
    "/hub/records/{reference}": ("/hub/records/CN-2026-0001", "/hub/records/VUL-11"),
    "/hub/sign-in/email": ("/hub/sign-in/email",),
    "/hub/sign-in/link/{token}": ("/hub/sign-in/link/" + "A" * 43,),
    "/hub/sign-out": ("/hub/sign-out",),
    "/hub/start/{form_id}": ("/hub/start/concern", "/hub/start/no-such-form"),
}


def post_addresses(site: TestServer) -> set[str]:
    """The hub's POST addresses, as the router lists them."""
    (hub,) = (r.get_info()["app"] for r in site.app.router.resources() if "app" in r.get_info())
    return {
        resource.canonical
        for resource in hub.router.resources()
        if any(route.method == "POST" for route in resource)
    }


def test_every_post_address_is_fuzzed(site: TestServer) -> None:
    assert post_addresses(site) == set(POSTS), "add the new POST address to POSTS"


@WEB
@given(
    body=bodies,
    path=st.sampled_from(sorted(p for paths in POSTS.values() for p in paths)),
    raw=st.binary(max_size=200),
)
async def test_any_body_posted_anywhere_by_the_administrator_never_gets_a_500(
    sign_in, caplog, body, path, raw
):
    ada = await sign_in("admin@example.org")  # the administrator: admin-only forms are reached too
    home = await ada.get("/hub/")
    csrf = next(f.fields["csrf"] for f in home.forms if "csrf" in f.fields)
    caplog.clear()
    async with ada.session.post(
        ada.base + path, data=raw, headers={"Content-Type": "multipart/form-data; boundary=x"}
    ) as response:
        assert response.status < 500
    assert failures(caplog) == []
    await exchange(ada, caplog, path, {**body, "csrf": csrf})
