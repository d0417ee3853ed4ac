/* test_measure.c — the harness result-line parser, the judging of runs (ok, wrong answer,
 * runtime error, signal, timeout) and child processes under a deadline. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "../qt_test.h"
#include "tuner/run/measure.h"
#include "tuner/sys/proc.h"

/* 1 if pid is gone, or dead and only waiting to be reaped (a zombie: its parent, the killed
 * shell, is gone and whoever inherits it may reap it late); 0 if it still runs. */
static int process_dead(pid_t pid) {
  if (kill(pid, 0) != 0) return errno == ESRCH;
  char path[64], stat[512] = "";
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return 1;
  size_t n = fread(stat, 1, sizeof stat - 1, f);
  fclose(f);
  stat[n] = '\0';
  const char *state = strrchr(stat, ')'); /* "pid (comm) S ...": comm may hold spaces */
  return state && (state[2] == 'Z' || state[2] == 'X');
}

/* The pid a shell wrote into path, or -1. */
static pid_t read_pid(const char *path) {
  FILE *f = fopen(path, "r");
  int pid = -1;
  if (f) {
    if (fscanf(f, "%d", &pid) != 1) pid = -1;
    fclose(f);
  }
  return (pid_t)pid;
}

static qt_proc_result fake(const char *out, int exit_code, int sig, int timed_out) {
  qt_proc_result r;
  memset(&r, 0, sizeof r);
  r.out = strdup(out);
  r.out_len = strlen(out);
  r.exited = !sig && !timed_out;
  r.exit_code = exit_code;
  r.signal = sig;
  r.timed_out = timed_out;
  return r;
}

