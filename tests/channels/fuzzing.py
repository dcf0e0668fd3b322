"""Hypothesis strategies for hostile request bodies: well-formed bodies broken at random places.

A body is taken from a template of something the platform really sends, then a few of its
parts are removed, replaced by hostile JSON (wrong types, huge or odd strings, deep nesting) or
wrapped in a list; or the body is replaced by arbitrary JSON altogether.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Modest by default so CI stays quick; raise it locally to search longer.
EXAMPLES = int(os.environ.get("SAFERHUB_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "report\x00",
    "\ud800",
    "\u202eevil",
    "\u200d\u200b\ufeff",
    "👩\u200d👩\u200d👧",
    "١٢٣ ¹²³ ๑๒๓",
    "<!channel> <@U123> <https://evil.example|click>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "'; DROP TABLE person; --",
    '{"form": "organisation", "channel": "DALEX"}',
    "answer:danger_now:0",
    "CN-2026-0001",
    "x" * 300,
    "y" * 50_000,
]
ODD_NUMBERS = [0, -1, 2**31, 2**63, 10**30, -(10**30)]

texts = st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=40))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(ODD_NUMBERS),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(texts, st.sampled_from(["id", "type", "text"])), children, max_size=4
        ),
    ),
    max_leaves=12,
)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside `node` (keys of objects, indexes of lists)."""
    items: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    for key, value in items:
        yield (*prefix, key)
        yield from paths(value, (*prefix, key))


@st.composite
def broken(draw: st.DrawFn, template: dict[str, Any], *, strings_only: bool = False) -> Any:
    """`template` with one to three of its parts broken (or, now and then, arbitrary JSON).

    A part is removed, wrapped in a list, replaced by any JSON value or, most often, a string
    by a hostile string (which keeps the structure and reaches deeper into the handlers).
    """
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    body = copy.deepcopy(template)
    for _ in range(draw(st.integers(1, 3))):
        found = list(paths(body))
        if not found:
            break
        path = draw(st.sampled_from(found))
        node = body
        for key in path[:-1]:
            node = node[key]
        key = path[-1]
        how = draw(st.sampled_from(["remove", "wrap", "replace", "retext", "retext", "retext"]))
        if how == "remove" and isinstance(node, dict):
            del node[key]
        elif how == "wrap" and not strings_only:
            node[key] = [node[key]]
        elif how == "retext" and isinstance(node[key], str) or strings_only:
            node[key] = draw(texts)
        else:
            node[key] = draw(json_values)
    return body
