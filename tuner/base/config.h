/* config.h — loading and validating qtune's YAML configs (libyaml): targets and models.
 * Every error names file:line:column, the field and the reason; unknown keys are errors; an
 * unknown target or model name lists the available ones. Files live in a configs directory
 * (configs/targets/<name>.yaml, configs/models/<name>.yaml).
 *
 * Model files: top-level keys
 *   model: <name>            (must equal the file's base name)
 *   description: <text>     (optional)
 *   dtype: s8 | u8          (default s8)
 *   requant: fixedpoint | fp32 (default fixedpoint)
 *   batch: <n>              (default 1)
 *   layers: a sequence of flow mappings, each with exactly the fields
 *     name, op (conv2d | depthwise_conv2d), role, in_h, in_w, in_c, out_c, kh, kw,
 *     stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dilation,
 *     depth_multiplier, out_h, out_w, macs
 *   The loader recomputes out_h, out_w and macs and rejects the file where they disagree.
 *   A layer may add `quant`, its own quantization parameters (what `tune import` writes):
 *     quant: {input_zp, weight_zp, output_zp, act_min, act_max, multiplier: [..], shift: [..]}
 *   zero points and clamp in the dtype's range (weight_zp 0 for s8), act_min <= act_max,
 *   multiplier in [0, 2^31) and shift in [-31, 30], one per output channel or one for all.
 *   The layer's workload then points at them (qt_workload.quant); the tasks still group
 *   layers by shape, so a task checks with its first layer's parameters.
 * Target files: see configs/targets/README.md. */
#ifndef QT_CONFIG_H
#define QT_CONFIG_H

#include <stddef.h>

#include "tuner/base/error.h"
#include "tuner/base/target.h"
#include "tuner/base/workload.h"

/* A layer's fused activation (its `act` field). */
typedef enum qt_act { QT_ACT_NONE = 0, QT_ACT_RELU = 1, QT_ACT_RELU6 = 2 } qt_act;

typedef struct qt_layer {
  char name[QT_NAME_MAX];
  char role[QT_NAME_MAX]; /* stem, dw, expand, project, ... (free text from the file) */
  int act;                /* qt_act */
  qt_workload w;
  int task; /* index into qt_model.tasks */
} qt_layer;

/* A task: one distinct workload of a model and the layers it serves. */
typedef struct qt_task {
  qt_workload w;
  char key[QT_KEY_MAX];
  int n_layers;
  int *layers; /* indices into qt_model.layers */
} qt_task;

typedef struct qt_model {
  char name[QT_NAME_MAX];
  int n_layers;
  qt_layer *layers;
  int n_tasks;
  qt_task *tasks; /* in order of first appearance */
  int n_quants;
  qt_quant_given **quants; /* the layers' quantization parameters, the file's `quant` or made
                              for a fused activation (w.quant points here) */
} qt_model;

/* Loads configs_dir/targets/<name>.yaml. For a target with detect_isa, ISA features come from
 * the running CPU (cpuid), then the file's isa list restricts them if present. Unknown name:
 * QT_ENOTFOUND with the list of available targets in the message. */
int qt_target_load(const char *configs_dir, const char *name, qt_target *t, qt_err *err);
int qt_target_load_file(const char *path, qt_target *t, qt_err *err);

/* Loads configs_dir/models/<name>.yaml and deduplicates its layers into tasks. */
int qt_model_load(const char *configs_dir, const char *name, qt_model *m, qt_err *err);
int qt_model_load_file(const char *path, qt_model *m, qt_err *err);
void qt_model_free(qt_model *m);

/* Builds a one-layer model from a workload key (for --workload). */
int qt_model_from_workload(const char *key, qt_model *m, qt_err *err);

/* Restricts m to the named layers (comma-separated list); unknown names are an error. */
int qt_model_select_layers(qt_model *m, const char *list, qt_err *err);

/* Gives every layer of m the data type and requantization scheme (qt_dtype, qt_requant),
 * overriding the model file's, and re-derives the tasks. A layer whose dtype changes loses
 * its own quantization parameters (zero points of one dtype mean nothing in the other): its
 * data is drawn from the seed again, with its fused activation's clamp in the new dtype where
 * it has one (`act`). Another requant scheme keeps them (fp32 uses each channel's multiplier
 * and shift as a float scale). */
int qt_model_set_quant(qt_model *m, int32_t dtype, int32_t requant, qt_err *err);
/* The same from option values: dtype "s8" | "u8", requant "fixedpoint" | "fp32"; NULL keeps
 * the model's. Unknown values are QT_EINVAL naming the option. */
int qt_model_override_quant(qt_model *m, const char *dtype, const char *requant, qt_err *err);

/* Where tune finds its data directory sub ("configs" or "kernels"): $env if set, else
 * <directory of the running executable>/../share/qtune/<sub> if it exists (an installed
 * tune), else compiled (the source tree it was built from). */
void qt_data_dir(const char *env, const char *sub, const char *compiled, char *buf, size_t cap);

/* Reads a whole file (at most max_bytes, else QT_EIO "larger than") into a NUL-terminated
 * buffer the caller frees, its length into *out_len. QT_EIO names the path and strerror;
 * QT_ENOMEM if it cannot be held. The one file reader of the configs and `tune import`. */
int qt_read_file(const char *path, size_t max_bytes, char **out, size_t *out_len, qt_err *err);

/* Lists the base names (without .yaml) of the .yaml files in configs_dir/<sub>, sorted, comma-separated
 * into buf. */
int qt_config_list(const char *configs_dir, const char *sub, char *buf, size_t cap, qt_err *err);

/* Loads the single YAML document of the file at path into doc (the caller deletes it with
 * yaml_document_delete on success): the one YAML reader of every qtune file (targets, models,
 * boards). A file over 16 MiB, an empty file, a file of only comments and a file with a second
 * document are errors; syntax errors name path:line:column. */
typedef struct yaml_document_s yaml_document_t;
int qt_yaml_load(const char *path, yaml_document_t *doc, qt_err *err);

#endif
