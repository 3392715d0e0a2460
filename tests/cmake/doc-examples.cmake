# rollcheck_doc_examples(TARGET SOURCES...)
# Compiles the C++ examples of the docs so that none can rot. An example is a
# fenced block tagged cpp: in Markdown "```cpp" ... "```"; in a header, inside
# a `///` comment, "/// ```cpp", the code as "/// ..." lines, "/// ```".
# A block holding `#include` or `int main` is a translation unit of its own.
# Any other block is a fragment, compiled as the body of a function; all
# fragments share one unit, since the umbrella header they need is the slow
# part. `#line` makes the compiler point at the doc's own file and line.
# Makes the OBJECT library TARGET and the test docs.examples_extracted.
function(rollcheck_doc_examples target)
  # A CMake list splits at ';', pairs '[' with ']' and lets '\' escape both:
  # code is full of them, so they become control characters while lines are a list.
  string(ASCII 1 semicolon)
  string(ASCII 2 open)
  string(ASCII 3 close)
  string(ASCII 4 backslash)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/doc-examples)
  set(fragments "")
  set(units)
  set(count 0)
  foreach(source IN LISTS ARGN)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${source})
    get_filename_component(name ${source} NAME)
    set(prefix "[ \t]*///[ ]?")
    if(name MATCHES "\\.md$")
      set(prefix "")
    endif()
    file(READ ${source} text)
    string(REPLACE "\\" "${backslash}" text "${text}")
    string(REPLACE ";" "${semicolon}" text "${text}")
    string(REPLACE "[" "${open}" text "${text}")
    string(REPLACE "]" "${close}" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    set(number 0)
    set(first 0)
    foreach(line IN LISTS lines)
      math(EXPR number "${number} + 1")
      if(first EQUAL 0)
        if(line MATCHES "^${prefix}```cpp[ \t]*$")
          math(EXPR first "${number} + 1")
          set(code "#line ${first} \"${source}\"\n")
        endif()
      elseif(line MATCHES "^${prefix}```[ \t]*$")
        math(EXPR count "${count} + 1")
        if(code MATCHES "#[ \t]*include|int main[ \t]*\\(")
          set(unit ${out_dir}/${name}.${first}.cpp)
          rollcheck_doc_examples_write_(${unit} "${code}")
          list(APPEND units ${unit})
        else()
          string(APPEND fragments "namespace doc_example_${count} {\nvoid run() {\n${code}}\n"
                                  "} // namespace doc_example_${count}\n\n")
        endif()
        set(first 0)
      elseif(line MATCHES "^${prefix}(.*)$")
        string(APPEND code "${CMAKE_MATCH_1}\n")
      else()
        message(FATAL_ERROR "${source}:${number}: the cpp block opened on line ${first} "
                            "leaves the comment before its closing ```")
      endif()
    endforeach()
    if(NOT first EQUAL 0)
      message(FATAL_ERROR "${source}:${first}: a cpp block with no closing ```")
    endif()
  endforeach()

  set(fragment_unit ${out_dir}/fragments.cpp)
  rollcheck_doc_examples_write_(${fragment_unit}
    "// Generated from the docs' cpp blocks: edit the docs, not this file.\n"
    "#include <rollcheck/catch.hpp>\n#include <rollcheck/rollcheck.hpp>\n\n${fragments}")
  # Units of blocks since deleted or moved would linger, unused, in the build tree.
  file(GLOB stale ${out_dir}/*.cpp)
  list(REMOVE_ITEM stale ${fragment_unit} ${units})
  if(stale)
    file(REMOVE ${stale})
  endif()
  # Against the compiled library: an example proves that the API it shows
  # compiles, and the header checks that each header compiles alone.
  add_library(${target} OBJECT ${fragment_unit} ${units})
  target_link_libraries(${target} PRIVATE rollcheck_compiled Catch2::Catch2)

  # A block the extractor did not recognise would simply not be compiled: the
  # count must reach that of a looser grep over the same files.
  add_test(NAME docs.examples_extracted
    COMMAND sh -c [=[n=$1; shift; fences=$(cat "$@" | grep -cE '^[[:space:]]*(///[[:space:]]*)?```cpp'); echo "$n examples extracted, $fences cpp fences found"; [ "$n" -ge "$fences" ]]=]
            sh ${count} ${ARGN})
endfunction()

# Writes the file only when its text changed, so a new configure does not
# rebuild the examples; the characters hidden from list handling come back.
function(rollcheck_doc_examples_write_ path)
  string(CONCAT content ${ARGN})
  string(REPLACE "${semicolon}" ";" content "${content}")
  string(REPLACE "${open}" "[" content "${content}")
  string(REPLACE "${close}" "]" content "${content}")
  string(REPLACE "${backslash}" "\\" content "${content}")
  set(old "")
  if(EXISTS ${path})
    file(READ ${path} old)
  endif()
  if(NOT old STREQUAL content)
    file(WRITE ${path} "${content}")
  endif()
endfunction()
