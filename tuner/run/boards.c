/* boards.c — the boards-file loader of boards.h: the file read by the one YAML reader
 * (qt_yaml_load: size cap, syntax errors with positions), every field checked with its line
 * and column in the message. */
#include "tuner/run/boards.h"

#include "tuner/base/config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>


typedef struct bctx {
  const char *path;
  yaml_document_t *doc;
  qt_err *err;
} bctx;

static int fail_at(const bctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(const bctx *c, const yaml_node_t *n, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return qt_fail(c->err, QT_ECONFIG, "cannot read %s:%zu:%zu: %s", c->path,
                 n->start_mark.line + 1, n->start_mark.column + 1, msg);
}

static int get_string(const bctx *c, const yaml_node_t *n, const char *field, char *dst,
                      size_t cap) {
  if (n->type != YAML_SCALAR_NODE) return fail_at(c, n, "field '%s': expected a string", field);
  size_t len = n->data.scalar.length;
  if (strlen((const char *)n->data.scalar.value) != len)
    return fail_at(c, n, "field '%s' contains a NUL character", field);
  if (len >= cap)
    return fail_at(c, n, "field '%s' is %zu characters long, at most %zu fit", field, len,
                   cap - 1);
  memcpy(dst, n->data.scalar.value, len + 1);
  return 0;
}

static int get_int(const bctx *c, const yaml_node_t *n, const char *field, int min, int max,
                   int *out) {
  const char *s = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
      !*s || *end || errno || v < min || v > max)
    return fail_at(c, n, "field '%s': expected an integer in [%d, %d], got '%s'", field, min,
                   max, s);
  *out = (int)v;
  return 0;
}

/* Resolves p against the boards file's directory unless it is absolute or empty. */
static int resolve_path(const bctx *c, const yaml_node_t *n, const char *field, char *p,
                        size_t cap) {
  if (!p[0] || p[0] == '/') return 0;
  const char *slash = strrchr(c->path, '/');
  if (!slash) return 0;
  char tmp[QT_PATH_MAX];
  int len = snprintf(tmp, sizeof tmp, "%.*s/%s", (int)(slash - c->path), c->path, p);
  if (len < 0 || (size_t)len >= cap)
    return fail_at(c, n, "field '%s': path too long once resolved", field);
  memcpy(p, tmp, (size_t)len + 1);
  return 0;
}

enum { F_NAME, F_TARGET, F_KIND, F_HOST, F_PORT, F_USER, F_IDENTITY, F_KNOWN, F_WORKDIR,
       F_WRAPPER, F_CORES, F_TIMEOUT, F_CONNECT, F_RUN, F_COUNT };
static const char *const fields[F_COUNT] = {
    "name",     "target",  "kind",    "host",  "port",          "user",           "identity",
    "known_hosts", "workdir", "wrapper", "cores", "run_timeout_s", "connect_timeout_s", "run"};

