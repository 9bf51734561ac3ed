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

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n $1 # SKIP $2"; }
tap_done() { echo "1..$tap_n"; }
