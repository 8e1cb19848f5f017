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
# # 02 · Weight quantization basics · 权重量化基础
#
# Quantization stores weights with fewer bits. We implement 8-bit **absmax** (symmetric) and
# **zero-point** (asymmetric) quantization, then the idea behind **LLM.int8()**: quantize vector
# by vector and keep the few large "outlier" features in full precision. Finally we compare the
# perplexity of the original and the quantized models on a short text.
#
# 量化就是用更少的比特存储权重。本笔记本实现 8 比特的 **absmax**（对称）量化和 **零点**
# （非对称）量化，再实现 **LLM.int8()** 的核心思想：逐向量量化，并把少数数值很大的"离群"
# 特征保留为全精度。最后在一段短文本上比较原模型和量化模型的困惑度。

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

MODEL_ID = os.environ.get("ROADMAP_MODEL_ID", "HuggingFaceTB/SmolLM2-135M")
OUTLIER_THRESHOLD = float(os.environ.get("ROADMAP_OUTLIER_THRESHOLD", "6.0"))
SEED = 0

# %%
import copy
import math

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

torch.manual_seed(SEED)
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, dtype=torch.float32).eval()

# %% [markdown]
# ## Absmax and zero-point quantization · Absmax 与零点量化
#
# **Absmax** divides by the largest absolute value so the tensor fits in [-127, 127]. **Zero-point**
# maps the range [min, max] onto [-128, 127] with a scale and an offset, which wastes no codes when
# the values are not centred on zero. In both cases the error of one value is at most one
# quantization step (the scale).
#
# **Absmax** 用最大绝对值做缩放，让张量落在 [-127, 127]。**零点量化**用缩放系数和偏移把
# [min, max] 映射到 [-128, 127]，数值不以零为中心时也不浪费编码。两种方法中，每个数值的
# 误差都不超过一个量化步长（即缩放系数）。


