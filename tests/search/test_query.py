"""`Searcher`: cross-language recall, stemming, filters, typo tolerance and bad input."""

from __future__ import annotations

import pytest

from generator.search.facets import CHOICES
from generator.search.index import SearchError
from generator.search.query import MAX_TERMS, Filters, Searcher


def ids(results) -> list[str]:
    return [hit.id for hit in results]


def test_chinese_query_finds_english_article(searcher: Searcher):
    results = searcher.search("量化")
    assert results[0].language == "en" and "quantization" in results[0].topics
    assert "intro-quantization" in ids(results)[:2]


def test_english_query_finds_chinese_video(searcher: Searcher):
    assert "agent-video-zh" in ids(searcher.search("agent"))
    results = searcher.search("agent", Filters(language="zh", kind="video"))
    assert ids(results) == ["agent-video-zh"]


def test_mixed_language_query(searcher: Searcher):
    assert ids(searcher.search("LoRA 微调"))[0] == "lora-guide"
    assert ids(searcher.search("LoRA微调"))[0] == "lora-guide"


def test_chinese_title_and_authors(searcher: Searcher):
    assert ids(searcher.search("智能体"))[0] == "agent-video-zh"  # in its title, not only in its topic
    assert ids(searcher.search("Jay Alammar"))[0] == "illustrated-transformer"
    assert ids(searcher.search("李四"))[0] == "agent-video-zh"


def test_stemming_and_stop_words(searcher: Searcher):
    assert ids(searcher.search("quantized weights"))[0] in ("intro-quantization", "nb-quantization")
    assert ids(searcher.search("the transformers"))[0] == "illustrated-transformer"
    assert ids(searcher.search("mixture of agents"))  # a stop word inside a phrase does not empty the query


def test_topic_aliases_and_roadmap_placement_are_searchable(searcher: Searcher):
    assert set(ids(searcher.search("GPTQ"))[:2]) == {"intro-quantization", "nb-quantization"}  # an alias
    hit = searcher.search("compression")[0]  # the roadmap node's title
    assert hit.id in ("intro-quantization", "nb-quantization")
    assert any(p["node_title"]["zh"] == "压缩" for p in hit.placements)
    assert hit.where("en") == ["Demo roadmap › Compression"]


@pytest.mark.parametrize("filters, expected", [
    (Filters(kind="paper"), {"agent-paper"}),
    (Filters(level="advanced"), {"agent-paper"}),
    (Filters(access="freemium"), set()),
    (Filters(topic="agents", kind="video"), {"agent-video-zh"}),
    (Filters(roadmap="demo"), set()),
])
def test_filters(searcher: Searcher, filters, expected):
    assert set(ids(searcher.search("agent", filters))) == expected


def test_topic_filter_includes_narrower_topics(searcher: Searcher):
    # quantization's parent is transformer
    found = set(ids(searcher.search("quantization weights", Filters(topic="transformer"))))
    assert {"intro-quantization", "nb-quantization"} <= found


def test_filters_without_words_list_what_they_match(searcher: Searcher):
    assert set(ids(searcher.search("", Filters(kind="video")))) == {"agent-video-zh"}
    assert set(ids(searcher.search("", Filters(roadmap="demo")))) == {"illustrated-transformer",
                                                                      "intro-quantization", "nb-quantization"}


def test_unknown_filter_values_are_clear_errors(searcher: Searcher):
    with pytest.raises(SearchError, match="unknown topic 'nope'; choose from: agents, peft-lora, quantization"):
        searcher.search("x", Filters(topic="nope"))
    with pytest.raises(SearchError, match="unknown kind"):
        searcher.search("x", Filters(kind="podcast"))
    assert searcher.known_values("kind") == set(CHOICES["kind"])
    assert ids(searcher.search("agent", Filters(kind=" VIDEO ")))  # case and spaces are forgiven


@pytest.mark.parametrize("typo", ["transfomer", "tranformer", "tarnsformer", "quantizaton", "ilustrated"])
def test_misspelt_words_are_found_fuzzily(searcher: Searcher, typo):
    results = searcher.search(typo)
    assert results.fuzzy and ids(results)[0] in ("illustrated-transformer", "intro-quantization",
                                                 "nb-quantization")


def test_correct_spelling_is_not_fuzzy(searcher: Searcher):
    results = searcher.search("transformer")
    assert not results.fuzzy and ids(results)[0] == "illustrated-transformer"
    assert not searcher.search("quantisation").fuzzy  # a British spelling is not a typo


def test_few_results_are_topped_up_fuzzily_after_the_exact_ones(searcher: Searcher):
    results = searcher.search("prompting")
    assert results.fuzzy and ids(results) == ["prompting-guide", "promoting-models"]


def test_limit(searcher: Searcher):
    assert len(searcher.search("agent", limit=1)) == 1
    assert len(searcher.search("model", limit=100)) <= 8


@pytest.mark.parametrize("query", [
    "", "   ", '"', "*", "(", ")", ":", "title:agent", "agent*", '"unbalanced', "(agent OR", "AND OR NOT",
    "-agent", "+agent", "agent^2", "agent~", "[a TO z]", "\\", "\x00\x1e\x1f", "🤖 agent", "LoRA微调quantization智能体",
    "a" * 10_000, "量化" * 2_000, " ".join(["agent"] * 500), "the of and",
])
def test_bad_input_never_raises(searcher: Searcher, query):
    results = searcher.search(query)
    assert isinstance(results, list)
    if not results:
        assert results.notice or query.strip()


def test_empty_and_stop_word_queries_explain_themselves(searcher: Searcher):
    assert "empty" in searcher.search("  ").notice
    assert "no searchable words" in searcher.search('"(*:').notice
    assert "no searchable words" in searcher.search("the of and").notice


def test_syntax_characters_are_plain_text(searcher: Searcher):
    assert ids(searcher.search('"agent"'))[:3] == ids(searcher.search("agent"))[:3]
    assert ids(searcher.search("(agent)"))[:3] == ids(searcher.search("agent"))[:3]
    assert ids(searcher.search("title:agent*"))  # no field or wildcard syntax, just the words


def test_long_queries_are_cut_with_a_notice(searcher: Searcher):
    words = " ".join(f"word{i}" for i in range(MAX_TERMS + 10)) + " agent"
    results = searcher.search(words)
    assert results.notice and str(MAX_TERMS) in results.notice


def test_results_as_dict(searcher: Searcher):
    data = searcher.search("量化", limit=2).as_dict()
    assert data["query"] == "量化" and len(data["results"]) == 2
    first = data["results"][0]
    assert {"id", "url", "title", "score", "kind", "language", "placements", "topics"} <= set(first)
    assert isinstance(first["score"], float) and first["url"].startswith("https://")


def test_huge_words_are_not_searched_fuzzily(searcher: Searcher):
    import time

    started = time.perf_counter()
    results = searcher.search("a" * 10_000)
    assert not results.fuzzy and time.perf_counter() - started < 2.0
