# Run 1 of the kill -9 test (tests/gui/session_kill.sh): change things a user would
# not want to lose, wait for the autosave, dump the state, then idle until killed.
open ${SRC}/tests/fixtures/gui/model.safetensors
wait
select model.layers.1.mlp.up_proj.weight
spec bits 3
spec granularity group
pin
spec bits 5
heatmap error
show Sensitivity on

sens candidates int3:channel,int4:channel,int8:channel
sens pin model.layers.0.self_attn.q_proj.weight int8:channel
sens budget 3.5
wait
session assert crashed == no
session wait_saved 30
session dump ${OUT}/session_before.json
echo SESSION-SAVED
frames 100000
