/* A translation unit that only includes QT_PROBE_HEADER, compiled with the include
 * directories of one layer (tests/layering/CMakeLists.txt). */
#include QT_PROBE_HEADER

int qt_layering_probe;
