/* test_boards_yaml.c — the boards file loader: the example file loads; relative key paths are
 * resolved against the file's directory; defaults hold; malformed files (unknown field, ssh
 * board without known_hosts or with an empty host, user or known_hosts, empty target, bad
 * port, duplicate name, bad cores, unknown kind, not YAML, the {kernels} mark on an ssh board)
 * are refused with the file, line and reason; a local board's {kernels} wrapper expands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../qt_test.h"
#include "tuner/run/boards.h"

static char dir[] = "/tmp/qtune-byaml-XXXXXX";

static int load_text(const char *text, qt_boards *b, qt_err *err) {
  char path[256];
  snprintf(path, sizeof path, "%s/boards.yaml", dir);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  return qt_boards_load(path, b, err);
}

#define SSH_BOARD(extra)                                                              \
  "boards:\n  - name: b1\n    target: cortex-a76\n    kind: ssh\n    host: 10.0.0.2\n" \
  "    user: pi\n    known_hosts: kh\n" extra

int main(void) {
  CHECK(mkdtemp(dir) != NULL);
  qt_boards *b = malloc(sizeof *b);
  qt_err err;
  CHECK_MSG(qt_boards_load(QT_SOURCE_DIR "/configs/boards.example.yaml", b, &err) == 0, "%s",
            err.msg);
  CHECK(b->n >= 2);

  CHECK_MSG(load_text(SSH_BOARD("    identity: keys/id\n    cores: 2-3\n"
                                "    wrapper: qemu-aarch64 -cpu cortex-a76\n"
                                "  - name: here\n    target: host\n"), b, &err) == 0, "%s", err.msg);
  CHECK_EQ_INT(b->n, 2);
  CHECK(b->boards[0].kind == QT_BOARD_SSH && b->boards[0].port == 22);
  char want[300];
  snprintf(want, sizeof want, "%s/keys/id", dir);
  CHECK_STR(b->boards[0].identity, want);
  snprintf(want, sizeof want, "%s/kh", dir);
  CHECK_STR(b->boards[0].known_hosts, want);
  CHECK_STR(b->boards[0].cores, "2-3");
  CHECK_STR(b->boards[0].wrapper, "qemu-aarch64 -cpu cortex-a76");
  CHECK(b->boards[1].kind == QT_BOARD_LOCAL);
  int idx[QT_BOARDS_MAX];
  CHECK_EQ_INT(qt_boards_for_target(b, "cortex-a76", idx), 1);
  CHECK_EQ_INT(idx[0], 0);
  CHECK_EQ_INT(qt_boards_for_target(b, "cortex-a53", idx), 0);

  /* A local board's wrapper may name a program shipped with the kernels, as a target's
   * emulator may; on an ssh board the mark would name a directory the board lacks. */
  CHECK_MSG(load_text("boards:\n  - name: m4\n    target: cortex-m4\n"
                      "    wrapper: \"{kernels}/harness/cortexm/qt-mps2-run mps2-an386\"\n"
                      "  - name: plain\n    target: host\n    wrapper: taskset -c 1\n",
                      b, &err) == 0, "%s", err.msg);
  CHECK_EQ_INT(qt_boards_expand(b, "/opt/k", &err), 0);
  CHECK_STR(b->boards[0].wrapper, "/opt/k/harness/cortexm/qt-mps2-run mps2-an386");
  CHECK_STR(b->boards[1].wrapper, "taskset -c 1");
  char longdir[QT_PATH_MAX];
  memset(longdir, 'k', sizeof longdir - 1);
  longdir[sizeof longdir - 1] = '\0';
  CHECK_MSG(load_text("boards:\n  - name: m4\n    target: cortex-m4\n"
                      "    wrapper: \"{kernels}/qt-mps2-run\"\n", b, &err) == 0, "%s", err.msg);
  CHECK_EQ_INT(qt_boards_expand(b, longdir, &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "board m4: wrapper too long"), "%s", err.msg);
  CHECK_EQ_INT(load_text(SSH_BOARD("    workdir: /tmp/w\n    wrapper: \"{kernels}/x\"\n"), b, &err),
               QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "boards.yaml:9:") && strstr(err.msg, "not on the board"), "%s",
            err.msg);
  CHECK_EQ_INT(load_text(SSH_BOARD("    workdir: /tmp/w\n    run: \"{kernels}/flash {image}\"\n"), b,
                         &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "boards.yaml:9:") && strstr(err.msg, "not on the board"), "%s",
            err.msg);

  CHECK_EQ_INT(load_text(SSH_BOARD("    colour: red\n"), b, &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "boards.yaml:8:") && strstr(err.msg, "unknown board field 'colour'"),
            "%s", err.msg);
  CHECK_EQ_INT(load_text("boards:\n  - {name: x, target: host, kind: ssh, host: h, user: u}\n", b,
                         &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "missing field 'known_hosts'"), "%s", err.msg);
  /* Found by tests/fuzz (fuzz_boards): a field given with no value is an empty string, and an
   * ssh board with an empty known_hosts, or any board with an empty target, was accepted. */
  CHECK_EQ_INT(load_text("boards:\n  - {name: x, target: host, kind: ssh, host: h, user: u, "
                         "known_hosts: }\n", b, &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "ssh board 'x': field 'known_hosts' is empty") &&
            strstr(err.msg, "boards.yaml:2:"), "%s", err.msg);
  CHECK_EQ_INT(load_text("boards:\n  - {name: x, target: host, kind: ssh, host: '', user: u, "
                         "known_hosts: kh}\n", b, &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "field 'host' is empty"), "%s", err.msg);
  CHECK_EQ_INT(load_text("boards:\n  - {name: x, target: ''}\n", b, &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "field 'target' must not be empty"), "%s", err.msg);
  CHECK_EQ_INT(load_text(SSH_BOARD("    port: 70000\n"), b, &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "'port'") && strstr(err.msg, "70000"), "%s", err.msg);
  CHECK_EQ_INT(load_text(SSH_BOARD("  - {name: b1, target: host}\n"), b, &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "duplicate board name 'b1'"), "%s", err.msg);
  CHECK_EQ_INT(load_text(SSH_BOARD("    cores: \"1; rm -rf /\"\n"), b, &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "'cores'"), "%s", err.msg);
  /* A board of its own: SSH_BOARD already names its kind, a second 'kind' would be refused as
   * a duplicate field before the kind is looked at. */
  CHECK_EQ_INT(load_text("boards:\n  - {name: t1, target: host, kind: telnet}\n", b, &err),
               QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "field 'kind': expected local or ssh, got 'telnet'"), "%s", err.msg);
  /* run: a command template that flashes and runs the image on an attached MCU. */
  CHECK_MSG(load_text(SSH_BOARD("    run: flash-and-run --probe 0 {image} {args}\n"), b, &err) == 0,
            "%s", err.msg);
  CHECK_STR(b->boards[0].run, "flash-and-run --probe 0 {image} {args}");
  CHECK_EQ_INT(load_text(SSH_BOARD("    run: flash-and-run --file={image}\n"), b, &err),
               QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "field 'run': the command must name the image as the word {image}"),
            "%s", err.msg);
  CHECK_EQ_INT(load_text(SSH_BOARD("    run: flash {image}\n    wrapper: qemu-arm\n"), b, &err),
               QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "give either run (a command that runs the image) or wrapper"), "%s",
            err.msg);
  CHECK_EQ_INT(load_text("boards:\n  - {name: x, target: cortex-m4, run: 'flash {image}'}\n", b,
                         &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "field 'run' is for ssh boards"), "%s", err.msg);
  CHECK_EQ_INT(load_text("boards: [\n", b, &err), QT_ECONFIG);
  CHECK_MSG(strstr(err.msg, "boards file: ") && strstr(err.msg, ":1:") && strstr(err.msg, "YAML syntax error"), "%s", err.msg);
  CHECK_EQ_INT(load_text("boards: []\n", b, &err), QT_ECONFIG);
  /* A huge file is not read whole: the loader's cap */
  char big[300];
  snprintf(big, sizeof big, "%s/big.yaml", dir);
  FILE *bf = fopen(big, "w");
  CHECK(bf != NULL);
  if (bf) {
    fputs("boards:\n", bf);
    for (int i = 0; i < (17 << 20) / 64; i++)
      fputs("# padding padding padding padding padding padding padding pad\n", bf);
    fclose(bf);
  }
  CHECK_EQ_INT(qt_boards_load(big, b, &err), QT_EIO);
  CHECK_MSG(strstr(err.msg, big) && strstr(err.msg, "larger than"), "%s", err.msg);
  CHECK_EQ_INT(qt_boards_load("/nonexistent/boards.yaml", b, &err), QT_EIO);
  CHECK_MSG(strstr(err.msg, "/nonexistent/boards.yaml"), "%s", err.msg);

  free(b);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK(system(cmd) == 0);
  return qt_test_finish();
}
