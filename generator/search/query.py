"""`Searcher`: opens the index once and answers queries with ranked `Hit`s.

* The query goes through the same analyzer as the documents (`analysis.py`), and its terms are OR-ed over the one
  weighted `text` field (`documents.TEXT_WEIGHTS`), ranked with BM25F. No query parser is involved: there is no query
  syntax (fields, wildcards, quotes, operators, boosts), so `"`, `*`, `(`, `:` or `AND` typed by a learner are
  just text and can never raise a parse error. (A coordination bonus for matching more of the words measured no
  better on bench/search_queries.json and 30% slower.)
* Cross-language expansion: when the query contains a topic's name or alias (量化, "LoRA"), the topic's names in
  both languages are searched too, with a lower weight (`EXPANSION_BOOST`), so titles in the other language count.
* A mild prior prefers learning material over reference pages (`KIND_PRIOR`), applied to the best few hits.
* Filters are `Term` queries on the ID/KEYWORD fields, applied as a whoosh filter (they do not change scores).
* Typo tolerance (edit distance 1, or 2 for words of six letters or more, first letter kept):
    - a Latin word that is in no document is replaced by the similar words that are ("transfomer");
    - when fewer than `FEW_RESULTS` hits come back, every Latin word also searches its similar words, and the new
      hits are appended after the exact ones. Either way the result says `fuzzy`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.query import And, Every, Or, Query, Term
from whoosh.scoring import BM25F, BaseScorer

from . import analysis
from .facets import CHOICES
from .index import FILTER_FIELDS, INDEX_FORMAT, SearchError, read_stamp, read_topic_terms, read_user_words

MAX_TERMS = 24  # longer queries are cut after this many searchable words
FEW_RESULTS = 3  # fewer hits than this triggers the fuzzy retry
K1, B = 3.0, 0.6  # K1 above the usual 1.2: a title match alone weighs 8 (documents.TEXT_WEIGHTS)
EXPANSION_BOOST = 0.3  # weight of a matched topic's names, relative to the words typed
FUZZY_BOOST = 0.8  # weight of a similar word standing in for a misspelt one
MAX_VARIANTS = 12  # similar words per misspelt word
# Learners search to learn: among similar matches, prefer tutorials, courses, videos and papers over reference
# docs, tool pages and model cards. Multiplies the score of the best `limit * RERANK_DEPTH` hits.
KIND_PRIOR = {"docs": 0.9, "repo": 0.9, "tool": 0.85, "model": 0.8, "dataset": 0.8, "community": 0.75}
RERANK_DEPTH = 3


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    language: str | None = None
    access: str | None = None
    level: str | None = None
    topic: str | None = None
    roadmap: str | None = None

    def items(self) -> list[tuple[str, str]]:
        return [(name, getattr(self, name)) for name in FILTER_FIELDS if getattr(self, name)]


@dataclass(frozen=True)
class Hit:
    id: str
    url: str
    title: str
    score: float
    type: str = "resource"
    title_zh: str | None = None
    kind: str = ""
    language: str = ""
    access: str = ""
    level: str = ""
    year: int | None = None
    authors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    summary: dict[str, str] = field(default_factory=dict)
    placements: tuple[dict[str, Any], ...] = ()
    mirrors: tuple[dict[str, Any], ...] = ()

    def where(self, lang: str = "en") -> list[str]:
        """"Roadmap › Node" for every place the resource is listed."""
        return [f"{p['roadmap_title'][lang]} › {p['node_title'][lang]}" for p in self.placements]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "url": self.url, "title": self.title, "score": self.score, "type": self.type,
            "title_zh": self.title_zh, "kind": self.kind, "language": self.language, "access": self.access,
            "level": self.level, "year": self.year, "authors": list(self.authors), "topics": list(self.topics),
            "summary": dict(self.summary), "placements": [dict(p) for p in self.placements],
            "mirrors": [dict(m) for m in self.mirrors],
        }


class Results(list):
    """The hits of one search (a plain list of `Hit`), plus how the query was handled."""

    def __init__(self, query: str, hits: list[Hit] = (), *, fuzzy: bool = False, notice: str | None = None):
        super().__init__(hits)
        self.query = query
        self.fuzzy = fuzzy
        self.notice = notice

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"query": self.query, "results": [hit.as_dict() for hit in self]}
        if self.fuzzy:
            out["fuzzy"] = True
        if self.notice:
            out["notice"] = self.notice
        return out


def _fuzzable(text: str) -> bool:
    """Latin words of 4 to 30 letters: shorter ones match too much when misspelt, longer ones are not words."""
    return 4 <= len(text) <= 30 and text.isascii() and text.isalpha()


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment edit distance (insert, delete, substitute, swap neighbours), or limit + 1 as soon
    as it must exceed `limit`. (whoosh's `terms_within` counts a swap as 2 and was 3 to 5 times slower here.)"""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


