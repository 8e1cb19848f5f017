"""Fixtures for the site tests: a test catalog (the mini catalog plus a LoRA topic and hostile text), its rendered
pages, and one built site per test session, shared by the xdist workers through a file lock."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path

import pytest

from generator.loader import load_catalog

from ..conftest import MINI, REPO

# Text that must come out as text. Each payload would run `alert(...)` if it reached the page unescaped.
EVIL_TITLE = "<script>alert(1)</script>"
EVIL_LINK = "[click me](javascript:alert(2))"

EXTRA_TOPICS = """
  - id: peft-lora
    name: {en: LoRA and parameter-efficient fine-tuning, zh: LoRA 与高效微调}
    summary: {en: Train small adapters instead of the whole model., zh: 只训练少量适配器参数，而不是整个模型。}
    aliases: {en: [LoRA, QLoRA, PEFT], zh: [LoRA 微调, 高效微调, 参数高效微调]}
  - id: evil-topic
    name: {en: '<svg onload=alert(8)>', zh: '<svg onload=alert(8)> 中文'}
    summary: {en: '<b>not bold</b>', zh: '<b>不是粗体</b>'}
"""

EXTRA_RESOURCES = """# yaml-language-server: $schema=../../../../catalog/schema/resources.schema.json
resources:
  - id: lora-paper
    url: https://arxiv.org/abs/2106.09685
    title: 'LoRA: Low-Rank Adaptation of Large Language Models'
    title_zh: LoRA：大语言模型的低秩适配
    summary:
      en: The paper that introduced low-rank adapters.
      zh: 提出低秩适配器的原始论文。
    kind: paper
    language: en
    access: free
    level: advanced
    topics: [peft-lora]
    year: 2021
    added: 2026-11-25
  - id: evil
    url: 'https://example.org/x?a="><script>alert(11)</script>'
    title: '<script>alert(1)</script>'
    title_zh: '[click me](javascript:alert(2))'
    summary:
      en: '<img src=x onerror=alert(3)> **not bold** [link](javascript:alert(4)) `code`'
      zh: '<img src=x onerror=alert(3)> **不是粗体** [链接](javascript:alert(4))'
    kind: video
    language: zh
    access: paid
    level: beginner
    topics: [evil-topic]
    authors: ['<i>Mallory</i>']
    added: 2026-11-24
    mirrors:
      - url: https://www.bilibili.com/video/BV1evil/
        language: zh
        label: {en: '"><script>alert(9)</script>', zh: '"><script>alert(9)</script>'}
"""

EXTRA_ROADMAP = """# yaml-language-server: $schema=../../../../catalog/schema/roadmap.schema.json
id: evil
title: {en: 'Evil </title><script>alert(5)</script>', zh: '邪恶 </title><script>alert(5)</script>'}
summary: {en: '<script>alert(6)</script>', zh: '<script>alert(6)</script>'}
source: {title: '<b>src</b>', url: 'https://example.org/evil', license: '<i>none</i>'}
order: 200
sections:
  - id: first
    title:
      en: '## [x](javascript:alert(7)) {: onclick="alert(7)" }'
      zh: '## [x](javascript:alert(7)) {: onclick="alert(7)" }'
    summary: {en: '*s*', zh: '*s*'}
    nodes:
      - id: tuning
        title: {en: 'LoRA fine-tuning <script>alert(12)</script>', zh: 'LoRA 微调 <script>alert(12)</script>'}
        summary: {en: 'Adapt a model cheaply with LoRA.', zh: '用 LoRA 低成本地微调模型。'}
        level: advanced
        hours: 6
        topics: [peft-lora]
        resources: [lora-paper, evil]
        essential: [lora-paper]
        concepts:
          - name: {en: '<u>Rank</u>', zh: '<u>秩</u>'}
            detail: {en: '[a](javascript:alert(13))', zh: '[甲](javascript:alert(13))'}
      - id: hostile
        title: {en: '# {: #x onclick=alert(14) } <img src=x onerror=alert(15)>', zh: '<img src=x onerror=alert(15)>'}
        summary: {en: 'x', zh: '乙'}
        level: beginner
        hours: 1
        resources: [evil]
        requires: [tuning]
"""


def make_test_catalog(target: Path) -> Path:
    """The mini catalog plus a LoRA topic, a second roadmap and hostile text everywhere."""
    shutil.copytree(MINI, target)
    topics = target / "topics.yaml"
    topics.write_text(topics.read_text(encoding="utf-8").rstrip("\n") + "\n" + EXTRA_TOPICS.lstrip("\n"),
                      encoding="utf-8")
    (target / "resources" / "extra.yaml").write_text(EXTRA_RESOURCES, encoding="utf-8")
    (target / "roadmaps" / "evil.yaml").write_text(EXTRA_ROADMAP, encoding="utf-8")
    status = {"version": 1, "links": {
        "https://jalammar.github.io/illustrated-transformer/": {
            "status": "ok", "checked": "2026-11-22T03:00:00Z", "failures": 0},
        "https://mlabonne.github.io/blog/posts/Introduction_to_Weight_Quantization.html": {
            "status": "redirected", "final_url": "https://mlabonne.github.io/blog/quantization/",
            "checked": "2026-11-22T03:00:00Z", "failures": 0},
        "https://arxiv.org/abs/2106.09685": {
            "status": "broken", "http_status": 404, "checked": "2026-11-21T03:00:00Z", "failures": 3,
            "first_failed": "2026-11-19"},
    }}
    (target / "link-status.json").write_text(json.dumps(status), encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def test_catalog_dir(tmp_path_factory) -> Path:
    return make_test_catalog(tmp_path_factory.mktemp("site-catalog") / "catalog")


@pytest.fixture(scope="session")
def test_catalog(test_catalog_dir):
    return load_catalog(test_catalog_dir)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The test catalog built once for the whole session (English in /, Chinese in /zh/). With pytest-xdist the
    workers share one build: the first builds it under a lock, the others wait for it and reuse it."""
    from generator.site.build import build_site

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # one directory for all workers
    output = shared / "site-build" / "site"
    done = shared / "site-build" / "done"
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(shared / "site-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                catalog_dir = make_test_catalog(shared / "site-build" / "catalog")
                build_site(load_catalog(catalog_dir), catalog_dir=catalog_dir, output=output, root=REPO,
                           notebook_results=shared / "site-build" / "no-results.json", search_index=False)
                done.write_text("ok", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return output
