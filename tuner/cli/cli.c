/* cli.c — `tune`, the command-line front end: parses arguments and calls libqtune, nothing
 * more. Subcommands: (none) tune a model or workload; query and export (cli_export.c); report
 * (cli_report.c); import (cli_import.c); merge (cli_merge.c); list; space; boards check. Exit
 * status 0 on success, 1 on an error (one line on stderr naming the cause), 2 on a usage error. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "db/db.h"
#include "schedules/space.h"
#include "tuner/base/config.h"
#include "tuner/build/build.h"
#include "tuner/loop/tune.h"
#include "tuner/output/export.h"
#include "tuner/output/report.h"
#include "tuner/run/boards.h"
#include "tuner/run/runner.h"
#include "tuner/search/search.h"

#ifndef QT_VERSION
#define QT_VERSION "0"
#endif

#define DEFAULT_TRIALS 8

/* Set by SIGINT/SIGTERM: the tuner stops after the measurement in progress. The one piece of
 * global mutable state, as a signal handler needs. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static const char tune_usage[] =
    "usage: tune [--target T] (--model M | --workload KEY) [options]\n"
    "       tune query --target T (--model M | --workload KEY) [--top K] [--format text|json|csv]\n"
    "       tune export --target T --model M [--db F] --out DIR [--strict]\n"
    "       tune import MODEL.tflite --out DIR/NAME.yaml [--force]\n"
    "       tune report --target T --model M [--db F] --html OUT.html [--peers PEERS.csv]\n"
    "       tune merge OUT.db IN.db...\n"
    "       tune list targets|models\n"
    "       tune space [--target T] (--workload KEY | --model M [--layers LIST])\n"
    "       tune boards check [--boards F]\n"
    "\n"
    "Tunes the convolution layers of a model (or one workload) on a target and records every\n"
    "measurement in a SQLite log. Running the same command again measures only what the log\n"
    "does not hold yet.\n"
    "\n"
    "options:\n"
    "  --target T          target from configs/targets (default: host)\n"
    "  --model M           model from configs/models (e.g. mobilenet_v2)\n"
    "  --workload KEY      a single workload by canonical key (see tune space)\n"
    "  --layers LIST       comma-separated layer names of the model to tune\n"
    "  --dtype D           s8 | u8: override the model's data type\n"
    "  --requant R         fixedpoint | fp32: override the model's requantization scheme\n"
    "  --db F              tuning log (default: ./tuning.db); tune runs on one host may share\n"
    "                      it (each config is measured once); never on a network file system\n"
    "  --trials N          configs per distinct workload, default config included (default 8)\n"
    "  --budget N          configs for the whole model instead, shared out by the task\n"
    "                      scheduler to the workloads where the model's time can drop most\n"
    "                      (weighted by how many layers run each); overrides --trials\n"
    "  --early-stop N      stop a workload after N configs without a new best (default: off)\n"
    "  --confirm N         at the end of a workload, re-measure its best N configs that are\n"
    "                      within 15% of the best against each other in 3 interleaved rounds\n"
    "                      and record the winner as its best (default 3; 0 or 1: off)\n"
    "  --strategy S        model (XGBoost cost model) | ga (genetic) | random | grid\n"
    "                      (default: model)\n"
    "  --replay FULL.db    answer every measurement from a recorded log instead of building\n"
    "                      and running (compare strategies offline; configs it lacks are\n"
    "                      reported and not recorded)\n"
    "  --no-transfer       the model starts from nothing instead of the log's records of\n"
    "                      the target's other workloads, and does not first measure the\n"
    "                      fastest configs of the same shape in another scheme or dtype\n"
    "  --jobs N            parallel builds (default: number of CPUs; with --cc-wrapper\n"
    "                      distcc, up to the slots of all DISTCC_HOSTS, at most 64)\n"
    "  --cc-wrapper CMD    compile each source alone as 'CMD <compiler> ... -c' (e.g. distcc,\n"
    "                      which reads DISTCC_HOSTS from the environment) and link here;\n"
    "                      artifacts and the cache key are the same as without it\n"
    "  --shard I/N         tune only the workloads in shard I of N (FNV-1a 64 of the canonical\n"
    "                      workload key, mod N): N runs with I = 1..N cover the model once;\n"
    "                      fold their logs with tune merge. A --budget is shared by the\n"
    "                      shard's workloads only\n"
    "  --seed N            search seed (default: 1)\n"
    "  --measure M         cold | warm: how a variant is timed (default: cold where the\n"
    "                      target's timing is wall-clock time, warm otherwise). cold: each\n"
    "                      repeat is one run after its input, weights and output are evicted\n"
    "                      from the caches (as a layer finds its weights in a network; warm\n"
    "                      repeats rank configs by caches a network never has); warm: each\n"
    "                      repeat is back-to-back runs for at least --min-repeat-ms\n"
    "  --repeat N          timed repeats per measurement (default: 15 cold, 5 warm)\n"
    "  --min-repeat-ms N   warm: minimum duration of one repeat (default: 5)\n"
    "  --run-timeout S     seconds before a run is killed (default: 60)\n"
    "  --boards F          measure on the boards of the target listed in boards file F\n"
    "                      (configs/boards.example.yaml); default: this machine, with the\n"
    "                      target's emulator for a foreign architecture\n"
    "  --accept-new-host-key  add a board's host key that known_hosts lacks (a changed key\n"
    "                      is always refused)\n"
    "  --no-pin            do not pin measurements to the last CPU\n"
    "  --configs DIR       configs directory (default: $QTUNE_CONFIGS, else the installed\n"
    "                      share/qtune/configs beside bin/tune, else the source tree's)\n"
    "  --kernels DIR       kernels directory (default: $QTUNE_KERNELS, likewise)\n"
    "  --cache-dir DIR     artifact cache (default: $XDG_CACHE_HOME/qtune or ~/.cache/qtune)\n"
    "  --version           print the version\n"
    "  -h, --help          this help\n";

static const char boards_usage[] =
    "usage: tune boards check [--boards F] [--accept-new-host-key] [--configs DIR]\n"
    "                         [--kernels DIR]\n"
    "Connects to each board of boards file F (default: ./boards.yaml), verifies its host key,\n"
    "runs a tiny program built for the board's target there (linked with the target's\n"
    "runtime from the kernels directory where it has one), and prints the connect, upload\n"
    "and round-trip times. Exits 1 if any board fails.\n";

static const char list_usage[] = "usage: tune list targets|models [--configs DIR]\n";

static const char space_usage[] =
    "usage: tune space [--target T] (--workload KEY | --model M [--layers LIST])\n"
    "Prints, for each distinct workload, the applicable templates, their knobs with candidate\n"
    "values, the space size before and after constraints, and the default config.\n";

typedef struct cli {
  const char *target, *model, *workload, *layers, *db, *strategy, *dtype, *requant;
  const char *configs_dir, *kernels_dir, *cache_dir, *boards;
  int accept_new_host_key;
  const char *measure; /* "cold", "warm" or NULL: by the target's timing */
  int trials, early_stop, confirm, jobs, repeat, min_repeat_ms, run_timeout_s, no_pin, json;
  int no_transfer;
  int budget;
  const char *replay;
  const char *cc_wrapper;
  int shard_index, shard_count;
  uint64_t seed;
} cli;

