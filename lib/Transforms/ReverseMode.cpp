//===- ReverseMode.cpp - reverse-mode autodiff of Zen functions -----------===//
//
// A VJP function is built in three steps:
//   1. clone the forward body (recompute; tracking which values depend on an
//      argument whose gradient is wanted: "varied" values);
//   2. seed the returned values with the incoming cotangents;
//   3. walk the cloned ops in reverse, asking each for its VJP and summing
//      the cotangents of values used more than once.
//
//===----------------------------------------------------------------------===//

#include "zen/Transforms/ReverseMode.h"

#include "zen/Dialect/Zen/ZenDialect.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::zen;

bool mlir::zen::isDifferentiableType(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FloatType>(tensor.getElementType());
}

namespace {

/// A tensor of zeros shaped like `like` (dynamic sizes read from it).
Value zerosLike(OpBuilder &b, Location loc, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, like);
  Value empty =
      tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  Value zero = arith::ConstantOp::create(
      b, loc, type.getElementType(),
      b.getFloatAttr(type.getElementType(), 0.0));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// State of one VJP function under construction.
class VJPBodyBuilder {
public:
  VJPBodyBuilder(ReverseModeBuilder &reverse, OpBuilder &b)
      : reverse(reverse), b(b) {}

  void markVaried(Value v) { varied.insert(v); }
  bool isVaried(Value v) const { return varied.contains(v); }

  /// Clones `op` (forward recompute) and propagates variedness.
  Operation *cloneForward(Operation &op, IRMapping &map) {
    Operation *clone = b.clone(op, map);
    bool anyVaried = llvm::any_of(clone->getOperands(),
                                  [&](Value v) { return isVaried(v); });
    if (anyVaried)
      for (Value r : clone->getResults())
        if (isDifferentiableType(r.getType()))
          markVaried(r);
    return clone;
  }

  void addCotangent(Value primal, Value ct) {
    if (!ct)
      return;
    auto [it, inserted] = cotangents.try_emplace(primal, ct);
    if (!inserted)
      it->second = arith::AddFOp::create(b, primal.getLoc(), it->second, ct);
  }
  Value cotangent(Value primal) const { return cotangents.lookup(primal); }

  LogicalResult differentiate(Operation *op);

private:
  LogicalResult differentiateCall(func::CallOp call,
                                  ArrayRef<Value> resultCts,
                                  ArrayRef<bool> needs,
                                  SmallVectorImpl<Value> &operandCts);
  LogicalResult differentiateUpstream(Operation *op, ArrayRef<Value> resultCts,
                                      ArrayRef<bool> needs,
                                      SmallVectorImpl<Value> &operandCts);

  ReverseModeBuilder &reverse;
  OpBuilder &b;
  llvm::DenseSet<Value> varied;
  llvm::DenseMap<Value, Value> cotangents;
};

LogicalResult VJPBodyBuilder::differentiate(Operation *op) {
  SmallVector<Value> resultCts;
  bool anyCt = false;
  for (Value r : op->getResults()) {
    resultCts.push_back(cotangent(r));
    anyCt |= static_cast<bool>(resultCts.back());
  }
  SmallVector<bool> needs;
  bool anyNeed = false;
  for (Value v : op->getOperands()) {
    needs.push_back(isVaried(v) && isDifferentiableType(v.getType()));
    anyNeed |= needs.back();
  }
  if (!anyCt || !anyNeed)
    return success();

  SmallVector<Value> operandCts;
  LogicalResult built = failure();
  if (auto diff = dyn_cast<DifferentiableOpInterface>(op)) {
    built = diff.buildVJP(b, resultCts, needs, operandCts);
  } else if (auto call = dyn_cast<func::CallOp>(op)) {
    built = differentiateCall(call, resultCts, needs, operandCts);
  } else {
    built = differentiateUpstream(op, resultCts, needs, operandCts);
  }
  if (failed(built))
    return failure();
  if (operandCts.size() != op->getNumOperands())
    return op->emitError("internal error: VJP returned ")
           << operandCts.size() << " cotangents for " << op->getNumOperands()
           << " operands";
  for (auto [operand, ct, need] :
       llvm::zip_equal(op->getOperands(), operandCts, needs)) {
    if (!need || !ct)
      continue;
    if (ct.getType() != operand.getType())
      return op->emitError("internal error: VJP cotangent type ")
             << ct.getType() << " differs from the operand type "
             << operand.getType();
    addCotangent(operand, ct);
  }
  return success();
}

LogicalResult VJPBodyBuilder::differentiateCall(
    func::CallOp call, ArrayRef<Value> resultCts, ArrayRef<bool> needs,
    SmallVectorImpl<Value> &operandCts) {
  auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      call, call.getCalleeAttr());
  if (!callee || callee.isExternal())
    return call.emitError("cannot differentiate a call to '")
           << call.getCallee() << "': no body";
  FailureOr<func::FuncOp> vjp =
      reverse.getOrBuild(callee, needs, /*returnPrimals=*/false);
  if (failed(vjp))
    return failure();
  SmallVector<Value> args(call.getOperands());
  for (auto [result, ct] : llvm::zip_equal(call.getResults(), resultCts)) {
    if (!isDifferentiableType(result.getType()))
      continue;
    args.push_back(ct ? ct : zerosLike(b, call.getLoc(), result));
  }
  auto vjpCall = func::CallOp::create(b, call.getLoc(), *vjp, args);
  unsigned next = 0;
  for (bool need : needs)
    operandCts.push_back(need ? vjpCall.getResult(next++) : Value());
  return success();
}

