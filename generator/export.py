"""Catalog -> the public JSON and CSV exports (pure: returns text)."""

from __future__ import annotations

import csv
import io
import json

from .models import Catalog

CSV_COLUMNS = (
    "id", "url", "title", "title_zh", "summary_en", "summary_zh", "kind", "language", "access", "level",
    "topics", "authors", "year", "added", "previous_urls", "mirrors", "roadmaps",
)


def to_dict(catalog: Catalog) -> dict[str, object]:
    data = catalog.model_dump(mode="json")
    return {key: data[key] for key in ("topics", "resources", "roadmaps", "notebooks")}


def to_json(catalog: Catalog) -> str:
    return json.dumps(to_dict(catalog), ensure_ascii=False, indent=2) + "\n"


def to_csv(catalog: Catalog) -> str:
    """One row per resource; list fields are joined with ' | '."""
    placements = catalog.placements()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for res in catalog.resources:
        where = sorted({f"{roadmap.id}/{node.id}" for roadmap, _, node in placements.get(res.id, [])})
        writer.writerow([
            res.id, res.url, res.title, res.title_zh or "", res.summary.en, res.summary.zh, res.kind.value,
            res.language.value, res.access.value, res.level.value, " | ".join(res.topics), " | ".join(res.authors),
            res.year or "", res.added.isoformat(), " | ".join(res.previous_urls),
            " | ".join(m.url for m in res.mirrors), " | ".join(where),
        ])
    return out.getvalue()


FORMATS = {"json": to_json, "csv": to_csv}
