"""Tools for contributors: `roadmap new` (scaffold entries), `roadmap changed` (what a branch touched) and
`roadmap translations` (fingerprints that flag a translation left behind by an edit).

Only `translations` is imported by the loader (for its stale-translation warnings); it needs nothing but the
standard library, so loading the catalog stays fast.
"""
