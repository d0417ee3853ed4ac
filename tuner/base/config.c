/* config.c — the YAML loader of config.h: target and model files read with libyaml's document
 * API, validated field by field (every error names file:line:column, the field and the
 * reason), host ISA detection for targets with detect_isa, the dedup of a model's layers into
 * tasks, layer selection, one-layer models from a workload key, and the listing of the
 * configs directory that "unknown name" errors quote. Nothing here keeps state between calls;
 * every loaded model owns its arrays until qt_model_free. */
#include "tuner/base/config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

/* A config file is a few kilobytes; anything this large is not one. */
#define MAX_CONFIG_BYTES (16u << 20)

/* The architecture this library was compiled for, i.e. the CPU detect_isa looks at. */
static const char *running_arch(void) {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "unknown";
#endif
}

/* ISA features of the running CPU. On x86 __builtin_cpu_supports also checks that the OS
 * saves the wide registers (XCR0), so a reported feature is one that can be used. */
static uint32_t detect_running_isa(void) {
  uint32_t isa = 0;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.1")) isa |= QT_ISA_SSE41;
  /* avx2 as x86-64-v3 has it, with FMA (the avx2 strategy compiles with -mfma) */
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) isa |= QT_ISA_AVX2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
    isa |= QT_ISA_AVX512;
  if ((isa & QT_ISA_AVX512) && __builtin_cpu_supports("avx512vnni")) isa |= QT_ISA_AVX512VNNI;
#elif defined(__aarch64__) && defined(__linux__)
  unsigned long hw = getauxval(AT_HWCAP);
  if (hw & (1ul << 1)) isa |= QT_ISA_NEON;                           /* HWCAP_ASIMD */
  if ((isa & QT_ISA_NEON) && (hw & (1ul << 20))) isa |= QT_ISA_DOTPROD; /* HWCAP_ASIMDDP */
#endif
  return isa;
}

/* ---- file reading and libyaml ---------------------------------------------------------- */

int qt_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len, qt_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return qt_fail(err, QT_EIO, "cannot open '%s': %s", path, strerror(errno));
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int rc = 0;
  for (;;) {
    if (cap - len < 4096) {
      if (cap >= max_bytes) {
        rc = qt_fail(err, QT_EIO, "cannot read '%s': larger than %zu bytes", path, max_bytes);
        break;
      }
      size_t ncap = cap ? cap * 2 : 8192;
      char *nbuf = realloc(buf, ncap + 1);
      if (!nbuf) {
        rc = qt_fail(err, QT_ENOMEM, "cannot read '%s': out of memory", path);
        break;
      }
      buf = nbuf;
      cap = ncap;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f)) rc = qt_fail(err, QT_EIO, "cannot read '%s': %s", path, strerror(errno));
      break;
    }
  }
  fclose(f);
  if (rc < 0) {
    free(buf);
    return rc;
  }
  if (!buf) buf = malloc(1);
  if (!buf) return qt_fail(err, QT_ENOMEM, "cannot read '%s': out of memory", path);
  buf[len] = '\0';
  *out = buf;
  *out_len = len;
  return 0;
}

/* 1-based line and column of a byte offset (libyaml's reader errors give only the offset). */
static void offset_to_line_col(const char *buf, size_t len, size_t off, size_t *line,
                               size_t *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off && i < len; i++) {
    if (buf[i] == '\n') {
      ++*line;
      *col = 1;
    } else {
      ++*col;
    }
  }
}

/* The one place libyaml's errors become qt errors: memory errors are QT_ENOMEM, everything
 * else is a syntax error reported with libyaml's own problem text and 1-based position. */
static int yaml_error_to_qt(const yaml_parser_t *p, const char *path, const char *buf,
                            size_t len, qt_err *err) {
  const char *problem = p->problem ? p->problem : "unknown problem";
  switch (p->error) {
    case YAML_MEMORY_ERROR:
      return qt_fail(err, QT_ENOMEM, "cannot parse '%s': out of memory", path);
    case YAML_READER_ERROR: {
      size_t line, col;
      offset_to_line_col(buf, len, p->problem_offset, &line, &col);
      return qt_fail(err, QT_ECONFIG, "%s:%zu:%zu: YAML error: %s (byte 0x%02x)", path, line, col,
                     problem, (unsigned)p->problem_value & 0xffu);
    }
    default:
      if (p->context)
        return qt_fail(err, QT_ECONFIG, "%s:%zu:%zu: YAML syntax error: %s (%s at line %zu, "
                       "column %zu)", path, p->problem_mark.line + 1, p->problem_mark.column + 1,
                       problem, p->context, p->context_mark.line + 1, p->context_mark.column + 1);
      return qt_fail(err, QT_ECONFIG, "%s:%zu:%zu: YAML syntax error: %s", path,
                     p->problem_mark.line + 1, p->problem_mark.column + 1, problem);
  }
}

int qt_yaml_load(const char *path, yaml_document_t *doc, qt_err *err) {
  char *buf = NULL;
  size_t len = 0;
  int rc = qt_read_file(path, MAX_CONFIG_BYTES, &buf, &len, err);
  if (rc < 0) return rc;

  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser)) {
    free(buf);
    return qt_fail(err, QT_ENOMEM, "cannot parse '%s': out of memory", path);
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
  int have_doc = 0;
  if (!yaml_parser_load(&parser, doc)) {
    rc = yaml_error_to_qt(&parser, path, buf, len, err);
    goto done;
  }
  have_doc = 1;
  if (!yaml_document_get_root_node(doc)) {
    rc = qt_fail(err, QT_ECONFIG, "%s:1:1: empty file (expected a mapping of fields)", path);
    goto done;
  }
  /* A second document would be silently ignored by a one-document reader: refuse it. */
  yaml_document_t next;
  if (!yaml_parser_load(&parser, &next)) {
    rc = yaml_error_to_qt(&parser, path, buf, len, err);
    goto done;
  }
  yaml_node_t *extra = yaml_document_get_root_node(&next);
  if (extra)
    rc = qt_fail(err, QT_ECONFIG, "%s:%zu:%zu: a second YAML document; a config file holds one",
                 path, extra->start_mark.line + 1, extra->start_mark.column + 1);
  yaml_document_delete(&next);

done:
  if (rc < 0 && have_doc) yaml_document_delete(doc);
  yaml_parser_delete(&parser);
  free(buf);
  return rc;
}

/* ---- node access with positioned errors ------------------------------------------------ */

/* What is being read: the file, the document, the error sink, and a context prefix such as
 * "layer 'conv0': " that goes between the position and the message. */
typedef struct yctx {
  const char *path;
  yaml_document_t *doc;
  qt_err *err;
  char where[QT_NAME_MAX + 16];
} yctx;

static int fail_at(const yctx *c, const yaml_node_t *n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fails with "path:line:col: <where><message>" at node n's start. */
static int fail_at(const yctx *c, const yaml_node_t *n, int code, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return qt_fail(c->err, code, "%s:%zu:%zu: %s%s", c->path, n->start_mark.line + 1,
                 n->start_mark.column + 1, c->where, msg);
}

static const char *kind_name(const yaml_node_t *n) {
  switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a sequence";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "an empty node";
  }
}

static const char *scalar_text(const yaml_node_t *n) {
  return (const char *)n->data.scalar.value;
}

