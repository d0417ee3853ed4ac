/* export.c — `tune export` (export.h): for every layer of a model, the log's best ok config on
 * the target (or the preferred template's default, with a warning, when there is none), the
 * check that the kernel sources are still the ones measured (the log's per-file manifest of
 * the record's source hash against the files now), and the generated sources: one C file per
 * layer, the header with prototypes and the record comments, the dispatch table, the copied
 * kernel sources and the list of files to compile. Files are rendered in memory and replaced
 * only when their bytes change, so a build that re-runs export after every log change
 * recompiles only the layers whose choice changed. */
#include "tuner/output/export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schedules/space.h"
#include "tuner/build/build.h"
#include "tuner/sys/os.h"

#define MANIFEST_MAX QT_MANIFEST_MAX

/* Support sources copied for checking firmware (not tuned, so not hash-checked). */
static const char *const support_sources[] = {"reference/qt_ref.c", "reference/qt_conv.c",
                                              "harness/qt_datagen.c", "harness/qt_datagen.h"};
#define N_SUPPORT (sizeof support_sources / sizeof support_sources[0])

/* What one layer exports. */
typedef struct layer_choice {
  qt_config config;
  char knobs[QT_KNOBS_MAX];
  int from_log;
  qt_db_row rec; /* the log record when from_log */
  char manifest[MANIFEST_MAX]; /* current sources of the config */
} layer_choice;

void qt_export_ident(const char *name, char *buf, size_t cap) {
  size_t i = 0;
  for (; name[i] && i + 1 < cap; i++) {
    char c = name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    buf[i] = ok ? c : '_';
  }
  if (cap) buf[i < cap ? i : cap - 1] = '\0';
}

/* Reads a whole file into a malloc'd buffer (*data, *len). Returns 0 or QT_EIO/QT_ENOMEM. */
static int read_all(const char *path, char **data, size_t *len, qt_err *err) {
  *data = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return qt_fail(err, QT_EIO, "export: cannot read %s: %s", path, strerror(errno));
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf) return qt_fail(err, QT_ENOMEM, "export: out of memory reading %s", path);
  if (bad) {
    free(buf);
    return qt_fail(err, QT_EIO, "export: cannot read %s", path);
  }
  *data = buf;
  *len = n;
  return 0;
}

/* Writes data to out_dir/rel unless the file already holds exactly these bytes: written to a
 * temporary name, then renamed over, so no reader sees a torn file. */
static int write_if_changed(const char *out_dir, const char *rel, const char *data, size_t len,
                            qt_err *err) {
  char path[QT_PATH_MAX + 256], tmp[QT_PATH_MAX + 300];
  snprintf(path, sizeof path, "%s/%s", out_dir, rel);
  char *old = NULL;
  size_t old_len = 0;
  if (read_all(path, &old, &old_len, NULL) == 0) {
    int same = old_len == len && memcmp(old, data, len) == 0;
    free(old);
    if (same) return 0;
  }
  char *slash = strrchr(path, '/');
  if (slash) {
    *slash = '\0';
    int rc = qt_mkdir_p(path, err);
    *slash = '/';
    if (rc) return rc;
  }
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f) return qt_fail(err, QT_EIO, "export: cannot write %s: %s", tmp, strerror(errno));
  int bad = fwrite(data, 1, len, f) != len;
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return qt_fail(err, QT_EIO, "export: cannot write %s: %s", path, strerror(e));
  }
  return 0;
}

/* The hash recorded for path in a manifest ("<path> <hash>\n" lines), or NULL. */
static const char *manifest_find(const char *manifest, const char *path, char hash[17]) {
  size_t plen = strlen(path);
  for (const char *p = manifest; *p;) {
    size_t n = strcspn(p, "\n");
    if (n == plen + 17 && strncmp(p, path, plen) == 0 && p[plen] == ' ') {
      memcpy(hash, p + plen + 1, 16);
      hash[16] = '\0';
      return hash;
    }
    p += n + (p[n] == '\n');
  }
  return NULL;
}

/* Compares the manifest the log recorded with the sources now; fails naming the layer and
 * the first file that differs, vanished or appeared. */
