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
# # 13 · Exporting to GGUF · 导出为 GGUF
#
# GGUF is the single-file format of llama.cpp, Ollama and LM Studio: a header of key-value
# metadata (architecture, sizes, tokenizer, chat template) followed by the tensors, each stored
# in its own data type, from F32 down to 8-, 4- or 2-bit blocks. We write a Llama-style model
# to GGUF with the `gguf` Python package (the same one llama.cpp's converter uses), read it back,
# and load it again with `transformers`. Usually you would run llama.cpp's
# `convert_hf_to_gguf.py`; doing it by hand shows what the file contains.
#
# GGUF 是 llama.cpp、Ollama 和 LM Studio 使用的单文件格式：文件头是键值元数据（架构、尺寸、
# 分词器、聊天模板），后面是各个张量，每个张量可以用不同的数据类型存储，从 F32 到 8、4、2 比特
# 的分块量化。我们用 `gguf` Python 包（llama.cpp 的转换脚本也用它）把一个 Llama 风格的模型写成
# GGUF，再读回来，并用 `transformers` 重新加载。平时一般直接运行 llama.cpp 的
# `convert_hf_to_gguf.py`；手动做一遍能看清文件里到底有什么。

# %%
# Install the libraries on Colab only; locally, use the project's environment.
# 仅在 Colab 上安装依赖；本地请使用项目自带的环境。
# ruff: noqa: E402
import subprocess
import sys

if "google.colab" in sys.modules:
    packages = ["transformers==5.23.0", "gguf==0.19.0"]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)

# %% tags=["parameters"]
import os

MODEL_ID = os.environ.get("ROADMAP_MODEL_ID", "HuggingFaceTB/SmolLM2-135M-Instruct")  # a Llama-style model

# %%
import json
import tempfile
from pathlib import Path

import gguf
import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, dtype=torch.float32).eval()
cfg = model.config
out_dir = Path(tempfile.mkdtemp(prefix="gguf-"))

# %% [markdown]
# ## Metadata, tokenizer and tensor names · 元数据、分词器与张量命名
#
# GGUF uses llama.cpp's tensor names (`blk.0.attn_q.weight` instead of
# `model.layers.0.self_attn.q_proj.weight`); `gguf.get_tensor_name_map` translates them. llama.cpp
# also stores the query and key projections with their rows interleaved differently for RoPE, so
# the converter permutes those two matrices. The tokenizer goes in as a token list plus BPE merges.
#
# GGUF 使用 llama.cpp 的张量名（如 `blk.0.attn_q.weight`，而不是
# `model.layers.0.self_attn.q_proj.weight`），`gguf.get_tensor_name_map` 负责转换。llama.cpp
# 为 RoPE 采用了不同的查询/键行排列方式，所以转换时要对这两个矩阵做置换。分词器以词表加 BPE
# 合并规则的形式写入。


