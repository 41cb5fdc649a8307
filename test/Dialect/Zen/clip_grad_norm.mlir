// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// The LoRA A/B gradients of Qwen3-0.6B's q_proj (r = 8), clipped to norm 1.
// CHECK-LABEL: func.func @lora_grads
// CHECK: %[[C:.*]]:2, %[[N:.*]] = zen.clip_grad_norm %arg0, %arg1 {max_norm = 1.000000e+00 : f64} : tensor<8x1024xf32>, tensor<2048x8xf32>
// CHECK: return %[[C]]#0, %[[C]]#1, %[[N]] : tensor<8x1024xf32>, tensor<2048x8xf32>, tensor<f32>
func.func @lora_grads(%ga: tensor<8x1024xf32>, %gb: tensor<2048x8xf32>)
    -> (tensor<8x1024xf32>, tensor<2048x8xf32>, tensor<f32>) {
  %clipped:2, %norm = zen.clip_grad_norm %ga, %gb {max_norm = 1.0 : f64}
      : tensor<8x1024xf32>, tensor<2048x8xf32>
  return %clipped#0, %clipped#1, %norm : tensor<8x1024xf32>, tensor<2048x8xf32>, tensor<f32>
}

// One gradient; mixed dtypes keep their own types.
// CHECK-LABEL: func.func @single_and_mixed
// CHECK: zen.clip_grad_norm %arg0 {max_norm = 5.000000e-01 : f64} : tensor<1024xbf16>
// CHECK: zen.clip_grad_norm %arg0, %arg1 {max_norm = 1.000000e+00 : f64} : tensor<1024xbf16>, tensor<4x4xf32>
func.func @single_and_mixed(%g: tensor<1024xbf16>, %h: tensor<4x4xf32>) -> tensor<1024xbf16> {
  %c, %n = zen.clip_grad_norm %g {max_norm = 0.5 : f64} : tensor<1024xbf16>
  %c2:2, %n2 = zen.clip_grad_norm %g, %h {max_norm = 1.0 : f64} : tensor<1024xbf16>, tensor<4x4xf32>
  return %c : tensor<1024xbf16>
}
