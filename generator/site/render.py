"""Catalog + language -> the generated pages of one site, as {relative path: text}. Pure: reads no catalog file and
writes nothing.

Catalog text never reaches a page unescaped. Pages are Markdown, but everything built from the catalog is HTML
rendered by one jinja2 Environment with autoescape on; the few Markdown headings (kept for the table of contents
and search sections) go through `md_escape`, which escapes HTML and every Markdown special character.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from html import escape as html_escape
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from ..export import to_csv, to_json
from ..models import Catalog, Node, Notebook, Resource, Roadmap, Topic
from .diagram import render_svg
from .i18n import LANGS, t
from .status import Health, LinkStatus, NotebookResults, Tested

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "site"
FEED_SIZE = 50
NEW_SIZE = 100
# Hand-written pages may contain these markers; they are replaced by generated HTML.
MARKERS = ("<!-- roadmap:cards -->", "<!-- roadmap:stats -->")

# Links inside cached HTML are written relative to the site root with this prefix, then made relative to each page
# when the page is finished. It contains "<", which escaping turns into "&lt;", so catalog text cannot forge it.
ROOT = "<~root~>/"

# The characters Python-Markdown (with our extensions) lets a backslash escape; escaping any other character would
# leave a visible backslash. `<` and `&` are handled by HTML escaping first.
_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]()>#+\-.!|])")


def md_escape(text: str) -> Markup:
    """Text that Markdown renders literally (for headings): HTML-escaped, then every Markdown special escaped.
    `{` is escaped too, so catalog text cannot open an attribute list."""
    html = html_escape(" ".join(str(text).split()), quote=False)
    return Markup(_MD_SPECIALS.sub(r"\\\1", html))


def page_url(path: str) -> str:
    """The URL of a page relative to the site root, as MkDocs writes it with `use_directory_urls`."""
    if not path.endswith(".md"):
        return path
    stem = path[:-3]
    if stem == "index" or stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def relative(from_path: str, to_path: str, anchor: str = "") -> str:
    """A link from one generated page (or file) to another, both given by their path in the docs tree."""
    if from_path.endswith(".md"):
        base = page_url(from_path)
    else:
        base = posixpath.dirname(from_path) + "/" if "/" in from_path else ""
    target = page_url(to_path)
    if anchor and target == base:
        return f"#{anchor}"
    link = posixpath.relpath(target.rstrip("/") or ".", base.rstrip("/") or ".")
    if not target or target.endswith("/"):
        link = "./" if link == "." else link + "/"
    return link + (f"#{anchor}" if anchor else "")


def hours(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class SiteInputs:
    """What the site reads besides the catalog. Everything is optional."""

    link_status: Any = None  # parsed catalog/link-status.json
    notebook_results: Any = None  # parsed build/notebook-results.json
    repository: str | None = None  # https://github.com/OWNER/REPO, for "Open in Colab" on our own notebooks
    static_pages: dict[str, str] = field(default_factory=dict)  # hand-written pages of this language: name -> text


class Context:
    """Everything the templates need for one language; lookups are computed once."""

    def __init__(self, catalog: Catalog, lang: str, inputs: SiteInputs):
        self.catalog = catalog
        self.lang = lang
        self.inputs = inputs
        self.links = LinkStatus(inputs.link_status)
        self.results = NotebookResults(inputs.notebook_results)
        self._health: dict[str, Health] = {}
        self._cache: dict[tuple[str, object], Markup] = {}
        self.macros: Any = None  # the macros of macros.j2, bound to this context by `Renderer`

    @staticmethod
    def url(to_path: str, anchor: str = "") -> Markup:
        """A link to another page, from anywhere (see `ROOT`); the placeholder itself is left unescaped."""
        return Markup(ROOT) + escape(page_url(to_path) + (f"#{anchor}" if anchor else ""))

    def count(self, n: int) -> str:
        return self.t("topic.count_one" if n == 1 else "topic.count", n=n)

    def _cached(self, key: tuple[str, object], make) -> Markup:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def chips(self, topic_ids: tuple[str, ...]) -> Markup:
        """Topic links with the aliases a search should find them by."""
        return self._cached(("chips", tuple(topic_ids)), lambda: self.macros.topic_chips(topic_ids))

    def card(self, resource: Resource, essential: bool = False, where: bool = True) -> Markup:
        """A resource as an <li>. The body is rendered once per resource, whatever page shows it."""
        body = self._cached(("body", resource.id), lambda: self.macros.resource_body(resource))
        placed = self._cached(("where", resource.id), lambda: self.macros.resource_where(resource)) if where else ""
        must = Markup('<span class="rm-must">★ {}</span>').format(self.t("res.essential")) if essential else ""
        return Markup(
            '<li class="rm-res{}" data-kind="{}" data-lang="{}" data-access="{}" data-level="{}" data-topics="{}">\n'
            "{}{}{}</div>\n</li>"
        ).format(" rm-res--essential" if essential else "", resource.kind.value, resource.language.value,
                 resource.access.value, resource.level.value, " ".join(resource.topics), must, body, placed)

    def notebook(self, notebook: Notebook) -> Markup:
        return self._cached(("notebook", notebook.id), lambda: self.macros.notebook(notebook))

    def t(self, key: str, **values: object) -> str:
        return t(self.lang, key, **values)

    def text(self, value: Any) -> str:
        return value.get(self.lang)

    def with_link(self, key: str, name: str, url: str, text: str, **values: object) -> Markup:
        """A UI string whose `{name}` placeholder becomes a link; every part is escaped."""
        before, _, after = self.t(key, **{name: "\x00"}, **values).partition("\x00")
        return Markup('{}<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>{}').format(
            before, url, text, after)

    @staticmethod
    def node_ids(roadmap: Roadmap) -> str:
        return " ".join(node.id for _, node in roadmap.iter_nodes())

    def health(self, url: str) -> Health:
        if url not in self._health:
            self._health[url] = self.links.health(url)
        return self._health[url]

    def tested(self, notebook: Notebook) -> Tested | None:
        return self.results.tested(notebook.id, notebook.path) if notebook.path else None

    def colab(self, notebook: Notebook) -> str | None:
        if notebook.colab_url:
            return notebook.colab_url
        if notebook.path and self.inputs.repository and self.inputs.repository.startswith("https://github.com/"):
            slug = self.inputs.repository.removeprefix("https://github.com/").strip("/")
            return f"https://colab.research.google.com/github/{slug}/blob/main/{notebook.path}"
        return None

    @cached_property
    def topic_terms(self) -> dict[str, list[str]]:
        """Topic id -> the aliases a search on this language's site should find it by."""
        terms: dict[str, list[str]] = {}
        for topic in self.catalog.topics:
            words = list(topic.aliases.zh) + list(topic.aliases.en) if self.lang == "zh" else list(topic.aliases.en)
            name = topic.name.get(self.lang)
            seen: list[str] = []
            for word in words:
                if word != name and word not in seen:
                    seen.append(word)
            terms[topic.id] = seen
        return terms

    @cached_property
    def topic_children(self) -> dict[str, list[Topic]]:
        children: dict[str, list[Topic]] = defaultdict(list)
        for topic in self.catalog.topics:
            if topic.parent:
                children[topic.parent].append(topic)
        return children

    @cached_property
    def resources_by_topic(self) -> dict[str, list[Resource]]:
        found: dict[str, list[Resource]] = defaultdict(list)
        for resource in self.catalog.resources:
            for topic_id in resource.topics:
                found[topic_id].append(resource)
        return found

    @cached_property
    def notebooks_by_topic(self) -> dict[str, list[Notebook]]:
        found: dict[str, list[Notebook]] = defaultdict(list)
        for notebook in self.catalog.notebooks:
            for topic_id in notebook.topics:
                found[topic_id].append(notebook)
        return found

    @cached_property
    def nodes_by_topic(self) -> dict[str, list[tuple[Roadmap, Node]]]:
        found: dict[str, list[tuple[Roadmap, Node]]] = defaultdict(list)
        for roadmap in self.catalog.roadmaps:
            for _, node in roadmap.iter_nodes():
                for topic_id in node.topics:
                    found[topic_id].append((roadmap, node))
        return found

    @cached_property
    def placements(self) -> dict[str, list[tuple[Roadmap, Node]]]:
        return {rid: [(roadmap, node) for roadmap, _, node in where]
                for rid, where in self.catalog.placements().items()}

    def sorted_resources(self, resources: list[Resource]) -> list[Resource]:
        levels = {"beginner": 0, "intermediate": 1, "advanced": 2}
        return sorted(resources, key=lambda r: (levels[r.level.value], r.title_for(self.lang).casefold()))


