/* test_boards_ssh.c — the SSH runner against a real sshd on 127.0.0.1 (started by
 * run_with_boards.sh, which passes its files in QT_BOARDS_WORK and its port in QT_BOARD_PORT):
 * stdout, stderr, exit status and argument quoting survive the trip; a persistent session is
 * reused; a hanging variant is killed on the board and judged a run timeout; an SDOT artifact
 * on an emulated cortex-a53 board ends with SIGILL and is judged a runtime error; an unknown
 * host key is refused (and added only with accept-new), a changed one always refused; a
 * missing identity, an RSA identity and a dead board give clear errors; a board without an
 * identity file authenticates through ssh-agent. Prints the measured
 * per-measurement overhead of a persistent session. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../qt_test.h"
#include "tuner/run/measure.h"
#include "tuner/run/runner.h"

static const char *work;

static qt_board_def board(const char *name, const char *wrapper) {
  qt_board_def b;
  memset(&b, 0, sizeof b);
  snprintf(b.name, sizeof b.name, "%s", name);
  snprintf(b.target, sizeof b.target, "host");
  b.kind = QT_BOARD_SSH;
  snprintf(b.host, sizeof b.host, "127.0.0.1");
  b.port = atoi(getenv("QT_BOARD_PORT"));
  snprintf(b.user, sizeof b.user, "root");
  snprintf(b.identity, sizeof b.identity, "%s/id_ed25519", work);
  snprintf(b.known_hosts, sizeof b.known_hosts, "%s/known_hosts", work);
  snprintf(b.workdir, sizeof b.workdir, "%s/remote", work);
  snprintf(b.wrapper, sizeof b.wrapper, "%s", wrapper);
  b.connect_timeout_s = 10;
  return b;
}

static char *fixture(const char *name) {
  static char buf[4][1024];
  static int k;
  char *p = buf[k++ % 4];
  snprintf(p, 1024, "%s/%s", work, name);
  return p;
}

/* Number of live processes whose command line mentions the remote work directory. */
static int remote_processes(void) {
  char needle[1024];
  snprintf(needle, sizeof needle, "%s/remote/", work);
  int n = 0;
  DIR *d = opendir("/proc");
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
    char path[300], cmd[4096];
    snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    size_t len = fread(cmd, 1, sizeof cmd - 1, f);
    fclose(f);
    for (size_t i = 0; i < len; i++)
      if (!cmd[i]) cmd[i] = ' ';
    cmd[len] = '\0';
    if (strstr(cmd, needle)) n++;
  }
  if (d) closedir(d);
  return n;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Files in the one subdirectory of dir (the runner's per-run directory), or -1. */
static int count_in_rundir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  char sub[600] = "";
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.') snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
  if (d) closedir(d);
  if (!sub[0]) return -1;
  int n = 0;
  d = opendir(sub);
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.') n++;
  if (d) closedir(d);
  return n;
}

static int count_entries(const char *dir) {
  int n = 0;
  DIR *d = opendir(dir);
  struct dirent *de;
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.') n++;
  if (d) closedir(d);
  return n;
}

