/* pl_sig.c - see pl_sig.h. */
#include "pl_sig.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "pl_log.h"

static void s_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

int pl_sig_open(void)
{
    sigset_t set;
    s_set(&set);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return pl_log_error("cannot block signals: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit (ulimit -f) makes a write past it fail (EFBIG), which the databases
     * report as an I/O error, instead of killing the daemon. */
    signal(SIGXFSZ, SIG_IGN);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        return pl_log_error("cannot create signalfd: %s", strerror(errno));
    return fd;
}

int pl_sig_read(int fd)
{
    struct signalfd_siginfo info;
    ssize_t n = read(fd, &info, sizeof info);
    if (n != (ssize_t)sizeof info)
        return 0;
    return (int)info.ssi_signo;
}

void pl_sig_restore(void)
{
    sigset_t set;
    s_set(&set);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGXFSZ, SIG_DFL);
}

void pl_sig_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}
