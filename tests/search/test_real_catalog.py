"""The issue's examples against the real catalog: 量化 finds English articles on quantization, "agent" finds Chinese
videos on 智能体, LoRA 微调 finds LoRA fine-tuning material. The full benchmark is bench/search_quality.py."""

from __future__ import annotations

import pytest

from generator.loader import check_catalog
from generator.search.index import build_index
from generator.search.query import Filters, Searcher

from ..conftest import REPO, require


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    catalog, result = check_catalog(REPO / "catalog")
    require(catalog is not None, f"the real catalog does not validate ({len(result.errors)} errors)")
    with Searcher(build_index(catalog, tmp_path_factory.mktemp("real") / "index")) as searcher:
        yield searcher


def test_chinese_query_finds_english_quantization_articles(real: Searcher):
    top = real.search("量化", limit=5)
    assert any(hit.language == "en" and hit.kind == "article" and "quantization" in hit.topics for hit in top)


def test_agent_finds_chinese_videos_on_agents(real: Searcher):
    videos = real.search("agent", Filters(language="zh", kind="video"), limit=5)
    assert videos and all(hit.language == "zh" and hit.kind == "video" for hit in videos)
    assert "agents" in videos[0].topics


def test_lora_fine_tuning_in_mixed_languages(real: Searcher):
    assert any("peft-lora" in hit.topics for hit in real.search("LoRA 微调", limit=3))


def test_typo_and_author(real: Searcher):
    assert any("transformer" in hit.topics for hit in real.search("transfomer", limit=3))
    assert any("Andrej Karpathy" in hit.authors for hit in real.search("karpathy", limit=3))
