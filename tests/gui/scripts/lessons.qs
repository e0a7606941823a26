# Every Learn window, one at a time: open it from the Learn menu (menu bar at
# y=11, 'Learn' at x=286; items 20 px apart from y=37), let it settle, take a
# screenshot, close it from the menu again. Extra shots: presenter mode (its
# checkbox at 59,81) and a QAT run (the 'Run QAT' button at 82,217).
# Checked by qs_png_check (tests/gui/lessons_tests.cmake).
frames 3
screenshot ${OUT}/lesson_base.png
# formats
click 286 11
frames 3
click 330 37
frames 12
screenshot ${OUT}/lesson_formats.png
click 59 81
frames 6
screenshot ${OUT}/lesson_formats_presenter.png
click 59 81
frames 3
click 286 11
frames 3
click 330 37
frames 3
# scale
click 286 11
frames 3
click 330 57
frames 12
screenshot ${OUT}/lesson_scale.png
click 286 11
frames 3
click 330 57
frames 3
# symmetric
click 286 11
frames 3
click 330 77
frames 12
screenshot ${OUT}/lesson_symmetric.png
click 286 11
frames 3
click 330 77
frames 3
# clipping
click 286 11
frames 3
click 330 97
frames 12
screenshot ${OUT}/lesson_clipping.png
click 286 11
frames 3
click 330 97
frames 3
# rounding
click 286 11
frames 3
click 330 117
frames 12
screenshot ${OUT}/lesson_rounding.png
click 286 11
frames 3
click 330 117
frames 3
# granularity
click 286 11
frames 3
click 330 137
frames 12
screenshot ${OUT}/lesson_granularity.png
click 286 11
frames 3
click 330 137
frames 3
# nonuniform
click 286 11
frames 3
click 330 157
frames 12
screenshot ${OUT}/lesson_nonuniform.png
click 286 11
frames 3
click 330 157
frames 3
# outliers
click 286 11
frames 3
click 330 177
frames 12
screenshot ${OUT}/lesson_outliers.png
click 286 11
frames 3
click 330 177
frames 3
# mixed
click 286 11
frames 3
click 330 197
frames 300
screenshot ${OUT}/lesson_mixed.png
click 286 11
frames 3
click 330 197
frames 3
# why
click 286 11
frames 3
click 330 217
frames 12
screenshot ${OUT}/lesson_why.png
click 286 11
frames 3
click 330 217
frames 3
# accuracy
click 286 11
frames 3
click 330 237
frames 12
screenshot ${OUT}/lesson_accuracy.png
click 286 11
frames 3
click 330 237
frames 3
# qat
click 286 11
frames 3
click 330 257
frames 12
screenshot ${OUT}/lesson_qat.png
click 82 217
frames 300
screenshot ${OUT}/lesson_qat_run.png
click 286 11
frames 3
click 330 257
frames 3
