// SPDX-License-Identifier: GPL-2.0
/*
 * stress_hmm: stress the device-private pages of lib/test_hmm.c (the
 * "dmirror" driver) with migrations, forks, munmaps and killed processes,
 * then check that every device page went back to the driver at refcount 0.
 *
 *   stress_hmm [-n] [-i MAXITER] [-p NPROC] DEVICE SECONDS
 *
 * DEVICE is a device-private dmirror device, e.g. /dev/hmm_dmirror0.
 * NPROC worker processes (default 4) run for SECONDS, or until they have
 * done MAXITER iterations between them.  Each iteration of a worker maps
 * 1 to 64 pages of anonymous memory, or 2 MiB aligned on 2 MiB (with or
 * without MADV_HUGEPAGE), writes a pattern unique to (pid, iteration)
 * (sometimes leaving every 4th page untouched, which must read as zeros),
 * migrates it to the device with HMM_DMIRROR_MIGRATE_TO_DEV (and checks
 * the copy the driver returns), then does one of:
 *   a) read it back through the CPU (each page migrates back on fault);
 *   b) HMM_DMIRROR_MIGRATE_TO_SYS, then read it back;
 *   c) HMM_DMIRROR_READ through the device, then (half of the time)
 *      read it back through the CPU;
 *   d) fork: the child checks the data, writes its own pattern over the
 *      first half and exits; the worker checks (sometimes also while the
 *      child runs) that its own copy still has its own pattern;
 *   e) munmap the range while it is on the device;
 *   f) exit the worker right away with the range on the device.
 * Meanwhile the parent sends SIGKILL to a random worker every 0.2 to 1 s
 * and starts a new worker in place of every one that ended.  A worker's
 * exit also closes its device file, which makes the driver migrate every
 * device page of every process back to RAM (dmirror_fops_release()).
 *
 * At the end the parent stops the workers (SIGTERM, SIGKILL 10 s later),
 * reaps them and their children, then polls HMM_DMIRROR_COUNTERS for up to
 * 30 s until no device page is allocated any more (pages are freed as the
 * dead processes' mms are torn down).  That ioctl exists only with the
 * refcount-0 series applied; without it there is no leak check.
 *
 * -n is a dry run for testing this program: no device is opened, the
 * ioctls are emulated in user space (the data is copied, not migrated).
 *
 * Output: "# ..." comment lines, then
 *   stress hmm-private iterations N
 *   stress hmm-private mismatches N       data that read back wrong
 *   stress hmm-private errors N           unexpected errors
 *   stress hmm-private expected_errors N  EBUSY, EAGAIN, ENOMEM (and
 *                                         ENOENT from MIGRATE_TO_DEV: a
 *                                         page did not migrate)
 *   stress hmm-private kills N            workers killed by the parent
 *   stress hmm-private total N            device pages, all chunks
 *   stress hmm-private free N             on the driver's free list
 *   stress hmm-private free_busy N        on the free list, refcount != 0
 *   stress hmm-private allocated N        handed out, not freed
 *   stress hmm-private leaked N           the same as allocated
 *   stress hmm-private bad_alloc N
 *   stress hmm-private bad_free N
 * (total to bad_free: "stress hmm-private leaked n/a" instead, if the
 * kernel has no HMM_DMIRROR_COUNTERS or with -n).
 *
 * Exit: 0 if there was no mismatch and no error and, when checked,
 * allocated == 0, free == total, free_busy == 0, bad_alloc == 0 and
 * bad_free == 0; 1 otherwise (also "# stuck: ..." if the run exceeds
 * SECONDS + 120 s); 2 on bad usage; 4 if DEVICE does not exist.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define NAME		"hmm-private"
#define WORDS		(PAGE / sizeof(uint64_t))
#define PMD		(2UL << 20)
#define BIG_PAGES	(PMD / PAGE)
#define MAX_PAGES	64		/* small ranges: 1..MAX_PAGES pages */
#define MAX_NPROC	64
#define MAX_XMSGS	10		/* "# expected: ..." lines */
#define TERM_WAIT	10.0		/* SIGTERM to SIGKILL, seconds */
#define REAP_WAIT	60.0		/* SIGKILL to reaped, seconds */
#define FREE_WAIT	30.0		/* reaped to device pages all free */
#define CHILD_WAIT	60.0		/* a worker waits for its fork child */
#define PROGRESS	30.0		/* seconds between progress lines */
#define EXIT_COUNTED	3		/* worker: failure already counted */

