# Installs rollcheck into a fresh prefix, then configures and builds a
# project of examples/ against it and runs its PROGRAM: the path an outside
# project takes.
# Run: cmake -DROLLCHECK_BINARY_DIR=… -DCONSUMER_SOURCE_DIR=… -DWORK_DIR=…
#      -DCXX_COMPILER=… -DPROGRAM=name [-DARGS=a|b] -DEXPECT=regex -P consumer-test.cmake
# ARGS are separated by '|'; each @WORK_DIR@ in them becomes WORK_DIR.
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
step(${WORK_DIR}/build/${PROGRAM} ${ARGS})
if(NOT step_output MATCHES "${EXPECT}")
  message(FATAL_ERROR "${PROGRAM} printed no match of '${EXPECT}':\n${step_output}")
endif()
message(STATUS "${PROGRAM} built against ${prefix} and ran:\n${step_output}")
file(REMOVE_RECURSE ${WORK_DIR})