int main(void) {
  qt_err err;
  qt_harness_result h;
  CHECK(qt_harness_parse("noise\nQTRESULT 1 status=ok checksum=00000000000000ff number=4 "
                         "repeat=3 times_ns=400,800,1200\n", &h, &err) == 0);
  CHECK_STR(h.status, "ok");
  CHECK_EQ_INT(h.checksum, 255);
  CHECK_EQ_INT(h.number, 4);
  CHECK_EQ_INT(h.n_times, 3);
  CHECK(h.times_ns[2] == 1200);
  CHECK(qt_harness_parse("QTRESULT 2 status=ok", &h, &err) == QT_EPROTOCOL);
  CHECK(strstr(err.msg, "version") != NULL);
  CHECK(qt_harness_parse("nothing here", &h, &err) == QT_EPROTOCOL);
  CHECK(qt_harness_parse("QTRESULT 1 status=ok number=1 repeat=1 times_ns=5", &h, &err) ==
        QT_EPROTOCOL); /* ok without checksum */
  CHECK(qt_harness_parse("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=2 "
                         "times_ns=5", &h, &err) == QT_EPROTOCOL); /* 1 time for 2 repeats */
  CHECK(qt_harness_parse("QTRESULT 1 status=ok checksum=xyz number=1 repeat=1 times_ns=5", &h,
                         &err) == QT_EPROTOCOL);
  CHECK(qt_harness_parse("QTRESULT 1 status=error reason=pack detail=bad", &h, &err) == 0);
  CHECK_STR(h.reason, "pack");

  /* Judging. */
  qt_outcome o;
  qt_proc_result r = fake("QTRESULT 1 status=ok checksum=00000000000000ff number=4 repeat=3 "
                          "times_ns=400,1200,800\n", 0, 0, 0);
  qt_judge_run(&r, 1, 1000, 255, &o);
  CHECK_EQ_INT(o.m.status, QT_STATUS_OK);
  CHECK(o.m.median_ns == 200 && o.m.min_ns == 100 && o.m.max_ns == 300);
  qt_judge_run(&r, 1, 1000, 254, &o);
  CHECK_EQ_INT(o.m.status, QT_STATUS_WRONG_ANSWER);
  CHECK(strstr(o.error, "reference") != NULL);
  CHECK(o.m.median_ns == 0);
  qt_proc_result_free(&r);

  r = fake("QTRESULT 1 status=error reason=signal detail=SIGILL\n", 0, SIGILL, 0);
  qt_judge_run(&r, 1, 1000, 255, &o);
  CHECK_EQ_INT(o.m.status, QT_STATUS_RUNTIME_ERROR);
  CHECK(strstr(o.error, "SIGILL") != NULL);
  qt_proc_result_free(&r);

  r = fake("", 0, 0, 1);
  qt_judge_run(&r, 1, 1500, 255, &o);
  CHECK_EQ_INT(o.m.status, QT_STATUS_RUN_TIMEOUT);
  CHECK(strstr(o.error, "1500") != NULL);
  qt_proc_result_free(&r);

  r = fake("QTRESULT 1 status=ok checksum=00000000000000ff number=1 repeat=1 times_ns=5\n", 3, 0, 0);
  qt_judge_run(&r, 1, 1000, 255, &o); /* ok line but a failing exit: not a result */
  CHECK_EQ_INT(o.m.status, QT_STATUS_RUNTIME_ERROR);
  qt_proc_result_free(&r);

  r = fake("QTRESULT 1 status=wrong_answer detail=index_3\n", 2, 0, 0);
  qt_judge_run(&r, 1, 1000, 255, &o);
  CHECK_EQ_INT(o.m.status, QT_STATUS_WRONG_ANSWER);
  qt_proc_result_free(&r);

  char proto[256];
  qt_protocol p = QT_PROTOCOL_DEFAULTS;
  qt_protocol_format(&p, proto, sizeof proto);
  CHECK_STR(proto, "h1:seed=1,warmup=1,number=1,repeat=5,min_repeat_ms=5,flush_kb=0,pin=-1");
  /* eviction: in the string only when on, and the harness told to do it */
  char store[16][32], *args[17];
  qt_protocol_args(&p, 0, store, args);
  for (int i = 0; args[i]; i++) CHECK(strcmp(args[i], "--evict") != 0);
  p.evict = 1;
  p.min_repeat_ms = 0;
  p.repeat = 15;
  qt_protocol_format(&p, proto, sizeof proto);
  CHECK_STR(proto,
            "h1:seed=1,warmup=1,number=1,repeat=15,min_repeat_ms=0,flush_kb=0,pin=-1,evict=1");
  qt_protocol_args(&p, 0, store, args);
  int evict_args = 0;
  for (int i = 0; args[i]; i++) evict_args += strcmp(args[i], "--evict") == 0;
  CHECK_EQ_INT(evict_args, 1);
  qt_protocol_args(&p, 1, store, args); /* a correctness run times nothing: no eviction */
  for (int i = 0; args[i]; i++) CHECK(strcmp(args[i], "--evict") != 0);

  /* Child processes: exit codes, signals, deadlines, a missing program. */
  qt_proc_result pr;
  char *ok_argv[] = {"sh", "-c", "echo hello; echo oops >&2; exit 3", NULL};
  CHECK(qt_proc_run(ok_argv, 5000, 1 << 16, &pr, &err) == 0);
  CHECK(pr.exited && pr.exit_code == 3);
  CHECK_STR(pr.out, "hello\n");
  CHECK(strstr(pr.err, "oops") != NULL);
  qt_proc_result_free(&pr);
  char *sig_argv[] = {"sh", "-c", "kill -ILL $$", NULL};
  CHECK(qt_proc_run(sig_argv, 5000, 1 << 16, &pr, &err) == 0);
  CHECK(!pr.exited && pr.signal == SIGILL);
  qt_proc_result_free(&pr);
  /* A hung child and the grandchild it started are both killed at the deadline: the
   * grandchild writes its pid to a file, which must name a dead process afterwards. */
  char pid_file[] = "/tmp/qtune-grandchild-XXXXXX";
  int pid_fd = mkstemp(pid_file);
  CHECK(pid_fd >= 0);
  close(pid_fd);
  char hang_script[128];
  snprintf(hang_script, sizeof hang_script, "sleep 30 & echo $! > %s; sleep 30", pid_file);
  char *hang_argv[] = {"sh", "-c", hang_script, NULL};
  CHECK(qt_proc_run(hang_argv, 300, 1 << 16, &pr, &err) == 0);
  CHECK(pr.timed_out);
  CHECK(pr.wall_ms < 5000);
  qt_proc_result_free(&pr);
  const pid_t grandchild = read_pid(pid_file);
  CHECK(grandchild > 0);
  int dead = 0;
  for (int i = 0; i < 100 && grandchild > 0 && !(dead = process_dead(grandchild)); i++)
    usleep(20000); /* the kill is sent; give the kernel a moment to deliver it */
  CHECK_MSG(dead, "grandchild %d still runs after the deadline kill", (int)grandchild);
  if (grandchild > 0 && !dead) kill(grandchild, SIGKILL);
  unlink(pid_file);
  char *missing_argv[] = {"/nonexistent/qtune-no-such-program", NULL};
  CHECK(qt_proc_run(missing_argv, 1000, 1 << 16, &pr, &err) == QT_EIO);
  CHECK(strstr(err.msg, "No such file") != NULL);
  return qt_test_finish();
}
