#!/usr/bin/env bash
# The floor under the readings intake on the embedded store: the bare SQLite inserts of a
# month's 200,000 readings, with no reads, no validation and no Rust, in the layout and the
# transactions the intake uses (items table and indexes as `TableDef::sqlite_schema` makes them,
# 100,000 subscribers with two meters each, readings in their subscriber's partition, one
# transaction per 1,000 rows in file order, `INSERT .. ON CONFLICT DO NOTHING`, WAL with the
# store's pragmas). Each month is timed with and without the GSI3 key every tenant item carries.
# Needs the sqlite3 command-line shell (Debian: apt-get install sqlite3). docs/benchmarks.md
# keeps the figures.
set -euo pipefail

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pragmas="PRAGMA cache_size=-16384; PRAGMA mmap_size=1073741824; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=8192;"

sqlite3 "$dir/base.db" >/dev/null <<'SQL'
PRAGMA journal_mode=WAL;
CREATE TABLE items (pk TEXT, sk TEXT, gsi1pk TEXT, gsi1sk TEXT, gsi2pk TEXT, gsi2sk TEXT,
  gsi3pk TEXT, gsi3sk TEXT, version INTEGER NOT NULL, ttl INTEGER, body TEXT NOT NULL,
  PRIMARY KEY (pk, sk)) WITHOUT ROWID;
CREATE INDEX gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;
CREATE INDEX gsi3 ON items (gsi3pk, gsi3sk, pk, sk) WHERE gsi3pk IS NOT NULL;
CREATE INDEX expiry ON items (ttl) WHERE ttl IS NOT NULL;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199999)
INSERT INTO items SELECT printf('T#bench#SUB#s%08d', i / 2), printf('METER#m%08d', i),
  'T#bench#METERS#active', printf('cold_water#SN-%08d#m%08d', i, i),
  'T#bench#METERS_DUE', printf('2031-01-10#m%08d', i),
  printf('T#bench#ALL#%02d', abs(i / 2 * 2654435761) % 32), printf('T#bench#SUB#s%08d|METER#m%08d', i / 2, i),
  1, NULL,
  printf('{"id":"m%08d","subscriber_id":"s%08d","service_id":"svc-water","serial":"SN-%08d","kind":"cold_water","installed_on":"2026-01-10","initial":["1234"],"digits":5,"multiplier":"1","verification_due":"2031-01-10","seal":null,"status":"active","removed_on":null,"replaced_by":null,"replaces":null,"created_at":"2026-12-06T01:00:00.123456789Z","updated_at":"2026-12-06T01:00:00.123456789Z"}', i, i / 2, i)
FROM n;
PRAGMA wal_checkpoint(TRUNCATE);
SQL

# One month of readings, 200 transactions of 1,000 rows; $2 = 1 gives each its GSI3 key.
month() {
  local gsi3
  for k in $(seq 0 199); do
    if [ "$2" = 1 ]; then
      gsi3="printf('T#bench#ALL#%02d', abs(i / 2 * 2654435761) % 32), printf('T#bench#SUB#s%08d|READING#m%08d#2026-0$1-20', i / 2, i)"
    else
      gsi3="NULL, NULL"
    fi
    echo "BEGIN; WITH RECURSIVE n(i) AS (SELECT $((k * 1000)) UNION ALL SELECT i + 1 FROM n WHERE i < $((k * 1000 + 999)))
      INSERT INTO items SELECT printf('T#bench#SUB#s%08d', i / 2), printf('READING#m%08d#2026-0$1-20', i),
        NULL, NULL, NULL, NULL, $gsi3, 1, NULL,
        printf('{\"meter_id\":\"m%08d\",\"date\":\"2026-0$1-20\",\"values\":[\"%d\"],\"source\":\"import\",\"version_no\":1,\"advance\":[\"5\"],\"flags\":[],\"entered_by\":\"import:bench\",\"entered_at\":\"2026-12-06T01:00:00.123456789Z\"}', i, i)
      FROM n WHERE true ON CONFLICT DO NOTHING; COMMIT;"
  done
}

echo "| readings stored | months | seconds per 200,000 rows | rows/s |"
echo "|---|---|---:|---:|"
for gsi3 in 1 0; do
  rm -f "$dir"/run.db*
  cp "$dir/base.db" "$dir/run.db"
  for m in 1 2; do
    start=$(date +%s.%N)
    { echo "$pragmas"; month "$m" "$gsi3"; } | sqlite3 "$dir/run.db" >/dev/null
    end=$(date +%s.%N)
    label=$([ "$gsi3" = 1 ] && echo "with the GSI3 key" || echo "without the GSI3 key")
    awk -v l="$label" -v m="$m" -v s="$start" -v e="$end" \
      'BEGIN { printf "| %s | month %d | %.2f | %.0f |\n", l, m, e - s, 200000 / (e - s) }'
  done
done