static int parse_count(const char *opt, const char *s, int min, int max, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max) {
    fprintf(stderr, "tune: %s: expected an integer in [%d, %d], got '%s'\n", opt, min, max, s);
    return QT_CLI_EXIT_USAGE;
  }
  *out = (int)v;
  return 0;
}

/* --shard I/N: 1 <= I <= N <= 4096. */
static int parse_shard(const char *s, int *index, int *count) {
  char *slash = strchr(s, '/'), *end;
  long i = 0, n = 0;
  int ok = slash && slash != s;
  if (ok) {
    errno = 0;
    i = strtol(s, &end, 10);
    ok = !errno && end == slash && s[0] != '-' && s[0] != '+';
  }
  if (ok) {
    n = strtol(slash + 1, &end, 10);
    ok = !errno && end != slash + 1 && !*end && slash[1] != '-' && slash[1] != '+';
  }
  if (!ok || n < 1 || n > 4096 || i < 1 || i > n) {
    fprintf(stderr, "tune: --shard: expected I/N with 1 <= I <= N <= 4096 (e.g. 2/4), got '%s'\n",
            s);
    return QT_CLI_EXIT_USAGE;
  }
  *index = (int)i;
  *count = (int)n;
  return 0;
}

enum {
  OPT_TRIALS = QT_CLI_OPT_OWN, OPT_EARLY, OPT_CONFIRM, OPT_STRATEGY, OPT_JOBS, OPT_SEED,
  OPT_REPEAT, OPT_MINREP, OPT_MEASURE, OPT_TIMEOUT, OPT_NOPIN, OPT_KERNELS, OPT_CACHE, OPT_JSON,
  OPT_VERSION, OPT_BOARDS, OPT_ACCEPT_NEW, OPT_NO_TRANSFER, OPT_REPLAY, OPT_BUDGET, OPT_CC_WRAPPER,
  OPT_SHARD
};

