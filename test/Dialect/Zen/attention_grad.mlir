// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B training forward: 16 query heads, 8 KV heads, padding mask.
// CHECK-LABEL: func.func @qwen3
// CHECK: = zen.attention_grad %arg0, %arg1, %arg2, %arg3 mask(%arg4 : tensor<?x?xi64>) {causal} : tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>, tensor<?x?x8x128xf32> -> q_grad(tensor<?x?x16x128xf32>) k_grad(tensor<?x?x8x128xf32>) v_grad(tensor<?x?x8x128xf32>)
func.func @qwen3(%dy: tensor<?x?x16x128xf32>, %q: tensor<?x?x16x128xf32>, %k: tensor<?x?x8x128xf32>,
                 %v: tensor<?x?x8x128xf32>, %m: tensor<?x?xi64>)
    -> (tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>, tensor<?x?x8x128xf32>) {
  %dq, %dk, %dv = zen.attention_grad %dy, %q, %k, %v mask(%m : tensor<?x?xi64>) {causal}
      : tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>, tensor<?x?x8x128xf32>
      -> q_grad(tensor<?x?x16x128xf32>) k_grad(tensor<?x?x8x128xf32>) v_grad(tensor<?x?x8x128xf32>)
  return %dq, %dk, %dv : tensor<?x?x16x128xf32>, tensor<?x?x8x128xf32>, tensor<?x?x8x128xf32>
}

// Qwen3-Next gated attention: every gradient, including the gate's.
// CHECK-LABEL: func.func @gated
// CHECK: = zen.attention_grad %arg0, %arg1, %arg2, %arg3 gate(%arg4) {causal, scale = 6.250000e-02 : f64} : tensor<1x5x16x256xbf16>, tensor<1x5x2x256xbf16>, tensor<1x5x2x256xbf16> -> q_grad(tensor<1x5x16x256xbf16>) k_grad(tensor<1x5x2x256xbf16>) v_grad(tensor<1x5x2x256xbf16>) gate_grad(tensor<1x5x16x256xbf16>)
func.func @gated(%dy: tensor<1x5x16x256xbf16>, %q: tensor<1x5x16x256xbf16>, %k: tensor<1x5x2x256xbf16>,
                 %v: tensor<1x5x2x256xbf16>, %g: tensor<1x5x16x256xbf16>)
    -> (tensor<1x5x16x256xbf16>, tensor<1x5x2x256xbf16>, tensor<1x5x2x256xbf16>, tensor<1x5x16x256xbf16>) {
  %dq, %dk, %dv, %dg = zen.attention_grad %dy, %q, %k, %v gate(%g) {causal, scale = 0.0625 : f64}
      : tensor<1x5x16x256xbf16>, tensor<1x5x2x256xbf16>, tensor<1x5x2x256xbf16>
      -> q_grad(tensor<1x5x16x256xbf16>) k_grad(tensor<1x5x2x256xbf16>) v_grad(tensor<1x5x2x256xbf16>)
         gate_grad(tensor<1x5x16x256xbf16>)
  return %dq, %dk, %dv, %dg : tensor<1x5x16x256xbf16>, tensor<1x5x2x256xbf16>, tensor<1x5x2x256xbf16>, tensor<1x5x16x256xbf16>
}

// Only v is trained (k and q frozen): one result.
// CHECK-LABEL: func.func @v_only
// CHECK: zen.attention_grad %arg0, %arg1, %arg2, %arg3 : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32> -> v_grad(tensor<2x3x2x8xf32>)
func.func @v_only(%dy: tensor<2x3x4x8xf32>, %q: tensor<2x3x4x8xf32>, %k: tensor<2x3x2x8xf32>, %v: tensor<2x3x2x8xf32>)
    -> tensor<2x3x2x8xf32> {
  %dv = zen.attention_grad %dy, %q, %k, %v : tensor<2x3x4x8xf32>, tensor<2x3x2x8xf32>, tensor<2x3x2x8xf32>
      -> v_grad(tensor<2x3x2x8xf32>)
  return %dv : tensor<2x3x2x8xf32>
}