static int check_sources(const qt_layer *layer, const layer_choice *c, const char *logged,
                         const char *kernels_dir, qt_err *err) {
  char was[17], now[17];
  for (const char *p = logged; *p;) {
    size_t n = strcspn(p, "\n"), sp = strcspn(p, " ");
    char path[300];
    snprintf(path, sizeof path, "%.*s", (int)(sp < n ? sp : n), p);
    snprintf(was, sizeof was, "%.16s", sp < n ? p + sp + 1 : "");
    p += n + (p[n] == '\n');
    if (!manifest_find(c->manifest, path, now))
      return qt_fail(err, QT_EBUILD,
                     "export: layer %s: kernel source %s/%s was measured (record %lld) but no "
                     "longer exists; re-tune the layer",
                     layer->name, kernels_dir, path, (long long)c->rec.measurement_id);
    if (strcmp(was, now) == 0) continue;
    if (strcmp(path, "defines") == 0)
      return qt_fail(err, QT_EBUILD,
                     "export: layer %s: the knob and shape defines of %s differ from those "
                     "measured (record %lld): the knob space changed; re-tune the layer",
                     layer->name, c->knobs, (long long)c->rec.measurement_id);
    return qt_fail(err, QT_EBUILD,
                   "export: layer %s: kernel source %s/%s changed since it was measured "
                   "(record %lld, file hash %s, now %s); re-tune the layer or restore the file",
                   layer->name, kernels_dir, path, (long long)c->rec.measurement_id, was, now);
  }
  for (const char *p = c->manifest; *p;) {
    size_t n = strcspn(p, "\n"), sp = strcspn(p, " ");
    char path[300];
    snprintf(path, sizeof path, "%.*s", (int)(sp < n ? sp : n), p);
    p += n + (p[n] == '\n');
    if (!manifest_find(logged, path, was))
      return qt_fail(err, QT_EBUILD,
                     "export: layer %s: kernel source %s/%s is new since the layer was "
                     "measured (record %lld); re-tune the layer",
                     layer->name, kernels_dir, path, (long long)c->rec.measurement_id);
  }
  return 0;
}

/* Picks the config of one layer and checks its sources. */
static int choose(qt_db *db, const qt_model *m, const qt_layer *layer, const qt_target *t,
                  const qt_export_options *o, layer_choice *c, qt_err *err) {
  const qt_task *task = &m->tasks[layer->task];
  memset(c, 0, sizeof *c);
  qt_space space;
  int rc = qt_space_init(&space, &task->w, t, err);
  if (rc) return qt_err_wrap(err, "export: layer %s", layer->name);
  if ((rc = qt_db_best(db, task->key, t->name, &c->rec, &c->from_log, err))) return rc;
  if (c->from_log) {
    if ((rc = qt_config_parse(&space, c->rec.knobs, &c->config, err)))
      return qt_err_wrap(err, "export: layer %s: logged config of record %lld", layer->name,
                         (long long)c->rec.measurement_id);
  } else {
    if (o->strict)
      return qt_fail(err, QT_ENOTFOUND,
                     "export: layer %s (%s) has no ok measurement on target %s in %s "
                     "(--strict forbids the default-config fallback)",
                     layer->name, task->key, t->name, o->db_path ? o->db_path : "the log");
    if (qt_space_default(&space, &c->config))
      return qt_fail(err, QT_EINTERNAL, "export: layer %s: no valid default config", layer->name);
  }
  qt_config_format(&c->config, c->knobs, sizeof c->knobs);
  if (!c->from_log && o->warn)
    fprintf(o->warn,
            "tune export: warning: layer %s (%s) has no ok measurement on target %s: using "
            "the default config %s\n",
            layer->name, task->key, t->name, c->knobs);
  if ((rc = qt_source_manifest(o->kernels_dir, &task->w, &c->config, c->manifest,
                               sizeof c->manifest, err)))
    return qt_err_wrap(err, "export: layer %s", layer->name);
  if (!c->from_log) return 0;
  char logged[MANIFEST_MAX];
  int found = 0;
  if ((rc = qt_db_manifest(db, c->rec.source_hash, logged, sizeof logged, &found, err)))
    return rc;
  if (!found)
    return qt_fail(err, QT_EBUILD,
                   "export: layer %s: record %lld (source hash %s) has no per-file manifest "
                   "in the log, so its sources cannot be checked; re-tune the layer",
                   layer->name, (long long)c->rec.measurement_id, c->rec.source_hash);
  return check_sources(layer, c, logged, o->kernels_dir, err);
}