enum { OP_CPU, OP_SYS, OP_READ, OP_FORK, OP_UNMAP, OP_EXIT, NR_OPS };
static const char op_names[] = "abcdef";

/* Figures shared by the parent, the workers and their fork children. */
struct shared {
	uint64_t iterations;
	uint64_t mismatches;
	uint64_t errors;
	uint64_t expected_errors;
	uint64_t msgs;		/* "# ..." lines printed for the above */
	uint64_t xmsgs;		/* "# expected: ..." lines printed */
	uint64_t migrated;	/* pages MIGRATE_TO_DEV copied */
	uint64_t to_sys;	/* pages MIGRATE_TO_SYS copied */
	uint64_t ops[NR_OPS];
};

/* The data expected in a range. */
struct pat {
	uint64_t base;		/* the owner's pattern */
	uint64_t cbase;		/* the fork child's pattern */
	unsigned long child_pages;	/* pages [0, this) have cbase */
	int holes;		/* every 4th page never written: zeros */
};

enum kind { K_MISMATCH, K_ERROR, K_EXPECTED };

static struct shared *sh;
static int dry;			/* -n */
static unsigned long maxiter;	/* -i, 0: no limit */
static const char *device;
static pid_t parent_pid;
static char ctx[96];		/* who is talking, for "# ..." lines */
static uint64_t rng;
static volatile sig_atomic_t stop;	/* worker: SIGTERM seen */

/* Parent: the workers, for the watchdog too. */
static volatile pid_t slot_pid[MAX_NPROC];
static int slot_killed[MAX_NPROC];	/* we sent SIGKILL: not an error */
static int nproc = 4;
static const char *volatile stage = "starting";

static void __attribute__((noreturn)) usage(int code)
{
	fprintf(code ? stderr : stdout,
"usage: stress_hmm [-n] [-i MAXITER] [-p NPROC] DEVICE SECONDS\n"
"  DEVICE    a device-private test_hmm device, e.g. /dev/hmm_dmirror0\n"
"  SECONDS   run time\n"
"  -i N      stop after N iterations in all\n"
"  -p N      worker processes, 1 to %d (default 4)\n"
"  -n        dry run: no device, the ioctls are emulated\n", MAX_NPROC);
	exit(code);
}

static void msleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static uint64_t add(uint64_t *v, uint64_t n)
{
	return __atomic_fetch_add(v, n, __ATOMIC_RELAXED);
}

static uint64_t get(uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

static uint64_t mix(uint64_t x)
{
	x += GOLDEN;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static unsigned long rnd(unsigned long n)
{
	return (unsigned long)(xorshift64(&rng) % n);
}

/* Count a mismatch, error or expected error; print the first few. */
static void __attribute__((format(printf, 2, 3)))
report(enum kind k, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (k == K_MISMATCH)
		add(&sh->mismatches, 1);
	else if (k == K_ERROR)
		add(&sh->errors, 1);
	else
		add(&sh->expected_errors, 1);
	if (k == K_EXPECTED ? add(&sh->xmsgs, 1) >= MAX_XMSGS :
	    add(&sh->msgs, 1) >= MAX_MSGS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("# %s%s: %s%s\n", k == K_EXPECTED ? "expected: " : "", ctx,
	       k == K_MISMATCH ? "mismatch: " : "", msg);
}

/* --- the device ---------------------------------------------------------- */

static const char *req_name(unsigned long req)
{
	return req == HMM_DMIRROR_READ ? "HMM_DMIRROR_READ" :
		req == HMM_DMIRROR_MIGRATE_TO_DEV ?
		"HMM_DMIRROR_MIGRATE_TO_DEV" : "HMM_DMIRROR_MIGRATE_TO_SYS";
}

/*
 * One dmirror ioctl on npages at addr, ptr the buffer of npages pages the
 * driver copies the data to (READ, MIGRATE_TO_DEV): 0 with the pages
 * copied in *cpages, or -errno.  With -n: emulated.
 */
static int dm_ioctl(int fd, unsigned long req, void *addr, void *ptr,
		    unsigned long npages, uint64_t *cpages)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)addr,
		.ptr = (uintptr_t)ptr,
		.npages = npages,
	};
	int ret;

	if (dry) {
		if (req != HMM_DMIRROR_MIGRATE_TO_SYS)
			memcpy(ptr, addr, npages * PAGE);
		*cpages = npages;
		return 0;
	}
	do
		ret = ioctl(fd, req, &cmd);
	while (ret && errno == EINTR);
	if (ret)
		return -errno;
	*cpages = cmd.cpages;
	return 0;
}

