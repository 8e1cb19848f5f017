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
# # 06 · Model merging: SLERP, TIES, DARE · 模型合并：SLERP、TIES、DARE
#
# Models fine-tuned from the same base can be merged weight by weight, with no training and no
# GPU. **SLERP** interpolates two models along the arc between them. **TIES** and **DARE** work
# on *task vectors* (fine-tuned weights minus base weights): TIES trims small changes and resolves
# sign conflicts, DARE randomly drops changes and rescales the rest. Tools like `mergekit` do this
# from a YAML file; here we write each method in a few lines of PyTorch.
#
# 从同一基座微调出来的模型可以逐个权重地合并，不需要训练，也不需要 GPU。**SLERP** 沿两个
# 模型之间的圆弧插值。**TIES** 和 **DARE** 作用于*任务向量*（微调权重减去基座权重）：TIES
# 裁掉小的改动并解决符号冲突，DARE 随机丢弃改动并对剩余部分重新缩放。`mergekit` 等工具
# 通过 YAML 文件完成这些操作；这里用几行 PyTorch 逐一实现。

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

BASE_MODEL_ID = os.environ.get("ROADMAP_BASE_MODEL_ID", "HuggingFaceTB/SmolLM2-135M")
FT_MODEL_ID = os.environ.get("ROADMAP_FT_MODEL_ID", "HuggingFaceTB/SmolLM2-135M-Instruct")
MAX_STEPS = int(os.environ.get("ROADMAP_MAX_STEPS", "20"))  # steps for our own second fine-tune
DENSITY = 0.5  # fraction of each task vector that TIES keeps
DROP_RATE = 0.7  # fraction of each task vector that DARE drops
SEED = 0

# %%
import copy
import math

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

torch.manual_seed(SEED)
tokenizer = AutoTokenizer.from_pretrained(FT_MODEL_ID)
if tokenizer.pad_token is None:
    tokenizer.pad_token = tokenizer.eos_token
base = AutoModelForCausalLM.from_pretrained(BASE_MODEL_ID, dtype=torch.float32).eval()
ft_a = AutoModelForCausalLM.from_pretrained(FT_MODEL_ID, dtype=torch.float32).eval()

# %% [markdown]
# ## A second fine-tune · 第二个微调模型
#
# TIES and DARE shine when several fine-tunes are merged. To keep everything offline we make a
# second one ourselves: a few steps of full fine-tuning of the base on a handful of sentences.
#
# TIES 和 DARE 的优势在合并多个微调模型时才显现。为了完全离线，我们自己做第二个微调模型：
# 在几句话上对基座做几步全参数微调。

# %%
TASK_B = [
    "Q: What is 7 times 8? A: 56.",
    "Q: What is 6 times 9? A: 54.",
    "问：三加四等于几？答：七。",
    "Q: What is 12 minus 5? A: 7.",
]
TASK_A = [
    "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\nHi! How can I help you today?<|im_end|>",
    "<|im_start|>user\n你好！<|im_end|>\n<|im_start|>assistant\n你好！有什么可以帮你？<|im_end|>",
]


def encode(texts):
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    return batch, labels


@torch.no_grad()
def loss_on(model, texts) -> float:
    batch, labels = encode(texts)
    return model(**batch, labels=labels).loss.item()


ft_b = copy.deepcopy(base).train()
optimizer = torch.optim.AdamW(ft_b.parameters(), lr=1e-4)
batch_b, labels_b = encode(TASK_B)
for _ in range(MAX_STEPS):
    ft_b(**batch_b, labels=labels_b).loss.backward()
    optimizer.step()
    optimizer.zero_grad()
ft_b.eval()
print(f"task B loss: base {loss_on(base, TASK_B):.3f} -> fine-tune B {loss_on(ft_b, TASK_B):.3f}")