static const struct option long_opts[] = {
    QT_CLI_SELECTION_OPTIONS,
    {"trials", required_argument, NULL, OPT_TRIALS},
    {"early-stop", required_argument, NULL, OPT_EARLY},
    {"confirm", required_argument, NULL, OPT_CONFIRM},
    {"strategy", required_argument, NULL, OPT_STRATEGY},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"seed", required_argument, NULL, OPT_SEED},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"min-repeat-ms", required_argument, NULL, OPT_MINREP},
    {"measure", required_argument, NULL, OPT_MEASURE},
    {"run-timeout", required_argument, NULL, OPT_TIMEOUT},
    {"no-pin", no_argument, NULL, OPT_NOPIN},
    {"no-transfer", no_argument, NULL, OPT_NO_TRANSFER},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"budget", required_argument, NULL, OPT_BUDGET},
    {"cc-wrapper", required_argument, NULL, OPT_CC_WRAPPER},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"kernels", required_argument, NULL, OPT_KERNELS},
    {"cache-dir", required_argument, NULL, OPT_CACHE},
    {"json", no_argument, NULL, OPT_JSON},
    {"version", no_argument, NULL, OPT_VERSION},
    {"boards", required_argument, NULL, OPT_BOARDS},
    {"accept-new-host-key", no_argument, NULL, OPT_ACCEPT_NEW},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Parses options for subcommand sub ("tune", "list", "space", "boards"); options that do not
 * belong to the subcommand are usage errors. Returns 0, QT_CLI_EXIT_USAGE, or -1 for --help/--version
 * (already printed). */
static int parse_args(int argc, char **argv, const char *sub, const char *usage, cli *c) {
  static const char *const allowed_list[] = {"configs", "help", NULL};
  static const char *const allowed_space[] = {"target", "model", "workload", "layers",
                                              "dtype", "requant", "configs", "help", NULL};
  static const char *const allowed_boards[] = {"boards", "accept-new-host-key", "configs",
                                               "kernels", "help", NULL};
  const char *const *allowed = strcmp(sub, "boards") == 0  ? allowed_boards
                               : strcmp(sub, "list") == 0  ? allowed_list
                               : strcmp(sub, "space") == 0 ? allowed_space
                                                           : NULL;
  /* "tune: ..." for the main command, "tune space: ..." for a subcommand. */
  const char *cmd = strcmp(sub, "tune") == 0 ? "tune" : NULL;
  char cmd_buf[32];
  if (!cmd) {
    snprintf(cmd_buf, sizeof cmd_buf, "tune %s", sub);
    cmd = cmd_buf;
  }
  optind = 1;
  opterr = 0;
  int opt, idx = -1, rc = 0;
  while ((opt = getopt_long(argc, argv, ":h", long_opts, &idx)) != -1) {
    if (opt == '?') {
      fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", cmd, argv[optind - 1], cmd);
      return QT_CLI_EXIT_USAGE;
    }
    if (opt == ':') {
      fprintf(stderr, "%s: option '%s' needs a value\n", cmd, argv[optind - 1]);
      return QT_CLI_EXIT_USAGE;
    }
    if (opt == 'h') {
      fputs(usage, stdout);
      return -1;
    }
    const char *name = NULL;
    for (const struct option *o = long_opts; o->name; o++)
      if (o->val == opt) name = o->name;
    if (allowed) {
      int ok = 0;
      for (int i = 0; allowed[i]; i++) ok |= strcmp(allowed[i], name) == 0;
      if (!ok) {
        fprintf(stderr, "tune %s: option '--%s' does not apply here (see tune %s --help)\n",
                sub, name, sub);
        return QT_CLI_EXIT_USAGE;
      }
    }
    switch (opt) {
      case QT_CLI_OPT_TARGET: c->target = optarg; break;
      case QT_CLI_OPT_MODEL: c->model = optarg; break;
      case QT_CLI_OPT_WORKLOAD: c->workload = optarg; break;
      case QT_CLI_OPT_LAYERS: c->layers = optarg; break;
      case QT_CLI_OPT_DTYPE: c->dtype = optarg; break;
      case QT_CLI_OPT_REQUANT: c->requant = optarg; break;
      case QT_CLI_OPT_DB: c->db = optarg; break;
      case OPT_STRATEGY: c->strategy = optarg; break;
      case OPT_MEASURE:
        if (strcmp(optarg, "cold") && strcmp(optarg, "warm")) {
          fprintf(stderr, "tune: --measure: expected cold or warm, got '%s'\n", optarg);
          rc = QT_CLI_EXIT_USAGE;
        }
        c->measure = optarg;
        break;
      case QT_CLI_OPT_CONFIGS: c->configs_dir = optarg; break;
      case OPT_KERNELS: c->kernels_dir = optarg; break;
      case OPT_CACHE: c->cache_dir = optarg; break;
      case OPT_BOARDS: c->boards = optarg; break;
      case OPT_ACCEPT_NEW: c->accept_new_host_key = 1; break;
      case OPT_JSON: c->json = 1; break;
      case OPT_NOPIN: c->no_pin = 1; break;
      case OPT_NO_TRANSFER: c->no_transfer = 1; break;
      case OPT_REPLAY: c->replay = optarg; break;
      case OPT_CC_WRAPPER: c->cc_wrapper = optarg; break;
      case OPT_SHARD: rc = parse_shard(optarg, &c->shard_index, &c->shard_count); break;
      case OPT_BUDGET: rc = parse_count("--budget", optarg, 1, 100000000, &c->budget); break;
      case OPT_TRIALS: rc = parse_count("--trials", optarg, 1, 1000000, &c->trials); break;
      case OPT_EARLY: rc = parse_count("--early-stop", optarg, 0, 1000000, &c->early_stop); break;
      case OPT_CONFIRM: rc = parse_count("--confirm", optarg, 0, 8, &c->confirm); break;
      case OPT_JOBS: rc = parse_count("--jobs", optarg, 1, 64, &c->jobs); break;
      case OPT_REPEAT: rc = parse_count("--repeat", optarg, 1, QT_DB_MAX_TIMES, &c->repeat); break;
      case OPT_MINREP: rc = parse_count("--min-repeat-ms", optarg, 0, 60000, &c->min_repeat_ms); break;
      case OPT_TIMEOUT: rc = parse_count("--run-timeout", optarg, 1, 86400, &c->run_timeout_s); break;
      case OPT_SEED: {
        int s = 0;
        rc = parse_count("--seed", optarg, 0, INT_MAX, &s);
        if (!rc) c->seed = (uint64_t)s;
        break;
      }
      case OPT_VERSION: printf("tune (qtune) %s\n", QT_VERSION); return -1;
    }
    if (rc) return rc;
  }
  if (optind < argc) {
    fprintf(stderr, "tune %s: unexpected argument '%s'\n", sub, argv[optind]);
    return QT_CLI_EXIT_USAGE;
  }
  if (c->replay && c->boards) {
    fprintf(stderr, "tune: --replay answers from a log, --boards measures: give one of them\n");
    return QT_CLI_EXIT_USAGE;
  }
  if (c->strategy && !qt_strategy_exists(c->strategy)) {
    fprintf(stderr, "tune: --strategy: expected one of %s, got '%s'\n", qt_strategy_names(),
            c->strategy);
    return QT_CLI_EXIT_USAGE;
  }
  return 0;
}


