"""What `roadmap new KIND` asks for: one `Field` per flag, shared by the argument parser and the prompts.

Choices come from the schema (the enums in `models`; a test keeps these lists equal to them) or, at prompt time,
from the catalog (topics, nodes). This module imports nothing heavy: `roadmap --help` loads it.
"""

from __future__ import annotations

from dataclasses import dataclass

KIND_ZH = {"article": "文章", "video": "视频", "course": "课程", "book": "书籍", "paper": "论文", "repo": "代码仓库",
           "docs": "文档", "tool": "工具", "notebook": "Notebook", "model": "模型", "dataset": "数据集",
           "community": "社区"}
LANGUAGE_LABELS = {"en": "English / 英文", "zh": "Chinese / 中文", "multi": "several languages / 多种语言"}
ACCESS_ZH = {"free": "免费", "freemium": "部分免费", "paid": "付费"}
LEVEL_ZH = {"beginner": "入门", "intermediate": "进阶", "advanced": "高级"}


def _labels(values: list[str], zh: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((value, f"{value} / {zh[value]}") for value in values)


KIND_CHOICES = _labels(list(KIND_ZH), KIND_ZH)
LANGUAGE_CHOICES = tuple((value, f"{value}: {label}") for value, label in LANGUAGE_LABELS.items())
ACCESS_CHOICES = _labels(list(ACCESS_ZH), ACCESS_ZH)
LEVEL_CHOICES = _labels(list(LEVEL_ZH), LEVEL_ZH)


@dataclass(frozen=True)
class Field:
    """One flag of `roadmap new KIND`.

    kind: text | url | number | select (one of `choices`) | topics | node | nodes | roadmap | section
    (the last five draw their choices from the catalog).
    """

    name: str
    label: str
    help: str
    kind: str = "text"
    required: bool = False
    many: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    ask: bool = True  # on a terminal, also ask for it when it is optional
    metavar: str | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _text_pair(what: str, what_zh: str, required: bool = True) -> list[Field]:
    return [
        Field(f"{what}_en", f"{what.capitalize()} (English) / 英文{what_zh}",
              f"the English {what}, in your own words", required=required),
        Field(f"{what}_zh", f"{what.capitalize()} (Chinese) / 中文{what_zh}",
              f"the Chinese {what}, in your own words", required=required),
    ]


ID = Field("id", "Id (a short slug) / 标识", "the entry's id (default: made from the title)", ask=False, metavar="SLUG")
TOPICS = Field("topic", "Topics / 主题", "a topic id; repeat the flag for more (the first is the main one)",
               kind="topics", required=True, many=True, metavar="ID")

RESOURCE = (
    Field("url", "URL / 链接", "the resource's address (http or https)", kind="url", required=True),
    Field("title", "Title, as the resource itself names it / 原标题", "the original title", required=True),
    Field("title_zh", "Chinese title, if it has one (optional) / 中文标题（可选）", "a Chinese title, if any"),
    Field("kind", "Kind / 类型", "what it is", kind="select", required=True, choices=KIND_CHOICES),
    Field("language", "Language of the resource / 资源语言", "the resource's own language", kind="select",
          required=True, choices=LANGUAGE_CHOICES),
    Field("access", "Access / 是否免费", "free, freemium or paid", kind="select", required=True,
          choices=ACCESS_CHOICES),
    Field("level", "Level / 难度", "who it is for", kind="select", required=True, choices=LEVEL_CHOICES),
    TOPICS,
    *_text_pair("summary", "简介"),
    Field("node", "Roadmap node to list it under / 放在哪个路线图节点下",
          "list it under this node, as ROADMAP/NODE (e.g. llm-course/quantization); repeat for more",
          kind="nodes", required=True, many=True, metavar="ROADMAP/NODE"),
    Field("author", "Authors / 作者", "an author; repeat for more", many=True, ask=False, metavar="NAME"),
    Field("year", "Year / 年份", "the year it was published", kind="number", ask=False),
    ID,
    Field("file", "Catalog file / 目录文件", "the resources file to add it to, e.g. community.yaml (default: "
          "the file with most resources on its first topic)", ask=False, metavar="NAME.yaml"),
)

NODE = (
    Field("roadmap", "Roadmap / 路线图", "the roadmap id", kind="roadmap", required=True, metavar="ID"),
    Field("section", "Section / 章节", "the section id in that roadmap", kind="section", required=True,
          metavar="ID"),
    *_text_pair("title", "标题"),
    *_text_pair("summary", "简介"),
    Field("level", "Level / 难度", "who it is for", kind="select", required=True, choices=LEVEL_CHOICES),
    Field("hours", "Hours of study (an estimate) / 预计学习小时数", "estimated hours", kind="number", required=True),
    Field("topic", "Topics / 主题", "a topic id; repeat for more", kind="topics", many=True, metavar="ID"),
    Field("requires", "Nodes to study first (optional) / 先修节点（可选）", "a node of the same roadmap to study "
          "first; repeat for more", kind="node", many=True, metavar="NODE"),
    ID,
)

TOPIC = (
    *_text_pair("name", "名称"),
    *_text_pair("summary", "简介"),
    Field("alias_en", "English aliases, comma-separated (optional) / 英文别名（逗号分隔，可选）",
          "another English name people search for; repeat for more", many=True, metavar="TEXT"),
    Field("alias_zh", "Chinese aliases, comma-separated (optional) / 中文别名（逗号分隔，可选）",
          "another Chinese name people search for; repeat for more", many=True, metavar="TEXT"),
    Field("parent", "Parent topic (optional) / 上级主题（可选）", "the broader topic's id", kind="topic",
          metavar="ID"),
    ID,
)

NOTEBOOK = (
    *_text_pair("title", "标题"),
    *_text_pair("summary", "简介"),
    TOPICS,
    Field("level", "Level / 难度", "who it is for", kind="select", required=True, choices=LEVEL_CHOICES),
    Field("colab_url", "Colab URL / Colab 链接", "the notebook on Google Colab", kind="url"),
    Field("article_url", "Article or repository URL / 文章或仓库链接", "the article or repository it comes from",
          kind="url"),
    Field("path", "Our reference notebook (optional) / 本仓库的参考 Notebook（可选）",
          "notebooks/NAME.ipynb, if this repository has it", ask=False),
    Field("node", "Roadmap node to list it under (optional) / 放在哪个路线图节点下（可选）",
          "list it under this node, as ROADMAP/NODE; repeat for more", kind="nodes", many=True,
          metavar="ROADMAP/NODE"),
    Field("author", "Authors / 作者", "an author; repeat for more", many=True, ask=False, metavar="NAME"),
    ID,
    Field("file", "Catalog file / 目录文件", "the notebooks file to add it to (default: the file with most "
          "notebooks on its first topic)", ask=False, metavar="NAME.yaml"),
)

KINDS: dict[str, tuple[Field, ...]] = {"resource": RESOURCE, "node": NODE, "topic": TOPIC, "notebook": NOTEBOOK}
