// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @table_rank_0(%ids: tensor<?x?xi64>, %table: tensor<f32>) {
  // expected-error @+1 {{zen.embedding expects ranked ids and a table [vocab, hidden]}}
  %x = zen.embedding %ids, %table : tensor<?x?xi64>, tensor<f32>
  return
}

// -----

func.func @table_rank_1(%ids: tensor<?x?xi64>, %table: tensor<151936xf32>) {
  // expected-error @+1 {{'zen.embedding' op expects table to have rank 2 [vocab, hidden], found 'tensor<151936xf32>' of rank 1}}
  %x = zen.embedding %ids, %table : tensor<?x?xi64>, tensor<151936xf32>
  return
}

// -----

func.func @table_rank_3(%ids: tensor<?x?xi64>, %table: tensor<2x64x16xf32>) {
  // expected-error @+1 {{'zen.embedding' op expects table to have rank 2 [vocab, hidden], found 'tensor<2x64x16xf32>' of rank 3}}
  %x = zen.embedding %ids, %table : tensor<?x?xi64>, tensor<2x64x16xf32>
  return
}

// -----

func.func @float_ids(%ids: tensor<?x?xf32>, %table: tensor<64x16xf32>) {
  // expected-error @+1 {{'zen.embedding' op operand #0 must be ranked tensor of 64-bit signless integer or 32-bit signless integer values, but got 'tensor<?x?xf32>'}}
  %x = zen.embedding %ids, %table : tensor<?x?xf32>, tensor<64x16xf32>
  return
}

// -----

// A result type that disagrees with the table's hidden size (generic form).
func.func @wrong_result(%ids: tensor<?x?xi64>, %table: tensor<64x16xf32>) {
  // expected-error @+2 {{'zen.embedding' op inferred type(s) 'tensor<?x?x16xf32>' are incompatible with return type(s) of operation 'tensor<?x?x32xf32>'}}
  // expected-error @+1 {{'zen.embedding' op failed to infer returned types}}
  %x = "zen.embedding"(%ids, %table) : (tensor<?x?xi64>, tensor<64x16xf32>) -> tensor<?x?x32xf32>
  return
}
