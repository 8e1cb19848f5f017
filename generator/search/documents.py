"""Catalog -> whoosh documents: what each resource and notebook is searched by, and with which weight.

Each document has one weighted `text` field (see `analysis.weighted_text` and `TEXT_WEIGHTS`), the filter fields
(kind, language, access, level, topic, roadmap) and its data as stored JSON, from which `query.Hit` is made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import analysis, facets

if TYPE_CHECKING:
    from ..models import Catalog, Notebook, Resource, Topic

# What a document's searchable text is made of, and the weight of each part. All parts go into the one `text`
# field (see `analysis.weighted_text`): each token's weight adds to its term's posting weight, which BM25 reads as
# the term frequency. This is BM25F over these parts in a single field; seven separate fields made whoosh run seven
# matchers per query word, about ten times slower at 10,000 resources.
TEXT_WEIGHTS: dict[str, float] = {
    "title": 8.0,  # the original title and the Chinese title
    "topic": 3.0,  # the resource's first (main) topic: its names and aliases, both languages, each word once
    "topics": 2.0,  # its other topics, likewise
    "authors": 3.0,
    "placement": 1.5,  # roadmap, section and node titles where the resource is listed, both languages
    "summary": 1.0,  # our summaries, both languages
    "broader": 0.5,  # the names and aliases of the topics' ancestors, each word once
    "labels": 0.5,  # kind, language, access and level in words, the site's name, mirror labels
}

# Site names worth searching by, with their Chinese nicknames.
_HOST_WORDS = {"bilibili": "bilibili B站 哔哩哔哩", "youtube": "YouTube 油管", "youtu": "YouTube 油管"}
_WORD = re.compile(r"[^\W_]+")
_HOST_NOISE = {"www", "com", "org", "net", "io", "ai", "co", "cn", "dev", "edu", "html", "github", "m"}


def topic_terms(catalog: Catalog, dictionary: str) -> list[dict[str, Any]]:
    """For query expansion: each topic's names and aliases as query-term sequences ("match"), and the terms of its
    English and Chinese names ("names"). A query containing one of a topic's aliases (量化, in any language) also
    searches, with a lower weight, for the topic's names in both languages (quantization), so titles in the other
    language count too."""
    def terms(text: str) -> list[str]:
        return analysis.terms(text, mode="query", dictionary=dictionary)

    found = []
    for topic in catalog.topics:
        match = sorted({tuple(t) for t in map(terms, topic_words(topic)) if t})
        names = list(dict.fromkeys(term for name in (topic.name.en, topic.name.zh) for term in terms(name)))
        found.append({"id": topic.id, "match": [list(m) for m in match], "names": names})
    return found


def topic_words(topic: Topic) -> list[str]:
    return [topic.name.en, topic.name.zh, *topic.aliases.en, *topic.aliases.zh]


def _distinct_words(topics: Iterable[Topic]) -> str:
    """The words of the topics' names and aliases, each once per topic: "retrieval" in the name and in two aliases
    of one topic counts once, so a topic with many similar aliases does not outweigh a title."""
    lines = []
    for topic in topics:
        seen: dict[str, None] = {}
        for text in topic_words(topic):
            for word in _WORD.findall(text):
                seen.setdefault(word.lower(), None)
        lines.append(" ".join(seen))
    return "\n".join(lines)


def _ancestors(catalog: Catalog, topic_id: str) -> list[Topic]:
    found: list[Topic] = []
    seen = {topic_id}
    parent = catalog.topic(topic_id).parent
    while parent and parent not in seen:
        seen.add(parent)
        topic = catalog.topic(parent)
        found.append(topic)
        parent = topic.parent
    return found


def _host_words(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    words = [part for part in host.split(".") if part and part not in _HOST_NOISE]
    return " ".join(_HOST_WORDS.get(word, word) for word in words)


def _labels(kind: str, language: str, access: str, level: str) -> list[str]:
    values = {"kind": kind, "language": language, "access": access, "level": level}
    return [word for facet, value in values.items() for word in facets.LABELS[facet][value]]


def _placements(catalog: Catalog, attribute: str) -> dict[str, list[dict[str, Any]]]:
    """Item id -> where it is listed: [{roadmap, roadmap_title, section_title, node, node_title}]."""
    found: dict[str, list[dict[str, Any]]] = {}
    for roadmap in catalog.roadmaps:
        for section, node in roadmap.iter_nodes():
            for item_id in getattr(node, attribute):
                found.setdefault(item_id, []).append({
                    "roadmap": roadmap.id,
                    "roadmap_title": {"en": roadmap.title.en, "zh": roadmap.title.zh},
                    "section": section.id,
                    "section_title": {"en": section.title.en, "zh": section.title.zh},
                    "node": node.id,
                    "node_title": {"en": node.title.en, "zh": node.title.zh},
                })
    return found


def _document(catalog: Catalog, item_type: str, data: dict[str, Any], topic_ids: tuple[str, ...],
              extra_labels: list[str]) -> dict[str, Any]:
    topics = [catalog.topic(topic_id) for topic_id in topic_ids]
    broader = {t.id: t for topic_id in topic_ids for t in _ancestors(catalog, topic_id) if t.id not in topic_ids}
    placements = data["placements"]
    place_words = [p[key][lang] for p in placements for key in ("roadmap_title", "section_title", "node_title")
                   for lang in ("en", "zh")]
    labels = _labels(data["kind"], data["language"], data["access"], data["level"])
    parts = {
        "title": "\n".join(filter(None, (data["title"], data["title_zh"]))),
        "topic": _distinct_words(topics[:1]),
        "topics": _distinct_words(topics[1:]),
        "authors": "\n".join(data["authors"]),
        "placement": "\n".join(dict.fromkeys(place_words)),
        "summary": "\n".join((data["summary"]["en"], data["summary"]["zh"])),
        "broader": _distinct_words(broader.values()),
        "labels": "\n".join([*labels, _host_words(data["url"]), *extra_labels]),
    }
    return {
        "key": f"{item_type}:{data['id']}",
        "text": analysis.weighted_text((parts[name], weight) for name, weight in TEXT_WEIGHTS.items()),
        "kind": data["kind"],
        "language": data["language"],
        "access": data["access"],
        "level": data["level"],
        "topic": ",".join([*topic_ids, *broader]),
        "roadmap": ",".join(dict.fromkeys(p["roadmap"] for p in placements)),
        "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    }


def _resource(catalog: Catalog, resource: Resource, placements: list[dict[str, Any]]) -> dict[str, Any]:
    data = {
        "type": "resource", "id": resource.id, "url": resource.url, "title": resource.title,
        "title_zh": resource.title_zh, "kind": resource.kind.value, "language": resource.language.value,
        "access": resource.access.value, "level": resource.level.value, "year": resource.year,
        "authors": list(resource.authors), "topics": list(resource.topics),
        "summary": {"en": resource.summary.en, "zh": resource.summary.zh}, "placements": placements,
        "mirrors": [{"url": m.url, "language": m.language.value, "label": {"en": m.label.en, "zh": m.label.zh}}
                    for m in resource.mirrors],
    }
    extra = [word for m in resource.mirrors for word in (m.label.en, m.label.zh, _host_words(m.url))]
    return _document(catalog, "resource", data, resource.topics, extra)


def _notebook(catalog: Catalog, notebook: Notebook, placements: list[dict[str, Any]]) -> dict[str, Any]:
    data = {
        "type": "notebook", "id": notebook.id, "url": notebook.colab_url or notebook.article_url or notebook.path,
        "title": notebook.title.en, "title_zh": notebook.title.zh, "kind": "notebook", "language": "en",
        "access": "free", "level": notebook.level.value, "year": None, "authors": list(notebook.authors),
        "topics": list(notebook.topics), "summary": {"en": notebook.summary.en, "zh": notebook.summary.zh},
        "placements": placements, "mirrors": [],
    }
    return _document(catalog, "notebook", data, notebook.topics, [])


def documents(catalog: Catalog) -> Iterator[dict[str, Any]]:
    """One whoosh document per resource and per notebook."""
    for_resources = _placements(catalog, "resources")
    for resource in catalog.resources:
        yield _resource(catalog, resource, for_resources.get(resource.id, []))
    for_notebooks = _placements(catalog, "notebooks")
    for notebook in catalog.notebooks:
        if notebook.colab_url or notebook.article_url or notebook.path:
            yield _notebook(catalog, notebook, for_notebooks.get(notebook.id, []))