/* 1 if word is one of the space-separated words of s. */
static int has_word(const char *s, const char *word) {
  const size_t n = strlen(word);
  for (const char *p = strstr(s, word); p; p = strstr(p + 1, word))
    if ((p == s || p[-1] == ' ' || p[-1] == '\t') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
      return 1;
  return 0;
}

static int parse_board(const bctx *c, const yaml_node_t *map, qt_board_def *b) {
  if (map->type != YAML_MAPPING_NODE) return fail_at(c, map, "expected a board mapping");
  yaml_node_t *v[F_COUNT] = {0};
  for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
       pr++) {
    yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
    int idx = -1;
    for (int i = 0; k->type == YAML_SCALAR_NODE && i < F_COUNT; i++)
      if (strcmp((const char *)k->data.scalar.value, fields[i]) == 0) idx = i;
    if (idx < 0)
      return fail_at(c, k, "unknown board field '%.64s' (fields: name, target, kind, host, "
                     "port, user, identity, known_hosts, workdir, wrapper, cores, "
                     "run_timeout_s, connect_timeout_s, run)",
                     k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?");
    if (v[idx]) return fail_at(c, k, "duplicate field '%s'", fields[idx]);
    v[idx] = yaml_document_get_node(c->doc, pr->value);
  }
  memset(b, 0, sizeof *b);
  b->port = 22;
  b->connect_timeout_s = 10;
  snprintf(b->workdir, sizeof b->workdir, "/tmp");
  char kind[16] = "local";
  for (int i = 0; i < 2; i++)
    if (!v[i]) return fail_at(c, map, "board is missing field '%s'", fields[i]);
  int rc = 0;
  if (!rc) rc = get_string(c, v[F_NAME], "name", b->name, sizeof b->name);
  if (!rc && !b->name[0]) rc = fail_at(c, v[F_NAME], "field 'name' must not be empty");
  /* The name goes into the log, remote paths and generated firmware comments. */
  if (!rc && b->name[strspn(b->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789_.-")])
    rc = fail_at(c, v[F_NAME], "field 'name': '%s' has a character other than letters, digits, "
                 "'_', '.' and '-'", b->name);
  if (!rc) rc = get_string(c, v[F_TARGET], "target", b->target, sizeof b->target);
  if (!rc && !b->target[0]) rc = fail_at(c, v[F_TARGET], "field 'target' must not be empty");
  if (!rc && v[F_KIND]) rc = get_string(c, v[F_KIND], "kind", kind, sizeof kind);
  if (!rc && strcmp(kind, "local") && strcmp(kind, "ssh"))
    rc = fail_at(c, v[F_KIND], "field 'kind': expected local or ssh, got '%s'", kind);
  b->kind = strcmp(kind, "ssh") == 0 ? QT_BOARD_SSH : QT_BOARD_LOCAL;
  if (!rc && v[F_HOST]) rc = get_string(c, v[F_HOST], "host", b->host, sizeof b->host);
  if (!rc && v[F_PORT]) rc = get_int(c, v[F_PORT], "port", 1, 65535, &b->port);
  if (!rc && v[F_USER]) rc = get_string(c, v[F_USER], "user", b->user, sizeof b->user);
  if (!rc && v[F_IDENTITY])
    rc = get_string(c, v[F_IDENTITY], "identity", b->identity, sizeof b->identity);
  if (!rc && v[F_IDENTITY])
    rc = resolve_path(c, v[F_IDENTITY], "identity", b->identity, sizeof b->identity);
  if (!rc && v[F_KNOWN])
    rc = get_string(c, v[F_KNOWN], "known_hosts", b->known_hosts, sizeof b->known_hosts);
  if (!rc && v[F_KNOWN])
    rc = resolve_path(c, v[F_KNOWN], "known_hosts", b->known_hosts, sizeof b->known_hosts);
  if (!rc && v[F_WORKDIR]) rc = get_string(c, v[F_WORKDIR], "workdir", b->workdir, sizeof b->workdir);
  if (!rc && v[F_WRAPPER]) rc = get_string(c, v[F_WRAPPER], "wrapper", b->wrapper, sizeof b->wrapper);
  if (!rc && v[F_RUN]) rc = get_string(c, v[F_RUN], "run", b->run, sizeof b->run);
  if (!rc && v[F_RUN] && !has_word(b->run, "{image}"))
    rc = fail_at(c, v[F_RUN], "field 'run': the command must name the image as the word "
                 "{image}, got '%s'", b->run);
  if (!rc && v[F_RUN] && b->wrapper[0])
    rc = fail_at(c, v[F_RUN], "field 'run': give either run (a command that runs the image) or "
                 "wrapper, not both");
  if (!rc && v[F_CORES]) rc = get_string(c, v[F_CORES], "cores", b->cores, sizeof b->cores);
  if (!rc && b->cores[0] && strspn(b->cores, "0123456789,-") != strlen(b->cores))
    rc = fail_at(c, v[F_CORES], "field 'cores': expected a CPU list like 3 or 2-3, got '%s'",
                 b->cores);
  if (!rc && v[F_TIMEOUT])
    rc = get_int(c, v[F_TIMEOUT], "run_timeout_s", 1, 86400, &b->run_timeout_s);
  if (!rc && v[F_CONNECT])
    rc = get_int(c, v[F_CONNECT], "connect_timeout_s", 1, 3600, &b->connect_timeout_s);
  if (rc) return rc;
  if (b->kind == QT_BOARD_SSH) {
    static const int need[] = {F_HOST, F_USER, F_KNOWN};
    const char *got[] = {b->host, b->user, b->known_hosts};
    for (int i = 0; i < 3; i++) {
      if (!v[need[i]])
        return fail_at(c, map, "ssh board '%s' is missing field '%s'", b->name,
                       fields[need[i]]);
      /* "known_hosts:" with no value is an empty string, not a file to check keys against. */
      if (!got[i][0])
        return fail_at(c, v[need[i]], "ssh board '%s': field '%s' is empty", b->name,
                       fields[need[i]]);
    }
    if (b->workdir[0] != '/')
      return fail_at(c, v[F_WORKDIR], "field 'workdir' must be an absolute path, got '%s'",
                     b->workdir);
    /* The mark names this machine's kernels directory, which the board does not have. */
    if (strstr(b->wrapper, QT_KERNELS_MARK) || strstr(b->run, QT_KERNELS_MARK))
      return fail_at(c, v[strstr(b->wrapper, QT_KERNELS_MARK) ? F_WRAPPER : F_RUN],
                     "ssh board '%s': " QT_KERNELS_MARK " names tune's kernels directory on "
                     "this machine, not on the board; give the board's own path", b->name);
  } else if (v[F_RUN]) {
    return fail_at(c, v[F_RUN], "field 'run' is for ssh boards (the host an MCU is attached "
                   "to); a local board runs its image through 'wrapper'");
  }
  return 0;
}

int qt_boards_expand(qt_boards *bs, const char *kernels_dir, qt_err *err) {
  for (int i = 0; i < bs->n; i++) {
    qt_board_def *b = &bs->boards[i];
    char wrapper[sizeof b->wrapper];
    if (b->kind != QT_BOARD_LOCAL) continue;
    if (qt_expand_kernels_mark(b->wrapper, kernels_dir, wrapper, sizeof wrapper))
      return qt_fail(err, QT_ECONFIG, "board %s: wrapper too long once " QT_KERNELS_MARK
                     " is %s", b->name, kernels_dir);
    memcpy(b->wrapper, wrapper, sizeof wrapper);
  }
  return 0;
}

int qt_boards_load(const char *path, qt_boards *out, qt_err *err) {
  memset(out, 0, sizeof *out);
  yaml_document_t doc;
  int rc = qt_yaml_load(path, &doc, err);
  if (rc) return qt_err_wrap(err, "boards file");
  bctx c = {path, &doc, err};
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  yaml_node_t *list = NULL;
  if (!root) {
    rc = qt_fail(err, QT_ECONFIG, "cannot read %s: the file is empty", path);
    goto done;
  }
  if (root->type == YAML_MAPPING_NODE) {
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
         pr < root->data.mapping.pairs.top; pr++) {
      yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
      if (k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, "boards") == 0)
        list = yaml_document_get_node(&doc, pr->value);
      else {
        rc = fail_at(&c, k, "unknown top-level field (expected only 'boards')");
        goto done;
      }
    }
  }
  if (!list || list->type != YAML_SEQUENCE_NODE) {
    rc = fail_at(&c, list ? list : root, "expected 'boards:' with a list of boards");
    goto done;
  }
  for (yaml_node_item_t *it = list->data.sequence.items.start;
       it < list->data.sequence.items.top && !rc; it++) {
    yaml_node_t *n = yaml_document_get_node(&doc, *it);
    if (out->n >= QT_BOARDS_MAX) {
      rc = fail_at(&c, n, "more than %d boards", QT_BOARDS_MAX);
      break;
    }
    qt_board_def *b = &out->boards[out->n];
    if ((rc = parse_board(&c, n, b))) break;
    for (int i = 0; i < out->n; i++)
      if (strcmp(out->boards[i].name, b->name) == 0)
        rc = fail_at(&c, n, "duplicate board name '%s'", b->name);
    out->n++;
  }
  if (!rc && out->n == 0) rc = fail_at(&c, list, "no boards listed");
done:
  yaml_document_delete(&doc);
  return rc;
}

int qt_boards_for_target(const qt_boards *b, const char *target, int *idx) {
  int n = 0;
  for (int i = 0; i < b->n; i++)
    if (strcmp(b->boards[i].target, target) == 0) idx[n++] = i;
  return n;
}

void qt_board_local(const char *name, const char *target, const char *wrapper,
                    qt_board_def *out) {
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "%s", name);
  snprintf(out->target, sizeof out->target, "%s", target);
  out->kind = QT_BOARD_LOCAL;
  snprintf(out->wrapper, sizeof out->wrapper, "%s", wrapper ? wrapper : "");
}

void qt_board_replay(const char *path, const char *target, qt_board_def *out) {
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "replay");
  snprintf(out->target, sizeof out->target, "%s", target);
  out->kind = QT_BOARD_REPLAY;
  snprintf(out->log, sizeof out->log, "%s", path);
}