/* Loads the model named by --model or --workload, restricted to --layers. */
static int load_model(const cli *c, qt_model *m, qt_err *err) {
  if (!!c->model == !!c->workload)
    return qt_fail(err, QT_EINVAL, "give exactly one of --model or --workload");
  int rc = c->model ? qt_model_load(c->configs_dir, c->model, m, err)
                    : qt_model_from_workload(c->workload, m, err);
  if (rc == 0 && ((c->layers && (rc = qt_model_select_layers(m, c->layers, err))) ||
                  (rc = qt_model_override_quant(m, c->dtype, c->requant, err))))
    qt_model_free(m);
  return rc;
}

static void command_line(int argc, char **argv, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < argc && used < cap; i++)
    used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? " " : "", argv[i]);
}

/* Tells which board qt_runners_open left out, and why. */
static void print_left_out(void *ctx, const char *board, const qt_err *why) {
  (void)ctx;
  fprintf(stderr, "tune: board %s left out: %s\n", board, why->msg);
}

static int cmd_tune(int argc, char **argv, cli *c) {
  qt_err err = {0, ""};
  qt_target target;
  qt_model model;
  if (qt_target_load(c->configs_dir, c->target, &target, &err)) return qt_cli_fail(&err);
  const int cold = c->measure ? !strcmp(c->measure, "cold") : target.timing == QT_TIMING_WALL;
  if (cold && target.timing == QT_TIMING_ICOUNT) {
    fprintf(stderr,
            "tune: --measure cold: target %s counts instructions (timing: icount), "
            "which no cache state changes, and its harness cannot evict\n",
            target.name);
    return QT_CLI_EXIT_USAGE;
  }
  if (cold && c->min_repeat_ms > 0) {
    fprintf(stderr,
            "tune: --min-repeat-ms sets how long a warm repeat runs; cold repeats (the "
            "default for target %s) are one run each: add --measure warm\n",
            target.name);
    return QT_CLI_EXIT_USAGE;
  }
  if (load_model(c, &model, &err)) return qt_cli_fail(&err);

  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (ncpu < 1) ncpu = 1;
  char cache[QT_PATH_MAX];
  if (c->cache_dir) snprintf(cache, sizeof cache, "%s", c->cache_dir);
  else qt_default_cache_dir(cache, sizeof cache);

  int status = 1;
  qt_db *db = NULL;
  qt_runner *rns[QT_BOARDS_MAX];
  int n_rns = 0;
  qt_build_ctx *bctx = malloc(sizeof *bctx);
  if (!bctx) {
    qt_fail(&err, QT_ENOMEM, "out of memory");
    goto done;
  }
  /* Boards first: a refused host key should not wait for the harness to compile. */
  if (c->boards && qt_runners_open(c->boards, target.name, c->kernels_dir, c->accept_new_host_key, rns, &n_rns,
                                   print_left_out, NULL, &err))
    goto done;
  qt_build_opts bopts = {c->cc_wrapper};
  if (qt_build_ctx_init_with(bctx, c->kernels_dir, cache, &target, 300000, &bopts, &err))
    goto done;

  /* Without boards, the local board; a target of another architecture runs under its
   * emulator. */
  const char *wrapper = "";
  char emulator[QT_PATH_MAX + 64];
#if defined(__x86_64__)
  const char *host_arch = "x86_64";
#elif defined(__aarch64__)
  const char *host_arch = "aarch64";
#else
  const char *host_arch = "";
#endif
  if (!c->boards && !c->replay && strcmp(target.arch, host_arch) != 0) {
    if (!target.emulator[0]) {
      qt_fail(&err, QT_ECONFIG, "target %s (%s) cannot run on this %s machine and has no "
              "emulator configured; give a boards file", target.name, target.arch, host_arch);
      goto done;
    }
    if (qt_target_emulator(&target, c->kernels_dir, emulator, sizeof emulator)) {
      qt_fail(&err, QT_ECONFIG, "target %s: emulator command too long", target.name);
      goto done;
    }
    wrapper = emulator;
    if (target.timing == QT_TIMING_ICOUNT)
      fprintf(stderr, "tune: running %s artifacts locally under '%s': results are checked for "
              "correctness and measured in %s, not time\n", target.name, wrapper,
              qt_timing_unit(target.timing));
    else
      fprintf(stderr, "tune: running %s artifacts locally under '%s': results are checked for "
              "correctness, but emulated times say nothing about real speed\n", target.name,
              wrapper);
  }
  if (!c->boards) {
    qt_board_def local;
    if (c->replay) qt_board_replay(c->replay, target.name, &local);
    else qt_board_local("local", target.name, wrapper, &local);
    if (qt_runner_create(&local, 0, &rns[0], &err)) goto done;
    n_rns = 1;
  }
  if (qt_db_open(c->db, 5000, &db, &err)) goto done;
  /* Before anything is measured: a log holds one unit per target. */
  if (qt_db_set_target_unit(db, target.name, qt_timing_unit(target.timing), &err))
    goto done;

  char cmdline[4096];
  command_line(argc, argv, cmdline, sizeof cmdline);
  int64_t session;
  if (qt_db_session_begin(db, cmdline, QT_VERSION, &session, &err)) goto done;

  qt_tune_options o = {0};
  o.strategy = c->strategy ? c->strategy : "model";
  o.transfer = !c->no_transfer;
  o.trials = c->trials;
  o.budget = c->budget;
  o.early_stop = c->early_stop;
  o.confirm = c->confirm;
  o.jobs = c->jobs ? c->jobs : (int)ncpu;
  o.seed = c->seed;
  o.shard_index = c->shard_index;
  o.shard_count = c->shard_count;
  qt_protocol proto = QT_PROTOCOL_DEFAULTS;
  if (cold) {
    /* one run per repeat, its buffers evicted first; single runs scatter more, so more */
    proto.evict = 1;
    proto.number = 1;
    proto.min_repeat_ms = 0;
    proto.repeat = 15;
  }
  if (c->repeat) proto.repeat = c->repeat;
  if (c->min_repeat_ms >= 0) proto.min_repeat_ms = c->min_repeat_ms;
  /* Boards pin on their side (their cores); the local board to the last CPU. */
  proto.pin = (!c->boards && !c->no_pin && ncpu > 1 && !wrapper[0]) ? (int)ncpu - 1 : -1;
  o.protocol = proto;
  o.build_cpu_avoid = proto.pin;
  o.run_timeout_ms = c->run_timeout_s * 1000;
  qt_cli_progress progress;
  qt_cli_progress_init(&progress, stderr, isatty(STDERR_FILENO), target.timing);
  o.on_event = qt_cli_progress_event;
  o.event_ctx = &progress;
  o.stop = &stop_requested;

  char plan[96];
  if (o.budget)
    snprintf(plan, sizeof plan, "a budget of %d trials shared by the task scheduler", o.budget);
  else
    snprintf(plan, sizeof plan, "%d trials each", o.trials);
  char shard[96] = "";
  if (o.shard_count) {
    int mine = 0;
    for (int t = 0; t < model.n_tasks; t++)
      mine += qt_task_shard(model.tasks[t].key, o.shard_count) == o.shard_index;
    snprintf(shard, sizeof shard, " (shard %d/%d: %d of them)", o.shard_index, o.shard_count,
             mine);
  }
  fprintf(stderr, "tune: %s on %s: %d layers, %d distinct workloads%s, %s, strategy %s, log %s\n",
          model.name, target.name, model.n_layers, model.n_tasks, shard, plan, o.strategy, c->db);
  qt_tune_stats stats;
  if (c->boards)
    fprintf(stderr, "tune: %d board%s of %s measuring in parallel\n", n_rns, n_rns > 1 ? "s" : "",
            target.name);
  int rc = qt_tune_model_boards(db, session, &model, bctx, rns, n_rns, &o, &stats, &err);
  qt_cli_progress_end(&progress);
  qt_err end_err;
  qt_db_session_end(db, session, &end_err);
  fprintf(stderr, "tune: %d %s, %d already in the log, %d failed, %.1f s (strategy %s: "
          "%.2f s deciding)\n", stats.measured, c->replay ? "replayed" : "measured",
          stats.skipped, stats.failed, stats.seconds, o.strategy, stats.search_ms / 1e3);
  if (stats.unsupported)
    fprintf(stderr, "tune: %d distinct workloads are unsupported on %s and were not tuned (see "
            "above)\n", stats.unsupported, target.name);
  if (stats.claimed)
    fprintf(stderr, "tune: %d configs were being measured by another tune run on this log "
            "(left to it)\n", stats.claimed);
  if (stats.missing)
    fprintf(stderr, "tune: %d proposed configs are not in the replay log %s (nothing recorded "
            "for them)\n", stats.missing, c->replay);
  if (rc) goto done;

  qt_layer_report *rows = calloc((size_t)model.n_layers, sizeof *rows);
  if (!rows || qt_report_collect(db, &model, &target, rows, &err)) {
    free(rows);
    if (!rows) qt_fail(&err, QT_ENOMEM, "out of memory");
    goto done;
  }
  qt_report_print_table(stdout, &model, &target, rows);
  free(rows);
  status = 0;
done:
  if (status) qt_cli_fail(&err);
  qt_db_close(db);
  for (int i = 0; i < n_rns; i++) qt_runner_destroy(rns[i]);
  free(bctx);
  qt_model_free(&model);
  return status;
}

