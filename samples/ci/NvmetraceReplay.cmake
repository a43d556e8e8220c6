# CTest recipe: one test per recorded trace, each replayed into QEMU by `nvmetrace replay`
# and checked against its expectation (samples/ci/replay-all.sh, which this calls per trace).
#
#   include(path/to/samples/ci/NvmetraceReplay.cmake)
#   nvmetrace_replay_tests(my-traces
#     DIRS ${CMAKE_SOURCE_DIR}/traces          # searched recursively for .pcapng(.zst)
#     [NVMETRACE /usr/bin/nvmetrace]           # default: nvmetrace from PATH
#     [CONFIG_DIR dir]                         # per-trace .expect / .replay-args files
#     [OPTIONS --target qemu:/opt/qemu/bin/qemu-system-x86_64])
#
# Tests are named PREFIX/<path of the trace under its DIR>; labels "replay" and PREFIX.
set(NVT_REPLAY_ALL ${CMAKE_CURRENT_LIST_DIR}/replay-all.sh)

function(nvmetrace_replay_tests prefix)
  cmake_parse_arguments(R "" "NVMETRACE;CONFIG_DIR" "DIRS;OPTIONS" ${ARGN})
  if(NOT R_NVMETRACE)
    set(R_NVMETRACE nvmetrace)
  endif()
  set(config)
  if(R_CONFIG_DIR)
    set(config --config-dir ${R_CONFIG_DIR})
  endif()
  foreach(dir ${R_DIRS})
    file(GLOB_RECURSE traces CONFIGURE_DEPENDS ${dir}/*.pcapng ${dir}/*.pcapng.zst)
    list(SORT traces)
    foreach(trace ${traces})
      file(RELATIVE_PATH rel ${dir} ${trace})
      get_filename_component(dname ${dir} NAME)
      add_test(NAME ${prefix}/${dname}/${rel}
        COMMAND ${NVT_REPLAY_ALL} --nvmetrace ${R_NVMETRACE} ${config} ${trace} -- ${R_OPTIONS})
      set_tests_properties(${prefix}/${dname}/${rel} PROPERTIES LABELS "replay;${prefix}" TIMEOUT 600)
    endforeach()
  endforeach()
endfunction()