LogicalResult VJPBodyBuilder::differentiateUpstream(
    Operation *op, ArrayRef<Value> resultCts, ArrayRef<bool> needs,
    SmallVectorImpl<Value> &operandCts) {
  Location loc = op->getLoc();
  operandCts.assign(op->getNumOperands(), Value());
  Value ct = resultCts.empty() ? Value() : resultCts[0];
  auto set = [&](unsigned i, function_ref<Value()> build) {
    if (needs[i] && ct)
      operandCts[i] = build();
  };
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](arith::AddFOp) {
        set(0, [&] { return ct; });
        set(1, [&] { return ct; });
        return success();
      })
      .Case([&](arith::SubFOp) {
        set(0, [&] { return ct; });
        set(1, [&] { return arith::NegFOp::create(b, loc, ct); });
        return success();
      })
      .Case([&](arith::MulFOp mul) {
        set(0, [&] { return arith::MulFOp::create(b, loc, ct, mul.getRhs()); });
        set(1, [&] { return arith::MulFOp::create(b, loc, ct, mul.getLhs()); });
        return success();
      })
      .Case([&](arith::NegFOp) {
        set(0, [&] { return arith::NegFOp::create(b, loc, ct); });
        return success();
      })
      .Case([&](tensor::CastOp cast) {
        set(0, [&] {
          return tensor::CastOp::create(b, loc, cast.getSource().getType(), ct);
        });
        return success();
      })
      .Case([&](tensor::ExpandShapeOp expand) {
        set(0, [&] {
          return tensor::CollapseShapeOp::create(
              b, loc, expand.getSrcType(), ct,
              expand.getReassociationIndices());
        });
        return success();
      })
      .Case([&](tensor::CollapseShapeOp collapse) {
        set(0, [&] {
          SmallVector<OpFoldResult> sizes =
              tensor::getMixedSizes(b, loc, collapse.getSrc());
          return tensor::ExpandShapeOp::create(
              b, loc, collapse.getSrcType(), ct,
              collapse.getReassociationIndices(), sizes);
        });
        return success();
      })
      .Case([&](tensor::ExtractSliceOp slice) {
        set(0, [&] {
          return tensor::InsertSliceOp::create(
              b, loc, ct, zerosLike(b, loc, slice.getSource()),
              slice.getMixedOffsets(), slice.getMixedSizes(),
              slice.getMixedStrides());
        });
        return success();
      })
      .Case([&](tensor::InsertSliceOp insert) {
        set(0, [&] {
          return tensor::ExtractSliceOp::create(
              b, loc, insert.getSourceType(), ct, insert.getMixedOffsets(),
              insert.getMixedSizes(), insert.getMixedStrides());
        });
        set(1, [&] {
          return tensor::InsertSliceOp::create(
              b, loc, zerosLike(b, loc, insert.getSource()), ct,
              insert.getMixedOffsets(), insert.getMixedSizes(),
              insert.getMixedStrides());
        });
        return success();
      })
      .Case([&](tensor::ConcatOp concat) {
        int64_t dim = concat.getDim();
        auto resultType = concat.getResultType();
        Value offset = arith::ConstantIndexOp::create(b, loc, 0);
        for (auto [i, input] : llvm::enumerate(concat.getInputs())) {
          SmallVector<OpFoldResult> sizes =
              tensor::getMixedSizes(b, loc, input);
          if (needs[i] && ct) {
            SmallVector<OpFoldResult> offsets(resultType.getRank(),
                                              b.getIndexAttr(0));
            offsets[dim] = offset;
            SmallVector<OpFoldResult> strides(resultType.getRank(),
                                              b.getIndexAttr(1));
            operandCts[i] = tensor::ExtractSliceOp::create(
                b, loc, cast<RankedTensorType>(input.getType()), ct, offsets,
                sizes, strides);
          }
          Value size = getValueOrCreateConstantIndexOp(b, loc, sizes[dim]);
          offset = arith::AddIOp::create(b, loc, offset, size);
        }
        return success();
      })
      .Default([&](Operation *other) {
        return other->emitError("cannot differentiate '")
               << other->getName()
               << "': it has no vector-Jacobian product "
                  "(DifferentiableOpInterface)";
      });
}