/* tune boards check: per board, connect (host key, auth), upload and run the check program
 * of its target, and print where the time went. */
static int cmd_boards(int argc, char **argv, cli *c) {
  if (argc < 2 || strcmp(argv[1], "check") != 0) {
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
      fputs(boards_usage, stdout);
      return 0;
    }
    fprintf(stderr, "tune boards: expected 'check'\n%s", boards_usage);
    return QT_CLI_EXIT_USAGE;
  }
  int rc = parse_args(argc - 1, argv + 1, "boards", boards_usage, c);
  if (rc) return rc < 0 ? 0 : rc;
  const char *path = c->boards ? c->boards : "boards.yaml";
  qt_err err = {0, ""};
  qt_boards *bs = malloc(sizeof *bs);
  if (!bs) return qt_cli_fail(&err);
  if (qt_boards_load(path, bs, &err) || qt_boards_expand(bs, c->kernels_dir, &err)) {
    free(bs);
    return qt_cli_fail(&err);
  }
  char dir[] = "/tmp/qtune-check-XXXXXX";
  if (!mkdtemp(dir)) {
    free(bs);
    qt_fail(&err, QT_EIO, "cannot create a temporary directory: %s", strerror(errno));
    return qt_cli_fail(&err);
  }
  int failures = 0;
  for (int i = 0; i < bs->n; i++) {
    const qt_board_def *b = &bs->boards[i];
    qt_target t;
    char probe[QT_PATH_MAX + 64];
    qt_runner *rn = NULL;
    qt_proc_result r;
    memset(&r, 0, sizeof r);
    qt_err e = {0, ""};
    char where[400];
    if (b->kind == QT_BOARD_SSH)
      snprintf(where, sizeof where, "ssh %s@%s:%d", b->user, b->host, b->port);
    else
      snprintf(where, sizeof where, "local");
    int brc = qt_target_load(c->configs_dir, b->target, &t, &e);
    if (!brc) brc = qt_build_check_program(&t, c->kernels_dir, dir, probe, sizeof probe, &e);
    if (!brc) brc = qt_runner_create(b, c->accept_new_host_key, &rn, &e);
    if (!brc) brc = qt_runner_connect(rn, &e);
    double connect_ms = rn ? rn->last.connect_ms : 0;
    char *args[] = {NULL};
    if (!brc) brc = rn->ops->run(rn, probe, args, 30000, &r, &e);
    if (!brc && !(r.exited && r.exit_code == 0 && r.out && strstr(r.out, QT_CHECK_PROGRAM_OUTPUT))) {
      char how[128];
      qt_proc_describe(&r, 30000, how, sizeof how);
      brc = qt_fail(&e, QT_ERUN, "the check program did not run: %s: %.200s", how, r.err);
    }
    if (brc) {
      printf("board %s (%s, target %s): FAILED: %s\n", b->name, where, b->target, e.msg);
      failures++;
    } else if (b->kind == QT_BOARD_SSH) {
      printf("board %s (%s, target %s): ok: host key verified, connect %.1f ms, upload %.1f ms, "
             "round trip %.1f ms\n", b->name, where, b->target, connect_ms, rn->last.upload_ms,
             rn->last.exec_ms);
    } else {
      printf("board %s (%s, target %s): ok: round trip %.1f ms\n", b->name, where, b->target,
             r.wall_ms);
    }
    qt_proc_result_free(&r);
    qt_runner_destroy(rn);
  }
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "tune: cannot remove %s\n", dir);
  free(bs);
  return failures ? 1 : 0;
}

