# SPDX-License-Identifier: GPL-2.0
# The harness of the ZONE_DEVICE refcount series.  See README.md.
#
# BASE=NAME picks the base (bases/NAME/): 7.3 (mainline, the default) or
# 6.12 (the retired series, frozen).
#
#   make run        main job: apply patches/, build, boot, test, summary
#   make check      full check: baseline and patched side by side, and
#                   the gates: git am, checkpatch, compile coverage,
#                   static analysis, round trip (what .ci/run calls)
#   make lint       git am and checkpatch only (CI, for BASE=6.12)
#   make debug      the series on the debug kernel (config/debug/): every
#                   suite (not in CI: see README "Reliability")
#   make tree       developer tree build/BASE/linux: base + patches/ as commits
#   make export     regenerate patches/ from build/BASE/linux
#   make test-tree  build, boot and test build/BASE/linux as it is
#   make bisect     every patch on its own: build, boot, suites (slow)
#   make static     static analysis of the touched files, base vs patched
#   make versions   git am on every 6.12.y Debian offers; make run on the
#                   oldest and the newest (slow)
#   make stress     the stress programs for 10 minutes each, base and
#                   patched (STRESS_SECS, STRESS_DEBUG=1: slow, not in CI)
#   make bench      base vs patched benchmark, boots alternated, PAIRS=7
#                   pairs: bench/results.md and the plot (slow, not in CI)
#   make deps       install the Debian packages (done by run and check)

S := scripts

.PHONY: run check lint debug deps tree retree export test-tree bisect static versions bench stress clean distclean

run check lint debug:
	@$(S)/check.sh $@

deps:
	@$(S)/deps.sh

tree: deps
	@$(S)/tree.sh

retree: deps
	@$(S)/tree.sh --reset

export:
	@$(S)/export.sh

bisect:
	@$(S)/bisect.sh

static: deps
	@$(S)/base-tree.sh && $(S)/static.sh

versions:
	@$(S)/versions.sh

bench:
	@$(S)/bench.sh

stress:
	@$(S)/stress.sh

test-tree: deps
	@$(S)/run.sh dev

# Build output and logs; the trees and their git history stay.
clean:
	rm -rf build/*/logs build/*/progs build/*/roundtrip

# Everything under build/, including the developer tree.  Export first.
distclean:
	@for b in bases/*/; do BASE=$$(basename $$b) $(S)/tree.sh --check-exported || exit; done
	rm -rf build
