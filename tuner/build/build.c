/* build.c — compile a variant into a cached artifact (build.h). The shape-independent part of
 * the harness (the target's platform shell, then harness_core_sources[] below) is compiled
 * once per build context into objects in the cache; each variant then runs
 *   <compiler> <target cflags> -std=c11 -ffp-contract=off -I<k>/include -I<k>/harness
 *     -I<k>/templates [-I<k>/<shell dir>...] <knob defines> <shape defines>
 *     qt_harness_shape.c <template>.c
 *     <harness objects> [-T<k>/<linker script>] -o <artifact> <target ldflags>
 * without a shell, under a deadline. Files are written under a temporary name and renamed
 * into place, so concurrent builds and killed tuners never leave a torn file. */
#include "tuner/build/build.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tuner/sys/os.h"
#include "tuner/sys/proc.h"

#define MAX_ARGS 160

/* Compiled once per context after the target's platform shell (target.h: its harness
 * sources; main and the platform over the portable core, kernels/harness/README.md). */
static const char *const harness_core_sources[] = {"harness/qt_harness_core.c",
                                                   "harness/qt_datagen.c", "reference/qt_conv.c"};
#define N_CORE_OBJECTS (sizeof harness_core_sources / sizeof harness_core_sources[0])
_Static_assert(QT_HARNESS_SHELL_MAX + N_CORE_OBJECTS <= sizeof ((qt_build_ctx *)0)->objects /
                                                           sizeof ((qt_build_ctx *)0)->objects[0],
               "qt_build_ctx.objects holds one object per harness source");

/* The i-th harness source of ctx (shell first, then the core), relative to kernels/. */
static const char *harness_source(const qt_build_ctx *ctx, int i) {
  return i < ctx->target.n_harness ? ctx->target.harness[i]
                                   : harness_core_sources[i - ctx->target.n_harness];
}
/* Compiled with every variant (needs the shape constants). */
static const char harness_shape_source[] = "harness/qt_harness_shape.c";

/* The directory of t's i-th platform shell source into dir (relative to kernels/), and 1 if
 * it goes on the include path: it is not harness/ (always there) nor an earlier source's.
 * A board without a C library keeps the headers of its runtime there (stdio.h for
 * harness/hexagon/qt_hexagon_rt.c), found before the system's under -nostdlibinc. */
static int shell_include_dir(const qt_target *t, int i, char *dir, size_t cap) {
  const char *slash = strrchr(t->harness[i], '/');
  int len = slash ? (int)(slash - t->harness[i]) : 0;
  snprintf(dir, cap, "%.*s", len, t->harness[i]);
  if (!len || !strcmp(dir, "harness")) return 0;
  for (int k = 0; k < i; k++)
    if (!strncmp(t->harness[k], dir, (size_t)len) && t->harness[k][len] == '/' &&
        !strchr(t->harness[k] + len + 1, '/'))
      return 0;
  return 1;
}

/* Appends -I<kernels_dir>/<dir> for each of t's shell include directories (above). */
static void append_shell_includes(const qt_target *t, const char *kernels_dir, char **argv,
                                  int *argc, int max) {
  for (int i = 0; i < t->n_harness && *argc < max; i++) {
    char dir[QT_KERNELS_PATH_MAX], buf[QT_PATH_MAX + QT_KERNELS_PATH_MAX + 8];
    if (!shell_include_dir(t, i, dir, sizeof dir)) continue;
    snprintf(buf, sizeof buf, "-I%s/%s", kernels_dir, dir);
    argv[(*argc)++] = strdup(buf);
  }
}

static int hash_file(const char *path, uint64_t *h, qt_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return qt_fail(err, QT_EIO, "cannot read kernel source %s: %s", path, strerror(errno));
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) *h = qt_hash64(buf, n, *h);
  int bad = ferror(f);
  fclose(f);
  if (bad) return qt_fail(err, QT_EIO, "cannot read kernel source %s", path);
  /* The name is part of the identity too: a renamed file is a different source. */
  *h = qt_hash64(path, strlen(path), *h);
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lists the *.h files of dir, sorted by name, into names (strdup'd; caller frees each);
 * the headers any template may include, in a stable order for hashing. */
static int list_headers(const char *dir, char *names[], int max, int *n, qt_err *err) {
  DIR *d = opendir(dir);
  if (!d) return qt_fail(err, QT_EIO, "cannot open kernel directory %s: %s", dir, strerror(errno));
  struct dirent *e;
  *n = 0;
  while ((e = readdir(d)) && *n < max) {
    size_t len = strlen(e->d_name);
    if (len > 2 && strcmp(e->d_name + len - 2, ".h") == 0) names[(*n)++] = strdup(e->d_name);
  }
  closedir(d);
  for (int i = 0; i < *n; i++)
    if (!names[i]) {
      for (int k = 0; k < *n; k++) free(names[k]);
      *n = 0;
      return qt_fail(err, QT_ENOMEM, "out of memory listing %s", dir);
    }
  qsort(names, (size_t)*n, sizeof names[0], cmp_str);
  return 0;
}

/* Hashes every *.h of dir in name order. */
static int hash_headers(const char *dir, uint64_t *h, qt_err *err) {
  char *names[256];
  int n;
  int rc = list_headers(dir, names, 256, &n, err);
  for (int i = 0; i < n; i++) {
    char path[QT_PATH_MAX + 256];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (!rc) rc = hash_file(path, h, err);
    free(names[i]);
  }
  return rc;
}

void qt_default_cache_dir(char *buf, size_t cap) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (xdg && *xdg)
    snprintf(buf, cap, "%s/qtune", xdg);
  else if (home && *home)
    snprintf(buf, cap, "%s/.cache/qtune", home);
  else
    snprintf(buf, cap, ".qtune-cache");
}

