/* measure.c — protocol rendering, result-line parsing and judging (measure.h). A run counts as
 * a result only when the harness printed an ok line whose checksum equals the host reference's;
 * everything else is recorded with its class and the reason. */
#include "tuner/run/measure.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qt_datagen.h"

void qt_protocol_format(const qt_protocol *p, char *buf, size_t cap) {
  snprintf(buf, cap, "h1:seed=%" PRIu64 ",warmup=%d,number=%d,repeat=%d,min_repeat_ms=%d,"
           "flush_kb=%d,pin=%d",
           p->data_seed, p->warmup, p->number, p->repeat, p->min_repeat_ms, p->flush_kb, p->pin);
  if (p->evict) {
    const size_t n = strlen(buf);
    if (n < cap) snprintf(buf + n, cap - n, ",evict=1");
  }
}

void qt_protocol_args(const qt_protocol *p, int check_only, char store[16][32], char *argv[17]) {
  int n = 0;
#define ARG(...) (snprintf(store[n], 32, __VA_ARGS__), argv[n] = store[n], n++)
  ARG("--seed");
  ARG("%" PRIu64, p->data_seed);
  if (check_only) {
    ARG("--check-only");
  } else {
    ARG("--warmup");
    ARG("%d", p->warmup);
    ARG("--number");
    ARG("%d", p->number);
    ARG("--repeat");
    ARG("%d", p->repeat);
    ARG("--min-repeat-ms");
    ARG("%d", p->min_repeat_ms);
    ARG("--flush-kb");
    ARG("%d", p->flush_kb);
    ARG("--pin");
    ARG("%d", p->pin);
    if (p->evict) ARG("--evict");
  }
#undef ARG
  argv[n] = NULL;
}

static int parse_field(const char *tok, const char *name, const char **value) {
  size_t len = strlen(name);
  if (strncmp(tok, name, len) == 0 && tok[len] == '=') {
    *value = tok + len + 1;
    return 1;
  }
  return 0;
}

/* A canonical unsigned decimal in [s, s + len): digits only, no sign, no leading zero (but
 * "0"), at most max. What the harness prints and nothing else, so a garbled line is a
 * protocol error instead of a plausible number. 0 or -1. */
static int parse_canonical(const char *s, size_t len, uint64_t max, uint64_t *out) {
  if (len == 0 || len > 20 || (s[0] == '0' && len > 1)) return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    if (v > (max - (uint64_t)(s[i] - '0')) / 10) return -1;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return 0;
}

static int parse_int(const char *s, int *out) {
  uint64_t v;
  if (parse_canonical(s, strlen(s), 1000000000, &v)) return -1;
  *out = (int)v;
  return 0;
}

/* Exactly 16 lowercase hex digits (no sign, no 0x). */
static int parse_checksum(const char *s, uint64_t *out) {
  if (strlen(s) != 16 || strspn(s, "0123456789abcdef") != 16) return -1;
  *out = strtoull(s, NULL, 16);
  return 0;
}

/* A non-empty comma-separated list of canonical decimals, no empty item, no trailing comma. */
static int parse_times(const char *v, qt_harness_result *res) {
  const char *p = v;
  for (;;) {
    size_t len = strcspn(p, ",");
    uint64_t t;
    if (res->n_times >= QT_DB_MAX_TIMES || parse_canonical(p, len, UINT64_MAX / 2, &t)) return -1;
    res->times_ns[res->n_times++] = (double)t;
    if (!p[len]) return 0;
    p += len + 1;
  }
}

int qt_harness_parse(const char *out, qt_harness_result *res, qt_err *err) {
  memset(res, 0, sizeof *res);
  const char *line = out;
  while (line && strncmp(line, "QTRESULT ", 9) != 0) {
    line = strchr(line, '\n');
    if (line) line++;
  }
  if (!line || !*line) return qt_fail(err, QT_EPROTOCOL, "no QTRESULT line in the harness output");
  char copy[8192];
  size_t len = strcspn(line, "\n");
  if (len >= sizeof copy) return qt_fail(err, QT_EPROTOCOL, "QTRESULT line too long");
  memcpy(copy, line, len);
  copy[len] = '\0';

  char *save = NULL;
  char *tok = strtok_r(copy, " ", &save); /* "QTRESULT" */
  tok = strtok_r(NULL, " ", &save);
  if (!tok || strcmp(tok, "1") != 0 || parse_int(tok, &res->version))
    return qt_fail(err, QT_EPROTOCOL, "QTRESULT version '%s' unknown (this qtune reads 1)",
                   tok ? tok : "");
  int have_checksum = 0, have_times = 0, have_number = 0, have_repeat = 0;
  while ((tok = strtok_r(NULL, " ", &save))) {
    const char *v;
    if (parse_field(tok, "status", &v)) {
      snprintf(res->status, sizeof res->status, "%s", v);
    } else if (parse_field(tok, "reason", &v)) {
      snprintf(res->reason, sizeof res->reason, "%s", v);
    } else if (parse_field(tok, "detail", &v)) {
      snprintf(res->detail, sizeof res->detail, "%s", v);
    } else if (parse_field(tok, "checksum", &v)) {
      if (parse_checksum(v, &res->checksum))
        return qt_fail(err, QT_EPROTOCOL, "bad checksum '%.40s' (16 lowercase hex digits)", v);
      have_checksum = 1;
    } else if (parse_field(tok, "number", &v)) {
      if (have_number || parse_int(v, &res->number))
        return qt_fail(err, QT_EPROTOCOL, "bad number '%s'", v);
      have_number = 1;
    } else if (parse_field(tok, "repeat", &v)) {
      if (have_repeat || parse_int(v, &res->repeat))
        return qt_fail(err, QT_EPROTOCOL, "bad repeat '%s'", v);
      have_repeat = 1;
    } else if (parse_field(tok, "times_ns", &v)) {
      if (have_times || parse_times(v, res))
        return qt_fail(err, QT_EPROTOCOL, "bad times_ns '%.80s'", v);
      have_times = 1;
    }
    /* Unknown fields are ignored: version 1 may grow optional fields. */
  }
  if (!res->status[0]) return qt_fail(err, QT_EPROTOCOL, "QTRESULT line without status");
  if (strcmp(res->status, "ok") == 0) {
    if (!have_checksum) return qt_fail(err, QT_EPROTOCOL, "ok result without checksum");
    /* Two forms: the check-only line (a checksum, no timing fields at all) and the timed one
     * (number, repeat and one time per repeat). Anything in between is garbled. */
    if (!have_times && !have_number && !have_repeat) return 0;
    if (!have_times || !have_number || !have_repeat)
      return qt_fail(err, QT_EPROTOCOL, "ok result with only some of number, repeat, times_ns");
    if (res->n_times == 0 || res->number <= 0 || res->n_times != res->repeat)
      return qt_fail(err, QT_EPROTOCOL, "ok result with %d times for repeat=%d number=%d",
                     res->n_times, res->repeat, res->number);
  }
  return 0;
}

