"""Static checks of the reference notebooks: .py/.ipynb pairs in sync, no outputs, conventions, catalog entries.

These are fast (no kernel). ``jupytext --sync notebooks/NN_topic.py`` fixes a pair that drifted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ._support import NOTEBOOK_DIR, ROOT, notebook_sources, require

pytestmark = pytest.mark.notebook

SOURCES = notebook_sources()
CATALOG_FILE = ROOT / "catalog" / "notebooks" / "ours.yaml"
COLAB = "https://colab.research.google.com/github/llm-roadmap/llm-roadmap/blob/main/"
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORDS = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,}){3,}")  # an English phrase of 4+ words
ROADMAP_ENV = re.compile(r"""os\.environ\.get\(\s*["']ROADMAP_[A-Z_]+["']""")


def _cells(nb) -> list[tuple[str, str, dict]]:
    """What must match between the pair: type, source and metadata (ids and outputs excluded)."""
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def _read_pair(source: Path):
    require("jupytext", "nbformat")
    import jupytext
    import nbformat

    ipynb = source.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} is missing: run `jupytext --sync {source.relative_to(ROOT)}`"
    return jupytext.read(source), nbformat.read(ipynb, as_version=4)


def test_enough_notebooks_with_unique_numbers() -> None:
    assert len(SOURCES) >= 12
    numbers = [p.name[:2] for p in SOURCES]
    assert len(set(numbers)) == len(numbers), "two notebooks share a number"
    for p in SOURCES:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.py", p.name), p.name
    strays = {p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")} - {p.stem for p in SOURCES}
    assert not strays, f"notebooks without a .py source: {sorted(strays)}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_in_sync_and_without_outputs(source: Path) -> None:
    from_py, committed = _read_pair(source)
    assert committed.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"
    assert _cells(from_py) == _cells(committed), (
        f"{source.name} and its .ipynb differ: run `jupytext --sync {source.relative_to(ROOT)}`"
    )
    for cell in committed.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "commit notebooks without outputs"
            assert "execution" not in cell.metadata


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_conventions(source: Path) -> None:
    nb, _ = _read_pair(source)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith(f"# {source.name[:2]} · ")
    install = code[0].source
    assert 'if "google.colab" in sys.modules:' in install, "the first code cell installs, and only on Colab"
    assert "pip" in install
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and params[0] is code[1], "exactly one parameters cell, right after the install cell"
    assert ROADMAP_ENV.search(params[0].source), "parameters must be overridable with ROADMAP_* variables"
    assert "HuggingFaceTB/" in params[0].source or "sentence-transformers/" in params[0].source, (
        "default to a real small model so the notebook runs as-is on Colab"
    )
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert CJK.search(cell.source) and LATIN_WORDS.search(cell.source), (
                f"markdown cell is not bilingual (English and Chinese):\n{cell.source[:200]}"
            )


def test_catalog_lists_every_notebook() -> None:
    require("yaml")
    import yaml

    from generator.models import NotebooksFile

    data = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    entries = NotebooksFile.model_validate(data).notebooks
    by_path = {e.path: e for e in entries}
    assert len(by_path) == len(entries) == len(SOURCES)
    for source in SOURCES:
        path = f"notebooks/{source.stem}.ipynb"
        assert path in by_path, f"{path} has no entry in {CATALOG_FILE.relative_to(ROOT)}"
        entry = by_path[path]
        assert entry.id.startswith("ours-")
        assert entry.colab_url == COLAB + path
        assert entry.authors == ("LLM Roadmap contributors",)
    topics_file = ROOT / "catalog" / "topics.yaml"
    if topics_file.exists():
        known = {t["id"] for t in yaml.safe_load(topics_file.read_text(encoding="utf-8"))["topics"]}
        for entry in entries:
            assert set(entry.topics) <= known, (entry.id, set(entry.topics) - known)


def test_tiny_models_are_tiny(tiny_models: dict[str, Path]) -> None:
    """The fixture builder gives a ~1k BPE vocab with a chat template and 64-wide, 2-layer models."""
    tok_cfg = json.loads((tiny_models["tokenizer"] / "tokenizer_config.json").read_text())
    vocab = json.loads((tiny_models["tokenizer"] / "tokenizer.json").read_text())["model"]["vocab"]
    assert 500 <= len(vocab) <= 1024
    template = tok_cfg.get("chat_template") or (tiny_models["tokenizer"] / "chat_template.jinja").read_text()
    assert "<|im_start|>" in template
    for name, width, depth in [("llama", "hidden_size", "num_hidden_layers"), ("gpt2", "n_embd", "n_layer")]:
        cfg = json.loads((tiny_models[name] / "config.json").read_text())
        assert (cfg[width], cfg[depth]) == (64, 2)
        assert (tiny_models[name] / "model.safetensors").exists()
