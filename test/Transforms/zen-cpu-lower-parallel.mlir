// RUN: zen-opt %s -split-input-file -zen-cpu-lower-parallel | FileCheck %s

// Without the mark: the tasks run in order, no runtime needed.
// CHECK-LABEL: func.func @in_order
// CHECK-NOT:   omp.
// CHECK:       scf.for %[[I:.*]] = %c0 to %c8 step %c1 {
// CHECK:         memref.store %{{.*}}, %{{.*}}[%[[I]]]
func.func @in_order(%buf: memref<8xf32>) {
  %one = arith.constant 1.0 : f32
  scf.forall (%i) in (8) {
    memref.store %one, %buf[%i] : memref<8xf32>
  }
  return
}

// -----

// With the mark (zen-cpu-plan-kernels{parallel}): an OpenMP parallel
// work-sharing loop whose bounds are already LLVM integers, no
// memref.alloca_scope around the body, the function and its body otherwise
// untouched (later conversions lower them), the mark removed.
// CHECK-NOT:   zen.cpu_parallel
// CHECK-LABEL: func.func @on_cores
// CHECK-SAME:  (%[[BUF:.*]]: memref<8xf32>)
// CHECK:       omp.parallel {
// CHECK-NEXT:    omp.wsloop {
// CHECK-NEXT:      omp.loop_nest (%[[I:.*]]) : i64 = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK-NOT:         memref.alloca_scope
// CHECK:             %[[IDX:.*]] = builtin.unrealized_conversion_cast %[[I]] : i64 to index
// CHECK:             memref.store %{{.*}}, %[[BUF]][%[[IDX]]] : memref<8xf32>
// CHECK:             omp.yield
module attributes {zen.cpu_parallel} {
  func.func @on_cores(%buf: memref<8xf32>) {
    %one = arith.constant 1.0 : f32
    scf.forall (%i) in (8) {
      memref.store %one, %buf[%i] : memref<8xf32>
    }
    return
  }
}
