// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.linear_grad

// dx = dy · W as the x · Wᵀ contraction the CPU codegen tiles (on Wᵀ, a
// static copy of the weight). dW = Σ_rows dyᵀ x runs in static chunks of 256
// rows: dy and x transposed to [out, rows] and [in, rows], zero-padded to
// whole chunks, then an scf.for of x·Wᵀ-shaped contractions (the GEMM
// kernels' form, static on both sides) summed in place into the carried dW.

// CHECK-DAG:   #[[T:.+]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG:   #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[W:.+]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG:   #[[Y:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ROWS_LAST:.+]] = affine_map<(d0, d1, d2) -> (d1, d2, d0)>
// CHECK-DAG:   #[[CX:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:   #[[CW:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:   #[[CY:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @input_and_weight
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<?x?x2048xbf16>, %[[IN:[^:]+]]: tensor<?x?x1024xbf16>, %[[WQ:[^:]+]]: tensor<2048x1024xbf16>
// CHECK-NOT:     tensor.expand_shape
// CHECK:         %[[WT:.+]] = linalg.generic {indexing_maps = [#[[T]], #{{.+}}]
// CHECK-SAME:      ins(%[[WQ]] : tensor<2048x1024xbf16>) outs(%{{.+}} : tensor<1024x2048xbf16>)
// CHECK:         %[[DX:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[X]], #[[W]], #[[Y]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[DY]], %[[WT]] : tensor<?x?x2048xbf16>, tensor<1024x2048xbf16>) outs(%{{.+}} : tensor<?x?x1024xf32>)
// CHECK:         %[[DXB:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[DX]] : tensor<?x?x1024xf32>) outs(%{{.+}} : tensor<?x?x1024xbf16>)
// CHECK:           arith.truncf
// CHECK:         %[[DYT:.+]] = linalg.generic {indexing_maps = [#[[ROWS_LAST]], #{{.+}}]
// CHECK-SAME:      ins(%[[DY]] : tensor<?x?x2048xbf16>) outs(%{{.+}} : tensor<2048x?x?xbf16>)
// CHECK:         %[[DYC:.+]] = tensor.collapse_shape %[[DYT]] {{\[}}[0], [1, 2]] : tensor<2048x?x?xbf16> into tensor<2048x?xbf16>
// CHECK:         %[[XT:.+]] = linalg.generic {indexing_maps = [#[[ROWS_LAST]], #{{.+}}]
// CHECK-SAME:      ins(%[[IN]] : tensor<?x?x1024xbf16>) outs(%{{.+}} : tensor<1024x?x?xbf16>)
// CHECK:         %[[XC:.+]] = tensor.collapse_shape %[[XT]]
// CHECK:         %[[ROWS:.+]] = tensor.dim %[[DYC]], %{{.+}} : tensor<2048x?xbf16>
// CHECK:         %[[C256:.+]] = arith.constant 256 : index
// CHECK:         %[[CHUNKS:.+]] = arith.ceildivui %[[ROWS]], %[[C256]]
// CHECK:         %[[PADDED:.+]] = arith.muli %[[CHUNKS]], %[[C256]]
// CHECK:         %[[DYP:.+]] = tensor.insert_slice %[[DYC]] into %{{.+}}[0, 0] [2048, %[[ROWS]]] [1, 1] : tensor<2048x?xbf16> into tensor<2048x?xbf16>
// CHECK:         %[[XP:.+]] = tensor.insert_slice %[[XC]] into %{{.+}}[0, 0] [1024, %[[ROWS]]] [1, 1] : tensor<1024x?xbf16> into tensor<1024x?xbf16>
// CHECK:         %[[DW:.+]] = scf.for %[[R0:.+]] = %{{.+}} to %[[PADDED]] step %[[C256]] iter_args(%[[ACC:.+]] = %{{.+}}) -> (tensor<2048x1024xf32>)
// CHECK:           %[[A:.+]] = tensor.extract_slice %[[DYP]][0, %[[R0]]] [2048, 256] [1, 1] : tensor<2048x?xbf16> to tensor<2048x256xbf16>
// CHECK:           %[[B:.+]] = tensor.extract_slice %[[XP]][0, %[[R0]]] [1024, 256] [1, 1] : tensor<1024x?xbf16> to tensor<1024x256xbf16>
// CHECK:           %[[PART:.+]] = linalg.generic {indexing_maps = [#[[CX]], #[[CW]], #[[CY]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME:        ins(%[[A]], %[[B]] : tensor<2048x256xbf16>, tensor<1024x256xbf16>) outs(%{{.+}} : tensor<2048x1024xf32>)
// CHECK:           %[[SUM:.+]] = linalg.generic {{.+}} ins(%[[PART]] : tensor<2048x1024xf32>) outs(%[[ACC]] : tensor<2048x1024xf32>)
// CHECK:           scf.yield %[[SUM]]
// CHECK:         %[[DWB:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[DW]] : tensor<2048x1024xf32>) outs(%{{.+}} : tensor<2048x1024xbf16>)
// CHECK:         return %[[DXB]], %[[DWB]]
func.func @input_and_weight(%dy: tensor<?x?x2048xbf16>, %x: tensor<?x?x1024xbf16>, %w: tensor<2048x1024xbf16>)
    -> (tensor<?x?x1024xbf16>, tensor<2048x1024xbf16>) {
  %dx, %dw = zen.linear_grad %dy, %x, %w : tensor<?x?x2048xbf16>, tensor<?x?x1024xbf16>, tensor<2048x1024xbf16>
      -> input_grad(tensor<?x?x1024xbf16>) weight_grad(tensor<2048x1024xbf16>)
  return %dx, %dw : tensor<?x?x1024xbf16>, tensor<2048x1024xbf16>
}

