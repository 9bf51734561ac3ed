# SPDX-License-Identifier: GPL-2.0
# dmesg.sh [BOOT]: the kernel log of this boot has no warning, bug or oops.
. /tap.sh
pat='WARNING:|BUG:|BUG |Oops|refcount_t|Call Trace|general protection|UBSAN|KASAN|kernel BUG|list_del corruption|page dumped because: VM_'
dmesg | grep -E "$pat" > /tmp/splat
if [ -s /tmp/splat ]; then
	dmesg | grep -E -B2 -A25 "$pat" | head -200 | sed 's/^/# /'
	ok_if "dmesg clean" 1
else
	ok_if "dmesg clean" 0
fi
tap_done
