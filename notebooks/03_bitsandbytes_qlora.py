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
# # 03 · bitsandbytes 8-bit / NF4 and QLoRA · bitsandbytes 8 比特 / NF4 与 QLoRA
#
# `bitsandbytes` quantizes a model while it loads: `load_in_8bit` uses LLM.int8(), `load_in_4bit`
# with `nf4` uses the 4-bit NormalFloat data type from the QLoRA paper. QLoRA then trains small
# LoRA adapters on top of the frozen 4-bit model. Since version 0.48 bitsandbytes also runs on a
# CPU, so this notebook works without a GPU (slowly for big models).
#
# `bitsandbytes` 在加载模型时完成量化：`load_in_8bit` 使用 LLM.int8()，`load_in_4bit` 配合
# `nf4` 使用 QLoRA 论文提出的 4 比特 NormalFloat 数据类型。QLoRA 在冻结的 4 比特模型上只训练
# 很小的 LoRA 适配器。bitsandbytes 从 0.48 版起也能在 CPU 上运行，所以本笔记本不需要 GPU
# （大模型会比较慢）。

# %%
# Install the libraries on Colab only; locally, use the project's environment.
# 仅在 Colab 上安装依赖；本地请使用项目自带的环境。
# ruff: noqa: E402
import subprocess
import sys

if "google.colab" in sys.modules:
    packages = ["transformers==5.23.0", "peft==0.21.2", "bitsandbytes==0.50.2", "accelerate==1.15.0"]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)

# %% tags=["parameters"]
import os

MODEL_ID = os.environ.get("ROADMAP_MODEL_ID", "HuggingFaceTB/SmolLM2-135M-Instruct")
MAX_STEPS = int(os.environ.get("ROADMAP_MAX_STEPS", "30"))
LEARNING_RATE = float(os.environ.get("ROADMAP_LEARNING_RATE", "1e-3"))
SEED = 0

# %%
import logging
import math

import bitsandbytes as bnb
import bitsandbytes.functional as F
import torch
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig

logging.getLogger("bitsandbytes").setLevel(logging.ERROR)  # silence "inputs will be cast to float16" per call
torch.manual_seed(SEED)
print("bitsandbytes", bnb.__version__, "| CUDA available:", torch.cuda.is_available())
DEVICE_MAP = "auto" if torch.cuda.is_available() else "cpu"
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
if tokenizer.pad_token is None:
    tokenizer.pad_token = tokenizer.eos_token

# %% [markdown]
# ## NF4 and int8 by hand · 手动做 NF4 与 int8 量化
#
# NF4 has 16 code values placed at quantiles of a normal distribution, because trained weights
# are roughly normal. Each block of 64 weights is divided by its absolute maximum, then every
# value is rounded to the nearest code, so the error is at most half the largest gap between
# codes, times the block's absmax. int8 row-wise quantization works the same way with 255 codes.
#
# NF4 的 16 个编码值位于正态分布的分位点上，因为训练后的权重大致服从正态分布。每 64 个权重
# 一块，先除以块内绝对值最大值，再取最近的编码，所以误差不超过编码间最大间隔的一半乘以该块
# 的 absmax。int8 逐行量化同理，只是有 255 个编码。

# %%
codebook = F.get_4bit_type("nf4", device="cpu")
print("NF4 code values:", [round(v, 3) for v in codebook.tolist()])

w = torch.randn(256, 256, generator=torch.Generator().manual_seed(SEED))
packed, state = F.quantize_4bit(w, blocksize=64, quant_type="nf4", compress_statistics=False)
w_nf4 = F.dequantize_4bit(packed, state)
block_absmax = w.flatten().reshape(-1, 64).abs().amax(dim=1, keepdim=True)
bound = block_absmax * codebook.diff().max() / 2
print(f"NF4: {packed.numel()} bytes for {w.numel()} weights; max error {(w_nf4 - w).abs().max():.4f}")
assert bool(((w_nf4 - w).flatten().reshape(-1, 64).abs() <= bound + 1e-5).all())

q, row_stats, _ = F.int8_vectorwise_quant(w)
w_int8 = F.int8_vectorwise_dequant(q, row_stats)
print(f"int8: max error {(w_int8 - w).abs().max():.4f}")
assert bool(((w_int8 - w).abs() <= row_stats[:, None] / 127 / 2 + 1e-5).all())

