// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// One AdamW step over a LoRA pair (r = 8 on a 1024 -> 2048 projection); torch defaults.
// CHECK-LABEL: func.func @lora_step
// CHECK: %[[P:[a-z_]+]]:2, %[[M:[a-z_]+]]:2, %[[V:[a-z_]+]]:2 = zen.adamw params(%arg0, %arg1) grads(%arg2, %arg3) exp_avg(%arg4, %arg5) exp_avg_sq(%arg6, %arg7) step(%arg8) {lr = 1.000000e-05 : f64} : tensor<8x1024xf32>, tensor<2048x8xf32>
// CHECK: return %[[P]]#0, %[[P]]#1, %[[M]]#0, %[[V]]#1 : tensor<8x1024xf32>, tensor<2048x8xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>
func.func @lora_step(%a: tensor<8x1024xf32>, %b: tensor<2048x8xf32>,
                     %ga: tensor<8x1024xf32>, %gb: tensor<2048x8xf32>,
                     %ma: tensor<8x1024xf32>, %mb: tensor<2048x8xf32>,
                     %va: tensor<8x1024xf32>, %vb: tensor<2048x8xf32>, %t: tensor<i64>)
    -> (tensor<8x1024xf32>, tensor<2048x8xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>) {
  %new:6 = zen.adamw params(%a, %b) grads(%ga, %gb) exp_avg(%ma, %mb) exp_avg_sq(%va, %vb) step(%t)
      {lr = 1.0e-5 : f64} : tensor<8x1024xf32>, tensor<2048x8xf32>
  return %new#0, %new#1, %new#2, %new#5 : tensor<8x1024xf32>, tensor<2048x8xf32>, tensor<8x1024xf32>, tensor<2048x8xf32>
}

// Every hyper-parameter set; a bf16 parameter with bf16 state, as torch keeps it.
// CHECK-LABEL: func.func @all_attrs_bf16
// CHECK: zen.adamw params(%arg0) grads(%arg1) exp_avg(%arg2) exp_avg_sq(%arg3) step(%arg4) {beta1 = 8.000000e-01 : f64, beta2 = 0.94999999999999996 : f64, eps = 9.9999999999999995E-7 : f64, lr = 2.000000e-04 : f64, weight_decay = 0.000000e+00 : f64} : tensor<1024xbf16>
func.func @all_attrs_bf16(%p: tensor<1024xbf16>, %g: tensor<1024xbf16>, %m: tensor<1024xbf16>,
                          %v: tensor<1024xbf16>, %t: tensor<i64>) -> tensor<1024xbf16> {
  %p2, %m2, %v2 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t)
      {lr = 2.0e-4 : f64, beta1 = 0.8 : f64, beta2 = 0.95 : f64, eps = 1.0e-6 : f64, weight_decay = 0.0 : f64}
      : tensor<1024xbf16>
  return %p2 : tensor<1024xbf16>
}

// A run-time learning rate replaces the attribute (schedules, --lr).
// CHECK-LABEL: func.func @runtime_lr
// CHECK: zen.adamw params(%arg0) grads(%arg1) exp_avg(%arg2) exp_avg_sq(%arg3) step(%arg4) lr(%arg5) {lr = 1.000000e-05 : f64} : tensor<16xf32>
func.func @runtime_lr(%p: tensor<16xf32>, %g: tensor<16xf32>, %m: tensor<16xf32>,
                      %v: tensor<16xf32>, %t: tensor<i64>, %lr: tensor<f32>) -> tensor<16xf32> {
  %p2, %m2, %v2 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t) lr(%lr)
      {lr = 1.0e-5 : f64} : tensor<16xf32>
  return %p2 : tensor<16xf32>
}
