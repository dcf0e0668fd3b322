"""Driving the hub's pages with the keyboard alone: Tab to a control, then Space or Enter
(and the arrow keys inside a radio group, as a keyboard user moves between its options)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FOCUSED = """() => {
  const e = document.activeElement;
  const label = e.labels && e.labels.length ? e.labels[0].innerText : (e.innerText || e.value || '');
  const style = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), type: e.type || '', id: e.id, value: e.value || '',
          label: label.trim(), background: style.backgroundColor, shadow: style.boxShadow,
          outline: style.outlineStyle};
}"""
FOCUS_YELLOW = "rgb(255, 221, 0)"
"""GOV.UK's focus colour, #ffdd00: a focused link or button turns yellow."""
TEXT = "Painted in red on the wall under the railway bridge: go home"
"""What a person types into a question that wants words."""


def focused(page: Any) -> dict[str, str]:
    """What has the keyboard focus: its tag, type, id, value, label and focus style."""
    found: dict[str, str] = page.evaluate(FOCUSED)
    return found


def tab_to(page: Any, label: str = "", element_id: str = "", limit: int = 80) -> dict[str, str]:
    """Press Tab until the control labelled `label` (or with id `element_id`) has the focus."""
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if (element_id and now["id"] == element_id) or (label and now["label"].startswith(label)):
            return now
        passed.append((now["label"] or now["id"] or now["tag"]).splitlines()[0][:40])
    order = list(dict.fromkeys(passed))
    raise AssertionError(f"Tab never reached {label or element_id!r} on {page.url}: {order}")


def press(page: Any, label: str) -> None:
    """Tab to the button or link `label` and press Enter; wait for the page it leads to."""
    tab_to(page, label)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def answer(page: Any, chosen: dict[str, str | list[str]]) -> str:
    """Answer the question on the page as `chosen` says for its field (else the first option, or
    TEXT), by keyboard, and press Continue (or Skip when the question is optional and unanswered).
    Returns the field answered."""
    field = str(page.locator("input[name=field]").input_value())
    kind = page.locator("input[name=kind]").input_value()
    wanted = chosen.get(field)
    page.locator("h1").first.wait_for()
    if page.locator("input[type=radio]").count():
        values = page.eval_on_selector_all("input[type=radio]", "rs => rs.map(r => r.value)")
        target = wanted if isinstance(wanted, str) else values[0]
        tab_to(page, element_id="choice")
        for _ in values:
            if focused(page)["value"] == target:
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        assert page.locator(f"input[type=radio][value='{target}']").is_checked(), field
    elif page.locator("input[type=checkbox]").count():
        values = page.eval_on_selector_all("input[type=checkbox]", "cs => cs.map(c => c.value)")
        targets = wanted if isinstance(wanted, list) else [values[0]]
        tab_to(page, element_id="choice")
        for value in values:
            if focused(page)["value"] in targets:
                page.keyboard.press("Space")
            if value != values[-1]:
                page.keyboard.press("Tab")
    elif kind == "attachment" or (
        wanted is None and page.get_by_text("Skip this question").count()
    ):
        press(page, "Skip this question")
        return field
    else:
        tab_to(page, element_id="answer")
        page.keyboard.type(wanted if isinstance(wanted, str) else TEXT)
    press(page, "Continue")
    return field


def fill_in(
    page: Any,
    chosen: dict[str, str | list[str]],
    check: Callable[[Any], None] = lambda page: None,
    limit: int = 30,
) -> list[str]:
    """Answer each question until the check-your-answers page, calling `check` on each question
    page first; the fields answered."""
    fields: list[str] = []
    while page.locator("input[name=field]").count():
        assert len(fields) < limit, f"still asking after {fields}"
        check(page)
        fields.append(answer(page, chosen))
    return fields