/* Contention or a full device, not a bug. */
static int expected_err(unsigned long req, int err)
{
	return err == EBUSY || err == EAGAIN || err == ENOMEM ||
		(req == HMM_DMIRROR_MIGRATE_TO_DEV && err == ENOENT);
}

/* An ioctl failed with -ret: count it. */
static void ioctl_failed(unsigned long req, int ret, unsigned long npages)
{
	report(expected_err(req, -ret) ? K_EXPECTED : K_ERROR,
	       "%s of %lu pages: %s", req_name(req), npages, strerror(-ret));
}

/* --- data ---------------------------------------------------------------- */

static int is_hole(const struct pat *pt, unsigned long page)
{
	return pt->holes && page >= pt->child_pages && page % 4 == 3;
}

static uint64_t want(const struct pat *pt, unsigned long page,
		     unsigned long word)
{
	uint64_t k = page * WORDS + word;

	if (page < pt->child_pages)
		return pt->cbase + k * GOLDEN;
	if (is_hole(pt, page))
		return 0;
	return pt->base + k * GOLDEN;
}

/* Write the pattern of pages [from, to), holes left alone. */
static void fill(uint64_t *p, unsigned long from, unsigned long to,
		 const struct pat *pt)
{
	unsigned long i, j;

	for (i = from; i < to; i++) {
		if (is_hole(pt, i))
			continue;
		for (j = 0; j < WORDS; j++)
			p[i * WORDS + j] = want(pt, i, j);
	}
}

/*
 * Check npages pages at p (a CPU read: device pages fault back to RAM),
 * or a copy of them: count one mismatch, print the first bad word.
 * Returns the number of bad pages.
 */
static unsigned long check(const uint64_t *p, unsigned long npages,
			   const struct pat *pt, const char *what)
{
	unsigned long i, j, bad = 0, bi = 0, bj = 0;
	uint64_t got = 0, exp = 0, child;
	const char *hint;

	for (i = 0; i < npages; i++) {
		for (j = 0; j < WORDS; j++)
			if (p[i * WORDS + j] != want(pt, i, j))
				break;
		if (j == WORDS)
			continue;
		if (!bad++) {
			bi = i;
			bj = j;
			got = p[i * WORDS + j];
			exp = want(pt, i, j);
		}
	}
	if (!bad)
		return 0;
	child = pt->cbase + (bi * WORDS + bj) * GOLDEN;
	hint = got == child && exp != child ? " (the fork child's data)" :
		got == 0 ? " (zero)" : "";
	report(K_MISMATCH, "%s: %lu of %lu pages bad, first page %lu word "
	       "%lu: %#llx%s, expected %#llx", what, bad, npages, bi, bj,
	       (unsigned long long)got, hint, (unsigned long long)exp);
	return bad;
}

