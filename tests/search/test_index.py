"""Building the index, its content-hash stamp, and rebuilding only when the catalog changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.loader import LAYOUT, load_catalog
from generator.search import index
from generator.search.index import SearchError, build_index, content_hash, ensure_index, read_stamp


class CountingLoad:
    """A `load` callback for ensure_index that counts how often the catalog had to be loaded."""

    def __init__(self, catalog_dir: Path):
        self.catalog_dir = catalog_dir
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return load_catalog(self.catalog_dir)


def test_globs_match_the_files_the_loader_reads():
    assert index.CATALOG_GLOBS == tuple(pattern for pattern, _, _ in LAYOUT.values())


def test_build_writes_stamp_dictionary_and_topic_terms(search_catalog, tmp_path):
    out = build_index(load_catalog(search_catalog), tmp_path / "idx", content_hash="abc")
    stamp = read_stamp(out)
    assert stamp["catalog_hash"] == "abc" and stamp["documents"] == 8  # 7 resources + 1 notebook
    assert "智能体" in (out / index.USERDICT).read_text(encoding="utf-8").split()
    topics = {t["id"]: t for t in json.loads((out / index.TOPICS).read_text(encoding="utf-8"))}
    assert ["量化"] in topics["quantization"]["match"] and "quantiz" in topics["quantization"]["names"]
    assert not list(tmp_path.glob(".idx.*")), "no temporary directories are left behind"


def test_ensure_index_rebuilds_only_when_the_catalog_changes(search_catalog, tmp_path):
    load = CountingLoad(search_catalog)
    out, rebuilt = ensure_index(search_catalog, tmp_path / "idx", load)
    assert rebuilt and load.calls == 1
    stamp_file = out / index.STAMP
    first = (stamp_file.stat().st_mtime_ns, read_stamp(out)["catalog_hash"])

    for _ in range(3):  # unchanged: not rebuilt, not even loaded
        assert ensure_index(search_catalog, tmp_path / "idx", load) == (out, False)
    assert load.calls == 1 and (stamp_file.stat().st_mtime_ns, read_stamp(out)["catalog_hash"]) == first

    resources = search_catalog / "resources" / "basics.yaml"
    resources.write_text(resources.read_text(encoding="utf-8").replace("The Illustrated Transformer",
                                                                        "The Illustrated Transformer, revised"),
                         encoding="utf-8")
    assert ensure_index(search_catalog, tmp_path / "idx", load) == (out, True)
    assert load.calls == 2 and read_stamp(out)["catalog_hash"] != first[1]


def test_content_hash_covers_catalog_files_only(search_catalog):
    before = content_hash(search_catalog)
    (search_catalog / "README.md").write_text("notes", encoding="utf-8")
    (search_catalog / "schema").mkdir()
    (search_catalog / "schema" / "x.json").write_text("{}", encoding="utf-8")
    assert content_hash(search_catalog) == before
    (search_catalog / "roadmaps" / "demo.yaml").write_text(
        (search_catalog / "roadmaps" / "demo.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert content_hash(search_catalog) != before
    (search_catalog / "resources" / "new.yaml").write_text("resources: []\n", encoding="utf-8")
    assert content_hash(search_catalog) != before


def test_default_index_dir_is_build_next_to_the_catalog(search_catalog):
    assert index.default_index_dir(search_catalog) == search_catalog.parent.resolve() / "build" / "search-index"


def test_refuses_to_replace_a_directory_that_is_not_an_index(search_catalog, tmp_path):
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "thesis.txt").write_text("do not delete", encoding="utf-8")
    with pytest.raises(SearchError, match="not a search index"):
        build_index(load_catalog(search_catalog), precious)
    assert (precious / "thesis.txt").exists()


def test_rebuilding_replaces_the_previous_index(search_catalog, tmp_path):
    catalog = load_catalog(search_catalog)
    build_index(catalog, tmp_path / "idx", content_hash="one")
    build_index(catalog, tmp_path / "idx", content_hash="two")
    assert read_stamp(tmp_path / "idx")["catalog_hash"] == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog", "idx"]  # no old or temporary copies


def test_an_index_from_another_version_is_refused_with_advice(search_catalog, tmp_path):
    from generator.search.query import Searcher

    out = build_index(load_catalog(search_catalog), tmp_path / "idx")
    stamp = json.loads((out / index.STAMP).read_text(encoding="utf-8"))
    (out / index.STAMP).write_text(json.dumps({**stamp, "format": 0}), encoding="utf-8")
    with pytest.raises(SearchError, match="roadmap index --force"):
        Searcher(out)
    (out / index.STAMP).unlink()
    with pytest.raises(SearchError, match="no search index"):
        Searcher(out)


def test_roadmap_build_hook_builds_the_same_index(search_catalog, tmp_path):
    from generator.site.build import build_search_index

    out = build_search_index(load_catalog(search_catalog), search_catalog, tmp_path / "search-index")
    assert read_stamp(out)["catalog_hash"] == content_hash(search_catalog)
