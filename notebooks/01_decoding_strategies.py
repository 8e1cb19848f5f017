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
# # 01 · Decoding strategies · 解码策略
#
# A language model only gives a probability distribution over the next token; the *decoding
# strategy* decides which token we actually emit. We implement greedy search, beam search,
# temperature, top-k and nucleus (top-p) sampling by hand, check them against the maths, and
# compare with `model.generate`.
#
# 语言模型每一步只给出下一个词元（token）的概率分布，真正输出哪个词元由*解码策略*决定。
# 本笔记本手写贪心搜索、束搜索、温度、top-k 和核采样（top-p），用数学性质验证它们，
# 并与 `model.generate` 的结果对照。

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

MODEL_ID = os.environ.get("ROADMAP_MODEL_ID", "HuggingFaceTB/SmolLM2-135M-Instruct")
MAX_NEW_TOKENS = int(os.environ.get("ROADMAP_MAX_NEW_TOKENS", "20"))
NUM_BEAMS = int(os.environ.get("ROADMAP_NUM_BEAMS", "4"))
SEED = 0

# %%
import math

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

torch.manual_seed(SEED)
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, dtype=torch.float32).eval()

messages = [{"role": "user", "content": "Give me one tip for learning about large language models."}]
prompt_ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)[
    "input_ids"
]
print(tokenizer.decode(prompt_ids[0]))


@torch.no_grad()
def next_token_logprobs(ids: torch.Tensor) -> torch.Tensor:
    """Log-probabilities of the next token for each sequence in the batch `ids` (batch, seq)."""
    return torch.log_softmax(model(ids).logits[:, -1, :].float(), dim=-1)


# %% [markdown]
# ## Greedy search · 贪心搜索
#
# Greedy decoding always takes the single most likely token. It is deterministic and cheap, but
# it can miss a better sentence whose first token looked slightly less likely.
#
# 贪心解码每一步都选概率最大的词元。它确定且开销小，但可能错过一个整体更好、
# 只是开头词元概率略低的句子。

# %%
eos = model.generation_config.eos_token_id
EOS_IDS = set(eos if isinstance(eos, list) else [eos])


def greedy(ids: torch.Tensor, steps: int, stop_at_eos: bool = False) -> tuple[torch.Tensor, float]:
    score = 0.0
    for _ in range(steps):
        logprobs = next_token_logprobs(ids)[0]
        token = int(logprobs.argmax())
        score += float(logprobs[token])
        ids = torch.cat([ids, torch.tensor([[token]])], dim=1)
        if stop_at_eos and token in EOS_IDS:
            break
    return ids, score


def first_mismatch_is_a_tie(ours: torch.Tensor, theirs: torch.Tensor, tol: float = 1e-4) -> bool:
    """Two greedy decoders may only disagree where the top two tokens are tied within rounding error."""
    n = min(ours.shape[1], theirs.shape[1])
    diff = (ours[0, :n] != theirs[0, :n]).nonzero()
    if len(diff) == 0:
        return True
    i = int(diff[0])
    logprobs = next_token_logprobs(ours[:, :i])[0]
    return abs(float(logprobs[ours[0, i]] - logprobs[theirs[0, i]])) < tol


ours_ids, _ = greedy(prompt_ids, MAX_NEW_TOKENS, stop_at_eos=True)
# A fresh GenerationConfig: plain greedy, without extras a checkpoint may set (e.g. a repetition penalty).
plain_greedy = GenerationConfig(
    do_sample=False, max_new_tokens=MAX_NEW_TOKENS, eos_token_id=eos, pad_token_id=tokenizer.pad_token_id
)
hf_greedy = model.generate(prompt_ids, attention_mask=torch.ones_like(prompt_ids), generation_config=plain_greedy)
print("ours :", repr(tokenizer.decode(ours_ids[0, prompt_ids.shape[1] :])))
print("HF   :", repr(tokenizer.decode(hf_greedy[0, prompt_ids.shape[1] :])))
assert first_mismatch_is_a_tie(ours_ids, hf_greedy), "our greedy search disagrees with model.generate"

# Below we always generate MAX_NEW_TOKENS tokens (no early stop) so that scores are comparable.
greedy_ids, greedy_score = greedy(prompt_ids, MAX_NEW_TOKENS)
print(f"log-probability of the greedy continuation: {greedy_score:.3f}")


# %% [markdown]
# ## Beam search · 束搜索
#
# Beam search keeps the `k` best partial sequences (by total log-probability) at every step.
# With `k = 1` it *is* greedy search. For two-token continuations it can never score below
# greedy, because greedy's path is always among the candidates; for longer outputs beam search
# is a heuristic and usually, but not provably, beats greedy.
#
# 束搜索每一步保留总对数概率最高的 `k` 个候选序列。`k = 1` 时它就是贪心搜索。
# 生成两个词元时它的得分一定不低于贪心，因为贪心路径一定在候选之中；更长的输出上
# 束搜索只是启发式方法，通常（但不能保证）优于贪心。


# %%
def beam_search(ids: torch.Tensor, steps: int, k: int) -> tuple[torch.Tensor, float]:
    beams, scores = ids, torch.zeros(1)
    for _ in range(steps):
        logprobs = next_token_logprobs(beams)  # (beams, vocab)
        total = (scores[:, None] + logprobs).flatten()
        top = total.topk(min(k, total.numel()))
        parent, token = top.indices // logprobs.shape[1], top.indices % logprobs.shape[1]
        beams = torch.cat([beams[parent], token[:, None]], dim=1)
        scores = top.values
    return beams[:1], float(scores[0])


