# layers.cmake — the host code's layering, enforced by the compiler.
#
# Every host layer (tuner/base, tuner/sys, schedules, db, tuner/build, ...) is a static library
# qt_<name>. Its public headers are included by their folder path ("tuner/run/runner.h",
# "db/db.h"), and the only include directory that resolves such a path is the layer's *view*:
# <build>/layers/<name>/, holding one symbolic link (<build>/layers/run/tuner/run -> tuner/run).
# A library sees a layer's view only if it links that layer, so a header of a layer it may not
# use is "No such file or directory" at compile time, not a convention. The repository root is
# never an include directory of host code. (tests/layering checks both directions.)
#
# qt_layer(<name> INCLUDE_AS <path> SOURCES <src>... [PUBLIC <lib>...] [PRIVATE <lib>...])
#   <path>: how its headers are prefixed ("tuner/run", "db"); the view links it to the
#   calling folder. PUBLIC: layers (and libraries) its own headers include; PRIVATE: what only
#   its sources use.
function(qt_layer name)
  cmake_parse_arguments(L "" "INCLUDE_AS" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  set(view ${PROJECT_BINARY_DIR}/layers/${name})
  set(link ${view}/${L_INCLUDE_AS})
  get_filename_component(parent ${link} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  if(NOT IS_SYMLINK ${link})
    file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${link} SYMBOLIC)
  endif()
  add_library(qt_${name} STATIC ${L_SOURCES})
  target_include_directories(qt_${name} PUBLIC ${view})
  target_link_libraries(qt_${name} PUBLIC ${L_PUBLIC} PRIVATE ${L_PRIVATE})
endfunction()
