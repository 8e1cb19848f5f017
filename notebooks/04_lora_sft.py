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
# # 04 · Supervised fine-tuning with LoRA · 使用 LoRA 做监督微调
#
# Supervised fine-tuning (SFT) teaches a model to answer in a chat format from example
# conversations. LoRA freezes the original weights `W` and learns a low-rank update
# `ΔW = (α / r) · B A`, so only a tiny fraction of the parameters is trained. We use `peft` for
# the adapters and `trl`'s `SFTTrainer` for the training loop.
#
# 监督微调（SFT）用示例对话教模型按聊天格式回答。LoRA 冻结原权重 `W`，只学习低秩更新
# `ΔW = (α / r) · B A`，因此只训练极少量参数。适配器用 `peft` 实现，训练循环用 `trl`
# 的 `SFTTrainer`。

# %%
# Install the libraries on Colab only; locally, use the project's environment.
# 仅在 Colab 上安装依赖；本地请使用项目自带的环境。
# ruff: noqa: E402
import subprocess
import sys

if "google.colab" in sys.modules:
    packages = ["transformers==5.23.0", "peft==0.21.2", "trl==1.16.0", "datasets==5.2.0", "accelerate==1.15.0"]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)

# %% tags=["parameters"]
import os

MODEL_ID = os.environ.get("ROADMAP_MODEL_ID", "HuggingFaceTB/SmolLM2-135M-Instruct")
MAX_STEPS = int(os.environ.get("ROADMAP_MAX_STEPS", "60"))
LEARNING_RATE = float(os.environ.get("ROADMAP_LEARNING_RATE", "1e-3"))
LORA_RANK = 8
SEED = 0

# %%
import tempfile

import torch
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

torch.manual_seed(SEED)
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, dtype=torch.float32)

# %% [markdown]
# ## A tiny chat dataset · 一个很小的对话数据集
#
# SFT data is a list of conversations. `SFTTrainer` applies the tokenizer's chat template, so the
# model learns the same format it will see at inference time. Real runs use thousands of
# examples; a few dozen are enough to watch the loss fall.
#
# SFT 数据就是一组对话。`SFTTrainer` 会套用分词器的聊天模板，让模型学到推理时看到的同一种
# 格式。真实训练需要成千上万条样本；这里几十条就足以看到损失下降。

# %%
facts = [
    ("What is LoRA?", "LoRA trains two small matrices and keeps the original weights frozen."),
    ("What does SFT stand for?", "Supervised fine-tuning: learning from example answers."),
    ("Why use a chat template?", "So that training and inference see exactly the same format."),
    ("什么是 LoRA？", "LoRA 只训练两个小矩阵，原始权重保持不变。"),
    ("SFT 是什么意思？", "监督微调，就是从示例回答中学习。"),
    ("为什么要用聊天模板？", "让训练和推理使用完全相同的格式。"),
]
examples = [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]} for q, a in facts] + [
    {
        "messages": [
            {"role": "user", "content": f"What is {a} plus {b}?"},
            {"role": "assistant", "content": f"{a} plus {b} is {a + b}."},
        ]
    }
    for a in range(1, 5)
    for b in range(1, 5)
]
dataset = Dataset.from_list(examples)
print(len(dataset), "conversations;", tokenizer.apply_chat_template(examples[0]["messages"], tokenize=False))

# %% [markdown]
# ## Train with `SFTTrainer` · 用 `SFTTrainer` 训练
#
# On a CPU, turn off bf16 (trl turns it on by default and it is slower there) and gradient
# checkpointing. We evaluate on the training set before and after, so the comparison is exact.
#
# 在 CPU 上要关闭 bf16（trl 默认开启，而它在 CPU 上更慢）和梯度检查点。我们在训练前后
# 都用训练集评估，这样对比是严格的。

# %%
use_cpu = not torch.cuda.is_available()
args = SFTConfig(
    output_dir=tempfile.mkdtemp(prefix="sft-"),
    max_steps=MAX_STEPS,
    per_device_train_batch_size=8,
    per_device_eval_batch_size=len(dataset),
    learning_rate=LEARNING_RATE,
    lr_scheduler_type="constant",
    max_length=96,
    logging_steps=max(1, MAX_STEPS // 6),
    bf16=False,
    use_cpu=use_cpu,
    gradient_checkpointing=False,
    report_to="none",
    save_strategy="no",
    disable_tqdm=True,
    seed=SEED,
)
lora = LoraConfig(
    r=LORA_RANK, lora_alpha=2 * LORA_RANK, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"
)
trainer = SFTTrainer(
    model=model, args=args, train_dataset=dataset, eval_dataset=dataset, processing_class=tokenizer, peft_config=lora
)
trainer.model.print_trainable_parameters()
before = trainer.evaluate()["eval_loss"]
trainer.train()
after = trainer.evaluate()["eval_loss"]
print(f"eval loss before {before:.4f} -> after {after:.4f}")
assert after < before, "fine-tuning must lower the loss on its own training data"

# %% [markdown]
# ## What LoRA adds · LoRA 加了什么
#
# A LoRA layer computes `W x + (α / r) · B (A x)`. We check this formula against the layer's own
# output, then merge the update into `W` so the model runs at its original speed.
#
# LoRA 层计算 `W x + (α / r) · B (A x)`。我们用层本身的输出验证这个公式，然后把更新合并进
# `W`，让模型恢复原来的推理速度。

# %%
peft_model = trainer.model.eval()
name, layer = next((n, m) for n, m in peft_model.named_modules() if hasattr(m, "lora_A"))  # first LoRA layer
x = torch.randn(3, layer.in_features, device=layer.weight.device)
A, B = layer.lora_A["default"].weight, layer.lora_B["default"].weight
manual = layer.base_layer(x) + layer.scaling["default"] * (x @ A.T @ B.T)
assert torch.allclose(layer(x), manual, atol=1e-5)
print(f"{name}: A {tuple(A.shape)}, B {tuple(B.shape)}, scaling α/r = {layer.scaling['default']}")

prompt = tokenizer.apply_chat_template(
    [{"role": "user", "content": "What is LoRA?"}], add_generation_prompt=True, return_tensors="pt", return_dict=True
).to(peft_model.device)
with torch.no_grad():
    adapter_logits = peft_model(**prompt).logits
merged = peft_model.merge_and_unload()
with torch.no_grad():
    merged_logits = merged(**prompt).logits
    reply = merged.generate(**prompt, max_new_tokens=24, do_sample=False, pad_token_id=tokenizer.pad_token_id)
assert torch.allclose(adapter_logits, merged_logits, atol=1e-3), "merging must not change the outputs"
print(tokenizer.decode(reply[0, prompt["input_ids"].shape[1] :], skip_special_tokens=True))
