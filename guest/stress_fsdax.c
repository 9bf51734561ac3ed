// SPDX-License-Identifier: GPL-2.0
/*
 * stress_fsdax: stress the reference counting of fsdax pages.  Threads
 * hold references on the DAX pages of a mapped file (vmsplice into a
 * pipe, O_DIRECT writes, the gup_test ioctl) while other threads
 * truncate, punch and re-extend the file, and every byte read back is
 * checked.  A kernel that frees DAX blocks still referenced shows data
 * of a later generation in a page it should have kept.
 *
 *   stress_fsdax [-i MAXITER] [-d DEV] DIR SECONDS pte|pmd
 *
 *   DIR       a directory on ext4 or xfs mounted -o dax (on /dev/pmem0);
 *             the file DIR/victim is created and removed at the end
 *   SECONDS   run time (0: start the threads and stop them at once)
 *   pte|pmd   pte maps the file 4 KiB off 2 MiB alignment, so that only
 *             PTEs can map it; pmd maps it 2 MiB aligned, so that PMDs
 *             can be used where the blocks are 2 MiB aligned (not
 *             required: the kernel may still use PTEs)
 *   -i N      stop after N mutations (truncates + punches)
 *   -d DEV    scratch device for the O_DIRECT pinner (default /dev/ram0;
 *             a regular file works too); its first 192 KiB are
 *             overwritten.  If it cannot be used O_DIRECT, that pinner
 *             kind is skipped with a "#" note.
 *   -F        (for testing) run even if the file is not DAX
 *
 * The file has NCHUNK chunks of 2 MiB, each with a rwlock and a
 * generation g (a counter global to the run).  Every 8-byte word at
 * chunk offset o of chunk c holds pattern(c, g, o): a bijective mix of
 * (g, c, o) xor a per-run seed, so a wrong word is decoded and reported
 * as "chunk c' gen g' offset o'" (a later generation: a block that was
 * freed and reused while still referenced), "zero" or "garbage".
 *
 *   2 mutators  take a chunk's write lock, cut it (punch it with
 *               FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, or truncate
 *               the file down to the chunk's start), bring the file back
 *               to full size (ftruncate, or fallocate which also
 *               preallocates the blocks), sometimes read the hole back
 *               (it must read zero), write the next generation through
 *               the mapping (write faults allocate new blocks), unlock.
 *               fsync every ~50 mutations.
 *   3 pinners   pick a chunk, a 4..64 KiB page-aligned range of it and a
 *               kind, take the chunk's read lock and note g:
 *               vmsplice: vmsplice the range into a pipe (page references
 *                 held by the pipe), drop the lock, sleep 0-2 ms (the
 *                 mutators may now cut the chunk: the kernel must wait
 *                 for the pipe's references before freeing the blocks),
 *                 read the pipe and check it is still generation g;
 *               O_DIRECT: write the range to DEV, drop the lock after the
 *                 write returned, read it back from DEV and check it;
 *               gup_test: get/pin the range through
 *                 /sys/kernel/debug/gup_test (GUP_FAST_BENCHMARK,
 *                 PIN_FAST_BENCHMARK, GUP_BASIC_TEST, PIN_BASIC_TEST,
 *                 1-4 pages per call, with or without FOLL_WRITE) and
 *                 check the range through the mapping, under the lock.
 *   1 verifier  checks whole chunks through the mapping, in turn, under
 *               the read lock.
 *
 * The mapping itself is only touched under a chunk lock, so no access
 * should fault beyond EOF; a SIGBUS is caught (sigsetjmp/siglongjmp) and
 * counted as an error.  At the end every chunk is checked once more.
 *
 * Deviation from the original design: truncating the file down to the
 * start of a chunk that is not the last one also removes the chunks
 * after it, so such a mutation takes the write locks of all chunks from
 * it to the end (in ascending order, as every mutator does: no lock
 * order inversion; readers hold one lock at a time) and rewrites all of
 * them.  Note that ext4 and xfs break the DAX layout of the whole file
 * on a punch or truncate (they wait for every busy page of the file,
 * dropping the invalidate lock while they wait), so a mutation also
 * waits for the references the pinners hold on other chunks: it is
 * slower than it looks, but cannot deadlock, and the pinners stop at
 * the end of the run.
 *
 * Output: "#" comment lines (the first 20 mismatches and errors each,
 * progress at most every 30 s), then with NAME fsdax-FSTYPE-pte|pmd
 * (FSTYPE from statfs: ext4, xfs or another name with -F):
 *   stress NAME iterations N       mutations done
 *   stress NAME mismatches N       checks that found wrong data
 *   stress NAME errors N           unexpected syscall errors, SIGBUS
 *   stress NAME expected_errors N  tolerated errors (none expected)
 *   stress NAME truncates N        truncate mutations
 *   stress NAME punches N          punch mutations
 *   stress NAME pins N             successful vmsplice, O_DIRECT and
 *                                  gup_test operations
 *   stress NAME pmd_mapped N       (pmd only) kB of the file that its
 *                                  first fill mapped with PMDs: one
 *                                  fault per 2 MiB (smaps does not count
 *                                  DAX PMDs), else 0
 *
 * Exit status: 0 if no mismatch and no error, 1 otherwise (also if the
 * setup failed, or if the run got stuck past SECONDS + 120 s: "# stuck:
 * ..." lines, then no stress lines), 2 for bad usage, 4 if the file is
 * not DAX (skip).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define EXT4_MAGIC		0xEF53
#define XFS_MAGIC		0x58465342
#define TMPFS_MAGIC		0x01021994

#define HPAGE		(2UL << 20)
#define CHUNK		HPAGE
#define NCHUNK		8
#define FILE_SIZE	(NCHUNK * CHUNK)
#define NMUTATOR	2
#define NPINNER		3
#define NTHREAD		(NMUTATOR + NPINNER + 1)
#define MAX_PIN		(64 * 1024UL)	/* largest pinned range */
#define FSYNC_EVERY	50
#define MAX_REPORTS	20
#define PROGRESS_EVERY	30		/* s */

