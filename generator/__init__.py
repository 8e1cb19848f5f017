"""LLM Roadmap: the catalog of how to learn large language models, and the tools that build it.

Names are imported lazily so that `roadmap --help` and `roadmap search` do not pay for pydantic at start-up.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Catalog": "models",
    "Notebook": "models",
    "Resource": "models",
    "Roadmap": "models",
    "Topic": "models",
    "CatalogError": "errors",
    "CatalogInvalid": "errors",
    "check_catalog": "loader",
    "load_catalog": "loader",
}
__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
