// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// LoRA training of a Qwen3-Omni thinker MoE layer (128 experts of width 768,
// 8 per token): the experts are frozen, so only the input gradient and the
// routing-weight gradient (for the router backward) are built.
// CHECK-LABEL: func.func @omni_lora
// CHECK: %[[DX:.*]], %[[DW:.*]] = zen.moe_grad %arg0, %arg1, %arg2, %arg3, %arg4, %arg5, %arg6 : tensor<?x?x2048xf32>, tensor<?x?x8xf32>, tensor<?x?x8xi64>, tensor<128x768x2048xf32>, tensor<128x768x2048xf32>, tensor<128x2048x768xf32>, tensor<?x?x2048xf32> -> input_grad tensor<?x?x2048xf32> weights_grad tensor<?x?x8xf32>{{$}}
// CHECK: return %[[DX]], %[[DW]]
func.func @omni_lora(%x: tensor<?x?x2048xf32>, %w: tensor<?x?x8xf32>, %idx: tensor<?x?x8xi64>,
    %gate: tensor<128x768x2048xf32>, %up: tensor<128x768x2048xf32>,
    %down: tensor<128x2048x768xf32>, %dy: tensor<?x?x2048xf32>)
    -> (tensor<?x?x2048xf32>, tensor<?x?x8xf32>) {
  %dx, %dw = zen.moe_grad %x, %w, %idx, %gate, %up, %down, %dy
      : tensor<?x?x2048xf32>, tensor<?x?x8xf32>, tensor<?x?x8xi64>, tensor<128x768x2048xf32>,
        tensor<128x768x2048xf32>, tensor<128x2048x768xf32>, tensor<?x?x2048xf32>
      -> input_grad tensor<?x?x2048xf32> weights_grad tensor<?x?x8xf32>
  return %dx, %dw : tensor<?x?x2048xf32>, tensor<?x?x8xf32>
}

// Full training of a bf16 Qwen3-Next block (512 experts of width 512, 10 per
// token, shared expert of width 512): every gradient.
// CHECK-LABEL: func.func @next_full
// CHECK: zen.moe_grad %arg0, %arg1, %arg2, %arg3, %arg4, %arg5, %arg6 shared(%arg7, %arg8, %arg9, %arg10) : tensor<?x?x2048xbf16>, tensor<?x?x10xf32>, tensor<?x?x10xi64>, tensor<512x512x2048xbf16>, tensor<512x512x2048xbf16>, tensor<512x2048x512xbf16>, tensor<?x?x2048xbf16>, tensor<512x2048xbf16>, tensor<512x2048xbf16>, tensor<2048x512xbf16>, tensor<1x2048xbf16> -> input_grad tensor<?x?x2048xbf16> weights_grad tensor<?x?x10xf32> gate_w_grad tensor<512x512x2048xbf16> up_w_grad tensor<512x512x2048xbf16> down_w_grad tensor<512x2048x512xbf16> shared_gate_w_grad tensor<512x2048xbf16> shared_up_w_grad tensor<512x2048xbf16> shared_down_w_grad tensor<2048x512xbf16> shared_expert_gate_w_grad tensor<1x2048xbf16>
func.func @next_full(%x: tensor<?x?x2048xbf16>, %w: tensor<?x?x10xf32>, %idx: tensor<?x?x10xi64>,
    %gate: tensor<512x512x2048xbf16>, %up: tensor<512x512x2048xbf16>,
    %down: tensor<512x2048x512xbf16>, %dy: tensor<?x?x2048xbf16>,
    %sgate: tensor<512x2048xbf16>, %sup: tensor<512x2048xbf16>, %sdown: tensor<2048x512xbf16>,
    %segate: tensor<1x2048xbf16>) {
  %g:9 = zen.moe_grad %x, %w, %idx, %gate, %up, %down, %dy shared(%sgate, %sup, %sdown, %segate)
      : tensor<?x?x2048xbf16>, tensor<?x?x10xf32>, tensor<?x?x10xi64>, tensor<512x512x2048xbf16>,
        tensor<512x512x2048xbf16>, tensor<512x2048x512xbf16>, tensor<?x?x2048xbf16>,
        tensor<512x2048xbf16>, tensor<512x2048xbf16>, tensor<2048x512xbf16>, tensor<1x2048xbf16>
      -> input_grad tensor<?x?x2048xbf16> weights_grad tensor<?x?x10xf32>
         gate_w_grad tensor<512x512x2048xbf16> up_w_grad tensor<512x512x2048xbf16>
         down_w_grad tensor<512x2048x512xbf16> shared_gate_w_grad tensor<512x2048xbf16>
         shared_up_w_grad tensor<512x2048xbf16> shared_down_w_grad tensor<2048x512xbf16>
         shared_expert_gate_w_grad tensor<1x2048xbf16>
  return
}

// A subset: only the down projections and the shared expert's scalar gate, on
// a single token [H].
// CHECK-LABEL: func.func @subset
// CHECK: zen.moe_grad %arg0, %arg1, %arg2, %arg3, %arg4, %arg5, %arg6 shared(%arg7, %arg8, %arg9, %arg10) : tensor<64xf32>, tensor<2xf32>, tensor<2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>, tensor<4x64x32xf32>, tensor<64xf32>, tensor<48x64xf32>, tensor<48x64xf32>, tensor<64x48xf32>, tensor<1x64xf32> -> down_w_grad tensor<4x64x32xf32> shared_expert_gate_w_grad tensor<1x64xf32>{{$}}
func.func @subset(%x: tensor<64xf32>, %w: tensor<2xf32>, %idx: tensor<2xi64>,
    %gate: tensor<4x32x64xf32>, %up: tensor<4x32x64xf32>, %down: tensor<4x64x32xf32>,
    %dy: tensor<64xf32>, %sgate: tensor<48x64xf32>, %sup: tensor<48x64xf32>,
    %sdown: tensor<64x48xf32>, %segate: tensor<1x64xf32>)
    -> (tensor<4x64x32xf32>, tensor<1x64xf32>) {
  %dd, %dseg = zen.moe_grad %x, %w, %idx, %gate, %up, %down, %dy shared(%sgate, %sup, %sdown, %segate)
      : tensor<64xf32>, tensor<2xf32>, tensor<2xi64>, tensor<4x32x64xf32>, tensor<4x32x64xf32>,
        tensor<4x64x32xf32>, tensor<64xf32>, tensor<48x64xf32>, tensor<48x64xf32>,
        tensor<64x48xf32>, tensor<1x64xf32>
      -> down_w_grad tensor<4x64x32xf32> shared_expert_gate_w_grad tensor<1x64xf32>
  return %dd, %dseg : tensor<4x64x32xf32>, tensor<1x64xf32>
}