/* pattern(): (gen << GEN_SHIFT | chunk << CHUNK_SHIFT | word index). */
#define CHUNK_SHIFT	18		/* CHUNK / 8 words */
#define GEN_SHIFT	24
#define MIX1		0xff51afd7ed558ccdULL
#define MIX2		0xc4ceb9fe1a85ec53ULL

enum kind { K_VMSPLICE, K_ODIRECT, K_GUP, NKIND };

static const char *const kind_name[NKIND] = {
	"vmsplice", "O_DIRECT", "gup_test"
};

struct thr {
	pthread_t tid;
	const char *role;
	int idx;
	uint64_t rs;			/* random state */
	int pipe[2];			/* vmsplice pinner */
	uint64_t *buf;			/* MAX_PIN bytes, page aligned */
	/* For the watchdog: what the thread is doing. */
	const char *volatile doing;
	volatile int chunk;
};

static struct chunk {
	pthread_rwlock_t lock;
	uint64_t gen;			/* under lock */
} chunks[NCHUNK];

static char *map;			/* the file, FILE_SIZE bytes */
static int fd = -1, dev_fd = -1, gup_fd = -1;
static int pmd_mode, force, no_falloc;
static uint64_t seed, inv1, inv2;
static long maxiter;
static unsigned int seconds;
static const char *dev_path = "/dev/ram0";
static enum kind kinds[NKIND];
static int nkinds;
static char name[64];
static struct thr thr[NTHREAD];

static atomic_int stop, done;
static atomic_ulong gen_counter;	/* last generation handed out */
static atomic_long claimed, iterations, truncates, punches, pins;
static atomic_long kind_pins[NKIND], verifies, fsyncs, fallocs, zchecks;
static atomic_long mismatches, errors, expected_errors;
static long pmd_kb = -1;

static __thread sigjmp_buf *bus_jb;
static __thread void *bus_addr;

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
"usage: stress_fsdax [-i MAXITER] [-d DEV] DIR SECONDS pte|pmd\n"
"  DIR      directory on ext4/xfs mounted -o dax (DIR/victim is used)\n"
"  SECONDS  run time\n"
"  pte|pmd  map the file 4 KiB off 2 MiB alignment, or 2 MiB aligned\n"
"  -i N     stop after N mutations\n"
"  -d DEV   scratch device for O_DIRECT (default /dev/ram0)\n");
	exit(status);
}

