# cmake -DSUITE=path/to/rollcheck-suite [-DPLAN=file] -P plan-programs.cmake
#
# Links each program a plan names (`program = "..."`) to
# the suite, beside it: run under that name, the suite checks that phase of
# the plan. The plan is the suite's default unless PLAN is given. Links
# left by an earlier plan that it no longer names are removed.
if(NOT SUITE)
  message(FATAL_ERROR "plan-programs.cmake: give -DSUITE=<rollcheck-suite>")
endif()
set(command ${SUITE} --list-programs)
if(PLAN)
  list(APPEND command --plan ${PLAN})
endif()
execute_process(COMMAND ${command} OUTPUT_VARIABLE programs ERROR_VARIABLE why
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${SUITE} --list-programs: ${why}")
endif()
get_filename_component(dir ${SUITE} DIRECTORY)
get_filename_component(suite_name ${SUITE} NAME)
file(GLOB links LIST_DIRECTORIES false ${dir}/*)
foreach(link ${links})
  if(IS_SYMLINK ${link})
    file(READ_SYMLINK ${link} points_to)
    if(points_to STREQUAL suite_name)
      file(REMOVE ${link})
    endif()
  endif()
endforeach()
string(REPLACE "\n" ";" programs "${programs}")
foreach(program ${programs})
  if(program)
    file(CREATE_LINK ${suite_name} ${dir}/${program} SYMBOLIC)
  endif()
endforeach()