static int is_plain(const yaml_node_t *n) {
  return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* Reads a string field into dst (cap bytes incl. NUL). Any scalar style is a string; a
 * non-empty value is required when nonempty is set. */
static int get_string(const yctx *c, const yaml_node_t *n, const char *field, char *dst,
                      size_t cap, int nonempty) {
  if (n->type != YAML_SCALAR_NODE)
    return fail_at(c, n, QT_ECONFIG, "field '%s': expected a string, got %s", field,
                   kind_name(n));
  size_t len = n->data.scalar.length;
  if (strlen(scalar_text(n)) != len)
    return fail_at(c, n, QT_ECONFIG, "field '%s': contains a NUL character", field);
  if (nonempty && len == 0)
    return fail_at(c, n, QT_ECONFIG, "field '%s' must not be empty", field);
  if (len >= cap)
    return fail_at(c, n, QT_ECONFIG, "field '%s' is %zu characters long, at most %zu fit",
                   field, len, cap - 1);
  memcpy(dst, scalar_text(n), len + 1);
  return 0;
}

/* Reads an integer field in [min, max]. Only plain decimal scalars are integers: a quoted
 * "3" is a string, and YAML 1.1's octal (012), hex, sexagesimal and '_' forms are refused
 * so a value never means something other than what it looks like. */
static int get_int(const yctx *c, const yaml_node_t *n, const char *field, int64_t min,
                   int64_t max, int64_t *out) {
  if (n->type != YAML_SCALAR_NODE)
    return fail_at(c, n, QT_ECONFIG, "field '%s': expected an integer, got %s", field,
                   kind_name(n));
  const char *s = scalar_text(n);
  if (!is_plain(n))
    return fail_at(c, n, QT_ECONFIG, "field '%s': expected an integer, got the quoted string '%s'",
                   field, s);
  const char *d = s[0] == '-' ? s + 1 : s;
  size_t nd = strspn(d, "0123456789");
  if (nd == 0 || d[nd] != '\0' || (d[0] == '0' && nd > 1))
    return fail_at(c, n, QT_ECONFIG, "field '%s': expected a decimal integer, got '%s'", field, s);
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno == ERANGE || v > max || v < min) {
    if (errno != ERANGE && v < min && min == 1)
      return fail_at(c, n, QT_ECONFIG, "field '%s' must be positive, got %lld", field, v);
    if (errno != ERANGE && v < min)
      return fail_at(c, n, QT_ECONFIG, "field '%s' must be >= %" PRId64 ", got %lld", field, min,
                     v);
    return fail_at(c, n, QT_ECONFIG, "field '%s' is %s, out of range (%" PRId64 "..%" PRId64 ")",
                   field, s, min, max);
  }
  *out = v;
  return 0;
}

static int get_int32(const yctx *c, const yaml_node_t *n, const char *field, int32_t min,
                     int32_t *out) {
  int64_t v;
  int rc = get_int(c, n, field, min, INT32_MAX, &v);
  if (rc == 0) *out = (int32_t)v;
  return rc;
}

static int get_bool(const yctx *c, const yaml_node_t *n, const char *field, int *out) {
  if (is_plain(n) && strcmp(scalar_text(n), "true") == 0) {
    *out = 1;
    return 0;
  }
  if (is_plain(n) && strcmp(scalar_text(n), "false") == 0) {
    *out = 0;
    return 0;
  }
  if (n->type == YAML_SCALAR_NODE)
    return fail_at(c, n, QT_ECONFIG, "field '%s': expected true or false, got '%s'", field,
                   scalar_text(n));
  return fail_at(c, n, QT_ECONFIG, "field '%s': expected true or false, got %s", field,
                 kind_name(n));
}

/* Maps a string field onto one of n names; returns its index. */
static int get_enum(const yctx *c, const yaml_node_t *n, const char *field,
                    const char *const *names, int count, const char *expected, int *out) {
  if (n->type != YAML_SCALAR_NODE)
    return fail_at(c, n, QT_ECONFIG, "field '%s': expected %s, got %s", field, expected,
                   kind_name(n));
  for (int i = 0; i < count; i++)
    if (strcmp(scalar_text(n), names[i]) == 0) {
      *out = i;
      return 0;
    }
  return fail_at(c, n, QT_ECONFIG, "field '%s': expected %s, got '%s'", field, expected,
                 scalar_text(n));
}

/* Collects the values of mapping map into vals[i] for keys[i] (NULL where absent). Keys
 * must be plain scalars from keys; an unknown or repeated key is an error. */
static int collect_fields(const yctx *c, const yaml_node_t *map, const char *what,
                          const char *const *keys, int nkeys, yaml_node_t **vals) {
  if (map->type != YAML_MAPPING_NODE)
    return fail_at(c, map, QT_ECONFIG, "expected a %s mapping, got %s", what, kind_name(map));
  yaml_node_t *key_nodes[32] = {0}; /* nkeys <= 32: the key tables below are shorter */
  for (int i = 0; i < nkeys; i++) vals[i] = NULL;
  for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
       pr++) {
    yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
    yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
    if (k->type != YAML_SCALAR_NODE)
      return fail_at(c, k, QT_ECONFIG, "%s keys must be strings, got %s", what, kind_name(k));
    int idx = -1;
    for (int i = 0; i < nkeys; i++)
      if (strcmp(scalar_text(k), keys[i]) == 0) idx = i;
    if (idx < 0) {
      char list[512] = "";
      size_t used = 0;
      for (int i = 0; i < nkeys && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", keys[i]);
      return fail_at(c, k, QT_ECONFIG, "unknown field '%.64s' (%s fields: %s)", scalar_text(k),
                     what, list);
    }
    if (key_nodes[idx])
      return fail_at(c, k, QT_ECONFIG, "duplicate field '%s' (first at line %zu, column %zu)",
                     keys[idx], key_nodes[idx]->start_mark.line + 1,
                     key_nodes[idx]->start_mark.column + 1);
    key_nodes[idx] = k;
    vals[idx] = v;
  }
  return 0;
}

static int require_field(const yctx *c, const yaml_node_t *map, yaml_node_t *const *vals,
                         const char *const *keys, int idx) {
  if (!vals[idx]) return fail_at(c, map, QT_ECONFIG, "missing field '%s'", keys[idx]);
  return 0;
}

/* The file's base name without directories and a ".yaml" suffix, which a config's name
 * field must repeat (so the name on the command line and in the file cannot disagree). */
static void base_name(const char *path, char *dst, size_t cap) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  size_t len = strlen(b);
  if (len > 5 && strcmp(b + len - 5, ".yaml") == 0) len -= 5;
  if (len >= cap) len = cap - 1;
  memcpy(dst, b, len);
  dst[len] = '\0';
}

/* ---- listing and name lookup ----------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int qt_config_list(const char *configs_dir, const char *sub, char *buf, size_t cap,
                   qt_err *err) {
  if (!configs_dir || !sub || !buf || cap == 0)
    return qt_fail(err, QT_EINVAL, "list configs: NULL or empty argument");
  char dir[QT_PATH_MAX];
  if ((size_t)snprintf(dir, sizeof dir, "%s/%s", configs_dir, sub) >= sizeof dir)
    return qt_fail(err, QT_EINVAL, "list configs: path '%s/%s' too long", configs_dir, sub);
  DIR *d = opendir(dir);
  if (!d) return qt_fail(err, QT_EIO, "cannot list '%s': %s", dir, strerror(errno));

  char **names = NULL;
  size_t n = 0, ncap = 0;
  int rc = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".yaml") != 0) continue;
    char full[QT_PATH_MAX + 256];
    struct stat st;
    snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
    if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (n == ncap) {
      size_t nc = ncap ? ncap * 2 : 16;
      char **nn = realloc(names, nc * sizeof *names);
      if (!nn) {
        rc = qt_fail(err, QT_ENOMEM, "cannot list '%s': out of memory", dir);
        break;
      }
      names = nn;
      ncap = nc;
    }
    names[n] = strndup(e->d_name, len - 5);
    if (!names[n]) {
      rc = qt_fail(err, QT_ENOMEM, "cannot list '%s': out of memory", dir);
      break;
    }
    n++;
  }
  closedir(d);
  if (rc == 0) {
    if (n > 1) qsort(names, n, sizeof *names, cmp_str);
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && rc == 0; i++) {
      size_t need = strlen(names[i]) + (i ? 2 : 0);
      if (used + need >= cap)
        rc = qt_fail(err, QT_EINVAL, "cannot list '%s': the names need more than %zu bytes", dir,
                     cap);
      else
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names[i]);
    }
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  return rc;
}

/* Resolves configs_dir/<sub>/<name>.yaml into path. A name that is not a plain file name is
 * QT_EINVAL; a file that does not exist is QT_ENOTFOUND with the available names. */