static uint64_t rnd(struct thr *t)
{
	uint64_t x = t->rs;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rs = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Print one "# " line for the first MAX_REPORTS counted events. */
static void __attribute__((format(printf, 3, 4)))
count(atomic_long *counter, const char *what, const char *fmt, ...)
{
	long n = atomic_fetch_add(counter, 1);
	char msg[512];
	va_list ap;

	if (n >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# %s: %s\n", what, msg);
	if (n == MAX_REPORTS - 1)
		printf("# (further %s lines not printed)\n", what);
}

#define mismatch(...)	count(&mismatches, "mismatch", __VA_ARGS__)
#define error(...)	count(&errors, "error", __VA_ARGS__)

/* --- the data pattern ----------------------------------------------------- */

/* A bijection of 64-bit words (murmur3's fmix64), and its inverse. */
static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= MIX1;
	k ^= k >> 33;
	k *= MIX2;
	k ^= k >> 33;
	return k;
}

static uint64_t unmix(uint64_t k)
{
	k ^= k >> 33;
	k *= inv2;
	k ^= k >> 33;
	k *= inv1;
	k ^= k >> 33;
	return k;
}

/* The inverse of an odd number modulo 2^64 (Newton's iteration). */
static uint64_t inverse(uint64_t a)
{
	uint64_t x = a;
	int i;

	for (i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

static inline uint64_t pattern(unsigned int c, uint64_t g, unsigned long o)
{
	return mix(g << GEN_SHIFT | (uint64_t)c << CHUNK_SHIFT | o >> 3) ^
		seed;
}

/* What a wrong word v is, when generation g (0: none) was expected. */
static void describe(uint64_t v, uint64_t g, char *buf, size_t len)
{
	uint64_t k = unmix(v ^ seed), dg = k >> GEN_SHIFT;
	unsigned int dc = (k >> CHUNK_SHIFT) &
			  ((1U << (GEN_SHIFT - CHUNK_SHIFT)) - 1);
	unsigned long doff = (k & ((1UL << CHUNK_SHIFT) - 1)) << 3;

	if (!v)
		snprintf(buf, len, "zero");
	else if (dc < NCHUNK && dg && dg <= atomic_load(&gen_counter))
		snprintf(buf, len, "chunk %u gen %llu offset %#lx%s", dc,
			 (unsigned long long)dg, doff, !g ? "" : dg > g ?
			 ": a LATER generation" : dg < g ?
			 ": an older generation" : "");
	else
		snprintf(buf, len, "garbage");
}

/*
 * Check len bytes at w against chunk c generation g from chunk offset
 * off; via says how they were read.  Returns the number of wrong words.
 */
static unsigned long check(const uint64_t *w, unsigned int c, uint64_t g,
			   unsigned long off, unsigned long len,
			   const char *via)
{
	unsigned long i, n = len / 8, bad = 0, first = 0, zero = 0, later = 0;
	uint64_t v, got = 0, want = 0, k;
	char what[128];

	for (i = 0; i < n; i++) {
		v = w[i];
		if (v == pattern(c, g, off + i * 8))
			continue;
		if (!bad++) {
			first = i;
			got = v;
			want = pattern(c, g, off + i * 8);
		}
		k = unmix(v ^ seed);
		zero += !v;
		later += v && (k >> GEN_SHIFT) > g &&
			(k >> GEN_SHIFT) <= atomic_load(&gen_counter);
	}
	if (!bad)
		return 0;
	describe(got, g, what, sizeof(what));
	mismatch("%s: chunk %u gen %llu [%#lx, %#lx): %lu of %lu words wrong "
		 "(%lu zero, %lu of later generations), first at chunk "
		 "offset %#lx: %#llx (%s), want %#llx", via, c,
		 (unsigned long long)g, off, off + len, bad, n, zero, later,
		 off + first * 8, (unsigned long long)got, what,
		 (unsigned long long)want);
	return bad;
}

/* After a cut, the chunk must read zero: the first word of each page. */
static void zcheck(const uint64_t *w, unsigned int c, const char *after)
{
	unsigned long i, bad = 0, first = 0;
	uint64_t got = 0;
	char what[128];

	for (i = 0; i < CHUNK / 8; i += PAGE / 8) {
		if (!w[i])
			continue;
		if (!bad++) {
			first = i;
			got = w[i];
		}
	}
	if (!bad)
		return;
	describe(got, 0, what, sizeof(what));
	mismatch("chunk %u after %s: %lu of %lu pages not zero, first at "
		 "chunk offset %#lx: %#llx (%s)", c, after, bad, CHUNK / PAGE,
		 first * 8, (unsigned long long)got, what);
}

static void fill(uint64_t *w, unsigned int c, uint64_t g)
{
	unsigned long i;

	for (i = 0; i < CHUNK / 8; i++)
		w[i] = pattern(c, g, i * 8);
}

/* --- access to the mapping, surviving SIGBUS ------------------------------ */

enum acc_op { ACC_FILL, ACC_CHECK, ACC_ZERO };

struct access {
	enum acc_op op;
	unsigned int c;
	uint64_t g;
	unsigned long off, len;		/* ACC_CHECK: range in the chunk */
	const char *via;		/* ACC_CHECK, ACC_ZERO: for reports */
};

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] = "# error: SIGBUS outside of a guarded "
		"access to the mapping\n";
	ssize_t n;

	(void)sig;
	(void)uc;
	if (bus_jb) {
		bus_addr = si->si_addr;
		siglongjmp(*bus_jb, 1);
	}
	n = write(1, msg, sizeof(msg) - 1);
	(void)n;
	_exit(1);
}

/* Do *a on the mapping; a SIGBUS is counted as an error: -1. */
static int access_map(const struct access *a)
{
	uint64_t *w = (uint64_t *)(map + a->c * CHUNK);
	sigjmp_buf jb;

	if (sigsetjmp(jb, 1)) {
		bus_jb = NULL;
		error("SIGBUS at %p (file offset %#lx) during %s of chunk %u "
		      "(%s)", bus_addr, (unsigned long)((char *)bus_addr - map),
		      a->op == ACC_FILL ? "the fill" : a->op == ACC_CHECK ?
		      "a check" : "the hole check", a->c,
		      a->via ? a->via : "mutator");
		return -1;
	}
	bus_jb = &jb;
	switch (a->op) {
	case ACC_FILL:
		fill(w, a->c, a->g);
		break;
	case ACC_CHECK:
		check(w + a->off / 8, a->c, a->g, a->off, a->len, a->via);
		break;
	case ACC_ZERO:
		zcheck(w, a->c, a->via);
		break;
	}
	bus_jb = NULL;
	return 0;
}

static void map_fill(unsigned int c, uint64_t g)
{
	struct access a = { .op = ACC_FILL, .c = c, .g = g };

	access_map(&a);
}

static void map_check(unsigned int c, uint64_t g, unsigned long off,
		      unsigned long len, const char *via)
{
	struct access a = {
		.op = ACC_CHECK, .c = c, .g = g, .off = off, .len = len,
		.via = via,
	};

	access_map(&a);
}

/* --- locks ---------------------------------------------------------------- */

static void rdlock(struct thr *t, unsigned int c)
{
	t->doing = "taking read lock";
	t->chunk = c;
	pthread_rwlock_rdlock(&chunks[c].lock);
}

static void wrlock(struct thr *t, unsigned int c)
{
	t->doing = "taking write lock";
	t->chunk = c;
	pthread_rwlock_wrlock(&chunks[c].lock);
}

static void unlock(unsigned int c)
{
	pthread_rwlock_unlock(&chunks[c].lock);
}

/* --- mutators ------------------------------------------------------------- */

/* Preallocate [off, off + len): 0, or -1 if fallocate is unsupported. */
static int prealloc(unsigned long off, unsigned long len, int keep_size)
{
	if (no_falloc)
		return -1;
	if (!fallocate(fd, keep_size ? FALLOC_FL_KEEP_SIZE : 0, off, len))
		return 0;
	if (errno == EOPNOTSUPP) {
		if (!no_falloc++)
			printf("# fallocate not supported: re-extending with "
			       "ftruncate only\n");
	} else {
		error("fallocate [%#lx, %#lx): %s", off, off + len,
		      strerror(errno));
	}
	return -1;
}

/* Truncate the file to the start of chunk c, back to full size. */
static void cut_truncate(struct thr *t, unsigned int c)
{
	unsigned long off = c * CHUNK;

	t->doing = "ftruncate down";
	if (ftruncate(fd, off))
		error("ftruncate to %#lx (chunk %u): %s", off, c,
		      strerror(errno));
	t->doing = "re-extend";
	if (rnd(t) % 2 && !prealloc(off, FILE_SIZE - off, 0)) {
		atomic_fetch_add(&fallocs, 1);
		return;
	}
	if (ftruncate(fd, FILE_SIZE)) {
		error("ftruncate back to %#lx: %s", FILE_SIZE,
		      strerror(errno));
		atomic_store(&stop, 1);		/* the rest would SIGBUS */
	}
}

static void cut_punch(struct thr *t, unsigned int c)
{
	unsigned long off = c * CHUNK;

	t->doing = "punch hole";
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off,
		      CHUNK))
		error("punch chunk %u: %s", c, strerror(errno));
	if (rnd(t) % 2) {
		t->doing = "fallocate";
		if (!prealloc(off, CHUNK, 1))
			atomic_fetch_add(&fallocs, 1);
	}
}

