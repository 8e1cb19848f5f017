import generator


def test_public_names_resolve():
    for name in generator.__all__:
        assert getattr(generator, name) is not None
    assert generator.load_catalog.__module__ == "generator.loader"
