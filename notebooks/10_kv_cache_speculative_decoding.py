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
# # 10 · KV cache and speculative decoding · KV 缓存与投机解码
#
# Two tricks make generation fast without changing its output. The **KV cache** keeps the keys
# and values of earlier tokens, so each step processes only the newest token. **Speculative
# decoding** lets a small *draft* model guess several tokens, which the big *target* model then
# checks in a single forward pass; with greedy decoding the result is exactly the target's own
# greedy output.
#
# 有两个技巧能在不改变输出的前提下加速生成。**KV 缓存**保存之前词元的键和值，每一步只需处理
# 最新的词元。**投机解码**让一个小的*草稿*模型先猜几个词元，再由大的*目标*模型一次前向传播
# 统一验证；在贪心解码下，结果与目标模型自己的贪心输出完全相同。

# %%
# Install the libraries on Colab only; locally, use the project's environment.
# 仅在 Colab 上安装依赖；本地请使用项目自带的环境。
# ruff: noqa: E402
import subprocess
import sys

if "google.colab" in sys.modules:
    packages = ["transformers==5.23.0"]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)

# %% tags=["parameters"]
import os

MODEL_ID = os.environ.get("ROADMAP_MODEL_ID", "HuggingFaceTB/SmolLM2-360M-Instruct")  # the target
DRAFT_MODEL_ID = os.environ.get("ROADMAP_DRAFT_MODEL_ID", "HuggingFaceTB/SmolLM2-135M-Instruct")
MAX_NEW_TOKENS = int(os.environ.get("ROADMAP_MAX_NEW_TOKENS", "24"))
GAMMA = 4  # tokens the draft proposes per round
SEED = 0

# %%
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

torch.manual_seed(SEED)
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
target = AutoModelForCausalLM.from_pretrained(MODEL_ID, dtype=torch.float32).eval()
draft = AutoModelForCausalLM.from_pretrained(DRAFT_MODEL_ID, dtype=torch.float32).eval()
messages = [{"role": "user", "content": "Explain in one sentence why the sky is blue."}]
prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)[
    "input_ids"
]


@torch.no_grad()
def last_logits(model, ids: torch.Tensor) -> torch.Tensor:
    return model(ids).logits[0, -1]


def same_up_to_ties(a: torch.Tensor, b: torch.Tensor, tol: float = 1e-4) -> bool:
    """Equal token ids, except where the target's top two logits tie within rounding error."""
    n = min(a.shape[1], b.shape[1])
    diff = (a[0, :n] != b[0, :n]).nonzero()
    if len(diff) == 0:
        return True
    i = int(diff[0])
    logits = last_logits(target, a[:, :i])
    return abs(float(logits[a[0, i]] - logits[b[0, i]])) < tol


# %% [markdown]
# ## Greedy decoding without and with a KV cache · 不用与使用 KV 缓存的贪心解码
#
# Without a cache, step `t` re-runs the model over all `t` tokens. With a cache, we feed only the
# new token plus `past_key_values`. The tokens are the same; the work per step drops from the
# whole sequence to one token.
#
# 不用缓存时，第 `t` 步要把全部 `t` 个词元重新跑一遍。使用缓存时只输入新词元和
# `past_key_values`。生成的词元相同，每一步的计算量从整个序列降为一个词元。


# %%
@torch.no_grad()
def greedy_no_cache(model, ids: torch.Tensor, n: int) -> torch.Tensor:
    for _ in range(n):
        ids = torch.cat([ids, last_logits(model, ids).argmax().view(1, 1)], dim=1)
    return ids


@torch.no_grad()
def greedy_with_cache(model, ids: torch.Tensor, n: int):
    out = model(ids, use_cache=True)
    for _ in range(n):
        token = out.logits[:, -1].argmax(-1, keepdim=True)
        ids = torch.cat([ids, token], dim=1)
        out = model(token, past_key_values=out.past_key_values, use_cache=True)
    return ids, out.past_key_values


start = time.perf_counter()
reference = greedy_no_cache(target, prompt, MAX_NEW_TOKENS)
t_plain = time.perf_counter() - start
start = time.perf_counter()
cached, cache = greedy_with_cache(target, prompt, MAX_NEW_TOKENS)
t_cache = time.perf_counter() - start
print(f"no cache {t_plain:.2f} s, with cache {t_cache:.2f} s")
print(repr(tokenizer.decode(reference[0, prompt.shape[1] :])))
assert same_up_to_ties(reference, cached), "the KV cache must not change greedy output"

# %% [markdown]
# ## How big is the cache? · 缓存有多大？
#
# For each layer the cache holds one key and one value vector per token and per *key-value* head:
# `2 × layers × kv_heads × head_dim × tokens × bytes`. Grouped-query attention (fewer KV heads)
# shrinks it directly.
#
# 每一层对每个词元、每个*键值*头各保存一个键向量和一个值向量：
# `2 × 层数 × KV 头数 × 头维度 × 词元数 × 字节数`。分组查询注意力（KV 头更少）直接把它变小。

