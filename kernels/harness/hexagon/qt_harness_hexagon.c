/* qt_harness_hexagon.c — the harness's shell for Hexagon programs under qemu-hexagon: main()
 * and the platform of the portable core (qt_harness_core.h) over the freestanding runtime
 * (qt_hexagon_rt.c): CLOCK_MONOTONIC through the syscall trap, write(2) to stdout, the
 * runtime's arena. No CPU pinning (--pin is refused), and no signal line: a variant that
 * faults dies in qemu, which reports the signal itself, and the runner sees no result line. */
#include <stddef.h>
#include <stdlib.h>

#include "qt_harness_core.h"
#include "qt_hexagon_rt.h"

static void write_line(const char *line) {
  size_t n = 0;
  while (line[n]) n++;
  qt_hexagon_write(1, line, n);
  qt_hexagon_write(1, "\n", 1);
}

static void release(void *p) { free(p); }

int main(int argc, char **argv) {
  const qt_harness_platform hexagon = {
      .now_ns = qt_hexagon_now_ns,
      .write_line = write_line,
      .alloc = qt_hexagon_alloc,
      .release = release,
  };
  return qt_harness_main(argc, argv, &hexagon);
}