/* --- a worker ------------------------------------------------------------ */

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGBUS or SIGSEGV on a CPU access: count, say where, exit. */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	char msg[200];
	int n;

	(void)uc;
	add(&sh->errors, 1);
	if (add(&sh->msgs, 1) < MAX_MSGS) {
		n = snprintf(msg, sizeof(msg), "# %s: %s at %p (a CPU access "
			     "to the range failed)\n", ctx,
			     sig == SIGBUS ? "SIGBUS" : "SIGSEGV", si->si_addr);
		if (n > 0 && write(1, msg, n) < 0)
			n = 0;
	}
	_exit(EXIT_COUNTED);
}

static void worker_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;		/* no SA_RESTART */
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* Die with the process that forked us; 0 if it is already gone. */
static int tie_to_parent(pid_t ppid)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	return getppid() == ppid;
}

/* Anonymous memory for npages pages; big: 2 MiB aligned.  NULL: failed. */
static uint64_t *map_range(unsigned long npages, int big)
{
	unsigned long len = npages * PAGE, a, head, tail;
	char *raw;

	if (!big)
		raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		raw = mmap(NULL, len + PMD, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		report(errno == ENOMEM ? K_EXPECTED : K_ERROR,
		       "mmap of %lu bytes: %s", len, strerror(errno));
		return NULL;
	}
	if (!big)
		return (uint64_t *)raw;
	a = ((uintptr_t)raw + PMD - 1) & ~(PMD - 1);
	head = a - (uintptr_t)raw;
	tail = PMD - head;
	if (head)
		munmap(raw, head);
	if (tail)
		munmap((char *)a + len, tail);
	/* THP or not: either may fail if THP is off, that is fine. */
	madvise((void *)a, len, rnd(2) ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return (uint64_t *)a;
}

static void unmap_range(uint64_t *p, unsigned long npages)
{
	if (munmap(p, npages * PAGE))
		report(K_ERROR, "munmap of %lu pages: %s", npages,
		       strerror(errno));
}

/* The fork child of op d: check, write the first half, check again. */
static void __attribute__((noreturn))
fork_child(uint64_t *p, unsigned long npages, const struct pat *pt,
	   pid_t wpid)
{
	struct pat cpt = *pt;
	unsigned long bad;

	if (!tie_to_parent(wpid))
		_exit(0);
	snprintf(ctx, sizeof(ctx), "fork child %d of worker %d", getpid(),
		 wpid);
	bad = check(p, npages, pt, "child, CPU read before writing");
	cpt.child_pages = (npages + 1) / 2;
	fill(p, 0, cpt.child_pages, &cpt);
	bad += check(p, npages, &cpt, "child, CPU read after writing");
	fflush(stdout);
	_exit(bad ? EXIT_COUNTED : 0);
}

/* Wait for the fork child, with a timeout. */
static void wait_child(pid_t pid)
{
	double end = now() + CHILD_WAIT;
	int st, killed = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			report(K_ERROR, "waitpid fork child %d: %s", pid,
			       strerror(errno));
			return;
		}
		if (now() > end) {
			if (killed) {
				report(K_ERROR, "stuck: fork child %d does "
				       "not exit after SIGKILL", pid);
				return;
			}
			report(K_ERROR, "stuck: fork child %d still running "
			       "after %.0f s: SIGKILL", pid, CHILD_WAIT);
			kill(pid, SIGKILL);
			killed = 1;
			end = now() + CHILD_WAIT;
		}
		msleep(2);
	}
	if (killed || (WIFEXITED(st) && (WEXITSTATUS(st) == 0 ||
					 WEXITSTATUS(st) == EXIT_COUNTED)))
		return;
	if (WIFSIGNALED(st))
		report(K_ERROR, "fork child %d killed by signal %d (%s)", pid,
		       WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		report(K_ERROR, "fork child %d exit status %d", pid,
		       WEXITSTATUS(st));
}

static void op_fork(uint64_t *p, unsigned long npages, const struct pat *pt)
{
	pid_t pid, wpid = getpid();

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		report(errno == EAGAIN || errno == ENOMEM ? K_EXPECTED :
		       K_ERROR, "fork: %s", strerror(errno));
		return;
	}
	if (!pid)
		fork_child(p, npages, pt, wpid);
	if (rnd(2))
		check(p, npages, pt, "CPU read while the fork child runs");
	wait_child(pid);
	check(p, npages, pt, "CPU read after the fork child exited");
}

