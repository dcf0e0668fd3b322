"""Read the hub's pages as a person would, without a browser: headings, links, forms and buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any


@dataclass
class Form:
    """One <form>: where it posts, its hidden and filled fields, and its submit buttons."""

    action: str
    method: str
    enctype: str
    fields: dict[str, str] = field(default_factory=dict)
    inputs: list[dict[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)
    """(label, name, value) of each submit button."""

    def button(self, label: str) -> tuple[str, str, str] | None:
        return next((b for b in self.buttons if b[0].strip().startswith(label)), None)


@dataclass
class Page:
    """A fetched page: its status, URL, text and what can be clicked or filled in."""

    status: int
    url: str
    html: str
    headers: dict[str, str]
    title: str = ""
    h1: str = ""
    text: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)

    def form_with(self, label: str) -> Form:
        """The form holding a button whose label starts with `label`."""
        for form in self.forms:
            if form.button(label):
                return form
        raise AssertionError(f"no button {label!r} on {self.url}: {self.button_labels()}")

    def button_labels(self) -> list[str]:
        return [b[0].strip() for f in self.forms for b in f.buttons]

    def link(self, text: str) -> str:
        for label, href in self.links:
            if label.strip().startswith(text):
                return href
        raise AssertionError(f"no link {text!r} on {self.url}: {[t for t, _ in self.links]}")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = self.h1 = ""
        self.text: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.forms: list[Form] = []
        self._stack: list[str] = []
        self._link: list[Any] | None = None
        self._button: list[Any] | None = None
        self._textarea: str | None = None
        self._in_h1 = self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "title":
            self._in_title = True
        elif tag == "h1":
            self._in_h1 = True
        elif tag == "a" and "href" in a:
            self._link = [a["href"], ""]
        elif tag == "form":
            self.forms.append(
                Form(a.get("action", ""), a.get("method", "get"), a.get("enctype", ""))
            )
        elif tag == "input" and self.forms:
            self.forms[-1].inputs.append(a)
            kind = a.get("type", "text")
            if kind == "hidden":
                self.forms[-1].fields[a.get("name", "")] = a.get("value", "")
            elif kind == "submit":
                self.forms[-1].buttons.append(
                    (a.get("value", ""), a.get("name", ""), a.get("value", ""))
                )
        elif tag == "textarea" and self.forms:
            self.forms[-1].inputs.append({**a, "type": "textarea"})
        elif tag == "select" and self.forms:
            self.forms[-1].inputs.append({**a, "type": "select"})
        elif tag == "button" and self.forms and a.get("type", "submit") == "submit":
            self._button = ["", a.get("name", ""), a.get("value", "")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "h1":
            self._in_h1 = False
        elif tag == "a" and self._link is not None:
            self.links.append((" ".join(self._link[1].split()), self._link[0]))
            self._link = None
        elif tag == "button" and self._button is not None and self.forms:
            label = " ".join(self._button[0].split())
            self.forms[-1].buttons.append((label, self._button[1], self._button[2]))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._in_h1:
            self.h1 += data
        if self._link is not None:
            self._link[1] += data
        if self._button is not None:
            self._button[0] += data
        self.text.append(data)


def read(status: int, url: str, html: str, headers: dict[str, str]) -> Page:
    reader = _Reader()
    reader.feed(html)
    return Page(
        status,
        url,
        html,
        headers,
        " ".join(reader.title.split()),
        " ".join(reader.h1.split()),
        " ".join(" ".join(reader.text).split()),
        reader.links,
        reader.forms,
    )