# %%
def absmax_quantize(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    scale = 127 / x.abs().max().clamp_min(1e-12)
    q = (scale * x).round().to(torch.int8)
    return q, q.float() / scale, float(1 / scale)


def zeropoint_quantize(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, float]:
    x_range = (x.max() - x.min()).clamp_min(1e-12)
    scale = 255 / x_range
    zeropoint = (-scale * x.min()).round() - 128
    q = (scale * x + zeropoint).round().clamp(-128, 127).to(torch.int8)
    return q, (q.float() - zeropoint) / scale, float(1 / scale)


weight = next(p for n, p in model.named_parameters() if p.dim() == 2 and "embed" not in n).detach()
for name, fn in [("absmax", absmax_quantize), ("zero-point", zeropoint_quantize)]:
    q, deq, step = fn(weight)
    err = (deq - weight).abs().max().item()
    print(f"{name:>10}: int8 range [{int(q.min())}, {int(q.max())}], step {step:.2e}, max error {err:.2e}")
    assert err <= step + 1e-6, "quantize -> dequantize error must stay within one step"
print("original :", weight[0, :6])
print("absmax   :", absmax_quantize(weight)[1][0, :6])

# %% [markdown]
# ## Outliers and LLM.int8() · 离群值与 LLM.int8()
#
# One huge value stretches the scale and crushes every other value onto a few codes. LLM.int8()
# quantizes each row of the activations and each column of the weights separately, and computes
# the feature dimensions that contain outliers (|x| > 6) in full precision. We simulate it in
# plain PyTorch: the int8 parts are exact integer products rescaled afterwards.
#
# 一个特别大的数值会拉大缩放系数，把其余数值挤到少数几个编码上。LLM.int8() 对激活的每一行、
# 权重的每一列分别量化，并把含有离群值（|x| > 6）的特征维度用全精度计算。这里用纯 PyTorch
# 模拟：int8 部分是精确的整数乘积，之后再乘回缩放系数。


# %%
def int8_matmul(x: torch.Tensor, w: torch.Tensor, threshold: float | None) -> torch.Tensor:
    """x (tokens, in) @ w.T with w (out, in), LLM.int8()-style: vector-wise int8 plus fp outliers."""
    outliers = torch.zeros(x.shape[-1], dtype=torch.bool)
    if threshold is not None:
        outliers = (x.abs() > threshold).any(dim=0)
    exact_part = x[:, outliers] @ w[:, outliers].T
    if bool(outliers.all()):
        return exact_part
    xr, wr = x[:, ~outliers], w[:, ~outliers]
    sx = xr.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127  # one scale per token (row)
    sw = wr.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127  # one scale per output (column of w.T)
    qx, qw = (xr / sx).round(), (wr / sw).round()
    return (qx @ qw.T) * sx * sw.T + exact_part


gen = torch.Generator().manual_seed(SEED)
x = torch.randn(16, 256, generator=gen)
x[:, [7, 99]] *= 40  # two outlier features, as observed in large transformers
w = torch.randn(64, 256, generator=gen) / 16
exact = x @ w.T
per_tensor = absmax_quantize(x)[1] @ absmax_quantize(w)[1].T
vectorwise = int8_matmul(x, w, threshold=None)
mixed = int8_matmul(x, w, threshold=OUTLIER_THRESHOLD)
for name, y in [("per-tensor absmax", per_tensor), ("vector-wise int8", vectorwise), ("LLM.int8 (+outliers)", mixed)]:
    print(f"{name:>22}: mean |error| = {(y - exact).abs().mean():.4f}")
assert torch.allclose(int8_matmul(x, w, threshold=0.0), exact, atol=1e-4), "all-outlier case is exact"
assert (mixed - exact).abs().mean() < (per_tensor - exact).abs().mean()

# %% [markdown]
# ## Perplexity of quantized models · 量化模型的困惑度
#
# We quantize every linear layer's weights (absmax or zero-point), or replace every linear layer
# by the simulated LLM.int8() matmul, and measure perplexity on a short text. Lower is better;
# 8-bit weights usually cost very little.
#
# 我们把每个线性层的权重做 absmax 或零点量化，或把每个线性层换成模拟的 LLM.int8() 矩阵乘，
# 然后在短文本上测困惑度（越低越好）。8 比特权重通常几乎不损失效果。

# %%
TEXT = (
    "Large language models are trained to predict the next token. Quantization stores their weights "
    "with fewer bits, which saves memory and often speeds up inference with only a small loss in quality."
)
ids = tokenizer(TEXT, return_tensors="pt")["input_ids"]


@torch.no_grad()
def perplexity(m) -> float:
    return math.exp(m(ids, labels=ids).loss.item())


def linear_layers(m):
    return [(n, mod) for n, mod in m.named_modules() if isinstance(mod, torch.nn.Linear)]


def quantize_weights(fn):
    m = copy.deepcopy(model)
    with torch.no_grad():
        for _, mod in linear_layers(m):
            mod.weight.copy_(fn(mod.weight)[1])
    return m


class Int8Linear(torch.nn.Module):
    def __init__(self, linear: torch.nn.Linear, threshold: float | None):
        super().__init__()
        self.weight, self.bias, self.threshold = linear.weight, linear.bias, threshold

    def forward(self, x):
        y = int8_matmul(x.reshape(-1, x.shape[-1]), self.weight, self.threshold).reshape(*x.shape[:-1], -1)
        return y if self.bias is None else y + self.bias


def with_int8_linears(threshold: float | None):
    m = copy.deepcopy(model)
    for name, mod in linear_layers(m):
        parent, _, child = name.rpartition(".")
        setattr(m.get_submodule(parent) if parent else m, child, Int8Linear(mod, threshold))
    return m


results = {
    "fp32": perplexity(model),
    "absmax int8": perplexity(quantize_weights(absmax_quantize)),
    "zero-point int8": perplexity(quantize_weights(zeropoint_quantize)),
    "LLM.int8 (sim.)": perplexity(with_int8_linears(OUTLIER_THRESHOLD)),
}
for name, ppl in results.items():
    print(f"{name:>16}: perplexity {ppl:.2f}")
assert all(math.isfinite(v) for v in results.values())
assert math.isclose(perplexity(with_int8_linears(0.0)), results["fp32"], rel_tol=1e-4), "threshold 0 = full precision"

# %% [markdown]
# Further reading: Maxime Labonne's *Introduction to Weight Quantization* and the LLM.int8() paper
# (Dettmers et al., 2022). Notebook 03 uses the real `bitsandbytes` kernels.
#
# 延伸阅读：Maxime Labonne 的《Introduction to Weight Quantization》和 LLM.int8() 论文
# （Dettmers 等，2022）。第 03 个笔记本使用真正的 `bitsandbytes` 内核。
