# Driving the GUI like a user: drag a clip handle, undo/redo, keyboard
# shortcuts, A/B pinning, heatmap kinds, the whole-model sweep, exports, and a
# bad file that must become a message, not a crash.
open ${SRC}/tests/fixtures/gui/model.safetensors
wait
select model.layers.1.mlp.up_proj.weight
spec granularity tensor
spec symmetric false
wait
assert metric clipped_fraction == 0
# Drag the upper clip handle to 0.05 with the mouse: a manual clip, re-quantized.
drag_clip hi 0.05
wait
assert spec clip_hi < 0.056
assert spec clip_hi > 0.044
assert metric clipped_fraction > 0.001
assert undo_depth == 3
# Undo/redo by keyboard.
key ctrl+z
wait
assert spec clip_hi == auto
key ctrl+shift+z
wait
assert spec clip_hi < 0.056
clip auto
# A/B: pin 8 bits, go to 3 bits; both results exist.
pin
assert pinned == true
spec bits 3
wait
assert status b == ready
assert metric_b levels > 200
assert metric levels <= 8
# Heatmaps of |error| and of codes.
heatmap error
wait
assert status heat == ready
heatmap codes
wait
assert status heat == ready
screenshot ${OUT}/ab_codes.png
heatmap weights
# The whole model.
sweep
wait
assert status sweep == ready
assert sweep_rows == 8
screenshot ${OUT}/sweep.png
export csv sweep ${OUT}/sweep.csv
export csv histogram ${OUT}/histogram.csv
export png Histogram ${OUT}/histogram_view.png
wait
assert message wrote
# UI scale by keyboard, theme.
key ctrl+equal
frames 2
assert ui_scale > 1.05
key ctrl+0
frames 2
assert ui_scale == 1
theme light
frames 3
screenshot ${OUT}/light.png
# A bad file: an error in the app, and the app keeps working.
open ${SRC}/tests/fixtures/gui/make_gui_model.py
wait
assert failed_models == 1
assert models == 1
assert status a == ready
