// RUN: zen-opt %s | zen-opt | FileCheck %s
// RUN: zen-opt %s --mlir-print-op-generic | zen-opt | FileCheck %s

// The paper's clip range (the defaults, not printed); 16 completions of up to 1024 tokens.
// CHECK-LABEL: func.func @gspo_grad_defaults
// CHECK: %[[D:.*]] = zen.gspo_loss_grad %arg0, %arg1, %arg2, %arg3, %arg4 : tensor<f32>, tensor<16x1024xf32>, tensor<16x1024xf32>, tensor<16xf32>, tensor<16x1024xi1>
// CHECK: return %[[D]] : tensor<16x1024xf32>
func.func @gspo_grad_defaults(%g: tensor<f32>, %logp: tensor<16x1024xf32>, %old: tensor<16x1024xf32>,
                              %adv: tensor<16xf32>, %mask: tensor<16x1024xi1>) -> tensor<16x1024xf32> {
  %d = zen.gspo_loss_grad %g, %logp, %old, %adv, %mask
      : tensor<f32>, tensor<16x1024xf32>, tensor<16x1024xf32>, tensor<16xf32>, tensor<16x1024xi1>
  return %d : tensor<16x1024xf32>
}

// GSPO-token, a wider clip range, dynamic shapes, an f32 mask; on-policy (old = logp).
// CHECK-LABEL: func.func @gspo_grad_token
// CHECK: zen.gspo_loss_grad %arg0, %arg1, %arg1, %arg2, %arg3 {eps_high = 2.000000e-01 : f64, eps_low = 2.000000e-01 : f64, level = #zen.gspo_level<token>} : tensor<f32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>
func.func @gspo_grad_token(%g: tensor<f32>, %logp: tensor<?x?xf32>, %adv: tensor<?xf32>,
                           %mask: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %d = zen.gspo_loss_grad %g, %logp, %logp, %adv, %mask
      {eps_low = 0.2 : f64, eps_high = 0.2 : f64, level = #zen.gspo_level<token>}
      : tensor<f32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>
  return %d : tensor<?x?xf32>
}
