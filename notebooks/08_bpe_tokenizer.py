# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Training a BPE tokenizer · 训练 BPE 分词器
#
# Byte-pair encoding (BPE) starts from single characters (or bytes) and repeatedly merges the most
# frequent adjacent pair into a new token, until the vocabulary reaches the size we want. We first
# write the algorithm in pure Python, then train a byte-level BPE tokenizer with the `tokenizers`
# library, add special tokens and a chat template, and save it in the `transformers` format.
#
# 字节对编码（BPE）从单个字符（或字节）出发，不断把出现最频繁的相邻符号对合并成新词元，
# 直到词表达到预定大小。我们先用纯 Python 写出算法，再用 `tokenizers` 库训练字节级 BPE
# 分词器，加上特殊词元和聊天模板，并保存为 `transformers` 格式。

# %%
# Install the libraries on Colab only; locally, use the project's environment.
# 仅在 Colab 上安装依赖；本地请使用项目自带的环境。
# ruff: noqa: E402
import subprocess
import sys

if "google.colab" in sys.modules:
    packages = ["transformers==5.23.0", "tokenizers==0.23.3"]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)

# %% tags=["parameters"]
import os

MODEL_ID = os.environ.get("ROADMAP_MODEL_ID", "HuggingFaceTB/SmolLM2-135M-Instruct")  # for comparison only
VOCAB_SIZE = int(os.environ.get("ROADMAP_VOCAB_SIZE", "600"))

# %%
import collections
import tempfile

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerFast

# %% [markdown]
# ## BPE in pure Python · 纯 Python 实现 BPE
#
# Words are split into characters (with a count for each word). At each step we count every
# adjacent pair, weighted by word frequency, and merge the most frequent one everywhere. The list
# of merges, in order, *is* the tokenizer.
#
# 把每个单词拆成字符（并记录单词出现次数）。每一步统计所有相邻符号对的频次（按单词频次加权），
# 把最频繁的一对在所有地方合并。按顺序记录的合并列表*就是*分词器本身。


# %%
def learn_bpe(word_counts: dict[str, int], num_merges: int) -> list[tuple[str, str]]:
    words = {tuple(w): c for w, c in word_counts.items()}
    merges = []
    for _ in range(num_merges):
        pairs = collections.Counter()
        for symbols, count in words.items():
            for pair in zip(symbols[:-1], symbols[1:], strict=True):
                pairs[pair] += count
        if not pairs:
            break
        best = max(pairs, key=lambda p: (pairs[p], p))  # ties broken deterministically
        merges.append(best)
        new_words = {}
        for symbols, count in words.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            new_words[tuple(out)] = count
        words = new_words
    return merges


def apply_bpe(word: str, merges: list[tuple[str, str]]) -> list[str]:
    symbols = list(word)
    for a, b in merges:  # apply merges in the order they were learned
        i = 0
        while i < len(symbols) - 1:
            if symbols[i] == a and symbols[i + 1] == b:
                symbols[i : i + 2] = [a + b]
            else:
                i += 1
    return symbols


toy = {"low": 5, "lower": 2, "newest": 6, "widest": 3}
toy_merges = learn_bpe(toy, 10)
print("merges:", toy_merges)
print("lowest ->", apply_bpe("lowest", toy_merges))
# "es" and "st" both occur 9 times (newest x6 + widest x3), so the first two merges build "est".
assert toy_merges[0] in {("e", "s"), ("s", "t")} and "".join(toy_merges[1]) == "est"
assert "".join(apply_bpe("lowest", toy_merges)) == "lowest", "merging never loses characters"

# %% [markdown]
# ## Byte-level BPE with `tokenizers` · 用 `tokenizers` 训练字节级 BPE
#
# Modern LLM tokenizers (GPT-2, Llama 3, Qwen, SmolLM) run BPE on **bytes**, so any text, in any
# language, including emoji, can be encoded without an "unknown" token. The pre-tokenizer first
# splits text into word-like chunks so merges never cross word boundaries.
#
# 现代大模型的分词器（GPT-2、Llama 3、Qwen、SmolLM）在**字节**上运行 BPE，因此任何语言的任何
# 文本（包括表情符号）都能编码，不需要"未知"词元。预分词器先把文本切成类似单词的片段，
# 保证合并不会跨越单词边界。