/* One iteration; returns only if the worker goes on. */
static void iteration(int fd, uint64_t *mirror, unsigned long iter)
{
	int big = !rnd(8), op, ret;
	unsigned long npages = big ? BIG_PAGES : 1 + rnd(MAX_PAGES);
	uint64_t seed = (uint64_t)getpid() << 32 | (uint32_t)iter;
	struct pat pt = {
		.base = mix(seed),
		.cbase = mix(~seed),
		.holes = !rnd(8),
	};
	uint64_t cpages, *p;

	op = rnd(16);
	op = op < 3 ? OP_CPU : op < 6 ? OP_SYS : op < 9 ? OP_READ :
		op < 12 ? OP_FORK : op < 15 ? OP_UNMAP : OP_EXIT;
	snprintf(ctx, sizeof(ctx), "worker %d iteration %lu op %c, %lu "
		 "pages%s%s", getpid(), iter, op_names[op], npages,
		 big ? " 2M-aligned" : "", pt.holes ? " with holes" : "");
	p = map_range(npages, big);
	if (!p)
		return;
	fill(p, 0, npages, &pt);

	ret = dm_ioctl(fd, HMM_DMIRROR_MIGRATE_TO_DEV, p, mirror, npages,
		       &cpages);
	if (ret) {
		ioctl_failed(HMM_DMIRROR_MIGRATE_TO_DEV, ret, npages);
	} else {
		add(&sh->migrated, cpages);
		if (cpages != npages)
			report(K_ERROR, "MIGRATE_TO_DEV copied %llu of %lu "
			       "pages", (unsigned long long)cpages, npages);
		check(mirror, cpages < npages ? cpages : npages, &pt,
		      "MIGRATE_TO_DEV copy");
	}

	add(&sh->ops[op], 1);
	switch (op) {
	case OP_CPU:
		check(p, npages, &pt, "CPU read");
		break;
	case OP_SYS:
		ret = dm_ioctl(fd, HMM_DMIRROR_MIGRATE_TO_SYS, p, NULL,
			       npages, &cpages);
		if (ret)
			ioctl_failed(HMM_DMIRROR_MIGRATE_TO_SYS, ret, npages);
		else
			add(&sh->to_sys, cpages);
		check(p, npages, &pt, "CPU read after MIGRATE_TO_SYS");
		break;
	case OP_READ:
		ret = dm_ioctl(fd, HMM_DMIRROR_READ, p, mirror, npages,
			       &cpages);
		if (ret)
			ioctl_failed(HMM_DMIRROR_READ, ret, npages);
		else
			check(mirror, npages, &pt, "HMM_DMIRROR_READ copy");
		if (rnd(2))
			check(p, npages, &pt, "CPU read after READ");
		break;
	case OP_FORK:
		op_fork(p, npages, &pt);
		break;
	case OP_UNMAP:
		break;
	case OP_EXIT:
		add(&sh->iterations, 1);
		fflush(stdout);
		_exit(0);
	}
	unmap_range(p, npages);
	add(&sh->iterations, 1);
}

static void __attribute__((noreturn)) worker(void)
{
	unsigned long iter;
	uint64_t *mirror;
	int fd = -1;

	worker_signals();
	if (!tie_to_parent(parent_pid))
		_exit(0);
	rng = mix((uint64_t)getpid() << 32 ^ (uint64_t)(now() * 1e9)) | 1;
	snprintf(ctx, sizeof(ctx), "worker %d", getpid());
	if (!dry) {
		fd = open(device, O_RDWR);
		if (fd < 0) {
			report(errno == ENOMEM ? K_EXPECTED : K_ERROR,
			       "open %s: %s", device, strerror(errno));
			fflush(stdout);
			_exit(EXIT_COUNTED);
		}
	}
	/* The copy buffer of READ and MIGRATE_TO_DEV. */
	mirror = mmap(NULL, PMD, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mirror == MAP_FAILED) {
		report(K_ERROR, "mmap of the copy buffer: %s",
		       strerror(errno));
		fflush(stdout);
		_exit(EXIT_COUNTED);
	}
	for (iter = 0; !stop; iter++) {
		if (maxiter && get(&sh->iterations) >= maxiter)
			break;
		iteration(fd, mirror, iter);
	}
	if (fd >= 0)
		close(fd);
	fflush(stdout);
	_exit(0);
}

