# Toolchain file: cross-compile for aarch64 Linux with Debian's gcc-aarch64-linux-gnu, linked
# statically so binaries run under qemu-aarch64 without a sysroot. Tests run through qemu via
# CMAKE_CROSSCOMPILING_EMULATOR; QT_QEMU_CPU picks the emulated core (default cortex-a76), and
# the environment's QT_QEMU_CPU another one when the tests run (qemu-aarch64-run.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
if(NOT QT_QEMU_CPU)
  set(QT_QEMU_CPU cortex-a76)
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR sh;${CMAKE_CURRENT_LIST_DIR}/qemu-aarch64-run.sh;${QT_QEMU_CPU})
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
