#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# versions.sh: the series on the other trees of its base's kernel line
# that Debian offers, not only on the pinned one: every version of the
# packages $VERSIONS_PKGS in the suites $VERSIONS_SUITES (bases/$BASE/base;
# for mainline linux-source-7.2 and 7.3 in trixie-backports, sid and
# experimental).  On every version, the series must apply with git am; on
# the oldest and the newest, the test kernel is built, booted and tested
# as by 'make run'.  VERSIONS="PKG=V ..." picks them instead (the first
# and the last are then built).  Each version gets its own
# $BUILD/versions/V/ (tree, logs); the package is fetched with the
# harness's private apt configuration, not installed.  The table is
# $BUILD/versions/table.txt.
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/deps.sh"
# offered: "PKG VERSION SUITE" lines, oldest first.
offered() {
	local pkg suite
	for pkg in $VERSIONS_PKGS; do
		for suite in $VERSIONS_SUITES; do
			papt "$suite" "$BASE_ARCHIVE" apt-cache madison "$pkg" 2>/dev/null |
				awk -v s="$suite" '{ print $1, $3, s }'
		done
	done | sort -u -k2,2V
}
list=$(offered)
if [ -n "${VERSIONS:-}" ]; then
	list=$(for pv in $VERSIONS; do echo "$list" | awk -v p="${pv%%=*}" -v v="${pv#*=}" \
		'$1 == p && $2 == v { print; exit }'; done)
fi
[ -n "$list" ] || die "no version of $VERSIONS_PKGS is offered by $VERSIONS_SUITES"
vers=$(echo "$list" | awk '{ print $2 }')
oldest=$(echo "$vers" | head -1) newest=$(echo "$vers" | tail -1)
series_ok=$(echo "$VERSIONS_PKGS" | tr ' ' '\n' | sed 's/^linux-source-//' | tr '\n' ' ')
top=$BUILD/versions
mkdir -p "$top"
table=$top/table.txt

# tree PKG V SUITE: $top/V/linux, the base tree of package version V.
tree() {
	local dir=$top/$2
	mkdir -p "$dir"
	if [ ! -d "$dir/linux/.git" ]; then
		say "$1 $2 ($3): downloading and unpacking"
		rm -rf "$dir/src"
		"$TOP/scripts/fetch-base.sh" "$dir/src" "$2" "$1" "$3"
	fi
	BUILD=$dir KERNEL_SRC=$dir/src ACCEPT_SERIES=$series_ok "$TOP/scripts/base-tree.sh"
	rm -rf "$dir/src"
}

printf '%-22s %-10s %-7s %-30s %6s\n' version kernel "git am" "build, boot, suites" secs | tee "$table"
fail=0
while read -r pkg v suite <&3; do
	t0=$SECONDS
	dir=$top/$v
	if ! (tree "$pkg" "$v" "$suite") > "$dir.log" 2>&1; then
		cat "$dir.log" >&2
		printf '%-22s %-10s %-7s %-30s %6d\n' "$v" - "no tree" - $((SECONDS - t0)) | tee -a "$table"
		fail=1
		continue
	fi
	kv=$(make -s -C "$dir/linux" kernelversion)
	export ACCEPT_SERIES=$series_ok
	if BUILD=$dir KERNEL_SRC=$dir/src "$TOP/scripts/check.sh" apply > "$dir/apply.log" 2>&1; then
		am=ok
	else
		am=FAILED fail=1
		sed 's/^/    /' "$dir/apply.log" >&2
	fi
	run=-
	if [ $am = ok ] && { [ "$v" = "$oldest" ] || [ "$v" = "$newest" ]; }; then
		say "$pkg $v: make run (log: $dir/run.log)"
		if BUILD=$dir KERNEL_SRC=$dir/src "$TOP/scripts/check.sh" run > "$dir/run.log" 2>&1; then
			run=$(tail -1 "$dir/run.log")
		else
			run="FAILED: $(tail -1 "$dir/run.log")" fail=1
		fi
	fi
	printf '%-22s %-10s %-7s %-30s %6d\n' "$v" "$kv" $am "$run" $((SECONDS - t0)) | tee -a "$table"
done 3<<< "$list"
fail=$(grep -c -e FAILED -e 'no tree' "$table" || true)
[ "$fail" -eq 0 ] || die "the series fails on some version (logs in $top/VERSION/)"
say "the series applies to $(echo "$vers" | wc -l) versions and passes on $oldest and $newest"