# %%
def permute_for_rope(w: np.ndarray, n_head: int) -> np.ndarray:
    """HF's rotate-half layout -> llama.cpp's interleaved layout (as in convert_hf_to_gguf.py)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def tokenizer_vocab():
    spec = json.loads(tokenizer.backend_tokenizer.to_str())
    tokens = [""] * len(tokenizer)
    for token, i in spec["model"]["vocab"].items():
        tokens[i] = token
    special = set()
    for added in spec["added_tokens"]:
        tokens[added["id"]] = added["content"]
        if added.get("special"):
            special.add(added["id"])
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
    types = [gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL for i in range(len(tokens))]
    return tokens, merges, types


def write_gguf(path: Path, quantize: bool) -> None:
    writer = gguf.GGUFWriter(str(path), "llama")
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    writer.add_name(MODEL_ID.split("/")[-1])
    writer.add_context_length(cfg.max_position_embeddings)
    writer.add_embedding_length(cfg.hidden_size)
    writer.add_block_count(cfg.num_hidden_layers)
    writer.add_feed_forward_length(cfg.intermediate_size)
    writer.add_head_count(cfg.num_attention_heads)
    writer.add_head_count_kv(cfg.num_key_value_heads)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(cfg.rope_parameters["rope_theta"])
    writer.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0 if quantize else gguf.LlamaFileType.ALL_F32)

    tokens, merges, types = tokenizer_vocab()
    writer.add_tokenizer_model("gpt2")  # byte-level BPE
    writer.add_token_list(tokens)
    writer.add_token_merges(merges)
    writer.add_token_types(types)
    for key in ("bos", "eos", "pad"):
        token_id = getattr(tokenizer, f"{key}_token_id")
        if token_id is not None:
            getattr(writer, f"add_{key}_token_id")(token_id)
    if tokenizer.chat_template:
        writer.add_chat_template(tokenizer.chat_template)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, cfg.num_hidden_layers)
    for hf_name, tensor in model.state_dict().items():
        if hf_name == "lm_head.weight" and cfg.tie_word_embeddings:
            continue  # tied: llama.cpp reuses token_embd.weight
        base, suffix = hf_name.rsplit(".", 1)
        name = f"{names.get_name(base)}.{suffix}"
        data = tensor.float().numpy()
        if name.endswith("attn_q.weight"):
            data = permute_for_rope(data, cfg.num_attention_heads)
        elif name.endswith("attn_k.weight"):
            data = permute_for_rope(data, cfg.num_key_value_heads)
        if quantize and data.ndim == 2 and data.shape[1] % 32 == 0:
            writer.add_tensor(
                name,
                gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q8_0),
                raw_dtype=gguf.GGMLQuantizationType.Q8_0,
            )
        else:
            writer.add_tensor(name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


f32_path, q8_path = out_dir / "model-f32.gguf", out_dir / "model-q8_0.gguf"
write_gguf(f32_path, quantize=False)
write_gguf(q8_path, quantize=True)
print(f"F32: {f32_path.stat().st_size / 2**20:.2f} MiB, Q8_0: {q8_path.stat().st_size / 2**20:.2f} MiB")
assert q8_path.stat().st_size < f32_path.stat().st_size

# %% [markdown]
# ## Read it back · 读回文件
#
# `GGUFReader` memory-maps the file and exposes the metadata fields and the tensors. The F32
# tensors must come back bit for bit. Q8_0 stores blocks of 32 values as int8 plus one fp16 scale
# `d = absmax / 127`, so each value is off by at most about half a step (`d / 2`, plus the fp16
# rounding of `d`).
#
# `GGUFReader` 以内存映射方式打开文件，提供元数据字段和张量。F32 张量必须逐位一致。Q8_0 把
# 每 32 个数存成 int8 加一个 fp16 缩放系数 `d = absmax / 127`，所以每个数的误差大约不超过半个
# 步长（`d / 2`，再加上 `d` 本身的 fp16 舍入）。

# %%
reader = gguf.GGUFReader(str(f32_path))
arch = reader.fields["general.architecture"]
print("architecture:", bytes(arch.parts[arch.data[0]]).decode())
print(f"{len(reader.fields)} metadata fields, {len(reader.tensors)} tensors")
for t in reader.tensors[:3]:
    print(f"  {t.name:<24} {t.tensor_type.name:<5} shape {tuple(int(s) for s in t.shape)}")

originals = {}
names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, cfg.num_hidden_layers)
for hf_name, tensor in model.state_dict().items():
    base, suffix = hf_name.rsplit(".", 1)
    originals[f"{names.get_name(base)}.{suffix}"] = tensor.float().numpy()

for t in reader.tensors:
    if "attn_q" in t.name or "attn_k" in t.name:
        continue  # permuted on purpose
    assert np.array_equal(np.asarray(t.data).reshape(originals[t.name].shape), originals[t.name]), t.name

worst = 0.0
for t in gguf.GGUFReader(str(q8_path)).tensors:
    if t.tensor_type != gguf.GGMLQuantizationType.Q8_0 or "attn_q" in t.name or "attn_k" in t.name:
        continue
    original = originals[t.name]
    restored = gguf.quants.dequantize(t.data, t.tensor_type).reshape(original.shape)
    step = np.abs(original.reshape(-1, 32)).max(axis=1, keepdims=True) / 127
    error = np.abs(restored.reshape(-1, 32) - original.reshape(-1, 32))
    assert (error <= 0.6 * step + 1e-8).all(), t.name
    worst = max(worst, float((error / np.maximum(step, 1e-12)).max()))
print(f"Q8_0: worst error = {worst:.3f} quantization steps")

# %% [markdown]
# ## Load the GGUF file with `transformers` · 用 `transformers` 加载 GGUF 文件
#
# `from_pretrained(..., gguf_file=...)` rebuilds the config, undoes the RoPE permutation and
# dequantizes the tensors. The F32 file must reproduce the original logits exactly, and the
# tokenizer rebuilt from the GGUF metadata must turn token ids back into the same text.
#
# `from_pretrained(..., gguf_file=...)` 会重建配置、撤销 RoPE 置换并反量化张量。F32 文件必须
# 完全复现原模型的 logits；由 GGUF 元数据重建的分词器必须能把词元 id 还原成相同的文本。

# %%
ids = tokenizer("GGUF files run on laptops. GGUF 文件可以在笔记本电脑上运行。", return_tensors="pt")["input_ids"]
with torch.no_grad():
    reference = model(ids).logits
    from_f32 = AutoModelForCausalLM.from_pretrained(out_dir, gguf_file=f32_path.name).eval()(ids).logits
    from_q8 = AutoModelForCausalLM.from_pretrained(out_dir, gguf_file=q8_path.name).eval()(ids).logits
print(
    f"max |logit difference|: F32 {float((from_f32 - reference).abs().max()):.2e}, "
    f"Q8_0 {float((from_q8 - reference).abs().max()):.2e}"
)
assert torch.allclose(from_f32, reference, atol=1e-5)

gguf_tokenizer = AutoTokenizer.from_pretrained(out_dir, gguf_file=q8_path.name)
text = "Hello from GGUF! 你好！"
restored_ids = gguf_tokenizer(text, add_special_tokens=False)["input_ids"]
assert gguf_tokenizer.decode(restored_ids) == text, "the rebuilt byte-level BPE tokenizer must round-trip text"
# Pre-tokenizer details (such as splitting digits) are not stored in GGUF, so ids can differ for some models.
print("same token ids as the original:", restored_ids == tokenizer(text, add_special_tokens=False)["input_ids"])
print(gguf_tokenizer.tokenize(text))
