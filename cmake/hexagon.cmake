# Toolchain file: cross-compile freestanding programs for Hexagon (target hexagon-hvx: v67
# with 128-byte HVX v66) with Debian's clang-14 and lld, run under qemu-hexagon (qemu-user).
# There is no C library for Hexagon here: qtune's runtime is one (kernels/harness/hexagon:
# its libc headers come first on the include path, and a program adds
# QT_HEXAGON_RUNTIME_SOURCES: the entry point, syscalls, string and number functions, an
# arena malloc and the compiler's division helpers). Executables run through
# CMAKE_CROSSCOMPILING_EMULATOR (qemu-hexagon).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR hexagon)
set(CMAKE_C_COMPILER clang-14)
set(CMAKE_C_COMPILER_TARGET hexagon)
# No C library to link a test executable with while configuring: try_compile builds a library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# The runtime ships with qtune's kernels: <qtune source>/kernels beside this cmake/ directory,
# or <prefix>/share/qtune/kernels beside share/qtune/toolchains.
get_filename_component(QT_HEXAGON_KERNELS "${CMAKE_CURRENT_LIST_DIR}/../kernels" ABSOLUTE)
set(QT_HEXAGON_PLATFORM "${QT_HEXAGON_KERNELS}/harness/hexagon")
set(QT_HEXAGON_RUNTIME_SOURCES "${QT_HEXAGON_PLATFORM}/qt_hexagon_rt.c"
    "${QT_HEXAGON_PLATFORM}/qt_hexagon_builtins.c")
# The flags of configs/targets/hexagon-hvx.yaml (tune export adds them again to the layers).
set(CMAKE_C_FLAGS_INIT
    "-mcpu=hexagonv67 -mhvx=v66 -mhvx-length=128b -ffreestanding -nostdlibinc -isystem ${QT_HEXAGON_PLATFORM}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -fuse-ld=lld")
# The runtime has the math functions qtune::kernels calls (frexp, round); there is no libm.
set(QTUNE_NO_LIBM ON)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-hexagon)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
