# The Anomalies window (issue 9): the whole-model check on the worker, the table of
# flagged tensors worst first, badges in the model browser, and a click on a row
# selecting the tensor in the explorer. Fixture: tests/fixtures/anomaly/make_anomaly.py.
open ${SRC}/tests/fixtures/anomaly/anomaly.safetensors
wait
show Anomalies on
anomaly assert status == empty
anomaly check
wait
anomaly assert status == ready
anomaly assert checked == 5
anomaly assert errors == 3
anomaly assert flagged == 4
anomaly assert badge nan_inf.f32 == error
anomaly assert badge nan_denorm.bf16 == error
anomaly assert badge denorm_only.f32 == info
anomaly assert badge clean.weight == none
anomaly click inf_denorm.f16
wait
assert tensor == inf_denorm.f16
frames 3
screenshot ${OUT}/anomalies.png
export png Anomalies ${OUT}/anomalies_window.png
