# SPDX-License-Identifier: GPL-2.0
# Helpers for the DAX suites.  Sourced.

# dax_smoke ARGS...: run the smoke program, exit status to /tmp/rc.
dax_smoke() { /bin/dax_smoke "$@"; echo $? > /tmp/rc; }

# namespace MODE FIELD: the FIELD (blockdev, chardev) of the namespace in
# MODE on the NFIT NVDIMM, created on first use: fsdax 512 MiB (mkfs.xfs
# wants 300 MB), devdax 256 MiB.  The host recreates the NVDIMM empty
# before every boot.
namespace() {
	local json=/tmp/ns-$1.json
	if [ ! -e /tmp/labels ]; then	# label-less regions cannot be split
		{ ndctl disable-region all && ndctl init-labels -f all &&
		  ndctl enable-region all; } > /tmp/labels 2>&1
		sed 's/^/# /' /tmp/labels >&2
	fi
	if [ ! -s $json ]; then
		ndctl create-namespace -m "$1" -s $([ "$1" = fsdax ] && echo 512M || echo 256M) > $json.tmp 2>/tmp/ns.err ||
			{ sed 's/^/# /' /tmp/ns.err >&2; return 1; }
		mv $json.tmp $json
	fi
	sed 's/^/# /' $json >&2
	grep -o "\"$2\":\"[^\"]*\"" $json | head -1 | cut -d'"' -f4
}
