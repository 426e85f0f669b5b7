#!/usr/bin/env bash
# Back up the LMS database: pg_dump | gzip into BACKUP_DIR, keep BACKUP_KEEP_DAYS days.
#
#   DATABASE_URL=postgresql://user:pass@db:5432/lms deploy/backup.sh
#   docker compose -f compose.prod.yml --profile backup run --rm backup    # same, in a container
#
# Environment:
#   DATABASE_URL         the database to dump; postgres://, postgresql:// and the guide's
#                        postgresql+psycopg2:// forms are accepted (the +driver is dropped)
#   BACKUP_DATABASE_URL  dump this one instead (e.g. straight to PostgreSQL when the app's
#                        DATABASE_URL points at PgBouncer)
#   BACKUP_DIR           where backups go (default /backups)
#   BACKUP_KEEP_DAYS     backups older than this many days are deleted (default 7)
#   BACKUP_PREFIX        file name prefix (default lms_backup)
#
# A backup is written under a temporary name and renamed to
# <prefix>_<UTC timestamp>.sql.gz only once pg_dump and gzip have both succeeded and the
# archive reads back, so a file with that name is always a complete dump. On any failure
# the partial file is removed and the script exits non-zero.
set -euo pipefail

die() {
  printf 'backup: %s\n' "$*" >&2
  exit 1
}

# postgresql+psycopg2://... -> postgresql://... (libpq knows no driver suffix).
libpq_url() {
  local url=$1 scheme rest
  [[ $url == *://* ]] || die "not a database URL: ${url%%@*}..."
  scheme=${url%%://*}
  rest=${url#*://}
  scheme=${scheme%%+*}
  case $scheme in
    postgres | postgresql) printf 'postgresql://%s' "$rest" ;;
    *) die "only PostgreSQL can be backed up by this script (got scheme '$scheme')" ;;
  esac
}

source_url=${BACKUP_DATABASE_URL:-${DATABASE_URL:-}}
[[ -n $source_url ]] || die "DATABASE_URL is not set"
dburl=$(libpq_url "$source_url")

backup_dir=${BACKUP_DIR:-/backups}
keep_days=${BACKUP_KEEP_DAYS:-7}
prefix=${BACKUP_PREFIX:-lms_backup}
[[ $keep_days =~ ^[0-9]+$ ]] || die "BACKUP_KEEP_DAYS must be a whole number of days (got '$keep_days')"
[[ $prefix =~ ^[A-Za-z0-9._-]+$ ]] || die "BACKUP_PREFIX may only use letters, digits, '.', '_' and '-'"

mkdir -p -- "$backup_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$backup_dir/${prefix}_${stamp}.sql.gz"
[[ ! -e $final ]] || die "$final already exists; not overwriting it"

partial=$(mktemp "$backup_dir/.${prefix}_${stamp}.partial.XXXXXX")
trap 'rm -f -- "$partial"' EXIT

# Plain SQL (the guide's format: `zcat backup.sql.gz | psql db` restores it), without
# owners and grants so that it restores into any database and role.
pg_dump --dbname="$dburl" --no-owner --no-privileges --quote-all-identifiers | gzip -6 >"$partial"
gzip -t -- "$partial"
chmod 600 -- "$partial"
mv -- "$partial" "$final"
trap - EXIT
printf 'backup: wrote %s (%s bytes)\n' "$final" "$(wc -c <"$final" | tr -d ' ')"

# Retention: complete backups older than keep_days, and partial files that a killed run
# (SIGKILL, power loss) may have left behind.
find "$backup_dir" -maxdepth 1 -type f -name "${prefix}_*.sql.gz" -mmin "+$((keep_days * 1440))" -print -exec rm -f -- {} + |
  sed 's/^/backup: deleted old /'
find "$backup_dir" -maxdepth 1 -type f -name ".${prefix}_*.partial.*" -mmin +1440 -exec rm -f -- {} +
