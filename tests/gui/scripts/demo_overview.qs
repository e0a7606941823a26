# The picture for docs/gui.md and the README: the demo MLP that `make run` opens,
# int4 g128 (A) against a pinned int8 per-channel (B), |error| heatmaps side by side.
open ${SRC}/assets/demo/mlp.safetensors
wait
assert models == 1
select fc1.weight
preset int8 per-channel
wait
assert metric sqnr_db > 35
pin
preset int4 g128
wait
assert status b == ready
assert metric_b sqnr_db > 35
assert metric sqnr_db < 30
assert metric n_groups == 128
heatmap error
wait
assert status heat == ready
screenshot ${OUT}/overview.png
