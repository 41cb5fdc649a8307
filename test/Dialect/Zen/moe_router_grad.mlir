// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-Omni thinker router (128 experts, 8 per token), full training: both
// gradients.
// CHECK-LABEL: func.func @omni_router_grad
// CHECK: %[[DX:.*]], %[[DR:.*]] = zen.moe_router_grad %arg0, %arg1, %arg2, %arg3 {norm_topk_prob} : tensor<?x?x2048xf32>, tensor<128x2048xf32>, tensor<?x?x8xi64>, tensor<?x?x8xf32> -> input_grad tensor<?x?x2048xf32> router_w_grad tensor<128x2048xf32>
// CHECK: return %[[DX]], %[[DR]]
func.func @omni_router_grad(%x: tensor<?x?x2048xf32>, %router: tensor<128x2048xf32>,
    %idx: tensor<?x?x8xi64>, %dw: tensor<?x?x8xf32>)
    -> (tensor<?x?x2048xf32>, tensor<128x2048xf32>) {
  %dx, %dr = zen.moe_router_grad %x, %router, %idx, %dw {norm_topk_prob}
      : tensor<?x?x2048xf32>, tensor<128x2048xf32>, tensor<?x?x8xi64>, tensor<?x?x8xf32>
      -> input_grad tensor<?x?x2048xf32> router_w_grad tensor<128x2048xf32>
  return %dx, %dr : tensor<?x?x2048xf32>, tensor<128x2048xf32>
}

// LoRA training, bf16 Qwen3-Next router (512 experts, 10 per token): the
// router is frozen, only the input gradient.
// CHECK-LABEL: func.func @next_input_only
// CHECK: zen.moe_router_grad %arg0, %arg1, %arg2, %arg3 : tensor<16x2048xbf16>, tensor<512x2048xbf16>, tensor<16x10xi64>, tensor<16x10xf32> -> input_grad tensor<16x2048xbf16>{{$}}
func.func @next_input_only(%x: tensor<16x2048xbf16>, %router: tensor<512x2048xbf16>,
    %idx: tensor<16x10xi64>, %dw: tensor<16x10xf32>) -> tensor<16x2048xbf16> {
  %dx = zen.moe_router_grad %x, %router, %idx, %dw
      : tensor<16x2048xbf16>, tensor<512x2048xbf16>, tensor<16x10xi64>, tensor<16x10xf32>
      -> input_grad tensor<16x2048xbf16>
  return %dx : tensor<16x2048xbf16>
}

// Only the router weight (input not differentiated); a single token [H] and a
// dynamic expert count.
// CHECK-LABEL: func.func @router_only
// CHECK: zen.moe_router_grad %arg0, %arg1, %arg2, %arg3 : tensor<64xf32>, tensor<?x64xf32>, tensor<2xi64>, tensor<2xf32> -> router_w_grad tensor<?x64xf32>
func.func @router_only(%x: tensor<64xf32>, %router: tensor<?x64xf32>, %idx: tensor<2xi64>,
    %dw: tensor<2xf32>) -> tensor<?x64xf32> {
  %dr = zen.moe_router_grad %x, %router, %idx, %dw
      : tensor<64xf32>, tensor<?x64xf32>, tensor<2xi64>, tensor<2xf32>
      -> router_w_grad tensor<?x64xf32>
  return %dr : tensor<?x64xf32>
}
