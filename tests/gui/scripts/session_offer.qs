# Run 3 of the kill -9 test: run 2 exited cleanly, so nothing is restored by itself;
# File > Restore last session brings it back.
session assert crashed == no
session assert restored == no
session assert can_restore == yes
assert models == 0
session restore
session wait_restored 30
wait
assert tensor == model.layers.1.mlp.up_proj.weight
assert spec bits == 5
assert pinned == true
sens assert pins == 1
