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
# # 07 · A LLaMA-style model from scratch · 从零搭建 LLaMA 风格模型
#
# We build a decoder-only transformer the way LLaMA does it: **RMSNorm** before each block,
# **rotary position embeddings** (RoPE), **grouped-query attention** (GQA, several query heads
# share one key/value head) and a **SwiGLU** feed-forward layer. We check it against
# `transformers`' own `LlamaForCausalLM`, then pretrain it on a little text and fine-tune it on
# a few chats, as in chapter 5 of Datawhale's *Happy-LLM*.
#
# 我们按 LLaMA 的方式搭建一个仅解码器的 Transformer：每个子层前的 **RMSNorm**、**旋转位置编码**
# （RoPE）、**分组查询注意力**（GQA，多个查询头共享一组键/值头）以及 **SwiGLU** 前馈层。先与
# `transformers` 自带的 `LlamaForCausalLM` 对照验证，再像 Datawhale《Happy-LLM》第 5 章那样，
# 在少量文本上预训练，并在几段对话上做监督微调。

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
MAX_STEPS = int(os.environ.get("ROADMAP_MAX_STEPS", "200"))
DIM, N_LAYERS, N_HEADS, N_KV_HEADS = 128, 4, 8, 2
SEQ_LEN = 64
SEED = 0

# %%
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

torch.manual_seed(SEED)
tokenizer = AutoTokenizer.from_pretrained(TOKENIZER_ID)


@dataclass
class ModelConfig:
    vocab_size: int
    dim: int = DIM
    n_layers: int = N_LAYERS
    n_heads: int = N_HEADS
    n_kv_heads: int = N_KV_HEADS
    hidden_dim: int = 4 * DIM
    max_seq_len: int = 256
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0


# %% [markdown]
# ## RMSNorm
#
# RMSNorm rescales each vector by its root mean square and a learned gain; unlike LayerNorm it
# does not subtract the mean and has no bias. It is cheaper and works as well.
#
# RMSNorm 用均方根和一个可学习的增益对每个向量做缩放；与 LayerNorm 不同，它不减均值、没有
# 偏置。计算更省，效果相当。


# %%
class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps, self.weight = eps, nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


x = torch.randn(2, 5, DIM)
y = RMSNorm(DIM, 1e-5)(x)
assert torch.allclose(y.pow(2).mean(-1), torch.ones(2, 5), atol=1e-3), "unit RMS after normalisation"

# %% [markdown]
# ## Rotary position embeddings · 旋转位置编码
#
# RoPE rotates pairs of query/key dimensions by an angle proportional to the position. The dot
# product of a rotated query at position `m` and a rotated key at position `n` then depends only on
# `m - n`: attention sees *relative* positions. Rotations also keep vector lengths. (Happy-LLM
# writes the same rotation with complex numbers; we use the "rotate half" layout of
# `transformers`, which pairs dimension `i` with `i + d/2`.)
#
# RoPE 按与位置成正比的角度旋转查询/键向量的成对维度。位置 `m` 的查询与位置 `n` 的键做点积后
# 只依赖 `m - n`，也就是注意力看到的是*相对*位置；旋转也不改变向量长度。（Happy-LLM 用复数
# 写同一个旋转；这里用 `transformers` 的 "rotate half" 排布，把第 `i` 维与第 `i + d/2` 维配对。）