static void free_argv(char **argv, int argc) {
  for (int i = 0; i < argc; i++) free(argv[i]);
}

/* argv is filled with strdup'd words: a NULL among the first argc (strdup out of memory)
 * would end the command early, so it is refused before the command runs. */
static int argv_ready(char **argv, int argc, qt_err *err) {
  for (int i = 0; i < argc; i++)
    if (!argv[i]) return qt_fail(err, QT_ENOMEM, "out of memory building a compiler command");
  return 0;
}

/* Appends "<compiler> <cflags>" to argv: the one way a target's compiler is run (the
 * compiler as one program name, its flags split on blanks). */
static int target_compiler(const qt_target *t, char **argv, int *argc, int max, qt_err *err) {
  argv[(*argc)++] = strdup(t->compiler);
  return qt_split_words(t->cflags, argv, argc, max, err);
}

/* Appends "[<wrapper>] <compiler> <cflags> -std=c11 -ffp-contract=off -I..." to argv; the
 * wrapper only when wrapped (a compile-only step) and the context has one. */
static int compile_prefix(const qt_build_ctx *ctx, int wrapped, char **argv, int *argc, int max,
                          qt_err *err) {
  const char *fixed[] = {"-std=c11", "-ffp-contract=off"};
  int rc = wrapped ? qt_split_words(ctx->cc_wrapper, argv, argc, max, err) : 0;
  if (!rc) rc = target_compiler(&ctx->target, argv, argc, max, err);
  for (int i = 0; i < 2 && !rc; i++) argv[(*argc)++] = strdup(fixed[i]);
  const char *incs[] = {"include", "harness", "templates"};
  for (int i = 0; i < 3 && !rc && *argc < max; i++) {
    char buf[QT_PATH_MAX + 32];
    snprintf(buf, sizeof buf, "-I%s/%s", ctx->kernels_dir, incs[i]);
    argv[(*argc)++] = strdup(buf);
  }
  if (!rc) append_shell_includes(&ctx->target, ctx->kernels_dir, argv, argc, max);
  return rc;
}

/* Compiles the shape-independent harness sources into cached objects (once per compiler,
 * flags and sources: the object names carry the context's common hash). */
