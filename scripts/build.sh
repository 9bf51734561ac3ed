#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# build.sh SRC NAME [FRAGMENT...]: configure and build the test kernel in the
# git tree SRC (tinyconfig + config/*.config + the base's own
# bases/$BASE/*.config + the FRAGMENTs, every option verified), through
# ccache.  The build log is $LOGS/build-NAME.log.
. "$(dirname "$0")/lib.sh"

src=$1 name=$2
shopt -s nullglob
frags=("$TOP"/config/*.config "$BASEDIR"/*.config "${@:3}")
shopt -u nullglob
log=$LOGS/build-$name.log
mkdir -p "$LOGS"
need ccache ccache
need flex flex
need bison bison
need bc bc
[ -f /usr/include/libelf.h ] || die "libelf headers missing: apt-get install libelf-dev"
[ -f /usr/include/openssl/ssl.h ] || die "openssl headers missing: apt-get install libssl-dev"

kmake() { make -C "$src" -j"$JOBS" CC="ccache gcc" "$@"; }

# Configure when the fragments changed (or there is no .config yet).
stamp=$src/.harness-config
if ! cat "${frags[@]}" | cmp -s - "$stamp" || [ ! -f "$src/.config" ]; then
	say "[$name] configuring: tinyconfig + ${frags[*]##*/}"
	{
		kmake tinyconfig
		(cd "$src" && scripts/kconfig/merge_config.sh -m .config "${frags[@]}")
		kmake olddefconfig
	} > "$LOGS/config-$name.log" 2>&1 || {
		tail -20 "$LOGS/config-$name.log"
		die "[$name] configuration failed, see $LOGS/config-$name.log"
	}
	# merge_config drops options whose dependencies are not met: name them.
	missing=$(grep -hE '^(CONFIG_[A-Za-z0-9_]+=.*|# CONFIG_[A-Za-z0-9_]+ is not set)$' "${frags[@]}" |
		while read -r line; do
			case $line in
			"# "*)	opt=${line#\# }; opt=${opt%% *}
				grep -q "^$opt=" "$src/.config" && echo "$line" ;;
			*)	grep -qxF "$line" "$src/.config" || echo "$line" ;;
			esac
		done) || true
	[ -z "$missing" ] || die "[$name] options not set as requested (unmet dependencies?):
$missing"
	cat "${frags[@]}" > "$stamp"
fi

say "[$name] building kernel ($JOBS jobs, log: $log)"
start=$SECONDS
set +e
kmake bzImage modules 2>&1 | tee "$log" |
	awk '/^  [A-Z]/ && ++n % 200 == 0 { printf ">>> [%s] %d steps\n", name, n; fflush() }' name="$name" >&2
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
	grep -E 'error|Error' "$log" | head -30 >&2
	die "[$name] kernel build failed, see $log"
fi
warn=$(grep -c 'warning:' "$log" || true)
say "[$name] built $(make -s -C "$src" kernelrelease) in $((SECONDS - start)) s, $warn warnings"
grep 'warning:' "$log" | head -20 >&2 || true