def make_environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["mdh"] = md_escape
    env.filters["hours"] = hours
    return env


class Renderer:
    """Renders every generated page of one language."""

    def __init__(self, catalog: Catalog, lang: str, inputs: SiteInputs | None = None, env=None):
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
        self.catalog = catalog
        self.lang = lang
        self.ctx = Context(catalog, lang, inputs or SiteInputs())
        self.env = env or make_environment()
        self.globals = {"ctx": self.ctx, "lang": lang, "t": self.ctx.t, "link": self.ctx.url, "catalog": catalog}
        self.ctx.macros = self.env.get_template("macros.j2").make_module(self.globals)

    def _render(self, template: str, path: str, **values: Any) -> str:
        text = self.env.get_template(template).render(**self.globals, **values)
        root = relative(path, "index.md")
        return text.replace(ROOT, "" if root == "./" else root)

    def roadmap(self, roadmap: Roadmap) -> str:
        nodes = [node for _, node in roadmap.iter_nodes()]
        titles = {node.id: node.title.get(self.lang) for node in nodes}
        return self._render("roadmap.md.j2", f"roadmaps/{roadmap.id}.md", roadmap=roadmap, titles=titles,
                            total_hours=hours(round(sum(n.hours for n in nodes))), node_count=len(nodes),
                            diagram=Markup(render_svg(roadmap, self.lang)))

    def topic(self, topic: Topic) -> str:
        return self._render("topic.md.j2", f"topics/{topic.id}.md", topic=topic)

    def pages(self) -> dict[str, str]:
        catalog, lang = self.catalog, self.lang
        pages: dict[str, str] = {}
        for roadmap in catalog.roadmaps:
            pages[f"roadmaps/{roadmap.id}.md"] = self.roadmap(roadmap)
        for topic in catalog.topics:
            if topic.id == "index":
                raise ValueError("a topic may not be called 'index'")
            pages[f"topics/{topic.id}.md"] = self.topic(topic)
        pages["topics/index.md"] = self._render("topics.md.j2", "topics/index.md")
        ordered = sorted(catalog.resources, key=lambda r: r.title_for(lang).casefold())
        pages["resources.md"] = self._render("resources.md.j2", "resources.md", resources=ordered)
        pages["notebooks.md"] = self._render("notebooks.md.j2", "notebooks.md")
        recent = sorted(catalog.resources, key=lambda r: (r.added, r.id), reverse=True)
        groups: dict[dt.date, list[Resource]] = defaultdict(list)
        for resource in recent[:NEW_SIZE]:
            groups[resource.added].append(resource)
        pages["new.md"] = self._render("new.md.j2", "new.md", groups=sorted(groups.items(), reverse=True))
        pages["feed.xml"] = self._render("feed.xml.j2", "feed.xml", recent=recent[:FEED_SIZE],
                                         updated=recent[0].added if recent else dt.date(2026, 1, 1))
        pages["data/catalog.json"] = to_json(catalog)
        pages["data/catalog.csv"] = to_csv(catalog)
        pages["downloads.md"] = self._render(
            "downloads.md.j2", "downloads.md",
            sizes={name: _size(len(pages[name].encode("utf-8"))) for name in ("data/catalog.json", "data/catalog.csv")})
        for name, text in self.ctx.inputs.static_pages.items():
            pages[name] = self.fill_markers(text, name)
        return pages

    def fill_markers(self, text: str, path: str) -> str:
        if not any(marker in text for marker in MARKERS):
            return text
        cards = self._render("cards.html.j2", path)
        stats = self.ctx.t("home.stats", roadmaps=len(self.catalog.roadmaps), resources=len(self.catalog.resources),
                           topics=len(self.catalog.topics), notebooks=len(self.catalog.notebooks))
        return (text.replace(MARKERS[0], cards.strip())
                .replace(MARKERS[1], f'<p class="rm-stats">{escape(stats)}</p>'))

    def nav(self) -> list[Any]:
        """The MkDocs `nav` for this language. Page titles come from each page's own heading (already escaped)."""
        static = sorted(name for name in self.ctx.inputs.static_pages if name != "index.md")
        return [
            {self.ctx.t("nav.home"): "index.md"},
            {self.ctx.t("nav.roadmaps"): [f"roadmaps/{r.id}.md" for r in self.catalog.roadmaps]},
            {self.ctx.t("nav.topics"): ["topics/index.md"] + [
                f"topics/{topic.id}.md"
                for topic in sorted(self.catalog.topics, key=lambda tp: tp.name.get(self.lang).casefold())]},
            {self.ctx.t("nav.resources"): "resources.md"},
            {self.ctx.t("nav.notebooks"): "notebooks.md"},
            {self.ctx.t("nav.more"): ["new.md", "downloads.md", *static]},
        ]


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 1_000_000 else f"{max(1, round(count / 1000))} kB"


def render_pages(catalog: Catalog, lang: str, inputs: SiteInputs | None = None) -> dict[str, str]:
    """Every generated file of the `lang` site: {path relative to the docs dir: text}."""
    return Renderer(catalog, lang, inputs).pages()