static int cmd_list(int argc, char **argv, cli *c) {
  /* The one positional argument comes before the options. */
  if (argc < 2 || (strcmp(argv[1], "targets") && strcmp(argv[1], "models"))) {
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
      fputs(list_usage, stdout);
      return 0;
    }
    fprintf(stderr, "tune list: expected 'targets' or 'models'\n%s", list_usage);
    return QT_CLI_EXIT_USAGE;
  }
  int rc = parse_args(argc - 1, argv + 1, "list", list_usage, c);
  if (rc) return rc < 0 ? 0 : rc;
  qt_err err = {0, ""};
  char names[4096];
  if (qt_config_list(c->configs_dir, argv[1], names, sizeof names, &err)) return qt_cli_fail(&err);
  for (char *p = strtok(names, ", "); p; p = strtok(NULL, ", ")) printf("%s\n", p);
  return 0;
}

static const char *family_name(qt_knob_family f) {
  switch (f) {
    case QT_FAMILY_CHANNEL_SPLIT: return "channel split";
    case QT_FAMILY_SPATIAL_TILE: return "spatial tile";
    case QT_FAMILY_LOOP_ORDER: return "loop order";
    case QT_FAMILY_INTERLEAVE: return "interleave";
    case QT_FAMILY_COMPUTE_AT: return "compute_at";
    case QT_FAMILY_ISA: return "isa";
  }
  return "?";
}