/* --- the parent ---------------------------------------------------------- */

/*
 * Watchdog: SECONDS + STUCK_SLACK have passed.  Kill the workers (their
 * fork children die with them), reap what dies within 5 s, exit.
 */
static void on_alarm(int sig)
{
	struct timespec ts = { 0, 10000000 };
	char msg[200];
	pid_t r;
	int i, n;

	(void)sig;
	for (i = 0; i < nproc; i++)
		if (slot_pid[i] > 0)
			kill(slot_pid[i], SIGKILL);
	n = snprintf(msg, sizeof(msg), "# stuck: %s\n", stage);
	if (n > 0 && write(1, msg, n) < 0)
		n = 0;
	for (i = 0; i < 500; i++) {
		while ((r = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (r < 0 && errno == ECHILD)
			break;
		nanosleep(&ts, NULL);
	}
	_exit(1);
}

static void spawn(int i)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		report(errno == EAGAIN || errno == ENOMEM ? K_EXPECTED :
		       K_ERROR, "fork of a worker: %s", strerror(errno));
		return;
	}
	if (!pid)
		worker();
	slot_killed[i] = 0;
	slot_pid[i] = pid;
}

static int live_workers(void)
{
	int i, n = 0;

	for (i = 0; i < nproc; i++)
		n += slot_pid[i] > 0;
	return n;
}

/* A worker ended with status st. */
static void worker_ended(int i, int st, int stopping)
{
	pid_t pid = slot_pid[i];

	slot_pid[i] = 0;
	if (WIFEXITED(st) && (WEXITSTATUS(st) == 0 ||
			      WEXITSTATUS(st) == EXIT_COUNTED))
		return;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL &&
	    (slot_killed[i] || stopping))
		return;
	if (WIFSIGNALED(st))
		report(K_ERROR, "worker %d killed by signal %d (%s)", pid,
		       WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		report(K_ERROR, "worker %d exit status %d", pid,
		       WEXITSTATUS(st));
}

/*
 * Reap what has ended: workers, and their fork children that we inherit
 * as the subreaper when a worker dies first.  Returns -1 once there is no
 * child left at all.
 */
static int reap(int stopping)
{
	pid_t pid;
	int i, st;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return errno == ECHILD ? -1 : 0;
		if (!pid)
			return 0;
		for (i = 0; i < nproc; i++)
			if (slot_pid[i] == pid)
				worker_ended(i, st, stopping);
	}
}

static void kill_one(uint64_t *kills)
{
	int i, n = live_workers(), k;

	if (!n)
		return;
	k = rnd(n);
	for (i = 0; i < nproc; i++) {
		if (slot_pid[i] <= 0 || k--)
			continue;
		slot_killed[i] = 1;
		if (!kill(slot_pid[i], SIGKILL))
			(*kills)++;
		return;
	}
}

static int iter_limit(void)
{
	return maxiter && get(&sh->iterations) >= maxiter;
}

static void progress(double t0, uint64_t kills)
{
	printf("# %.0f s: iterations %llu, kills %llu, mismatches %llu, "
	       "errors %llu, expected_errors %llu\n", now() - t0,
	       (unsigned long long)get(&sh->iterations),
	       (unsigned long long)kills,
	       (unsigned long long)get(&sh->mismatches),
	       (unsigned long long)get(&sh->errors),
	       (unsigned long long)get(&sh->expected_errors));
}

