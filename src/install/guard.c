/*
 * container-trace guard: the process sudo (or pkexec) runs, in front of the
 * root helper. sudo relays the signals its invoking user sends it to its
 * command (kill, or killpg with use_pty), and Node opens its inspector on
 * SIGUSR1, from its first instruction on: so Node must never be a process
 * such a signal can reach. This one is not Node; it
 *   - ignores every signal but TERM, INT, HUP and CHLD (blocked, then taken
 *     with sigwaitinfo: no handler runs in a signal context);
 *   - starts the helper in a session of its own (a relayed killpg reaches
 *     this process group, never the helper's), with every signal ignored
 *     until the exec, so nothing pending survives into it;
 *   - turns TERM, INT, HUP and its parent's death into one SIGTERM for the
 *     helper, and exits with the helper's status.
 * Usage: guard PROGRAM [ARG...]  (the launcher runs it with a fixed line).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int forwarded(int sig) {
  return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGCHLD;
}

/* Every catchable signal to `how` (SIG_IGN or SIG_DFL), but those in `keep` when keep is set. */
static void dispose_all(void (*how)(int), int keep) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = how;
  sigemptyset(&sa.sa_mask);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    if (keep && forwarded(sig)) continue;
    sigaction(sig, &sa, NULL); /* EINVAL for the libc-reserved real-time ones: fine */
  }
}

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] != '/') {
    fprintf(stderr, "[helper error] guard: usage: guard /ABSOLUTE/PROGRAM [ARG...]\n");
    return 2;
  }
  /* First: nothing relayed may end or steer this process from here on. */
  sigset_t all, waited, none;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, NULL);
  dispose_all(SIG_IGN, 1);
  /* sudo gone (killed by its user): the helper is told to stop. */
  prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
  pid_t parent = getppid();

  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "[helper error] guard: fork: %s\n", strerror(errno));
    return 1;
  }
  if (child == 0) {
    /* Ignored while pending ones are discarded, then unblocked: nothing reaches the exec. */
    dispose_all(SIG_IGN, 0);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (setsid() < 0) {
      fprintf(stderr, "[helper error] guard: setsid: %s\n", strerror(errno));
      _exit(1);
    }
    /* The helper's own handlers (TERM, INT, HUP) need the defaults back. */
    dispose_all(SIG_DFL, 0);
    execv(argv[1], argv + 1);
    fprintf(stderr, "[helper error] guard: cannot run %s: %s\n", argv[1], strerror(errno));
    _exit(127);
  }

  sigemptyset(&waited);
  sigaddset(&waited, SIGTERM);
  sigaddset(&waited, SIGINT);
  sigaddset(&waited, SIGHUP);
  sigaddset(&waited, SIGCHLD);
  if (getppid() != parent) kill(child, SIGTERM);
  int told = 0;
  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&waited, &info);
    if (sig < 0) continue; /* EINTR */
    if (sig == SIGCHLD) {
      int status;
      pid_t r = waitpid(child, &status, WNOHANG);
      if (r == child) {
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      }
      continue;
    }
    /* TERM, INT, HUP (relayed, or our parent's death): one SIGTERM to the helper. */
    if (!told) kill(child, SIGTERM);
    told = 1;
  }
}