/* Copies kernels_dir/rel to out_dir/kernels/rel; if want is non-NULL the copied bytes must
 * hash to it (they are the bytes that were checked against the log). */
static int copy_source(const qt_export_options *o, const char *rel, const char *want,
                       qt_err *err) {
  char src[QT_PATH_MAX + 256], dst[300];
  snprintf(src, sizeof src, "%s/%s", o->kernels_dir, rel);
  snprintf(dst, sizeof dst, "kernels/%s", rel);
  char *data;
  size_t len;
  int rc = read_all(src, &data, &len, err);
  if (rc) return rc;
  char got[17];
  snprintf(got, sizeof got, "%016llx", (unsigned long long)qt_hash64(data, len, QT_HASH_SEED));
  if (want && strcmp(got, want) != 0)
    rc = qt_fail(err, QT_EBUILD, "export: kernel source %s changed during the export", src);
  if (!rc) rc = write_if_changed(o->out_dir, dst, data, len, err);
  free(data);
  return rc;
}

/* Writes "#define NAME VALUE" for every "-DNAME=VALUE" word of defines. */
static void print_defines(FILE *f, const char *defines) {
  char buf[2048];
  snprintf(buf, sizeof buf, "%s", defines);
  for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) {
    if (strncmp(w, "-D", 2) != 0) continue;
    char *eq = strchr(w, '=');
    if (eq) *eq = ' ';
    fprintf(f, "#define %s\n", w + 2);
  }
}

/* Text from the log or the command line (board names, times, paths) as it may appear inside
 * a generated C comment: printable ASCII without '*' and '\\', anything else as '?'. A log
 * is data from elsewhere; it must not be able to end the comment and add code. */
static void comment_safe(const char *s, char *buf, size_t cap) {
  size_t i = 0;
  for (; s && s[i] && i + 1 < cap; i++) {
    unsigned char ch = (unsigned char)s[i];
    buf[i] = ch >= 0x20 && ch < 0x7f && ch != '*' && ch != '\\' ? (char)ch : '?';
  }
  if (cap) buf[i] = '\0';
}

/* Layer names become file and function names through qt_export_ident, which maps several
 * characters to '_': two layers must not end up with one name. */
static int check_identifiers(const qt_model *m, const char *mid, qt_err *err) {
  for (int i = 0; i < m->n_layers; i++) {
    char a[QT_NAME_MAX];
    qt_export_ident(m->layers[i].name, a, sizeof a);
    for (int j = 0; j < i; j++) {
      char b[QT_NAME_MAX];
      qt_export_ident(m->layers[j].name, b, sizeof b);
      if (strcmp(a, b) == 0)
        return qt_fail(err, QT_EINVAL, "export: layers '%s' and '%s' of model %s would both "
                       "be named qt_%s_%s; rename one", m->layers[j].name, m->layers[i].name,
                       m->name, mid, a);
    }
  }
  return 0;
}

/* One line describing where a layer's config came from, for the generated comments. */
static void record_line(const layer_choice *c, const char *db_path, qt_timing timing,
                        char *buf, size_t cap) {
  char board[sizeof c->rec.board], when[sizeof c->rec.measured_at], median[48];
  comment_safe(c->rec.board, board, sizeof board);
  comment_safe(c->rec.measured_at, when, sizeof when);
  /* the unit says what the number counts: time, emulated time or qemu's instruction count */
  qt_timing_format(timing, c->rec.median_ns, median, sizeof median);
  if (timing == QT_TIMING_ICOUNT) strncat(median, " (qemu icount)", sizeof median - strlen(median) - 1);
  if (c->from_log)
    snprintf(buf, cap,
             "log record: measurement %lld of %s (session %lld, board %s, %s, median %s, "
             "source hash %s)",
             (long long)c->rec.measurement_id, db_path, (long long)c->rec.session_id, board,
             when, median, c->rec.source_hash);
  else
    snprintf(buf, cap, "no ok measurement in %s: the template's default config (unmeasured)",
             db_path);
}

