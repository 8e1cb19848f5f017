"""Full-text search over the catalog: `roadmap search` and `roadmap index`.

    analysis.py  our own whoosh analyzer: Latin words (lowercase, stop words, Porter stemming) and Chinese runs
                 (rjieba, with the topics' Chinese names and aliases as a user dictionary)
    facets.py    the filter values (kind, language, access, level) and their labels; no heavy imports
    documents.py Catalog -> whoosh documents: what each resource and notebook is searched by, with which weight
    index.py     the schema; the index under build/search-index, stamped with the catalog's content hash
    query.py     `Searcher`: keeps the index open; query -> list[Hit], with filters and a fuzzy retry
    command.py   the `search` and `index` subcommands

Importing this package (or `command`) is cheap: whoosh and rjieba load only when a command runs.
"""
