"""The real catalog: valid, complete against the seed documents, and bilingual."""

from __future__ import annotations

import pytest

from generator.loader import load_catalog
from generator.urls import normalize_url

from .conftest import REPO

SEED_URLS = REPO / "tests" / "data" / "seed_resource_urls.txt"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(REPO / "catalog")


def catalog_urls(catalog) -> set[str]:
    urls = set()
    for res in catalog.resources:
        urls.update([res.url, *res.previous_urls, *(m.url for m in res.mirrors)])
    for nb in catalog.notebooks:
        urls.update(u for u in (nb.colab_url, nb.article_url) if u)
    return {normalize_url(u) for u in urls}


def test_every_seed_url_is_in_the_catalog(catalog):
    seeds = [line.strip() for line in SEED_URLS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(seeds) == 272
    present = catalog_urls(catalog)
    missing = [url for url in seeds if normalize_url(url) not in present]
    assert not missing, f"{len(missing)} seed URL(s) missing:\n" + "\n".join(missing)


def test_four_roadmaps_and_enough_topics(catalog):
    assert {r.id for r in catalog.roadmaps} >= {"llm-course", "happy-llm", "ninehills", "self-study-8-weeks"}
    assert len(catalog.topics) >= 40
    llm_course = catalog.roadmap("llm-course")
    assert [s.id for s in llm_course.sections] == ["fundamentals", "scientist", "engineer"]


def test_every_summary_is_bilingual_and_not_a_copy(catalog):
    texts = [(f"resource {r.id}", r.summary) for r in catalog.resources]
    for roadmap in catalog.roadmaps:
        texts.append((f"roadmap {roadmap.id}", roadmap.summary))
        for _, node in roadmap.iter_nodes():
            texts.append((f"node {roadmap.id}/{node.id}", node.summary))
    texts += [(f"notebook {n.id}", n.summary) for n in catalog.notebooks]
    texts += [(f"topic {t.id}", t.summary) for t in catalog.topics]
    for label, text in texts:
        assert text.en.strip() and text.zh.strip(), label
        assert text.en != text.zh, f"{label}: English and Chinese summaries are identical"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text.zh), f"{label}: Chinese summary has no Chinese"


def test_seed_notebooks_are_all_present(catalog):
    ids = {n.id for n in catalog.notebooks}
    seed_notebooks = {
        "nb-llm-autoeval", "nb-lazymergekit", "nb-lazyaxolotl", "nb-autogguf", "nb-model-family-tree",
        "nb-finetune-llama2-colab", "nb-finetune-axolotl", "nb-dpo-mistral", "nb-intro-quantization",
        "nb-gptq-4bit", "nb-gguf-llamacpp", "nb-exllamav2", "nb-decoding-strategies", "nb-gpt2-loss-landscape",
        "nb-knowledge-graph-chatgpt", "nb-mergekit",
    }
    assert seed_notebooks <= ids
    assert all(catalog.notebook(i).colab_url for i in seed_notebooks)


def test_every_resource_is_placed_on_a_roadmap_or_notebook(catalog):
    placed = set(catalog.placements())
    unplaced = [r.id for r in catalog.resources if r.id not in placed]
    assert not unplaced, f"resources on no roadmap node: {unplaced}"


def test_key_aliases_for_cross_language_search(catalog):
    def words(topic_id):
        topic = catalog.topic(topic_id)
        return {topic.name.en, topic.name.zh, *topic.aliases.en, *topic.aliases.zh}

    assert {"量化", "模型量化", "GPTQ", "GGUF", "AWQ"} <= words("quantization")
    assert {"微调", "SFT", "指令微调"} <= words("fine-tuning")
    assert {"检索增强生成"} <= words("rag")
    assert {"智能体"} <= words("agents")
