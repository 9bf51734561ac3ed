// SPDX-License-Identifier: GPL-2.0
/*
 * Not yet in patches/: the test case for the eviction wait of DESIGN
 * section 3 (see bases/7.3/NOTES.md, "Found on 7.3, not fixed yet").  It
 * goes into tools/testing/selftests/dax/dax_break_layout.c, before
 * TEST_HARNESS_MAIN, together with the fix.
 */
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif

/*
 * The last close() of an unlinked DAX file evicts its inode, and eviction
 * waits for every page of the file to become idle.  Here the closing task
 * itself holds a page in a pipe: it must not wait for itself.  If it
 * does, the parent drains the child's pipe through pidfd_getfd(), which
 * lets the eviction finish, so that nothing is left behind.
 */
TEST_F_TIMEOUT(layout, close_unlinked_with_page_in_own_pipe, 60)
{
	size_t pg = getpagesize();
	int ctl[2], go[2], done, pidfd, fd;
	char ready = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(ctl));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct iovec iov = { .iov_base = self->map, .iov_len = pg };
		volatile char c = self->map[0];
		int pfd[2];

		(void)c;
		if (pipe(pfd) || vmsplice(pfd[1], &iov, 1, 0) != (ssize_t)pg)
			_exit(2);
		/* Tell the parent which fd to take if this gets stuck. */
		if (write(ctl[1], &pfd[0], sizeof(pfd[0])) != sizeof(pfd[0]))
			_exit(3);
		/* Wait until the parent has let go of the file. */
		if (read(go[0], &ready, 1) != 1)
			_exit(3);
		munmap(self->map, self->size);
		if (unlink(self->path))
			_exit(4);
		close(self->fd);	/* the last reference: evicts the inode */
		_exit(0);
	}
	/* The parent's own file and mapping must go first. */
	munmap(self->map, self->size);
	self->map = MAP_FAILED;
	close(self->fd);
	self->fd = -1;
	close(ctl[1]);
	ASSERT_EQ(sizeof(fd), read(ctl[0], &fd, sizeof(fd)));
	ASSERT_EQ(1, write(go[1], &ready, 1));

	if (wait_child(pid, WAIT_SECS, &done) || done) {
		ASSERT_TRUE(done);
		return;
	}
	/* Stuck: drain the child's pipe for it, then report. */
	pidfd = syscall(__NR_pidfd_open, pid, 0);
	ASSERT_GE(pidfd, 0);
	fd = syscall(__NR_pidfd_getfd, pidfd, fd, 0);
	ASSERT_GE(fd, 0) {
		TH_LOG("could not take the child's pipe: it stays blocked");
	}
	{
		char *buf = malloc(pg);

		ASSERT_NE(NULL, buf);
		ASSERT_EQ((ssize_t)pg, read(fd, buf, pg));
		free(buf);
	}
	close(fd);
	wait_child(pid, WAIT_SECS, &done);
	ASSERT_TRUE(0) {
		TH_LOG("close() of the unlinked file waited %d s for the page in the closing task's own pipe (%s once another task drained it)",
		       WAIT_SECS, done ? "returned" : "still blocked");
	}
}

