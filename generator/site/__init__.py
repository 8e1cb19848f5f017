"""The website: catalog -> English and Chinese Markdown pages -> two MkDocs Material builds joined by
`extra.alternate`.

    i18n.py      every UI string, in both languages, in one dict
    (templates)  generator/templates/site/*.j2; hand-written sources (theme overrides, CSS/JS, static pages)
                 live in site/ at the repository root
    diagram.py   roadmap -> SVG diagram (pure)
    status.py    reads the link-status file and the notebook test results, defensively
    render.py    Catalog + language -> {relative path: text} (pure; one jinja2 Environment)
    build.py     writes the page trees, runs both MkDocs builds under --strict, swaps the output in atomically
    worker.py    one MkDocs build in its own process (English and Chinese build in parallel)
    serve.py     serves the built site and rebuilds when the catalog or the site sources change
    command.py   `roadmap build` and `roadmap serve`

Heavy imports (jinja2, mkdocs) stay inside functions so that `roadmap --help` stays fast.
"""
