# Toolchain file: cross-compile bare-metal Cortex-M programs with Debian's gcc-arm-none-eabi
# and newlib, for the qtune targets cortex-m4 (default) and cortex-m7. QT_MCU picks the core;
# its flags are the target file's (configs/targets/cortex-m4.yaml, cortex-m7.yaml). CMake
# links executables without crt0 and newlib's nosys stubs: a program adds a startup file and
# a board linker script (QT_MCU_STARTUP_SOURCES and QT_MCU_LINKER_SCRIPT below, from qtune's
# kernels/harness/cortexm). Executables run on the emulated MPS2 board of the core through
# CMAKE_CROSSCOMPILING_EMULATOR (qt-mps2-run: qemu-system-arm, semihosting, -icount).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
# No OS to run a test executable on while configuring: try_compile builds a library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
if(NOT QT_MCU)
  set(QT_MCU cortex-m4)
endif()
if(QT_MCU STREQUAL "cortex-m4")
  set(QT_MCU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
  set(QT_MCU_MACHINE mps2-an386)
elseif(QT_MCU STREQUAL "cortex-m7")
  set(QT_MCU_FLAGS "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
  set(QT_MCU_MACHINE mps2-an500)
else()
  message(FATAL_ERROR "QT_MCU is '${QT_MCU}': this toolchain file knows cortex-m4 and cortex-m7")
endif()
set(CMAKE_C_FLAGS_INIT "${QT_MCU_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${QT_MCU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles --specs=nosys.specs")
# The bare-metal platform ships with qtune's kernels: <qtune source>/kernels beside this cmake/
# directory, or <prefix>/share/qtune/kernels beside share/qtune/toolchains.
get_filename_component(QT_MCU_KERNELS "${CMAKE_CURRENT_LIST_DIR}/../kernels" ABSOLUTE)
set(QT_MCU_PLATFORM "${QT_MCU_KERNELS}/harness/cortexm")
set(QT_MCU_STARTUP_SOURCES "${QT_MCU_PLATFORM}/qt_startup_cm.c"
    "${QT_MCU_PLATFORM}/qt_semihost_cm.c" "${QT_MCU_PLATFORM}/qt_clock_cm.c")
set(QT_MCU_LINKER_SCRIPT "${QT_MCU_PLATFORM}/${QT_MCU_MACHINE}.ld")
set(CMAKE_CROSSCOMPILING_EMULATOR "${QT_MCU_PLATFORM}/qt-mps2-run;${QT_MCU_MACHINE}")
set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
