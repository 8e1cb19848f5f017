"""The `roadmap` command as a user runs it: a real subprocess, exit codes, and no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from generator.export import to_dict
from generator.loader import load_catalog
from generator.models import Catalog
from generator.schema import render_schemas

from .conftest import REPO


def roadmap(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    full_env = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd,
                          env=full_env, timeout=120)


def break_catalog(root: Path) -> None:
    res = root / "resources" / "basics.yaml"
    res.write_text(res.read_text(encoding="utf-8").replace("kind: article", "kind: articel", 1), encoding="utf-8")
    road = root / "roadmaps" / "demo.yaml"
    road.write_text(road.read_text(encoding="utf-8").replace("requires: [architecture]", "requires: [nope]"),
                    encoding="utf-8")


def test_validate_valid_catalog_exits_0(mini_catalog):
    proc = roadmap("validate", "--catalog", str(mini_catalog))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "catalog is valid: 1 roadmaps, 2 topics, 2 resources, 1 notebooks" in proc.stdout


def test_validate_broken_catalog_lists_every_error_without_traceback(mini_catalog):
    break_catalog(mini_catalog)
    proc = roadmap("validate", "--catalog", str(mini_catalog))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert len(lines) == 2
    assert "resources/basics.yaml:10:5: error: [resources[illustrated-transformer].kind] 'articel'" in lines[0]
    assert "roadmaps/demo.yaml:27:20: error: [sections[basics].nodes[compression].requires[0]]" in lines[1]
    assert "2 error(s) in 2 file(s)" in proc.stdout


def test_validate_json_format(mini_catalog):
    break_catalog(mini_catalog)
    proc = roadmap("validate", "--catalog", str(mini_catalog), "--format", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["valid"] is False
    assert [(e["line"], e["path"].endswith("basics.yaml")) for e in report["errors"]] == [(10, True), (27, False)]
    assert report["errors"][0]["loc"] == "resources[illustrated-transformer].kind"


def test_validate_github_annotations(mini_catalog):
    break_catalog(mini_catalog)
    proc = roadmap("validate", "--catalog", str(mini_catalog), env={"GITHUB_ACTIONS": "true"})
    assert proc.returncode == 1
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert len(annotations) == 2
    assert "line=10," in annotations[0] and "basics.yaml" in annotations[0]


def test_usage_errors_exit_2(tmp_path):
    assert roadmap("validate", "--no-such-flag").returncode == 2
    assert roadmap("no-such-command").returncode == 2
    missing = roadmap("validate", "--catalog", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "catalog directory not found" in missing.stderr


def test_export_json_round_trips(mini_catalog, tmp_path):
    out = tmp_path / "catalog.json"
    proc = roadmap("export", "--catalog", str(mini_catalog), "--format", "json", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"topics", "resources", "roadmaps", "notebooks"}
    resource = data["resources"][1]
    for key in ("id", "url", "previous_urls", "title", "title_zh", "summary", "kind", "language", "access", "level",
                "topics"):
        assert key in resource
    assert resource["summary"] == {"en": "Absmax and zero-point quantization with runnable code.",
                                   "zh": "配有可运行代码的 absmax 与零点量化入门。"}
    original = load_catalog(mini_catalog)
    assert Catalog.model_validate(data).model_dump() == original.model_dump()
    assert to_dict(Catalog.model_validate(data)) == data


def test_export_csv(mini_catalog):
    proc = roadmap("export", "--catalog", str(mini_catalog), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [row["id"] for row in rows] == ["illustrated-transformer", "intro-quantization"]
    assert rows[1]["roadmaps"] == "demo/compression"
    assert rows[1]["previous_urls"] == "https://example.org/old-quantization"


def test_export_of_invalid_catalog_fails_cleanly(mini_catalog):
    break_catalog(mini_catalog)
    proc = roadmap("export", "--catalog", str(mini_catalog))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "basics.yaml:10:5" in proc.stderr


def test_committed_schema_is_up_to_date():
    schema_dir = REPO / "catalog" / "schema"
    for name, text in render_schemas().items():
        assert (schema_dir / name).read_text(encoding="utf-8") == text, f"{name} is stale: run `roadmap schema`"


def test_schema_check_flags_stale_files(tmp_path):
    assert roadmap("schema", "--output", str(tmp_path)).returncode == 0
    assert roadmap("schema", "--output", str(tmp_path), "--check").returncode == 0
    (tmp_path / "resources.schema.json").write_text("{}", encoding="utf-8")
    assert roadmap("schema", "--output", str(tmp_path), "--check").returncode == 1


def test_catalog_files_reference_the_schema():
    for path in (REPO / "catalog").rglob("*.yaml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target.is_file(), f"{path}: schema {target} not found"


def test_console_script_and_module_entry_point_agree():
    exe = Path(sys.executable).parent / "roadmap"
    assert exe.exists(), "the `roadmap` console script is not installed"
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "0.1.0" in proc.stdout
