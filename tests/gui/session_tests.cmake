# Sessions and files changing underneath (issue 8), included by gui_tests.cmake.
# kill -9: autosave, SIGKILL, restart, the restored state compared with the saved one.
add_test(NAME gui.session_kill9_restore
  COMMAND ${QS_XVFB} sh ${CMAKE_CURRENT_LIST_DIR}/session_kill.sh $<TARGET_FILE:quantscope> ${PROJECT_SOURCE_DIR} ${QS_GUI_OUT})
# A model file truncated / replaced while open: clear error, still usable, Reopen.
add_test(NAME gui.session_file_changes
  COMMAND ${QS_XVFB} $<TARGET_FILE:quantscope> --script ${CMAKE_CURRENT_LIST_DIR}/scripts/file_changes.qs ${QS_GUI_VARS})
set_tests_properties(gui.session_file_changes PROPERTIES FIXTURES_SETUP gui_file_changes)
add_test(NAME gui.file_changed_notice_not_blank
  COMMAND qs_png_check nonblank ${QS_GUI_OUT}/file_changed.png Models)
set_tests_properties(gui.file_changed_notice_not_blank PROPERTIES FIXTURES_REQUIRED gui_file_changes)
