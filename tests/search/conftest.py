"""A small bilingual catalog for the search tests: the `mini` fixture plus an agents topic, a LoRA topic, a Chinese
video on 智能体, a LoRA article and two look-alike titles for the fuzzy retry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import MINI, REPO

EXTRA_TOPICS = """
  - id: agents
    name: {en: LLM agents, zh: 大模型智能体}
    summary: {en: Models that plan and call tools., zh: 会规划、会调用工具的模型。}
    aliases: {en: [agent, agents, tool use], zh: [智能体, 工具调用]}
  - id: peft-lora
    name: {en: LoRA and parameter-efficient fine-tuning, zh: LoRA 与高效微调}
    summary: {en: Fine-tune a few extra weights., zh: 只训练少量额外参数。}
    aliases: {en: [LoRA, QLoRA, PEFT], zh: [高效微调, LoRA 微调]}
"""

EXTRA_RESOURCES = """resources:
  - id: agent-video-zh
    url: https://www.bilibili.com/video/BV1agent/
    title: 从零搭建一个智能体
    summary:
      en: A Chinese walkthrough that builds a tool-calling assistant step by step.
      zh: 一步步从零搭出一个会调用工具的助手。
    kind: video
    language: zh
    access: free
    level: beginner
    topics: [agents]
    authors: [李四]
    added: 2026-11-23
  - id: agent-paper
    url: https://arxiv.org/abs/2210.03629
    title: "ReAct: Synergizing Reasoning and Acting in Language Models"
    summary:
      en: The paper that interleaves reasoning traces with tool calls.
      zh: 把推理过程与工具调用交替进行的论文。
    kind: paper
    language: en
    access: free
    level: advanced
    topics: [agents]
    authors: [Shunyu Yao]
    added: 2026-11-23
  - id: lora-guide
    url: https://example.org/lora-guide
    title: Fine-tune a small model with LoRA
    title_zh: 用 LoRA 微调一个小模型
    summary:
      en: Train low-rank adapters on one GPU and merge them back.
      zh: 在一张显卡上训练低秩适配器，再合并回原模型。
    kind: article
    language: en
    access: freemium
    level: intermediate
    topics: [peft-lora]
    authors: [Jane Doe]
    added: 2026-11-23
  - id: prompting-guide
    url: https://example.org/prompting
    title: Prompting guide
    summary:
      en: Write clear instructions for a chat model.
      zh: 给对话模型写清楚的指令。
    kind: docs
    language: en
    access: free
    level: beginner
    topics: [agents]
    added: 2026-11-23
  - id: promoting-models
    url: https://example.org/promoting
    title: Promoting models to production
    summary:
      en: Ship a model once its evaluations pass.
      zh: 评测通过后再把模型推上线。
    kind: article
    language: en
    access: paid
    level: advanced
    topics: [transformer]
    added: 2026-11-23
"""


def write_search_catalog(target: Path) -> Path:
    import shutil

    shutil.copytree(MINI, target)
    topics = target / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8") + EXTRA_TOPICS, encoding="utf-8")
    (target / "resources" / "extra.yaml").write_text(EXTRA_RESOURCES, encoding="utf-8")
    return target


@pytest.fixture
def search_catalog(tmp_path: Path) -> Path:
    """A fresh, valid catalog directory (tmp/catalog) that a test may edit."""
    return write_search_catalog(tmp_path / "catalog")


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    """An open `Searcher` over the search catalog, shared by a module's read-only tests."""
    from generator.loader import load_catalog
    from generator.search.index import build_index
    from generator.search.query import Searcher

    root = tmp_path_factory.mktemp("search")
    catalog_dir = write_search_catalog(root / "catalog")
    build_index(load_catalog(catalog_dir), root / "index")
    with Searcher(root / "index") as opened:
        yield opened


def roadmap(*args: str, stdin: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run `roadmap` as a user would (a subprocess), with UTF-8 in and out."""
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    env["PYTHONIOENCODING"] = "utf-8"
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "generator", *args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", cwd=cwd, env=env, timeout=120)