static int render_layer(const qt_model *m, const qt_layer *layer, const qt_target *t,
                        const layer_choice *c, const qt_export_options *o, const char *mid,
                        char *file, size_t file_cap, qt_err *err) {
  char lid[QT_NAME_MAX], knobs_d[1024], shape_d[1024], rec[1024];
  qt_export_ident(layer->name, lid, sizeof lid);
  snprintf(file, file_cap, "qt_%s_%s.c", mid, lid);
  if (qt_config_defines(&c->config, knobs_d, sizeof knobs_d) ||
      qt_shape_defines(&layer->w, shape_d, sizeof shape_d))
    return qt_fail(err, QT_EINTERNAL, "export: layer %s: defines do not fit", layer->name);
  record_line(c, o->db_path, t->timing, rec, sizeof rec);
  char flags[512];
  if (qt_config_flags(&c->config, flags, sizeof flags)) flags[0] = '\0';
  char *data = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&data, &len);
  if (!f) return qt_fail(err, QT_ENOMEM, "export: out of memory");
  fprintf(f,
          "/* %s — generated by tune export, do not edit.\n"
          " * Layer %s of model %s on target %s, workload %s.\n"
          " * Template %s (kernels/%s), knobs %s.\n"
          " * %s.\n"
          " * The defines below are exactly those measured (their hash is in the log's manifest);\n"
          " * compile with the target's flags%s%s (layer_flags.txt);\n"
          " * functions: qt_%s_%s_{packed_size,scratch_size,pack,run} (qt_%s.h). */\n",
          file, layer->name, m->name, t->name, m->tasks[layer->task].key, c->config.tpl->name,
          c->config.tpl->source, c->knobs, rec, flags[0] ? " plus " : "", flags, mid, lid, mid);
  fprintf(f, "#define QT_FN_PREFIX qt_%s_%s_\n", mid, lid);
  print_defines(f, knobs_d);
  print_defines(f, shape_d);
  fprintf(f, "#include \"kernels/%s\"\n", c->config.tpl->source);
  fclose(f);
  int rc = write_if_changed(o->out_dir, file, data, len, err);
  free(data);
  return rc;
}

static void print_desc(FILE *f, const qt_workload *w) {
  const qt_conv_desc *d = &w->desc;
  fprintf(f,
          "{{%d, %d, %d, %d}, {%d, %d, %d, %d}, {%d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, "
          "%d}}",
          d->in.n, d->in.h, d->in.w, d->in.c, d->out.n, d->out.h, d->out.w, d->out.c, d->p.op,
          d->p.kernel_h, d->p.kernel_w, d->p.stride_h, d->p.stride_w, d->p.dilation_h,
          d->p.dilation_w, d->p.pad_top, d->p.pad_left, d->p.pad_bottom, d->p.pad_right,
          d->p.depth_multiplier);
}

/* The first line of every qt_tuned.h export writes, then and now. */
static const char generic_mark[] = "/* qt_tuned.h — generated by tune export, do not edit.";

/* Removes the qt_tuned.h that exports before generic/ wrote beside qt_<model>.h, which would
 * still shadow another model's; a file of that name that export did not write stays. */
static int remove_old_generic_header(const char *out_dir, qt_err *err) {
  char path[QT_PATH_MAX + 16], *old = NULL;
  size_t len = 0;
  snprintf(path, sizeof path, "%s/qt_tuned.h", out_dir);
  if (read_all(path, &old, &len, NULL) != 0) return 0;
  const size_t n = sizeof generic_mark - 1;
  const int ours = len >= n && memcmp(old, generic_mark, n) == 0;
  free(old);
  if (ours && unlink(path) != 0)
    return qt_fail(err, QT_EIO, "export: cannot remove the old %s: %s", path, strerror(errno));
  return 0;
}

