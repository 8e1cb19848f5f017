"""Our analyzer: English stemming and stop words, Chinese segmentation with a user dictionary, weights, pickling."""

from __future__ import annotations

import pickle
import subprocess
import sys

from generator.search import analysis
from generator.search.analysis import MixedTokenizer, register_dictionary, terms, weighted_text

from ..conftest import REPO


def test_english_words_are_lowercased_stemmed_and_stop_words_dropped():
    assert terms("The Illustrated Transformers") == ["illustrat", "transform"]
    assert terms("what is an LLM?") == ["llm"]
    assert terms("quantization") == terms("quantized") == terms("Quantize") == ["quantiz"]


def test_british_spellings_and_doubled_consonants_meet_the_american_ones():
    assert terms("quantisation optimise colour catalogue") == terms("quantization optimize color catalog")
    assert terms("embedding embeddings embeding") == ["embed"] * 3
    assert terms("wise rise hour") == ["wise", "rise", "hour"]  # too short to respell


def test_accents_full_width_letters_and_digits():
    assert terms("Lebrón") == ["lebron"]
    assert terms("ＬｏＲＡ　ｆｉｎｅ") == terms("LoRA fine")
    assert terms("GPT-4o int8 4-bit") == ["gpt", "4o", "int8", "4", "bit"]


def test_chinese_is_segmented_and_mixed_scripts_split():
    assert terms("LoRA微调模型") == ["lora", "微调", "模型"]
    assert terms("如何微调模型？") == ["微调", "模型"]  # 如何 is a stop word, ？ a separator


def test_user_dictionary_keeps_topic_words_whole_at_query_time_and_adds_parts_at_index_time():
    key = register_dictionary(["智能体", "检索增强生成"])
    assert terms("智能体", "query") == ["智能", "体"]  # rjieba alone splits it
    assert terms("智能体", "query", key) == ["智能体"]
    assert terms("智能体", "index", key) == ["智能", "智能体"]
    assert terms("检索增强生成", "query", key) == ["检索增强生成"]
    assert {"检索", "增强", "生成", "检索增强生成"} <= set(terms("检索增强生成", "index", key))


def test_sub_words_share_their_word_position():
    key = register_dictionary(["智能体"])
    tokens = [(t.text, t.pos) for t in analysis.analyzer(key)("用 智能体 agents", positions=True, mode="index")]
    assert tokens == [("用", 0), ("智能", 1), ("智能体", 1), ("agent", 2)]


def test_weighted_text_gives_each_part_its_weight_as_token_boost():
    value = weighted_text([("Transformer", 8.0), ("attention basics", 1.0), ("", 3.0)])
    tokens = [(t.text, t.boost) for t in MixedTokenizer()(value, mode="index")]
    assert tokens == [("transform", 8.0), ("attent", 1.0), ("basic", 1.0)]
    # catalog text cannot forge the markers: they become spaces
    forged = weighted_text([("x\x1e9\x1fy", 1.0)])
    assert [(t.text, t.boost) for t in MixedTokenizer()(forged)] == [("x", 1.0), ("9", 1.0), ("y", 1.0)]


def test_stop_words_can_be_kept_and_flagged():
    tokens = [(t.text, t.stopped) for t in MixedTokenizer()("the 的 model", removestops=False)]
    assert tokens == [("the", True), ("的", True), ("model", False)]


def test_the_pickled_analyzer_holds_only_a_key():
    key = register_dictionary(["智能体"] + [f"词{i}" for i in range(500)])
    data = pickle.dumps(analysis.analyzer(key))
    assert len(data) < 300 and "智能体".encode() not in data
    clone = pickle.loads(data)
    assert type(clone) is MixedTokenizer and clone == analysis.analyzer(key)
    assert [t.text for t in clone("智能体", mode="query")] == ["智能体"]


def test_english_only_text_does_not_load_rjieba():
    code = ("import sys; from generator.search.analysis import terms; terms('quantization of LLMs'); "
            "print('rjieba' in sys.modules); terms('量化'); print('rjieba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.split() == ["False", "True"]