# %%
CORPUS = [
    "Large language models read text as tokens, not as characters or words.",
    "A tokenizer with a bigger vocabulary needs fewer tokens for the same text.",
    "Byte-pair encoding merges the most frequent pair of symbols again and again.",
    "Special tokens mark where a chat message starts and where it ends.",
    "大语言模型以词元为单位读取文本，而不是字符或单词。",
    "词表越大，同一段文本需要的词元越少。",
    "字节对编码一遍又一遍地合并最常见的符号对。",
    "def tokenize(text): return text.split()",
] * 50
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(
    vocab_size=VOCAB_SIZE,
    special_tokens=SPECIAL,
    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    show_progress=False,
)
tok.train_from_iterator(CORPUS, trainer=trainer)
print("vocabulary size:", tok.get_vocab_size())
assert tok.get_vocab_size() <= VOCAB_SIZE
for s in SPECIAL:
    assert tok.token_to_id(s) is not None

sample = "Tokenizers merge frequent pairs. 分词器合并常见的符号对。🙂"
encoding = tok.encode(sample)
print(encoding.tokens[:12])
assert tok.decode(encoding.ids) == sample, "byte-level BPE must round-trip any text exactly"

# %% [markdown]
# ## Special tokens, chat template, `transformers` format · 特殊词元、聊天模板与 `transformers` 格式
#
# Wrapping the tokenizer in `PreTrainedTokenizerFast` gives it `eos`/`pad` tokens and a Jinja chat
# template (here ChatML, as used by SmolLM2 and Qwen). `save_pretrained` writes files that
# `AutoTokenizer.from_pretrained` can load back.
#
# 用 `PreTrainedTokenizerFast` 包装后，分词器就有了 `eos`/`pad` 词元和 Jinja 聊天模板（这里是
# SmolLM2 和 Qwen 使用的 ChatML）。`save_pretrained` 写出的文件可以用
# `AutoTokenizer.from_pretrained` 重新加载。

# %%
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
hf_tok = PreTrainedTokenizerFast(
    tokenizer_object=tok,
    bos_token="<|im_start|>",
    eos_token="<|im_end|>",
    pad_token="<|endoftext|>",
    chat_template=CHAT_TEMPLATE,
)
out_dir = tempfile.mkdtemp(prefix="bpe-")
hf_tok.save_pretrained(out_dir)
reloaded = AutoTokenizer.from_pretrained(out_dir)
chat = [{"role": "user", "content": "你好!"}, {"role": "assistant", "content": "Hello!"}]
print(reloaded.apply_chat_template(chat, tokenize=False))
assert reloaded(sample)["input_ids"] == encoding.ids
assert reloaded.apply_chat_template(chat, tokenize=False).count("<|im_end|>") == 2

# %% [markdown]
# ## Compare with a real model's tokenizer · 与真实模型的分词器比较
#
# A tokenizer trained on our tiny corpus compresses that corpus well but generalises poorly.
# Fewer tokens per character means shorter sequences, so cheaper training and inference.
#
# 在小语料上训练的分词器对这份语料压缩得很好，但泛化能力差。每个字符对应的词元越少，序列越短，
# 训练和推理也就越便宜。

# %%
other = AutoTokenizer.from_pretrained(MODEL_ID)
texts = {"in-domain": CORPUS[0] + CORPUS[4], "new text": "Quantum chromodynamics describes the strong force."}
for label, text in texts.items():
    ours, theirs = len(reloaded(text)["input_ids"]), len(other(text)["input_ids"])
    print(f"{label:>9}: ours {ours:3d} tokens, {MODEL_ID.split('/')[-1]} {theirs:3d} tokens ({len(text)} chars)")
    assert reloaded.decode(reloaded(text)["input_ids"]) == text
