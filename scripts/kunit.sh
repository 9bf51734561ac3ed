#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kunit.sh KTREE NAME OUT.tsv [KUNITCONFIG...]: run the series' KUnit suites
# (the options in config/kunit.kunitconfig, plus those of the KUNITCONFIGs:
# the debug options) on the commit KTREE is at, with
# tools/testing/kunit/kunit.py run --arch=x86_64 under QEMU.  Each KUnit
# case is one result of suite "kunit".  kunit.py builds out of tree, which
# the kernel refuses in a tree that was built in place, so it runs in its
# own worktree, $BUILD/kunit-src.  Log: $LOGS/kunit-NAME.log.
. "$(dirname "$0")/lib.sh"

ktree=$1 name=$2 tsv=$3
extra=("${@:4}")
src=$BUILD/kunit-src
log=$LOGS/kunit-$name.log
worktree_at "$src" "$(git -C "$ktree" rev-parse HEAD)"

# An option the tree does not have (a suite that a later patch adds, on
# the base or an early patch) is a skip, with the reason; kunit.py runs
# the rest, from a copy of the kunitconfig without it.
kcfg=$BUILD/kunit-$name.kunitconfig
: > "$kcfg"
while read -r line; do
	opt=$(echo "$line" | sed -n 's/^CONFIG_\([A-Z0-9_]*\)=.*/\1/p')
	if [ -n "$opt" ] && ! grep -rqsE --include='Kconfig*' "^(menu)?config $opt\$" "$src"; then
		printf 'kunit\tCONFIG_%s not in this tree\tskip\n' "$opt" >> "$tsv"
		say "[$name] KUnit: CONFIG_$opt is not in this tree, skipped"
		continue
	fi
	echo "$line" >> "$kcfg"
done < "$BASEDIR/kunit.kunitconfig"

# kunit.py starts QEMU with "-accel kvm -accel hvf -accel tcg", and a
# /dev/kvm that exists but does not work (as on the CI machines) hangs it
# for good.  A qemu-system-x86_64 first in its PATH drops those two, so
# that it runs under TCG, as the harness's own boots do.
shim=$BUILD/kunit-bin
mkdir -p "$shim"
cat > "$shim/qemu-system-x86_64" <<'SHIM'
#!/bin/bash
# kunit.sh: run QEMU under TCG only (see scripts/kunit.sh).
args=()
while [ $# -gt 0 ]; do
	if [ "$1" = -accel ] && { [ "$2" = kvm ] || [ "$2" = hvf ]; }; then shift 2; continue; fi
	args+=("$1"); shift
done
exec /usr/bin/qemu-system-x86_64 "${args[@]}"
SHIM
chmod +x "$shim/qemu-system-x86_64"

say "[$name] KUnit: kunit.py run --arch=x86_64 (log: $log)"
# kunit.py is Python 3 from Debian, like scripts/checkpatch.sh's helpers.
(cd "$src" && PATH=$shim:/usr/bin:$PATH ./tools/testing/kunit/kunit.py run \
	--arch=x86_64 --jobs="$JOBS" --timeout=600 \
	--build_dir="$BUILD/kunit-$name" \
	--kunitconfig="$kcfg" "${extra[@]/#/--kunitconfig=}" \
	--make_options="CC=ccache gcc" --raw_output=kunit) > "$log" 2>&1
rc=$?
# Nested KTAP: "# Subtest: SUITE" then indented "ok N case" lines.
awk '
	/^    # Subtest: / { suite = $3; next }
	/^    (not )?ok [0-9]+ / {
		status = /^    not ok/ ? "fail" : "pass"
		line = $0; sub(/^    (not )?ok [0-9]+ /, "", line)
		if (line ~ / # SKIP/) { status = "skip"; sub(/ # SKIP.*/, "", line) }
		printf "kunit\t%s.%s\t%s\n", suite, line, status
		n++
	}
	/WARNING:|BUG:|Oops|Call Trace/ { splat++ }
	END {
		if (n) printf "kunit\tkernel log clean\t%s\n", splat ? "fail" : "pass"
		exit n == 0
	}' "$log" >> "$tsv" && exit 0
tail -20 "$log" >&2
say "[$name] KUnit ran no test (kunit.py exit $rc), see $log"
exit 1
