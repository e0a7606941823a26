# The Learn windows (app/lessons/): tests/gui/scripts/lessons.qs opens each from the
# menu and takes a screenshot; each must cover the Histogram view's area with
# different pixels than the bare explorer (the lesson window drew there), presenter
# mode must change the picture, and a QAT run must draw its curve.
add_test(NAME gui.script_lessons
  COMMAND ${QS_XVFB} $<TARGET_FILE:quantscope> --script ${CMAKE_CURRENT_LIST_DIR}/scripts/lessons.qs ${QS_GUI_VARS})
set_tests_properties(gui.script_lessons PROPERTIES FIXTURES_SETUP gui_lessons)
add_test(NAME gui.lesson_formats_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_formats.png Histogram 0.05)
set_tests_properties(gui.lesson_formats_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_scale_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_scale.png Histogram 0.05)
set_tests_properties(gui.lesson_scale_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_symmetric_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_symmetric.png Histogram 0.05)
set_tests_properties(gui.lesson_symmetric_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_clipping_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_clipping.png Histogram 0.05)
set_tests_properties(gui.lesson_clipping_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_rounding_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_rounding.png Histogram 0.05)
set_tests_properties(gui.lesson_rounding_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_granularity_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_granularity.png Histogram 0.05)
set_tests_properties(gui.lesson_granularity_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_nonuniform_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_nonuniform.png Histogram 0.05)
set_tests_properties(gui.lesson_nonuniform_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_outliers_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_outliers.png Histogram 0.05)
set_tests_properties(gui.lesson_outliers_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_mixed_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_mixed.png Histogram 0.05)
set_tests_properties(gui.lesson_mixed_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_why_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_why.png Histogram 0.05)
set_tests_properties(gui.lesson_why_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_accuracy_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_accuracy.png Histogram 0.05)
set_tests_properties(gui.lesson_accuracy_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_qat_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_base.png ${QS_GUI_OUT}/lesson_qat.png Histogram 0.05)
set_tests_properties(gui.lesson_qat_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
add_test(NAME gui.lesson_presenter_mode_enlarges
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_formats.png ${QS_GUI_OUT}/lesson_formats_presenter.png Histogram 0.05)
add_test(NAME gui.lesson_qat_curve_drawn
  COMMAND qs_png_check differ ${QS_GUI_OUT}/lesson_qat.png ${QS_GUI_OUT}/lesson_qat_run.png Histogram 0.02)
set_tests_properties(gui.lesson_presenter_mode_enlarges gui.lesson_qat_curve_drawn PROPERTIES FIXTURES_REQUIRED gui_lessons)