int qt_expected_checksum(const qt_workload *w, uint64_t seed, uint64_t *checksum, qt_err *err) {
  qt_problem p;
  int rc = qt_problem_init_given(&p, &w->desc, w->dtype, w->requant, seed, w->quant);
  if (rc) return qt_fail(err, QT_EINVAL, "cannot generate test data for the workload (code %d)", rc);
  void *out = malloc(p.output_bytes ? p.output_bytes : 1);
  if (!out) {
    qt_problem_free(&p);
    return qt_fail(err, QT_ENOMEM, "out of memory for the reference output");
  }
  rc = qt_ref_conv(&p.d, &p.q, p.input, p.weights, p.bias, out);
  if (rc == 0) *checksum = qt_checksum(out, p.output_bytes);
  free(out);
  qt_problem_free(&p);
  if (rc) return qt_fail(err, QT_EINVAL, "reference kernel refused the workload (code %d)", rc);
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

void qt_measurement_stats(qt_measurement *m) {
  if (m->n_times <= 0) {
    m->median_ns = m->min_ns = m->max_ns = 0;
    return;
  }
  double sorted[QT_DB_MAX_TIMES];
  memcpy(sorted, m->times_ns, sizeof(double) * (size_t)m->n_times);
  qsort(sorted, (size_t)m->n_times, sizeof sorted[0], cmp_double);
  int n = m->n_times;
  m->min_ns = sorted[0];
  m->max_ns = sorted[n - 1];
  m->median_ns = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

int qt_run_board_fault(const qt_proc_result *r, char *why, size_t cap) {
  if (r->timed_out || !r->exited || (r->exit_code != 126 && r->exit_code != 127)) return 0;
  if (r->out && strstr(r->out, "QTRESULT")) return 0;
  snprintf(why, cap, "could not start the program (exit %d): %s", r->exit_code, r->err);
  return 1;
}

void qt_judge_run(const qt_proc_result *r, int timed, int timeout_ms, uint64_t expected,
                  qt_outcome *o) {
  qt_measurement *m = &o->m;
  m->n_times = 0;
  m->median_ns = m->min_ns = m->max_ns = 0;
  m->checksum = 0;
  o->error[0] = '\0';
  m->error = o->error;
  if (r->timed_out) {
    m->status = QT_STATUS_RUN_TIMEOUT;
    snprintf(o->error, sizeof o->error, "killed after %d ms", timeout_ms);
    return;
  }
  qt_harness_result hr;
  qt_err perr;
  int parsed = qt_harness_parse(r->out ? r->out : "", &hr, &perr) == 0;
  char how[128];
  qt_proc_describe(r, timeout_ms, how, sizeof how);
  if (!parsed || strcmp(hr.status, "ok") != 0 || r->signal || !r->exited || r->exit_code != 0) {
    m->status = parsed && strcmp(hr.status, "wrong_answer") == 0 ? QT_STATUS_WRONG_ANSWER
                                                                  : QT_STATUS_RUNTIME_ERROR;
    int n;
    if (parsed && strcmp(hr.status, "ok") != 0)
      n = snprintf(o->error, sizeof o->error, "%s: %s %s (%s)", how, hr.reason, hr.detail,
                   r->err);
    else if (!parsed)
      n = snprintf(o->error, sizeof o->error, "%s: %s; stderr: %s", how, perr.msg, r->err);
    else
      n = snprintf(o->error, sizeof o->error, "%s after printing an ok result; stderr: %s", how,
                   r->err);
    qt_mark_cut(o->error, sizeof o->error, n);
    return;
  }
  m->checksum = hr.checksum;
  if (hr.checksum != expected) {
    m->status = QT_STATUS_WRONG_ANSWER;
    snprintf(o->error, sizeof o->error, "output checksum %016llx, reference %016llx",
             (unsigned long long)hr.checksum, (unsigned long long)expected);
    return;
  }
  if (timed && hr.n_times == 0) {
    m->status = QT_STATUS_RUNTIME_ERROR;
    snprintf(o->error, sizeof o->error, "the harness printed an ok result without times for a "
             "timed run");
    return;
  }
  m->status = QT_STATUS_OK;
  for (int i = 0; i < hr.n_times; i++) m->times_ns[i] = hr.times_ns[i] / hr.number;
  m->n_times = hr.n_times;
  qt_measurement_stats(m);
}