# %% [markdown]
# ## SLERP · 球面线性插值
#
# SLERP treats each weight tensor as a vector and moves along the great circle from `A` to `B`:
# `slerp(t) = sin((1-t)θ)/sin θ · A + sin(tθ)/sin θ · B`, where `θ` is the angle between them.
# At `t = 0` it returns `A`, at `t = 1` it returns `B`, and in between it stays on the arc, so
# its angle to each parent is at most `θ`. When the vectors are almost parallel it falls back to
# linear interpolation.
#
# SLERP 把每个权重张量看作一个向量，沿从 `A` 到 `B` 的大圆移动：
# `slerp(t) = sin((1-t)θ)/sin θ · A + sin(tθ)/sin θ · B`，`θ` 是两者的夹角。`t = 0` 时得到
# `A`，`t = 1` 时得到 `B`，中间始终在圆弧上，因此与每个父模型的夹角都不超过 `θ`。两个向量
# 几乎平行时退化为线性插值。


# %%
def slerp(t: float, a: torch.Tensor, b: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    if not a.is_floating_point():  # integer buffers are copied, not merged
        return a
    a_dir, b_dir = a.flatten() / (a.norm() + eps), b.flatten() / (b.norm() + eps)
    dot = torch.clamp(a_dir @ b_dir, -1.0, 1.0)
    if 1 - abs(float(dot)) < 1e-6:  # (anti)parallel: lerp is exact enough
        return (1 - t) * a + t * b
    theta = torch.arccos(dot)
    return (torch.sin((1 - t) * theta) * a + torch.sin(t * theta) * b) / torch.sin(theta)


def merge_state(fn, *models):
    states = [m.state_dict() for m in models]
    merged = copy.deepcopy(models[0])
    merged.load_state_dict({k: fn(k, *(s[k] for s in states)) for k in states[0]})
    return merged.eval()


def cosine(x, y):
    return float(torch.nn.functional.cosine_similarity(x.flatten(), y.flatten(), dim=0))


sa, sb = ft_a.state_dict(), ft_b.state_dict()
slerp_model = merge_state(lambda k, a, b: slerp(0.5, a, b), ft_a, ft_b)
s_mid = slerp_model.state_dict()
for key in (k for k in sa if sa[k].is_floating_point()):
    assert torch.allclose(slerp(0.0, sa[key], sb[key]), sa[key], atol=1e-5), "t = 0 gives parent A"
    assert torch.allclose(slerp(1.0, sa[key], sb[key]), sb[key], atol=1e-5), "t = 1 gives parent B"
    between = min(cosine(s_mid[key], sa[key]), cosine(s_mid[key], sb[key]))
    assert between >= cosine(sa[key], sb[key]) - 1e-5, "the merge lies between the parents"

# %% [markdown]
# ## TIES · 裁剪、选符号、不相交平均
#
# TIES-merging (Yadav et al., 2023): **trim** each task vector to its largest `density` fraction,
# **elect** a sign per weight from the summed trimmed vectors, then **merge** by averaging only the
# values that agree with that sign. Every merged change therefore has the elected sign and is no
# larger than the largest contributing change.
#
# TIES 合并（Yadav 等，2023）：先把每个任务向量**裁剪**到绝对值最大的 `density` 比例；再按裁剪后
# 向量之和为每个权重**选出符号**；最后只对与该符号一致的数值求平均。因此合并后的每个改动都与
# 选出的符号一致，且不超过参与合并的最大改动。


# %%
def trim(tau: torch.Tensor, density: float) -> torch.Tensor:
    k = max(1, int(density * tau.numel()))
    threshold = tau.abs().flatten().kthvalue(tau.numel() - k + 1).values
    return tau * (tau.abs() >= threshold)


def ties(taus: list[torch.Tensor], density: float) -> torch.Tensor:
    trimmed = torch.stack([trim(t, density) for t in taus])
    sign = torch.sign(trimmed.sum(dim=0))
    agree = (torch.sign(trimmed) == sign) & (trimmed != 0)
    return (trimmed * agree).sum(dim=0) / agree.sum(dim=0).clamp_min(1)


def task_vector_merge(combine):
    def fn(key, base_w, *finetuned):
        if not base_w.is_floating_point():
            return base_w
        return base_w + combine([w - base_w for w in finetuned])

    return fn


sbase = base.state_dict()
ties_model = merge_state(task_vector_merge(lambda taus: ties(taus, DENSITY)), base, ft_a, ft_b)
s_ties = ties_model.state_dict()
for key in (k for k in sbase if sbase[k].is_floating_point()):
    taus = [sa[key] - sbase[key], sb[key] - sbase[key]]
    merged_tau = ties(taus, DENSITY)
    assert torch.allclose(s_ties[key], sbase[key] + merged_tau), "the model holds base + merged task vector"
    nonzero = merged_tau != 0
    elected = torch.sign(torch.stack([trim(t, DENSITY) for t in taus]).sum(0))
    assert bool((torch.sign(merged_tau[nonzero]) == elected[nonzero]).all()), "changes follow the elected sign"
    assert bool((merged_tau.abs() <= torch.stack(taus).abs().amax(0) * (1 + 1e-6)).all()), "none exceeds the largest"
    assert torch.allclose(ties([taus[0]], density=1.0), taus[0]), "one task vector, nothing trimmed: unchanged"

# %% [markdown]
# ## DARE · 随机丢弃并重新缩放
#
# DARE (Yu et al., 2023) drops each entry of a task vector with probability `p` and divides the
# survivors by `1 - p`, which keeps the task vector the same *in expectation*. Fine-tuning deltas
# are so redundant that even `p = 0.9` often works. The dropped task vectors are then added (or
# combined with TIES, "DARE-TIES").
#
# DARE（Yu 等，2023）以概率 `p` 丢弃任务向量中的每个元素，并把保留下来的元素除以 `1 - p`，
# 这样任务向量的*期望*不变。微调产生的改动冗余度很高，`p = 0.9` 往往也能工作。丢弃后的任务
# 向量再相加（或与 TIES 结合，即 "DARE-TIES"）。

# %%
gen = torch.Generator().manual_seed(SEED)


def dare(tau: torch.Tensor, p: float) -> torch.Tensor:
    keep = torch.rand(tau.shape, generator=gen) >= p
    return tau * keep / (1 - p)


taus = torch.cat([(sa[k] - sbase[k]).flatten() for k in sbase if sbase[k].is_floating_point()])
dropped = dare(taus, DROP_RATE)
kept = dropped != 0
assert torch.allclose(dropped[kept], taus[kept] / (1 - DROP_RATE))
n = int((taus != 0).sum())
drop_fraction = 1 - int(kept.sum()) / n
assert abs(drop_fraction - DROP_RATE) < 6 * math.sqrt(DROP_RATE * (1 - DROP_RATE) / n), "drop rate is ~p"
print(f"DARE dropped {drop_fraction:.3f} of {n} entries (p = {DROP_RATE})")
dare_model = merge_state(
    task_vector_merge(lambda taus: sum(dare(t, DROP_RATE) for t in taus) / len(taus)), base, ft_a, ft_b
)

# %% [markdown]
# ## Compare the merges · 比较合并结果
#
# A good merge keeps most of what each parent learned: its loss on both tasks should sit near
# the better parent. Results vary with the models and the hyper-parameters; try other values.
#
# 好的合并能保留每个父模型学到的大部分能力：它在两个任务上的损失都应接近较好的那个父模型。
# 结果取决于模型和超参数，可以多试几组。

# %%
candidates = {
    "base": base,
    "fine-tune A": ft_a,
    "fine-tune B": ft_b,
    "SLERP 0.5": slerp_model,
    "TIES": ties_model,
    "DARE": dare_model,
}
print(f"{'model':>12} | task A loss | task B loss")
for name, m in candidates.items():
    la, lb = loss_on(m, TASK_A), loss_on(m, TASK_B)
    assert math.isfinite(la) and math.isfinite(lb)
    print(f"{name:>12} | {la:11.3f} | {lb:11.3f}")

# %% [markdown]
# With `mergekit`, the TIES merge above is a short YAML file (`merge_method: ties`, a `base_model`,
# and each model's `density` and `weight`), run with `mergekit-yaml config.yml ./merged`.
#
# 使用 `mergekit` 时，上面的 TIES 合并只需一个简短的 YAML 文件（`merge_method: ties`、
# `base_model`，以及每个模型的 `density` 和 `weight`），再运行 `mergekit-yaml config.yml ./merged`。