static int find_config(const char *configs_dir, const char *sub, const char *kind,
                       const char *name, char *path, size_t cap, qt_err *err) {
  if (!configs_dir || !name) return qt_fail(err, QT_EINVAL, "load %s: NULL argument", kind);
  if (name[0] == '\0' || name[0] == '.' || strchr(name, '/'))
    return qt_fail(err, QT_EINVAL, "invalid %s name '%s': expected a file base name such as "
                   "'%s'", kind, name, strcmp(kind, "model") == 0 ? "mobilenet_v2" : "host");
  if ((size_t)snprintf(path, cap, "%s/%s/%s.yaml", configs_dir, sub, name) >= cap)
    return qt_fail(err, QT_EINVAL, "%s '%s': path too long", kind, name);
  struct stat st;
  if (stat(path, &st) == 0) return 0;
  if (errno != ENOENT) return qt_fail(err, QT_EIO, "cannot open '%s': %s", path, strerror(errno));
  char list[768];
  qt_err lerr;
  if (qt_config_list(configs_dir, sub, list, sizeof list, &lerr) < 0)
    return qt_fail(err, QT_ENOTFOUND, "unknown %s '%s' (%s)", kind, name, lerr.msg);
  return qt_fail(err, QT_ENOTFOUND, "unknown %s '%s' (available: %s)", kind, name,
                 list[0] ? list : "none");
}

/* ---- targets --------------------------------------------------------------------------- */

enum {
  TK_NAME, TK_DESCRIPTION, TK_ARCH, TK_COMPILER, TK_CFLAGS, TK_LDFLAGS, TK_ISA,
  TK_VECTOR_REGS, TK_VECTOR_BITS, TK_DETECT_ISA, TK_EMULATOR, TK_HARNESS, TK_LINKER_SCRIPT,
  TK_TIMING, TK_SRAM_KIB, TK_FLASH_KIB, TK_COUNT
};
static const char *const target_keys[TK_COUNT] = {
    "name", "description", "arch", "compiler", "cflags", "ldflags", "isa",
    "vector_regs", "vector_bits", "detect_isa", "emulator", "harness", "linker_script",
    "timing", "sram_kib", "flash_kib"};
static const char *const arch_names[] = {"x86_64", "aarch64", "armv7em", "hexagon"};
#define N_ARCHS ((int)(sizeof arch_names / sizeof arch_names[0]))
static const char *const timing_names[] = {"wall", "emulated", "icount"};

/* Reads a path inside the kernels directory (a harness source, a linker script): relative,
 * without '..' components, of plain file-name characters (it becomes one compiler argument
 * and part of a cache object's name). */
static int get_kernels_path(const yctx *c, const yaml_node_t *n, const char *field, char *dst,
                            size_t cap) {
  int rc = get_string(c, n, field, dst, cap, 1);
  if (rc < 0) return rc;
  if (dst[0] == '/')
    return fail_at(c, n, QT_ECONFIG, "field '%s': '%s' must be relative to the kernels "
                   "directory", field, dst);
  for (const char *p = dst; *p; p++)
    if (!(isalnum((unsigned char)*p) || strchr("/._-", *p)))
      return fail_at(c, n, QT_ECONFIG, "field '%s': '%s' has a character other than letters, "
                     "digits and / . _ -", field, dst);
  for (const char *p = dst; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
    if (!strncmp(p, "..", 2) && (p[2] == '/' || p[2] == '\0'))
      return fail_at(c, n, QT_ECONFIG, "field '%s': '%s' leaves the kernels directory", field,
                     dst);
  return 0;
}

/* Reads the harness list: the platform shell's C sources (at least one, each once). */
static int get_harness_list(const yctx *c, const yaml_node_t *n, qt_target *t) {
  if (n->type != YAML_SEQUENCE_NODE)
    return fail_at(c, n, QT_ECONFIG, "field 'harness': expected a list of C sources relative "
                   "to kernels/, such as [harness/qt_harness_posix.c], got %s", kind_name(n));
  t->n_harness = 0;
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
       it++) {
    yaml_node_t *item = yaml_document_get_node(c->doc, *it);
    if (t->n_harness == QT_HARNESS_SHELL_MAX)
      return fail_at(c, item, QT_ECONFIG, "field 'harness': at most %d sources",
                     QT_HARNESS_SHELL_MAX);
    char *dst = t->harness[t->n_harness];
    int rc = get_kernels_path(c, item, "harness", dst, sizeof t->harness[0]);
    if (rc < 0) return rc;
    size_t len = strlen(dst);
    if (len < 3 || strcmp(dst + len - 2, ".c") != 0)
      return fail_at(c, item, QT_ECONFIG, "field 'harness': '%s' is not a C source (.c)", dst);
    for (int i = 0; i < t->n_harness; i++)
      if (!strcmp(t->harness[i], dst))
        return fail_at(c, item, QT_ECONFIG, "field 'harness': '%s' listed twice", dst);
    t->n_harness++;
  }
  if (t->n_harness == 0)
    return fail_at(c, n, QT_ECONFIG, "field 'harness' must list at least one source");
  return 0;
}

/* Reads the isa sequence into a feature mask: known names, each once, all of the target's
 * arch, and closed under isa_needs (dotprod without neon is a typo, not a CPU). */
static int get_isa_list(const yctx *c, const yaml_node_t *n, const char *arch, uint32_t *out) {
  if (n->type != YAML_SEQUENCE_NODE)
    return fail_at(c, n, QT_ECONFIG, "field 'isa': expected a list such as [neon, dotprod], "
                   "got %s", kind_name(n));
  int n_features;
  const qt_isa_feature *features = qt_isa_features(&n_features);
  char known[256] = "";
  for (int i = 0; i < n_features; i++)
    snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
             features[i].name);
  uint32_t mask = 0;
  for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
       it++) {
    yaml_node_t *item = yaml_document_get_node(c->doc, *it);
    if (item->type != YAML_SCALAR_NODE)
      return fail_at(c, item, QT_ECONFIG, "field 'isa': expected a feature name, got %s",
                     kind_name(item));
    const qt_isa_feature *f = qt_isa_find(scalar_text(item));
    if (!f)
      return fail_at(c, item, QT_ECONFIG, "field 'isa': unknown feature '%.64s' (known: %s)",
                     scalar_text(item), known);
    if (strcmp(f->arch, arch) != 0)
      return fail_at(c, item, QT_ECONFIG, "field 'isa': feature '%s' is %s-only, target arch "
                     "is %s", f->name, f->arch, arch);
    if (mask & f->bit)
      return fail_at(c, item, QT_ECONFIG, "field 'isa': feature '%s' listed twice", f->name);
    mask |= f->bit;
  }
  for (int i = 0; i < n_features; i++)
    if ((mask & features[i].bit) && features[i].needs && !(mask & features[i].needs))
      return fail_at(c, n, QT_ECONFIG, "field 'isa': '%s' requires '%s' in the list",
                     features[i].name, qt_isa_name(features[i].needs));
  *out = mask;
  return 0;
}

