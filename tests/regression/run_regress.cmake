# One regression check (ctest): racksim run SCENARIO [--set SETS...] -o OUT, then racksim regress --baseline
# BASELINE OUT --tolerances TOLERANCES; the regress exit code must be EXPECT (0 pass, 3 regression) and, when MUST_NAME
# is given, the table must list that metric as regressed.
# With -DSWEEP=1, SCENARIO is a sweep file, run with `racksim sweep -j 2` (a fresh run directory each time).
# -DRACKSIM=... -DSCENARIO=... -DBASELINE=... -DTOLERANCES=... -DOUT=... -DEXPECT=0|3 [-DSETS=a=b;c=d] [-DMUST_NAME=m]
# [-DSWEEP=1]
set(set_args)
foreach(s IN LISTS SETS)
  list(APPEND set_args --set ${s})
endforeach()
if(SWEEP)
  file(REMOVE_RECURSE ${OUT}.runs)
  execute_process(COMMAND ${RACKSIM} sweep ${SCENARIO} -q -j 2 -o ${OUT}
                  RESULT_VARIABLE run_rc OUTPUT_VARIABLE run_out ERROR_VARIABLE run_err)
else()
  execute_process(COMMAND ${RACKSIM} run ${SCENARIO} -q ${set_args} -o ${OUT}
                  RESULT_VARIABLE run_rc OUTPUT_VARIABLE run_out ERROR_VARIABLE run_err)
endif()
if(NOT run_rc EQUAL 0)
  message(FATAL_ERROR "racksim run ${SCENARIO} failed (${run_rc}):\n${run_out}\n${run_err}")
endif()
execute_process(COMMAND ${RACKSIM} regress --baseline ${BASELINE} ${OUT} --tolerances ${TOLERANCES}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL EXPECT)
  message(FATAL_ERROR "racksim regress exited ${rc}, expected ${EXPECT}")
endif()
if(DEFINED MUST_NAME AND NOT out MATCHES "\n${MUST_NAME} [^\n]* regressed\n")
  message(FATAL_ERROR "the table does not list ${MUST_NAME} as regressed")
endif()
