#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# versions.sh: the series on the other 6.12.y releases Debian offers as
# linux-source-6.12 (apt-cache madison), not only on the pinned one.  On
# every version, patches/ must apply with git am; on the oldest and the
# newest, the test kernel is built, booted and tested as by 'make run'.
# VERSIONS="V1 V2 ..." picks the package versions instead (the first and
# the last are then built).  Each version gets its own $BUILD/versions/V/
# (tree, logs); the package is fetched with apt-get download, not
# installed.  The table is $BUILD/versions/table.txt.
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/deps.sh"
vers=$(printf '%s\n' ${VERSIONS:-$(apt-cache madison "$BASE_PKG" | awk '{ print $3 }' | sort -uV)})
[ -n "$vers" ] || die "apt offers no $BASE_PKG (apt-get update?)"
oldest=$(echo "$vers" | head -1) newest=$(echo "$vers" | tail -1)
top=$BUILD/versions
mkdir -p "$top"
table=$top/table.txt

# tree V: $top/V/linux, the base tree of package version V.
tree() {
	local v=$1 dir=$top/$1 deb
	mkdir -p "$dir"
	if [ ! -d "$dir/linux/.git" ]; then
		say "$BASE_PKG $v: downloading and unpacking"
		rm -rf "$dir/src" "$dir"/*.deb
		(cd "$dir" && apt-get download -q "$BASE_PKG=$v") > "$dir/download.log" 2>&1 ||
			{ tail "$dir/download.log"; die "cannot download $BASE_PKG $v"; }
		deb=$(ls "$dir"/*.deb)
		mkdir -p "$dir/src"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO "./usr/src/$BASE_PKG.tar.xz" | tar -C "$dir/src" -xJ --strip-components=1
		rm -f "$deb"
	fi
	BUILD=$dir KERNEL_SRC=$dir/src "$TOP/scripts/base-tree.sh"
	rm -rf "$dir/src"
}

printf '%-22s %-10s %-7s %-30s %6s\n' version kernel "git am" "build, boot, suites" secs | tee "$table"
fail=0
for v in $vers; do
	t0=$SECONDS
	dir=$top/$v
	if ! (tree "$v") > "$dir.log" 2>&1; then
		cat "$dir.log" >&2
		printf '%-22s %-10s %-7s %-30s %6d\n' "$v" - "no tree" - $((SECONDS - t0)) | tee -a "$table"
		fail=1
		continue
	fi
	kv=$(make -s -C "$dir/linux" kernelversion)
	if BUILD=$dir KERNEL_SRC=$dir/src "$TOP/scripts/check.sh" apply > "$dir/apply.log" 2>&1; then
		am=ok
	else
		am=FAILED fail=1
		sed 's/^/    /' "$dir/apply.log" >&2
	fi
	run=-
	if [ $am = ok ] && { [ "$v" = "$oldest" ] || [ "$v" = "$newest" ]; }; then
		say "$BASE_PKG $v: make run (log: $dir/run.log)"
		if BUILD=$dir KERNEL_SRC=$dir/src "$TOP/scripts/check.sh" run > "$dir/run.log" 2>&1; then
			run=$(tail -1 "$dir/run.log")
		else
			run="FAILED: $(tail -1 "$dir/run.log")" fail=1
		fi
	fi
	printf '%-22s %-10s %-7s %-30s %6d\n' "$v" "$kv" $am "$run" $((SECONDS - t0)) | tee -a "$table"
done
[ $fail -eq 0 ] || die "the series fails on some version (logs in $top/VERSION/)"
say "the series applies to $(echo "$vers" | wc -w) versions and passes on $oldest and $newest"
