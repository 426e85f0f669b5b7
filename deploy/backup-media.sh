#!/usr/bin/env bash
# Back up uploaded files (FILE_STORAGE_PROVIDER=local): one tar.gz holding MEDIA_ROOT and
# PRIVATE_MEDIA_ROOT (course files, certificates) into BACKUP_DIR, kept BACKUP_KEEP_DAYS
# days. With Azure Blob Storage, use the storage account's own protection instead (soft
# delete, versioning, geo-redundancy).
#
#   docker compose -f compose.prod.yml run --rm --no-deps -e BACKUP_DIR=/backups \
#     -v /srv/lms-backups:/backups celery-worker deploy/backup-media.sh
#   # restore: tar -xzf lms_media_<time>.tar.gz -C /app   (media/ and private-media/)
#
# Like deploy/backup.sh, the archive is written under a temporary name and renamed only
# once tar and gzip have both succeeded; a failure leaves no file that looks like a
# backup and exits non-zero.
set -euo pipefail

die() {
  printf 'backup-media: %s\n' "$*" >&2
  exit 1
}

media_root=${MEDIA_ROOT:-/app/media}
private_root=${PRIVATE_MEDIA_ROOT:-/app/private-media}
backup_dir=${BACKUP_DIR:-/backups}
keep_days=${BACKUP_KEEP_DAYS:-7}
prefix=${BACKUP_MEDIA_PREFIX:-lms_media}
[[ -d $media_root ]] || die "MEDIA_ROOT $media_root is not a directory"
[[ -d $private_root ]] || die "PRIVATE_MEDIA_ROOT $private_root is not a directory"
[[ $keep_days =~ ^[0-9]+$ ]] || die "BACKUP_KEEP_DAYS must be a whole number of days (got '$keep_days')"
[[ $prefix =~ ^[A-Za-z0-9._-]+$ ]] || die "BACKUP_MEDIA_PREFIX may only use letters, digits, '.', '_' and '-'"

mkdir -p -- "$backup_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$backup_dir/${prefix}_${stamp}.tar.gz"
[[ ! -e $final ]] || die "$final already exists; not overwriting it"
partial=$(mktemp "$backup_dir/.${prefix}_${stamp}.partial.XXXXXX")
trap 'rm -f -- "$partial"' EXIT

# Each root under its own name (media/, private-media/): restore with tar -x -C <parent>.
tar -cf - -C "$(dirname -- "$media_root")" "$(basename -- "$media_root")" \
  -C "$(dirname -- "$private_root")" "$(basename -- "$private_root")" | gzip -6 >"$partial"
gzip -t -- "$partial"
mv -- "$partial" "$final"
trap - EXIT
printf 'backup-media: wrote %s\n' "$final"

find "$backup_dir" -maxdepth 1 -type f -name "${prefix}_*.tar.gz" -mmin "+$((keep_days * 1440))" -print -exec rm -f -- {} + |
  sed 's/^/backup-media: deleted old /'
find "$backup_dir" -maxdepth 1 -type f -name ".${prefix}_*.partial.*" -mmin +1440 -exec rm -f -- {} +
