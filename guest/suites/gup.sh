# SPDX-License-Identifier: GPL-2.0
# gup.sh: gup_test on anonymous memory, the invocations of run_vmtests.sh
# plus the long-term pin and the basic get/pin tests.
. /tap.sh
t get-fast gup_test -u
t pin-fast gup_test -a
t get-basic gup_test -U
t pin-basic gup_test -b
t pin-longterm gup_test -L
t dump-pages gup_test -ct -F 0x1 0 19 0x1000
t get-fast-thp gup_test -u -t
t pin-fast-nothp gup_test -a -T
tap_done
