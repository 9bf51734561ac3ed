# SPDX-License-Identifier: GPL-2.0
# The suites' TAP (results-*.log, written by guest/init) as one line per
# test: SUITE<TAB>TEST<TAB>pass|fail|skip, and SUITE<TAB>#time<TAB>SECONDS.
# A stress program's figure "stress NAME KEY N" becomes
# SUITE<TAB>#stress NAME KEY<TAB>N.
# Only top-level test lines count; a missing or short plan is a failure.
function flush() {
	if (suite != "" && plan >= 0 && count != plan)
		printf "%s\tplan (%d of %d ran)\tfail\n", suite, count, plan
	if (suite != "" && plan < 0)
		printf "%s\tplan (none)\tfail\n", suite
}
{ sub(/\r$/, "") }	# the serial port writes CRLF
/^=== suite / { suite = $3; plan = -1; count = 0; next }
/^=== end /   { flush(); printf "%s\t#time\t%s\n", suite, $4; suite = ""; next }
suite == ""   { next }
/^1\.\.[0-9]+/ { plan = substr($1, 4) + 0; next }
/^stress [^ ]+ [^ ]+ [^ ]+$/ { printf "%s\t#stress %s %s\t%s\n", suite, $2, $3, $4; next }
/^Bail out!/  { printf "%s\t%s\tfail\n", suite, $0; next }
/^(not )?ok / {
	line = $0; status = "pass"
	if (sub(/^not ok [0-9]* ?-? ?/, "", line)) status = "fail"
	else sub(/^ok [0-9]* ?-? ?/, "", line)
	name = line; dir = ""
	if ((i = index(line, " # ")) > 0) { name = substr(line, 1, i - 1); dir = substr(line, i + 3) }
	if (toupper(dir) ~ /^SKIP/) status = "skip"
	gsub(/\t/, " ", name)
	printf "%s\t%s\t%s\n", suite, name, status
	count++
}
