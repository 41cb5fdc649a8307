// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @table_rank(%dy: tensor<2x3x16xf32>, %ids: tensor<2x3xi64>, %t: tensor<16xf32>) {
  // expected-error @+1 {{'zen.embedding_grad' op expects table to have rank 2 [vocab, hidden], found 'tensor<16xf32>' of rank 1}}
  %dt = zen.embedding_grad %dy, %ids, %t : tensor<2x3x16xf32>, tensor<2x3xi64>, tensor<16xf32>
  return
}

// -----

func.func @output_grad(%dy: tensor<2x4x16xf32>, %ids: tensor<2x3xi64>, %t: tensor<100x16xf32>) {
  // expected-error @+1 {{'zen.embedding_grad' op expects output_grad to have the shape and element type of the forward result: expected 'tensor<2x3x16xf32>', found 'tensor<2x4x16xf32>'}}
  %dt = zen.embedding_grad %dy, %ids, %t : tensor<2x4x16xf32>, tensor<2x3xi64>, tensor<100x16xf32>
  return
}

// -----

func.func @output_grad_type(%dy: tensor<2x3x16xbf16>, %ids: tensor<2x3xi64>, %t: tensor<100x16xf32>) {
  // expected-error @+1 {{'zen.embedding_grad' op expects output_grad to have the shape and element type of the forward result: expected 'tensor<2x3x16xf32>', found 'tensor<2x3x16xbf16>'}}
  %dt = zen.embedding_grad %dy, %ids, %t : tensor<2x3x16xbf16>, tensor<2x3xi64>, tensor<100x16xf32>
  return
}
