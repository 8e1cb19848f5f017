"""Our whoosh analyzer for text that mixes English and Chinese: one `MixedTokenizer` that does everything.

The text is split into Latin words (letters and digits of any non-Han script) and runs of Han characters.

* Latin words lose their accents, are lowercased, lose English stop words, are respelled from British to American
  ("quantisation" -> "quantization") and Porter-stemmed.
* Han runs are segmented with rjieba, HMM off (so a word is cut the same way wherever it appears), and lose Chinese
  stop words. At index time the dictionary words of two and three characters inside a longer word are added at
  its position ("cut for search": 智能体 -> 智能, 智能体); at query time only the exact segmentation is used, so a
  query for 智能体 does not also match every 人工智能.

The topics' Chinese names and aliases are added to rjieba as a user dictionary (`register_dictionary`). The
tokenizer pickled into the index schema holds only the dictionary's key (a short hash), never the words or a
segmenter: `index.py` stores the words next to the index and `query.py` registers them again when it opens it.
rjieba is imported only when a Han character is first seen, so English-only queries never pay for it.

Doing all of this in one tokenizer, with the per-word work cached, rather than in a chain of whoosh filters (one
generator per filter per token) makes indexing noticeably faster; the behaviour is the same.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from whoosh.analysis import STOP_WORDS, Token, Tokenizer
from whoosh.lang.porter import stem as _porter_stem

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
# group 1: a run of Han characters; group 2: a Latin (or any other non-Han) word
_RUNS = re.compile(rf"([{_HAN}]+)|([^\W_{_HAN}]+)")
_HAN_RUN = re.compile(f"[{_HAN}]+")
# A weighted segment of a document: "\x1e<weight>\x1f<text>" (see `weighted_text`).
_SEGMENT = re.compile(r"\x1e([0-9.]+)\x1f([^\x1e]*)")
_CONTROL = re.compile(r"[\x1e\x1f]")
# full-width ASCII (ＬｏＲＡ) and the ideographic space, folded to ASCII without changing lengths
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_HAS_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")

EN_STOP_WORDS = STOP_WORDS | frozenset(
    "about after all also am any been but did do does doing had has how i into its just me my more most much "
    "our should so some such than their them then there these they those through too was were what when where "
    "which who why would s t".split()
)
ZH_STOP_WORDS = frozenset(
    "的 地 得 了 着 过 和 与 及 或 是 在 把 被 之 也 都 就 又 而 并 等 吗 呢 吧 啊 呀 哦 个 这 那 其 该 从 向 于 为 以 "
    "我 你 他 她 它 您 "
    "如何 怎么 怎样 什么 哪些 哪个 一个 一些 一下 我们 你们 他们 这个 那个 这些 那些 "
    "以及 或者 还是 关于 如果 因为 所以 但是 然后 有没有 有什么 有哪些 请问 推荐".split()
)


def weighted_text(parts: Iterable[tuple[str, float]]) -> str:
    """One field value made of parts with their own weights: every token of a part gets the part's weight as its
    boost, and whoosh adds the boosts of a term into its posting weight, which BM25 uses as the term frequency.
    This is BM25F in one field: one posting per term and document instead of one per field, so a query word needs
    one matcher instead of seven, and document length is counted once."""
    return "".join(f"\x1e{weight:g}\x1f{_CONTROL.sub(' ', text)}" for text, weight in parts if text)


def han_words(texts: Iterable[str]) -> list[str]:
    """The runs of Han characters (two or more) in `texts`: the words worth adding to the user dictionary."""
    found = {run for text in texts for run in _HAN_RUN.findall(text) if len(run) >= 2}
    return sorted(found)


def dictionary_key(words: Iterable[str]) -> str:
    words = sorted(set(words))
    return hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()[:16] if words else ""


class Segmenter:
    """rjieba with a user dictionary. The rjieba dictionary loads (about 0.1 s) on first use.

    Catalog text repeats a lot (every resource carries its topics' aliases), so segmentations are cached.
    """

    CACHE_SIZE = 50_000

    def __init__(self, words: Iterable[str] = ()):
        self.words = tuple(words)
        self._jieba: Any = None
        self._cache: dict[tuple[str, bool], tuple[tuple[str | None, str, int, int, bool], ...]] = {}

    def _load(self) -> Any:
        if self._jieba is None:
            import rjieba

            if self.words:
                jieba = rjieba.Jieba()
                for word in self.words:
                    jieba.add_word(word, None, None)
            else:
                jieba = rjieba  # the module-level default instance
            self._jieba = jieba
        return self._jieba

    def pieces(self, run: str, expand: bool) -> tuple[tuple[str | None, str, int, int, bool], ...]:
        """(term or None for a stop word, word, start, end, advances) for a run of Han characters. With `expand`,
        the dictionary words of two and three characters inside longer words come first, with advances=False (at
        the same position)."""
        cached = self._cache.get((run, expand))
        if cached is not None:
            return cached
        jieba = self._load()
        found: list[tuple[str | None, str, int, int, bool]] = []
        for word, start, end in jieba.tokenize(run, "default", False):
            if expand and len(word) > 2:
                for size in (2, 3):
                    for i in range(len(word) - size + 1) if len(word) > size else ():
                        sub = word[i:i + size]
                        if jieba.has_word(sub) and sub not in ZH_STOP_WORDS:
                            found.append((sub, sub, start + i, start + i + size, False))
            found.append((None if word in ZH_STOP_WORDS else word, word, start, end, True))
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        result = self._cache[(run, expand)] = tuple(found)
        return result


_DEFAULT_SEGMENTER = Segmenter()
_SEGMENTERS: dict[str, Segmenter] = {"": _DEFAULT_SEGMENTER}


def register_dictionary(words: Iterable[str]) -> str:
    """Make a user dictionary available to tokenizers under its key, and return the key."""
    words = sorted(set(words))
    key = dictionary_key(words)
    if key not in _SEGMENTERS:
        _SEGMENTERS[key] = Segmenter(words)
    return key


def segmenter(key: str) -> Segmenter:
    """The segmenter for a dictionary key; the plain rjieba dictionary when the key was never registered."""
    return _SEGMENTERS.get(key, _DEFAULT_SEGMENTER)


def _fold(word: str) -> str:
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)) or word


class MixedTokenizer(Tokenizer):
    """Terms of Latin words and segmented Chinese words, with positions (sub-words share their word's position)."""

    is_morph = True  # it stems

    def __init__(self, dictionary: str = ""):
        self.dictionary = dictionary

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.dictionary == self.dictionary  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.dictionary))

    def __call__(  # noqa: C901 - one pass over the text, kept flat for speed
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        text = value.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(value) else value
        if not tokenize:
            token.text, token.boost, token.stopped = text.lower(), 1.0, False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(text)
            yield token
            return
        pos = start_pos
        expand = mode != "query"
        seg: Segmenter | None = None
        if "\x1e" in text:
            parts = [(m.start(2), m.end(2), float(m.group(1))) for m in _SEGMENT.finditer(text)]
        else:
            parts = [(0, len(text), 1.0)]
        for part_start, part_end, weight in parts:
            for match in _RUNS.finditer(text, part_start, part_end):
                latin = match.group(2)
                if latin is not None:
                    term = _latin_term(latin)
                    pieces: Iterable[tuple[str | None, str, int, int, bool]] = (
                        (term, latin, 0, len(latin), True),)
                else:
                    seg = seg or segmenter(self.dictionary)
                    pieces = seg.pieces(match.group(1), expand)
                base = match.start()
                for term, word, start, end, advances in pieces:
                    if term is None and removestops:
                        continue  # a stop word
                    token.text = term if term is not None else word
                    token.stopped = term is None
                    token.boost = weight
                    if keeporiginal:
                        token.original = word
                    if positions:
                        token.pos = pos
                    if chars:
                        token.startchar, token.endchar = start_char + base + start, start_char + base + end
                    yield token
                    if advances:
                        pos += 1


@lru_cache(maxsize=100_000)
def _latin_term(word: str) -> str | None:
    """The term for a Latin word, or None for a stop word."""
    word = _fold(word).lower()
    if word in EN_STOP_WORDS:
        return None
    if len(word) > 2 and word.isascii() and word.isalpha():
        return _stem(word)
    return word


# British spellings -> American, before stemming, so that "quantisation" finds "quantization". (suffix, new suffix);
# applied only when at least three letters come before the suffix ("wise", "rise", "hour" and "vogue" stay).
_SPELLINGS = tuple(
    (british, american)
    for stem_b, stem_a in (("is", "iz"), ("ys", "yz"))
    for ending in ("e", "ed", "es", "ing", "er", "ers", "ation", "ations")
    for british, american in [(stem_b + ending, stem_a + ending)]
) + (("our", "or"), ("ours", "ors"), ("tre", "ter"), ("tres", "ters"), ("ogue", "og"), ("ogues", "ogs"))


def _americanize(word: str) -> str:
    for british, american in _SPELLINGS:
        if word.endswith(british) and len(word) - len(british) >= 3:
            return word[: -len(british)] + american
    return word


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    stem = _porter_stem(_americanize(word))
    # whoosh's Porter keeps a doubled final consonant ("embedding" -> "embedd", but "embeding" -> "embed")
    if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "aeiouylsz":
        stem = stem[:-1]
    return stem


def analyzer(dictionary: str = "") -> MixedTokenizer:
    """The analyzer of the index's text field (a whoosh Tokenizer is a complete analyzer)."""
    return MixedTokenizer(dictionary)


def terms(text: str, mode: str = "query", dictionary: str = "") -> list[str]:
    """The terms `text` is indexed (mode="index") or searched (mode="query") as; handy for tests and debugging."""
    return [token.text for token in analyzer(dictionary)(text, mode=mode)]
