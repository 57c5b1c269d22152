#!/bin/sh
# Rebuild the four benchmark datasets and time each one (about 10-15 minutes on 2 cores).
#   bench/all.sh                 SQLite and PostgreSQL, 30,000 and 300,000 appointments
#   BENCH_PG=0 bench/all.sh      SQLite only
# PostgreSQL: $BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432), databases acu_bench_30k
# and acu_bench (dropped and re-created). Results: bench/results/<vendor>-<N>k.json.
set -eu
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
RUN_ARGS=${BENCH_RUN_ARGS:---repeats 100 --warmup 10 --wait-idle 300}

$PY bench/generate.py --appointments 30000 --database-url "sqlite:///$PWD/var/bench-30k.sqlite3"
$PY bench/generate.py --appointments 300000 --database-url "sqlite:///$PWD/var/bench.sqlite3"
if [ "${BENCH_PG:-1}" != 0 ]; then
  $PY bench/generate.py --appointments 30000 --database-url "$PG/acu_bench_30k"
  $PY bench/generate.py --appointments 300000 --database-url "$PG/acu_bench"
fi

$PY bench/run.py $RUN_ARGS --database-url "sqlite:///$PWD/var/bench-30k.sqlite3"
$PY bench/run.py $RUN_ARGS --database-url "sqlite:///$PWD/var/bench.sqlite3"
if [ "${BENCH_PG:-1}" != 0 ]; then
  $PY bench/run.py $RUN_ARGS --database-url "$PG/acu_bench_30k"
  $PY bench/run.py $RUN_ARGS --database-url "$PG/acu_bench"
fi
