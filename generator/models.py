"""The catalog's data model: frozen pydantic models, strict about unknown fields.

Field-level rules live here; rules that need the whole catalog (unique ids, dangling
references, cycles) live in `loader.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


def _check_url(value: str) -> str:
    if _CONTROL_OR_SPACE.search(value):
        raise ValueError("URL must not contain spaces or control characters")
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise ValueError("only http:// and https:// URLs are allowed")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if not host or host.startswith(":") or "@" in host:
        raise ValueError("URL must name a host (and no user:password@)")
    return value


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("text must not be empty")
    return value.strip()


Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]
Url = Annotated[str, Field(max_length=2000), AfterValidator(_check_url)]
NonEmpty = Annotated[str, Field(max_length=2000), AfterValidator(_check_text)]


class Kind(StrEnum):
    ARTICLE = "article"
    VIDEO = "video"
    COURSE = "course"
    BOOK = "book"
    PAPER = "paper"
    REPO = "repo"
    DOCS = "docs"
    TOOL = "tool"
    NOTEBOOK = "notebook"
    MODEL = "model"
    DATASET = "dataset"
    COMMUNITY = "community"


class Language(StrEnum):
    EN = "en"
    ZH = "zh"
    MULTI = "multi"


class Access(StrEnum):
    FREE = "free"
    FREEMIUM = "freemium"
    PAID = "paid"


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Text(Model):
    """User-facing text; both languages are required."""

    en: NonEmpty
    zh: NonEmpty

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Aliases(Model):
    en: tuple[NonEmpty, ...] = ()
    zh: tuple[NonEmpty, ...] = ()


class Topic(Model):
    id: Slug
    name: Text
    summary: Text
    aliases: Aliases = Aliases()
    parent: Slug | None = None


class Mirror(Model):
    """Another copy of a resource, e.g. a Bilibili upload with Chinese subtitles."""

    url: Url
    language: Language
    label: Text


class Resource(Model):
    id: Slug
    url: Url
    title: NonEmpty
    title_zh: NonEmpty | None = None
    summary: Text
    kind: Kind
    language: Language
    access: Access
    level: Level
    topics: Annotated[tuple[Slug, ...], Field(min_length=1)]
    authors: tuple[NonEmpty, ...] = ()
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    added: dt.date
    previous_urls: tuple[Url, ...] = ()
    mirrors: tuple[Mirror, ...] = ()

    def title_for(self, lang: str) -> str:
        return self.title_zh if lang == "zh" and self.title_zh else self.title


class Concept(Model):
    """A key idea a node teaches, in our own words."""

    name: Text
    detail: Text


class Node(Model):
    id: Slug
    title: Text
    summary: Text
    level: Level
    hours: Annotated[float, Field(gt=0, le=1000)]
    topics: tuple[Slug, ...] = ()
    concepts: tuple[Concept, ...] = ()
    resources: tuple[Slug, ...] = ()
    essential: tuple[Slug, ...] = Field(
        default=(), description="Resources the roadmap's author marks as must-read; each must also be in `resources`."
    )
    notebooks: tuple[Slug, ...] = ()
    requires: tuple[Slug, ...] = Field(default=(), description="Ids of nodes in the same roadmap to study first.")


class Section(Model):
    id: Slug
    title: Text
    summary: Text
    nodes: Annotated[tuple[Node, ...], Field(min_length=1)]


class Source(Model):
    """Where a roadmap comes from, for attribution."""

    title: NonEmpty
    url: Url
    license: NonEmpty
    authors: tuple[NonEmpty, ...] = ()


class Roadmap(Model):
    id: Slug
    title: Text
    summary: Text
    source: Source
    order: int = 100
    sections: Annotated[tuple[Section, ...], Field(min_length=1)]

    def iter_nodes(self):
        for section in self.sections:
            yield from ((section, node) for node in section.nodes)


class Notebook(Model):
    id: Slug
    title: Text
    summary: Text
    topics: Annotated[tuple[Slug, ...], Field(min_length=1)]
    level: Level
    authors: tuple[NonEmpty, ...] = ()
    path: str | None = Field(
        default=None, pattern=r"^notebooks/[A-Za-z0-9_.-]+\.ipynb$", description="Our reference notebook, if any."
    )
    colab_url: Url | None = None
    article_url: Url | None = None
    added: dt.date


class Catalog(Model):
    """The whole validated catalog. Built only by `loader.load_catalog`."""

    topics: tuple[Topic, ...]
    resources: tuple[Resource, ...]
    roadmaps: tuple[Roadmap, ...]
    notebooks: tuple[Notebook, ...]
    _index: dict[str, dict[str, object]] = PrivateAttr(default_factory=dict)
    _origins: dict[tuple[str, str], tuple[str, int]] = PrivateAttr(default_factory=dict)

    def set_origins(self, origins: dict[tuple[str, str], tuple[str, int]]) -> None:
        self._origins = dict(origins)

    def origin(self, kind: str, item_id: str) -> tuple[str, int] | None:
        """(file, line) where an entry of `kind` ("resources", "topics", ...) is defined, if loaded from files."""
        return self._origins.get((kind, item_id))

    def _lookup(self, kind: str) -> dict[str, object]:
        if kind not in self._index:
            self._index[kind] = {item.id: item for item in getattr(self, kind)}
        return self._index[kind]

    def topic(self, topic_id: str) -> Topic:
        return self._lookup("topics")[topic_id]  # type: ignore[return-value]

    def resource(self, resource_id: str) -> Resource:
        return self._lookup("resources")[resource_id]  # type: ignore[return-value]

    def notebook(self, notebook_id: str) -> Notebook:
        return self._lookup("notebooks")[notebook_id]  # type: ignore[return-value]

    def roadmap(self, roadmap_id: str) -> Roadmap:
        return self._lookup("roadmaps")[roadmap_id]  # type: ignore[return-value]

    def placements(self) -> dict[str, list[tuple[Roadmap, Section, Node]]]:
        """Resource id -> every (roadmap, section, node) that lists it."""
        if "placements" not in self._index:
            found: dict[str, list[tuple[Roadmap, Section, Node]]] = {}
            for roadmap in self.roadmaps:
                for section, node in roadmap.iter_nodes():
                    for rid in node.resources:
                        found.setdefault(rid, []).append((roadmap, section, node))
            self._index["placements"] = found  # type: ignore[assignment]
        return self._index["placements"]  # type: ignore[return-value]


# One model per kind of catalog file; the loader validates each file against its model.
class TopicsFile(Model):
    topics: tuple[Topic, ...]


class ResourcesFile(Model):
    resources: tuple[Resource, ...]


class NotebooksFile(Model):
    notebooks: tuple[Notebook, ...]


RoadmapFile = Roadmap
