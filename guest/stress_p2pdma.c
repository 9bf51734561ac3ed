// SPDX-License-Identifier: GPL-2.0
/*
 * stress_p2pdma: allocate, share, pin and free PCI P2PDMA memory from user
 * space in many processes, some of them killed while they hold it, and
 * check that every page goes back to the pool.
 *
 *   stress_p2pdma [-i MAXITER] [-p NPROC] [-b BOUNCE] [-n] PCIDEV SECONDS
 *
 * PCIDEV is the sysfs directory of a PCI device with P2P memory, e.g.
 * /sys/bus/pci/devices/0000:00:04.0, with a p2pmem/ subdirectory.  Its
 * p2pmem/available is read at the start.  For SECONDS (and at most MAXITER
 * worker iterations in all, if given) NPROC worker processes (default 3,
 * at most 32) loop: open p2pmem/allocate, mmap() 1 to 16 pages of it (1 in
 * 8 times up to 256 pages, at most available / (2 * NPROC)), write a
 * pattern unique to (pid, iteration) and check it; 1 in 4 times fork a
 * child that checks the pattern through the inherited mapping and half of
 * the time writes a new one that its parent then checks; 1 in 4 times pin
 * the pages by an O_DIRECT write from the mapping to BOUNCE (default
 * /dev/ram0, "-" for none; bytes [2 MiB, 4 MiB), 64 KiB per worker), read
 * back and checked if the kernel allowed it (EFAULT, EOPNOTSUPP and
 * EREMOTEIO are expected_errors: the block layer refuses P2P pages it
 * cannot DMA to); sometimes hold the mapping 0-2 ms; check again, munmap,
 * close.  mmap() failing with ENOMEM (pool full or fragmented) is an
 * expected error too.
 *
 * Meanwhile the parent SIGKILLs a random worker every 20-300 ms, preferably
 * one holding a mapping, reaps it and starts a new one in its place.
 *
 * The parent is a child subreaper, so that it also reaps the checking
 * children of killed workers (they get SIGKILL when their worker dies).
 * At the end, after every process is reaped, p2pmem/available is polled
 * for up to 30 s until it is back to its start value.
 *
 * -n is a dry run for testing this program without a device: anonymous
 * shared memory instead of p2pmem/allocate, and a constant "available".
 *
 * Output: "# ..." lines, then
 *   stress p2pdma iterations N         worker iterations
 *   stress p2pdma mismatches N         data verification failures
 *   stress p2pdma errors N             unexpected errors
 *   stress p2pdma expected_errors N    ENOMEM from mmap, refused pins
 *   stress p2pdma kills N              workers SIGKILLed by the parent
 *   stress p2pdma forks N              children that checked a mapping
 *   stress p2pdma pins N               O_DIRECT writes tried from a mapping
 *   stress p2pdma available_start N    bytes
 *   stress p2pdma available_end N      bytes
 *   stress p2pdma leaked_bytes N       available_start - available_end
 *
 * Exit status: 0 if there was no mismatch, no error and no leak, 1
 * otherwise, 2 on bad usage, 4 if PCIDEV has no p2pmem or no free P2P
 * memory (skip).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define NAME		"p2pdma"
#define CHUNK		(64UL << 10)	/* a worker's part of BOUNCE */
#define BOUNCE_BASE	(2UL << 20)
#define MAX_NPROC	32
#define MAX_PAGES	256
#define CHILD_WAIT_MS	30000
#define KILL_WAIT_MS	30000
#define WORKER_WAIT_MS	30000
#define LEAK_WAIT_MS	30000
#define PROGRESS_MS	30000
#define DRY_AVAILABLE	(4UL << 20)

/* Exit codes of the checking child. */
#define CHILD_OK	0
#define CHILD_WROTE	4
#define CHILD_BAD	3

struct slot {
	pid_t pid;
	int holding;		/* has a mapping right now */
	int killed;		/* SIGKILLed by the parent */
};

/* Shared by all processes (MAP_SHARED anonymous). */
struct shared {
	int stop;
	int msgs;
	long claimed;		/* iteration numbers handed out */
	long iterations, mismatches, errors, expected, kills, forks, pins;
	struct slot slot[MAX_NPROC];
};

