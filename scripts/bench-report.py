#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-report.py SAMPLES OUTDIR KERNELVERSION PAIRS MINUTES

The report of make bench (scripts/bench.sh).  SAMPLES has a row per
"bench METRIC VALUE UNIT" line of a boot: pair, side (base, patched),
flavour, metric, value, unit.  Every metric is a time (ns, us or ms per
operation), so lower is better.  Per metric:

  base, patched   the median over the boots of that side
  ratio           patched / base of each pair; its median and min-max
  noise           the A/A spread: the largest distance of one boot from
                  its own side's median, over both sides (0.05 = 5 %)
  verdict         "faster" or "slower" when the median ratio is further
                  from 1 than the noise, else "within noise"

Writes OUTDIR/results.md (markdown), OUTDIR/ratios.dat and OUTDIR/ratios.gp
(gnuplot: OUTDIR/ratios.png and .svg).  The rate (MiB/s) and per-MiB
metrics are the same measurements as per-fault and per-op, scaled; they
stay in SAMPLES but not in the table.
"""
import collections
import datetime
import statistics
import sys

samples, outdir, kver, pairs, minutes = sys.argv[1:6]
vals = collections.defaultdict(lambda: collections.defaultdict(dict))
unit, order = {}, []
with open(samples) as f:
    next(f)
    for line in f:
        pair, side, _, metric, value, u = line.rstrip('\n').split('\t')
        if metric.endswith(('.rate', '.per-mib')):
            continue
        if metric not in unit:
            order.append(metric)
        unit[metric] = u
        vals[metric][side][int(pair)] = float(value)

rows = []
for m in order:
    b, p = vals[m]['base'], vals[m]['patched']
    common = sorted(set(b) & set(p))
    if not common:
        continue
    mb, mp = statistics.median(b.values()), statistics.median(p.values())
    ratios = [p[i] / b[i] for i in common]
    noise = max(abs(v / med - 1) for side, med in ((b, mb), (p, mp))
                for v in side.values())
    r = statistics.median(ratios)
    verdict = ('slower' if r > 1 + noise else
               'faster' if r < 1 - noise else 'within noise')
    rows.append((m, unit[m], mb, mp, r, min(ratios), max(ratios), noise,
                 verdict, len(common)))

with open(f'{outdir}/results.md', 'w') as f:
    f.write(f'Measured {datetime.date.today()} with `make bench`: Linux '
            f'{kver}, base and patched, same config, {pairs} pairs of '
            f'boots (base, patched, base, ...) under QEMU TCG, '
            f'{minutes} min in all.\n\n')
    f.write('| metric | unit | base | patched | ratio | ratio min–max '
            '| noise | verdict |\n')
    f.write('|---|---|---:|---:|---:|---:|---:|---|\n')
    for (m, u, mb, mp, r, lo, hi, noise, verdict, n) in rows:
        f.write(f'| {m} | {u} | {mb:.5g} | {mp:.5g} | {r:.3f} | '
                f'{lo:.3f}–{hi:.3f} | ±{noise * 100:.1f} % | {verdict} |\n')
    counts = collections.Counter(row[8] for row in rows)
    f.write(f'\n{len(rows)} metrics: ' + ', '.join(
        f'{counts[v]} {v}' for v in ('faster', 'within noise', 'slower')) +
        '.\n')

with open(f'{outdir}/ratios.dat', 'w') as f:
    for i, (m, _, _, _, r, lo, hi, noise, _, _) in enumerate(rows):
        f.write(f'{i}\t{m}\t{r}\t{lo}\t{hi}\t{noise}\n')

height = 120 + 16 * len(rows)
with open(f'{outdir}/ratios.gp', 'w') as f:
    f.write(f'''# gnuplot {outdir}/ratios.gp: written by bench-report.py
set title "patched / base, Linux {kver}, {pairs} pairs of boots (QEMU TCG)"
set xlabel "time ratio patched / base (< 1: the series is faster)"
set ytics nomirror font ",8"
set yrange [{len(rows)}:-1]
set xrange [0:*]
set grid xtics
set key bottom right opaque box
set style fill transparent solid 0.3 noborder
''')
    plot = f"""plot "{outdir}/ratios.dat" using (1):1:($6):(0.4) \\
	with boxxyerrorbars lc rgb "gray" \\
	title "noise (A/A spread)", \\
     "" using 3:1:4:5:ytic(2) with xerrorbars pt 7 ps 0.6 lc rgb "blue" \\
	title "ratio: median, min-max"
"""
    for term, ext in (('pngcairo size 1000,%d' % height, 'png'),
                      ('svg size 1000,%d dynamic' % height, 'svg')):
        f.write(f'set terminal {term}\nset output "{outdir}/ratios.{ext}"\n'
                + plot)