static int build_harness_objects(qt_build_ctx *ctx, qt_err *err) {
  for (int i = 0; i < ctx->n_objects; i++) {
    const char *rel = harness_source(ctx, i);
    const char *slash = strrchr(rel, '/'), *base = slash ? slash + 1 : rel;
    /* the index keeps two shells' sources of one base name apart */
    if (snprintf(ctx->objects[i], sizeof ctx->objects[i], "%s/%016llx-%d-%.*s.o", ctx->cache_dir,
                 (unsigned long long)ctx->common_hash, i, (int)(strlen(base) - 2),
                 base) >= (int)sizeof ctx->objects[i])
      return qt_fail(err, QT_EINVAL, "cache directory %s: path too long", ctx->cache_dir);
    if (access(ctx->objects[i], R_OK) == 0) continue;
    char tmp[QT_PATH_MAX + 64], src[QT_PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", ctx->objects[i], (long)getpid());
    snprintf(src, sizeof src, "%s/%s", ctx->kernels_dir, rel);
    char *argv[MAX_ARGS];
    int argc = 0;
    int rc = compile_prefix(ctx, 1, argv, &argc, MAX_ARGS - 5, err);
    argv[argc++] = strdup("-c");
    argv[argc++] = strdup(src);
    argv[argc++] = strdup("-o");
    argv[argc++] = strdup(tmp);
    argv[argc] = NULL;
    qt_proc_result r;
    if (!rc) rc = argv_ready(argv, argc, err);
    if (!rc) rc = qt_proc_run(argv, ctx->timeout_ms, 1 << 16, &r, err);
    free_argv(argv, argc);
    if (rc) return qt_err_wrap(err, "compiling %s", src);
    if (!r.exited || r.exit_code != 0) {
      char how[128];
      qt_proc_describe(&r, ctx->timeout_ms, how, sizeof how);
      rc = qt_fail(err, QT_EBUILD, "cannot compile the harness %s for target %s (%s): %.600s",
                   src, ctx->target.name, how, r.err);
    } else if (rename(tmp, ctx->objects[i]) != 0) {
      rc = qt_fail(err, QT_EIO, "cannot store %s: %s", ctx->objects[i], strerror(errno));
    }
    unlink(tmp);
    qt_proc_result_free(&r);
    if (rc) return rc;
  }
  return 0;
}

/* Appends "<rel> <content hash>\n" for kernels_dir/rel to buf (used bytes in *used). */
static int manifest_file(const char *kernels_dir, const char *rel, char *buf, size_t cap,
                         size_t *used, qt_err *err) {
  char path[QT_PATH_MAX + 256];
  snprintf(path, sizeof path, "%s/%s", kernels_dir, rel);
  FILE *f = fopen(path, "rb");
  if (!f) return qt_fail(err, QT_EIO, "cannot read kernel source %s: %s", path, strerror(errno));
  uint64_t h = QT_HASH_SEED;
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) h = qt_hash64(chunk, n, h);
  int bad = ferror(f);
  fclose(f);
  if (bad) return qt_fail(err, QT_EIO, "cannot read kernel source %s", path);
  int k = snprintf(buf + *used, cap - *used, "%s %016llx\n", rel, (unsigned long long)h);
  if (k < 0 || (size_t)k >= cap - *used)
    return qt_fail(err, QT_EINVAL, "manifest of %s: more than %zu bytes", kernels_dir, cap - 1);
  *used += (size_t)k;
  return 0;
}

/* Appends the manifest lines of every *.h in kernels_dir/sub, in name order. */
static int manifest_headers(const char *kernels_dir, const char *sub, char *buf, size_t cap,
                            size_t *used, qt_err *err) {
  char dir[QT_PATH_MAX + 64];
  snprintf(dir, sizeof dir, "%s/%s", kernels_dir, sub);
  char *names[256];
  int n;
  int rc = list_headers(dir, names, 256, &n, err);
  for (int i = 0; i < n; i++) {
    char rel[300];
    snprintf(rel, sizeof rel, "%s/%s", sub, names[i]);
    if (!rc) rc = manifest_file(kernels_dir, rel, buf, cap, used, err);
    free(names[i]);
  }
  return rc;
}

/* The manifest lines of a template's sources (qt_source_manifest without the defines). */
static int template_manifest(const char *kernels_dir, const qt_template_def *tpl, char *buf,
                             size_t cap, qt_err *err) {
  size_t used = 0;
  if (cap) buf[0] = '\0';
  int rc = manifest_file(kernels_dir, tpl->source, buf, cap, &used, err);
  if (!rc) rc = manifest_headers(kernels_dir, "include", buf, cap, &used, err);
  if (!rc) rc = manifest_headers(kernels_dir, "templates", buf, cap, &used, err);
  if (!rc) rc = manifest_headers(kernels_dir, "ukernels", buf, cap, &used, err);
  return rc;
}

/* Whether program (a bare name looked up in PATH, or a path) can be executed. */
static int program_runs(const char *program) {
  if (strchr(program, '/')) return access(program, X_OK) == 0;
  const char *path = getenv("PATH");
  for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
    size_t n = strcspn(p, ":");
    char full[QT_PATH_MAX + 256];
    snprintf(full, sizeof full, "%.*s/%s", (int)n, p, program);
    if (n && access(full, X_OK) == 0) return 1;
    p += n + (p[n] == ':');
  }
  return 0;
}

int qt_build_ctx_init(qt_build_ctx *ctx, const char *kernels_dir, const char *cache_dir,
                      const qt_target *t, int timeout_ms, qt_err *err) {
  return qt_build_ctx_init_with(ctx, kernels_dir, cache_dir, t, timeout_ms, NULL, err);
}

