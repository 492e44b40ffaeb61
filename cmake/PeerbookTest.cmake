# SPDX-License-Identifier: GPL-3.0-or-later
#
# peerbook_test(<name> LABELS <tier>... [SOURCES <file>... [TARGET <exe>]]
#               [COMMAND <argv>...] [TIMEOUT <s>] [PROPERTIES <prop> <value>...])
#
# Registers one test in its tier (docs/testing.md), so that `ctest -L unit` and
# the sanitizer passes in scripts/test.sh can pick tiers. With SOURCES it also
# builds the executable (TARGET, test-<name> by default) against the internal
# library and runs it unless COMMAND says otherwise. A test labelled `slow` is
# built always but registered only with PEERBOOK_SLOW_TESTS, so that the build
# still checks it compiles.
set(PEERBOOK_TEST_TIERS unit live daemon interop fuzz slow)

function(peerbook_test name)
  cmake_parse_arguments(PARSE_ARGV 1 T "" "TARGET;TIMEOUT" "SOURCES;COMMAND;LABELS;PROPERTIES")
  if(T_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "peerbook_test(${name}): unknown arguments ${T_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT T_LABELS)
    message(FATAL_ERROR "peerbook_test(${name}): LABELS names its tier (${PEERBOOK_TEST_TIERS})")
  endif()
  foreach(label ${T_LABELS})
    if(NOT label IN_LIST PEERBOOK_TEST_TIERS)
      message(FATAL_ERROR "peerbook_test(${name}): ${label} is not a tier (${PEERBOOK_TEST_TIERS})")
    endif()
  endforeach()
  if(T_SOURCES)
    if(NOT T_TARGET)
      set(T_TARGET test-${name})
    endif()
    add_executable(${T_TARGET} ${T_SOURCES})
    target_link_libraries(${T_TARGET} PRIVATE peerbook_internal)
    if(NOT T_COMMAND)
      set(T_COMMAND ${T_TARGET})
    endif()
  endif()
  if(NOT T_COMMAND)
    message(FATAL_ERROR "peerbook_test(${name}): give SOURCES or COMMAND")
  endif()
  if("slow" IN_LIST T_LABELS AND NOT PEERBOOK_SLOW_TESTS)
    return()
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 60)
  endif()
  add_test(NAME ${name} COMMAND ${T_COMMAND})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}"
                       ${T_PROPERTIES})
  # No test daemon multicasts on the machine's real LAN (peerbookd --no-lan).
  # Appended, so that a test's own ENVIRONMENT keeps it; a test that runs its
  # daemons in network namespaces of its own may unset it there.
  set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT PEERBOOKD_NO_LAN=1)
endfunction()
