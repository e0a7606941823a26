# The Compare methods window on the demo MLP (issue 9): a run cancelled at once,
# then every sensitivity method with the measured effect on the worker, the
# table with its Spearman rows and one scatter plot per method.
open ${SRC}/assets/demo/mlp.safetensors
wait
select fc1.weight
wait
show "Compare methods" on
scmp options 8 5 on on
scmp run
scmp cancel
wait
scmp assert status == empty
scmp assert error == cancelled
scmp specs int2,int3,int4
scmp run
wait 170
scmp assert status == ready
scmp assert measured == 1
scmp assert rows == 9
scmp assert methods == 12
scmp assert rho sse > 0.5
scmp assert rho imatrix_w > 0.5
frames 3
screenshot ${OUT}/sens_compare.png
export png "Compare methods" ${OUT}/sens_compare_window.png
frames 3
