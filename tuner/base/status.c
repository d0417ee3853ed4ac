/* status.c — names and finality of measurement outcome classes (status.h). */
#include "tuner/base/status.h"

#include <string.h>

#include "tuner/base/error.h"

static const struct {
  const char *name;
  int final;
} qt_status_info[] = {
#define QT_STATUS_INFO(e, name, final) {name, final},
    QT_STATUS_TABLE(QT_STATUS_INFO)
#undef QT_STATUS_INFO
};

const char *qt_status_name(qt_status s) {
  return (unsigned)s < QT_STATUS_COUNT ? qt_status_info[s].name : "unknown";
}

int qt_status_parse(const char *name, qt_status *out) {
  for (int i = 0; i < QT_STATUS_COUNT; i++)
    if (strcmp(qt_status_info[i].name, name) == 0) {
      *out = (qt_status)i;
      return 0;
    }
  return QT_EINVAL;
}

int qt_status_is_final(qt_status s) {
  return (unsigned)s < QT_STATUS_COUNT && qt_status_info[s].final;
}
