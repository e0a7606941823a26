# The Compare methods window on the demo MLP (issue 9): cancel, run, table and scatter plots.
add_test(NAME gui.script_sens_compare
  COMMAND ${QS_XVFB} $<TARGET_FILE:quantscope> --script ${CMAKE_CURRENT_LIST_DIR}/scripts/sens_compare.qs ${QS_GUI_VARS})
set_tests_properties(gui.script_sens_compare PROPERTIES FIXTURES_SETUP gui_sens_compare)
add_test(NAME gui.sens_compare_not_blank
  COMMAND qs_png_check nonblank ${QS_GUI_OUT}/sens_compare.png "Compare methods")
set_tests_properties(gui.sens_compare_not_blank PROPERTIES FIXTURES_REQUIRED gui_sens_compare)