int main(void) {
  work = getenv("QT_BOARDS_WORK");
  if (!work || !getenv("QT_BOARD_PORT")) {
    fprintf(stderr, "run me through run_with_boards.sh\n");
    return 1;
  }
  qt_err init_err;
  if (qt_runner_global_init(&init_err)) {
    fprintf(stderr, "%s\n", init_err.msg);
    return 1;
  }
  qt_err err;
  qt_proc_result r;
  char remote_dir[1100];
  snprintf(remote_dir, sizeof remote_dir, "%s/remote", work);

  /* Output, exit status, stderr and quoting: arguments a shell would expand come back as is. */
  qt_board_def b = board("native", "");
  qt_runner *rn;
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
  char *args[] = {"plain", "it's", "$(touch /tmp/qtune-injected)", "a b;c", "`id`", NULL};
  unlink("/tmp/qtune-injected");
  int rc = rn->ops->run(rn, fixture("echo"), args, 10000, &r, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  if (rc == 0) {
    CHECK_STR(r.out, "[plain]\n[it's]\n[$(touch /tmp/qtune-injected)]\n[a b;c]\n[`id`]\n");
    CHECK(r.exited && r.exit_code == 3 && r.signal == 0 && !r.timed_out);
    CHECK(strstr(r.err, "to stderr") != NULL);
    qt_proc_result_free(&r);
  }
  CHECK(access("/tmp/qtune-injected", F_OK) != 0);
  CHECK(rn->last.connect_ms > 0); /* the first run connected */
  CHECK_EQ_INT(count_entries(remote_dir), 1); /* one per-run directory ... */

  /* Overhead of a persistent session: upload + exec + read of an empty program, minus what
   * the same program costs run locally. Each run is a new artifact (a copy), as in a search;
   * the runner keeps the last 8 on the board. */
  enum { N = 30 };
  double ssh_ms[N], local_ms[N], up_ms[N];
  char *none[] = {NULL};
  int reused = 1;
  char copies[N][300];
  for (int i = 0; i < N; i++) {
    snprintf(copies[i], sizeof copies[i], "%s/echo-copy-%d", work, i);
    char cp[1200];
    CHECK(snprintf(cp, sizeof cp, "cp %s %s", fixture("echo"), copies[i]) < (int)sizeof cp);
    CHECK(system(cp) == 0);
  }
  for (int i = 0; i < N; i++) {
    CHECK(rn->ops->run(rn, copies[i], none, 10000, &r, &err) == 0);
    reused &= rn->last.connect_ms == 0;
    ssh_ms[i] = rn->last.upload_ms + rn->last.exec_ms;
    up_ms[i] = rn->last.upload_ms;
    qt_proc_result_free(&r);
    char *argv[] = {fixture("echo"), NULL};
    CHECK(qt_proc_run(argv, 10000, 4096, &r, &err) == 0);
    local_ms[i] = r.wall_ms;
    qt_proc_result_free(&r);
  }
  CHECK(reused); /* no reconnect: one session for every run */
  qsort(ssh_ms, N, sizeof ssh_ms[0], cmp_double);
  qsort(local_ms, N, sizeof local_ms[0], cmp_double);
  qsort(up_ms, N, sizeof up_ms[0], cmp_double);
  double overhead = ssh_ms[N / 2] - local_ms[N / 2];
  printf("ssh overhead per measurement (persistent session, loopback, %d runs): median %.1f ms "
         "(min %.1f, max %.1f; upload median %.1f ms; local run %.1f ms subtracted)\n", N,
         overhead, ssh_ms[0] - local_ms[N / 2], ssh_ms[N - 1] - local_ms[N / 2], up_ms[N / 2],
         local_ms[N / 2]);
  /* Printed, not asserted: times are measured, never asserted in a unit test (on a shared
   * machine, or under ASan where forking the instrumented test itself costs ms, the
   * difference can even come out negative). The issue's <= 30 ms target is reported from
   * this line. */
  CHECK_EQ_INT(count_entries(remote_dir), 1); /* ... and uploaded files are removed */
  CHECK_EQ_INT(count_in_rundir(remote_dir), 8); /* but the last 8 */
  /* A re-run of a kept artifact (the re-measurement rounds) uploads nothing again. */
  CHECK(rn->ops->run(rn, copies[N - 1], none, 10000, &r, &err) == 0);
  qt_proc_result_free(&r);
  CHECK_MSG(rn->last.upload_ms < 0.5, "re-run uploaded again (%.2f ms)", rn->last.upload_ms);
  CHECK_EQ_INT(count_in_rundir(remote_dir), 8);

  /* A hanging variant: killed on the board at the limit, judged a run timeout. */
  rc = rn->ops->run(rn, fixture("hang"), none, 1500, &r, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  if (rc == 0) {
    CHECK(r.timed_out);
    CHECK(r.wall_ms >= 1400 && r.wall_ms < 5000);
    qt_outcome o;
    qt_judge_run(&r, 1, 1500, 0, &o);
    CHECK_STR(qt_status_name(o.m.status), "run_timeout");
    qt_proc_result_free(&r);
  }
  usleep(300000);
  CHECK_EQ_INT(remote_processes(), 0); /* nothing left running on the board */
  /* The session is still good after a timeout. */
  CHECK(rn->ops->run(rn, fixture("echo"), none, 10000, &r, &err) == 0);
  qt_proc_result_free(&r);
  qt_runner_destroy(rn);
  CHECK_EQ_INT(count_entries(remote_dir), 0); /* the per-run directory is gone */

  /* SDOT on an emulated cortex-a53: SIGILL (a signal with status 0), a runtime error. */
  b = board("a53", "qemu-aarch64 -cpu cortex-a53");
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
  rc = rn->ops->run(rn, fixture("sdot-aarch64"), none, 20000, &r, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  if (rc == 0) {
    CHECK_EQ_INT(r.signal, 4);
    CHECK(!r.exited && !r.timed_out);
    CHECK(r.out && strstr(r.out, "before sdot") && !strstr(r.out, "after sdot"));
    qt_outcome o;
    qt_judge_run(&r, 1, 20000, 0, &o);
    CHECK_STR(qt_status_name(o.m.status), "runtime_error");
    CHECK_MSG(strstr(o.error, "SIGILL") != NULL, "%s", o.error);
    qt_proc_result_free(&r);
  }
  /* ... and the same artifact on a cortex-a76 board runs. */
  qt_runner_destroy(rn);
  b = board("a76", "qemu-aarch64 -cpu cortex-a76");
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
  rc = rn->ops->run(rn, fixture("sdot-aarch64"), none, 20000, &r, &err);
  CHECK(rc == 0 && r.exited && r.exit_code == 0 && strstr(r.out, "after sdot"));
  if (rc == 0) qt_proc_result_free(&r);
  qt_runner_destroy(rn);

  /* Host keys: an unknown key is refused with its fingerprint; accept-new adds it; a changed
   * key is refused even with accept-new. */
  b = board("unknown", "");
  snprintf(b.known_hosts, sizeof b.known_hosts, "%s/kh-empty", work);
  unlink(b.known_hosts);
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
  rc = qt_runner_connect(rn, &err);
  CHECK_EQ_INT(rc, QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "unknown host key SHA256:") && strstr(err.msg, "--accept-new-host-key"),
            "%s", err.msg);
  qt_runner_destroy(rn);
  CHECK(qt_runner_create(&b, 1, &rn, &err) == 0);
  rc = qt_runner_connect(rn, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  qt_runner_destroy(rn);
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0); /* now known */
  rc = qt_runner_connect(rn, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  qt_runner_destroy(rn);

  /* known_hosts as users keep it: comments, a line naming two hosts, a line libssh2 cannot
   * parse (skipped with a warning, not fatal) and a @cert-authority line. Accept-new adds one
   * line and leaves every other byte as it was. */
  b = board("mixed", "");
  snprintf(b.known_hosts, sizeof b.known_hosts, "%s/kh-mixed", work);
  static const char mixed[] =
      "# my hosts\n"
      "host1,host2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDsOzTnl7QjKaqGBNwN0t0k1pKl3PyrB5vAb6r4YhYdN\n"
      "broken.example.com ssh-ed25519\n" /* no key: libssh2 refuses it */
      "@cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDsOzTnl7QjKaqGBNwN0t0k1pKl3PyrB5vAb6r4YhYdN\n"
      "\n"
      "host3 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDsOzTnl7QjKaqGBNwN0t0k1pKl3PyrB5vAb6r4YhYdN no-newline";
  FILE *khf = fopen(b.known_hosts, "wb");
  CHECK(khf && fwrite(mixed, 1, sizeof mixed - 1, khf) == sizeof mixed - 1);
  if (khf) fclose(khf);
  CHECK(chmod(b.known_hosts, 0640) == 0);
  CHECK(qt_runner_create(&b, 1, &rn, &err) == 0);
  rc = qt_runner_connect(rn, &err);
  CHECK_MSG(rc == 0, "known_hosts with an unparseable line: %s", err.msg);
  qt_runner_destroy(rn);
  char after[4096] = "";
  khf = fopen(b.known_hosts, "rb");
  size_t got = khf ? fread(after, 1, sizeof after - 1, khf) : 0;
  if (khf) fclose(khf);
  after[got] = '\0';
  char want_line[64];
  snprintf(want_line, sizeof want_line, "\n[127.0.0.1]:%d ssh-ed25519 ", b.port);
  CHECK_MSG(got > sizeof mixed && memcmp(after, mixed, sizeof mixed - 1) == 0 &&
                strncmp(after + sizeof mixed - 1, want_line, strlen(want_line)) == 0 &&
                strchr(after + sizeof mixed, '\n') == after + got - 1,
            "known_hosts after accept-new:\n%s", after);
  struct stat khst;
  CHECK(stat(b.known_hosts, &khst) == 0 && (khst.st_mode & 0777) == 0640);
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0); /* found among the other lines */
  rc = qt_runner_connect(rn, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  qt_runner_destroy(rn);
  /* a @revoked line cannot be honoured by libssh2: refused, not skipped */
  khf = fopen(b.known_hosts, "ab");
  CHECK(khf != NULL);
  if (khf) {
    fputs("@revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDsOzTnl7QjKaqGBNwN0t0k1pKl3PyrB5vAb6r4YhYdN\n", khf);
    fclose(khf);
  }
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
  rc = qt_runner_connect(rn, &err);
  CHECK_EQ_INT(rc, QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "line 8") && strstr(err.msg, "@revoked"), "%s", err.msg);
  qt_runner_destroy(rn);

  b = board("changed", "");
  snprintf(b.known_hosts, sizeof b.known_hosts, "%s/kh-changed", work);
  CHECK(qt_runner_create(&b, 1, &rn, &err) == 0);
  rc = qt_runner_connect(rn, &err);
  CHECK_EQ_INT(rc, QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "has CHANGED") && strstr(err.msg, "SHA256:"), "%s", err.msg);
  qt_runner_destroy(rn);

  /* Identities: missing, and RSA (libssh2 1.10 vs OpenSSH 9.2). */
  b = board("noid", "");
  snprintf(b.identity, sizeof b.identity, "%s/no-such-key", work);
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
  rc = rn->ops->run(rn, fixture("echo"), none, 10000, &r, &err);
  CHECK_EQ_INT(rc, QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "cannot read identity file") && strstr(err.msg, "no-such-key"), "%s",
            err.msg);
  qt_runner_destroy(rn);
  b = board("rsa", "");
  snprintf(b.identity, sizeof b.identity, "%s/id_rsa", work);
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
  rc = qt_runner_connect(rn, &err);
  CHECK(rc < 0);
  CHECK_MSG(strstr(err.msg, "RSA key") && strstr(err.msg, "ed25519"), "%s", err.msg);
  qt_runner_destroy(rn);

  /* No identity file: the key comes from ssh-agent (SSH_AUTH_SOCK, set by the driver). */
  b = board("agent", "");
  b.identity[0] = '\0';
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
  rc = qt_runner_connect(rn, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  qt_runner_destroy(rn);

  /* A board nobody listens on: a quick, clear failure (the pool's "board down"). */
  b = board("dead", "");
  b.port = atoi(getenv("QT_DEAD_PORT"));
  CHECK(qt_runner_create(&b, 0, &rn, &err) == 0);
  rc = rn->ops->run(rn, fixture("echo"), none, 10000, &r, &err);
  CHECK(rc == QT_EIO);
  CHECK_MSG(strstr(err.msg, "cannot connect") != NULL, "%s", err.msg);
  qt_runner_destroy(rn);
  return qt_test_finish();
}
