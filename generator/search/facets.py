"""The values a search can be filtered by, and the words that describe them in both languages.

Kept free of heavy imports (no pydantic, no whoosh) so that `roadmap search --help` starts fast;
`tests/search/test_facets.py` checks that the values match the enums in `generator.models`.
"""

from __future__ import annotations

# facet -> value -> (English words, Chinese words). The words are indexed in the low-weight `labels` field, so
# "agent 视频" prefers videos and "免费 课程" prefers free courses.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "kind": {
        "article": ("article blog post", "文章 博客"),
        "video": ("video", "视频"),
        "course": ("course", "课程"),
        "book": ("book", "书籍 图书"),
        "paper": ("paper", "论文"),
        "repo": ("repo repository github code", "代码仓库 代码"),
        "docs": ("docs documentation", "文档"),
        "tool": ("tool", "工具"),
        "notebook": ("notebook colab", "笔记本 Notebook"),
        "model": ("model weights", "模型权重"),
        "dataset": ("dataset", "数据集"),
        "community": ("community", "社区"),
    },
    "language": {
        "en": ("English", "英文"),
        "zh": ("Chinese", "中文"),
        "multi": ("multilingual", "多语言"),
    },
    "access": {
        "free": ("free", "免费"),
        "freemium": ("freemium", "部分免费"),
        "paid": ("paid", "付费"),
    },
    "level": {
        "beginner": ("beginner", "入门 新手"),
        "intermediate": ("intermediate", "进阶"),
        "advanced": ("advanced", "高级"),
    },
}

CHOICES: dict[str, tuple[str, ...]] = {facet: tuple(values) for facet, values in LABELS.items()}