class _Scorer(BaseScorer):
    def __init__(self, idf: float, norms: list[float], base: float, factor: float, max_weight: float,
                 min_length: int):
        self.idf1 = idf * (K1 + 1)
        self.norms, self.base, self.factor = norms, base, factor
        self._max = self._score(max_weight, min_length)

    def _score(self, weight: float, length: float) -> float:
        return self.idf1 * weight / (weight + self.base + self.factor * length)

    def supports_block_quality(self) -> bool:
        return True

    def score(self, matcher: Any) -> float:
        weight = matcher.weight()
        return self.idf1 * weight / (weight + self.norms[matcher.id()])

    def max_quality(self) -> float:
        return self._max

    def block_quality(self, matcher: Any) -> float:
        return self._score(matcher.block_max_weight(), matcher.block_min_length())


class _BM25F(BM25F):
    """whoosh's BM25F, but with each segment's document lengths read once, not once per scored document (that
    column lookup was 40% of the time of a query matching thousands of documents). One per `Searcher`."""

    def __init__(self) -> None:
        super().__init__(B=B, K1=K1)
        # (id(segment reader), field) -> per document: K1 * (1 - B + B * length / average length)
        self._norms: dict[tuple[int, str], list[float]] = {}

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: int = 1) -> Any:
        parent = searcher.get_parent()
        average = parent.avg_field_length(fieldname) or 1
        base, factor = K1 * (1 - B), K1 * B / average
        reader = searcher.reader()
        norms = self._norms.get((id(reader), fieldname))
        if norms is None:
            norms = self._norms[id(reader), fieldname] = [base + factor * reader.doc_field_length(docnum, fieldname, 1)
                                               for docnum in range(reader.doc_count_all())]
        info = searcher.term_info(fieldname, text)
        return _Scorer(parent.idf(fieldname, text), norms, base, factor, info.max_weight(), info.min_length())