/* Validates and fills t from the target mapping root. */
static int parse_target(yctx *c, const yaml_node_t *root, qt_target *t) {
  yaml_node_t *v[TK_COUNT];
  int rc = collect_fields(c, root, "target", target_keys, TK_COUNT, v);
  if (rc < 0) return rc;
  static const int required[] = {TK_NAME, TK_ARCH, TK_COMPILER, TK_VECTOR_REGS, TK_VECTOR_BITS};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
    if ((rc = require_field(c, root, v, target_keys, required[i])) < 0) return rc;

  char base[QT_PATH_MAX];
  base_name(c->path, base, sizeof base);
  if ((rc = get_string(c, v[TK_NAME], "name", t->name, sizeof t->name, 1)) < 0) return rc;
  if (strcmp(t->name, base) != 0)
    return fail_at(c, v[TK_NAME], QT_ECONFIG, "field 'name' is '%s', expected '%s' (the file's "
                   "base name)", t->name, base);
  if (v[TK_DESCRIPTION]) {
    char desc[512];
    if ((rc = get_string(c, v[TK_DESCRIPTION], "description", desc, sizeof desc, 0)) < 0)
      return rc;
  }
  int arch = 0;
  if ((rc = get_enum(c, v[TK_ARCH], "arch", arch_names, N_ARCHS,
                     "x86_64, aarch64, armv7em or hexagon", &arch)) < 0)
    return rc;
  snprintf(t->arch, sizeof t->arch, "%s", arch_names[arch]);
  if ((rc = get_string(c, v[TK_COMPILER], "compiler", t->compiler, sizeof t->compiler, 1)) < 0)
    return rc;
  if (v[TK_CFLAGS] &&
      (rc = get_string(c, v[TK_CFLAGS], "cflags", t->cflags, sizeof t->cflags, 0)) < 0)
    return rc;
  if (v[TK_LDFLAGS] &&
      (rc = get_string(c, v[TK_LDFLAGS], "ldflags", t->ldflags, sizeof t->ldflags, 0)) < 0)
    return rc;
  if (v[TK_EMULATOR] &&
      (rc = get_string(c, v[TK_EMULATOR], "emulator", t->emulator, sizeof t->emulator, 0)) < 0)
    return rc;
  if (v[TK_DETECT_ISA] && (rc = get_bool(c, v[TK_DETECT_ISA], "detect_isa", &t->detect_isa)) < 0)
    return rc;
  if (v[TK_HARNESS]) {
    if ((rc = get_harness_list(c, v[TK_HARNESS], t)) < 0) return rc;
  } else {
    snprintf(t->harness[0], sizeof t->harness[0], "harness/qt_harness_posix.c");
    t->n_harness = 1;
  }
  if (v[TK_LINKER_SCRIPT] && (rc = get_kernels_path(c, v[TK_LINKER_SCRIPT], "linker_script",
                                                    t->linker_script,
                                                    sizeof t->linker_script)) < 0)
    return rc;
  /* An emulator's clock says nothing about the CPU's speed: such a target's times are
   * "emulated" unless it counts instructions instead. */
  t->timing = t->emulator[0] ? QT_TIMING_EMULATED : QT_TIMING_WALL;
  if (v[TK_TIMING]) {
    int timing = 0;
    if ((rc = get_enum(c, v[TK_TIMING], "timing", timing_names, 3, "wall, emulated or icount",
                       &timing)) < 0)
      return rc;
    if (timing == QT_TIMING_WALL && t->emulator[0])
      return fail_at(c, v[TK_TIMING], QT_ECONFIG, "field 'timing' is wall, but the target runs "
                     "under the emulator '%s': its clock is not the CPU's", t->emulator);
    if (timing != QT_TIMING_WALL && !t->emulator[0])
      return fail_at(c, v[TK_TIMING], QT_ECONFIG, "field 'timing' is %s, which needs an "
                     "'emulator'", timing_names[timing]);
    t->timing = (qt_timing)timing;
  }
  /* A board's memories, in KiB (a microcontroller's SRAM bounds what a layer may use). */
  int64_t kib = 0;
  if (v[TK_SRAM_KIB] && (rc = get_int(c, v[TK_SRAM_KIB], "sram_kib", 1, 4194304, &kib)) < 0)
    return rc;
  t->sram_bytes = kib * 1024;
  kib = 0;
  if (v[TK_FLASH_KIB] && (rc = get_int(c, v[TK_FLASH_KIB], "flash_kib", 1, 4194304, &kib)) < 0)
    return rc;
  t->flash_bytes = kib * 1024;
  if (!t->detect_isa && (rc = require_field(c, root, v, target_keys, TK_ISA)) < 0) return rc;
  uint32_t listed = 0;
  if (v[TK_ISA] && (rc = get_isa_list(c, v[TK_ISA], t->arch, &listed)) < 0) return rc;

  int64_t regs, bits;
  if ((rc = get_int(c, v[TK_VECTOR_REGS], "vector_regs", 8, 64, &regs)) < 0) return rc;
  if ((rc = get_int(c, v[TK_VECTOR_BITS], "vector_bits", 1, INT32_MAX, &bits)) < 0) return rc;
  if (bits != 32 && bits != 128 && bits != 256 && bits != 512 && bits != 1024)
    return fail_at(c, v[TK_VECTOR_BITS], QT_ECONFIG, "field 'vector_bits' must be 32, 128, 256, "
                   "512 or 1024, got %" PRId64, bits);
  t->vector_regs = (int)regs;
  t->vector_bits = (int)bits;

  if (t->detect_isa) {
    if (strcmp(t->arch, running_arch()) != 0)
      return fail_at(c, v[TK_DETECT_ISA], QT_ECONFIG, "field 'detect_isa' is true, but arch %s "
                     "is not the running CPU's (%s): features can only be detected natively",
                     t->arch, running_arch());
    t->isa = detect_running_isa();
    if (v[TK_ISA]) t->isa &= listed;
    /* The register file follows the widest usable extension: AVX-512 doubles both the
     * count and the width; without AVX2 only the 128-bit SSE registers remain. */
    if (t->isa & QT_ISA_AVX512) {
      t->vector_regs = 32;
      t->vector_bits = 512;
    } else if (!strcmp(t->arch, "x86_64") && !(t->isa & QT_ISA_AVX2)) {
      t->vector_regs = 16;
      t->vector_bits = 128;
    } else if (!strcmp(t->arch, "aarch64")) {
      t->vector_regs = 32;
      t->vector_bits = 128;
    }
  } else {
    t->isa = listed;
  }

  /* The vector width must be one the target's features provide. */
  if (!strcmp(t->arch, "aarch64") && t->vector_bits != 128)
    return fail_at(c, v[TK_VECTOR_BITS], QT_ECONFIG, "field 'vector_bits' is %d, but aarch64 "
                   "NEON registers are 128 bits", t->vector_bits);
  if (!strcmp(t->arch, "armv7em") && t->vector_bits != 32)
    return fail_at(c, v[TK_VECTOR_BITS], QT_ECONFIG, "field 'vector_bits' is %d, but armv7em "
                   "SIMD works on 32-bit general registers", t->vector_bits);
  if (!strcmp(t->arch, "hexagon") && t->vector_bits != ((t->isa & QT_ISA_HVX128) ? 1024 : 32))
    return fail_at(c, v[TK_VECTOR_BITS], QT_ECONFIG, "field 'vector_bits' is %d, but hexagon "
                   "%s", t->vector_bits, (t->isa & QT_ISA_HVX128)
                       ? "HVX registers (hvx128) are 1024 bits"
                       : "without hvx128 has only its 32-bit registers");
  if (t->vector_bits == 32 && strcmp(t->arch, "armv7em") && strcmp(t->arch, "hexagon"))
    return fail_at(c, v[TK_VECTOR_BITS], QT_ECONFIG, "field 'vector_bits' is 32, which only "
                   "armv7em and hexagon targets have");
  if (t->vector_bits == 1024 && !(t->isa & QT_ISA_HVX128))
    return fail_at(c, v[TK_VECTOR_BITS], QT_ECONFIG, "field 'vector_bits' is 1024, which needs "
                   "'hvx128' in isa");
  if (t->vector_bits == 512 && !(t->isa & QT_ISA_AVX512))
    return fail_at(c, v[TK_VECTOR_BITS], QT_ECONFIG, "field 'vector_bits' is 512, which needs "
                   "'avx512' in isa");
  if (t->vector_bits == 256 && !(t->isa & QT_ISA_AVX2))
    return fail_at(c, v[TK_VECTOR_BITS], QT_ECONFIG, "field 'vector_bits' is 256, which needs "
                   "'avx2' in isa");
  return 0;
}

int qt_target_load_file(const char *path, qt_target *t, qt_err *err) {
  if (!path || !t) return qt_fail(err, QT_EINVAL, "load target: NULL argument");
  yaml_document_t doc;
  int rc = qt_yaml_load(path, &doc, err);
  if (rc < 0) return rc;
  yctx c = {.path = path, .doc = &doc, .err = err, .where = ""};
  qt_target tmp;
  memset(&tmp, 0, sizeof tmp);
  rc = parse_target(&c, yaml_document_get_root_node(&doc), &tmp);
  yaml_document_delete(&doc);
  if (rc == 0) *t = tmp;
  return rc;
}

int qt_target_load(const char *configs_dir, const char *name, qt_target *t, qt_err *err) {
  char path[QT_PATH_MAX];
  int rc = find_config(configs_dir, "targets", "target", name, path, sizeof path, err);
  if (rc < 0) return rc;
  return qt_target_load_file(path, t, err);
}

/* ---- models ---------------------------------------------------------------------------- */

void qt_model_free(qt_model *m) {
  if (!m) return;
  for (int i = 0; i < m->n_tasks; i++) free(m->tasks[i].layers);
  free(m->tasks);
  free(m->layers);
  for (int i = 0; i < m->n_quants; i++) free(m->quants[i]);
  free(m->quants);
  memset(m, 0, sizeof *m);
}

/* Groups layers[0..n) into tasks by canonical key, in order of first appearance, and sets
 * each layer's task index. On success *tasks_out owns the tasks and their layer lists. */
