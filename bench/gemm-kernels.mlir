// GEMM kernels of the benchmark: one zen.linear per weight shape and dtype.
// Built by zen-bench-compile (the CPU pipeline, then an object for the host)
// into the gemm benchmark; rows (M) are dynamic, as in a model.
// Shapes: 2048x2048 and the Qwen3-0.6B projections (N = out, K = in).

// square
func.func @gemm_f32_n2048_k2048(%x: tensor<?x2048xf32>, %w: tensor<2048x2048xf32>) -> tensor<?x2048xf32> {
  %y = zen.linear %x, %w : tensor<?x2048xf32>, tensor<2048x2048xf32>
  return %y : tensor<?x2048xf32>
}
// q_proj
func.func @gemm_f32_n2048_k1024(%x: tensor<?x1024xf32>, %w: tensor<2048x1024xf32>) -> tensor<?x2048xf32> {
  %y = zen.linear %x, %w : tensor<?x1024xf32>, tensor<2048x1024xf32>
  return %y : tensor<?x2048xf32>
}
// k_proj/v_proj
func.func @gemm_f32_n1024_k1024(%x: tensor<?x1024xf32>, %w: tensor<1024x1024xf32>) -> tensor<?x1024xf32> {
  %y = zen.linear %x, %w : tensor<?x1024xf32>, tensor<1024x1024xf32>
  return %y : tensor<?x1024xf32>
}
// o_proj
func.func @gemm_f32_n1024_k2048(%x: tensor<?x2048xf32>, %w: tensor<1024x2048xf32>) -> tensor<?x1024xf32> {
  %y = zen.linear %x, %w : tensor<?x2048xf32>, tensor<1024x2048xf32>
  return %y : tensor<?x1024xf32>
}
// gate_proj/up_proj
func.func @gemm_f32_n3072_k1024(%x: tensor<?x1024xf32>, %w: tensor<3072x1024xf32>) -> tensor<?x3072xf32> {
  %y = zen.linear %x, %w : tensor<?x1024xf32>, tensor<3072x1024xf32>
  return %y : tensor<?x3072xf32>
}
// down_proj
func.func @gemm_f32_n1024_k3072(%x: tensor<?x3072xf32>, %w: tensor<1024x3072xf32>) -> tensor<?x1024xf32> {
  %y = zen.linear %x, %w : tensor<?x3072xf32>, tensor<1024x3072xf32>
  return %y : tensor<?x1024xf32>
}
// lm_head
func.func @gemm_f32_n151936_k1024(%x: tensor<?x1024xf32>, %w: tensor<151936x1024xf32>) -> tensor<?x151936xf32> {
  %y = zen.linear %x, %w : tensor<?x1024xf32>, tensor<151936x1024xf32>
  return %y : tensor<?x151936xf32>
}
// square
func.func @gemm_bf16_n2048_k2048(%x: tensor<?x2048xbf16>, %w: tensor<2048x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = zen.linear %x, %w : tensor<?x2048xbf16>, tensor<2048x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
// q_proj
func.func @gemm_bf16_n2048_k1024(%x: tensor<?x1024xbf16>, %w: tensor<2048x1024xbf16>) -> tensor<?x2048xbf16> {
  %y = zen.linear %x, %w : tensor<?x1024xbf16>, tensor<2048x1024xbf16>
  return %y : tensor<?x2048xbf16>
}
// k_proj/v_proj
func.func @gemm_bf16_n1024_k1024(%x: tensor<?x1024xbf16>, %w: tensor<1024x1024xbf16>) -> tensor<?x1024xbf16> {
  %y = zen.linear %x, %w : tensor<?x1024xbf16>, tensor<1024x1024xbf16>
  return %y : tensor<?x1024xbf16>
}
// o_proj
func.func @gemm_bf16_n1024_k2048(%x: tensor<?x2048xbf16>, %w: tensor<1024x2048xbf16>) -> tensor<?x1024xbf16> {
  %y = zen.linear %x, %w : tensor<?x2048xbf16>, tensor<1024x2048xbf16>
  return %y : tensor<?x1024xbf16>
}
// gate_proj/up_proj
func.func @gemm_bf16_n3072_k1024(%x: tensor<?x1024xbf16>, %w: tensor<3072x1024xbf16>) -> tensor<?x3072xbf16> {
  %y = zen.linear %x, %w : tensor<?x1024xbf16>, tensor<3072x1024xbf16>
  return %y : tensor<?x3072xbf16>
}
// down_proj
func.func @gemm_bf16_n1024_k3072(%x: tensor<?x3072xbf16>, %w: tensor<1024x3072xbf16>) -> tensor<?x1024xbf16> {
  %y = zen.linear %x, %w : tensor<?x3072xbf16>, tensor<1024x3072xbf16>
  return %y : tensor<?x1024xbf16>
}
// lm_head
func.func @gemm_bf16_n151936_k1024(%x: tensor<?x1024xbf16>, %w: tensor<151936x1024xbf16>) -> tensor<?x151936xbf16> {
  %y = zen.linear %x, %w : tensor<?x1024xbf16>, tensor<151936x1024xbf16>
  return %y : tensor<?x151936xbf16>
}