/* Run the workers for seconds; returns the number of kills. */
static uint64_t run(unsigned long seconds)
{
	double t0 = now(), end = t0 + seconds, t;
	double next_kill = t0 + 0.2 + rnd(801) / 1000.0;
	double next_progress = t0 + PROGRESS;
	uint64_t kills = 0;
	int i;

	stage = "running the workers";
	while ((t = now()) < end && !iter_limit()) {
		reap(0);
		for (i = 0; i < nproc && !iter_limit(); i++)
			if (slot_pid[i] <= 0)
				spawn(i);
		if (t >= next_kill) {
			kill_one(&kills);
			next_kill = t + 0.2 + rnd(801) / 1000.0;
		}
		if (t >= next_progress) {
			progress(t0, kills);
			next_progress = t + PROGRESS;
		}
		msleep(20);
	}
	printf("# stopping after %.1f s\n", now() - t0);
	return kills;
}

/* Stop the workers, reap everything.  Exits if something will not die. */
static void stop_all(void)
{
	double end;
	int i, n;

	stage = "stopping the workers (SIGTERM)";
	for (i = 0; i < nproc; i++)
		if (slot_pid[i] > 0)
			kill(slot_pid[i], SIGTERM);
	end = now() + TERM_WAIT;
	while (live_workers() && now() < end) {
		reap(1);
		msleep(10);
	}
	n = live_workers();
	if (n) {
		printf("# %d workers still running %.0f s after SIGTERM: "
		       "SIGKILL\n", n, TERM_WAIT);
		for (i = 0; i < nproc; i++)
			if (slot_pid[i] > 0)
				kill(slot_pid[i], SIGKILL);
	}
	stage = "reaping the workers and their children";
	end = now() + REAP_WAIT;
	while (reap(1) != -1) {
		if (now() > end) {
			printf("# stuck: %d workers (or their fork children) "
			       "still there %.0f s after SIGKILL\n",
			       live_workers(), REAP_WAIT);
			exit(1);
		}
		msleep(10);
	}
}

/*
 * Poll the device counters until no page is allocated.  Returns 1 and
 * fills *c if the kernel has HMM_DMIRROR_COUNTERS, 0 if not.
 */
static int counters(struct hmm_dmirror_counters *c)
{
	double end = now() + FREE_WAIT;
	int fd, ret = 0;

	stage = "waiting for the device pages to be freed";
	fd = open(device, O_RDWR);
	if (fd < 0) {
		report(K_ERROR, "open %s for the counters: %s", device,
		       strerror(errno));
		return 0;
	}
	for (;;) {
		memset(c, 0, sizeof(*c));
		if (ioctl(fd, HMM_DMIRROR_COUNTERS, c)) {
			if (errno == EINTR)
				continue;
			if (errno != ENOTTY && errno != EINVAL)
				report(K_ERROR, "HMM_DMIRROR_COUNTERS: %s",
				       strerror(errno));
			else
				printf("# HMM_DMIRROR_COUNTERS not supported "
				       "by this kernel: no leak check\n");
			break;
		}
		ret = 1;
		if (!c->allocated && c->free == c->total)
			break;
		if (now() > end) {
			printf("# %llu device pages still allocated %.0f s "
			       "after the workers were reaped\n",
			       (unsigned long long)c->allocated, FREE_WAIT);
			break;
		}
		msleep(200);
	}
	close(fd);
	return ret;
}

/* Before the run: is the device there; note pages already in use. */
static void check_device(void)
{
	struct hmm_dmirror_counters c = { 0 };
	struct stat st;
	int fd;

	if (stat(device, &st)) {
		printf("# %s: %s (is test_hmm loaded?): skip\n", device,
		       strerror(errno));
		exit(4);
	}
	if (!S_ISCHR(st.st_mode)) {
		printf("# %s: not a character device: skip\n", device);
		exit(4);
	}
	fd = open(device, O_RDWR);
	if (fd < 0) {
		printf("# open %s: %s\n", device, strerror(errno));
		exit(errno == ENOENT || errno == ENXIO || errno == ENODEV ?
		     4 : 1);
	}
	if (!ioctl(fd, HMM_DMIRROR_COUNTERS, &c))
		printf("# before the run: total %llu free %llu allocated "
		       "%llu\n", (unsigned long long)c.total,
		       (unsigned long long)c.free,
		       (unsigned long long)c.allocated);
	close(fd);
}