static int render_header(const qt_model *m, const qt_target *t, const layer_choice *ch,
                         const qt_export_options *o, const char *mid, const qt_export_stats *st,
                         qt_err *err) {
  char *data = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&data, &len);
  if (!f) return qt_fail(err, QT_ENOMEM, "export: out of memory");
  char upper[QT_NAME_MAX];
  snprintf(upper, sizeof upper, "%s", mid);
  for (char *p = upper; *p; p++)
    if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
  fprintf(f,
          "/* qt_%s.h — generated by tune export, do not edit.\n"
          " * Tuned convolution kernels of model %s for target %s from tuning log %s: %d layers,\n"
          " * %d with the log's best config, %d with their template's default (no record).\n"
          " * Per layer: four functions qt_%s_<layer>_{packed_size,scratch_size,pack,run} (the\n"
          " * template contract of qt_kernels.h, shapes compiled in) and an entry of\n"
          " * qt_%s_layers[], the table from workload key to functions. Pack weights once at\n"
          " * init (pack() into packed_size() bytes), then run() with scratch_size() bytes of\n"
          " * scratch; both buffers aligned to QT_ALIGN.\n"
          " *\n"
          " * Where each layer came from:\n",
          mid, m->name, t->name, o->db_path, st->layers, st->from_log, st->fallback, mid, mid);
  for (int i = 0; i < m->n_layers; i++) {
    char rec[1024];
    record_line(&ch[i], o->db_path, t->timing, rec, sizeof rec);
    fprintf(f, " *   %s: %s\n *     %s\n", m->layers[i].name, ch[i].knobs, rec);
  }
  fprintf(f,
          " */\n#ifndef QT_TUNED_%s_H\n#define QT_TUNED_%s_H\n\n#include <stddef.h>\n"
          "#include <stdint.h>\n\n#include \"qt_kernels.h\"\n\n#ifdef __cplusplus\nextern \"C\" {\n"
          "#endif\n\n",
          upper, upper);
  for (int i = 0; i < m->n_layers; i++) {
    char lid[QT_NAME_MAX];
    qt_export_ident(m->layers[i].name, lid, sizeof lid);
    fprintf(f,
            "/* %s: %s */\n"
            "size_t qt_%s_%s_packed_size(const qt_conv_desc *d);\n"
            "size_t qt_%s_%s_scratch_size(const qt_conv_desc *d);\n"
            "int qt_%s_%s_pack(const qt_conv_desc *d, const qt_quant_params *q, const void "
            "*weights,\n    const int32_t *bias, void *packed);\n"
            "int qt_%s_%s_run(const qt_conv_desc *d, const qt_quant_params *q, const void "
            "*input,\n    const void *packed, void *output, void *scratch);\n\n",
            m->layers[i].name, m->tasks[m->layers[i].task].key, mid, lid, mid, lid, mid, lid,
            mid, lid);
  }
  fprintf(f,
          "#ifndef QT_TUNED_LAYER_DEFINED\n#define QT_TUNED_LAYER_DEFINED\n"
          "/* One exported layer: what it computes, which config, where from, its functions. */\n"
          "typedef struct qt_tuned_layer {\n"
          "  const char *name;         /* layer name in the model */\n"
          "  const char *workload_key; /* canonical workload key (tuner/workload.h) */\n"
          "  const char *config;       /* canonical knob string */\n"
          "  int from_log;             /* 1: the log's best; 0: template default, unmeasured */\n"
          "  long long measurement_id; /* the log record (0 for a default) */\n"
          "  qt_conv_desc desc;        /* the shape compiled in */\n"
          "  int32_t dtype, requant;   /* qt_dtype, qt_requant */\n"
          "  size_t (*packed_size)(const qt_conv_desc *d); /* bytes of packed weights */\n"
          "  size_t (*scratch_size)(const qt_conv_desc *d); /* bytes of scratch for run */\n"
          "  int (*pack)(const qt_conv_desc *d, const qt_quant_params *q, const void *weights,\n"
          "              const int32_t *bias, void *packed);\n"
          "  int (*run)(const qt_conv_desc *d, const qt_quant_params *q, const void *input,\n"
          "             const void *packed, void *output, void *scratch);\n"
          "} qt_tuned_layer;\n#endif\n\n"
          "#define QT_%s_N_LAYERS %d\n"
          "extern const qt_tuned_layer qt_%s_layers[QT_%s_N_LAYERS];\n"
          "/* The first layer computing workload_key, or NULL. */\n"
          "const qt_tuned_layer *qt_%s_find(const char *workload_key);\n\n"
          "#ifdef __cplusplus\n}\n#endif\n#endif\n",
          upper, m->n_layers, mid, upper, mid);
  fclose(f);
  char name[QT_NAME_MAX + 16];
  snprintf(name, sizeof name, "qt_%s.h", mid);
  int rc = write_if_changed(o->out_dir, name, data, len, err);
  free(data);
  if (rc) return rc;

  /* the table */
  f = open_memstream(&data, &len);
  if (!f) return qt_fail(err, QT_ENOMEM, "export: out of memory");
  fprintf(f,
          "/* qt_%s_table.c — generated by tune export, do not edit.\n"
          " * The table of qt_%s.h: model %s, target %s, tuning log %s. */\n"
          "#include <string.h>\n\n#include \"qt_%s.h\"\n\n"
          "const qt_tuned_layer qt_%s_layers[QT_%s_N_LAYERS] = {\n",
          mid, mid, m->name, t->name, o->db_path, mid, mid, upper);
  for (int i = 0; i < m->n_layers; i++) {
    const qt_layer *l = &m->layers[i];
    char lid[QT_NAME_MAX];
    qt_export_ident(l->name, lid, sizeof lid);
    fprintf(f, "    {\"%s\", \"%s\", \"%s\", %d, %lld, ", l->name, m->tasks[l->task].key,
            ch[i].knobs, ch[i].from_log, (long long)(ch[i].from_log ? ch[i].rec.measurement_id : 0));
    print_desc(f, &l->w);
    fprintf(f, ", %d, %d,\n     qt_%s_%s_packed_size, qt_%s_%s_scratch_size, qt_%s_%s_pack, "
            "qt_%s_%s_run},\n",
            l->w.dtype, l->w.requant, mid, lid, mid, lid, mid, lid, mid, lid);
  }
  fprintf(f,
          "};\n\nconst qt_tuned_layer *qt_%s_find(const char *workload_key) {\n"
          "  for (int i = 0; i < QT_%s_N_LAYERS; i++)\n"
          "    if (strcmp(qt_%s_layers[i].workload_key, workload_key) == 0) return "
          "&qt_%s_layers[i];\n  return NULL;\n}\n",
          mid, upper, mid, mid);
  fclose(f);
  snprintf(name, sizeof name, "qt_%s_table.c", mid);
  rc = write_if_changed(o->out_dir, name, data, len, err);
  free(data);
  if (rc) return rc;

  /* Model-independent names, so one firmware source serves any exported model. Every export
   * writes this same file name, so it sits in generic/, a directory of its own that a build
   * puts on the include path of at most one model (cmake/qtune.cmake: <name>_generic); at
   * the top, beside qt_<model>.h, two models' copies would shadow each other. */
  f = open_memstream(&data, &len);
  if (!f) return qt_fail(err, QT_ENOMEM, "export: out of memory");
  fprintf(f,
          "%s\n"
          " * Model-independent names for qt_%s.h (model %s, target %s, tuning log %s). */\n"
          "#ifndef QT_TUNED_H\n#define QT_TUNED_H\n#include \"qt_%s.h\"\n"
          "#define QT_TUNED_MODEL \"%s\"\n#define QT_TUNED_TARGET \"%s\"\n"
          "#define QT_TUNED_N_LAYERS QT_%s_N_LAYERS\n#define qt_tuned_layers qt_%s_layers\n"
          "#define qt_tuned_find qt_%s_find\n#endif\n",
          generic_mark, mid, m->name, t->name, o->db_path, mid, m->name, t->name, upper, mid, mid);
  fclose(f);
  rc = write_if_changed(o->out_dir, "generic/qt_tuned.h", data, len, err);
  free(data);
  if (!rc) rc = remove_old_generic_header(o->out_dir, err);
  if (rc) return rc;

  /* The flags the variants were measured with (build.c adds the same two), for the build. */
  f = open_memstream(&data, &len);
  if (!f) return qt_fail(err, QT_ENOMEM, "export: out of memory");
  fprintf(f, "%s -std=c11 -ffp-contract=off\n", t->cflags);
  fclose(f);
  rc = write_if_changed(o->out_dir, "cflags.txt", data, len, err);
  free(data);
  return rc;
}

