# A model file truncated, then replaced, while it is open (issue 8): selecting a tensor
# not yet decoded gives a clear error (no SIGBUS), the app stays usable (decoded
# tensors, spec edits), and the notice's Reopen button brings the model back with the
# same tensor selected.
file copy ${SRC}/tests/fixtures/gui/model.safetensors ${OUT}/changing.safetensors
open ${OUT}/changing.safetensors
wait
select model.layers.0.self_attn.q_proj.weight
wait
assert status a == ready
session assert changed == 0
# Truncated in place: every page past 100 bytes would fault.
file truncate ${OUT}/changing.safetensors 100
select model.layers.2.mlp.up_proj.weight
wait
assert status a == failed
assert message was truncated to 100 bytes
session assert changed == 1
screenshot ${OUT}/file_changed.png
# Still usable: the tensor decoded before the change, and spec edits on it.
select model.layers.0.self_attn.q_proj.weight
wait
assert status a == ready
spec bits 3
wait
assert status a == ready
assert metric bits_per_weight < 4
# The file is whole again on disk; Reopen (the notice's button) reads it anew.
file copy ${SRC}/tests/fixtures/gui/model.safetensors ${OUT}/changing.safetensors
select model.layers.2.mlp.up_proj.weight
wait
session reopen
session wait_restored 30
wait
session assert changed == 0
assert models == 1
assert tensor == model.layers.2.mlp.up_proj.weight
assert status a == ready
# Replaced by a rename (how downloads and atomic writers replace files).
file replace ${OUT}/changing.safetensors ${SRC}/tests/fixtures/gui/model.safetensors
select lm_head.weight
wait
assert status a == failed
assert message was replaced since it was opened
session assert changed == 1
session reopen
session wait_restored 30
wait
assert tensor == lm_head.weight
assert status a == ready
session assert changed == 0
