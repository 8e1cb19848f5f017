"""LLM Roadmap: the catalog of how to learn large language models, and the tools that build it."""

from .errors import CatalogError, CatalogInvalid
from .loader import check_catalog, load_catalog
from .models import Catalog, Notebook, Resource, Roadmap, Topic

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogInvalid",
    "Notebook",
    "Resource",
    "Roadmap",
    "Topic",
    "check_catalog",
    "load_catalog",
]
__version__ = "0.1.0"
