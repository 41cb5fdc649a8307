// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Full fine-tuning of Qwen3-0.6B's q_proj: dx and dW.
// CHECK-LABEL: func.func @input_and_weight
// CHECK: = zen.linear_grad %arg0, %arg1, %arg2 : tensor<?x?x2048xf32>, tensor<?x?x1024xf32>, tensor<2048x1024xf32> -> input_grad(tensor<?x?x1024xf32>) weight_grad(tensor<2048x1024xf32>)
func.func @input_and_weight(%dy: tensor<?x?x2048xf32>, %x: tensor<?x?x1024xf32>, %w: tensor<2048x1024xf32>)
    -> (tensor<?x?x1024xf32>, tensor<2048x1024xf32>) {
  %dx, %dw = zen.linear_grad %dy, %x, %w : tensor<?x?x2048xf32>, tensor<?x?x1024xf32>, tensor<2048x1024xf32>
      -> input_grad(tensor<?x?x1024xf32>) weight_grad(tensor<2048x1024xf32>)
  return %dx, %dw : tensor<?x?x1024xf32>, tensor<2048x1024xf32>
}

// A frozen first layer: only the weight gradient.
// CHECK-LABEL: func.func @weight_only
// CHECK: zen.linear_grad %arg0, %arg1, %arg2 : tensor<7x40xbf16>, tensor<7x48xbf16>, tensor<40x48xbf16> -> weight_grad(tensor<40x48xbf16>)
func.func @weight_only(%dy: tensor<7x40xbf16>, %x: tensor<7x48xbf16>, %w: tensor<40x48xbf16>) -> tensor<40x48xbf16> {
  %dw = zen.linear_grad %dy, %x, %w : tensor<7x40xbf16>, tensor<7x48xbf16>, tensor<40x48xbf16>
      -> weight_grad(tensor<40x48xbf16>)
  return %dw : tensor<40x48xbf16>
}

// LoRA training: dx, dA, dB and no [out, in] weight gradient.
// CHECK-LABEL: func.func @lora
// CHECK: = zen.linear_grad %arg0, %arg1, %arg2 lora(%arg3, %arg4) {lora_scale = 2.000000e+00 : f64} : tensor<?x?x2048xf32>, tensor<?x?x1024xf32>, tensor<2048x1024xf32>, tensor<8x1024xf32>, tensor<2048x8xf32> -> input_grad(tensor<?x?x1024xf32>) lora_a_grad(tensor<8x1024xf32>) lora_b_grad(tensor<2048x8xf32>)
func.func @lora(%dy: tensor<?x?x2048xf32>, %x: tensor<?x?x1024xf32>, %w: tensor<2048x1024xf32>,
                %a: tensor<8x1024xf32>, %b: tensor<2048x8xf32>)
    -> (tensor<?x?x1024xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>) {
  %dx, %da, %db = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64}
      : tensor<?x?x2048xf32>, tensor<?x?x1024xf32>, tensor<2048x1024xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>
      -> input_grad(tensor<?x?x1024xf32>) lora_a_grad(tensor<8x1024xf32>) lora_b_grad(tensor<2048x8xf32>)
  return %dx, %da, %db : tensor<?x?x1024xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>
}
