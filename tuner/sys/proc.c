/* proc.c — child processes under a deadline (proc.h). The child gets its own process group so
 * a timeout kills everything it started (a compiler driver's cc1, an emulator's guest). */
#include "tuner/sys/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tuner/sys/os.h"

/* Appends to the stderr tail, keeping the last bytes. */
static void tail_append(char *tail, size_t cap, const char *data, size_t n) {
  size_t len = strlen(tail);
  if (n >= cap - 1) {
    memcpy(tail, data + n - (cap - 1), cap - 1);
    tail[cap - 1] = '\0';
    return;
  }
  if (len + n >= cap) {
    size_t drop = len + n - (cap - 1);
    memmove(tail, tail + drop, len - drop);
    len -= drop;
  }
  memcpy(tail + len, data, n);
  tail[len + n] = '\0';
}

int qt_proc_run(char *const argv[], int timeout_ms, size_t max_out, qt_proc_result *r,
                qt_err *err) {
  memset(r, 0, sizeof *r);
  int outp[2], errp[2];
  if (pipe2(outp, O_CLOEXEC) != 0)
    return qt_fail(err, QT_EIO, "cannot run %s: pipe: %s", argv[0], strerror(errno));
  if (pipe2(errp, O_CLOEXEC) != 0) {
    close(outp[0]);
    close(outp[1]);
    return qt_fail(err, QT_EIO, "cannot run %s: pipe: %s", argv[0], strerror(errno));
  }
  /* An exec failure is reported through this pipe, so "not found" is an error, not a run. */
  int execp[2];
  if (pipe2(execp, O_CLOEXEC) != 0) {
    close(outp[0]); close(outp[1]); close(errp[0]); close(errp[1]);
    return qt_fail(err, QT_EIO, "cannot run %s: pipe: %s", argv[0], strerror(errno));
  }
  double start = qt_now_ms();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(outp[0]); close(outp[1]); close(errp[0]); close(errp[1]);
    close(execp[0]); close(execp[1]);
    return qt_fail(err, QT_EIO, "cannot run %s: fork: %s", argv[0], strerror(e));
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(outp[1], STDOUT_FILENO);
    dup2(errp[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execvp(argv[0], argv);
    int e = errno;
    ssize_t ignored = write(execp[1], &e, sizeof e);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);
  close(outp[1]);
  close(errp[1]);
  close(execp[1]);
  int exec_errno = 0;
  ssize_t got = read(execp[0], &exec_errno, sizeof exec_errno);
  close(execp[0]);
  if (got == (ssize_t)sizeof exec_errno) {
    close(outp[0]);
    close(errp[0]);
    waitpid(pid, NULL, 0);
    return qt_fail(err, QT_EIO, "cannot run %s: %s", argv[0], strerror(exec_errno));
  }

  size_t cap = 4096, len = 0;
  char *out = malloc(cap);
  if (!out) {
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(outp[0]);
    close(errp[0]);
    return qt_fail(err, QT_ENOMEM, "cannot run %s: out of memory", argv[0]);
  }
  struct pollfd fds[2] = {{outp[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0) {
    int wait_ms = -1;
    if (timeout_ms > 0) {
      double left = start + timeout_ms - qt_now_ms();
      if (left <= 0) {
        r->timed_out = 1;
        break;
      }
      wait_ms = (int)left + 1;
    }
    int n = poll(fds, 2, wait_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t k = read(fds[i].fd, buf, sizeof buf);
      if (k <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
        continue;
      }
      if (i == 0) {
        if (len + (size_t)k + 1 > cap && len < max_out) {
          size_t ncap = cap * 2 + (size_t)k;
          char *grown = realloc(out, ncap);
          if (grown) {
            out = grown;
            cap = ncap;
          }
        }
        size_t take = (size_t)k;
        if (len + take + 1 > cap) take = cap - len - 1;
        if (len + take > max_out) take = max_out > len ? max_out - len : 0;
        memcpy(out + len, buf, take);
        len += take;
      } else {
        tail_append(r->err, sizeof r->err, buf, (size_t)k);
      }
    }
  }
  if (r->timed_out) kill(-pid, SIGKILL);
  for (int i = 0; i < 2; i++)
    if (fds[i].fd >= 0) close(fds[i].fd);
  int status = 0;
  /* The child may close its pipes and keep running; the deadline still applies. */
  for (;;) {
    pid_t w = waitpid(pid, &status, r->timed_out || timeout_ms <= 0 ? 0 : WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (w == 0) {
      if (qt_now_ms() - start >= timeout_ms) {
        r->timed_out = 1;
        kill(-pid, SIGKILL);
      } else {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
      }
    }
  }
  kill(-pid, SIGKILL); /* anything the child left behind in its group */
  out[len] = '\0';
  r->out = out;
  r->out_len = len;
  r->wall_ms = qt_now_ms() - start;
  if (WIFEXITED(status)) {
    r->exited = 1;
    r->exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r->signal = WTERMSIG(status);
  }
  return 0;
}

void qt_proc_result_free(qt_proc_result *r) {
  free(r->out);
  r->out = NULL;
}

int qt_split_words(const char *s, char **argv, int *argc, int max, qt_err *err) {
  const char *p = s;
  while (*p) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) break;
    const char *start = p;
    while (*p && *p != ' ' && *p != '\t') p++;
    if (*argc >= max) return qt_fail(err, QT_EINVAL, "too many words in '%s'", s);
    argv[*argc] = strndup(start, (size_t)(p - start));
    if (!argv[*argc]) return qt_fail(err, QT_ENOMEM, "out of memory");
    (*argc)++;
  }
  return 0;
}

void qt_proc_describe(const qt_proc_result *r, int timeout_ms, char *buf, size_t cap) {
  if (r->timed_out)
    snprintf(buf, cap, "timed out after %d ms", timeout_ms);
  else if (r->signal)
    snprintf(buf, cap, "killed by signal %d (SIG%s)", r->signal, sigabbrev_np(r->signal) ? sigabbrev_np(r->signal) : "?");
  else
    snprintf(buf, cap, "exit status %d", r->exit_code);
}