static int cmd_space(cli *c) {
  qt_err err = {0, ""};
  qt_target target;
  qt_model model;
  if (qt_target_load(c->configs_dir, c->target, &target, &err)) return qt_cli_fail(&err);
  if (load_model(c, &model, &err)) return qt_cli_fail(&err);
  int status = 0;
  for (int t = 0; t < model.n_tasks && !status; t++) {
    const qt_task *task = &model.tasks[t];
    qt_space s;
    int src = qt_space_init(&s, &task->w, &target, &err);
    if (src == QT_EUNSUPPORTED) { /* a fact about the target, not a failure of the command */
      printf("%s (layers:", err.msg);
      for (int i = 0; i < task->n_layers; i++) printf(" %s", model.layers[task->layers[i]].name);
      printf(")\n\n");
      continue;
    }
    if (src) {
      status = qt_cli_fail(&err);
      break;
    }
    printf("workload %s (target %s, layers:", task->key, target.name);
    for (int i = 0; i < task->n_layers; i++) printf(" %s", model.layers[task->layers[i]].name);
    printf(")\n");
    for (int i = 0; i < s.n_tpls; i++) {
      const qt_template_def *tpl = s.tpls[i];
      qt_space one = s; /* the template alone, to count its valid configs */
      one.n_tpls = 1;
      one.tpls[0] = tpl;
      one.offset[0] = 0;
      one.offset[1] = s.offset[i + 1] - s.offset[i];
      printf("  template %s (%s): %llu configs, %llu valid\n", tpl->name, tpl->source,
             (unsigned long long)qt_space_size(&one), (unsigned long long)qt_space_count_valid(&one));
      for (int k = 0; k < tpl->n_knobs; k++) {
        const qt_knob_def *kd = &tpl->knobs[k];
        printf("    %-6s %-14s {", kd->name, family_name(kd->family));
        for (int v = 0; v < kd->n_values; v++) {
          if (kd->labels[v]) printf("%s%s", v ? ", " : "", kd->labels[v]);
          else printf("%s%d", v ? ", " : "", kd->values[v]);
        }
        printf("}  %s\n", kd->help ? kd->help : "");
      }
    }
    qt_config def;
    char knobs[QT_KNOBS_MAX];
    qt_space_default(&s, &def);
    qt_config_format(&def, knobs, sizeof knobs);
    printf("  space: %llu configs before constraints, %llu valid\n",
           (unsigned long long)qt_space_size(&s), (unsigned long long)qt_space_count_valid(&s));
    printf("  default: %s\n\n", knobs);
  }
  qt_model_free(&model);
  return status;
}

