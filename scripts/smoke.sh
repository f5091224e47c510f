#!/usr/bin/env bash
# The production smoke (scripts/smoke.py) on SQLite and on PostgreSQL: docs/deployment.md's steps
# on a fresh install, then every page of every demo role and every citizen page behind the
# documented proxy headers. Any failed check fails this script.
# PostgreSQL: ONTONG_SMOKE_PG_URL (a database the smoke may create and drop; default ontong_smoke);
# skipped with a message when unreachable, unless ONTONG_SMOKE_REQUIRE_PG=1 (CI).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
status=0

echo "== production smoke on SQLite =="
"$PY" scripts/smoke.py || status=1

PG_URL=${ONTONG_SMOKE_PG_URL:-postgres://ontong:ontong@127.0.0.1:5432/ontong_smoke}
if "$PY" - "$PG_URL" <<'PY' 2>/dev/null
import sys, psycopg
url = sys.argv[1].replace("postgres://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
psycopg.connect(url, connect_timeout=3).close()
PY
then
  echo "== production smoke on PostgreSQL =="
  "$PY" scripts/smoke.py --database "$PG_URL" || status=1
elif [ "${ONTONG_SMOKE_REQUIRE_PG:-0}" = 1 ]; then
  echo "!! PostgreSQL not reachable at ${PG_URL%%@*}@…: the PostgreSQL smoke could not run"
  status=1
else
  echo "** PostgreSQL not reachable at ${PG_URL%%@*}@…: PostgreSQL smoke SKIPPED (run .ci/run)"
fi
exit $status
