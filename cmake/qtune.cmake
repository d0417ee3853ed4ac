# qtune.cmake — build-time use of a qtune tuning log (docs/DESIGN.md §7). Provides
#
#   qtune_add_tuned_kernels(<name> TARGET <target> MODEL <model> DB <tuning.db>
#                           [LAYERS <layer>...] [STRICT] [CONFIGS <dir>] [KERNELS <dir>]
#                           [TUNE <path to tune>])
#
# which runs `tune export` (once at configure time, to learn the file list, and again at build
# time whenever the log or `tune` changes) into <binary dir>/<name>-export and adds the static
# library <name>: one object per layer (functions qt_<model>_<layer>_*), the dispatch table,
# and the reference and data generator for checking. Linking <name> gives its users the
# generated header qt_<model>.h (and qt_tuned.h) plus the kernel headers. The layer files are
# compiled with the target's flags from the target config, the flags they were measured with.
# TUNE, CONFIGS and KERNELS default to QTUNE_EXECUTABLE, QTUNE_CONFIGS_DIR and
# QTUNE_KERNELS_DIR, which find_package(qtune) sets.
include_guard(GLOBAL)

function(qtune_add_tuned_kernels name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "STRICT" "TARGET;MODEL;DB;CONFIGS;KERNELS;TUNE" "LAYERS")
  foreach(required TARGET MODEL DB)
    if(NOT ARG_${required})
      message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): ${required} is required")
    endif()
  endforeach()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  foreach(opt TUNE CONFIGS KERNELS)
    set(default_TUNE ${QTUNE_EXECUTABLE})
    set(default_CONFIGS ${QTUNE_CONFIGS_DIR})
    set(default_KERNELS ${QTUNE_KERNELS_DIR})
    if(NOT ARG_${opt})
      set(ARG_${opt} ${default_${opt}})
    endif()
  endforeach()
  if(NOT ARG_TUNE OR NOT EXISTS "${ARG_TUNE}")
    message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): the tune executable '${ARG_TUNE}' does not exist (find_package(qtune) or pass TUNE)")
  endif()
  get_filename_component(db "${ARG_DB}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${db}")
    message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): no tuning log at ${db}")
  endif()
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}-export")
  set(cmd "${ARG_TUNE}" export --target "${ARG_TARGET}" --model "${ARG_MODEL}" --db "${db}"
      --out "${out}")
  foreach(opt CONFIGS KERNELS)
    if(ARG_${opt})
      string(TOLOWER ${opt} flag)
      list(APPEND cmd "--${flag}" "${ARG_${opt}}")
    endif()
  endforeach()
  if(ARG_LAYERS)
    string(REPLACE ";" "," layers "${ARG_LAYERS}")
    list(APPEND cmd --layers "${layers}")
  endif()
  if(ARG_STRICT)
    list(APPEND cmd --strict)
  endif()

  # The file names depend only on the model's layers, so one export at configure time tells
  # them; the build-time export below rewrites their contents when the log changes.
  execute_process(COMMAND ${cmd} RESULT_VARIABLE rc ERROR_VARIABLE errors)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): tune export failed:\n${errors}")
  endif()
  if(errors)
    message(STATUS "qtune_add_tuned_kernels(${name}):\n${errors}")
  endif()
  file(STRINGS "${out}/sources.txt" sources)
  list(TRANSFORM sources PREPEND "${out}/")
  file(READ "${out}/cflags.txt" cflags)
  separate_arguments(cflags UNIX_COMMAND "${cflags}")

  add_custom_command(
    OUTPUT "${out}/export.stamp"
    COMMAND ${cmd}
    COMMAND "${CMAKE_COMMAND}" -E touch "${out}/export.stamp"
    BYPRODUCTS ${sources}
    DEPENDS "${db}" "${ARG_TUNE}"
    COMMENT "tune export: ${ARG_MODEL} for ${ARG_TARGET} from ${db}"
    VERBATIM)
  add_custom_target(${name}_export DEPENDS "${out}/export.stamp")
  add_library(${name} STATIC ${sources})
  add_dependencies(${name} ${name}_export)
  target_include_directories(${name} PUBLIC "${out}" "${out}/kernels/include"
                             "${out}/kernels/harness")
  target_compile_options(${name} PRIVATE ${cflags})
  # Per-layer flags of ISA knob values (e.g. -mavx512vnni): measured with them, built with them.
  if(EXISTS "${out}/layer_flags.txt")
    file(STRINGS "${out}/layer_flags.txt" layer_flags)
    foreach(line IN LISTS layer_flags)
      separate_arguments(words UNIX_COMMAND "${line}")
      list(POP_FRONT words file)
      set_source_files_properties("${out}/${file}" TARGET_DIRECTORY ${name}
                                  PROPERTIES COMPILE_OPTIONS "${words}")
    endforeach()
  endif()
  set_target_properties(${name} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON
                        C_EXTENSIONS OFF)
endfunction()