int qt_export_model(qt_db *db, const qt_model *m, const qt_target *t,
                    const qt_export_options *o, qt_export_stats *stats, qt_err *err) {
  memset(stats, 0, sizeof *stats);
  if (!db || !m || !t || !o || !o->kernels_dir || !o->out_dir)
    return qt_fail(err, QT_EINVAL, "export: NULL argument");
  if (m->n_layers < 1) return qt_fail(err, QT_EINVAL, "export: model %s has no layers", m->name);
  layer_choice *ch = calloc((size_t)m->n_layers, sizeof *ch);
  if (!ch) return qt_fail(err, QT_ENOMEM, "export: out of memory");
  char mid[QT_NAME_MAX];
  qt_export_ident(m->name, mid, sizeof mid);
  /* The generated files quote the log's path in comments: only its comment-safe form. */
  char safe_db[QT_PATH_MAX];
  comment_safe(o->db_path ? o->db_path : "the log", safe_db, sizeof safe_db);
  qt_export_options safe_o = *o;
  safe_o.db_path = safe_db;
  o = &safe_o;
  int rc = check_identifiers(m, mid, err);
  /* Decide and check every layer before writing anything: a refused export writes nothing. */
  for (int i = 0; i < m->n_layers && !rc; i++) {
    rc = choose(db, m, &m->layers[i], t, o, &ch[i], err);
    if (!rc && ch[i].from_log) stats->from_log++;
    else if (!rc) stats->fallback++;
  }
  if (!rc) rc = qt_mkdir_p(o->out_dir, err);
  /* Copy every source a chosen config was checked with (each file once), then support. */
  for (int i = 0; i < m->n_layers && !rc; i++) {
    int seen = 0;
    for (int j = 0; j < i && !seen; j++) seen = ch[j].config.tpl == ch[i].config.tpl;
    for (const char *p = ch[i].manifest; *p && !seen && !rc;) {
      size_t n = strcspn(p, "\n"), sp = strcspn(p, " ");
      char rel[300], want[17];
      snprintf(rel, sizeof rel, "%.*s", (int)sp, p);
      snprintf(want, sizeof want, "%.16s", p + sp + 1);
      p += n + (p[n] == '\n');
      if (strcmp(rel, "defines") != 0) rc = copy_source(o, rel, want, err);
    }
  }
  for (size_t i = 0; i < N_SUPPORT && !rc; i++) rc = copy_source(o, support_sources[i], NULL, err);

  char *list = NULL, *flag_list = NULL;
  size_t list_len = 0, flag_len = 0;
  FILE *lf = rc ? NULL : open_memstream(&list, &list_len);
  /* The compile flags a layer's knob values need (an ISA strategy's -m flags): part of what
   * was measured, so the firmware build must use them too (cmake/qtune.cmake applies them per
   * file). Without them an ISA variant would silently compile as its plain C twin. */
  FILE *ff = rc ? NULL : open_memstream(&flag_list, &flag_len);
  if (!rc && (!lf || !ff)) rc = qt_fail(err, QT_ENOMEM, "export: out of memory");
  for (int i = 0; i < m->n_layers && !rc; i++) {
    char file[QT_NAME_MAX * 2 + 16], flags[512];
    rc = render_layer(m, &m->layers[i], t, &ch[i], o, mid, file, sizeof file, err);
    if (!rc && qt_config_flags(&ch[i].config, flags, sizeof flags))
      rc = qt_fail(err, QT_EINTERNAL, "export: layer %s: flags do not fit", m->layers[i].name);
    if (!rc) {
      fprintf(lf, "%s\n", file);
      if (flags[0]) fprintf(ff, "%s %s\n", file, flags);
      stats->layers++;
    }
  }
  if (ff) {
    fclose(ff);
    if (!rc) rc = write_if_changed(o->out_dir, "layer_flags.txt", flag_list, flag_len, err);
    free(flag_list);
  }
  if (!rc) rc = render_header(m, t, ch, o, mid, stats, err);
  if (lf) {
    fprintf(lf, "qt_%s_table.c\n", mid);
    for (size_t i = 0; i < N_SUPPORT; i++)
      if (strstr(support_sources[i], ".c")) fprintf(lf, "kernels/%s\n", support_sources[i]);
    fclose(lf);
    if (!rc) rc = write_if_changed(o->out_dir, "sources.txt", list, list_len, err);
    free(list);
  }
  free(ch);
  return rc;
}