static struct shared *sh;
static char dir[PATH_MAX], allocpath[PATH_MAX + 32];
static const char *bounce = "/dev/ram0";
static int nproc = 3, dry, seconds, have_bounce;
static long maxiter;
static unsigned long avail_start, maxpages;
static long long deadline;
static const char *volatile phase = "start";
static uint64_t rng;

/* Worker state. */
static int me;			/* slot number */
static int bfd = -1;
static char *tmp;		/* CHUNK bytes of anonymous memory */

/* --- utilities ---------------------------------------------------------- */

/* Count one more in *ctr and say why, for the first MAX_MSGS reports. */
#define complain(ctr, ...)	complain_to(&sh->msgs, ctr, __VA_ARGS__)

static long add(long *ctr, long v)
{
	return __atomic_add_fetch(ctr, v, __ATOMIC_SEQ_CST);
}

static uint64_t rnd(void)
{
	return xorshift64(&rng);
}

static void seed_rnd(void)
{
	rng = (uint64_t)getpid() * GOLDEN ^ now_ms() ^ 1;
}

static int stopping(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST) ||
	       now_ms() >= deadline;
}

/* 0 if p holds the pattern, else 1 after complaining about it. */
static int check(const volatile uint64_t *p, unsigned long len,
		 uint64_t seed, const char *who, long n, const char *what)
{
	uint64_t got = 0;
	long off = pattern_differs(p, len, seed, &got);

	if (off < 0)
		return 0;
	complain(&sh->mismatches,
		 "%s, iteration %ld, %s: word at %#lx of %lu bytes is %#llx, want %#llx",
		 who, n, what, off, len, (unsigned long long)got,
		 (unsigned long long)pattern_word(seed, off / 8));
	return 1;
}