static void mutate(struct thr *t)
{
	unsigned int c = rnd(t) % NCHUNK, last = c, i;
	int trunc = c == NCHUNK - 1 || rnd(t) % 4 == 0;
	struct access z = { .op = ACC_ZERO };

	if (trunc)
		last = NCHUNK - 1;
	for (i = c; i <= last; i++)
		wrlock(t, i);
	t->chunk = c;
	if (trunc)
		cut_truncate(t, c);
	else
		cut_punch(t, c);
	z.via = trunc ? "truncate" : "punch";
	for (i = c; i <= last; i++) {
		t->chunk = i;
		if (rnd(t) % 2) {
			t->doing = "reading the hole";
			z.c = i;
			access_map(&z);
			atomic_fetch_add(&zchecks, 1);
		}
		t->doing = "writing the next generation";
		chunks[i].gen = atomic_fetch_add(&gen_counter, 1) + 1;
		map_fill(i, chunks[i].gen);
	}
	for (i = last + 1; i-- > c;)
		unlock(i);
	atomic_fetch_add(trunc ? &truncates : &punches, 1);
	if (atomic_fetch_add(&iterations, 1) % FSYNC_EVERY ==
	    FSYNC_EVERY - 1) {
		t->doing = "fsync";
		if (fsync(fd))
			error("fsync: %s", strerror(errno));
		atomic_fetch_add(&fsyncs, 1);
	}
}

static void *mutator(void *arg)
{
	struct thr *t = arg;

	while (!atomic_load(&stop)) {
		if (maxiter && atomic_fetch_add(&claimed, 1) >= maxiter) {
			atomic_store(&stop, 1);
			break;
		}
		mutate(t);
	}
	t->doing = "done";
	return NULL;
}

/* --- pinners -------------------------------------------------------------- */