static unsigned long parse(const char *s, const char *what,
			   unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max) {
		fprintf(stderr, "stress_hmm: bad %s '%s' (%lu to %lu)\n",
			what, s, min, max);
		usage(2);
	}
	return v;
}

static void print_figure(const char *key, uint64_t v)
{
	printf("stress " NAME " %s %llu\n", key, (unsigned long long)v);
}

int main(int argc, char **argv)
{
	struct hmm_dmirror_counters c;
	unsigned long seconds;
	int opt, have = 0, fail, i;
	uint64_t kills;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "+hni:p:")) != -1) {
		switch (opt) {
		case 'n':
			dry = 1;
			break;
		case 'i':
			maxiter = parse(optarg, "-i MAXITER", 1, ULONG_MAX);
			break;
		case 'p':
			nproc = parse(optarg, "-p NPROC", 1, MAX_NPROC);
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (argc - optind != 2)
		usage(2);
	device = argv[optind];
	seconds = parse(argv[optind + 1], "SECONDS", 1, 10000000);

	parent_pid = getpid();
	rng = mix((uint64_t)parent_pid << 32 ^ (uint64_t)(now() * 1e9)) | 1;
	snprintf(ctx, sizeof(ctx), "parent");
	sh = shared_alloc(sizeof(*sh));
	if (!sh) {
		printf("# mmap of the shared counters: %s\n",
		       strerror(errno));
		return 1;
	}
	if (!dry)
		check_device();
	printf("# " NAME ": %s, %d workers, %lu s%s%s\n", device, nproc,
	       seconds, maxiter ? ", iteration limit" : "",
	       dry ? ", dry run (ioctls emulated)" : "");
	signal(SIGALRM, on_alarm);
	alarm(seconds + STUCK_SLACK);
	/* Fork children of dead workers come to us, to be reaped. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		report(K_ERROR, "prctl(PR_SET_CHILD_SUBREAPER): %s",
		       strerror(errno));

	kills = run(seconds);
	stop_all();
	if (dry)
		printf("# dry run: no leak check\n");
	else
		have = counters(&c);
	alarm(0);

	printf("# ops:");
	for (i = 0; i < NR_OPS; i++)
		printf(" %c %llu", op_names[i],
		       (unsigned long long)get(&sh->ops[i]));
	printf("; pages migrated to the device %llu, back by "
	       "MIGRATE_TO_SYS %llu\n", (unsigned long long)get(&sh->migrated),
	       (unsigned long long)get(&sh->to_sys));
	if (!dry && get(&sh->iterations) && !get(&sh->migrated))
		report(K_ERROR, "no page was migrated to the device: "
		       "nothing was tested");

	print_figure("iterations", get(&sh->iterations));
	print_figure("mismatches", get(&sh->mismatches));
	print_figure("errors", get(&sh->errors));
	print_figure("expected_errors", get(&sh->expected_errors));
	print_figure("kills", kills);
	fail = get(&sh->mismatches) || get(&sh->errors);
	if (have) {
		print_figure("total", c.total);
		print_figure("free", c.free);
		print_figure("free_busy", c.free_busy);
		print_figure("allocated", c.allocated);
		print_figure("leaked", c.allocated);
		print_figure("bad_alloc", c.bad_alloc);
		print_figure("bad_free", c.bad_free);
		printf("# device pages handed out %llu, given back %llu\n",
		       (unsigned long long)c.nr_alloc,
		       (unsigned long long)c.nr_free);
		if (c.allocated || c.free != c.total || c.free_busy ||
		    c.bad_alloc || c.bad_free) {
			printf("# leak check failed\n");
			fail = 1;
		}
	} else {
		printf("stress " NAME " leaked n/a\n");
	}
	return fail;
}
