"""Signing in to the web hub: one-time links, sessions, CSRF, idle timeout and sign-out."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.conversation import visits
from storage.models import AuditEntry, DialogSession, Person, WebSession
from tests.web.conftest import later


async def test_a_link_signs_its_person_in_once_with_a_safe_cookie(sample_hub, browser):
    token = await visits.make_link(sample_hub, "priya@example.org", limit=False)
    priya = browser()
    opened = await priya.get(f"/hub/sign-in/link/{token}")
    assert opened.status == 200 and opened.h1 == "Sign in to Saferhub"
    assert (
        priya.cookie("saferhub_session") is None
    )  # opening the link (a mail scanner) spends nothing
    home = await priya.press(opened, "Continue")
    assert home.status == 200 and home.h1 == "Hello, Priya Sample"
    cookie = priya.cookie("saferhub_session")
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    again = browser()
    reused = await again.post(f"/hub/sign-in/link/{token}", {})
    assert reused.status == 403 and "already been used" in reused.text
    assert again.cookie("saferhub_session") is None


async def test_an_expired_or_made_up_link_signs_nobody_in(sample_hub, browser):
    token = await visits.make_link(sample_hub, "alex@example.org", limit=False)
    later(sample_hub, 16)
    late = await browser().post(f"/hub/sign-in/link/{token}", {})
    assert late.status == 403 and "expired" in late.text
    forged = await browser().post("/hub/sign-in/link/not-a-real-token", {})
    assert forged.status == 403
    async with sample_hub.unit() as uow:
        refused = await uow.session.scalar(
            select(func.count()).where(AuditEntry.action == visits.REFUSED)
        )
    assert refused == 2


async def test_nobody_outside_the_directory_or_inactive_gets_a_link(sample_hub):
    assert await visits.make_link(sample_hub, "stranger@example.org") is None
    async with sample_hub.unit() as uow:
        leaver = await uow.session.scalar(select(Person).where(Person.email == "pat@example.org"))
        leaver.active = False
    assert await visits.make_link(sample_hub, "pat@example.org") is None


async def test_a_leaver_made_inactive_is_signed_out_at_their_next_click(sample_hub, sign_in):
    pat = await sign_in("pat@example.org")
    async with sample_hub.unit() as uow:
        leaver = await uow.session.scalar(select(Person).where(Person.email == "pat@example.org"))
        leaver.active = False
    page = await pat.get("/hub/")
    assert page.url.endswith("/hub/sign-in?next=/hub/")


async def test_links_are_rate_limited_per_person(sample_hub):
    made = [await visits.make_link(sample_hub, "alex@example.org") for _ in range(7)]
    assert all(made[: visits.LINKS_PER_HOUR]) and not any(made[visits.LINKS_PER_HOUR :])


async def test_pages_need_a_session_and_posts_need_the_csrf_token(sample_hub, browser, sign_in):
    stranger = browser()
    page = await stranger.get("/hub/records/CN-2026-0001")
    assert page.url.endswith("/hub/sign-in?next=/hub/records/CN-2026-0001")
    refused = await stranger.post("/hub/start/concern", {"event": "x"})
    assert refused.status == 403
    alex = await sign_in("alex@example.org")
    forged = await alex.post("/hub/start/concern", {"event": "x", "csrf": "guess"})
    assert forged.status == 403 and forged.h1 == "Form expired"
    bare = await alex.post("/hub/start/concern", {"event": "y"})
    assert bare.status == 403
    async with sample_hub.unit() as uow:
        started = await uow.session.scalar(select(func.count()).select_from(DialogSession))
    assert started == 0


async def test_a_session_ends_after_thirty_idle_minutes_and_at_sign_out(sample_hub, sign_in):
    alex = await sign_in("alex@example.org")
    later(sample_hub, 29)
    assert (await alex.get("/hub/")).h1.startswith("Hello")
    later(sample_hub, 29)  # 29 minutes after the last request: still in
    home = await alex.get("/hub/")
    assert home.h1.startswith("Hello")
    later(sample_hub, 31)
    assert (await alex.get("/hub/")).url.endswith("/hub/sign-in?next=/hub/")
    alex = await sign_in("alex@example.org")
    home = await alex.get("/hub/")
    token = alex.cookie("saferhub_session").value
    out = await alex.press(home, "Sign out")
    assert out.url.endswith("/hub/sign-in")
    async with sample_hub.unit() as uow:
        ended = await uow.session.scalar(
            select(WebSession.ended_at).where(WebSession.token_hash == visits.digest(token))
        )
    assert ended is not None


async def test_every_page_carries_a_strict_content_security_policy(sign_in):
    alex = await sign_in("alex@example.org")
    home = await alex.get("/hub/")
    policy = home.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert home.headers["Cache-Control"] == "no-store"
    assert home.headers["X-Frame-Options"] == "DENY"


async def test_after_sign_in_the_visitor_goes_where_they_were_going_but_never_off_site(browser):
    page = await browser().get("/hub/sign-in?next=//evil.example/")
    assert page.status == 200 and "evil" not in page.html