/*
 * After a pinner found wrong data: was the chunk cut since (the blocks
 * went away while referenced), or is the mapping wrong too?
 */
static void after_mismatch(struct thr *t, unsigned int c, uint64_t g,
			   unsigned long off, unsigned long len,
			   const char *via)
{
	uint64_t now_gen;

	if (atomic_load(&mismatches) > MAX_REPORTS)
		return;
	rdlock(t, c);
	now_gen = chunks[c].gen;
	if (now_gen == g) {
		printf("# %s mismatch: chunk %u is still at gen %llu, "
		       "checking the mapping\n", via, c,
		       (unsigned long long)g);
		map_check(c, g, off, len, "mapping after a mismatch");
	} else {
		printf("# %s mismatch: chunk %u was cut since, now gen %llu\n",
		       via, c, (unsigned long long)now_gen);
	}
	unlock(c);
}

/* Read n bytes that are in the (non-blocking) pipe: 0 or -1. */
static int pipe_read(struct thr *t, unsigned long n)
{
	unsigned long got = 0;
	ssize_t r;

	while (got < n) {
		r = read(t->pipe[0], (char *)t->buf + got, n - got);
		if (r > 0) {
			got += r;
			continue;
		}
		error("reading %lu bytes back from the vmsplice pipe: %s", n,
		      r ? strerror(errno) : "end of file");
		/* Drain what is left. */
		while (read(t->pipe[0], t->buf, MAX_PIN) > 0)
			;
		return -1;
	}
	return 0;
}

static void pin_vmsplice(struct thr *t, unsigned int c, unsigned long off,
			 unsigned long len)
{
	struct iovec iov = { map + c * CHUNK + off, len };
	ssize_t n;
	uint64_t g;

	rdlock(t, c);
	g = chunks[c].gen;
	t->doing = "vmsplice";
	n = vmsplice(t->pipe[1], &iov, 1, SPLICE_F_NONBLOCK);
	unlock(c);
	if (n <= 0) {
		error("vmsplice chunk %u [%#lx, %#lx): %s", c, off, off + len,
		      n ? strerror(errno) : "nothing spliced");
		return;
	}
	t->doing = "sleeping with pipe references";
	sleep_us(rnd(t) % 2001);
	t->doing = "reading the pipe";
	if (pipe_read(t, n))
		return;
	t->doing = "checking";
	if (check(t->buf, c, g, off, n & ~7UL, "vmsplice pipe"))
		after_mismatch(t, c, g, off, n & ~7UL, "vmsplice");
	atomic_fetch_add(&pins, 1);
	atomic_fetch_add(&kind_pins[K_VMSPLICE], 1);
}

static void pin_odirect(struct thr *t, unsigned int c, unsigned long off,
			unsigned long len)
{
	off_t slot = t->idx * MAX_PIN;
	ssize_t n;
	uint64_t g;

	rdlock(t, c);
	g = chunks[c].gen;
	t->doing = "O_DIRECT write";
	n = pwrite(dev_fd, map + c * CHUNK + off, len, slot);
	unlock(c);
	if (n != (ssize_t)len) {
		error("O_DIRECT write of chunk %u [%#lx, %#lx) to %s: %s", c,
		      off, off + len, dev_path, n < 0 ? strerror(errno) :
		      "short write");
		return;
	}
	t->doing = "O_DIRECT read";
	n = pread(dev_fd, t->buf, len, slot);
	if (n != (ssize_t)len) {
		error("O_DIRECT read of %lu bytes from %s: %s", len, dev_path,
		      n < 0 ? strerror(errno) : "short read");
		return;
	}
	t->doing = "checking";
	if (check(t->buf, c, g, off, len, "O_DIRECT copy"))
		after_mismatch(t, c, g, off, len, "O_DIRECT");
	atomic_fetch_add(&pins, 1);
	atomic_fetch_add(&kind_pins[K_ODIRECT], 1);
}

static void pin_gup(struct thr *t, unsigned int c, unsigned long off,
		    unsigned long len)
{
	unsigned int op = rnd(t) % 4;	/* gup_cmds[] but the long-term pin */
	struct gup_test gt = {
		.addr = (unsigned long)map + c * CHUNK + off,
		.size = len,
		.nr_pages_per_call = 1 + rnd(t) % 4,
		.gup_flags = rnd(t) % 2 ? FOLL_WRITE : 0,
	};
	uint64_t g;

	rdlock(t, c);
	g = chunks[c].gen;
	t->doing = gup_cmds[op].name;
	if (ioctl(gup_fd, gup_cmds[op].cmd, &gt))
		error("gup_test %s chunk %u [%#lx, %#lx): %s",
		      gup_cmds[op].name, c, off, off + len, strerror(errno));
	else if (gt.size != len)
		error("gup_test %s chunk %u [%#lx, %#lx): %llu of %lu bytes",
		      gup_cmds[op].name, c, off, off + len,
		      (unsigned long long)gt.size, len);
	else {
		atomic_fetch_add(&pins, 1);
		atomic_fetch_add(&kind_pins[K_GUP], 1);
	}
	t->doing = "checking after gup_test";
	map_check(c, g, off, len, "mapping after gup_test");
	unlock(c);
}

