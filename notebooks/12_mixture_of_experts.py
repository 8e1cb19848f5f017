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
# # 12 · A tiny mixture-of-experts model · 一个迷你混合专家模型
#
# A mixture-of-experts (MoE) layer replaces one feed-forward network with `E` smaller *experts*
# and a *router*. For every token the router picks the top-`k` experts and mixes their outputs
# with softmax weights, so only `k / E` of the expert parameters run per token (Mixtral, DeepSeek,
# Qwen-MoE). A load-balancing loss stops the router from sending everything to a few favourites.
#
# 混合专家（MoE）层把一个前馈网络换成 `E` 个较小的*专家*和一个*路由器*。路由器为每个词元挑选
# top-`k` 个专家，并用 softmax 权重混合它们的输出，因此每个词元只运行 `k / E` 的专家参数
# （Mixtral、DeepSeek、Qwen-MoE 都是这样）。负载均衡损失防止路由器把所有词元都交给少数专家。

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

TOKENIZER_ID = os.environ.get("ROADMAP_TOKENIZER_ID", "HuggingFaceTB/SmolLM2-135M-Instruct")
MAX_STEPS = int(os.environ.get("ROADMAP_MAX_STEPS", "150"))
N_EXPERTS, TOP_K, DIM = 4, 2, 64
AUX_LOSS_WEIGHT = 0.01
SEED = 0

# %%
import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoTokenizer

torch.manual_seed(SEED)
tokenizer = AutoTokenizer.from_pretrained(TOKENIZER_ID)

# %% [markdown]
# ## The MoE layer · MoE 层
#
# The router is a linear layer giving one logit per expert. We keep the top-`k` logits per token,
# softmax them into gate weights, and run each expert only on the tokens routed to it. The
# Switch-Transformer load-balancing loss is `E · Σᵢ fᵢ · Pᵢ`, where `fᵢ` is the fraction of routing
# slots that went to expert `i` and `Pᵢ` the mean router probability for it; it equals 1 when the
# load is perfectly even and grows when a few experts dominate.
#
# 路由器是一个线性层，为每个专家输出一个 logit。对每个词元保留 top-`k` 个 logit，经 softmax 得到
# 门控权重，每个专家只处理被分配给它的词元。Switch Transformer 的负载均衡损失为
# `E · Σᵢ fᵢ · Pᵢ`，其中 `fᵢ` 是分配给专家 `i` 的路由名额比例，`Pᵢ` 是路由器给它的平均概率；
# 负载完全均匀时它等于 1，少数专家占主导时它会变大。


# %%
class Expert(nn.Module):  # a small SwiGLU feed-forward network
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.gate, self.up, self.down = (
            nn.Linear(dim, hidden, False),
            nn.Linear(dim, hidden, False),
            nn.Linear(hidden, dim, False),
        )

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


def load_balancing_loss(router_probs: torch.Tensor, chosen: torch.Tensor, n_experts: int) -> torch.Tensor:
    """Switch Transformer auxiliary loss. router_probs: (tokens, E); chosen: (tokens, k) expert ids."""
    f = torch.bincount(chosen.flatten(), minlength=n_experts).float() / chosen.numel()
    p = router_probs.mean(dim=0)
    return n_experts * (f * p).sum()


class MoE(nn.Module):
    def __init__(self, dim: int, n_experts: int, top_k: int):
        super().__init__()
        self.top_k, self.n_experts = top_k, n_experts
        self.router = nn.Linear(dim, n_experts, bias=False)
        self.experts = nn.ModuleList(Expert(dim, 2 * dim) for _ in range(n_experts))

    def forward(self, x):
        shape = x.shape
        x = x.reshape(-1, shape[-1])  # (tokens, dim)
        logits = self.router(x)
        top_logits, chosen = logits.topk(self.top_k, dim=-1)
        gates = F.softmax(top_logits, dim=-1)  # (tokens, k), sums to 1 per token
        out = torch.zeros_like(x)
        for e, expert in enumerate(self.experts):
            token_idx, slot = (chosen == e).nonzero(as_tuple=True)
            if len(token_idx):
                out.index_add_(0, token_idx, gates[token_idx, slot, None] * expert(x[token_idx]))
        self.last_chosen = chosen.detach()
        self.aux_loss = load_balancing_loss(F.softmax(logits, dim=-1), chosen, self.n_experts)
        return out.reshape(shape)