// -----

// LoRA training: dy·B is shared by dx and dA; no [out, in] reduction is built
// (the frozen weight only feeds dx through its transpose).

// CHECK-LABEL: func.func @lora
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<?x40xf32>, %[[IN:[^:]+]]: tensor<?x48xf32>, %[[W:[^:]+]]: tensor<40x48xf32>, %[[A:[^:]+]]: tensor<4x48xf32>, %[[B:[^:]+]]: tensor<40x4xf32>
// CHECK:         %[[BT:.+]] = linalg.generic {{.+}} ins(%[[B]] : tensor<40x4xf32>) outs(%{{.+}} : tensor<4x40xf32>)
// CHECK:         %[[DYB:.+]] = linalg.generic {{.+}} ins(%[[DY]], %[[BT]] : tensor<?x40xf32>, tensor<4x40xf32>) outs(%{{.+}} : tensor<?x4xf32>)
// CHECK:         %[[WT:.+]] = linalg.generic {{.+}} ins(%[[W]] : tensor<40x48xf32>) outs(%{{.+}} : tensor<48x40xf32>)
// CHECK:         %[[BASE:.+]] = linalg.generic {{.+}} ins(%[[DY]], %[[WT]] : tensor<?x40xf32>, tensor<48x40xf32>)
// CHECK:         %[[AT:.+]] = linalg.generic {{.+}} ins(%[[A]] : tensor<4x48xf32>) outs(%{{.+}} : tensor<48x4xf32>)
// CHECK:         %[[LORA:.+]] = linalg.generic {{.+}} ins(%[[DYB]], %[[AT]] : tensor<?x4xf32>, tensor<48x4xf32>)
// CHECK:         %[[DX:.+]] = linalg.generic {{.+}} ins(%[[BASE]], %[[LORA]] :
// CHECK:           arith.constant 2.000000e+00 : f32
// dA = s Σ (dy B)ᵀ x and dB = s Σ dyᵀ (x Aᵀ): chunked row reductions of
// static GEMM-shaped contractions, as dW above.
// CHECK:         linalg.generic {{.+}} ins(%[[DYB]] : tensor<?x4xf32>) outs(%{{.+}} : tensor<4x?xf32>)
// CHECK:         linalg.generic {{.+}} ins(%[[IN]] : tensor<?x48xf32>) outs(%{{.+}} : tensor<48x?xf32>)
// CHECK:         %[[DA:.+]] = scf.for {{.+}} -> (tensor<4x48xf32>)
// CHECK:           linalg.generic {{.+}} ins(%{{.+}}, %{{.+}} : tensor<4x256xf32>, tensor<48x256xf32>) outs(%{{.+}} : tensor<4x48xf32>)
// CHECK:         %[[DAS:.+]] = linalg.generic {{.+}} ins(%[[DA]] : tensor<4x48xf32>)
// CHECK:         %[[XA:.+]] = linalg.generic {{.+}} ins(%[[IN]], %[[A]] : tensor<?x48xf32>, tensor<4x48xf32>)
// CHECK:         linalg.generic {{.+}} ins(%[[DY]] : tensor<?x40xf32>) outs(%{{.+}} : tensor<40x?xf32>)
// CHECK:         linalg.generic {{.+}} ins(%[[XA]] : tensor<?x4xf32>) outs(%{{.+}} : tensor<4x?xf32>)
// CHECK:         %[[DB:.+]] = scf.for {{.+}} -> (tensor<40x4xf32>)
// CHECK:           linalg.generic {{.+}} ins(%{{.+}}, %{{.+}} : tensor<40x256xf32>, tensor<4x256xf32>) outs(%{{.+}} : tensor<40x4xf32>)
// CHECK-NOT:     tensor<40x48xf32>) {
// CHECK:         return %[[DX]], %[[DAS]], %{{.+}} : tensor<?x48xf32>, tensor<4x48xf32>, tensor<40x4xf32>
func.func @lora(%dy: tensor<?x40xf32>, %x: tensor<?x48xf32>, %w: tensor<40x48xf32>, %a: tensor<4x48xf32>,
                %b: tensor<40x4xf32>) -> (tensor<?x48xf32>, tensor<4x48xf32>, tensor<40x4xf32>) {
  %dx, %da, %db = zen.linear_grad %dy, %x, %w lora(%a, %b) {lora_scale = 2.0 : f64}
      : tensor<?x40xf32>, tensor<?x48xf32>, tensor<40x48xf32>, tensor<4x48xf32>, tensor<40x4xf32>
      -> input_grad(tensor<?x48xf32>) lora_a_grad(tensor<4x48xf32>) lora_b_grad(tensor<40x4xf32>)
  return %dx, %da, %db : tensor<?x48xf32>, tensor<4x48xf32>, tensor<40x4xf32>
}
