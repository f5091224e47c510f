#!/usr/bin/env bash
# Start Debian's PostgreSQL on 127.0.0.1:5432 and make the `ontong` role and database
# (password "ontong", loopback only: for tests and benchmarks, never production).
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
cluster_conf=/etc/postgresql/$version/main
if [ ! -d "$cluster_conf" ]; then
  pg_createcluster "$version" main
fi
sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "$cluster_conf/postgresql.conf"
pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main status >/dev/null
for _ in $(seq 1 30); do
  su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qAt" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ontong') THEN
    CREATE ROLE ontong LOGIN PASSWORD 'ontong' CREATEDB;
  END IF;
END $$;
SQL
su postgres -c "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname='ontong'\"" | grep -q 1 \
  || su postgres -c "createdb -O ontong ontong"
echo "PostgreSQL $version ready at 127.0.0.1:5432 (database ontong)"