# %%
cfg = target.config
head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
layers = cache.layers
cache_bytes = sum(t.numel() * t.element_size() for layer in layers for t in (layer.keys, layer.values))
n_tokens = layers[0].keys.shape[-2]
formula = 2 * cfg.num_hidden_layers * cfg.num_key_value_heads * head_dim * n_tokens * 4
print(f"keys per layer: {tuple(layers[0].keys.shape)} (batch, kv_heads, tokens, head_dim)")
print(f"cache: {cache_bytes / 1024:.1f} KiB for {n_tokens} tokens; formula gives {formula / 1024:.1f} KiB")
assert cache_bytes == formula

# %% [markdown]
# ## Speculative decoding (greedy) · 投机解码（贪心版）
#
# Each round: the draft proposes `GAMMA` tokens greedily; the target scores the prompt plus all
# proposals in **one** forward pass; we keep the proposals up to the first one the target would
# not have chosen, and append the target's own choice there. Every round yields at least one
# token, and every kept token is the target's greedy choice, so the output equals greedy
# decoding with the target alone.
#
# 每一轮：草稿模型贪心地提出 `GAMMA` 个词元；目标模型用**一次**前向传播给"提示词 + 全部提议"
# 打分；保留提议直到第一个目标模型不会选的词元，并在那里换成目标模型自己的选择。每轮至少产出
# 一个词元，且每个保留的词元都是目标模型的贪心选择，所以输出与目标模型单独贪心解码完全一致。


# %%
@torch.no_grad()
def speculative_greedy(target, draft, ids: torch.Tensor, n: int, gamma: int):
    start_len, target_calls, accepted = ids.shape[1], 0, 0
    while ids.shape[1] - start_len < n:
        k = min(gamma, n - (ids.shape[1] - start_len))
        proposal = greedy_no_cache(draft, ids, k)[:, ids.shape[1] :]
        logits = target(torch.cat([ids, proposal], dim=1)).logits[0, ids.shape[1] - 1 :]
        target_calls += 1
        choice = logits.argmax(-1)  # target's greedy token after each prefix (k + 1 of them)
        matches = (proposal[0] == choice[:k]).int()
        n_ok = int(matches.cumprod(0).sum())
        accepted += n_ok
        ids = torch.cat([ids, proposal[:, :n_ok], choice[n_ok].view(1, 1)], dim=1)
    return ids[:, : start_len + n], target_calls, accepted


for name, drafter in [("small draft", draft), ("target as its own draft", target)]:
    spec, calls, accepted = speculative_greedy(target, drafter, prompt, MAX_NEW_TOKENS, GAMMA)
    print(f"{name}: {calls} target passes for {MAX_NEW_TOKENS} tokens, {accepted} draft tokens accepted")
    assert calls <= MAX_NEW_TOKENS
    assert same_up_to_ties(spec, reference), "speculative decoding must reproduce greedy decoding"

# %% [markdown]
# ## Sampling: the acceptance rule · 采样版本：接受规则
#
# With sampling, a draft token `x ~ q` is accepted with probability `min(1, p(x)/q(x))`; on
# rejection we sample from `max(0, p - q)` renormalised. This makes the output distributed
# exactly as the target's `p`. We check it on two random distributions over 8 tokens.
#
# 采样时，草稿词元 `x ~ q` 以概率 `min(1, p(x)/q(x))` 被接受；被拒绝时从归一化后的
# `max(0, p - q)` 中重新采样。这样输出的分布恰好是目标模型的 `p`。下面用两个 8 个词元上的
# 随机分布验证。

# %%
gen = torch.Generator().manual_seed(SEED)
p = torch.softmax(torch.randn(8, generator=gen) * 2, -1)
q = torch.softmax(torch.randn(8, generator=gen) * 2, -1)
N = 200_000
x = torch.multinomial(q, N, replacement=True, generator=gen)
accept = torch.rand(N, generator=gen) < (p[x] / q[x]).clamp(max=1)
residual = (p - q).clamp_min(0)
fallback = torch.multinomial(residual / residual.sum(), N, replacement=True, generator=gen)
samples = torch.where(accept, x, fallback)
empirical = torch.bincount(samples, minlength=8).float() / N
tv = 0.5 * float((empirical - p).abs().sum())
print(f"acceptance rate {float(accept.float().mean()):.3f}; total variation to p: {tv:.4f}")
assert tv < 0.01

# %% [markdown]
# ## In `transformers` · 在 `transformers` 中
#
# `generate(..., assistant_model=draft)` runs the same algorithm ("assisted generation"). Here the
# draft shares the target's tokenizer; with different tokenizers, also pass `assistant_tokenizer`.
#
# `generate(..., assistant_model=draft)` 实现了同样的算法（"辅助生成"）。这里草稿模型与目标模型
# 使用同一个分词器；如果分词器不同，还需要传入 `assistant_tokenizer`。

# %%
# A fresh GenerationConfig: plain greedy, without extras a checkpoint may set (e.g. a repetition penalty).
plain_greedy = GenerationConfig(
    do_sample=False,
    max_new_tokens=MAX_NEW_TOKENS,
    eos_token_id=target.generation_config.eos_token_id,
    pad_token_id=tokenizer.pad_token_id,
)
assisted = target.generate(
    prompt, attention_mask=torch.ones_like(prompt), assistant_model=draft, generation_config=plain_greedy
)
print(repr(tokenizer.decode(assisted[0, prompt.shape[1] :])))
assert same_up_to_ties(assisted, reference)
