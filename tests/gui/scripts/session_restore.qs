# Run 2 of the kill -9 test: the last run was killed, so the session comes back by
# itself; check it field by field and dump it for a byte comparison with run 1's.
session assert crashed == yes
session assert restored == yes
session wait_restored 30
wait
assert message did not exit cleanly
assert tensor == model.layers.1.mlp.up_proj.weight
assert spec bits == 5
assert spec granularity == group
assert pinned == true
assert status a == ready
assert status b == ready
assert metric_b bits_per_weight < 4
sens assert pins == 1
session dump ${OUT}/session_after.json
screenshot ${OUT}/session_restored.png
