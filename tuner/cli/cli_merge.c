/* cli_merge.c — the `tune merge` subcommand: argument parsing and output over qt_db_merge
 * (db.h). Linked into `tune`, whose main() dispatches here. Exit status 0 on success, 1 on an
 * error (one line on stderr naming the cause; the output log is unchanged when an input was
 * refused), 2 on a usage error. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "db/db.h"

static const char merge_usage[] =
    "usage: tune merge OUT.db IN.db...\n"
    "Folds the tuning logs IN.db (e.g. of `tune --shard I/N` runs on several hosts) into OUT.db,\n"
    "creating it if absent. Copies sessions (each keeps its origin: input file and session id),\n"
    "boards, measurements, verdicts and source manifests; a measurement already in OUT.db (same\n"
    "workload, target, config, source hash, protocol, board and time) is not copied again, so\n"
    "merging twice changes nothing. Every input is checked before OUT.db is written: a file\n"
    "that is not a qtune log, of a newer schema, damaged, or OUT.db itself is refused and\n"
    "OUT.db is left unchanged. Older logs are migrated in a temporary copy. Each input is\n"
    "copied in one transaction. query, export and the cost model then read OUT.db as one log.\n";

static void report(void *ctx, const char *input, const qt_db_merge_stats *s) {
  const char *out = ctx;
  printf("%s: %lld measurements added (%lld already in %s), %lld sessions, %lld verdicts\n",
         input, (long long)s->measurements, (long long)s->present, out, (long long)s->sessions,
         (long long)s->verdicts);
}

int qt_cli_merge(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(merge_usage, stdout);
      return 0;
    }
    if (argv[i][0] == '-') {
      fprintf(stderr, "tune merge: unknown option '%s' (see tune merge --help)\n", argv[i]);
      return QT_CLI_EXIT_USAGE;
    }
  }
  if (argc < 3) {
    fprintf(stderr, "tune merge: give the output log and at least one input log\n%s",
            merge_usage);
    return QT_CLI_EXIT_USAGE;
  }
  qt_err err = {0, ""};
  if (qt_db_merge(argv[1], (const char *const *)argv + 2, argc - 2, report, argv[1], &err))
    return qt_cli_fail(&err);
  return 0;
}
