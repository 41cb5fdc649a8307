// RUN: zen-opt %s -canonicalize -split-input-file | FileCheck %s

// A LoRA adapter scaled by 0 is dropped.
// CHECK-LABEL: func.func @zero_scale_lora
// CHECK: zen.linear %arg0, %arg1 : tensor<?x64xf32>, tensor<128x64xf32>
// CHECK-NOT: lora
func.func @zero_scale_lora(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %a: tensor<8x64xf32>, %b: tensor<128x8xf32>) -> tensor<?x128xf32> {
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 0.0 : f64} : tensor<?x64xf32>, tensor<128x64xf32>, tensor<8x64xf32>, tensor<128x8xf32>
  return %y : tensor<?x128xf32>
}

// -----

// A live adapter stays.
// CHECK-LABEL: func.func @live_lora
// CHECK: zen.linear %arg0, %arg1 lora(%arg2, %arg3)
func.func @live_lora(%x: tensor<?x64xf32>, %w: tensor<128x64xf32>, %a: tensor<8x64xf32>, %b: tensor<128x8xf32>) -> tensor<?x128xf32> {
  %y = zen.linear %x, %w lora(%a, %b) {lora_scale = 2.0 : f64} : tensor<?x64xf32>, tensor<128x64xf32>, tensor<8x64xf32>, tensor<128x8xf32>
  return %y : tensor<?x128xf32>
}

// -----

// Pure Zen ops whose results are unused disappear.
// CHECK-LABEL: func.func @dead
// CHECK-NEXT: return
func.func @dead(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  %y = zen.rms_norm %x, %w : tensor<?x64xf32>, tensor<64xf32>
  return
}