static int build_tasks(qt_layer *layers, int n, qt_task **tasks_out, int *n_tasks_out,
                       qt_err *err) {
  qt_task *tasks = calloc(n > 0 ? (size_t)n : 1, sizeof *tasks);
  if (!tasks) return qt_fail(err, QT_ENOMEM, "group layers into tasks: out of memory");
  int nt = 0;
  for (int i = 0; i < n; i++) {
    char key[QT_KEY_MAX];
    qt_workload_key(&layers[i].w, key);
    int t = 0;
    while (t < nt && strcmp(tasks[t].key, key) != 0) t++;
    if (t == nt) {
      tasks[nt].w = layers[i].w;
      memcpy(tasks[nt].key, key, sizeof key);
      nt++;
    }
    layers[i].task = t;
    tasks[t].n_layers++;
  }
  int rc = 0;
  for (int t = 0; t < nt && rc == 0; t++) {
    tasks[t].layers = malloc((size_t)tasks[t].n_layers * sizeof(int));
    if (!tasks[t].layers) rc = qt_fail(err, QT_ENOMEM, "group layers into tasks: out of memory");
    tasks[t].n_layers = 0;
  }
  if (rc < 0) {
    for (int t = 0; t < nt; t++) free(tasks[t].layers);
    free(tasks);
    return rc;
  }
  for (int i = 0; i < n; i++) {
    qt_task *tk = &tasks[layers[i].task];
    tk->layers[tk->n_layers++] = i;
  }
  *tasks_out = tasks;
  *n_tasks_out = nt;
  return 0;
}

enum {
  MK_MODEL, MK_DESCRIPTION, MK_DTYPE, MK_REQUANT, MK_BATCH, MK_LAYERS, MK_COUNT
};
static const char *const model_keys[MK_COUNT] = {"model", "description", "dtype",
                                                 "requant", "batch", "layers"};

enum {
  LK_NAME, LK_OP, LK_ROLE, LK_IN_H, LK_IN_W, LK_IN_C, LK_OUT_C, LK_KH, LK_KW, LK_STRIDE_H,
  LK_STRIDE_W, LK_PAD_TOP, LK_PAD_LEFT, LK_PAD_BOTTOM, LK_PAD_RIGHT, LK_DILATION,
  LK_DEPTH_MULTIPLIER, LK_OUT_H, LK_OUT_W, LK_MACS, LK_ACT, LK_QUANT, LK_COUNT
};
static const char *const layer_keys[LK_COUNT] = {
    "name", "op", "role", "in_h", "in_w", "in_c", "out_c", "kh", "kw", "stride_h",
    "stride_w", "pad_top", "pad_left", "pad_bottom", "pad_right", "dilation",
    "depth_multiplier", "out_h", "out_w", "macs", "act", "quant"};
static const char *const act_names[] = {"none", "relu", "relu6"}; /* = qt_act */

enum { QK_INPUT_ZP, QK_WEIGHT_ZP, QK_OUTPUT_ZP, QK_ACT_MIN, QK_ACT_MAX, QK_MULTIPLIER, QK_SHIFT,
       QK_COUNT };
static const char *const quant_keys[QK_COUNT] = {"input_zp", "weight_zp", "output_zp", "act_min",
                                                 "act_max", "multiplier", "shift"};

static const char *const model_op_names[] = {"conv2d", "depthwise_conv2d"}; /* = qt_op */
static const char *const dtype_names[] = {"s8", "u8"};                      /* = qt_dtype */
static const char *const requant_names[] = {"fixedpoint", "fp32"};          /* = qt_requant */

/* Layer names become C identifiers after export's mangling and are listed comma-separated
 * on the command line, so they are limited to characters that survive both. */
static int valid_layer_name(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_' || *s == '-' || *s == '.' || *s == '/'))
      return 0;
  return 1;
}

/* Checks a computed output extent against the file's value, at the file value's node. */
static int check_extent(const yctx *c, const yaml_node_t *n, const char *field, int32_t got,
                        const char *in_name, int32_t in, const char *k_name, int32_t k,
                        int32_t stride, int32_t dil, int32_t pad_a, int32_t pad_b) {
  int32_t want = qt_conv_out_size(in, k, stride, dil, pad_a, pad_b);
  if (want <= 0)
    return fail_at(c, n, QT_ECONFIG, "field '%s' is %" PRId32 ", but the kernel (%s %" PRId32
                   ", dilation %" PRId32 ") does not fit in %s %" PRId32 " + pad %" PRId32
                   "+%" PRId32, field, got, k_name, k, dil, in_name, in, pad_a, pad_b);
  if (got != want)
    return fail_at(c, n, QT_ECONFIG, "field '%s' is %" PRId32 ", computed %" PRId32, field, got,
                   want);
  return 0;
}

