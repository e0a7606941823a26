# The Importance window (issue 9): a legacy llama.cpp imatrix loaded by script; the
# selected weight's per-input-column importance as bars (a few hot columns) and the
# imatrix-weighted MSE of A and B beside the plain MSE.
open ${SRC}/tests/fixtures/artifacts/imx_model.safetensors
wait
select blk.0.attn_q.weight
spec bits 4
wait
pin
spec bits 3
wait
imatrix ${SRC}/tests/fixtures/artifacts/imx.dat
wait
frames 3
screenshot ${OUT}/imatrix.png
quit