moe = MoE(DIM, N_EXPERTS, TOP_K)
x = torch.randn(10, DIM)
y = moe(x)
chosen = moe.last_chosen
assert all(len(set(row.tolist())) == TOP_K for row in chosen), "each token goes to k distinct experts"

# the same result, token by token, the slow obvious way
for t in range(len(x)):
    top = moe.router(x[t]).topk(TOP_K)
    w = F.softmax(top.values, -1)
    expected = sum(w[j] * moe.experts[int(e)](x[t]) for j, e in enumerate(top.indices))
    assert torch.allclose(y[t], expected, atol=1e-5)

uniform = torch.full((8, N_EXPERTS), 1 / N_EXPERTS)
even = torch.arange(8 * TOP_K).reshape(8, TOP_K) % N_EXPERTS
assert math.isclose(load_balancing_loss(uniform, even, N_EXPERTS).item(), 1.0, rel_tol=1e-6), "balanced -> 1"
skewed = torch.zeros(8, TOP_K, dtype=torch.long)
probs = F.one_hot(skewed[:, 0], N_EXPERTS).float()
print(
    "balanced loss:",
    load_balancing_loss(uniform, even, N_EXPERTS).item(),
    "| all tokens on expert 0:",
    load_balancing_loss(probs, skewed, N_EXPERTS).item(),
)

# %% [markdown]
# ## A tiny MoE language model · 迷你 MoE 语言模型
#
# Two transformer blocks whose feed-forward layers are MoE layers, trained on a short text with
# `loss = cross-entropy + λ · aux_loss`. The loss must go down; we also print how many routing
# slots each expert receives.
#
# 两个 Transformer 块，前馈层都换成 MoE 层，在一小段文本上训练，
# `loss = 交叉熵 + λ · 辅助损失`。损失必须下降；我们也打印每个专家分到的路由名额。


# %%
class Block(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, num_heads=4, batch_first=True)
        self.moe = MoE(dim, N_EXPERTS, TOP_K)

    def forward(self, x):
        t = x.shape[1]
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        h = self.norm1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.moe(self.norm2(x))


class TinyMoELM(nn.Module):
    def __init__(self, vocab: int, dim: int, max_len: int = 128):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, dim), nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList([Block(dim), Block(dim)])
        self.head = nn.Linear(dim, vocab, bias=False)

    def forward(self, ids):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        aux = sum(block.moe.aux_loss for block in self.blocks) / len(self.blocks)
        return self.head(x), aux


TEXT = (
    "Experts specialise in different tokens. The router learns which expert fits each token. "
    "专家各有所长，路由器学会为每个词元挑选合适的专家。"
) * 8
data = torch.tensor(tokenizer(TEXT)["input_ids"])
SEQ = 32
gen = torch.Generator().manual_seed(SEED)


def batch(n: int = 8) -> torch.Tensor:
    starts = torch.randint(0, len(data) - SEQ - 1, (n,), generator=gen)
    return torch.stack([data[s : s + SEQ + 1] for s in starts])


lm = TinyMoELM(len(tokenizer), DIM)
optimizer = torch.optim.AdamW(lm.parameters(), lr=3e-3)
eval_batch = batch()


def lm_loss(b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    logits, aux = lm(b[:, :-1])
    return F.cross_entropy(logits.flatten(0, 1), b[:, 1:].flatten()), aux


def expert_load() -> list[int]:
    return torch.bincount(lm.blocks[0].moe.last_chosen.flatten(), minlength=N_EXPERTS).tolist()


with torch.no_grad():
    before, aux_before = lm_loss(eval_batch)
print(f"expert load (layer 0) before training: {expert_load()}")
for _ in range(MAX_STEPS):
    ce, aux = lm_loss(batch())
    (ce + AUX_LOSS_WEIGHT * aux).backward()
    optimizer.step()
    optimizer.zero_grad()
with torch.no_grad():
    after, aux_after = lm_loss(eval_batch)
print(f"expert load (layer 0) after training:  {expert_load()}")
print(f"cross-entropy {before.item():.3f} -> {after.item():.3f}")
print(f"aux loss {aux_before.item():.3f} -> {aux_after.item():.3f}")
assert after < before

active = sum(p.numel() for p in lm.blocks[0].moe.experts[0].parameters()) * TOP_K
total = sum(p.numel() for p in lm.blocks[0].moe.experts.parameters())
print(f"per MoE layer: {total} expert parameters, {active} active per token ({active / total:.0%})")