static int read_available(unsigned long *v)
{
	char path[PATH_MAX + 32];

	if (dry) {
		*v = DRY_AVAILABLE;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/p2pmem/available", dir);
	return read_ulong(path, v);
}

/* --- worker ------------------------------------------------------------- */

/*
 * Fork a child that checks the mapping and may write a new pattern: 1 if
 * the child found a mismatch (and counted it), else 0.
 */
static int fork_check(char *p, unsigned long len, uint64_t *seed, long n)
{
	pid_t parent = getpid(), pid;
	int status;

	pid = fork();
	if (pid < 0) {
		complain(&sh->errors, "worker %d: fork: %s", me,
			 strerror(errno));
		return 0;
	}
	if (pid == 0) {
		/* Go away with the worker if it is killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(CHILD_OK);
		seed_rnd();
		if (check((volatile uint64_t *)p, len, *seed,
			  "forked child", n, "inherited mapping"))
			_exit(CHILD_BAD);
		if (rnd() % 2) {
			pattern_fill((volatile uint64_t *)p, len,
				     *seed ^ (1ULL << 63));
			_exit(CHILD_WROTE);
		}
		_exit(CHILD_OK);
	}
	add(&sh->forks, 1);
	if (wait_timeout(pid, CHILD_WAIT_MS, &status)) {
		complain(&sh->errors, "worker %d: child %d did not exit within %d ms",
			 me, (int)pid, CHILD_WAIT_MS);
		kill(pid, SIGKILL);
		wait_timeout(pid, CHILD_WAIT_MS, &status);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_BAD)
		return 1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_WROTE)
		*seed ^= 1ULL << 63;
	else if (WIFSIGNALED(status) || WEXITSTATUS(status) != CHILD_OK)
		complain(&sh->errors, "worker %d: child %s %d", me,
			 WIFSIGNALED(status) ? "killed by signal" : "exit",
			 WIFSIGNALED(status) ? WTERMSIG(status) :
			 WEXITSTATUS(status));
	return 0;
}

/* O_DIRECT write from the mapping: the block layer pins its pages. */
static void pin_check(char *p, unsigned long len, uint64_t seed, long n)
{
	unsigned long blen = len < CHUNK ? len : CHUNK;
	off_t boff = BOUNCE_BASE + (off_t)me * CHUNK;
	ssize_t r;

	add(&sh->pins, 1);
	r = pwrite(bfd, p, blen, boff);
	if (r < 0 && (errno == EFAULT || errno == EOPNOTSUPP ||
		      errno == EREMOTEIO)) {
		add(&sh->expected, 1);
		return;
	}
	if (r < 0) {
		complain(&sh->errors, "worker %d: O_DIRECT write of %lu bytes from P2P memory: %s",
			 me, blen, strerror(errno));
		return;
	}
	if (r != (ssize_t)blen) {	/* pinned part of it */
		add(&sh->expected, 1);
		blen = r & ~(PAGE - 1);
	}
	if (!blen)
		return;
	r = pread(bfd, tmp, blen, boff);
	if (r != (ssize_t)blen) {
		complain(&sh->errors, "worker %d: O_DIRECT read of %s: %s",
			 me, bounce, r < 0 ? strerror(errno) : "short");
		return;
	}
	check((volatile uint64_t *)tmp, blen, seed, "worker", n,
	      "O_DIRECT copy of the mapping");
}

static void worker_iteration(long n)
{
	unsigned long np, len;
	uint64_t seed;
	char *p;
	int fd = -1;

	if (!dry) {
		fd = open(allocpath, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			complain(&sh->errors, "worker %d: open %s: %s", me,
				 allocpath, strerror(errno));
			sleep_us(10000);
			return;
		}
	}
	np = 1 + rnd() % (maxpages < 16 ? maxpages : 16);
	if (maxpages > 16 && rnd() % 8 == 0)
		np = 17 + rnd() % (maxpages - 16);
	len = np * PAGE;
	if (dry)
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	else
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		if (errno == ENOMEM)
			add(&sh->expected, 1);
		else
			complain(&sh->errors, "worker %d: mmap of %lu bytes: %s",
				 me, len, strerror(errno));
		if (fd >= 0)
			close(fd);
		sleep_us(1000);
		return;
	}
	sh->slot[me].holding = 1;

	seed = (uint64_t)getpid() << 32 | (uint32_t)n;
	pattern_fill((volatile uint64_t *)p, len, seed);
	if (check((volatile uint64_t *)p, len, seed, "worker", n,
		  "mapping after write"))
		goto out;
	if (rnd() % 4 == 0 && fork_check(p, len, &seed, n))
		goto out;
	if (have_bounce && rnd() % 4 == 0)
		pin_check(p, len, seed, n);
	if (rnd() % 4 == 0)
		sleep_us(rnd() % 2001);
	check((volatile uint64_t *)p, len, seed, "worker", n,
	      "mapping before munmap");
out:
	if (munmap(p, len))
		complain(&sh->errors, "worker %d: munmap: %s", me,
			 strerror(errno));
	sh->slot[me].holding = 0;
	if (fd >= 0 && close(fd))
		complain(&sh->errors, "worker %d: close: %s", me,
			 strerror(errno));
}

static void on_worker_alarm(int sig)
{
	(void)sig;
	out("# stuck: worker %d", me);
	_exit(1);
}

static int worker(int slot)
{
	long n;

	me = slot;
	seed_rnd();
	signal(SIGALRM, on_worker_alarm);
	alarm(seconds + STUCK_SLACK - 10);
	tmp = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tmp == MAP_FAILED) {
		complain(&sh->errors, "worker %d: mmap: %s", me,
			 strerror(errno));
		return 1;
	}
	if (have_bounce) {
		bfd = open(bounce, O_RDWR | O_DIRECT | O_CLOEXEC);
		if (bfd < 0) {
			complain(&sh->errors, "worker %d: open %s: %s", me,
				 bounce, strerror(errno));
			have_bounce = 0;
		}
	}
	while (!stopping()) {
		n = __atomic_fetch_add(&sh->claimed, 1, __ATOMIC_SEQ_CST);
		if (maxiter && n >= maxiter)
			break;
		worker_iteration(n);
		add(&sh->iterations, 1);
	}
	if (bfd >= 0)
		close(bfd);
	return 0;
}

/* --- parent ------------------------------------------------------------- */

static void on_alarm(int sig)
{
	int i;

	(void)sig;
	sh->stop = 1;
	for (i = 0; i < nproc; i++)
		if (sh->slot[i].pid > 0)
			kill(sh->slot[i].pid, SIGKILL);
	out("# stuck: %s", phase);
	_exit(1);
}

static int done(void)
{
	return stopping() ||
	       (maxiter && __atomic_load_n(&sh->claimed, __ATOMIC_SEQ_CST) >=
			   maxiter);
}

static void spawn(int i)
{
	pid_t pid;

	sh->slot[i].holding = 0;
	sh->slot[i].killed = 0;
	pid = fork();
	if (pid < 0) {
		complain(&sh->errors, "fork: %s", strerror(errno));
		sh->slot[i].pid = 0;
		return;
	}
	if (pid == 0)
		_exit(worker(i));
	sh->slot[i].pid = pid;
}

/* A worker went away: was it our kill, a clean exit or a failure? */
static void reaped(int i, int status)
{
	struct slot *s = &sh->slot[i];

	if (s->killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		add(&sh->kills, 1);
	else if (WIFSIGNALED(status))
		complain(&sh->errors, "worker %d killed by signal %d", i,
			 WTERMSIG(status));
	else if (WEXITSTATUS(status))
		complain(&sh->errors, "worker %d exited with %d", i,
			 WEXITSTATUS(status));
	s->pid = 0;
	s->holding = 0;
}

static int slot_of(pid_t pid)
{
	int i;

	for (i = 0; i < nproc; i++)
		if (sh->slot[i].pid == pid)
			return i;
	return -1;
}

/* Reap the workers that exited by themselves; restart them if not done. */
static void reap_exited(void)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		i = slot_of(pid);
		if (i < 0)
			continue;
		reaped(i, status);
		if (!done())
			spawn(i);
	}
}

