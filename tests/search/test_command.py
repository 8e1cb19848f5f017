"""`roadmap search` and `roadmap index` as a user and a script run them."""

from __future__ import annotations

import io
import json
import sys

import pytest

from generator import cli
from generator.search import facets, index
from generator.search.index import read_stamp

from ..conftest import REPO
from .conftest import roadmap, write_search_catalog


def search(catalog, *args: str, stdin: str | None = None):
    """`roadmap search` in a subprocess."""
    return roadmap("search", "--catalog", str(catalog), *args, stdin=stdin)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """`roadmap` in this process (much faster than a subprocess): (exit code, stdout, stderr)."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def index_dir(catalog):
    return catalog.parent / "build" / "search-index"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A catalog whose index is already built, for tests that only read."""
    catalog = write_search_catalog(tmp_path_factory.mktemp("cli") / "catalog")
    assert cli.main(["index", "--catalog", str(catalog)]) == 0
    return catalog


def test_json_output(search_catalog):
    proc = search(search_catalog, "量化", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["query"] == "量化"
    first = data["results"][0]
    assert {"id", "url", "title", "score"} <= set(first) and first["language"] == "en"
    assert "Traceback" not in proc.stderr


def test_human_output_is_a_table(search_catalog):
    proc = search(search_catalog, "agent", "--language", "zh", "--kind", "video")
    assert proc.returncode == 0, proc.stderr
    assert "从零搭建一个智能体" in proc.stdout and "video" in proc.stdout and "zh" in proc.stdout
    assert "https://www.bilibili.com/video/BV1agent/" in proc.stdout.replace("\n", "").replace(" ", "")
    assert "1 result(s)" in proc.stderr
    placed = search(search_catalog, "compression")
    assert "Demo roadmap › Compression" in placed.stdout and "Title" in placed.stdout


def test_query_words_need_no_quotes(built, capsys):
    code, out, _ = run(capsys, "search", "--catalog", str(built), "LoRA", "微调", "--json")
    data = json.loads(out)
    assert code == 0 and data["query"] == "LoRA 微调" and data["results"][0]["id"] == "lora-guide"


def test_stdin_mode_writes_one_json_object_per_line(search_catalog):
    proc = search(search_catalog, "--limit", "2", stdin="量化\n\nagent\n\"(*:\ntransfomer\n")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["量化", "", "agent", '"(*:', "transfomer"]
    assert all(len(line["results"]) <= 2 for line in lines)
    assert lines[0]["results"] and lines[2]["results"]
    assert lines[1]["results"] == [] and "empty" in lines[1]["notice"]
    assert lines[3]["results"] == [] and "no searchable words" in lines[3]["notice"]
    assert lines[4]["fuzzy"] is True and lines[4]["results"][0]["id"] == "illustrated-transformer"


def test_stdin_mode_opens_the_index_once(built, monkeypatch, capsys):
    import whoosh.index

    from generator.search import query

    opened = []
    real_open = whoosh.index.open_dir
    monkeypatch.setattr(query.whoosh_index, "open_dir", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    monkeypatch.setattr(sys, "stdin", io.StringIO("量化\nagent\nLoRA 微调\n" * 20))
    assert cli.main(["search", "--catalog", str(built)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 60 and len(opened) == 1


def test_a_fresh_index_is_used_without_loading_the_catalog(search_catalog, monkeypatch, capsys):
    assert cli.main(["index", "--catalog", str(search_catalog)]) == 0
    stamp = index_dir(search_catalog) / index.STAMP
    before = stamp.stat().st_mtime_ns

    def no_load(args):
        raise AssertionError("the catalog was loaded although the index is fresh")

    monkeypatch.setattr("generator.search.command.load", no_load)
    assert cli.main(["search", "--catalog", str(search_catalog), "--json", "量化"]) == 0
    assert json.loads(capsys.readouterr().out)["results"]
    assert stamp.stat().st_mtime_ns == before


def test_index_command_builds_once_and_rebuilds_on_change(search_catalog):
    first = roadmap("index", "--catalog", str(search_catalog))
    assert first.returncode == 0 and "indexed 8 documents" in first.stderr
    again = roadmap("index", "--catalog", str(search_catalog))
    assert again.returncode == 0 and "up to date (8 documents)" in again.stderr
    stamp = read_stamp(index_dir(search_catalog))

    res = search_catalog / "resources" / "extra.yaml"
    res.write_text(res.read_text(encoding="utf-8").replace("Prompting guide", "Prompt writing handbook"),
                   encoding="utf-8")
    data = json.loads(search(search_catalog, "handbook", "--json").stdout)
    assert data["results"][0]["id"] == "prompting-guide"
    assert read_stamp(index_dir(search_catalog))["catalog_hash"] != stamp["catalog_hash"]

    forced = roadmap("index", "--catalog", str(search_catalog), "--force")
    assert forced.returncode == 0 and "indexed 8 documents" in forced.stderr


def test_invalid_catalog_during_a_rebuild_lists_errors_like_validate(search_catalog):
    res = search_catalog / "resources" / "basics.yaml"
    res.write_text(res.read_text(encoding="utf-8").replace("kind: article", "kind: articel", 1), encoding="utf-8")
    proc = search(search_catalog, "agent")
    validate = roadmap("validate", "--catalog", str(search_catalog))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "basics.yaml:10:5: error:" in proc.stderr and "roadmap validate" in proc.stderr
    assert validate.stdout.splitlines()[0] in proc.stderr


@pytest.mark.parametrize("args, message", [
    (["--topic", "nope", "x"], "unknown topic 'nope'"),
    (["--roadmap", "nope", "x"], "unknown roadmap 'nope'"),
    (["--kind", "podcast", "x"], "invalid choice"),
    (["--limit", "0", "x"], "between 1 and 1000"),
    (["--limit", "many", "x"], "not a number"),
])
def test_usage_errors_exit_2(built, capsys, args, message):
    code, _, err = run(capsys, "search", "--catalog", str(built), *args)
    assert code == 2 and message in err


@pytest.mark.parametrize("query", ['"', "*", "(", ":", "title:", "AND", "", "   ", "a" * 5000, "量化LoRA智能体mixed"])
def test_bad_queries_get_results_or_a_message(built, capsys, query):
    code, out, err = run(capsys, "search", "--catalog", str(built), query)
    assert code == 0 and (out.strip() or err.strip())
    code, out, _ = run(capsys, "search", "--catalog", str(built), "--json", query)
    assert code == 0 and json.loads(out)["query"] == query


def test_a_missing_catalog_is_a_usage_error(tmp_path, capsys):
    code, _, err = run(capsys, "search", "--catalog", str(tmp_path / "nowhere"), "x")
    assert code == 2 and "catalog directory not found" in err


def test_an_index_dir_that_is_not_an_index_is_refused(built, tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "search", "--catalog", str(built), "--index", str(tmp_path / "notes"), "agent")
    assert code == 2 and "not a search index" in err
    assert (tmp_path / "notes" / "keep.txt").exists()


def test_help_lists_every_filter(capsys):
    _, text, _ = run(capsys, "search", "--help")
    for option in ("--kind", "--language", "--level", "--access", "--topic", "--roadmap", "--limit", "--json"):
        assert option in text


def test_facet_choices_match_the_models():
    from generator.models import Access, Kind, Language, Level

    for facet, enum in (("kind", Kind), ("language", Language), ("access", Access), ("level", Level)):
        assert facets.CHOICES[facet] == tuple(member.value for member in enum)


def test_readme_documents_search_and_index_in_both_languages():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    english, _, chinese = text.partition("# 大模型学习路线图")
    for part in (english, chinese):
        assert "roadmap search" in part and "roadmap index" in part
