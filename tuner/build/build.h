/* build.h — turning a (workload, config, target) into an artifact: the kernel template plus
 * the on-board harness compiled with the knob defines, the shape constants and the target's
 * flags, cached in a directory keyed by a hash of sources, flags and compiler version.
 *
 * Two hashes: the source hash identifies WHAT was measured (template and kernel header
 * contents, knob and shape defines) and is stored with every measurement; export refuses when
 * it no longer matches. The artifact key adds everything else that goes into the binary
 * (harness sources, compiler, its version, flags) and names the cached file. */
#ifndef QT_BUILD_H
#define QT_BUILD_H

#include <stdint.h>

#include "schedules/space.h"
#include "tuner/base/error.h"
#include "tuner/base/status.h"
#include "tuner/base/target.h"
#include "tuner/base/workload.h"

#define QT_MANIFEST_MAX 8192

typedef struct qt_build_ctx {
  char kernels_dir[QT_PATH_MAX];
  char cache_dir[QT_PATH_MAX];
  qt_target target;
  char compiler_version[256]; /* first line of `<compiler> --version` */
  uint64_t common_hash;       /* harness sources + compiler identity + flags */
  uint64_t tpl_hash[QT_MAX_TEMPLATES]; /* per registry entry: hash of its manifest */
  /* per registry entry: the manifest lines of the template's sources, read once at init */
  char tpl_manifest[QT_MAX_TEMPLATES][QT_MANIFEST_MAX];
  int timeout_ms;
  char objects[QT_HARNESS_SHELL_MAX + 3][QT_PATH_MAX]; /* the precompiled harness objects,
                                                         in the cache (shell, then core) */
  int n_objects;
  char linker_script[QT_PATH_MAX + 8]; /* "-T<kernels>/<target's script>", or "" */
  /* Words run before the compiler for every compile-only step ("distcc"), or "". Not part of
   * any hash: a wrapper must not change an artifact's bytes (tests/e2e/test_distcc.sh). */
  char cc_wrapper[512];
} qt_build_ctx;

/* How qt_build_ctx_init_with builds, beyond the target. */
typedef struct qt_build_opts {
  /* A compiler wrapper such as "distcc" (words split on blanks; NULL or "": none). With one,
   * every source is compiled on its own with -c through the wrapper (what distcc can send
   * to other hosts) and the artifact is linked locally; without, one compiler run does both. */
  const char *cc_wrapper;
} qt_build_opts;

/* Reads the sources once (hashes), asks the compiler for its version, creates cache_dir and
 * compiles the shape-independent harness objects into it (or finds them there). Fails with a
 * clear message if the compiler is missing, a source cannot be read or the harness does not
 * compile for the target. */
int qt_build_ctx_init(qt_build_ctx *ctx, const char *kernels_dir, const char *cache_dir,
                      const qt_target *t, int timeout_ms, qt_err *err);

/* qt_build_ctx_init with options (opts NULL: the defaults); fails with a clear message if the
 * wrapper's first word is not an executable program in PATH. */
int qt_build_ctx_init_with(qt_build_ctx *ctx, const char *kernels_dir, const char *cache_dir,
                           const qt_target *t, int timeout_ms, const qt_build_opts *opts,
                           qt_err *err);

typedef struct qt_artifact {
  char path[QT_PATH_MAX];
  char source_hash[17];
  int cached;       /* 1 if taken from the cache */
  qt_status status; /* OK, COMPILE_ERROR, BUILD_TIMEOUT or BUILD_KILLED */
  char error[2048]; /* compiler diagnostics (tail) when status != OK */
  double build_ms;
} qt_artifact;

/* The source hash of a variant (16 hex digits), without building. */
void qt_variant_source_hash(const qt_build_ctx *ctx, const qt_workload *w, const qt_config *c,
                            char out[17]);

/* The manifest of a variant (qt_variant_id.manifest in db/db.h): one line
 * "<path> <hash>\n" per source file behind its source hash — the template source and every
 * *.h of kernels/include and kernels/templates, paths relative to kernels_dir, hash = FNV-1a
 * 64 of the file's bytes only (so a moved tree keeps its hashes) — then "defines <hash>" of
 * its knob and shape defines. Lets export name the file that changed since a measurement.
 * Returns 0; QT_EIO (naming the file) if a source cannot be read; QT_EINVAL if cap is too
 * small. */
int qt_source_manifest(const char *kernels_dir, const qt_workload *w, const qt_config *c,
                       char *buf, size_t cap, qt_err *err);

/* The manifest of a variant as ctx read the sources at init (what its source hash stands
 * for; builds refuse to compile once the files differ from it). */
int qt_variant_manifest(const qt_build_ctx *ctx, const qt_workload *w, const qt_config *c,
                        char *buf, size_t cap, qt_err *err);

/* Shape defines of w: "-DQT_SHAPE_FIXED=1 -DQT_SHAPE_OP=1 ...". */
int qt_shape_defines(const qt_workload *w, char *buf, size_t cap);

/* Builds (or finds in the cache) the artifact of (w, c). Returns 0 with out->status telling
 * whether the variant compiled — a compile error is a measurement result, not a tuner error;
 * a negative code only when the tuner itself failed (cache not writable, no compiler).
 * Thread-safe: several builds may run at once on one ctx. */
int qt_build_variant(const qt_build_ctx *ctx, const qt_workload *w, const qt_config *c,
                     qt_artifact *out, qt_err *err);

/* What the board check program prints. */
#define QT_CHECK_PROGRAM_OUTPUT "qtune-board-ok"

/* Builds the board check program (a main that prints QT_CHECK_PROGRAM_OUTPUT) for target t
 * into dir, running the target's compiler exactly as variant builds do; its path into out.
 * It links what every program of the target needs besides the harness: the harness sources
 * after the first (the platform shell with main comes first; a bare-metal board's startup
 * follows it) from kernels_dir, and the linker script; the shells' include directories
 * (a runtime's C library headers) are on its include path as on the variants'. QT_EBUILD
 * with the compiler's message when it does not build. */
int qt_build_check_program(const qt_target *t, const char *kernels_dir, const char *dir,
                           char *out, size_t cap, qt_err *err);

/* Default cache directory: $XDG_CACHE_HOME/qtune, else $HOME/.cache/qtune, else ./.qtune-cache. */
void qt_default_cache_dir(char *buf, size_t cap);

#endif
