//===- EntryPointAttrs.h - argument roles of Zen entry points ---*- C++ -*-===//
//
// The attributes that give an entry-point argument its role in the runtime
// ABI (docs/runtime-abi.md). State the caller allocates once and the entry
// point updates in place (decoding caches, trained parameters, optimizer
// moments) is tagged on the argument and on the result that returns its new
// value; after bufferization the result is that argument's buffer and
// zen-drop-cache-results removes it.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_TRANSFORMS_ENTRYPOINTATTRS_H
#define ZEN_TRANSFORMS_ENTRYPOINTATTRS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mlir::zen {

/// Decoding state: KV caches, conv and recurrent states.
inline constexpr llvm::StringLiteral kCacheAttr = "zen.cache";
/// A parameter the train step updates (LoRA A/B or a full weight).
inline constexpr llvm::StringLiteral kTrainableAttr = "zen.trainable";
/// AdamW moments of a trainable.
inline constexpr llvm::StringLiteral kOptimAttr = "zen.optim";

/// The in-place state tag of an argument or result, if any: the attribute
/// name (one of the three above) and the state's name.
inline std::optional<std::pair<llvm::StringRef, StringAttr>>
inPlaceStateOf(DictionaryAttr attrs) {
  if (!attrs)
    return std::nullopt;
  for (llvm::StringRef kind : {kCacheAttr, kTrainableAttr, kOptimAttr})
    if (auto name = attrs.getAs<StringAttr>(kind))
      return std::make_pair(kind, name);
  return std::nullopt;
}

} // namespace mlir::zen

#endif // ZEN_TRANSFORMS_ENTRYPOINTATTRS_H
