"""Photos on the web: uploaded at the photo question, kept cleaned, and shown on the concern's
page only to those who may see the concern."""

from __future__ import annotations

from tests.photos import has_no_metadata, jpeg_with_exif
from tests.web.forms import fill_in


async def test_a_photo_uploaded_on_the_web_is_shown_cleaned_to_the_manager_only(sign_in):
    alex = await sign_in("alex@example.org")
    first = await alex.press(await alex.get("/hub/"), "Log a concern")
    check = await fill_in(alex, first, "concern", photo=jpeg_with_exif())
    assert "1 photo" in check.text
    done = await alex.press(check, "Confirm and send")
    assert "CN-2026-0001" in done.text

    priya = await sign_in("priya@example.org")
    page = await priya.get("/hub/records/CN-2026-0001")
    assert page.status == 200 and "Photo 1 of CN-2026-0001" in page.html
    async with priya.session.get(priya.base + "/hub/records/CN-2026-0001/photos/1") as response:
        assert response.status == 200 and response.content_type == "image/jpeg"
        assert has_no_metadata(await response.read())
    async with priya.session.get(priya.base + "/hub/records/CN-2026-0001/photos/2") as response:
        assert response.status == 404

    jordan = await sign_in("jordan@example.org")
    async with jordan.session.get(jordan.base + "/hub/records/CN-2026-0001/photos/1") as response:
        assert response.status == 404
