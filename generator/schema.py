"""JSON Schema files for editors, generated from the models (pure: returns {file name: text})."""

from __future__ import annotations

import json

from pydantic import BaseModel

from .models import NotebooksFile, ResourcesFile, RoadmapFile, TopicsFile

SCHEMA_FILES: dict[str, type[BaseModel]] = {
    "topics.schema.json": TopicsFile,
    "resources.schema.json": ResourcesFile,
    "roadmap.schema.json": RoadmapFile,
    "notebooks.schema.json": NotebooksFile,
}
SCHEMA_BASE_URL = "https://llm-roadmap.github.io/llm-roadmap/schema/"


def render_schemas() -> dict[str, str]:
    out = {}
    for name, model in SCHEMA_FILES.items():
        schema = model.model_json_schema(mode="validation")
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_BASE_URL + name, **schema}
        out[name] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    return out