static void *pinner(void *arg)
{
	struct thr *t = arg;
	unsigned long npages, off;
	unsigned int c;

	while (!atomic_load(&stop)) {
		c = rnd(t) % NCHUNK;
		npages = 1 + rnd(t) % (MAX_PIN / PAGE);
		off = rnd(t) % (CHUNK / PAGE - npages + 1) * PAGE;
		switch (kinds[rnd(t) % nkinds]) {
		case K_VMSPLICE:
			pin_vmsplice(t, c, off, npages * PAGE);
			break;
		case K_ODIRECT:
			pin_odirect(t, c, off, npages * PAGE);
			break;
		default:
			pin_gup(t, c, off, npages * PAGE);
			break;
		}
	}
	t->doing = "done";
	return NULL;
}

/* --- verifier, watchdog --------------------------------------------------- */

static void *verifier(void *arg)
{
	struct thr *t = arg;
	unsigned int c = 0;

	while (!atomic_load(&stop)) {
		rdlock(t, c);
		t->doing = "checking the chunk";
		map_check(c, chunks[c].gen, 0, CHUNK, "mapping");
		unlock(c);
		atomic_fetch_add(&verifies, 1);
		c = (c + 1) % NCHUNK;
	}
	t->doing = "done";
	return NULL;
}

static void *watchdog(void *arg)
{
	double limit = *(double *)arg;
	int i;

	while (!atomic_load(&done)) {
		if (now() > limit) {
			dprintf(1, "# stuck: still running %u s after the "
				"end of the run\n", STUCK_SLACK);
			for (i = 0; i < NTHREAD; i++)
				dprintf(1, "# stuck: %s %d: %s (chunk %d)\n",
					thr[i].role, thr[i].idx,
					thr[i].doing ? thr[i].doing : "?",
					thr[i].chunk);
			_exit(1);
		}
		sleep_us(200000);
	}
	return NULL;
}

/* --- setup ---------------------------------------------------------------- */

/* Minor faults of this process so far. */
static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Map the file: 2 MiB aligned (pmd) or 4 KiB off it (pte). */
static char *map_file(void)
{
	unsigned long span = FILE_SIZE + 2 * HPAGE, r, a;
	void *p;

	p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	r = (unsigned long)p;
	a = ((r + HPAGE - 1) & ~(HPAGE - 1)) + (pmd_mode ? 0 : PAGE);
	p = mmap((void *)a, FILE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	if (a > r)
		munmap((void *)r, a - r);
	munmap((void *)(a + FILE_SIZE), r + span - (a + FILE_SIZE));
	return p;
}

/* The O_DIRECT scratch device: its fd, or -1 (with a note) if unusable. */
static int open_dev(void)
{
	unsigned long need = NPINNER * MAX_PIN;
	uint64_t size = 0;
	struct stat st;
	void *buf;
	int dfd;

	dfd = open(dev_path, O_RDWR | O_DIRECT);
	if (dfd < 0) {
		printf("# %s: cannot open O_DIRECT (%s): skipping the "
		       "O_DIRECT pinner\n", dev_path, strerror(errno));
		return -1;
	}
	if (fstat(dfd, &st))
		goto bad;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(dfd, BLKGETSIZE64, &size))
			goto bad;
	} else if (S_ISREG(st.st_mode)) {
		size = st.st_size;
		if (size < need && !ftruncate(dfd, need))
			size = need;
	}
	if (size < need) {
		printf("# %s: not a block device or file of at least %lu "
		       "bytes: skipping the O_DIRECT pinner\n", dev_path,
		       need);
		close(dfd);
		return -1;
	}
	buf = aligned_alloc(PAGE, PAGE);
	if (!buf)
		goto bad;
	memset(buf, 0, PAGE);
	if (pwrite(dfd, buf, PAGE, 0) != (ssize_t)PAGE ||
	    pread(dfd, buf, PAGE, 0) != (ssize_t)PAGE) {
		free(buf);
		goto bad;
	}
	free(buf);
	printf("# O_DIRECT pinner: %s\n", dev_path);
	return dfd;
bad:
	printf("# %s: O_DIRECT I/O fails (%s): skipping the O_DIRECT "
	       "pinner\n", dev_path, strerror(errno));
	close(dfd);
	return -1;
}