/* Validates one layer mapping and fills l. dtype, requant and batch come from the model. */
static int parse_layer(yctx *c, const yaml_node_t *map, int index, int32_t dtype,
                       int32_t requant, int32_t batch, qt_layer *l,
                       const yaml_node_t **quant_node) {
  yaml_node_t *v[LK_COUNT];
  /* Messages name the layer as soon as possible: look for a usable name before anything
   * else is checked, and fall back to the layer's position in the list. */
  snprintf(c->where, sizeof c->where, "layer #%d: ", index + 1);
  if (map->type == YAML_MAPPING_NODE)
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
      yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
      yaml_node_t *nv = yaml_document_get_node(c->doc, pr->value);
      if (k->type == YAML_SCALAR_NODE && !strcmp(scalar_text(k), "name") &&
          nv->type == YAML_SCALAR_NODE && nv->data.scalar.length < QT_NAME_MAX &&
          valid_layer_name(scalar_text(nv))) {
        snprintf(c->where, sizeof c->where, "layer '%s': ", scalar_text(nv));
        break;
      }
    }
  int rc = collect_fields(c, map, "layer", layer_keys, LK_COUNT, v);
  if (rc < 0) return rc;
  if ((rc = require_field(c, map, v, layer_keys, LK_NAME)) < 0) return rc;
  if ((rc = get_string(c, v[LK_NAME], "name", l->name, sizeof l->name, 1)) < 0) return rc;
  if (!valid_layer_name(l->name))
    return fail_at(c, v[LK_NAME], QT_ECONFIG, "field 'name' is '%s': use letters, digits and "
                   "_ - . / only", l->name);
  snprintf(c->where, sizeof c->where, "layer '%s': ", l->name);
  for (int i = 0; i < LK_COUNT; i++)
    if (i != LK_QUANT && i != LK_ACT && (rc = require_field(c, map, v, layer_keys, i)) < 0)
      return rc;
  *quant_node = v[LK_QUANT];
  l->act = QT_ACT_NONE;
  if (v[LK_ACT] &&
      (rc = get_enum(c, v[LK_ACT], "act", act_names, 3, "none, relu or relu6", &l->act)) < 0)
    return rc;

  int op = 0;
  if ((rc = get_enum(c, v[LK_OP], "op", model_op_names, 2, "conv2d or depthwise_conv2d",
                     &op)) < 0)
    return rc;
  if ((rc = get_string(c, v[LK_ROLE], "role", l->role, sizeof l->role, 1)) < 0) return rc;

  /* Every integer field and its smallest legal value, in file order. */
  static const struct {
    int key;
    int32_t min;
  } ints[] = {{LK_IN_H, 1},        {LK_IN_W, 1},         {LK_IN_C, 1},       {LK_OUT_C, 1},
              {LK_KH, 1},          {LK_KW, 1},           {LK_STRIDE_H, 1},   {LK_STRIDE_W, 1},
              {LK_PAD_TOP, 0},     {LK_PAD_LEFT, 0},     {LK_PAD_BOTTOM, 0}, {LK_PAD_RIGHT, 0},
              {LK_DILATION, 1},    {LK_DEPTH_MULTIPLIER, 1}, {LK_OUT_H, 1},  {LK_OUT_W, 1}};
  int32_t val[LK_COUNT] = {0};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
    if ((rc = get_int32(c, v[ints[i].key], layer_keys[ints[i].key], ints[i].min,
                        &val[ints[i].key])) < 0)
      return rc;
  int64_t macs;
  if ((rc = get_int(c, v[LK_MACS], "macs", 1, INT64_MAX, &macs)) < 0) return rc;

  /* A pad as wide as the dilated kernel makes output pixels that see only padding. */
  int64_t span_h = (int64_t)val[LK_DILATION] * (val[LK_KH] - 1) + 1;
  int64_t span_w = (int64_t)val[LK_DILATION] * (val[LK_KW] - 1) + 1;
  static const int pads[] = {LK_PAD_TOP, LK_PAD_LEFT, LK_PAD_BOTTOM, LK_PAD_RIGHT};
  for (int i = 0; i < 4; i++) {
    int64_t span = (pads[i] == LK_PAD_TOP || pads[i] == LK_PAD_BOTTOM) ? span_h : span_w;
    if (val[pads[i]] >= span)
      return fail_at(c, v[pads[i]], QT_ECONFIG, "field '%s' is %" PRId32 ", must be smaller "
                     "than the dilated kernel extent %" PRId64, layer_keys[pads[i]], val[pads[i]],
                     span);
  }
  if ((rc = check_extent(c, v[LK_OUT_H], "out_h", val[LK_OUT_H], "in_h", val[LK_IN_H], "kh",
                         val[LK_KH], val[LK_STRIDE_H], val[LK_DILATION], val[LK_PAD_TOP],
                         val[LK_PAD_BOTTOM])) < 0)
    return rc;
  if ((rc = check_extent(c, v[LK_OUT_W], "out_w", val[LK_OUT_W], "in_w", val[LK_IN_W], "kw",
                         val[LK_KW], val[LK_STRIDE_W], val[LK_DILATION], val[LK_PAD_LEFT],
                         val[LK_PAD_RIGHT])) < 0)
    return rc;
  if (op == QT_OP_DEPTHWISE &&
      (int64_t)val[LK_IN_C] * val[LK_DEPTH_MULTIPLIER] != val[LK_OUT_C])
    return fail_at(c, v[LK_OUT_C], QT_ECONFIG, "field 'out_c' is %" PRId32 ", expected in_c %"
                   PRId32 " x depth_multiplier %" PRId32 " for depthwise_conv2d", val[LK_OUT_C],
                   val[LK_IN_C], val[LK_DEPTH_MULTIPLIER]);
  if (op == QT_OP_CONV2D && val[LK_DEPTH_MULTIPLIER] != 1)
    return fail_at(c, v[LK_DEPTH_MULTIPLIER], QT_ECONFIG, "field 'depth_multiplier' is %" PRId32
                   ", must be 1 for conv2d", val[LK_DEPTH_MULTIPLIER]);

  qt_workload *w = &l->w;
  w->dtype = dtype;
  w->requant = requant;
  qt_conv_desc *d = &w->desc;
  d->in = (qt_dims){batch, val[LK_IN_H], val[LK_IN_W], val[LK_IN_C]};
  d->out = (qt_dims){batch, val[LK_OUT_H], val[LK_OUT_W], val[LK_OUT_C]};
  d->p = (qt_conv_params){.op = op,
                          .kernel_h = val[LK_KH],
                          .kernel_w = val[LK_KW],
                          .stride_h = val[LK_STRIDE_H],
                          .stride_w = val[LK_STRIDE_W],
                          .dilation_h = val[LK_DILATION],
                          .dilation_w = val[LK_DILATION],
                          .pad_top = val[LK_PAD_TOP],
                          .pad_left = val[LK_PAD_LEFT],
                          .pad_bottom = val[LK_PAD_BOTTOM],
                          .pad_right = val[LK_PAD_RIGHT],
                          .depth_multiplier = val[LK_DEPTH_MULTIPLIER]};
  /* The remaining rules (reduction depth, tensor sizes) have no single field to point at. */
  qt_err werr;
  if (qt_workload_check(w, &werr) < 0)
    return fail_at(c, map, QT_ECONFIG, "%s", werr.msg);
  uint64_t want = qt_workload_macs(w) / (uint64_t)batch; /* the file counts one image */
  if ((uint64_t)macs != want)
    return fail_at(c, v[LK_MACS], QT_ECONFIG, "field 'macs' is %" PRId64 ", computed %" PRIu64,
                   macs, want);
  return 0;
}

/* Reads the per-channel list `field` of a quant mapping into dst[channels]: one value per
 * output channel, or a single one for all (a per-tensor model), each in [min, max]. */
static int get_channel_list(const yctx *c, const yaml_node_t *n, const char *field,
                            int32_t channels, int32_t min, int32_t max, int32_t *dst) {
  if (n->type != YAML_SEQUENCE_NODE)
    return fail_at(c, n, QT_ECONFIG, "field 'quant.%s': expected a sequence of integers, got %s",
                   field, kind_name(n));
  ptrdiff_t len = n->data.sequence.items.top - n->data.sequence.items.start;
  if (len != 1 && len != channels)
    return fail_at(c, n, QT_ECONFIG, "field 'quant.%s' has %td values, expected out_c = %" PRId32
                   " (one per output channel) or 1 (one for all)", field, len, channels);
  for (ptrdiff_t i = 0; i < len; i++) {
    char name[64];
    snprintf(name, sizeof name, "quant.%s[%td]", field, i);
    int64_t v;
    int rc = get_int(c, yaml_document_get_node(c->doc, n->data.sequence.items.start[i]), name,
                     min, max, &v);
    if (rc < 0) return rc;
    dst[i] = (int32_t)v;
  }
  for (int32_t i = (int32_t)len; i < channels; i++) dst[i] = dst[0];
  return 0;
}

/* Validates a layer's `quant` mapping against its workload and returns its parameters in one
 * allocation (*out, arrays trailing the struct), which l->w.quant points to. */
static int parse_quant(yctx *c, const yaml_node_t *map, qt_layer *l, qt_quant_given **out) {
  yaml_node_t *v[QK_COUNT];
  int rc = collect_fields(c, map, "quant", quant_keys, QK_COUNT, v);
  if (rc < 0) return rc;
  for (int i = 0; i < QK_COUNT; i++)
    if (!v[i]) return fail_at(c, map, QT_ECONFIG, "missing field 'quant.%s'", quant_keys[i]);
  const int s8 = l->w.dtype == QT_DTYPE_S8;
  const int32_t lo = s8 ? -128 : 0, hi = s8 ? 127 : 255;
  const char *range = s8 ? "-128..127 for dtype s8" : "0..255 for dtype u8";
  int32_t val[QK_SHIFT] = {0};
  for (int i = QK_INPUT_ZP; i <= QK_ACT_MAX; i++) {
    char name[32];
    snprintf(name, sizeof name, "quant.%s", quant_keys[i]);
    int64_t x;
    if ((rc = get_int(c, v[i], name, INT32_MIN, INT32_MAX, &x)) < 0) return rc;
    if (x < lo || x > hi)
      return fail_at(c, v[i], QT_ECONFIG, "field '%s' is %" PRId64 ", must be in %s", name, x,
                     range);
    val[i] = (int32_t)x;
  }
  if (s8 && val[QK_WEIGHT_ZP] != 0)
    return fail_at(c, v[QK_WEIGHT_ZP], QT_ECONFIG, "field 'quant.weight_zp' is %" PRId32 ", must "
                   "be 0 for dtype s8 (symmetric weights)", val[QK_WEIGHT_ZP]);
  if (val[QK_ACT_MIN] > val[QK_ACT_MAX])
    return fail_at(c, v[QK_ACT_MAX], QT_ECONFIG, "field 'quant.act_max' is %" PRId32 ", below "
                   "act_min %" PRId32, val[QK_ACT_MAX], val[QK_ACT_MIN]);
  const int32_t ch = l->w.desc.out.c;
  qt_quant_given *g = malloc(sizeof *g + 2 * sizeof(int32_t) * (size_t)ch);
  if (!g) return qt_fail(c->err, QT_ENOMEM, "load model '%s': out of memory", c->path);
  int32_t *mult = (int32_t *)(g + 1), *shift = mult + ch;
  *g = (qt_quant_given){.input_zp = val[QK_INPUT_ZP], .weight_zp = val[QK_WEIGHT_ZP],
                        .output_zp = val[QK_OUTPUT_ZP], .act_min = val[QK_ACT_MIN],
                        .act_max = val[QK_ACT_MAX], .channels = ch, .multiplier = mult,
                        .shift = shift};
  if ((rc = get_channel_list(c, v[QK_MULTIPLIER], "multiplier", ch, 0, INT32_MAX, mult)) < 0 ||
      (rc = get_channel_list(c, v[QK_SHIFT], "shift", ch, -31, 30, shift)) < 0) {
    free(g);
    return rc;
  }
  *out = g;
  l->w.quant = g;
  return 0;
}

