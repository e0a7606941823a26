# Used by gui.script_failure_is_reported: this assertion is false, so the run must fail.
open ${SRC}/tests/fixtures/gui/model.safetensors
wait
assert models == 2
