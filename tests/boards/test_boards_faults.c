/* test_boards_faults.c — fault injection into the SSH runner, SQLite-style, against a real
 * sshd (run_with_boards.sh): the Nth libssh2 call of a run fails as if the connection broke,
 * for N = 1, 2, ... until no fault fires, once transiently and once persistently, on a cold
 * runner and on one with a live session. Every run must end in success with the right output
 * or in QT_EIO with a message naming the board; a transient fault on a live session is
 * absorbed by the reconnect; the runner always recovers once faults stop; nothing is left
 * running or lying in the remote work directory; and (in the sanitizer build) nothing leaks. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../qt_test.h"
#include "tuner/run/runner.h"

static int count_entries(const char *dir) {
  int n = 0;
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.') n++;
  if (d) closedir(d);
  return n;
}

/* Runs the echo fixture with one argument; 1 if it ran and answered right, 0 if the run
 * failed cleanly (QT_EIO naming the board), -1 otherwise. */
static int run_echo(qt_runner *rn, const char *echo) {
  char *args[] = {"x y", NULL};
  qt_proc_result r;
  qt_err err = {0, ""};
  int rc = rn->ops->run(rn, echo, args, 10000, &r, &err);
  if (rc == 0) {
    int ok = r.out && strcmp(r.out, "[x y]\n") == 0 && r.exited && r.exit_code == 3;
    qt_proc_result_free(&r);
    return ok ? 1 : -1;
  }
  if (rc == QT_EIO && strstr(err.msg, "board faulty")) return 0;
  fprintf(stderr, "unexpected failure %d: %s\n", rc, err.msg);
  return -1;
}

int main(void) {
  const char *work = getenv("QT_BOARDS_WORK");
  if (!work || !getenv("QT_BOARD_PORT")) {
    fprintf(stderr, "run me through run_with_boards.sh\n");
    return 1;
  }
  qt_err init_err;
  if (qt_runner_global_init(&init_err)) {
    fprintf(stderr, "%s\n", init_err.msg);
    return 1;
  }
  qt_board_def b;
  memset(&b, 0, sizeof b);
  snprintf(b.name, sizeof b.name, "faulty");
  snprintf(b.target, sizeof b.target, "host");
  b.kind = QT_BOARD_SSH;
  snprintf(b.host, sizeof b.host, "127.0.0.1");
  b.port = atoi(getenv("QT_BOARD_PORT"));
  snprintf(b.user, sizeof b.user, "root");
  snprintf(b.identity, sizeof b.identity, "%s/id_ed25519", work);
  snprintf(b.known_hosts, sizeof b.known_hosts, "%s/known_hosts", work);
  snprintf(b.workdir, sizeof b.workdir, "%s/remote", work);
  b.connect_timeout_s = 10;
  char echo[1024], echo_warm[1100], remote[1024], cp[2400];
  snprintf(echo, sizeof echo, "%s/echo", work);
  /* The warm-up runs another artifact: the runner keeps uploads for re-runs, and the faulted
   * run must still upload (and so fail every call site of a new artifact's run). */
  snprintf(echo_warm, sizeof echo_warm, "%s-warm", echo);
  snprintf(cp, sizeof cp, "cp %s %s", echo, echo_warm);
  CHECK(system(cp) == 0);
  snprintf(remote, sizeof remote, "%s/remote", work);
  qt_err err;

  for (int warm = 0; warm < 2; warm++) {
    for (int persistent = 0; persistent < 2; persistent++) {
      long n;
      int rounds = 0, failed_runs = 0;
      for (n = 1; n < 200; n++) {
        qt_runner *rn;
        CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
        if (warm) CHECK(run_echo(rn, echo_warm) == 1);
        CHECK(qt_runner_ssh_inject_fault(rn, n, persistent) == 0);
        int got = run_echo(rn, echo);
        int fired = qt_runner_ssh_fault_calls(rn) >= n;
        CHECK_MSG(got >= 0, "warm %d persistent %d n %ld", warm, persistent, n);
        failed_runs += got == 0;
        if (warm && !persistent)
          CHECK_MSG(got == 1, "a transient fault on a live session is absorbed (n %ld)", n);
        qt_runner_ssh_inject_fault(rn, 0, 0);
        CHECK_MSG(run_echo(rn, echo) == 1, "recovers after the fault (warm %d persistent %d n %ld)",
                  warm, persistent, n);
        qt_runner_destroy(rn);
        rounds++;
        if (!fired) break;
      }
      printf("warm %d persistent %d: %d rounds, %d clean failures\n", warm, persistent, rounds,
             failed_runs);
      CHECK(n < 200);        /* the faults ran out: every call site was failed once */
      CHECK(rounds >= 6); /* a warm run of a new artifact makes at least 5 calls (SFTP open,
                             write, close; channel, exec) + 1 round without a fault */
      if (!(warm && !persistent)) CHECK(failed_runs > 0);
    }
  }
  CHECK_EQ_INT(count_entries(remote), 0); /* every run directory removed */
  return qt_test_finish();
}
