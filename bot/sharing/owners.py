"""Which partner holds it: partners ranked by how well their data catalogue matches the words of
the information wanted, tolerant of plurals, word endings and typos.

Words are reduced to rough stems ("tenancies" and "tenancy" alike) and matched to the
catalogue's stems exactly or, for longer words, by edit distance ("tenancey"). A word found in
few partners' catalogues counts for more than one found in many; a place ("in Fann Street")
says where, not who holds it, and is left out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from dialogs.messages import Option
from storage.models import CatalogueEntry, Partner

PLACE = re.compile(
    r"\b(?:in|at|on|near|off|around|by)\s+(?:the\s+)?(?:[a-z0-9'&-]+\s+){1,3}"
    r"(?:street|st|road|rd|lane|avenue|square|place|court|row|walk|way|hill|yard|gardens|close|"
    r"crescent|terrace|wharf|passage|alley|bridge)\b"
)
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "for",
        "of",
        "in",
        "on",
        "at",
        "to",
        "from",
        "by",
        "with",
        "about",
        "and",
        "or",
        "any",
        "all",
        "some",
        "our",
        "my",
        "their",
        "his",
        "her",
        "we",
        "i",
        "you",
        "need",
        "want",
        "wanted",
        "please",
        "who",
        "what",
        "which",
        "regarding",
        "since",
        "last",
        "this",
        "that",
        "these",
        "those",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "it",
        "its",
        "there",
        "named",
        "two",
        "three",
        "four",
        "five",
        "one",
        "few",
        "several",
        "copy",
        "copies",
        "held",
        "hold",
        "holds",
        "get",
    ]
)
GENERIC = frozenset({"record", "data", "information", "detail", "log", "list", "report", "file"})
"""Words most catalogues share: they count for little on their own."""
IRREGULAR = {"children": "child", "people": "person", "women": "woman", "men": "man"}
WEIGHTS = {"name": 4.0, "category": 2.0, "keyword": 1.5, "description": 1.0, "examples": 0.6}
"""A partner named in the words ("police ...") outweighs whatever else the words describe."""
FUZZY_FROM = 5
"""Words this long or longer may match with a typo; shorter ones only exactly."""
FUZZY_SCORE = 80.0
SUGGEST_SHARE = 0.5
"""A partner is suggested when it scores at least this share of the best score..."""
SUGGEST_MIN = 1.0
"""...and at least this much (one specific word matched)."""
MAX_SUGGESTED = 3


def stem(word: str) -> str:
    """A rough stem: plurals, -ing, -ed and a final e dropped ("policing" and "police" alike)."""
    word = word.lower().removesuffix("'s")
    word = IRREGULAR.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 5 and word.endswith("ed"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def stems(text: str) -> list[str]:
    """The stems of the meaningful words of `text`, places left out."""
    lowered = PLACE.sub(" ", text.lower().replace("&", " and "))
    return [stem(w) for w in WORD.findall(lowered) if w not in STOPWORDS and len(w) > 1]


@dataclass(frozen=True)
class Holding:
    """What one partner holds, as stems by where they were found, for matching."""

    partner: Partner
    entries: tuple[CatalogueEntry, ...]
    vocabulary: Mapping[str, float]
    """Each stem and the highest weight of the places it appears in."""

    @classmethod
    def of(cls, partner: Partner, entries: Sequence[CatalogueEntry]) -> Holding:
        sources: list[tuple[str, Iterable[str]]] = [
            ("name", [partner.name]),
            ("keyword", partner.data_categories),
            ("category", [e.category for e in entries]),
            ("description", [e.description for e in entries]),
            ("examples", [e.examples for e in entries]),
        ]
        vocabulary: dict[str, float] = {}
        for where, texts in sources:
            for text in texts:
                for found in stems(text):
                    vocabulary[found] = max(vocabulary.get(found, 0.0), WEIGHTS[where])
        return cls(partner, tuple(entries), vocabulary)


def _matches(word: str, known: str) -> bool:
    if word == known:
        return True
    if len(word) < FUZZY_FROM or len(known) < FUZZY_FROM:
        return False
    return fuzz.ratio(word, known) >= FUZZY_SCORE


def _weight(word: str, holding: Holding) -> float:
    """How strongly `holding` knows `word`: its weight there, or 0."""
    exact = holding.vocabulary.get(word)
    if exact is not None:
        return exact
    return max((w for known, w in holding.vocabulary.items() if _matches(word, known)), default=0)


@dataclass(frozen=True)
class Ranked:
    """A partner's place in the ranking: its score and whether it is suggested."""

    holding: Holding
    score: float
    suggested: bool

    def best_entry(self, words: Sequence[str]) -> CatalogueEntry | None:
        """The catalogue category the words match best, to say what the partner holds."""

        def fit(entry: CatalogueEntry) -> float:
            own = Holding.of(self.holding.partner, [entry])
            return sum(_weight(word, own) for word in words if word not in GENERIC)

        scored = [(fit(e), e) for e in self.holding.entries]
        best = max(scored, key=lambda pair: pair[0], default=None)
        return best[1] if best and best[0] > 0 else None


def rank(
    partners: Sequence[Partner], catalogue: Mapping[int, Sequence[CatalogueEntry]], wanted: str
) -> list[Ranked]:
    """Every partner, best match for the information `wanted` first (then by name)."""
    holdings = [Holding.of(p, catalogue.get(p.id, ())) for p in partners]
    words = stems(wanted)
    scores: dict[int, float] = {h.partner.id: 0.0 for h in holdings}
    for word in dict.fromkeys(words):
        weights = {h.partner.id: _weight(word, h) for h in holdings}
        found_in = sum(1 for w in weights.values() if w)
        if not found_in:
            continue
        rarity = math.log(1 + len(holdings) / found_in) * (0.25 if word in GENERIC else 1.0)
        for partner_id, weight in weights.items():
            scores[partner_id] += weight * rarity
    ordered = sorted(holdings, key=lambda h: (-scores[h.partner.id], h.partner.name))
    best = scores[ordered[0].partner.id] if ordered else 0.0
    threshold = max(SUGGEST_MIN, best * SUGGEST_SHARE)
    return [
        Ranked(h, scores[h.partner.id], i < MAX_SUGGESTED and scores[h.partner.id] >= threshold)
        for i, h in enumerate(ordered)
    ]


def partner_options(ranking: Sequence[Ranked]) -> tuple[Option, ...]:
    """The partners as choices, suggested ones first and marked."""
    return tuple(
        Option(r.holding.partner.code, f"{r.holding.partner.name} (suggested)")
        if r.suggested
        else Option(r.holding.partner.code, r.holding.partner.name)
        for r in ranking
    )


def holdings_text(ranking: Sequence[Ranked], wanted: str) -> str:
    """A line per suggested partner saying what it holds that matches, for the question."""
    words = stems(wanted)
    lines = []
    for ranked in ranking:
        if not ranked.suggested:
            continue
        entry = ranked.best_entry(words)
        if entry is None:
            continue
        examples = f" ({entry.examples})" if entry.examples else ""
        lines.append(
            f"- {ranked.holding.partner.name} holds {entry.category}: "
            f"{entry.description[:1].lower()}{entry.description[1:]}{examples}"
        )
    return "\n".join(lines)
