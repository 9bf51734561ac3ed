# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the guest suites.  Sourced.  Each check is one TAP line;
# the plan is printed at the end by tap_done.
tap_n=0
echo "TAP version 13"

# ok_if NAME RC: report a check from an exit status (4 = kselftest skip).
ok_if() {
	tap_n=$((tap_n + 1))
	case $2 in
	0) echo "ok $tap_n $1" ;;
	4) echo "ok $tap_n $1 # SKIP" ;;
	*) echo "not ok $tap_n $1 # exit $2" ;;
	esac
}

# t NAME CMD...: run CMD, its output as TAP comments, and report it.
t() {
	local name=$1 rc
	shift
	"$@" > /tmp/t.out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/t.out
	ok_if "$name" $rc
	return $rc
}

# oopses: how many oopses, BUGs and panics-to-be the kernel log holds.
oopses() { dmesg | grep -cE 'Oops|BUG:|kernel BUG|general protection fault'; }

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n $1 # SKIP $2"; }
tap_done() { echo "1..$tap_n"; }

# kst PROG CMD...: run CMD, which runs the kselftest program PROG, its
# output as TAP comments; each of its tests becomes a check "PROG: TEST".
# A program that exits with an error without failing a test (a crash, a
# timeout) fails a check "PROG: exit status".  Without PROG (a tree from
# before the patch that adds it: make bisect), one skipped check.
kst() {
	local prefix=$1 rc st name failed=0
	shift
	if ! command -v "$prefix" > /dev/null; then
		skip "$prefix" "not in this tree"
		return
	fi
	# A kernel oops while it runs ends it: every later test would only
	# wait out its timeout on what the oopsed task holds.
	"$@" > /tmp/kst.out 2>&1 &
	local pid=$! oops0
	oops0=$(oopses)
	while kill -0 $pid 2>/dev/null; do
		if [ "$(oopses)" -gt "$oops0" ]; then
			sleep 5
			kill -9 $pid 2>/dev/null
			echo "# kernel oops: $prefix killed, its remaining tests not run" >> /tmp/kst.out
			break
		fi
		sleep 1
	done
	wait $pid
	rc=$?
	sed 's/^/# /' /tmp/kst.out
	grep -E '^(not )?ok [0-9]+ ' /tmp/kst.out > /tmp/kst.res
	while read -r line; do
		case $line in
		"not ok "*)	st=1 failed=1 ;;
		*"# SKIP"*)	st=4 ;;
		*)		st=0 ;;
		esac
		name=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ //; s/ # .*//')
		ok_if "$prefix: $name" $st
	done < /tmp/kst.res
	# A test that started (kselftest_harness prints "#  RUN  NAME ...")
	# but never reported, because the program was killed or crashed in
	# it, fails under its own name, so that the base and the series
	# report the same test.
	sed -n 's/^#  RUN  *\([^ ]*\) \.\.\.$/\1/p' /tmp/kst.out | while read -r name; do
		grep -qE "^(not )?ok [0-9]+ $name( |\$)" /tmp/kst.res ||
			echo "not ok 0 $name # did not finish (exit status $rc)"
	done > /tmp/kst.unfinished
	while read -r line; do
		name=$(echo "$line" | sed -E 's/^not ok 0 //; s/ # .*//')
		ok_if "$prefix: $name" 1
		failed=1
	done < /tmp/kst.unfinished
	case $rc in
	0|4)	;;
	*)	[ $failed = 1 ] || ok_if "$prefix: exit status" $rc ;;
	esac
}
