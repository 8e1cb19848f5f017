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
# # 05 · Preference tuning with DPO · 使用 DPO 做偏好对齐
#
# Direct Preference Optimization (DPO) learns from pairs of answers to the same prompt: one
# *chosen*, one *rejected*. It needs no reward model and no reinforcement-learning loop: the loss
# pushes up the chosen answer's log-probability relative to a frozen reference model, and pushes
# down the rejected one's. We train a LoRA adapter with `trl`'s `DPOTrainer`.
#
# 直接偏好优化（DPO）从同一提示词下的一对回答中学习：一个是*被选中*的，一个是*被拒绝*的。
# 它不需要奖励模型，也不需要强化学习循环：损失函数相对一个冻结的参考模型，提高被选回答的
# 对数概率、降低被拒回答的对数概率。这里用 `trl` 的 `DPOTrainer` 训练一个 LoRA 适配器。

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
MAX_STEPS = int(os.environ.get("ROADMAP_MAX_STEPS", "40"))
LEARNING_RATE = float(os.environ.get("ROADMAP_LEARNING_RATE", "5e-4"))
BETA = 0.1
SEED = 0

# %%
import math
import tempfile

import torch
import torch.nn.functional as F
from datasets import Dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import DPOConfig, DPOTrainer

torch.manual_seed(SEED)
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, dtype=torch.float32)

# %% [markdown]
# ## The DPO loss · DPO 损失函数
#
# With policy `π`, reference `π_ref`, chosen answer `y_w` and rejected answer `y_l`:
# `loss = -log σ(β · [(log π(y_w) - log π_ref(y_w)) - (log π(y_l) - log π_ref(y_l))])`.
# At the start the policy equals the reference, so the margin is 0 and the loss is `log 2`.
#
# 记策略模型为 `π`、参考模型为 `π_ref`、被选回答 `y_w`、被拒回答 `y_l`，则
# `loss = -log σ(β · [(log π(y_w) - log π_ref(y_w)) - (log π(y_l) - log π_ref(y_l))])`。
# 训练开始时策略与参考模型相同，差值为 0，损失恰好是 `log 2`。


# %%
def dpo_loss(pi_chosen, pi_rejected, ref_chosen, ref_rejected, beta=BETA):
    margin = (pi_chosen - ref_chosen) - (pi_rejected - ref_rejected)
    return -F.logsigmoid(beta * margin).mean()


logps = torch.tensor([-12.0, -15.0])
assert math.isclose(dpo_loss(logps[0], logps[1], logps[0], logps[1]).item(), math.log(2), rel_tol=1e-6)
print("loss when policy == reference:", dpo_loss(logps[0], logps[1], logps[0], logps[1]).item())

# %% [markdown]
# ## Preference pairs · 偏好数据对
#
# Each row has a prompt, a chosen and a rejected reply, in the conversational format `trl` expects.
# Here the chosen replies are short and correct, the rejected ones are wrong or rude.
#
# 每行包含提示词、被选回答和被拒回答，采用 `trl` 需要的对话格式。这里被选回答简短正确，
# 被拒回答要么错误、要么无礼。


# %%
def pair(prompt, chosen, rejected):
    return {
        "prompt": [{"role": "user", "content": prompt}],
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
    }


rows = [
    pair(f"What is {a} times {b}?", f"{a * b}.", f"{a * b + 1}, obviously.") for a in range(2, 4) for b in range(2, 5)
]
rows += [
    pair("Can you help me learn Python?", "Of course! Start with variables and loops.", "No. Figure it out yourself."),
    pair("你能帮我学习 Python 吗？", "当然可以！先从变量和循环开始。", "不能，你自己想办法。"),
    pair("What is DPO?", "A way to learn from preferred and rejected answers.", "A kind of pasta."),
    pair("DPO 是什么？", "一种从偏好回答和被拒回答中学习的方法。", "一种面条。"),
]
dataset = Dataset.from_list(rows)
print(len(dataset), "pairs")

# %% [markdown]
# ## Train with `DPOTrainer` · 用 `DPOTrainer` 训练
#
# With a LoRA `peft_config`, trl does not copy the model for the reference: it simply switches
# the adapter off to get `π_ref`. We evaluate on the training pairs before and after training.
#
# 传入 LoRA 的 `peft_config` 时，trl 不会复制一份参考模型，而是关闭适配器得到 `π_ref`。
# 我们在训练前后都用训练数据对评估。

# %%
args = DPOConfig(
    output_dir=tempfile.mkdtemp(prefix="dpo-"),
    max_steps=MAX_STEPS,
    per_device_train_batch_size=len(dataset),
    per_device_eval_batch_size=len(dataset),
    learning_rate=LEARNING_RATE,
    lr_scheduler_type="constant",
    beta=BETA,
    max_length=64,
    logging_steps=max(1, MAX_STEPS // 6),
    bf16=False,
    use_cpu=not torch.cuda.is_available(),
    gradient_checkpointing=False,
    report_to="none",
    save_strategy="no",
    disable_tqdm=True,
    seed=SEED,
)
lora = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")
trainer = DPOTrainer(
    model=model, args=args, train_dataset=dataset, eval_dataset=dataset, processing_class=tokenizer, peft_config=lora
)
before = trainer.evaluate()
assert math.isclose(before["eval_loss"], math.log(2), rel_tol=1e-4), "policy == reference gives log 2"
trainer.train()
after = trainer.evaluate()
for key in ("eval_loss", "eval_rewards/margins", "eval_rewards/accuracies"):
    print(f"{key:>24}: {before[key]:.4f} -> {after[key]:.4f}")
assert after["eval_loss"] < before["eval_loss"], "DPO must lower its loss on the pairs it trains on"
assert after["eval_rewards/margins"] > 0, "chosen answers must now be preferred on average"

# %% [markdown]
# ## Check the trainer against the formula · 用公式核对训练器
#
# We recompute the sequence log-probabilities of the answers with and without the adapter and
# apply our `dpo_loss`. It should match the trainer's evaluation loss.
#
# 我们分别在开启和关闭适配器时重新计算回答的序列对数概率，再代入自己写的 `dpo_loss`，
# 结果应与训练器的评估损失一致。

# %%
policy = trainer.model.eval()


def answer_logps(row, key):
    prompt_ids = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, return_dict=True)["input_ids"]
    full = tokenizer.apply_chat_template(row["prompt"] + row[key], return_dict=True)["input_ids"][:64]
    ids = torch.tensor([full], device=policy.device)
    with torch.no_grad():
        logprobs = policy(ids).logits.log_softmax(-1)[0, :-1]
    targets = ids[0, 1:]
    token_logps = logprobs.gather(-1, targets[:, None])[:, 0]
    return token_logps[len(prompt_ids) - 1 :].sum()


def all_logps():
    return [torch.stack([answer_logps(r, k) for r in rows]) for k in ("chosen", "rejected")]


pi_c, pi_r = all_logps()
with policy.disable_adapter():
    ref_c, ref_r = all_logps()
ours = dpo_loss(pi_c, pi_r, ref_c, ref_r).item()
print(f"our loss {ours:.4f} vs trainer {after['eval_loss']:.4f}")
assert abs(ours - after["eval_loss"]) < 0.02
