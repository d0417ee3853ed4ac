# qtune.cmake — build-time use of a qtune tuning log (docs/DESIGN.md §7). Provides
#
#   qtune_add_tuned_kernels(<name> TARGET <target> MODEL <model> DB <tuning.db>
#                           [LAYERS <layer>...] [DTYPE s8|u8] [REQUANT fixedpoint|fp32]
#                           [STRICT] [CONFIGS <dir>] [KERNELS <dir>] [TUNE <path to tune>])
#
# which runs `tune export` (once at configure time, to learn the file list, and again at build
# time whenever the log or `tune` changes) into <binary dir>/<name>-export and adds the static
# library <name>: one object per layer (functions qt_<model>_<layer>_*) and the dispatch table,
# linked to qtune::kernels (the reference, qt_quantize_multiplier and the data generator,
# for checking) when find_package(qtune) defined it, else compiling the export's copies of
# the reference and generator. Linking <name> gives its users the generated header
# qt_<model>.h plus the kernel headers; linking <name>_generic instead also gives the
# model-independent qt_tuned.h (qt_tuned_layers, ...), which one program can take from one
# model only: CMake refuses a target linking two of them (COMPATIBLE_INTERFACE_STRING). The
# layer files are compiled with the target's flags from the target config, the flags they
# were measured with. DTYPE and REQUANT select records tuned with `tune --dtype/--requant`
# (passed to `tune export`). An unknown keyword stops configuration naming it. TUNE, CONFIGS
# and KERNELS default to QTUNE_EXECUTABLE, QTUNE_CONFIGS_DIR and QTUNE_KERNELS_DIR, which
# find_package(qtune) sets.
include_guard(GLOBAL)

function(qtune_add_tuned_kernels name)
  set(one_value TARGET MODEL DB DTYPE REQUANT CONFIGS KERNELS TUNE)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "STRICT" "${one_value}" "LAYERS")
  set(known "TARGET MODEL DB LAYERS DTYPE REQUANT STRICT CONFIGS KERNELS TUNE")
  if(ARG_UNPARSED_ARGUMENTS)
    list(GET ARG_UNPARSED_ARGUMENTS 0 first)
    string(REPLACE ";" " " rest "${ARG_UNPARSED_ARGUMENTS}")
    message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): unknown keyword ${first} "
                        "(unparsed arguments: ${rest}); the keywords are ${known}")
  endif()
  if(ARG_KEYWORDS_MISSING_VALUES)
    string(REPLACE ";" " " missing "${ARG_KEYWORDS_MISSING_VALUES}")
    message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): ${missing} given without a value")
  endif()
  foreach(required TARGET MODEL DB)
    if(NOT ARG_${required})
      message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): ${required} is required")
    endif()
  endforeach()
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
  foreach(opt DTYPE REQUANT CONFIGS KERNELS)
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
    # LAYERS takes every word up to the next keyword, so a misspelt keyword after it passes
    # as a layer name: a word in capitals the export calls an unknown layer is named as one.
    set(suspects "")
    foreach(layer IN LISTS ARG_LAYERS)
      string(FIND "${errors}" "unknown layer '${layer}'" at)
      if(layer MATCHES "^[A-Z][A-Z0-9_]*$" AND at GREATER_EQUAL 0)
        list(APPEND suspects "${layer}")
      endif()
    endforeach()
    if(suspects)
      string(REPLACE ";" " " suspects "${suspects}")
      message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): unknown keyword ${suspects} "
                          "(read as a layer name after LAYERS; the keywords are ${known}); "
                          "tune export failed:\n${errors}")
    endif()
    message(FATAL_ERROR "qtune_add_tuned_kernels(${name}): tune export failed:\n${errors}")
  endif()
  if(errors)
    message(STATUS "qtune_add_tuned_kernels(${name}):\n${errors}")
  endif()
  file(STRINGS "${out}/sources.txt" sources)
  # The export's copies of the reference and generator (kernels/...) duplicate qtune::kernels:
  # one definition in the program, however many models it links.
  if(TARGET qtune::kernels)
    list(FILTER sources EXCLUDE REGEX "^kernels/")
  endif()
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
  if(TARGET qtune::kernels)
    target_link_libraries(${name} PUBLIC qtune::kernels)
  endif()
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

  # qt_tuned.h has the same name in every export, so it sits in its own directory, seen only
  # by users of <name>_generic, and CMake stops a target that would see two of them.
  add_library(${name}_generic INTERFACE)
  target_link_libraries(${name}_generic INTERFACE ${name})
  target_include_directories(${name}_generic INTERFACE "${out}/generic")
  set_target_properties(${name}_generic PROPERTIES INTERFACE_QTUNE_TUNED_H "${name}"
                        COMPATIBLE_INTERFACE_STRING QTUNE_TUNED_H)
endfunction()