int qt_build_ctx_init_with(qt_build_ctx *ctx, const char *kernels_dir, const char *cache_dir,
                           const qt_target *t, int timeout_ms, const qt_build_opts *opts,
                           qt_err *err) {
  memset(ctx, 0, sizeof *ctx);
  const char *wrapper = opts && opts->cc_wrapper ? opts->cc_wrapper : "";
  wrapper += strspn(wrapper, " \t");
  if (strlen(wrapper) >= sizeof ctx->cc_wrapper)
    return qt_fail(err, QT_EINVAL, "compiler wrapper '%.40s...' is longer than %zu characters",
                   wrapper, sizeof ctx->cc_wrapper - 1);
  snprintf(ctx->cc_wrapper, sizeof ctx->cc_wrapper, "%s", wrapper);
  if (*wrapper) {
    char first[QT_PATH_MAX];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(wrapper, " \t"), wrapper);
    if (!program_runs(first))
      return qt_fail(err, QT_ENOTFOUND, "compiler wrapper '%s': no executable '%s' in PATH "
                     "(for distcc: apt-get install distcc, or scripts/install-deps.sh)",
                     wrapper, first);
  }
  if (snprintf(ctx->kernels_dir, sizeof ctx->kernels_dir, "%s", kernels_dir) >=
          (int)sizeof ctx->kernels_dir ||
      snprintf(ctx->cache_dir, sizeof ctx->cache_dir, "%s", cache_dir) >=
          (int)sizeof ctx->cache_dir)
    return qt_fail(err, QT_EINVAL, "kernels directory or build cache path too long");
  ctx->target = *t;
  ctx->timeout_ms = timeout_ms;
  int rc = qt_mkdir_private(cache_dir, err);
  if (rc) return qt_err_wrap(err, "build cache");

  char *argv[] = {ctx->target.compiler, "--version", NULL};
  qt_proc_result r;
  rc = qt_proc_run(argv, 30000, 1 << 16, &r, err);
  if (rc)
    return qt_err_wrap(err, "target %s: compiler '%s' is not usable (install it, e.g. with "
                            "scripts/install-deps.sh)", t->name, t->compiler);
  if (!r.exited || r.exit_code != 0) {
    qt_proc_result_free(&r);
    return qt_fail(err, QT_EBUILD, "target %s: '%s --version' failed", t->name, t->compiler);
  }
  size_t line = strcspn(r.out, "\n");
  snprintf(ctx->compiler_version, sizeof ctx->compiler_version, "%.*s", (int)line, r.out);
  qt_proc_result_free(&r);

  uint64_t h = QT_HASH_SEED;
  ctx->n_objects = t->n_harness + (int)N_CORE_OBJECTS;
  if (t->n_harness < 1 || t->n_harness > QT_HARNESS_SHELL_MAX)
    return qt_fail(err, QT_EINVAL, "target %s: %d harness shell sources (1..%d)", t->name,
                   t->n_harness, QT_HARNESS_SHELL_MAX);
  if (t->linker_script[0])
    snprintf(ctx->linker_script, sizeof ctx->linker_script, "-T%s/%s", kernels_dir,
             t->linker_script);
  /* everything that goes into every artifact: the harness, its shape seam, the linker script */
  for (int i = 0; i <= ctx->n_objects + 1; i++) {
    const char *rel = i < ctx->n_objects ? harness_source(ctx, i)
                      : i == ctx->n_objects ? harness_shape_source : t->linker_script;
    if (!rel[0]) continue;
    char path[QT_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", kernels_dir, rel);
    if ((rc = hash_file(path, &h, err))) return rc;
  }
  char dir[QT_PATH_MAX + 64];
  snprintf(dir, sizeof dir, "%s/harness", kernels_dir);
  if ((rc = hash_headers(dir, &h, err))) return rc;
  for (int i = 0; i < t->n_harness; i++) { /* the shells' own headers (a runtime's stdio.h) */
    char rel[QT_KERNELS_PATH_MAX];
    if (!shell_include_dir(t, i, rel, sizeof rel)) continue;
    snprintf(dir, sizeof dir, "%s/%s", kernels_dir, rel);
    if ((rc = hash_headers(dir, &h, err))) return rc;
  }
  const char *identity[] = {t->compiler, ctx->compiler_version, t->cflags, t->ldflags};
  for (int i = 0; i < 4; i++) h = qt_hash64(identity[i], strlen(identity[i]) + 1, h);
  ctx->common_hash = h;
  if ((rc = build_harness_objects(ctx, err))) return rc;

  int n;
  const qt_template_def *const *tpls = qt_templates(&n);
  /* Each template's sources are read once, here: the manifest is what the run's source
   * hashes stand for, and builds check that the files still match it. */
  for (int i = 0; i < n && i < QT_MAX_TEMPLATES; i++) {
    char *man = ctx->tpl_manifest[i];
    if ((rc = template_manifest(kernels_dir, tpls[i], man, sizeof ctx->tpl_manifest[i], err)))
      return rc;
    ctx->tpl_hash[i] = qt_hash64(man, strlen(man), QT_HASH_SEED);
  }
  return 0;
}

