#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# static.sh [OUT.tsv]: static analysis of the kernel files the series
# touches, once on the base and once with the whole series, and the
# difference.  A gate passes when the series adds no finding:
#   sparse      make C=2 on the touched objects
#   W=1         gcc's extra warnings on the same objects
#   coccicheck  make C=2 CHECK=scripts/coccicheck MODE=report, same objects
#   kernel-doc  scripts/kernel-doc -none -Wall on the touched .c and .h
# The objects are built for x86_64 allmodconfig in the compile-coverage
# worktree ($BUILD/cov-src, $BUILD/cov-x86_64).  A finding is compared
# without its line and column, so that code which only moves is not new;
# it is new when the series has more of it than the base.
# Findings: $LOGS/static/{base,patched}-GATE.txt, new ones in
# $LOGS/static/new-GATE.txt.  One row per gate goes to $GATES, if set.
# Without OUT.tsv (make static): $LOGS/static.tsv, and the exit status
# says whether every gate passed.
. "$(dirname "$0")/lib.sh"
export LC_ALL=C

tsv=${1:-$LOGS/static.tsv}
src=$BUILD/cov-src out=$BUILD/cov-x86_64
log=$LOGS/static
rm -rf "$log"
mkdir -p "$log"
: > "$tsv"
need sparse sparse
need spatch coccinelle
need ocamlopt ocaml-nox		# coccicheck's OCaml scripts

files=$(series_files | grep -v -e '^tools/' -e '^Documentation/' || true)
cfiles=$(echo "$files" | grep -v '^arch/' | grep '\.c$' || true)
dfiles=$(echo "$files" | grep '\.[ch]$' || true)
[ -n "$cfiles" ] || exit 0

# A sparse that the tree accepts (its scripts/checker-valid.sh): Debian
# 12's 0.6.4 cannot parse __typeof_unqual__, which 7.3's headers use, and
# the kernel then skips sparse silently.  So build the sparse of Debian's
# SPARSE_SUITE (default sid) from its source package, fetched through the
# harness's private apt configuration, once, into the harness's cache.
sparse=sparse
if [ "$("$src/scripts/checker-valid.sh" sparse -m64 2>/dev/null)" != 1 ]; then
	suite=${SPARSE_SUITE:-sid}
	sparse=${XDG_CACHE_HOME:-$HOME/.cache}/harness/sparse-$suite/sparse
	if [ ! -x "$sparse" ]; then
		say "static analysis: the system's $(sparse --version) cannot check this tree; building sparse from $suite's source package"
		tmp=$(mktemp -d)
		(cd "$tmp" && papt "$suite-src" debian apt-get -q source --download-only sparse &&
			tar xf sparse_*.orig.tar.* && mv sparse-*/ sparse &&
			make -C sparse -j"$JOBS" sparse) > "$log/sparse-build.log" 2>&1 ||
			die "building sparse from $suite failed, see $log/sparse-build.log"
		mkdir -p "$(dirname "$sparse")"
		cp "$tmp/sparse/sparse" "$sparse"
		rm -rf "$tmp"
	fi
	[ "$("$src/scripts/checker-valid.sh" "$sparse" -m64 2>/dev/null)" = 1 ] ||
		die "static analysis: $sparse cannot check this tree either (scripts/checker-valid.sh)"
fi

# allmodconfig has CONFIG_WERROR: keep W=1's warnings warnings.
kmake() {
	make -C "$src" -k -j"$JOBS" O="$out" ARCH=x86_64 CC="ccache gcc" \
		W=1 KCFLAGS=-Wno-error "$@"
}

# norm GATE < LOG: the findings of a log, one per line, sorted, with the
# tree's path, line and column numbers taken out.  sparse's detail lines
# ("file:l:c:    expected ...") are joined to their finding.  A finding in
# a header counts once, however many objects include the header (the
# series adds an object, which would otherwise repeat the base's).
norm() {
	local re
	case $1 in
	sparse|w1)  re=':[0-9]+:[0-9]+: (warning|error):' ;;	# kernel-doc has no column
	coccicheck) re=':[0-9]+[:0-9-]*: ' ;;	# its reports share no keyword
	kernel-doc) re=':[0-9]+: (warning|error):' ;;
	esac
	sed -E "s|^$src/||" |
		awk '/^[^ ]+:[0-9]+:[0-9]+:    / { if (last != "") last = last " /" substr($0, index($0, ":    ") + 4); next }
			{ if (last != "") print last; last = "" }
			/^[^ ]+\.[ch]:[0-9]/ { last = $0 }
			END { if (last != "") print last }' |
		grep -E "^[^ ]+\.[ch]$re" | grep -v '^scripts/' |
		sed -E -e 's/^([^ :]+):[0-9]+(:[0-9]+(-[0-9]+)?)?/\1/' -e 's/([Ll]ine|lines?) [0-9]+/\1 N/g' |
		awk '!/^[^ :]+\.h:/ || !seen[$0]++' | sort || true
}

