// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// Qwen3-0.6B: hidden 1024, intermediate 3072.
// CHECK-LABEL: func.func @qwen3_06b
// CHECK: %[[Y:.*]] = zen.mlp %arg0, %arg1, %arg2, %arg3 : tensor<?x?x1024xf32>, tensor<3072x1024xf32>, tensor<3072x1024xf32>, tensor<1024x3072xf32>
// CHECK: return %[[Y]] : tensor<?x?x1024xf32>
func.func @qwen3_06b(%x: tensor<?x?x1024xf32>,
                     %wg: tensor<3072x1024xf32> {zen.param = "model.layers.0.mlp.gate_proj.weight"},
                     %wu: tensor<3072x1024xf32> {zen.param = "model.layers.0.mlp.up_proj.weight"},
                     %wd: tensor<1024x3072xf32> {zen.param = "model.layers.0.mlp.down_proj.weight"})
    -> tensor<?x?x1024xf32> {
  %y = zen.mlp %x, %wg, %wu, %wd
      : tensor<?x?x1024xf32>, tensor<3072x1024xf32>, tensor<3072x1024xf32>, tensor<1024x3072xf32>
  return %y : tensor<?x?x1024xf32>
}

// Qwen3-Next shared expert over flattened tokens, bf16: hidden 2048, width 512.
// CHECK-LABEL: func.func @next_shared_expert
// CHECK: zen.mlp %arg0, %arg1, %arg2, %arg3 : tensor<?x2048xbf16>, tensor<512x2048xbf16>, tensor<512x2048xbf16>, tensor<2048x512xbf16>
func.func @next_shared_expert(%x: tensor<?x2048xbf16>, %wg: tensor<512x2048xbf16>,
                              %wu: tensor<512x2048xbf16>, %wd: tensor<2048x512xbf16>) -> tensor<?x2048xbf16> {
  %y = zen.mlp %x, %wg, %wu, %wd
      : tensor<?x2048xbf16>, tensor<512x2048xbf16>, tensor<512x2048xbf16>, tensor<2048x512xbf16>
  return %y : tensor<?x2048xbf16>
}
