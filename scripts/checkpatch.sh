#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch.sh KTREE OUT.tsv: scripts/checkpatch.pl --strict (from KTREE)
# on every patch of patches/series.  A patch passes only with no error,
# warning or check.  Per-patch output: $LOGS/checkpatch/.
. "$(dirname "$0")/lib.sh"

ktree=$1 tsv=$2
mkdir -p "$LOGS/checkpatch"
: > "$tsv"
printf '%-60s %6s %8s %6s\n' checkpatch errors warnings checks >&2
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	log=$LOGS/checkpatch/${p%.patch}.log
	(cd "$ktree" && ./scripts/checkpatch.pl --strict --no-summary --show-types \
		"$TOP/patches/$p") > "$log" 2>&1 || true
	e=$(grep -c '^ERROR:' "$log" || true)
	w=$(grep -c '^WARNING:' "$log" || true)
	c=$(grep -c '^CHECK:' "$log" || true)
	printf '%-60s %6d %8d %6d\n' "$p" "$e" "$w" "$c" >&2
	[ $((e + w + c)) -eq 0 ] || sed 's/^/    /' "$log" >&2
	printf 'checkpatch\t%s\t%s\n' "$p" "$([ $((e + w + c)) -eq 0 ] && echo pass || echo fail)" >> "$tsv"
done < "$TOP/patches/series"