/* Runs cmd between the runners' process-wide set-up and tear-down (libssh2's, which must
 * happen in the program, once, before any board thread). */
static int with_runners(int (*cmd)(int, char **, cli *), int argc, char **argv, cli *c) {
  qt_err err = {0, ""};
  if (qt_runner_global_init(&err)) return qt_cli_fail(&err);
  int rc = cmd(argc, argv, c);
  qt_runner_global_exit();
  return rc;
}

int main(int argc, char **argv) {
  cli c = {0};
  c.target = "host";
  c.db = "tuning.db";
  c.trials = DEFAULT_TRIALS;
  c.confirm = 3;
  c.jobs = 0;
  c.seed = 1;
  c.repeat = 0;         /* by --measure */
  c.min_repeat_ms = -1; /* given only with --measure warm */
  c.run_timeout_s = 60;
  char configs_dir[QT_PATH_MAX], kernels_dir[QT_PATH_MAX];
  qt_data_dir("QTUNE_CONFIGS", "configs", QT_DEFAULT_CONFIGS_DIR, configs_dir, sizeof configs_dir);
  qt_data_dir("QTUNE_KERNELS", "kernels", QT_DEFAULT_KERNELS_DIR, kernels_dir, sizeof kernels_dir);
  c.configs_dir = configs_dir;
  c.kernels_dir = kernels_dir;

  const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
  if (sub && strcmp(sub, "list") == 0) return cmd_list(argc - 1, argv + 1, &c);
  if (sub && strcmp(sub, "boards") == 0) return with_runners(cmd_boards, argc - 1, argv + 1, &c);
  if (sub && strcmp(sub, "export") == 0) return qt_cli_export(argc - 1, argv + 1);
  if (sub && strcmp(sub, "query") == 0) return qt_cli_query(argc - 1, argv + 1);
  if (sub && strcmp(sub, "import") == 0) return qt_cli_import(argc - 1, argv + 1);
  if (sub && strcmp(sub, "report") == 0) return qt_cli_report(argc - 1, argv + 1);
  if (sub && strcmp(sub, "merge") == 0) return qt_cli_merge(argc - 1, argv + 1);
  if (sub && strcmp(sub, "space")) {
    fprintf(stderr, "tune: unknown command '%s' (commands: query, export, report, import, merge, list, space, boards; see tune --help)\n", sub);
    return QT_CLI_EXIT_USAGE;
  }
  const char *usage = !sub ? tune_usage : space_usage;
  int rc = sub ? parse_args(argc - 1, argv + 1, sub, usage, &c)
               : parse_args(argc, argv, "tune", usage, &c);
  if (rc) return rc < 0 ? 0 : rc;
  if (!c.model && !c.workload) {
    fprintf(stderr, "tune%s%s: give --model M or --workload KEY (see --help)\n", sub ? " " : "",
            sub ? sub : "");
    return QT_CLI_EXIT_USAGE;
  }
  if (sub) return cmd_space(&c);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  return with_runners(cmd_tune, argc, argv, &c);
}