# %%
def rope_cos_sin(seq_len: int, head_dim: int, theta: float, offset: int = 0):
    inv_freq = 1.0 / theta ** (torch.arange(0, head_dim, 2).float() / head_dim)
    angles = torch.outer(torch.arange(offset, offset + seq_len).float(), inv_freq)
    emb = torch.cat([angles, angles], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(x, cos, sin):  # x: (batch, heads, seq, head_dim)
    return x * cos + rotate_half(x) * sin


hd = DIM // N_HEADS
q, k = torch.randn(hd), torch.randn(hd)


def rotated_dot(m: int, n: int) -> float:
    cos_m, sin_m = rope_cos_sin(1, hd, 10000.0, offset=m)
    cos_n, sin_n = rope_cos_sin(1, hd, 10000.0, offset=n)
    return float(apply_rope(q, cos_m[0], sin_m[0]) @ apply_rope(k, cos_n[0], sin_n[0]))


assert math.isclose(rotated_dot(3, 1), rotated_dot(10, 8), rel_tol=1e-4, abs_tol=1e-4), "depends on m - n only"
cos5, sin5 = rope_cos_sin(1, hd, 10000.0, offset=5)
assert math.isclose(float(apply_rope(q, cos5[0], sin5[0]).norm()), float(q.norm()), rel_tol=1e-5)

# %% [markdown]
# ## Grouped-query attention and SwiGLU · 分组查询注意力与 SwiGLU
#
# With GQA, `n_heads` query heads share `n_kv_heads` key/value heads, which shrinks the KV cache
# by `n_heads / n_kv_heads`. SwiGLU replaces the ReLU MLP with `down(silu(gate(x)) * up(x))`.
#
# 在 GQA 中，`n_heads` 个查询头共享 `n_kv_heads` 个键/值头，KV 缓存因此缩小为
# `n_kv_heads / n_heads`。SwiGLU 把 ReLU 前馈层换成 `down(silu(gate(x)) * up(x))`。


# %%
def repeat_kv(x, n_rep: int):  # (batch, kv_heads, seq, hd) -> (batch, kv_heads * n_rep, seq, hd)
    return x if n_rep == 1 else x.repeat_interleave(n_rep, dim=1)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = cfg.n_heads, cfg.n_kv_heads, cfg.dim // cfg.n_heads
        self.q_proj = nn.Linear(cfg.dim, cfg.n_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(cfg.dim, cfg.n_kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(cfg.dim, cfg.n_kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(cfg.n_heads * self.head_dim, cfg.dim, bias=False)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.n_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.n_kv_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        rep = self.n_heads // self.n_kv_heads
        out = F.scaled_dot_product_attention(q, repeat_kv(k, rep), repeat_kv(v, rep), is_causal=True)
        return self.o_proj(out.transpose(1, 2).reshape(b, t, -1))


class MLP(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)
        self.up_proj = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)
        self.down_proj = nn.Linear(cfg.hidden_dim, cfg.dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)  # pre-norm residual blocks
        return x + self.mlp(self.post_attention_layernorm(x))


class Backbone(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)


class Transformer(nn.Module):
    """Module names follow `LlamaForCausalLM`, so the two can exchange state dicts."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.model = Backbone(cfg)
        self.lm_head = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        self.lm_head.weight = self.model.embed_tokens.weight  # weight tying
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(
                    p, std=0.02 / (math.sqrt(2 * cfg.n_layers) if "o_proj" in name or "down" in name else 1)
                )

    def forward(self, ids, labels=None):
        cos, sin = rope_cos_sin(ids.shape[1], self.cfg.dim // self.cfg.n_heads, self.cfg.rope_theta)
        h = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            h = layer(h, cos, sin)
        logits = self.lm_head(self.model.norm(h))
        if labels is None:
            return logits
        return F.cross_entropy(logits[:, :-1].flatten(0, 1), labels[:, 1:].flatten(), ignore_index=-100)

    @torch.no_grad()
    def generate(self, ids, max_new_tokens: int, eos_id: int | None = None):
        for _ in range(max_new_tokens):
            token = self(ids[:, -self.cfg.max_seq_len :])[:, -1].argmax(-1, keepdim=True)
            ids = torch.cat([ids, token], dim=1)
            if eos_id is not None and int(token) == eos_id:
                break
        return ids


cfg = ModelConfig(vocab_size=len(tokenizer))
model = Transformer(cfg)
print(f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters")

# %% [markdown]
# ## Check against `transformers` · 与 `transformers` 对照
#
# Because our module names match `LlamaForCausalLM`, we can load our weights into it and compare
# the logits. Any bug in RMSNorm, RoPE, GQA or SwiGLU would show up here.
#
# 由于模块命名与 `LlamaForCausalLM` 一致，可以把我们的权重直接加载进去并比较 logits。
# RMSNorm、RoPE、GQA 或 SwiGLU 中的任何错误都会在这里暴露。

# %%
hf_config = LlamaConfig(
    vocab_size=cfg.vocab_size,
    hidden_size=cfg.dim,
    intermediate_size=cfg.hidden_dim,
    num_hidden_layers=cfg.n_layers,
    num_attention_heads=cfg.n_heads,
    num_key_value_heads=cfg.n_kv_heads,
    rms_norm_eps=cfg.norm_eps,
    max_position_embeddings=cfg.max_seq_len,
    tie_word_embeddings=True,
    rope_parameters={"rope_type": "default", "rope_theta": cfg.rope_theta},
)
hf_model = LlamaForCausalLM(hf_config).eval()
missing, unexpected = hf_model.load_state_dict(model.state_dict(), strict=False)
assert not unexpected and all("rotary" in k for k in missing), (missing, unexpected)
ids = torch.randint(0, cfg.vocab_size, (2, 16))
with torch.no_grad():
    assert torch.allclose(model(ids), hf_model(ids).logits, atol=1e-4), "our LLaMA must match transformers'"
print("our implementation matches LlamaForCausalLM")
del hf_model

# %% [markdown]
# ## Pretraining · 预训练
#
# Pretraining is next-token prediction on raw text. We cut a small corpus into random windows of
# `SEQ_LEN` tokens. With so little text the model mostly memorises it, which is fine for a demo:
# the loss must fall.
#
# 预训练就是在原始文本上做下一个词元预测。我们从一个小语料中随机截取长度为 `SEQ_LEN` 的窗口。
# 文本这么少，模型基本是在背诵，作为演示没关系：损失必须下降。

# %%
CORPUS = (
    """
A language model reads text one token at a time and learns to predict the next token.
Attention lets every token look at the tokens before it. Rotary embeddings tell attention how far
apart two tokens are. Grouped-query attention shares keys and values between heads to save memory.
RMSNorm keeps activations at a stable scale, and SwiGLU makes the feed-forward layer more expressive.
语言模型一次读取一个词元，并学习预测下一个词元。注意力让每个词元都能看到它之前的词元。
旋转位置编码告诉注意力两个词元相距多远。分组查询注意力在多个头之间共享键和值，以节省显存。
"""
    * 4
)
data = torch.tensor(tokenizer(CORPUS)["input_ids"])
gen = torch.Generator().manual_seed(SEED)


def random_windows(batch_size: int) -> torch.Tensor:
    starts = torch.randint(0, len(data) - SEQ_LEN, (batch_size,), generator=gen)
    return torch.stack([data[s : s + SEQ_LEN] for s in starts])


def train(batches, steps: int, lr: float) -> None:
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    model.train()
    for step in range(steps):
        ids, labels = batches()
        loss = model(ids, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        if step % max(1, steps // 5) == 0:
            print(f"step {step:4d}  loss {loss.item():.3f}")
    model.eval()


eval_ids = random_windows(8)
with torch.no_grad():
    before = model(eval_ids, eval_ids).item()
train(lambda: (lambda w: (w, w))(random_windows(8)), MAX_STEPS, lr=3e-3)
with torch.no_grad():
    after = model(eval_ids, eval_ids).item()
print(f"pretraining loss {before:.3f} -> {after:.3f} (uniform guess: {math.log(cfg.vocab_size):.3f})")
assert after < before

# %% [markdown]
# ## Supervised fine-tuning · 监督微调
#
# SFT uses the same loss, but on chat-formatted examples, and only the assistant's tokens count:
# the prompt's labels are set to -100 so the model is not trained to write user messages.
#
# SFT 用同样的损失函数，只是数据换成聊天格式，而且只计算助手回复部分：提示词部分的标签设为
# -100，这样模型不会去学习生成用户消息。

# %%
CHATS = [
    ("What does RoPE do?", "It encodes relative positions by rotating queries and keys."),
    ("What is GQA?", "Several query heads share one key and value head."),
    ("RMSNorm 是什么？", "一种按均方根缩放的归一化层。"),
]


def sft_example(question: str, answer: str) -> tuple[torch.Tensor, torch.Tensor]:
    prompt = [{"role": "user", "content": question}]
    prompt_ids = tokenizer.apply_chat_template(prompt, add_generation_prompt=True, return_dict=True)["input_ids"]
    full = tokenizer.apply_chat_template(prompt + [{"role": "assistant", "content": answer}], return_dict=True)[
        "input_ids"
    ]
    labels = [-100] * len(prompt_ids) + full[len(prompt_ids) :]
    return torch.tensor(full), torch.tensor(labels)


def sft_batch() -> tuple[torch.Tensor, torch.Tensor]:
    pairs = [sft_example(q, a) for q, a in CHATS]
    width = max(len(ids) for ids, _ in pairs)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = torch.stack([F.pad(i, (0, width - len(i)), value=pad) for i, _ in pairs])
    labels = torch.stack([F.pad(lab, (0, width - len(lab)), value=-100) for _, lab in pairs])
    return ids, labels


with torch.no_grad():
    before = model(*sft_batch()).item()
train(sft_batch, max(1, MAX_STEPS // 2), lr=1e-3)
with torch.no_grad():
    after = model(*sft_batch()).item()
print(f"SFT loss on assistant tokens {before:.3f} -> {after:.3f}")
assert after < before

prompt = tokenizer.apply_chat_template(
    [{"role": "user", "content": CHATS[0][0]}], add_generation_prompt=True, return_tensors="pt", return_dict=True
)["input_ids"]
out = model.generate(prompt, max_new_tokens=20, eos_id=tokenizer.eos_token_id)
print(tokenizer.decode(out[0, prompt.shape[1] :], skip_special_tokens=True))
