#!/usr/bin/env bash
# Prove that the newest backup restores: load it into a scratch database, compare the row
# count of every table in the public schema with the source database, drop the scratch
# database. Exits non-zero when the restore fails or any count (or the set of tables)
# differs.
#
#   DATABASE_URL=postgresql://user:pass@db:5432/lms deploy/restore-check.sh [BACKUP_FILE]
#   docker compose -f compose.prod.yml --profile backup run --rm backup /deploy/restore-check.sh
#
# Run it right after deploy/backup.sh (the cron line in docs/operations.md): rows written
# to the source in between show up as differences. Tables that change constantly can be
# listed in RESTORE_CHECK_IGNORE_TABLES; their differences are reported, not fatal.
#
# Environment:
#   DATABASE_URL / BACKUP_DATABASE_URL   the source, as for deploy/backup.sh
#   RESTORE_CHECK_URL   any database on the server that gets the scratch database
#                       (default: the source's server); the role needs CREATEDB
#   BACKUP_DIR, BACKUP_PREFIX            where to find the newest backup (as backup.sh)
#   RESTORE_CHECK_IGNORE_TABLES          comma-separated table names, e.g. django_session
set -euo pipefail

die() {
  printf 'restore-check: %s\n' "$*" >&2
  exit 1
}
say() { printf 'restore-check: %s\n' "$*"; }

libpq_url() {
  local url=$1 scheme rest
  [[ $url == *://* ]] || die "not a database URL"
  scheme=${url%%://*}
  rest=${url#*://}
  scheme=${scheme%%+*}
  case $scheme in
    postgres | postgresql) printf 'postgresql://%s' "$rest" ;;
    *) die "only PostgreSQL is supported (got scheme '$scheme')" ;;
  esac
}

# The same server and credentials as URL, another database name (query string kept).
with_database() {
  local url=$1 name=$2 rest authority path query=""
  rest=${url#postgresql://}
  authority=${rest%%/*}
  [[ $rest == */* ]] || die "the database URL names no database"
  path=${rest#*/}
  if [[ $path == *\?* ]]; then
    query="?${path#*\?}"
  fi
  printf 'postgresql://%s/%s%s' "$authority" "$name" "$query"
}

source_url=${BACKUP_DATABASE_URL:-${DATABASE_URL:-}}
[[ -n $source_url ]] || die "DATABASE_URL is not set"
source_url=$(libpq_url "$source_url")
admin_url=$(libpq_url "${RESTORE_CHECK_URL:-$source_url}")

backup=${1:-}
if [[ -z $backup ]]; then
  backup_dir=${BACKUP_DIR:-/backups}
  prefix=${BACKUP_PREFIX:-lms_backup}
  # Names carry a sortable UTC timestamp: the last one is the newest.
  backup=$(find "$backup_dir" -maxdepth 1 -type f -name "${prefix}_*.sql.gz" | sort | tail -n 1)
  [[ -n $backup ]] || die "no backup named ${prefix}_*.sql.gz in $backup_dir"
fi
[[ -f $backup ]] || die "no such backup: $backup"
gzip -t -- "$backup" || die "$backup is not a readable gzip archive"
say "checking $backup"

scratch="lms_restore_check_$(date -u +%Y%m%d%H%M%S)_$$"
scratch_url=$(with_database "$admin_url" "$scratch")
psql_admin() { psql --dbname="$admin_url" -X -q -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
  psql_admin -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" >/dev/null 2>&1 ||
    printf 'restore-check: could not drop scratch database %s: drop it by hand\n' "$scratch" >&2
}
say "restoring into scratch database $scratch"
psql_admin -c "CREATE DATABASE \"$scratch\""
trap cleanup EXIT

gzip -dc -- "$backup" | psql --dbname="$scratch_url" -X -q -v ON_ERROR_STOP=1 >/dev/null

# "table|rows" for every table of the public schema, sorted.
row_counts() {
  psql --dbname="$1" -X -q -At -v ON_ERROR_STOP=1 <<'SQL' | sort
SELECT format('SELECT %L || ''|'' || count(*) FROM public.%I', tablename, tablename)
FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY tablename
\gexec
SQL
}

work=$(mktemp -d "${TMPDIR:-/tmp}/restore-check.XXXXXX")
trap 'cleanup; rm -rf -- "$work"' EXIT
row_counts "$source_url" >"$work/source"
row_counts "$scratch_url" >"$work/restored"

tables=$(wc -l <"$work/source" | tr -d ' ')
[[ $tables -gt 0 ]] || die "the source database has no table in its public schema"

ignore=",${RESTORE_CHECK_IGNORE_TABLES:-},"
ignore=${ignore// /}
# Compared in bash itself: the same on GNU and on busybox (the postgres alpine image).
declare -A source_rows=() restored_rows=()
while IFS='|' read -r table rows; do source_rows[$table]=$rows; done <"$work/source"
while IFS='|' read -r table rows; do restored_rows[$table]=$rows; done <"$work/restored"
failed=0
while IFS= read -r table; do
  in_source=${source_rows[$table]:+${source_rows[$table]} rows}
  in_backup=${restored_rows[$table]:+${restored_rows[$table]} rows}
  in_source=${in_source:-no such table}
  in_backup=${in_backup:-no such table}
  if [[ $in_source == "$in_backup" ]]; then
    continue
  fi
  if [[ $ignore == *",$table,"* ]]; then
    say "ignored difference: $table: source $in_source, backup $in_backup"
  else
    say "MISMATCH: $table: source $in_source, backup $in_backup"
    failed=1
  fi
done < <(printf '%s\n' "${!source_rows[@]}" "${!restored_rows[@]}" | sort -u)

if [[ $failed -ne 0 ]]; then
  die "FAILED: $backup does not match the source database"
fi
say "OK: $tables tables, every row count matches the source (differences in ignored tables aside)"