int qt_shape_defines(const qt_workload *w, char *buf, size_t cap) {
  const qt_conv_desc *d = &w->desc;
  int n = snprintf(buf, cap,
                   "-DQT_SHAPE_FIXED=1 -DQT_SHAPE_OP=%d -DQT_SHAPE_DTYPE=%d -DQT_SHAPE_REQUANT=%d "
                   "-DQT_SHAPE_N=%d -DQT_SHAPE_IN_H=%d -DQT_SHAPE_IN_W=%d -DQT_SHAPE_IN_C=%d "
                   "-DQT_SHAPE_OUT_H=%d -DQT_SHAPE_OUT_W=%d -DQT_SHAPE_OUT_C=%d -DQT_SHAPE_KH=%d "
                   "-DQT_SHAPE_KW=%d -DQT_SHAPE_SH=%d -DQT_SHAPE_SW=%d -DQT_SHAPE_DH=%d "
                   "-DQT_SHAPE_DW=%d -DQT_SHAPE_PT=%d -DQT_SHAPE_PL=%d -DQT_SHAPE_PB=%d "
                   "-DQT_SHAPE_PR=%d -DQT_SHAPE_DM=%d",
                   d->p.op, w->dtype, w->requant, d->in.n, d->in.h, d->in.w, d->in.c, d->out.h,
                   d->out.w, d->out.c, d->p.kernel_h, d->p.kernel_w, d->p.stride_h,
                   d->p.stride_w, d->p.dilation_h, d->p.dilation_w, d->p.pad_top,
                   d->p.pad_left, d->p.pad_bottom, d->p.pad_right, d->p.depth_multiplier);
  return n > 0 && (size_t)n < cap ? 0 : QT_EINVAL;
}

static int template_slot(const qt_template_def *tpl) {
  int n;
  const qt_template_def *const *tpls = qt_templates(&n);
  for (int i = 0; i < n; i++)
    if (tpls[i] == tpl) return i;
  return -1;
}

/* Renders all defines of a variant into buf, with the compile flags its knob values need
 * (qt_config_flags: an ISA strategy's -m flags) between knobs and shapes. */
static int variant_defines(const qt_workload *w, const qt_config *c, char *buf, size_t cap) {
  char knobs[1024], flags[512], shape[1024];
  if (qt_config_defines(c, knobs, sizeof knobs) || qt_config_flags(c, flags, sizeof flags) ||
      qt_shape_defines(w, shape, sizeof shape))
    return QT_EINVAL;
  int n = snprintf(buf, cap, "%s%s%s %s", knobs, flags[0] ? " " : "", flags, shape);
  return n > 0 && (size_t)n < cap ? 0 : QT_EINVAL;
}

