#!/usr/bin/env bash
# The whole suite: on SQLite always; again on PostgreSQL when one is reachable; browser tests
# when /usr/bin/chromium exists. Says clearly what was skipped. pytest's exit 5 (nothing
# collected) counts as a failure here: a suite that runs nothing proves nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
status=0

run_pytest() {
  local label=$1; shift
  echo "== pytest on $label =="
  "$BIN/pytest" "$@"
  local rc=$?
  if [ $rc -eq 5 ]; then echo "!! no tests were collected on $label"; rc=1; fi
  [ $rc -ne 0 ] && status=1
}

if [ ! -x /usr/bin/chromium ]; then
  echo "** /usr/bin/chromium not found: browser tests will be SKIPPED (apt-get install chromium)"
fi

"$BIN/ruff" check ontong scripts bench || status=1

env -u DATABASE_URL ONTONG_VAR_DIR="${TMPDIR:-/tmp}/ontong-test-var" run_pytest SQLite -q "$@"

PG_URL=${ONTONG_TEST_PG_URL:-postgres://ontong:ontong@127.0.0.1:5432/ontong}
if "$BIN/python" - "$PG_URL" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
PY
then
  DATABASE_URL=$PG_URL ONTONG_VAR_DIR="${TMPDIR:-/tmp}/ontong-test-var-pg" run_pytest PostgreSQL -q "$@"
else
  echo "** PostgreSQL not reachable at ${PG_URL%%@*}@…: PostgreSQL run SKIPPED (set ONTONG_TEST_PG_URL or run .ci/run)"
fi
exit $status
