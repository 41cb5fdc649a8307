// RUN: zen-opt %s --zen-differentiate --split-input-file | FileCheck %s

// Full training of a Qwen3-Next style block: the routing is recomputed with
// zen.moe_router, zen.moe_grad builds every gradient of the experts and the
// shared expert plus the routing-weight cotangent, zen.moe_router_grad takes
// that into the input and router_w, and the two input gradients are summed.
// CHECK-LABEL: func.func @full_vjp(
// CHECK: %[[W:.*]], %[[I:.*]] = zen.moe_router %{{.*}}, %{{.*}} {norm_topk_prob, top_k = 2 : i64}
// CHECK: %[[DXE:[^,]*]], %[[DWS:[^,]*]], %[[DG:[^,]*]], %[[DU:[^,]*]], %[[DD:[^,]*]], %[[DSG:[^,]*]], %[[DSU:[^,]*]], %[[DSD:[^,]*]], %[[DSEG:[^,]*]] = zen.moe_grad %{{.*}}, %[[W]], %[[I]], {{.*}} shared({{.*}}) : {{.*}} -> input_grad tensor<?x?x16xf32> weights_grad tensor<?x?x2xf32> gate_w_grad tensor<6x8x16xf32> up_w_grad tensor<6x8x16xf32> down_w_grad tensor<6x16x8xf32> shared_gate_w_grad tensor<10x16xf32> shared_up_w_grad tensor<10x16xf32> shared_down_w_grad tensor<16x10xf32> shared_expert_gate_w_grad tensor<1x16xf32>
// CHECK: %[[DXR:[^,]*]], %[[DR:[^,]*]] = zen.moe_router_grad %{{.*}}, %{{.*}}, %[[I]], %[[DWS]] {norm_topk_prob} : {{.*}} -> input_grad tensor<?x?x16xf32> router_w_grad tensor<6x16xf32>
// CHECK: %[[DX:.*]] = arith.addf %[[DXE]], %[[DXR]]
// CHECK: return %[[DX]], %[[DR]], %[[DG]], %[[DU]], %[[DD]], %[[DSG]], %[[DSU]], %[[DSD]], %[[DSEG]] :
func.func @full(%x: tensor<?x?x16xf32>, %r: tensor<6x16xf32>, %g: tensor<6x8x16xf32>,
    %u: tensor<6x8x16xf32>, %d: tensor<6x16x8xf32>, %sg: tensor<10x16xf32>,
    %su: tensor<10x16xf32>, %sd: tensor<16x10xf32>, %seg: tensor<1x16xf32>)
    -> tensor<?x?x16xf32> attributes {zen.differentiate} {
  %y = zen.moe %x, %r, %g, %u, %d shared(%sg, %su, %sd, %seg) {norm_topk_prob, top_k = 2 : i64}
      : tensor<?x?x16xf32>, tensor<6x16xf32>, tensor<6x8x16xf32>, tensor<6x8x16xf32>,
        tensor<6x16x8xf32>, tensor<10x16xf32>, tensor<10x16xf32>, tensor<16x10xf32>,
        tensor<1x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// LoRA training: router, experts and shared expert frozen (zen.no_grad).
// Only the input gradient and the routing-weight cotangent are built; no
// expert, shared or router weight gradient.
// CHECK-LABEL: func.func @lora_vjp(
// CHECK: zen.moe_router
// CHECK: %[[DXE:[^,]*]], %[[DWS:[^,]*]] = zen.moe_grad {{.*}} -> input_grad tensor<?x16xf32> weights_grad tensor<?x2xf32>{{$}}
// CHECK: %[[DXR:.*]] = zen.moe_router_grad {{.*}}, %[[DWS]] {norm_topk_prob} : {{.*}} -> input_grad tensor<?x16xf32>{{$}}
// CHECK: %[[DX:.*]] = arith.addf %[[DXE]], %[[DXR]]
// CHECK-NOT: _w_grad
// CHECK: return %[[DX]] : tensor<?x16xf32>
func.func @lora(%x: tensor<?x16xf32>, %r: tensor<6x16xf32> {zen.no_grad},
    %g: tensor<6x8x16xf32> {zen.no_grad}, %u: tensor<6x8x16xf32> {zen.no_grad},
    %d: tensor<6x16x8xf32> {zen.no_grad}, %sg: tensor<10x16xf32> {zen.no_grad},
    %su: tensor<10x16xf32> {zen.no_grad}, %sd: tensor<16x10xf32> {zen.no_grad},
    %seg: tensor<1x16xf32> {zen.no_grad}) -> tensor<?x16xf32> attributes {zen.differentiate} {
  %y = zen.moe %x, %r, %g, %u, %d shared(%sg, %su, %sd, %seg) {norm_topk_prob, top_k = 2 : i64}
      : tensor<?x16xf32>, tensor<6x16xf32>, tensor<6x8x16xf32>, tensor<6x8x16xf32>,
        tensor<6x16x8xf32>, tensor<10x16xf32>, tensor<10x16xf32>, tensor<16x10xf32>,
        tensor<1x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Only the expert weights are trained (input and router frozen): no routing
// weight cotangent, no zen.moe_router_grad.
// CHECK-LABEL: func.func @experts_only_vjp(
// CHECK: zen.moe_router
// CHECK: %[[DG:[^,]*]], %[[DU:[^,]*]], %[[DD:[^,]*]] = zen.moe_grad {{.*}} -> gate_w_grad tensor<6x8x16xf32> up_w_grad tensor<6x8x16xf32> down_w_grad tensor<6x16x8xf32>{{$}}
// CHECK-NOT: zen.moe_router_grad
// CHECK: return %[[DG]], %[[DU]], %[[DD]] :
func.func @experts_only(%x: tensor<?x16xf32> {zen.no_grad}, %r: tensor<6x16xf32> {zen.no_grad},
    %g: tensor<6x8x16xf32>, %u: tensor<6x8x16xf32>, %d: tensor<6x16x8xf32>)
    -> tensor<?x16xf32> attributes {zen.differentiate} {
  %y = zen.moe %x, %r, %g, %u, %d {top_k = 2 : i64}
      : tensor<?x16xf32>, tensor<6x16xf32>, tensor<6x8x16xf32>, tensor<6x8x16xf32>,
        tensor<6x16x8xf32>
  return %y : tensor<?x16xf32>
}

// -----

// The router alone: its indices (no cotangent) fix the selection; the
// weights' cotangent goes through zen.moe_router_grad. router_w frozen: only
// the input gradient.
// CHECK-LABEL: func.func @router_vjp(
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x16xf32>, %[[R:[^:]*]]: tensor<6x16xf32> {zen.no_grad}, %[[DW:[^:]*]]: tensor<?x2xf32>)
// CHECK: %[[W:.*]], %[[I:.*]] = zen.moe_router %[[X]], %[[R]] {top_k = 2 : i64}
// CHECK: %[[DX:.*]] = zen.moe_router_grad %[[X]], %[[R]], %[[I]], %[[DW]] : {{.*}} -> input_grad tensor<?x16xf32>{{$}}
// CHECK: return %[[DX]]
func.func @router(%x: tensor<?x16xf32>, %r: tensor<6x16xf32> {zen.no_grad}) -> tensor<?x2xf32>
    attributes {zen.differentiate} {
  %w, %i = zen.moe_router %x, %r {top_k = 2 : i64} : tensor<?x16xf32>, tensor<6x16xf32>
  return %w : tensor<?x2xf32>
}