void qt_variant_source_hash(const qt_build_ctx *ctx, const qt_workload *w, const qt_config *c,
                            char out[17]) {
  char defines[2048] = "";
  variant_defines(w, c, defines, sizeof defines);
  int slot = template_slot(c->tpl);
  uint64_t h = slot >= 0 ? ctx->tpl_hash[slot] : QT_HASH_SEED;
  h = qt_hash64(c->tpl->name, strlen(c->tpl->name) + 1, h);
  h = qt_hash64(defines, strlen(defines), h);
  snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Appends the "defines" line of (w, c) to the template lines in buf. */
static int manifest_defines(const qt_workload *w, const qt_config *c, char *buf, size_t cap,
                            qt_err *err) {
  char defines[2048];
  if (variant_defines(w, c, defines, sizeof defines))
    return qt_fail(err, QT_EINVAL, "defines of %s do not fit", c->tpl->name);
  size_t used = strlen(buf);
  uint64_t h = qt_hash64(defines, strlen(defines), QT_HASH_SEED);
  int k = snprintf(buf + used, cap - used, "defines %016llx\n", (unsigned long long)h);
  if (k < 0 || (size_t)k >= cap - used)
    return qt_fail(err, QT_EINVAL, "manifest of %s: more than %zu bytes", c->tpl->name, cap - 1);
  return 0;
}

int qt_source_manifest(const char *kernels_dir, const qt_workload *w, const qt_config *c,
                       char *buf, size_t cap, qt_err *err) {
  int rc = template_manifest(kernels_dir, c->tpl, buf, cap, err);
  return rc ? rc : manifest_defines(w, c, buf, cap, err);
}

int qt_variant_manifest(const qt_build_ctx *ctx, const qt_workload *w, const qt_config *c,
                        char *buf, size_t cap, qt_err *err) {
  int slot = template_slot(c->tpl);
  if (slot < 0) return qt_fail(err, QT_EINVAL, "template %s is not registered", c->tpl->name);
  int n = snprintf(buf, cap, "%s", ctx->tpl_manifest[slot]);
  if (n < 0 || (size_t)n >= cap)
    return qt_fail(err, QT_EINVAL, "manifest of %s: more than %zu bytes", c->tpl->name, cap - 1);
  return manifest_defines(w, c, buf, cap, err);
}

/* The first path whose line differs between two manifests, into path[cap]. */
static void manifest_diff(const char *a, const char *b, char *path, size_t cap) {
  snprintf(path, cap, "a file was added or removed");
  while (*a && *b) {
    size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
    if (la != lb || memcmp(a, b, la) != 0) {
      snprintf(path, cap, "%.*s", (int)strcspn(a, " "), a);
      return;
    }
    a += la + (a[la] != '\0');
    b += lb + (b[lb] != '\0');
  }
}

/* Writes a model's quantization parameters as the header qt_harness_shape.c includes
 * (QT_HARNESS_QUANT_FILE), once per parameter set: <cache>/quant-<hash>.h, by rename so
 * concurrent builds never read half a file. */
static int write_quant_header(const qt_build_ctx *ctx, const qt_quant_given *g, uint64_t hash,
                              char *path, size_t cap, qt_err *err) {
  /* Absolute: the compiler resolves a quoted include from the including file's folder. */
  char dir[PATH_MAX];
  if (!realpath(ctx->cache_dir, dir))
    return qt_fail(err, QT_EIO, "cache directory %s: %s", ctx->cache_dir, strerror(errno));
  char tmp[QT_PATH_MAX + 64];
  if (snprintf(path, cap, "%s/quant-%016llx.h", dir, (unsigned long long)hash) >= (int)cap ||
      snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lx", path, (long)getpid(),
               (unsigned long)pthread_self()) >= (int)sizeof tmp)
    return qt_fail(err, QT_EINVAL, "cache directory %s: path too long", dir);
  if (access(path, R_OK) == 0) return 0;
  FILE *f = fopen(tmp, "w");
  if (!f) return qt_fail(err, QT_EIO, "cannot write %s: %s", tmp, strerror(errno));
  fprintf(f, "/* Written by tune: a model's quantization parameters for the harness. */\n");
  const int32_t *arrays[2] = {g->multiplier, g->shift};
  const char *names[2] = {"multiplier", "shift"};
  for (int a = 0; a < 2; a++) {
    fprintf(f, "static const int32_t qt_harness_given_%s[%d] = {", names[a], (int)g->channels);
    for (int32_t i = 0; i < g->channels; i++)
      fprintf(f, "%s%" PRId32, i ? (i % 16 ? ", " : ",\n  ") : "", arrays[a][i]);
    fprintf(f, "};\n");
  }
  fprintf(f, "static const qt_quant_given qt_harness_given = {%" PRId32 ", %" PRId32 ", %" PRId32
          ", %" PRId32 ", %" PRId32 ", %" PRId32 ",\n  qt_harness_given_multiplier, "
          "qt_harness_given_shift};\n", g->input_zp, g->weight_zp, g->output_zp, g->act_min,
          g->act_max, g->channels);
  int bad = ferror(f);
  if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
    unlink(tmp);
    return qt_fail(err, QT_EIO, "cannot write %s: %s", path, strerror(errno));
  }
  return 0;
}

/* Runs one compiler command of a variant build:
 *   [<wrapper if wrapped>] <compiler> <cflags> <fixed flags> <defines> [<define>] <tail...>
 *   [<ldflags>]
 * (define: one more argument, not split on blanks, or NULL) and sets out->status (OK,
 * COMPILE_ERROR with the diagnostics, BUILD_TIMEOUT, or BUILD_KILLED when the compiler died of
 * a signal it was not sent by the deadline) from how it ended, adding its time to
 * out->build_ms. Returns 0, or a negative code when the tuner failed (the command did not
 * fit, the compiler could not be started). */
