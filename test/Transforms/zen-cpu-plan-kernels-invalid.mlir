// RUN: zen-opt %s -zen-cpu-plan-kernels=vector-width=12 -verify-diagnostics

// expected-error @+1 {{zen-cpu-plan-kernels: vector-width must be a power of two, got 12}}
module {
}
