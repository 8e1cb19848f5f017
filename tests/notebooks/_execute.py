"""Execute one notebook top to bottom in a fresh Jupyter kernel and write the outcome as JSON.

The smoke tests run this in a subprocess, so that kernel and ZeroMQ clean-up (and its warnings)
never leak into the pytest process, which turns every warning into an error. By hand::

    python -m tests.notebooks._execute notebooks/01_decoding_strategies.ipynb --result /tmp/r.json

The kernel inherits this process's environment (set ROADMAP_* there to pick the models). The
kernel is this process's only child, so its CPU time is what RUSAGE_CHILDREN reports after it exits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path


def _cell_seconds(cell) -> float | None:
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = dt.datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = dt.datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return round((end - start).total_seconds(), 2)


def execute(notebook: Path, kernel_dir: str | None, cwd: Path, timeout: int, save: Path | None) -> dict:
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    if kernel_dir:  # only the kernelspec we wrote: this interpreter, never some other "python3"
        ksm = KernelSpecManager(kernel_dirs=[kernel_dir], ensure_native_kernel=False)
        km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ksm)
    else:
        km = None
    client = NotebookClient(
        nb,
        km=km,
        kernel_name="python3",
        timeout=timeout,
        startup_timeout=60,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(cwd)}},
    )
    result: dict = {"notebook": notebook.name, "ok": False, "error": None}
    start = time.perf_counter()
    try:
        client.execute(cwd=str(cwd), cleanup_kc=True)  # shut our kernel down (and reap it) at the end
        result["ok"] = True
    except CellExecutionError as exc:
        result["error"] = str(exc)
    except Exception as exc:  # kernel died, timeout, missing kernelspec ...
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["seconds"] = round(time.perf_counter() - start, 2)
    # CPU time of the kernel (a reaped child of this process): unlike wall time, it barely moves when
    # other jobs compete for the machine's two cores, so the budget is checked against it.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu_seconds"] = round(children.ru_utime + children.ru_stime, 2)
    cells = [(i, _cell_seconds(c)) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    result["slowest_cells"] = sorted(([i, s] for i, s in cells if s is not None), key=lambda x: -x[1])[:3]
    if save is not None:
        nbformat.write(nb, save)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--result", type=Path, required=True, help="where to write the JSON outcome")
    parser.add_argument("--kernel-dir", help="a directory holding the python3 kernelspec to use")
    parser.add_argument("--cwd", type=Path, default=Path.cwd())
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    parser.add_argument("--save", type=Path, help="also write the executed notebook (with outputs) here")
    args = parser.parse_args(argv)
    result = execute(args.notebook, args.kernel_dir, args.cwd, args.timeout, args.save)
    args.result.write_text(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
