"""Notebook timings: the results file and the terminal table.

* ``save_result`` runs inside the test (in whichever process runs it, xdist worker or not): it
  stores one record per notebook in the session's shared temp dir and rewrites
  ``build/notebook-results.json`` from all of them under a file lock, so the file is complete
  whichever worker finishes last, even if the run is cut short.
* The hooks below print a timing table at the end of the run. Without xdist, ``conftest.py``
  registers this module. With xdist only the controller prints, and it never loads
  ``tests/notebooks/conftest.py`` (it does not collect), so load this module as a plugin:
  ``pytest -p tests.notebooks.reporting`` (or list it in ``tests/conftest.py``'s
  ``pytest_plugins``). ``python -m tests.notebooks.reporting`` prints the table from the file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

from ._support import BUDGET_S, RESULTS_FILE, ROOT, package_versions

_RESULTS: dict[str, dict] = {}  # nodeid -> record, for the terminal table


def save_result(record: dict, records_dir: Path) -> None:
    from filelock import FileLock

    records_dir.mkdir(parents=True, exist_ok=True)
    (records_dir / f"{record['notebook']}.json").write_text(json.dumps(record, ensure_ascii=False))
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(RESULTS_FILE) + ".lock"):
        records = sorted((json.loads(p.read_text()) for p in records_dir.glob("*.json")), key=lambda r: r["notebook"])
        starts = [r["started"] for r in records if r.get("started")]
        ends = [r["finished"] for r in records if r.get("finished")]
        payload = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "versions": package_versions(),
            "workers": int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")),
            "budget_seconds": BUDGET_S,
            "passed": sum(r["passed"] for r in records),
            "failed": sum(not r["passed"] and r["outcome"] != "skipped" for r in records),
            "total_notebook_seconds": round(sum(r.get("seconds") or 0 for r in records), 2),
            "total_notebook_cpu_seconds": round(sum(r.get("cpu_seconds") or 0 for r in records), 2),
            "wall_seconds": round(max(ends) - min(starts), 2) if starts and ends else None,
            "notebooks": records,
        }
        tmp = RESULTS_FILE.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        tmp.replace(RESULTS_FILE)


def pytest_runtest_logreport(report) -> None:
    props = dict(report.user_properties)
    if "notebook_result" in props and (report.when == "call" or report.outcome != "passed"):
        record = dict(props["notebook_result"])
        record.setdefault("outcome", report.outcome)
        if report.outcome != "passed":
            record["outcome"] = report.outcome
        _RESULTS[report.nodeid] = record


def format_table(records: list[dict]) -> list[str]:
    lines = ["  wall     cpu  notebook"]
    for r in sorted(records, key=lambda r: -(r.get("seconds") or 0)):
        wall, cpu = r.get("seconds"), r.get("cpu_seconds")
        shown = " ".join(f"{x:6.1f}s" if x is not None else "     - " for x in (wall, cpu))
        flags = "" if r.get("outcome") == "passed" else f"  {str(r.get('outcome')).upper()}"
        if cpu is not None and cpu > BUDGET_S:
            flags += "  OVER BUDGET"
        lines.append(f"{shown}  {r['notebook']}{flags}")
    wall = sum(r.get("seconds") or 0 for r in records)
    cpu = sum(r.get("cpu_seconds") or 0 for r in records)
    lines.append(f"{wall:6.1f}s {cpu:6.1f}s  total for {len(records)} notebooks (budget {BUDGET_S:.0f} s CPU each)")
    return lines


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if hasattr(config, "workerinput") or not _RESULTS:
        return
    terminalreporter.section("notebook timings")
    for line in format_table(list(_RESULTS.values())):
        terminalreporter.write_line(line)
    if RESULTS_FILE.exists():
        terminalreporter.write_line(f"results: {RESULTS_FILE.relative_to(ROOT)}")


def main() -> int:
    if not RESULTS_FILE.exists():
        print(f"no {RESULTS_FILE.relative_to(ROOT)} yet: run `pytest -m notebook`", file=sys.stderr)
        return 1
    data = json.loads(RESULTS_FILE.read_text())
    print("\n".join(format_table(data["notebooks"])))
    print(f"wall time {data.get('wall_seconds')} s with {data.get('workers')} worker(s); {data['date']}")
    return 0 if data["failed"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