# %% [markdown]
# ## Loading a model in 8-bit and 4-bit · 以 8 比特和 4 比特加载模型
#
# Passing a `BitsAndBytesConfig` to `from_pretrained` swaps every linear layer for a quantized
# one (`Linear8bitLt` or `Linear4bit`). Memory shrinks; perplexity should change only a little.
#
# 把 `BitsAndBytesConfig` 传给 `from_pretrained`，每个线性层都会被替换成量化层
# （`Linear8bitLt` 或 `Linear4bit`）。显存占用下降，困惑度只会略有变化。

# %%
configs = {
    "fp32": None,
    "int8": BitsAndBytesConfig(load_in_8bit=True),
    "nf4": BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.float32,
    ),
}
TEXT = (
    "Quantization lets a large language model fit on a small GPU. QLoRA fine-tunes a 4-bit model by "
    "training low-rank adapters while the quantized base weights stay frozen."
)
ids = tokenizer(TEXT, return_tensors="pt")["input_ids"]
models, stats = {}, {}
for name, cfg in configs.items():
    m = AutoModelForCausalLM.from_pretrained(
        MODEL_ID, dtype=torch.float32, quantization_config=cfg, device_map=DEVICE_MAP
    )
    with torch.no_grad():
        ppl = math.exp(m(ids.to(m.device), labels=ids.to(m.device)).loss.item())
    models[name], stats[name] = m, (m.get_memory_footprint() / 2**20, ppl)
    print(f"{name:>5}: {stats[name][0]:7.2f} MiB, perplexity {ppl:.2f}")

layer = models["nf4"].model.layers[0].self_attn.q_proj
print(type(models["int8"].model.layers[0].self_attn.q_proj).__name__, type(layer).__name__)
assert isinstance(layer, bnb.nn.Linear4bit)
assert stats["nf4"][0] < stats["int8"][0] < stats["fp32"][0], "fewer bits must mean less memory"
assert all(math.isfinite(ppl) for _, ppl in stats.values())

# %% [markdown]
# ## QLoRA: LoRA adapters on the frozen 4-bit model · QLoRA：在冻结的 4 比特模型上训练 LoRA
#
# `prepare_model_for_kbit_training` freezes the quantized weights and keeps norms in fp32;
# `get_peft_model` adds trainable low-rank matrices to every linear layer. We overfit one small
# batch: the training loss must go down.
#
# `prepare_model_for_kbit_training` 冻结量化后的权重并把归一化层保持为 fp32；
# `get_peft_model` 给每个线性层加上可训练的低秩矩阵。这里在一个小批次上过拟合：
# 训练损失必须下降。

# %%
model = prepare_model_for_kbit_training(models.pop("nf4"), use_gradient_checkpointing=False)
model = get_peft_model(
    model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")
)
model.print_trainable_parameters()

chats = [
    [
        {"role": "user", "content": "What does QLoRA train?"},
        {"role": "assistant", "content": "Small low-rank adapters on top of a frozen 4-bit model."},
    ],
    [
        {"role": "user", "content": "什么是 NF4？"},
        {"role": "assistant", "content": "一种按正态分布分位点设计的 4 比特数据类型。"},
    ],
]
batch = tokenizer.apply_chat_template(chats, return_tensors="pt", padding=True, return_dict=True)
labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
batch = {k: v.to(model.device) for k, v in batch.items()}
labels = labels.to(model.device)


def batch_loss() -> torch.Tensor:
    return model(**batch, labels=labels).loss


optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LEARNING_RATE)
with torch.no_grad():
    before = batch_loss().item()
model.train()
for step in range(MAX_STEPS):
    loss = batch_loss()
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    if step % max(1, MAX_STEPS // 5) == 0:
        print(f"step {step:3d}  loss {loss.item():.4f}")
model.eval()
with torch.no_grad():
    after = batch_loss().item()
print(f"loss before {before:.4f} -> after {after:.4f}")
assert after < before, "QLoRA training must lower the loss on the batch it trains on"
base_weight = model.base_model.model.model.layers[0].self_attn.q_proj.base_layer.weight
assert not base_weight.requires_grad, "the 4-bit base weights stay frozen"
