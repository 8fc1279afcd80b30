#!/usr/bin/env bash
# Start the task worker and the scheduler beside the web server; stop them all together.
set -euo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
"$PY" manage.py db_worker --interval 2 >>worker.log 2>&1 & pids+=($!)
"$PY" manage.py run_scheduler >>scheduler.log 2>&1 & pids+=($!)
echo "Task worker and scheduler running (logs: worker.log, scheduler.log)."
echo "Linli is at http://$HOST:$PORT/  — log in with an account listed above."
"$PY" manage.py runserver "$HOST:$PORT" --noreload
