/* cli_import.c — the `tune import` subcommand (tuner/import/import.h): argument parsing and
 * output only. Linked into `tune`, whose main() dispatches here. Exit status 0 on success, 1
 * on an error (one line on stderr naming the file, the operator and the reason), 2 on a usage
 * error. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "tuner/import/import.h"

static const char import_usage[] =
    "usage: tune import MODEL.tflite --out DIR/NAME.yaml [--force]\n"
    "Writes a model file (configs/models/README.md) named NAME from a TFLite model: every\n"
    "CONV_2D and DEPTHWISE_CONV_2D of subgraph 0 in execution order, with its shapes, strides,\n"
    "dilation, SAME/VALID padding made explicit, and its own quantization parameters (`quant`:\n"
    "zero points, the clamp of the fused activation, per output channel the multiplier and\n"
    "shift of TFLite's QuantizeMultiplier). Tuning the file checks every variant with them.\n"
    "Only int8 and uint8 models; the file is verified (flatbuffers Verifier) before it is\n"
    "read, and a malformed or unsupported one is refused naming the operator. Tune the result\n"
    "with --model NAME when it is in the configs directory's models/ (--configs DIR).\n"
    "  --out F     the model file to write (its base name, without .yaml, names the model)\n"
    "  --force     replace F if it exists (otherwise an existing F is an error)\n";

enum { OPT_OUT = QT_CLI_OPT_OWN, OPT_FORCE };

int qt_cli_import(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, NULL, OPT_OUT},
                                       {"force", no_argument, NULL, OPT_FORCE},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int force = 0;
  optind = 1;
  opterr = 0;
  int opt;
  while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
    switch (opt) {
      case 'h': fputs(import_usage, stdout); return 0;
      case OPT_OUT: out = optarg; break;
      case OPT_FORCE: force = 1; break;
      case ':':
        fprintf(stderr, "tune import: option '%s' needs a value\n", argv[optind - 1]);
        return QT_CLI_EXIT_USAGE;
      default:
        fprintf(stderr, "tune import: option '%s' is unknown (see tune import --help)\n",
                argv[optind - 1]);
        return QT_CLI_EXIT_USAGE;
    }
  }
  if (optind != argc - 1 || !out) {
    fprintf(stderr, "tune import: give one MODEL.tflite and --out DIR/NAME.yaml (see tune "
            "import --help)\n");
    return QT_CLI_EXIT_USAGE;
  }
  struct stat st;
  if (!force && stat(out, &st) == 0) {
    fprintf(stderr, "tune import: %s exists; pass --force to replace it\n", out);
    return 1;
  }
  qt_err err = {0};
  qt_import_summary s;
  if (qt_tflite_import_file(argv[optind], out, &s, &err)) return qt_cli_fail(&err);
  printf("wrote %s: %d convolution layers from the %d operators of subgraph 0", out, s.n_layers,
         s.n_operators);
  if (s.n_subgraphs > 1) printf(" (the file has %d subgraphs; only the first is read)", s.n_subgraphs);
  printf("\n");
  return 0;
}
