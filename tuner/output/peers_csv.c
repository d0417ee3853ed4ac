/* peers_csv.c — reads the CSV that bench/peers --csv writes (html_report.h): strict, because
 * a report built on a misread column would state wrong ratios. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tuner/output/html_report.h"

#define PEERS_FIELDS 8 /* QT_PEERS_HEADER; QT_PEERS_HEADER_V1 lacks the last */

static const char *const field_names[PEERS_FIELDS] = {
    "layer", "kind", "mmac", "default_us", "best_us", "xnnpack_us", "onednn_us",
    "onednn_fast_us"};

/* A non-negative finite number, or empty (0: the method did not run). */
static int parse_us(const char *path, int line, int field, const char *s, double *out,
                    qt_err *err) {
  *out = 0;
  if (!*s) return 0;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= 0) || v > 1e12)
    return qt_fail(err, QT_EINVAL, "%s:%d: field '%s': expected a non-negative number or "
                   "nothing, got '%.40s'", path, line, field_names[field], s);
  *out = v;
  return 0;
}

int qt_peers_load(const char *path, qt_peers *out, qt_err *err) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "r");
  if (!f) return qt_fail(err, QT_EIO, "cannot read peers CSV %s: %s", path, strerror(errno));
  char buf[1024];
  int line = 0, rc = 0, n_fields = PEERS_FIELDS;
  const char *header = QT_PEERS_HEADER;
  while (!rc && fgets(buf, sizeof buf, f)) {
    line++;
    size_t len = strlen(buf);
    if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
      rc = qt_fail(err, QT_EINVAL, "%s:%d: line longer than %zu bytes", path, line,
                   sizeof buf - 2);
      break;
    }
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = '\0';
    if (line == 1) {
      if (strcmp(buf, QT_PEERS_HEADER_V1) == 0) {
        n_fields = PEERS_FIELDS - 1;
        header = QT_PEERS_HEADER_V1;
      } else if (strcmp(buf, QT_PEERS_HEADER) != 0) {
        rc = qt_fail(err, QT_EINVAL, "%s:1: expected the header '%s' (bench/peers --csv) or "
                     "the older '%s', got '%.80s'", path, QT_PEERS_HEADER, QT_PEERS_HEADER_V1,
                     buf);
      }
      continue;
    }
    if (!len) continue; /* a trailing empty line */
    char *fields[PEERS_FIELDS];
    int n = 0;
    for (char *p = buf; n < PEERS_FIELDS + 1 && p;) {
      char *comma = strchr(p, ',');
      if (comma) *comma = '\0';
      if (n < PEERS_FIELDS) fields[n] = p;
      n++;
      p = comma ? comma + 1 : NULL;
    }
    if (n != n_fields) {
      rc = qt_fail(err, QT_EINVAL, "%s:%d: expected %d comma-separated fields (%s), got %d",
                   path, line, n_fields, header, n);
      break;
    }
    if (out->n == QT_PEERS_MAX) {
      rc = qt_fail(err, QT_EINVAL, "%s:%d: more than %d layers", path, line, QT_PEERS_MAX);
      break;
    }
    qt_peer_row *r = &out->rows[out->n];
    if (!fields[0][0] || strlen(fields[0]) >= sizeof r->layer) {
      rc = qt_fail(err, QT_EINVAL, "%s:%d: field 'layer': expected a layer name of 1 to %zu "
                   "characters, got '%.40s'", path, line, sizeof r->layer - 1, fields[0]);
      break;
    }
    if (strcmp(fields[1], "stem") && strcmp(fields[1], "depthwise") &&
        strcmp(fields[1], "pointwise")) {
      rc = qt_fail(err, QT_EINVAL, "%s:%d: field 'kind': expected stem, depthwise or pointwise, "
                   "got '%.40s'", path, line, fields[1]);
      break;
    }
    snprintf(r->layer, sizeof r->layer, "%s", fields[0]);
    snprintf(r->kind, sizeof r->kind, "%s", fields[1]);
    double *nums[PEERS_FIELDS - 2] = {&r->mmac,       &r->default_us, &r->best_us,
                                      &r->xnnpack_us, &r->onednn_us,  &r->onednn_fast_us};
    r->onednn_fast_us = 0;
    for (int i = 0; i < n_fields - 2 && !rc; i++)
      rc = parse_us(path, line, i + 2, fields[i + 2], nums[i], err);
    if (!rc) out->n++;
  }
  if (!rc && ferror(f)) rc = qt_fail(err, QT_EIO, "cannot read peers CSV %s", path);
  if (!rc && line == 0) rc = qt_fail(err, QT_EINVAL, "%s: empty (expected the header '%s')",
                                     path, QT_PEERS_HEADER);
  fclose(f);
  return rc;
}