/* The gup_test fd, or -1 (with a note) if it is missing or fails. */
static int open_gup(void)
{
	struct gup_test gt = {
		.addr = (unsigned long)map,
		.size = PAGE,
		.nr_pages_per_call = 1,
	};
	int gfd = open(GUP_TEST_FILE, O_RDWR);

	if (gfd < 0) {
		printf("# %s: %s: skipping the gup_test pinner\n",
		       GUP_TEST_FILE, strerror(errno));
		return -1;
	}
	if (ioctl(gfd, PIN_FAST_BENCHMARK, &gt) || gt.size != PAGE) {
		printf("# %s: PIN_FAST_BENCHMARK of one page fails (%s): "
		       "skipping the gup_test pinner\n", GUP_TEST_FILE,
		       strerror(errno));
		close(gfd);
		return -1;
	}
	printf("# gup_test pinner: %s\n", GUP_TEST_FILE);
	return gfd;
}

static const char *fs_name(const char *dir)
{
	static char buf[32];
	struct statfs sf;

	if (statfs(dir, &sf))
		return NULL;
	switch ((unsigned long)sf.f_type) {
	case EXT4_MAGIC:
		return "ext4";
	case XFS_MAGIC:
		return "xfs";
	case TMPFS_MAGIC:
		return "tmpfs";
	}
	snprintf(buf, sizeof(buf), "%lx", (unsigned long)sf.f_type);
	return buf;
}

static unsigned long parse_ulong(const char *s, const char *what)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "stress_fsdax: bad %s '%s'\n", what, s);
		usage(2);
	}
	return v;
}

static void start(struct thr *t, const char *role, int idx,
		  void *(*fn)(void *))
{
	int e;

	t->role = role;
	t->idx = idx;
	t->chunk = -1;
	t->doing = "starting";
	t->rs = mix(seed + (t - thr) + 1) | 1;
	e = pthread_create(&t->tid, NULL, fn, t);
	if (e) {
		printf("# pthread_create: %s\n", strerror(e));
		exit(1);
	}
}

static void progress(double t)
{
	printf("# progress %.0f s: mutations %ld (truncates %ld, punches "
	       "%ld), pins %ld, verifier passes %ld, mismatches %ld, "
	       "errors %ld\n", t, atomic_load(&iterations),
	       atomic_load(&truncates), atomic_load(&punches),
	       atomic_load(&pins), atomic_load(&verifies),
	       atomic_load(&mismatches), atomic_load(&errors));
}