analyse() {	# SIDE: run every gate on the tree as it is
	local side=$1 objs=() dfs=() f o
	for f in $cfiles; do [ -f "$src/$f" ] && objs+=("$(kobj "$f")"); done
	for f in $dfiles; do [ -f "$src/$f" ] && dfs+=("$f"); done
	say "static analysis, $side: ${#objs[@]} objects, ${#dfs[@]} files with kernel-doc"
	# W=1 first, on freshly compiled objects, so that gcc's warnings are
	# seen; then sparse and coccicheck, which C=2 runs on every object.
	# The flags stay the same, so those two do not compile again.
	for o in "${objs[@]}"; do rm -f "$out/$o"; done
	kmake "${objs[@]}" > "$log/$side-w1.log" 2>&1 || true
	for o in "${objs[@]}"; do
		[ -f "$out/$o" ] || die "static analysis, $side: $o does not build, see $log/$side-w1.log"
	done
	kmake C=2 CHECK="$sparse" "${objs[@]}" > "$log/$side-sparse.log" 2>&1 || true
	kmake C=2 CHECK="$src/scripts/coccicheck" MODE=report \
		"${objs[@]}" > "$log/$side-coccicheck.log" 2>&1 || true
	grep -q 'coccicheck failed' "$log/$side-coccicheck.log" &&
		die "static analysis, $side: coccicheck failed, see $log/$side-coccicheck.log"
	# Each checker must have seen every object (kbuild names the source
	# relative to the tree, or with the tree's path).
	for gate in sparse coccicheck; do
		[ "$(grep -E "^  CHECK   ($src/)?[^ ]+\.c\$" "$log/$side-$gate.log" |
			grep -vc 'scripts/mod/' || true)" -ge ${#objs[@]} ] ||
			die "static analysis, $side: $gate did not check every object, see $log/$side-$gate.log"
	done
	(cd "$src" && scripts/kernel-doc -none -Wall "${dfs[@]}") > "$log/$side-kernel-doc.log" 2>&1 || true
	! grep -q '^Error' "$log/$side-kernel-doc.log" ||
		die "static analysis, $side: kernel-doc failed, see $log/$side-kernel-doc.log"
	for gate in sparse w1 coccicheck kernel-doc; do
		norm $gate < "$log/$side-$gate.log" > "$log/$side-$gate.txt"
	done
	nobj=${#objs[@]} ndoc=${#dfs[@]}
}

t0=$SECONDS
worktree_at "$src" base
cov_config "$src" x86_64 "$out" > "$log/config.log" 2>&1 ||
	{ tail "$log/config.log"; die "static analysis: cannot configure x86_64"; }
analyse base
for p in $(series_patches); do
	g "$src" am -q "$PATCHES/$p" || die "static analysis: $p does not apply"
done
analyse patched

for gate in sparse w1 coccicheck kernel-doc; do
	case $gate in
	sparse)     what="sparse (make C=2), $nobj objects" ;;
	w1)         what="gcc W=1, $nobj objects" ;;
	coccicheck) what="coccicheck MODE=report, $nobj objects" ;;
	kernel-doc) what="kernel-doc -none -Wall, $ndoc files" ;;
	esac
	comm -13 "$log/base-$gate.txt" "$log/patched-$gate.txt" > "$log/new-$gate.txt"
	b=$(wc -l < "$log/base-$gate.txt") p=$(wc -l < "$log/patched-$gate.txt")
	n=$(wc -l < "$log/new-$gate.txt")
	r=pass
	if [ "$n" -gt 0 ]; then
		r=fail
		say "$what: $n new findings:"
		sed 's/^/    /' "$log/new-$gate.txt" >&2
	fi
	say "$what: base $b, patched $p, new $n: $r"
	printf 'static\t%s: no new findings\t%s\n' "$what" $r >> "$tsv"
	gate "$what" "$b" "$p" "$n"
done
say "static analysis done in $((SECONDS - t0)) s; findings in $log"
[ -n "${1:-}" ] || ! grep -q 'fail$' "$tsv"