class Searcher:
    """An open index. Open it once and call `search` many times; close it (or use `with`) when done."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        stamp = read_stamp(self.index_dir)
        missing = f"no search index in {self.index_dir}; run `roadmap index` to build it"
        if stamp is None:
            raise SearchError(missing)
        if stamp.get("format") != INDEX_FORMAT:
            raise SearchError(f"the search index in {self.index_dir} was built by another version of this tool; "
                              "run `roadmap index --force` to rebuild it")
        # The schema's tokenizer refers to its user dictionary by key; make the words available under that key.
        self.dictionary = analysis.register_dictionary(read_user_words(self.index_dir))
        self.documents = int(stamp.get("documents", 0))
        try:
            self._ix = whoosh_index.open_dir(str(self.index_dir), readonly=True)
        except (OSError, whoosh_index.IndexError) as exc:
            raise SearchError(f"{missing} ({exc})") from None
        self._searcher = self._ix.searcher(weighting=_BM25F())
        self._reader = self._searcher.reader()
        self._analyzer = self._ix.schema["text"].analyzer
        self._known: dict[str, set[str]] = {}
        self._kinds: Any = None  # the `kind` column, read on first use
        # first term -> [(a topic's name or alias as a term sequence, the terms of the topic's names)]
        self._aliases: dict[str, list[tuple[tuple[str, ...], list[str]]]] = {}
        for topic in read_topic_terms(self.index_dir):
            for match in topic["match"]:
                self._aliases.setdefault(match[0], []).append((tuple(match), topic["names"]))

    def close(self) -> None:
        self._searcher.close()
        self._ix.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------------ filters

    def known_values(self, facet: str) -> set[str]:
        """The values a filter can take: fixed for kind/language/access/level, from the index for topic/roadmap."""
        if facet in CHOICES:
            return set(CHOICES[facet])
        if facet not in self._known:
            self._known[facet] = set(self._reader.field_terms(facet))
        return self._known[facet]

    def check_filters(self, filters: Filters | None) -> None:
        """Raise `SearchError` for a filter value the index does not know."""
        self._filter(filters)

    def _filter(self, filters: Filters | None) -> Query | None:
        terms = []
        for name, value in (filters or Filters()).items():
            value = value.strip().lower()
            known = self.known_values(name)
            if value not in known:
                listing = ", ".join(sorted(known)) or "none"
                raise SearchError(f"unknown {name} '{value}'; choose from: {listing}")
            terms.append(Term(name, value))
        if not terms:
            return None
        return terms[0] if len(terms) == 1 else And(terms)

    # ------------------------------------------------------------------------------------------ query

    def terms(self, query: str) -> tuple[list[str], bool]:
        """The query's distinct searchable terms (at most MAX_TERMS), and whether some were cut off."""
        text = "".join(ch if ch.isprintable() else " " for ch in query)
        terms = list(dict.fromkeys(token.text for token in self._analyzer(text, mode="query")))
        return terms[:MAX_TERMS], len(terms) > MAX_TERMS

    def expansion(self, terms: list[str]) -> list[str]:
        """The name terms of every topic one of whose names or aliases occurs in `terms`, minus `terms`."""
        found: dict[str, None] = {}
        for i, term in enumerate(terms):
            for alias, names in self._aliases.get(term, ()):
                if tuple(terms[i:i + len(alias)]) == alias:
                    found.update(dict.fromkeys(names))
        return [term for term in found if term not in terms]

    def variants(self, term: str) -> list[str]:
        """Indexed terms within edit distance 1 (2 from six letters on; a swap of two neighbours counts 1) of
        `term`, sharing its first letter; and the longest indexed term that `term` starts with, since a typo in a
        suffix defeats the stemmer ("quantizaton" is not stemmed to "quantiz" as "quantization" is)."""
        if not _fuzzable(term):
            return []
        limit = 1 if len(term) < 6 else 2
        found = set()
        for raw in self._reader.expand_prefix("text", term[0]):
            word = raw.decode("utf-8")
            if abs(len(word) - len(term)) <= limit and word != term and _distance(term, word, limit) <= limit:
                found.add(word)
        for end in range(len(term) - 1, max(4, len(term) - 6), -1):
            if self._reader.doc_frequency("text", term[:end]):
                found.add(term[:end])
                break
        return sorted(found, key=lambda word: (abs(len(word) - len(term)), word))[:MAX_VARIANTS]

    def _term(self, text: str, boost: float = 1.0) -> Query:
        return Term("text", text, boost=boost)

    # ------------------------------------------------------------------------------------------ search

    def _run(self, query: Query, filter_query: Query | None, limit: int) -> list[Hit]:
        # optimize=False: whoosh's block-quality skipping cost more than it saved here (measured on both catalogs)
        found = self._searcher.search(query, limit=limit * RERANK_DEPTH, filter=filter_query, optimize=False)
        if self._kinds is None:
            self._kinds = self._reader.column_reader("kind")
        ranked = [(found.score(i) * KIND_PRIOR.get(self._kinds[found.docnum(i)], 1.0), found.docnum(i))
                  for i in range(found.scored_length())]
        ranked.sort(key=lambda pair: -pair[0])  # stable: ties keep whoosh's order
        return [self._hit(docnum, score) for score, docnum in ranked[:limit]]

    def _hit(self, docnum: int, score: float) -> Hit:
        data = json.loads(self._searcher.stored_fields(docnum)["data"])
        return Hit(
            id=data["id"], url=data["url"], title=data["title"], score=round(float(score), 4),
            type=data["type"], title_zh=data["title_zh"], kind=data["kind"], language=data["language"],
            access=data["access"], level=data["level"], year=data["year"], authors=tuple(data["authors"]),
            topics=tuple(data["topics"]), summary=data["summary"], placements=tuple(data["placements"]),
            mirrors=tuple(data["mirrors"]),
        )

    def search(self, query: str, filters: Filters | None = None, limit: int = 10) -> Results:
        """The best `limit` hits for `query`. Raises `SearchError` for an unknown filter value.

        A query with no searchable words (empty, only punctuation or stop words) returns no hits and a notice,
        unless filters are given: then it lists what the filters match.
        """
        limit = max(1, int(limit))
        filter_query = self._filter(filters)
        terms, cut = self.terms(query)
        notice = f"only the first {MAX_TERMS} words of the query were used" if cut else None
        if not terms:
            if filter_query is None:
                why = "the query is empty" if not query.strip() else "the query has no searchable words"
                return Results(query, notice=f"{why}; try a topic such as `quantization` or `量化`")
            return Results(query, self._run(Every(), filter_query, limit), notice=notice)

        parts: list[Query] = []
        fuzzy = False
        for term in terms:
            if _fuzzable(term) and not self._reader.doc_frequency("text", term):
                similar = self.variants(term)  # a word no document has: search the similar ones instead
                parts.extend(self._term(word, FUZZY_BOOST) for word in similar)
                fuzzy = fuzzy or bool(similar)
            else:
                parts.append(self._term(term))
        parts.extend(self._term(term, EXPANSION_BOOST) for term in self.expansion(terms))
        if not parts:
            return Results(query, notice=notice)
        exact = Or(parts)
        hits = self._run(exact, filter_query, limit)
        if len(hits) < min(FEW_RESULTS, limit) and not fuzzy:
            similar = [self._term(word, FUZZY_BOOST) for term in terms for word in self.variants(term)]
            if similar:
                seen = {hit.id for hit in hits}
                more = [hit for hit in self._run(Or([exact, *similar]), filter_query, limit) if hit.id not in seen]
                if more:
                    return Results(query, (hits + more)[:limit], fuzzy=True, notice=notice)
        return Results(query, hits, fuzzy=fuzzy, notice=notice)