/* SIGKILL one worker, preferably one that holds a mapping. */
static void kill_one(void)
{
	int i, j, status;
	pid_t pid;

	i = rnd() % nproc;
	for (j = 0; j < nproc; j++) {
		int k = (i + j) % nproc;

		if (sh->slot[k].pid > 0 && sh->slot[k].holding) {
			i = k;
			break;
		}
	}
	pid = sh->slot[i].pid;
	if (pid <= 0)
		return;
	phase = "killing a worker";
	sh->slot[i].killed = 1;
	kill(pid, SIGKILL);
	if (wait_timeout(pid, KILL_WAIT_MS, &status)) {
		complain(&sh->errors, "worker %d (pid %d) still there %d ms after SIGKILL",
			 i, (int)pid, KILL_WAIT_MS);
		return;		/* reaped at the end, or stuck */
	}
	reaped(i, status);
	if (!done())
		spawn(i);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
"usage: stress_p2pdma [-i MAXITER] [-p NPROC] [-b BOUNCE] [-n] PCIDEV SECONDS\n"
"  PCIDEV      /sys/bus/pci/devices/DDDD:BB:DD.F with a p2pmem/ directory\n"
"  -i MAXITER  stop after MAXITER worker iterations in all\n"
"  -p NPROC    worker processes, 1 to %d (default 3)\n"
"  -b BOUNCE   block device for O_DIRECT, - for none (default /dev/ram0)\n"
"  -n          dry run: anonymous memory instead of p2pmem, no sysfs\n",
		MAX_NPROC);
	exit(2);
}

static void setup(void)
{
	char path[PATH_MAX + 32];
	unsigned long size = 0;

	if (!dry) {
		snprintf(allocpath, sizeof(allocpath), "%s/p2pmem/allocate",
			 dir);
		if (access(allocpath, F_OK)) {
			out("# %s: no p2pmem/allocate: %s", dir,
			    strerror(errno));
			exit(4);
		}
		if (access(allocpath, R_OK | W_OK)) {
			out("# %s: %s (run as root)", allocpath,
			    strerror(errno));
			exit(4);
		}
		snprintf(path, sizeof(path), "%s/p2pmem/size", dir);
		read_ulong(path, &size);
	} else {
		size = DRY_AVAILABLE;
	}
	if (read_available(&avail_start)) {
		out("# %s/p2pmem/available: cannot read it", dir);
		exit(4);
	}
	out("# " NAME ": %s, p2pmem size %lu, available %lu, %d workers, %d s",
	    dry ? "dry run" : dir, size, avail_start, nproc, seconds);
	maxpages = avail_start / PAGE / (2 * nproc);
	if (maxpages > MAX_PAGES)
		maxpages = MAX_PAGES;
	if (!maxpages) {
		out("# not enough free P2P memory for %d workers", nproc);
		exit(4);
	}
	if (strcmp(bounce, "-"))
		have_bounce = bounce_usable(bounce,
					    BOUNCE_BASE + MAX_NPROC * CHUNK);
}

