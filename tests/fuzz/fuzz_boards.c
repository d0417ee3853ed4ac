/* fuzz_boards — libFuzzer harness of the boards file loader (tuner/run/boards.c), given the
 * input as a file. Properties: a refused file comes with a message; an accepted one has at
 * most QT_BOARDS_MAX boards with distinct non-empty names and targets, and every ssh board
 * has a host, a user and a known_hosts file. */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz_util.h"
#include "tuner/run/boards.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_file("boards.yaml", data, size);
  static qt_boards b; /* large; one per process, libFuzzer runs inputs one at a time */
  qt_err err = {0};
  int rc = qt_boards_load(path, &b, &err);
  if (rc < 0) {
    fuzz_check_refusal(rc, &err);
    return 0;
  }
  FUZZ_ASSERT(b.n >= 0 && b.n <= QT_BOARDS_MAX, "%d boards", b.n);
  for (int i = 0; i < b.n; i++) {
    const qt_board_def *d = &b.boards[i];
    FUZZ_ASSERT(d->name[0] && d->target[0], "board %d: name '%s', target '%s'", i, d->name,
                d->target);
    for (int j = 0; j < i; j++)
      FUZZ_ASSERT(strcmp(d->name, b.boards[j].name) != 0, "board name '%s' twice", d->name);
    if (d->kind == QT_BOARD_SSH)
      FUZZ_ASSERT(d->host[0] && d->user[0] && d->known_hosts[0],
                  "ssh board '%s' without host, user or known_hosts", d->name);
  }
  return 0;
}
