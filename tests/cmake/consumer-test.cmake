# Installs rollcheck into a fresh prefix, then configures and builds a
# project of examples/ against it and runs its PROGRAM: the path an outside
# project takes.
# Run: cmake -DROLLCHECK_BINARY_DIR=… -DCONSUMER_SOURCE_DIR=… -DWORK_DIR=…
#      -DCXX_COMPILER=… -DPROGRAM=name[|name…] [-DARGS=a|b] -DEXPECT=regex -P consumer-test.cmake
# ARGS are separated by '|'; each @WORK_DIR@ in them becomes WORK_DIR. Each
# program PROGRAM names runs with them and must print a match of EXPECT.
# The policies of today: without them (CMP0053) a script still expands
# "@WORK_DIR@" as a variable, so the replacement below would find nothing.
cmake_minimum_required(VERSION 3.18)
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

step(${CMAKE_COMMAND} --install ${ROLLCHECK_BINARY_DIR} --prefix ${prefix})
step(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${WORK_DIR}/build
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
step(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
string(REPLACE "|" ";" ARGS "${ARGS}")
string(REPLACE "@WORK_DIR@" "${WORK_DIR}" ARGS "${ARGS}")
string(REPLACE "|" ";" programs "${PROGRAM}")
foreach(program IN LISTS programs)
  step(${WORK_DIR}/build/${program} ${ARGS})
  if(NOT step_output MATCHES "${EXPECT}")
    message(FATAL_ERROR "${program} printed no match of '${EXPECT}':\n${step_output}")
  endif()
  message(STATUS "${program} built against ${prefix} and ran:\n${step_output}")
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
