#!/usr/bin/env bash
# The whole suite: on SQLite always; again on PostgreSQL when one is reachable; browser tests
# when /usr/bin/chromium exists. Says clearly what was skipped. pytest's exit 5 (nothing
# collected) counts as a failure here: a suite that runs nothing proves nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
status=0

run_pytest() {  # run_pytest LABEL [VAR=value ...] -- [pytest args]
  local label=$1; shift
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done; shift
  echo "== pytest on $label =="
  env -u DATABASE_URL "${vars[@]}" "$BIN/pytest" "$@"
  local rc=$?
  if [ $rc -eq 5 ]; then echo "!! no tests were collected on $label"; rc=1; fi
  [ $rc -ne 0 ] && status=1
}

if [ ! -x /usr/bin/chromium ]; then
  echo "** /usr/bin/chromium not found: browser tests will be SKIPPED (apt-get install chromium)"
fi

"$BIN/ruff" check ontong scripts bench conftest.py || status=1
echo "== mypy =="; "$BIN/mypy" ontong || status=1

run_pytest SQLite ONTONG_VAR_DIR="${TMPDIR:-/tmp}/ontong-test-var" -- -q "$@"

PG_URL=${ONTONG_TEST_PG_URL:-postgres://ontong:ontong@127.0.0.1:5432/ontong}
if "$BIN/python" - "$PG_URL" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
PY
then
  run_pytest PostgreSQL DATABASE_URL="$PG_URL" ONTONG_VAR_DIR="${TMPDIR:-/tmp}/ontong-test-var-pg" -- -q "$@"
else
  echo "** PostgreSQL not reachable at ${PG_URL%%@*}@…: PostgreSQL run SKIPPED (set ONTONG_TEST_PG_URL or run .ci/run)"
fi
exit $status
