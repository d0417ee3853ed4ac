# install.cmake — `cmake --install`: the `tune` command, the kernel sources `tune export`
# reads (share/qtune/kernels) and their public headers (include/qtune), the kernels' library
# qtune::kernels (lib/libqtkernels.a: the reference, the checks, qt_quantize_multiplier and the
# data generator), the target and model configs (share/qtune/configs), the toolchain files
# (share/qtune/toolchains), and the CMake package (lib/cmake/qtune: qtune-config.cmake, its
# version file, qtune-targets.cmake and the qtune.cmake module) so that find_package(qtune)
# works from another project. A build-tree package config is written too
# (<build>/qtune-config.cmake, pointing at this build's tune, qtkernels and the source tree),
# for -Dqtune_DIR=<build> without installing.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(QTUNE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/qtune)
install(TARGETS tune RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/kernels/ DESTINATION ${CMAKE_INSTALL_DATADIR}/qtune/kernels
        FILES_MATCHING PATTERN "*.c" PATTERN "*.h" PATTERN "*.ld")
# The Cortex-M targets' exec wrapper (qemu-system-arm), named by their emulator field.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/kernels/harness/cortexm/qt-mps2-run
        DESTINATION ${CMAKE_INSTALL_DATADIR}/qtune/kernels/harness/cortexm)
install(FILES ${PROJECT_SOURCE_DIR}/kernels/include/qt_kernels.h
              ${PROJECT_SOURCE_DIR}/kernels/include/qt_template.h
              ${PROJECT_SOURCE_DIR}/kernels/include/qt_requant.h
              ${PROJECT_SOURCE_DIR}/kernels/harness/qt_datagen.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qtune)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/qtune/configs
        FILES_MATCHING PATTERN "*.yaml")
# A toolchain file is read before project(), so before find_package(qtune) could say where it
# is: it lives at a fixed place under the prefix, which the package config also names.
# (qemu-aarch64-run.sh: the aarch64 file's test emulator, which it names beside itself)
set(QTUNE_TOOLCHAIN_FILES ${PROJECT_SOURCE_DIR}/cmake/aarch64-linux-gnu.cmake
                          ${PROJECT_SOURCE_DIR}/cmake/qemu-aarch64-run.sh
                          ${PROJECT_SOURCE_DIR}/cmake/arm-none-eabi.cmake
                          ${PROJECT_SOURCE_DIR}/cmake/hexagon.cmake)
install(FILES ${QTUNE_TOOLCHAIN_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/qtune/toolchains)

# qtune::kernels: qtkernels as built here, for programs built for this processor. Its users
# see the installed headers; a sanitizer build's library needs the sanitizer runtime.
set_target_properties(qtkernels PROPERTIES EXPORT_NAME kernels)
target_include_directories(qtkernels INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/qtune>)
if(QT_SANITIZE)
  target_link_options(qtkernels INTERFACE -fsanitize=address,undefined)
endif()
install(TARGETS qtkernels EXPORT qtune-targets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT qtune-targets NAMESPACE qtune:: DESTINATION ${QTUNE_CMAKE_DIR})
export(EXPORT qtune-targets NAMESPACE qtune:: FILE ${PROJECT_BINARY_DIR}/qtune-targets.cmake)

# Installed config: paths relative to where the config file lands, so the prefix can move.
# The kernel sources are the source tree's files, so a log tuned with this qtune checks
# clean against the installed copy (export compares file contents, not paths).
set(QTUNE_CONFIG_PREFIX
    "get_filename_component(_qtune_prefix \"\${CMAKE_CURRENT_LIST_DIR}/../../..\" ABSOLUTE)")
set(QTUNE_CONFIG_TUNE "\${_qtune_prefix}/${CMAKE_INSTALL_BINDIR}/tune")
set(QTUNE_CONFIG_KERNELS "\${_qtune_prefix}/${CMAKE_INSTALL_DATADIR}/qtune/kernels")
set(QTUNE_CONFIG_CONFIGS "\${_qtune_prefix}/${CMAKE_INSTALL_DATADIR}/qtune/configs")
set(QTUNE_CONFIG_INCLUDE "\${_qtune_prefix}/${CMAKE_INSTALL_INCLUDEDIR}/qtune")
set(QTUNE_CONFIG_TOOLCHAINS "\${_qtune_prefix}/${CMAKE_INSTALL_DATADIR}/qtune/toolchains")
configure_file(${PROJECT_SOURCE_DIR}/cmake/qtune-config.cmake.in
               ${PROJECT_BINARY_DIR}/install/qtune-config.cmake @ONLY)
# ARCH_INDEPENDENT: a cross build for a 32-bit core (arm-none-eabi) uses the same package;
# qtune::kernels is then compiled from the sources for it (qtune-config.cmake).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/qtune-config-version.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion
                                 ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/install/qtune-config.cmake
              ${PROJECT_BINARY_DIR}/qtune-config-version.cmake
              ${PROJECT_SOURCE_DIR}/cmake/qtune.cmake
        DESTINATION ${QTUNE_CMAKE_DIR})

# Build-tree config: this build's tune, the source tree's kernels and configs.
set(QTUNE_CONFIG_PREFIX "")
set(QTUNE_CONFIG_TUNE "${PROJECT_BINARY_DIR}/tuner/tune")
set(QTUNE_CONFIG_KERNELS "${PROJECT_SOURCE_DIR}/kernels")
set(QTUNE_CONFIG_CONFIGS "${PROJECT_SOURCE_DIR}/configs")
set(QTUNE_CONFIG_INCLUDE "${PROJECT_SOURCE_DIR}/kernels/include")
set(QTUNE_CONFIG_TOOLCHAINS "${PROJECT_SOURCE_DIR}/cmake")
configure_file(${PROJECT_SOURCE_DIR}/cmake/qtune-config.cmake.in
               ${PROJECT_BINARY_DIR}/qtune-config.cmake.tmp @ONLY)
# The module sits beside the build-tree config as it does beside the installed one.
file(READ ${PROJECT_BINARY_DIR}/qtune-config.cmake.tmp _qtune_cfg)
string(REPLACE "\${CMAKE_CURRENT_LIST_DIR}/qtune.cmake" "${PROJECT_SOURCE_DIR}/cmake/qtune.cmake"
       _qtune_cfg "${_qtune_cfg}")
file(WRITE ${PROJECT_BINARY_DIR}/qtune-config.cmake "${_qtune_cfg}")
