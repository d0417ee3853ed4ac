/* proc.h — running a child process under a deadline: fork/exec of an argv (no shell), stdout
 * and stderr captured, killed (SIGKILL, whole process group) when the deadline passes. Used by
 * the build step (compiler) and the local runner (artifacts). */
#ifndef QT_PROC_H
#define QT_PROC_H

#include <stddef.h>

#include "tuner/base/error.h"

typedef struct qt_proc_result {
  int exited;      /* 1 if the child exited normally */
  int exit_code;   /* its exit status when exited */
  int signal;      /* terminating signal, or 0 */
  int timed_out;   /* 1 if killed at the deadline */
  char *out;       /* captured stdout, NUL-terminated, malloc'd (caller frees) */
  size_t out_len;
  char err[4096];  /* last bytes of stderr, NUL-terminated */
  double wall_ms;
} qt_proc_result;

/* Runs argv[0] (looked up in PATH) with argv and a deadline of timeout_ms (<= 0: none). Returns 0 when the child ran (whatever its exit)
 * and r is filled; a negative code when it could not be started (r->out is NULL then). stdout
 * beyond max_out bytes is dropped. */
int qt_proc_run(char *const argv[], int timeout_ms, size_t max_out, qt_proc_result *r,
                qt_err *err);
void qt_proc_result_free(qt_proc_result *r);

/* Splits a command string on blanks into argv entries appended to argv[*argc] (strings are
 * strdup'd); quoting is not supported (config values never need it). */
int qt_split_words(const char *s, char **argv, int *argc, int max, qt_err *err);

/* Describes how a process ended: "exit 1", "signal 4 (SIGILL)", "timed out after 30000 ms". */
void qt_proc_describe(const qt_proc_result *r, int timeout_ms, char *buf, size_t cap);

#endif
