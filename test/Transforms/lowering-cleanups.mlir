// RUN: zen-opt %s -split-input-file -zen-copies-to-linalg | FileCheck %s --check-prefix=COPY
// RUN: zen-opt %s -split-input-file -zen-emit-c-interface | FileCheck %s --check-prefix=CIFACE

// A strided copy (which upstream would lower to a memrefCopy call) becomes a
// linalg.copy, nested ones too; nothing else changes.
// COPY-LABEL: func.func @strided_copy
// COPY-SAME: (%[[A:.*]]: memref<4x8xf32, strided<[16, 1]>>, %[[B:.*]]: memref<4x8xf32>)
// COPY-NOT: memref.copy
// COPY: linalg.copy ins(%[[A]] : memref<4x8xf32, strided<[16, 1]>>) outs(%[[B]] : memref<4x8xf32>)
// COPY: scf.for
// COPY: linalg.copy
// COPY-NOT: memref.copy
// CIFACE-LABEL: func.func @strided_copy
// CIFACE-SAME: attributes {llvm.emit_c_interface}
func.func @strided_copy(%a: memref<4x8xf32, strided<[16, 1]>>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32, strided<[16, 1]>> to memref<4x8xf32>
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %c2 step %c1 {
    memref.copy %b, %a : memref<4x8xf32> to memref<4x8xf32, strided<[16, 1]>>
  }
  return
}

// -----

// Only public, defined, top-level functions get C wrappers: not private
// helpers, declarations or device functions.
// CIFACE-LABEL: func.func @entry
// CIFACE-SAME: attributes {llvm.emit_c_interface}
// CIFACE-LABEL: func.func private @helper
// CIFACE-NOT: llvm.emit_c_interface
// CIFACE-LABEL: func.func private @external
// CIFACE-NOT: llvm.emit_c_interface
// CIFACE: gpu.module @kernels
// CIFACE: func.func @device
// CIFACE-NOT: llvm.emit_c_interface
func.func @entry() {
  func.call @helper() : () -> ()
  return
}
func.func private @helper() {
  return
}
func.func private @external()
gpu.module @kernels {
  func.func @device() {
    return
  }
}
