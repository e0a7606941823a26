# The histogram view on a real tensor: 8 bits, then 2 bits. The screenshots
# feed qs_png_check (the plot is not blank, and 2 bits draws a different
# dequantized histogram). Per-tensor, so the grid lines are drawn too.
open ${SRC}/tests/fixtures/gui/model.safetensors
wait
assert models == 1
select model.layers.0.self_attn.q_proj.weight
spec granularity tensor
wait
assert tensor == model.layers.0.self_attn.q_proj.weight
assert status a == ready
assert spec bits == 8
assert metric levels == 255
assert metric sqnr_db > 30
screenshot ${OUT}/bits8.png
spec bits 2
wait
assert metric levels == 3
assert metric sqnr_db < 15
assert metric codes_used == 3
screenshot ${OUT}/bits2.png