static int build_step(const qt_build_ctx *ctx, int wrapped, const char *defines,
                      const char *define, const char *const *tail, const char *ldflags,
                      const char *what, qt_artifact *out, qt_err *err) {
  char *argv[MAX_ARGS];
  int argc = 0;
  int rc = compile_prefix(ctx, wrapped, argv, &argc, MAX_ARGS - 1, err);
  if (!rc) rc = qt_split_words(defines, argv, &argc, MAX_ARGS - 1, err);
  if (!rc && define) {
    if (argc < MAX_ARGS - 1) argv[argc++] = strdup(define);
    else rc = QT_EINVAL;
  }
  for (; !rc && *tail; tail++)
    if (argc < MAX_ARGS - 1) argv[argc++] = strdup(*tail);
    else rc = QT_EINVAL;
  if (!rc && ldflags) rc = qt_split_words(ldflags, argv, &argc, MAX_ARGS - 1, err);
  argv[argc] = NULL;
  if (rc) {
    free_argv(argv, argc);
    return qt_fail(err, QT_EINTERNAL, "compiler command line for %s too long", what);
  }
  qt_proc_result r;
  rc = argv_ready(argv, argc, err);
  if (!rc) rc = qt_proc_run(argv, ctx->timeout_ms, 1 << 16, &r, err);
  free_argv(argv, argc);
  if (rc) return qt_err_wrap(err, "building %s", what);
  out->build_ms += r.wall_ms;
  if (r.timed_out) {
    out->status = QT_STATUS_BUILD_TIMEOUT;
    snprintf(out->error, sizeof out->error, "compiler timed out after %d ms", ctx->timeout_ms);
  } else if (!r.exited) {
    /* Not the deadline's kill: the machine's (the OOM killer's SIGKILL, most often). */
    out->status = QT_STATUS_BUILD_KILLED;
    qt_mark_cut(out->error, sizeof out->error,
                snprintf(out->error, sizeof out->error,
                         "compiler killed by signal %d (out of memory?): %s", r.signal, r.err));
  } else if (r.exit_code != 0) {
    out->status = QT_STATUS_COMPILE_ERROR;
    char how[128];
    qt_proc_describe(&r, ctx->timeout_ms, how, sizeof how);
    qt_mark_cut(out->error, sizeof out->error,
                snprintf(out->error, sizeof out->error, "%s: %s", how, r.err));
  }
  qt_proc_result_free(&r);
  return 0;
}

/* 0 if c's template sources still read as when ctx was made (its manifest), else
 * QT_EBUILD naming the first file that differs. */
static int sources_unchanged(const qt_build_ctx *ctx, const qt_config *c, qt_err *err) {
  int slot = template_slot(c->tpl);
  char now[QT_MANIFEST_MAX];
  if (slot < 0 || template_manifest(ctx->kernels_dir, c->tpl, now, sizeof now, err))
    return qt_fail(err, QT_EBUILD, "cannot read the sources of %s", c->tpl->name);
  if (strcmp(now, ctx->tpl_manifest[slot]) != 0) {
    char path[300];
    manifest_diff(ctx->tpl_manifest[slot], now, path, sizeof path);
    return qt_fail(err, QT_EBUILD, "kernel sources changed while tuning (%s/%s): restart tune, "
                   "so that the log and the build cache name the code that was measured",
                   ctx->kernels_dir, path);
  }
  return 0;
}

int qt_build_variant(const qt_build_ctx *ctx, const qt_workload *w, const qt_config *c,
                     qt_artifact *out, qt_err *err) {
  memset(out, 0, sizeof *out);
  qt_variant_source_hash(ctx, w, c, out->source_hash);
  uint64_t key = qt_hash64(out->source_hash, 16, ctx->common_hash);
  /* A model's own quantization parameters are data compiled into the harness, not shipped
   * code: they name a different artifact but leave the source hash (what export checks) as
   * it is. */
  const uint64_t quant_hash = qt_quant_given_hash(w->quant);
  if (w->quant) key = qt_hash64(&quant_hash, sizeof quant_hash, key);
  if (snprintf(out->path, sizeof out->path, "%s/%016llx-%s.bin", ctx->cache_dir,
               (unsigned long long)key, c->tpl->name) >= (int)sizeof out->path)
    return qt_fail(err, QT_EINVAL, "cache directory %s: path too long", ctx->cache_dir);
  if (access(out->path, X_OK) == 0) {
    out->cached = 1;
    out->status = QT_STATUS_OK;
    return 0;
  }

  /* The compiler reads the files now: they must still be the ones the source hash stands
   * for, or the cache would store new code under the old hash. */
  int rc = sources_unchanged(ctx, c, err);
  if (rc) return rc;
  char defines[2048];
  if (variant_defines(w, c, defines, sizeof defines))
    return qt_fail(err, QT_EINTERNAL, "defines of %s do not fit", c->tpl->name);
  char tmp[QT_PATH_MAX + 64];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lx", out->path, (long)getpid(),
           (unsigned long)pthread_self());
  char quant_header[PATH_MAX + 64], quant_define[PATH_MAX + 96];
  if (w->quant) {
    int qrc = write_quant_header(ctx, w->quant, quant_hash, quant_header, sizeof quant_header, err);
    if (qrc) return qrc;
    /* one argument, not split: the path may hold blanks */
    snprintf(quant_define, sizeof quant_define, "-DQT_HARNESS_QUANT_FILE=\"%s\"", quant_header);
  }
  const char *define = w->quant ? quant_define : NULL;
  char src[2][QT_PATH_MAX + 64], obj[2][QT_PATH_MAX + 80];
  snprintf(src[0], sizeof src[0], "%s/%s", ctx->kernels_dir, harness_shape_source);
  snprintf(src[1], sizeof src[1], "%s/%s", ctx->kernels_dir, c->tpl->source);
  /* With a wrapper, each source is compiled alone (-c, what distcc can send away); the link
   * then takes the objects where the one-step build takes the sources, so the link line, and
   * the artifact, are the same. */
  const int split = ctx->cc_wrapper[0] != '\0';
  out->status = QT_STATUS_OK;
  for (int i = 0; split && i < 2 && !rc && out->status == QT_STATUS_OK; i++) {
    snprintf(obj[i], sizeof obj[i], "%s.%d.o", tmp, i);
    const char *tail[] = {"-c", src[i], "-o", obj[i], NULL};
    rc = build_step(ctx, 1, defines, define, tail, NULL, c->tpl->name, out, err);
  }
  if (!rc && out->status == QT_STATUS_OK) {
    const char *tail[2 + QT_HARNESS_SHELL_MAX + N_CORE_OBJECTS + 3 + 1];
    int n = 0;
    tail[n++] = split ? obj[0] : src[0];
    tail[n++] = split ? obj[1] : src[1];
    for (int i = 0; i < ctx->n_objects; i++) tail[n++] = ctx->objects[i];
    if (ctx->linker_script[0]) tail[n++] = ctx->linker_script;
    tail[n++] = "-o";
    tail[n++] = tmp;
    tail[n] = NULL;
    rc = build_step(ctx, 0, defines, define, tail, ctx->target.ldflags, c->tpl->name, out, err);
  }
  /* ... and still after the compiler read them: a file edited during the build (and back)
   * would otherwise leave an artifact of other code under this hash for every later run */
  if (!rc && out->status == QT_STATUS_OK) rc = sources_unchanged(ctx, c, err);
  if (!rc && out->status == QT_STATUS_OK && rename(tmp, out->path) != 0)
    rc = qt_fail(err, QT_EIO, "cannot store artifact %s: %s", out->path, strerror(errno));
  unlink(tmp);
  for (int i = 0; split && i < 2; i++) unlink(obj[i]);
  return rc;
}

