"""A synthetic catalog of N resources (English and Chinese), for the benchmarks. Deterministic for a given N."""

from __future__ import annotations

import random
from pathlib import Path

EN_WORDS = ("attention transformer quantization fine-tuning lora agent retrieval embedding tokenizer decoding "
            "pretraining alignment evaluation inference deployment merging dataset prompt reasoning model").split()
ZH_WORDS = "注意力 量化 微调 智能体 检索 向量 分词 解码 预训练 对齐 评测 推理 部署 合并 数据集 提示词 模型 训练".split()
KINDS = ("article", "video", "course", "paper", "repo", "docs")
PER_FILE = 2000


def write_synthetic_catalog(root: Path, count: int, seed: int = 7) -> Path:
    rng = random.Random(seed)
    (root / "resources").mkdir(parents=True, exist_ok=True)
    (root / "roadmaps").mkdir(exist_ok=True)
    (root / "notebooks").mkdir(exist_ok=True)
    topics = [f"topic-{i}" for i in range(50)]
    with open(root / "topics.yaml", "w", encoding="utf-8") as out:
        out.write("topics:\n")
        for i, topic in enumerate(topics):
            out.write(f"  - id: {topic}\n    name: {{en: {EN_WORDS[i % len(EN_WORDS)]} {i}, "
                      f"zh: {ZH_WORDS[i % len(ZH_WORDS)]}{i}}}\n"
                      f"    summary: {{en: Topic number {i}., zh: 第 {i} 个主题。}}\n"
                      f"    aliases: {{en: [alias{i}], zh: [别名{i}]}}\n")
    ids = []
    for start in range(0, count, PER_FILE):
        with open(root / "resources" / f"part-{start // PER_FILE:03d}.yaml", "w", encoding="utf-8") as out:
            out.write("resources:\n")
            for i in range(start, min(count, start + PER_FILE)):
                words = " ".join(rng.choices(EN_WORDS, k=8))
                zh = "".join(rng.choices(ZH_WORDS, k=8))
                lang = rng.choice(("en", "zh", "en"))
                ids.append(f"res-{i}")
                out.write(
                    f"  - id: res-{i}\n    url: https://example{i % 97}.org/p/{i}\n"
                    f"    title: {'Resource ' + str(i) + ' ' + words if lang == 'en' else zh + str(i)}\n"
                    f"    summary:\n      en: Learn {words} in depth, item {i}.\n      zh: 深入学习{zh}，第 {i} 项。\n"
                    f"    kind: {rng.choice(KINDS)}\n    language: {lang}\n    access: free\n"
                    f"    level: {rng.choice(('beginner', 'intermediate', 'advanced'))}\n"
                    f"    topics: [{', '.join(sorted(set(rng.choices(topics, k=2))))}]\n"
                    f"    authors: [Author {i % 300}]\n    year: {2015 + i % 11}\n    added: 2026-11-23\n")
    with open(root / "roadmaps" / "synthetic.yaml", "w", encoding="utf-8") as out:
        out.write("id: synthetic\ntitle: {en: Synthetic, zh: 合成}\nsummary: {en: Benchmark data., zh: 基准数据。}\n"
                  "source: {title: bench, url: 'https://example.org/', license: CC0}\nsections:\n")
        per_node = 8
        nodes = [ids[i:i + per_node] for i in range(0, len(ids), per_node)]
        for s_index in range(0, len(nodes), 25):
            out.write(f"  - id: s{s_index}\n    title: {{en: Section {s_index}, zh: 第 {s_index} 节}}\n"
                      f"    summary: {{en: A section., zh: 一个章节。}}\n    nodes:\n")
            for n_index in range(s_index, min(len(nodes), s_index + 25)):
                requires = f"[n{n_index - 1}]" if n_index > s_index else "[]"
                out.write(f"      - id: n{n_index}\n        title: {{en: Node {n_index}, zh: 节点 {n_index}}}\n"
                          f"        summary: {{en: A node., zh: 一个节点。}}\n        level: beginner\n"
                          f"        hours: 2\n        resources: [{', '.join(nodes[n_index])}]\n"
                          f"        requires: {requires}\n")
    return root