std::string activityKey(func::FuncOp fn, ArrayRef<bool> needs,
                        bool returnPrimals) {
  std::string key = fn.getSymName().str() + (returnPrimals ? "+p:" : ":");
  for (bool n : needs)
    key += n ? '1' : '0';
  return key;
}

} // namespace

FailureOr<func::FuncOp>
ReverseModeBuilder::getOrBuild(func::FuncOp fn, ArrayRef<bool> argNeedsGrad,
                               bool returnPrimals, StringRef vjpName) {
  std::string key = activityKey(fn, argNeedsGrad, returnPrimals);
  if (auto it = built.find(key); it != built.end())
    return it->second;
  if (fn.isExternal() || !fn.getBody().hasOneBlock())
    return fn.emitError("can only differentiate a function with one block");
  if (argNeedsGrad.size() != fn.getNumArguments())
    return fn.emitError("internal error: activity of ")
           << argNeedsGrad.size() << " arguments for "
           << fn.getNumArguments();

  // Signature.
  FunctionType fnType = fn.getFunctionType();
  SmallVector<Type> inputs(fnType.getInputs());
  for (Type t : fnType.getResults())
    if (isDifferentiableType(t))
      inputs.push_back(t);
  SmallVector<Type> results;
  if (returnPrimals)
    llvm::append_range(results, fnType.getResults());
  for (auto [t, need] : llvm::zip_equal(fnType.getInputs(), argNeedsGrad)) {
    if (!need)
      continue;
    if (!isDifferentiableType(t))
      return fn.emitError("cannot differentiate with respect to an argument "
                          "of type ")
             << t;
    results.push_back(t);
  }
  std::string name = vjpName.empty()
                         ? (fn.getSymName() + "_vjp").str()
                         : vjpName.str();
  // Created detached, then inserted through the symbol table, which renames
  // it if another activity pattern of `fn` already took the name.
  auto vjp = func::FuncOp::create(fn.getLoc(), name,
                                  FunctionType::get(fn.getContext(), inputs,
                                                    results));
  vjp.setPrivate();
  SymbolTable(module).insert(vjp, std::next(Block::iterator(fn)));
  built[key] = vjp;
  // The weights stay read-only in the backward function too.
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
    for (NamedAttribute attr : fn.getArgAttrDict(i) ? fn.getArgAttrDict(i).getValue() : ArrayRef<NamedAttribute>())
      vjp.setArgAttr(i, attr.getName(), attr.getValue());

  Block *entry = vjp.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockEnd(entry);
  VJPBodyBuilder body(*this, b);
  IRMapping map;
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
    map.map(fn.getArgument(i), entry->getArgument(i));
    if (argNeedsGrad[i])
      body.markVaried(entry->getArgument(i));
  }

  // 1. Forward recompute.
  SmallVector<Operation *> forward;
  auto ret = cast<func::ReturnOp>(fn.front().getTerminator());
  for (Operation &op : fn.front().without_terminator())
    forward.push_back(body.cloneForward(op, map));
  SmallVector<Value> primals;
  for (Value v : ret.getOperands())
    primals.push_back(map.lookupOrDefault(v));

  // 2. Seed.
  unsigned ctArg = fn.getNumArguments();
  for (Value primal : primals)
    if (isDifferentiableType(primal.getType())) {
      Value seed = entry->getArgument(ctArg++);
      if (body.isVaried(primal))
        body.addCotangent(primal, seed);
    }

  // 3. Reverse sweep.
  for (Operation *op : llvm::reverse(forward))
    if (failed(body.differentiate(op))) {
      vjp.erase();
      built.erase(key);
      return failure();
    }

  SmallVector<Value> returned;
  if (returnPrimals)
    llvm::append_range(returned, primals);
  for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i) {
    if (!argNeedsGrad[i])
      continue;
    Value arg = entry->getArgument(i);
    Value ct = body.cotangent(arg);
    returned.push_back(ct ? ct : zerosLike(b, fn.getLoc(), arg));
  }
  func::ReturnOp::create(b, fn.getLoc(), returned);
  return vjp;
}