int main(int argc, char **argv)
{
	long long start, last, end;
	unsigned long avail_end = 0;
	int c, i, status, failed, left;
	long v, leaked;

	while ((c = getopt(argc, argv, "i:p:b:nh")) != -1) {
		switch (c) {
		case 'i':
			if (number(optarg, 1, LONG_MAX, &maxiter))
				usage();
			break;
		case 'p':
			if (number(optarg, 1, MAX_NPROC, &v))
				usage();
			nproc = v;
			break;
		case 'b':
			bounce = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2 || number(argv[optind + 1], 1, 1000000, &v))
		usage();
	snprintf(dir, sizeof(dir), "%s", argv[optind]);
	seconds = v;
	if (dry && !strcmp(bounce, "/dev/ram0"))
		bounce = "-";

	sh = shared_alloc(sizeof(*sh));
	if (!sh) {
		out("# mmap: %s", strerror(errno));
		return 1;
	}
	seed_rnd();
	setup();
	/* Orphaned checking children come to us, to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGALRM, on_alarm);
	alarm(seconds + STUCK_SLACK);
	start = last = now_ms();
	deadline = start + seconds * 1000LL;

	phase = "starting the workers";
	for (i = 0; i < nproc; i++)
		spawn(i);
	while (!done()) {
		phase = "running";
		reap_exited();
		for (i = 0; i < nproc && !sh->slot[i].pid; i++)
			;
		if (i == nproc)
			break;	/* all gone */
		if (now_ms() - last >= PROGRESS_MS) {
			out("# " NAME ": %lld s, %ld iterations, %ld kills, %ld errors, %ld mismatches",
			    (now_ms() - start) / 1000, sh->iterations,
			    sh->kills, sh->errors, sh->mismatches);
			last = now_ms();
		}
		sleep_us(20000 + rnd() % 280001);
		if (!done())
			kill_one();
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);

	phase = "waiting for the workers";
	end = now_ms() + WORKER_WAIT_MS;
	for (left = 1; left;) {
		left = 0;
		for (i = 0; i < nproc; i++) {
			pid_t pid = sh->slot[i].pid;

			if (pid <= 0)
				continue;
			if (waitpid(pid, &status, WNOHANG) == pid)
				reaped(i, status);
			else
				left++;
		}
		if (!left || now_ms() >= end)
			break;
		sleep_us(10000);
	}
	for (i = 0; left && i < nproc; i++) {
		pid_t pid = sh->slot[i].pid;

		if (pid <= 0)
			continue;
		if (!sh->slot[i].killed)
			complain(&sh->errors, "worker %d did not stop", i);
		sh->slot[i].killed = 1;
		kill(pid, SIGKILL);
		if (wait_timeout(pid, KILL_WAIT_MS, &status)) {
			out("# stuck: worker %d (pid %d) does not die", i,
			    (int)pid);
			return 1;
		}
		reaped(i, status);
	}
	/*
	 * A checking child of a killed worker is killed with it (and is
	 * ours, as we are a subreaper): reap them all.
	 */
	end = now_ms() + KILL_WAIT_MS;
	while (waitpid(-1, &status, WNOHANG) >= 0 || errno != ECHILD) {
		if (now_ms() >= end) {
			out("# stuck: a checking child does not die");
			return 1;
		}
		sleep_us(10000);
	}

	phase = "waiting for the pool to be full again";
	end = now_ms() + LEAK_WAIT_MS;
	for (;;) {
		if (read_available(&avail_end)) {
			complain(&sh->errors, "cannot read p2pmem/available");
			break;
		}
		if (avail_end == avail_start || now_ms() >= end)
			break;
		sleep_us(100000);
	}
	leaked = (long)(avail_start - avail_end);

	failed = sh->mismatches || sh->errors || leaked;
	out("stress " NAME " iterations %ld", sh->iterations);
	out("stress " NAME " mismatches %ld", sh->mismatches);
	out("stress " NAME " errors %ld", sh->errors);
	out("stress " NAME " expected_errors %ld", sh->expected);
	out("stress " NAME " kills %ld", sh->kills);
	out("stress " NAME " forks %ld", sh->forks);
	out("stress " NAME " pins %ld", sh->pins);
	out("stress " NAME " available_start %lu", avail_start);
	out("stress " NAME " available_end %lu", avail_end);
	out("stress " NAME " leaked_bytes %ld", leaked);
	if (leaked)
		out("# %ld bytes of P2P memory not back in the pool after %d ms",
		    leaked, LEAK_WAIT_MS);
	return failed ? 1 : 0;
}
