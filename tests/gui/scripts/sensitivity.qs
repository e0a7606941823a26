# The Sensitivity window on the demo MLP (issue 6): Hessian traces and the cost table
# on the worker, live re-planning from the budget, the measured accuracy of frontier
# points, a pin, a click on a layer's bar opening it in the explorer, exports.
open ${SRC}/assets/demo/mlp.safetensors
wait
select fc1.weight
wait
show Sensitivity on
sens compute
wait 150
sens assert status == ready
sens assert source == hessian-trace
sens assert layers == 3
sens assert accuracy == ready
sens assert accuracy_points >= 3
sens budget 3.0
wait
sens assert plan_bpw <= 3.0
sens assert plan_accuracy > 0.5
screenshot ${OUT}/sens_budget3.png
sens budget 5.0
wait
sens assert plan_bpw > 3.0
sens assert plan_bpw <= 5.0
sens pin fc3.weight int2:channel
wait
sens assert label fc3.weight == int2:channel
sens assert pins == 1
sens click fc2.weight
wait
assert tensor == fc2.weight
sens export json ${OUT}/sens_plan.json
wait
sens assert export == ready
sens export llama ${OUT}/sens_plan.sh
wait
sens assert export == ready
frames 3
screenshot ${OUT}/sensitivity.png
export png Sensitivity ${OUT}/sensitivity_window.png
frames 3