int qt_build_check_program(const qt_target *t, const char *kernels_dir, const char *dir,
                           char *out, size_t cap, qt_err *err) {
  char src[QT_PATH_MAX + 16];
  snprintf(src, sizeof src, "%s/probe.c", dir);
  snprintf(out, cap, "%s/probe-%s", dir, t->name);
  FILE *f = fopen(src, "w");
  if (!f) return qt_fail(err, QT_EIO, "cannot write %s: %s", src, strerror(errno));
  fputs("#include <stdio.h>\nint main(void) { puts(\"" QT_CHECK_PROGRAM_OUTPUT "\"); return 0; }\n", f);
  if (fclose(f) != 0) return qt_fail(err, QT_EIO, "cannot write %s: %s", src, strerror(errno));
  char *argv[MAX_ARGS];
  int argc = 0, rc = target_compiler(t, argv, &argc, MAX_ARGS - 8, err);
  if (!rc) {
    argv[argc++] = strdup("-o");
    argv[argc++] = strdup(out);
    argv[argc++] = strdup(src);
    /* A bare-metal target's program needs its startup (every harness source after the
     * shell, which holds the harness's main) and its board's memory map. */
    char path[QT_PATH_MAX + QT_KERNELS_PATH_MAX + 8];
    for (int i = 1; i < t->n_harness && argc < MAX_ARGS - 8; i++) {
      snprintf(path, sizeof path, "%s/%s", kernels_dir, t->harness[i]);
      argv[argc++] = strdup(path);
    }
    snprintf(path, sizeof path, "-I%s/harness", kernels_dir);
    argv[argc++] = strdup(path);
    snprintf(path, sizeof path, "-I%s/include", kernels_dir);
    argv[argc++] = strdup(path);
    if (t->linker_script[0]) {
      snprintf(path, sizeof path, "-T%s/%s", kernels_dir, t->linker_script);
      argv[argc++] = strdup(path);
    }
    append_shell_includes(t, kernels_dir, argv, &argc, MAX_ARGS - 1);
    rc = qt_split_words(t->ldflags, argv, &argc, MAX_ARGS - 1, err);
  }
  argv[argc] = NULL;
  qt_proc_result r;
  if (!rc) rc = argv_ready(argv, argc, err);
  if (!rc && (rc = qt_proc_run(argv, 120000, 1 << 16, &r, err)) == 0) {
    if (!r.exited || r.exit_code != 0)
      rc = qt_fail(err, QT_EBUILD, "cannot build the check program for %s with %s: %.300s",
                   t->name, t->compiler, r.err);
    qt_proc_result_free(&r);
  }
  free_argv(argv, argc);
  return rc;
}
