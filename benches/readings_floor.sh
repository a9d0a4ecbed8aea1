#!/usr/bin/env bash
# The floor under the readings intake on the embedded store: the bare SQLite writes of five
# monthly files of 200,000 readings, with no reads, no validation and no Rust, in the table,
# indexes, pragmas and transactions the store uses (items table and indexes as
# `TableDef::sqlite_schema` makes them, 16 KiB pages as `SqliteStore` makes its files, 100,000
# subscribers with two meters each, one transaction per 1,000 rows in file order,
# `INSERT .. ON CONFLICT`, WAL). Two layouts:
#
# - by subscriber (before 2026-12-06): each reading in its subscriber's partition, next to the
#   subscriber's meters and earlier readings, so every month rewrites pages holding the whole
#   history of the meters it touches;
# - by month (now): each reading in the partition of its month and subscriber
#   (`keys::readings_partition`), so a month's readings fill pages of their own, plus the
#   meter's reading tail (`keys::meter_tail`, up to seven recent readings) rewritten next to its
#   locator.
#
# Needs the sqlite3 command-line shell (Debian: apt-get install sqlite3). docs/benchmarks.md
# keeps the figures.
set -euo pipefail

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pragmas="PRAGMA cache_size=-16384; PRAGMA mmap_size=1073741824; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=8192;"
body="printf('{\"meter_id\":\"m%08d\",\"date\":\"2026-0\$1-20\",\"values\":[\"%d\"],\"source\":\"import\",\"version_no\":1,\"advance\":[\"5\"],\"flags\":[],\"entered_by\":\"import:bench\",\"entered_at\":\"2026-12-06T01:00:00.123456789Z\"}', i, i)"

sqlite3 "$dir/base.db" >/dev/null <<'SQL'
PRAGMA page_size=16384;
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
  'T#bench#METERS_DUE', printf('2031-01-10#m%08d', i), NULL, NULL, 1, NULL,
  printf('{"id":"m%08d","subscriber_id":"s%08d","service_id":"svc-water","serial":"SN-%08d","kind":"cold_water","installed_on":"2026-01-10","initial":["1234"],"digits":5,"multiplier":"1","verification_due":"2031-01-10","seal":null,"status":"active","removed_on":null,"replaced_by":null,"replaces":null,"created_at":"2026-12-06T01:00:00.123456789Z","updated_at":"2026-12-06T01:00:00.123456789Z"}', i, i / 2, i)
FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199999)
INSERT INTO items SELECT printf('T#bench#METER#m%08d', i), 'LOCATOR', NULL, NULL, NULL, NULL,
  NULL, NULL, 1, NULL, printf('{"subscriber_id":"s%08d"}', i / 2)
FROM n;
PRAGMA wal_checkpoint(TRUNCATE);
SQL

# The 1,000 rows of transaction $2 in month $1.
rows() {
  echo "WITH RECURSIVE n(i) AS (SELECT $(($2 * 1000)) UNION ALL SELECT i + 1 FROM n WHERE i < $(($2 * 1000 + 999)))"
}

# One month of readings in 200 transactions; $2 is the layout.
month() {
  # The readings of the months before, up to six, as the tail keeps them.
  local tail_entries="" earlier
  for earlier in $(seq 1 $(($1 - 1 < 6 ? $1 - 1 : 6))); do
    tail_entries+="[\"2026-0${earlier}-20\",[\"12345\"],\"import\"],"
  done
  for k in $(seq 0 199); do
    if [ "$2" = subscriber ]; then
      echo "BEGIN; $(rows "$1" "$k") INSERT INTO items SELECT printf('T#bench#SUB#s%08d', i / 2),
        printf('READING#m%08d#2026-0$1-20', i), NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL, ${body//\$1/$1}
        FROM n WHERE true ON CONFLICT DO NOTHING; COMMIT;"
    else
      echo "BEGIN; $(rows "$1" "$k") INSERT INTO items SELECT printf('T#bench#READINGS#2026-0$1#s%08d', i / 2),
        printf('READING#m%08d#2026-0$1-20', i), NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL, ${body//\$1/$1}
        FROM n WHERE true ON CONFLICT DO NOTHING;
        $(rows "$1" "$k") INSERT INTO items SELECT printf('T#bench#METER#m%08d', i), 'TAIL',
        NULL, NULL, NULL, NULL, NULL, NULL, $1, NULL,
        printf('{\"first\":\"2026-01-20\",\"latest\":\"2026-0$1-20\",\"recent\":[$tail_entries[\"2026-0$1-20\",[\"%d\"],\"import\"]]}', i)
        FROM n WHERE true ON CONFLICT (pk, sk) DO UPDATE SET body = excluded.body, version = excluded.version;
        COMMIT;"
    fi
  done
}

echo "| layout | month | seconds per 200,000 rows | rows/s |"
echo "|---|---|---:|---:|"
for layout in subscriber month; do
  rm -f "$dir"/run.db*
  cp "$dir/base.db" "$dir/run.db"
  for m in 1 2 3 4 5; do
    start=$(date +%s.%N)
    { echo "$pragmas"; month "$m" "$layout"; } | sqlite3 "$dir/run.db" >/dev/null
    end=$(date +%s.%N)
    awk -v l="by $layout" -v m="$m" -v s="$start" -v e="$end" \
      'BEGIN { printf "| %s | %d | %.2f | %.0f |\n", l, m, e - s, 200000 / (e - s) }'
  done
done
