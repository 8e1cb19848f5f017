from generator.urls import normalize_url, strip_tracking


def test_same_page_normalises_equal():
    base = normalize_url("https://jalammar.github.io/illustrated-transformer/")
    for variant in ("http://www.jalammar.github.io/illustrated-transformer",
                    "https://JALAMMAR.github.io:443/illustrated-transformer/#encoder",
                    "https://jalammar.github.io/illustrated-transformer/?utm_source=x&utm_medium=y"):
        assert normalize_url(variant) == base


def test_bilibili_tracking_dropped_but_meaningful_params_kept():
    url = "https://www.bilibili.com/video/BV1p4NGerEwJ?spm_id_from=333.788&vd_source=2e81&p=2"
    assert normalize_url(url) == normalize_url("https://bilibili.com/video/BV1p4NGerEwJ?p=2")
    assert normalize_url(url) != normalize_url("https://bilibili.com/video/BV1p4NGerEwJ?p=3")
    assert strip_tracking(url) == "https://www.bilibili.com/video/BV1p4NGerEwJ?p=2"


def test_percent_escapes_are_case_insensitive():
    assert normalize_url("https://a.org/Run%c2%a0LLMs") == normalize_url("https://a.org/Run%C2%A0LLMs")


def test_hash_routes_are_distinct_pages_but_anchors_are_not():
    book = "https://datawhalechina.github.io/happy-llm/"
    assert normalize_url(book + "#/chapter2") != normalize_url(book + "#/chapter4")
    assert normalize_url(book + "#/chapter2") != normalize_url(book)
    assert normalize_url(book + "#install") == normalize_url(book)
