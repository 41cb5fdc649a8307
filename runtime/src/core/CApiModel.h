//===- CApiModel.h - The C handle of a model --------------------*- C++ -*-===//
#ifndef ZEN_RUNTIME_CORE_CAPIMODEL_H
#define ZEN_RUNTIME_CORE_CAPIMODEL_H

#include "Model.h"

/// zen_model_t: the C API's handle of a Model (CApiModel.cpp), also read by
/// the sessions' C API (CApiSession.cpp).
struct zen_model {
  std::unique_ptr<zen::rt::Model> model;
};

#endif // ZEN_RUNTIME_CORE_CAPIMODEL_H