int main(int argc, char **argv)
{
	pthread_rwlockattr_t ra;
	long faults;
	struct sigaction sa;
	struct statx stx;
	char path[4096];
	double t0, end, limit, next, next_pmd, left;
	pthread_t wd;
	unsigned int c;
	int opt, i, n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--help"))
		usage(0);
	while ((opt = getopt(argc, argv, "+i:d:Fh")) != -1) {
		switch (opt) {
		case 'i':
			maxiter = parse_ulong(optarg, "MAXITER");
			break;
		case 'd':
			dev_path = optarg;
			break;
		case 'F':
			force = 1;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (argc - optind != 3)
		usage(2);
	seconds = parse_ulong(argv[optind + 1], "SECONDS");
	if (!strcmp(argv[optind + 2], "pmd"))
		pmd_mode = 1;
	else if (strcmp(argv[optind + 2], "pte"))
		usage(2);
	if (seconds > 1000000) {
		fprintf(stderr, "stress_fsdax: SECONDS too large\n");
		usage(2);
	}

	seed = mix((uint64_t)time(NULL) << 20 ^ getpid() ^
		   (uint64_t)(now() * 1e9));
	inv1 = inverse(MIX1);
	inv2 = inverse(MIX2);
	snprintf(path, sizeof(path), "%s/victim", argv[optind]);
	if (!fs_name(argv[optind])) {
		printf("# statfs %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	snprintf(name, sizeof(name), "fsdax-%s-%s", fs_name(argv[optind]),
		 pmd_mode ? "pmd" : "pte");

	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("# open %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx)) {
		printf("# statx %s: %s\n", path, strerror(errno));
		unlink(path);
		return 1;
	}
	if (!(stx.stx_attributes & STATX_ATTR_DAX)) {
		printf("# %s is not DAX (STATX_ATTR_DAX clear)%s\n", path,
		       force ? ": running anyway (-F)" : ": skip");
		if (!force) {
			close(fd);
			unlink(path);
			return 4;
		}
	}
	if (prealloc(0, FILE_SIZE, 0) && ftruncate(fd, FILE_SIZE)) {
		printf("# ftruncate %s to %lu bytes: %s\n", path, FILE_SIZE,
		       strerror(errno));
		unlink(path);
		return 1;
	}
	map = map_file();
	if (map == MAP_FAILED) {
		printf("# mmap %s: %s\n", path, strerror(errno));
		unlink(path);
		return 1;
	}
	printf("# %s: %s, %d chunks of %lu KiB mapped at %p (%s), seed "
	       "%#llx\n", name, path, NCHUNK, CHUNK >> 10, (void *)map,
	       pmd_mode ? "2 MiB aligned" : "4 KiB off 2 MiB alignment",
	       (unsigned long long)seed);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);

	pthread_rwlockattr_init(&ra);
	/* glibc prefers readers by default: the mutators would starve. */
	pthread_rwlockattr_setkind_np(&ra,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	faults = minflt();
	for (c = 0; c < NCHUNK; c++) {
		pthread_rwlock_init(&chunks[c].lock, &ra);
		chunks[c].gen = atomic_fetch_add(&gen_counter, 1) + 1;
		map_fill(c, chunks[c].gen);
	}
	faults = minflt() - faults;
	if (atomic_load(&errors)) {
		printf("# setup failed: stopping\n");
		unlink(path);
		return 1;
	}
	if (pmd_mode) {
		/* One fault per 2 MiB maps PMDs, one per 4 KiB PTEs. */
		pmd_kb = faults <= (long)(NCHUNK * (CHUNK / SZ_2M)) + 8 ?
			 NCHUNK * (CHUNK >> 10) : 0;
		printf("# first fill: %ld faults for %d 2 MiB ranges: %s\n",
		       faults, (int)(NCHUNK * (CHUNK / SZ_2M)),
		       pmd_kb ? "PMDs" : "PTEs, not PMDs");
	}

	kinds[nkinds++] = K_VMSPLICE;
	dev_fd = open_dev();
	if (dev_fd >= 0)
		kinds[nkinds++] = K_ODIRECT;
	gup_fd = open_gup();
	if (gup_fd >= 0)
		kinds[nkinds++] = K_GUP;

	n = 0;
	for (i = 0; i < NPINNER; i++) {
		struct thr *t = &thr[NMUTATOR + i];

		t->buf = aligned_alloc(PAGE, MAX_PIN);
		if (!t->buf || pipe2(t->pipe, O_NONBLOCK)) {
			printf("# pipe: %s\n", strerror(errno));
			return 1;
		}
		/* Room for MAX_PIN bytes, one page per slot. */
		if (fcntl(t->pipe[1], F_SETPIPE_SZ, MAX_PIN) < 0)
			printf("# F_SETPIPE_SZ: %s\n", strerror(errno));
	}

	t0 = now();
	end = t0 + seconds;
	limit = end + STUCK_SLACK;
	if (pthread_create(&wd, NULL, watchdog, &limit)) {
		printf("# pthread_create failed\n");
		return 1;
	}
	for (i = 0; i < NMUTATOR; i++)
		start(&thr[n++], "mutator", i, mutator);
	for (i = 0; i < NPINNER; i++)
		start(&thr[n++], "pinner", i, pinner);
	start(&thr[n++], "verifier", 0, verifier);

	next = t0 + PROGRESS_EVERY;
	next_pmd = t0 + 1;
	while (!atomic_load(&stop) && now() < end) {
		if (now() >= next) {
			progress(now() - t0);
			next += PROGRESS_EVERY;
		}
		if (now() >= next_pmd) {
			next_pmd = now() + 1;
		}
		left = end - now();
		if (left > 0)
			sleep_us(left < 0.1 ? left * 1e6 + 1 : 100000);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < NTHREAD; i++)
		pthread_join(thr[i].tid, NULL);

	/* Every chunk once more, alone. */
	for (c = 0; c < NCHUNK; c++)
		map_check(c, chunks[c].gen, 0, CHUNK, "final check");
	atomic_store(&done, 1);
	pthread_join(wd, NULL);

	munmap(map, FILE_SIZE);
	close(fd);
	if (unlink(path))
		error("unlink %s: %s", path, strerror(errno));
	if (dev_fd >= 0)
		close(dev_fd);
	if (gup_fd >= 0)
		close(gup_fd);
	for (i = 0; i < NPINNER; i++) {
		close(thr[NMUTATOR + i].pipe[0]);
		close(thr[NMUTATOR + i].pipe[1]);
		free(thr[NMUTATOR + i].buf);
	}

	printf("# %.1f s; pins by kind:", now() - t0);
	for (i = 0; i < NKIND; i++)
		printf(" %s %ld", kind_name[i], atomic_load(&kind_pins[i]));
	printf("; verifier passes %ld, hole checks %ld, fallocates %ld, "
	       "fsyncs %ld, last generation %lu\n", atomic_load(&verifies),
	       atomic_load(&zchecks), atomic_load(&fallocs),
	       atomic_load(&fsyncs), atomic_load(&gen_counter));
	printf("stress %s iterations %ld\n", name, atomic_load(&iterations));
	printf("stress %s mismatches %ld\n", name, atomic_load(&mismatches));
	printf("stress %s errors %ld\n", name, atomic_load(&errors));
	printf("stress %s expected_errors %ld\n", name,
	       atomic_load(&expected_errors));
	printf("stress %s truncates %ld\n", name, atomic_load(&truncates));
	printf("stress %s punches %ld\n", name, atomic_load(&punches));
	printf("stress %s pins %ld\n", name, atomic_load(&pins));
	if (pmd_mode && pmd_kb >= 0)
		printf("stress %s pmd_mapped %ld\n", name, pmd_kb);
	return atomic_load(&mismatches) || atomic_load(&errors);
}