beam1_ids, beam1_score = beam_search(prompt_ids, MAX_NEW_TOKENS, k=1)
assert first_mismatch_is_a_tie(beam1_ids, greedy_ids) and math.isclose(beam1_score, greedy_score, abs_tol=1e-3)

_, greedy2 = greedy(prompt_ids, 2)
_, beam2 = beam_search(prompt_ids, 2, k=NUM_BEAMS)
assert beam2 >= greedy2 - 1e-4, "with two steps, beam search must score at least as well as greedy"

beam_ids, beam_score = beam_search(prompt_ids, MAX_NEW_TOKENS, k=NUM_BEAMS)
print(f"greedy {greedy_score:.3f} vs beam(k={NUM_BEAMS}) {beam_score:.3f}")
print("beam :", repr(tokenizer.decode(beam_ids[0, prompt_ids.shape[1] :])))

# %% [markdown]
# ## Temperature · 温度
#
# Dividing the logits by a temperature `T` before the softmax sharpens (`T < 1`) or flattens
# (`T > 1`) the distribution. It never changes which token is most likely, and the entropy grows
# with `T`.
#
# 在 softmax 之前把 logits 除以温度 `T`：`T < 1` 让分布更尖锐，`T > 1` 让分布更平坦。
# 温度不会改变最可能的词元，而熵随 `T` 单调增加。

# %%
logits = model(prompt_ids).logits[0, -1].detach().float()


def entropy(p: torch.Tensor) -> float:
    return float(-(p * p.clamp_min(1e-30).log()).sum())


temperatures = [0.3, 0.7, 1.0, 1.5]
probs = {t: torch.softmax(logits / t, dim=-1) for t in temperatures}
for t, p in probs.items():
    print(f"T={t}: top token p={float(p.max()):.3f}, entropy={entropy(p):.3f} nats")
    assert int(p.argmax()) == int(logits.argmax())
entropies = [entropy(probs[t]) for t in temperatures]
assert all(a <= b + 1e-5 for a, b in zip(entropies[:-1], entropies[1:], strict=True)), (
    "entropy must grow with temperature"
)

# %% [markdown]
# ## Top-k and nucleus (top-p) sampling · Top-k 与核采样
#
# Top-k keeps only the `k` most likely tokens. Nucleus sampling keeps the *smallest* set of top
# tokens whose probabilities add up to at least `p`, so the set shrinks when the model is
# confident and grows when it is unsure. Both renormalise and then sample.
#
# Top-k 只保留概率最高的 `k` 个词元。核采样保留累计概率达到 `p` 的*最小*词元集合：
# 模型有把握时集合小，没把握时集合大。两者都会重新归一化后再采样。


# %%
def top_k_filter(logits: torch.Tensor, k: int) -> torch.Tensor:
    kth = logits.topk(k).values[-1]
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: torch.Tensor, p: float) -> torch.Tensor:
    sorted_logits, order = logits.sort(descending=True)
    cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(-1)
    drop_sorted = cumulative - torch.softmax(sorted_logits, dim=-1) >= p  # the mass before it already reaches p
    drop = torch.zeros_like(drop_sorted).scatter(0, order, drop_sorted)  # back to vocabulary order
    return logits.masked_fill(drop, float("-inf"))


gen = torch.Generator().manual_seed(SEED)
k, p = 10, 0.9
top_k_set = set(logits.topk(k).indices.tolist())
samples = torch.multinomial(torch.softmax(top_k_filter(logits, k), -1), 500, replacement=True, generator=gen)
assert set(samples.tolist()) <= top_k_set

nucleus = torch.isfinite(top_p_filter(logits, p))
full = torch.softmax(logits, -1)
kept = full[nucleus].sort(descending=True).values
assert float(kept.sum()) >= p - 1e-5, "the nucleus must hold at least p of the probability mass"
assert float(kept[:-1].sum()) < p, "and it must be the smallest such set"
samples = torch.multinomial(torch.softmax(top_p_filter(logits, p), -1), 500, replacement=True, generator=gen)
assert bool(nucleus[samples].all())
print(f"top-k keeps {k} tokens; the nucleus for p={p} keeps {int(nucleus.sum())} tokens")

# %% [markdown]
# ## The same strategies in `generate` · 用 `generate` 调用同样的策略
#
# In practice you pass these knobs to `model.generate`. Sampling is random, so we fix the seed.
#
# 实际使用时把这些参数传给 `model.generate` 即可。采样是随机的，所以这里固定随机种子。

# %%
settings = {
    "greedy": dict(do_sample=False),
    f"beam (k={NUM_BEAMS})": dict(do_sample=False, num_beams=NUM_BEAMS),
    "temperature 0.7": dict(do_sample=True, temperature=0.7, top_k=0, top_p=1.0),
    "top-k 10": dict(do_sample=True, top_k=10, top_p=1.0),
    "nucleus 0.9": dict(do_sample=True, top_p=0.9, top_k=0),
}
for name, kwargs in settings.items():
    torch.manual_seed(SEED)
    out = model.generate(
        prompt_ids,
        attention_mask=torch.ones_like(prompt_ids),
        max_new_tokens=MAX_NEW_TOKENS,
        pad_token_id=tokenizer.pad_token_id,
        **kwargs,
    )
    print(f"{name:>16}: {tokenizer.decode(out[0, prompt_ids.shape[1] :], skip_special_tokens=True)!r}")