/* Makes m own g (one more entry in m->quants). Frees g and fails where memory runs out. */
static int own_quant(qt_model *m, qt_quant_given *g, qt_err *err) {
  qt_quant_given **q = realloc(m->quants, (size_t)(m->n_quants + 1) * sizeof *q);
  if (!q) {
    free(g);
    return qt_fail(err, QT_ENOMEM, "model %s: out of memory", m->name);
  }
  m->quants = q;
  m->quants[m->n_quants++] = g;
  return 0;
}

/* Points every layer of m with a fused activation and no quantization parameters of its own
 * at parameters made for it, which m owns: datagen's draw for its workload (seed 1: zero
 * points, per-channel multipliers and shifts) with the output zero point and the clamp TFLite
 * gives the int8 (uint8) output of a fused ReLU or ReLU6, zp = act_min = the dtype's minimum and
 * act_max its maximum (the calibrated range starts at 0). So tuning and the bit-exact checks
 * run the requantization paths such a layer runs in the model (where a kernel has paths for
 * that clamp), not datagen's window around a zero point. */
static int give_act_quant(qt_model *m, const char *path, qt_err *err) {
  /* The draw steps over the input and keeps no weights (qt_quant_draw), but it draws every
   * weight, since the multipliers follow their statistics: a layer far beyond any real one
   * (the shape rules allow 2^31 weights) is refused rather than drawn at load time; real
   * models stay far below (ResNet-50's largest layer: 2.4 M weights). */
  const double layer_cap = 268435456.0, model_cap = 1073741824.0; /* weights */
  double drawn = 0;
  for (int i = 0; i < m->n_layers; i++) {
    qt_layer *l = &m->layers[i];
    if (l->act == QT_ACT_NONE || l->w.quant) continue;
    const double weights = (double)qt_conv_weight_count(&l->w.desc);
    drawn += weights;
    if (weights > layer_cap || drawn > model_cap)
      return qt_fail(err, QT_ECONFIG, "%s%smodel %s, layer '%s': act %s needs its "
                     "quantization drawn from its weights at load time (%.0f Mi weights; limits "
                     "%.0f Mi a layer, %.0f Mi a model): give it a 'quant' mapping or act: none",
                     path ? path : "", path ? ": " : "", m->name, l->name, act_names[l->act],
                     weights / 1048576.0, layer_cap / 1048576.0, model_cap / 1048576.0);
    const int32_t ch = l->w.desc.out.c;
    qt_quant_given *g = malloc(sizeof *g + 2 * sizeof(int32_t) * (size_t)ch);
    if (!g) return qt_fail(err, QT_ENOMEM, "model %s: out of memory", m->name);
    int32_t *mult = (int32_t *)(g + 1), *shift = mult + ch;
    const int drc = qt_quant_draw(&l->w.desc, l->w.dtype, 1, mult, shift, g);
    if (drc != QT_KERNEL_OK) {
      free(g);
      return qt_fail(err, QT_EINVAL, "model %s, layer '%s': cannot draw its quantization "
                     "parameters (code %d)", m->name, l->name, drc);
    }
    /* TFLite's fused ReLU/ReLU6 output: the range starts at 0, so zp = act_min = the dtype's
     * minimum, and act_max its maximum */
    const int32_t lo = l->w.dtype == QT_DTYPE_U8 ? 0 : -128, hi = lo + 255;
    g->output_zp = lo;
    g->act_min = lo;
    g->act_max = hi;
    const int orc = own_quant(m, g, err);
    if (orc < 0) return orc;
    l->w.quant = g;
  }
  return 0;
}

/* Validates the model mapping root and fills m (which owns its arrays on success). */
static int parse_model(yctx *c, const yaml_node_t *root, qt_model *m) {
  yaml_node_t *v[MK_COUNT];
  int rc = collect_fields(c, root, "model", model_keys, MK_COUNT, v);
  if (rc < 0) return rc;
  if ((rc = require_field(c, root, v, model_keys, MK_MODEL)) < 0) return rc;
  if ((rc = require_field(c, root, v, model_keys, MK_LAYERS)) < 0) return rc;

  char base[QT_PATH_MAX];
  base_name(c->path, base, sizeof base);
  if ((rc = get_string(c, v[MK_MODEL], "model", m->name, sizeof m->name, 1)) < 0) return rc;
  if (strcmp(m->name, base) != 0)
    return fail_at(c, v[MK_MODEL], QT_ECONFIG, "field 'model' is '%s', expected '%s' (the "
                   "file's base name)", m->name, base);
  if (v[MK_DESCRIPTION]) {
    char desc[512];
    if ((rc = get_string(c, v[MK_DESCRIPTION], "description", desc, sizeof desc, 0)) < 0)
      return rc;
  }
  int dtype = QT_DTYPE_S8, requant = QT_REQUANT_FIXEDPOINT;
  int32_t batch = 1;
  if (v[MK_DTYPE] &&
      (rc = get_enum(c, v[MK_DTYPE], "dtype", dtype_names, 2, "s8 or u8", &dtype)) < 0)
    return rc;
  if (v[MK_REQUANT] && (rc = get_enum(c, v[MK_REQUANT], "requant", requant_names, 2,
                                      "fixedpoint or fp32", &requant)) < 0)
    return rc;
  if (v[MK_BATCH] && (rc = get_int32(c, v[MK_BATCH], "batch", 1, &batch)) < 0) return rc;

  const yaml_node_t *seq = v[MK_LAYERS];
  if (seq->type != YAML_SEQUENCE_NODE)
    return fail_at(c, seq, QT_ECONFIG, "field 'layers': expected a sequence of layer mappings, "
                   "got %s", kind_name(seq));
  ptrdiff_t n = seq->data.sequence.items.top - seq->data.sequence.items.start;
  if (n == 0) return fail_at(c, seq, QT_ECONFIG, "field 'layers' is empty");
  if (n > INT32_MAX / 2) return fail_at(c, seq, QT_ECONFIG, "field 'layers': too many layers");
  m->layers = calloc((size_t)n, sizeof *m->layers);
  if (!m->layers) return qt_fail(c->err, QT_ENOMEM, "load model '%s': out of memory", c->path);
  const yaml_node_t **name_nodes = calloc((size_t)n, sizeof *name_nodes);
  if (!name_nodes) return qt_fail(c->err, QT_ENOMEM, "load model '%s': out of memory", c->path);
  m->quants = calloc((size_t)n, sizeof *m->quants);
  if (!m->quants) {
    free(name_nodes);
    return qt_fail(c->err, QT_ENOMEM, "load model '%s': out of memory", c->path);
  }
  for (int i = 0; i < (int)n && rc == 0; i++) {
    yaml_node_t *item = yaml_document_get_node(c->doc, seq->data.sequence.items.start[i]);
    const yaml_node_t *quant = NULL;
    rc = parse_layer(c, item, i, dtype, requant, batch, &m->layers[i], &quant);
    if (rc == 0 && quant && (rc = parse_quant(c, quant, &m->layers[i],
                                              &m->quants[m->n_quants])) == 0)
      m->n_quants++;
    if (rc < 0) break;
    m->n_layers = i + 1;
    c->where[0] = '\0';
    /* The name node is the value of the 'name' key, found again for its position. */
    for (yaml_node_pair_t *pr = item->data.mapping.pairs.start;
         pr < item->data.mapping.pairs.top; pr++)
      if (!strcmp(scalar_text(yaml_document_get_node(c->doc, pr->key)), "name"))
        name_nodes[i] = yaml_document_get_node(c->doc, pr->value);
    for (int j = 0; j < i; j++)
      if (strcmp(m->layers[j].name, m->layers[i].name) == 0) {
        rc = fail_at(c, name_nodes[i], QT_ECONFIG, "duplicate layer name '%s' (first at line "
                     "%zu, column %zu)", m->layers[i].name, name_nodes[j]->start_mark.line + 1,
                     name_nodes[j]->start_mark.column + 1);
        break;
      }
  }
  free(name_nodes);
  if (rc < 0) return rc;
  if ((rc = give_act_quant(m, c->path, c->err)) < 0) return rc;
  return build_tasks(m->layers, m->n_layers, &m->tasks, &m->n_tasks, c->err);
}

