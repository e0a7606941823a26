# GUI tests run the app under xvfb-run (a private X server per test, -a picks a
# free display) and write screenshots to the build tree.
find_program(XVFB_RUN xvfb-run)
if(NOT XVFB_RUN)
  message(WARNING "xvfb-run not found: GUI tests are not registered (scripts/setup.sh installs it)")
  return()
endif()
set(QS_GUI_OUT ${PROJECT_BINARY_DIR}/gui-screens)
file(MAKE_DIRECTORY ${QS_GUI_OUT})
set(QS_XVFB ${XVFB_RUN} -a -s "-screen 0 1280x800x24")

add_test(NAME gui.smoke_model_browser
  COMMAND ${QS_XVFB} $<TARGET_FILE:quantscope> ${PROJECT_SOURCE_DIR}/tests/fixtures/safetensors/tiny.safetensors
          --frames 5 --screenshot ${QS_GUI_OUT}/smoke.png)
set_tests_properties(gui.smoke_model_browser PROPERTIES TIMEOUT 120)

# Under `make asan` the GL driver (Mesa llvmpipe, dlopen'ed and unloaded) leaks a
# few bytes we cannot fix or symbolize; leaks in our own code are caught by the
# unit tests, which run with leak detection on.
get_property(qs_gui_tests DIRECTORY PROPERTY TESTS)
foreach(t ${qs_gui_tests})
  if(t MATCHES "^gui\\.")
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0")
  endif()
endforeach()