int qt_model_load_file(const char *path, qt_model *m, qt_err *err) {
  if (!path || !m) return qt_fail(err, QT_EINVAL, "load model: NULL argument");
  memset(m, 0, sizeof *m);
  yaml_document_t doc;
  int rc = qt_yaml_load(path, &doc, err);
  if (rc < 0) return rc;
  yctx c = {.path = path, .doc = &doc, .err = err, .where = ""};
  rc = parse_model(&c, yaml_document_get_root_node(&doc), m);
  yaml_document_delete(&doc);
  if (rc < 0) qt_model_free(m);
  return rc;
}

int qt_model_load(const char *configs_dir, const char *name, qt_model *m, qt_err *err) {
  if (m) memset(m, 0, sizeof *m);
  char path[QT_PATH_MAX];
  int rc = find_config(configs_dir, "models", "model", name, path, sizeof path, err);
  if (rc < 0) return rc;
  return qt_model_load_file(path, m, err);
}

int qt_model_from_workload(const char *key, qt_model *m, qt_err *err) {
  if (!key || !m) return qt_fail(err, QT_EINVAL, "model from workload: NULL argument");
  memset(m, 0, sizeof *m);
  qt_workload w;
  int rc = qt_workload_parse(key, &w, err);
  if (rc < 0) return rc;
  m->layers = calloc(1, sizeof *m->layers);
  if (!m->layers) return qt_fail(err, QT_ENOMEM, "model from workload '%s': out of memory", key);
  snprintf(m->name, sizeof m->name, "workload");
  snprintf(m->layers[0].name, sizeof m->layers[0].name, "workload");
  snprintf(m->layers[0].role, sizeof m->layers[0].role, "workload");
  m->layers[0].w = w;
  m->n_layers = 1;
  rc = build_tasks(m->layers, 1, &m->tasks, &m->n_tasks, err);
  if (rc < 0) qt_model_free(m);
  return rc;
}

/* Appends up to about cap bytes of m's layer names to buf, for "unknown layer" messages. */
static void layer_names_hint(const qt_model *m, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < m->n_layers; i++) {
    size_t need = strlen(m->layers[i].name) + 2;
    if (used + need + 5 >= cap) {
      snprintf(buf + used, cap - used, ", ...");
      return;
    }
    used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", m->layers[i].name);
  }
}

int qt_model_select_layers(qt_model *m, const char *list, qt_err *err) {
  if (!m || !list) return qt_fail(err, QT_EINVAL, "select layers: NULL argument");
  int rc = 0;
  char *keep = calloc(m->n_layers > 0 ? (size_t)m->n_layers : 1, 1);
  if (!keep) return qt_fail(err, QT_ENOMEM, "select layers: out of memory");
  int n_keep = 0;
  const char *p = list;
  for (;;) {
    const char *end = strchr(p, ',');
    if (!end) end = p + strlen(p);
    const char *a = p, *b = end;
    while (a < b && (*a == ' ' || *a == '\t')) a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t')) b--;
    size_t len = (size_t)(b - a);
    if (len == 0) {
      rc = qt_fail(err, QT_EINVAL, "select layers '%s': empty layer name in the list", list);
      break;
    }
    int idx = -1;
    for (int i = 0; i < m->n_layers && idx < 0; i++)
      if (strlen(m->layers[i].name) == len && memcmp(m->layers[i].name, a, len) == 0) idx = i;
    if (idx < 0) {
      char hint[400];
      layer_names_hint(m, hint, sizeof hint);
      rc = qt_fail(err, QT_ENOTFOUND, "unknown layer '%.*s' in model '%s' (layers: %s)",
                   (int)(len > 64 ? 64 : len), a, m->name, hint);
      break;
    }
    if (keep[idx]) {
      rc = qt_fail(err, QT_EINVAL, "select layers '%s': layer '%s' is listed twice", list,
                   m->layers[idx].name);
      break;
    }
    keep[idx] = 1;
    n_keep++;
    if (*end == '\0') break;
    p = end + 1;
  }

  /* Build the restricted model aside and swap it in only on success: m stays intact on error. */
  qt_layer *layers = NULL;
  qt_task *tasks = NULL;
  int n_tasks = 0;
  if (rc == 0) {
    layers = calloc((size_t)n_keep, sizeof *layers);
    if (!layers) rc = qt_fail(err, QT_ENOMEM, "select layers: out of memory");
  }
  if (rc == 0) {
    int j = 0;
    for (int i = 0; i < m->n_layers; i++)
      if (keep[i]) layers[j++] = m->layers[i];
    rc = build_tasks(layers, n_keep, &tasks, &n_tasks, err);
  }
  free(keep);
  if (rc < 0) {
    free(layers);
    return rc;
  }
  char name[QT_NAME_MAX];
  memcpy(name, m->name, sizeof name);
  /* The kept layers still point at the model's quantization parameters: they stay. */
  qt_quant_given **quants = m->quants;
  int n_quants = m->n_quants;
  m->quants = NULL;
  m->n_quants = 0;
  qt_model_free(m);
  memcpy(m->name, name, sizeof name);
  m->quants = quants;
  m->n_quants = n_quants;
  m->layers = layers;
  m->n_layers = n_keep;
  m->tasks = tasks;
  m->n_tasks = n_tasks;
  return 0;
}

int qt_model_set_quant(qt_model *m, int32_t dtype, int32_t requant, qt_err *err) {
  if ((dtype != QT_DTYPE_S8 && dtype != QT_DTYPE_U8) ||
      (requant != QT_REQUANT_FIXEDPOINT && requant != QT_REQUANT_FP32))
    return qt_fail(err, QT_EINVAL, "model %s: unknown dtype %d or requant %d", m->name,
                   (int)dtype, (int)requant);
  for (int i = 0; i < m->n_layers; i++) {
    if (m->layers[i].w.dtype != dtype) m->layers[i].w.quant = NULL;
    m->layers[i].w.dtype = dtype;
    m->layers[i].w.requant = requant;
  }
  const int arc = give_act_quant(m, NULL, err);
  if (arc < 0) return arc;
  qt_task *tasks;
  int n_tasks;
  int rc = build_tasks(m->layers, m->n_layers, &tasks, &n_tasks, err);
  if (rc) return rc;
  for (int t = 0; t < m->n_tasks; t++) free(m->tasks[t].layers);
  free(m->tasks);
  m->tasks = tasks;
  m->n_tasks = n_tasks;
  return 0;
}

int qt_model_override_quant(qt_model *m, const char *dtype, const char *requant, qt_err *err) {
  if (!dtype && !requant) return 0;
  int32_t d = m->n_layers ? m->layers[0].w.dtype : QT_DTYPE_S8;
  int32_t r = m->n_layers ? m->layers[0].w.requant : QT_REQUANT_FIXEDPOINT;
  if (dtype) {
    if (strcmp(dtype, "s8") == 0) d = QT_DTYPE_S8;
    else if (strcmp(dtype, "u8") == 0) d = QT_DTYPE_U8;
    else return qt_fail(err, QT_EINVAL, "--dtype: expected s8 or u8, got '%s'", dtype);
  }
  if (requant) {
    if (strcmp(requant, "fixedpoint") == 0) r = QT_REQUANT_FIXEDPOINT;
    else if (strcmp(requant, "fp32") == 0) r = QT_REQUANT_FP32;
    else return qt_fail(err, QT_EINVAL, "--requant: expected fixedpoint or fp32, got '%s'", requant);
  }
  return qt_model_set_quant(m, d, r, err);
}

void qt_data_dir(const char *env, const char *sub, const char *compiled, char *buf, size_t cap) {
  const char *from_env = getenv(env);
  if (from_env && *from_env) {
    snprintf(buf, cap, "%s", from_env);
    return;
  }
  /* An installed tune finds its data beside it: <prefix>/bin/tune, <prefix>/share/qtune/<sub>. */
  char exe[QT_PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
      *slash = '\0';
      char candidate[QT_PATH_MAX + 64];
      snprintf(candidate, sizeof candidate, "%s/../share/qtune/%s", exe, sub);
      struct stat st;
      if (stat(candidate, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(buf, cap, "%s", candidate);
        return;
      }
    }
  }
  snprintf(buf, cap, "%s", compiled);
}
