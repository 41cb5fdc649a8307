//===- Peft.cpp - Adapters, checkpoints and atomic directories ------------===//

#include "Peft.h"

#include "Trainer.h"

#include "../core/AtomicFile.h"
#include "../core/Checkpoint.h"
#include "../core/DType.h"
#include "../core/Json.h"
#include "../core/MappedFile.h"
#include "../core/SafetensorsWriter.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <set>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace zen::rt {

namespace {

std::function<zen_status_t(const std::string &)> &writeHook() {
  static std::function<zen_status_t(const std::string &)> hook;
  return hook;
}

zen_status_t afterWrite(const std::string &file) {
  return writeHook() ? writeHook()(file) : nullptr;
}

std::vector<std::string> listDirectory(const std::string &dir) {
  std::vector<std::string> names;
  if (DIR *d = ::opendir(dir.c_str())) {
    while (dirent *e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..")
        names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Removes a directory we created and the plain files in it.
void removeDirectory(const std::string &dir) {
  for (const std::string &n : listDirectory(dir))
    ::unlink(joinPath(dir, n).c_str());
  ::rmdir(dir.c_str());
}

zen_status_t fsyncDirectory(const std::string &dir, const std::string &what) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return makeStatus(ZEN_STATUS_IO_ERROR,
                      cat(what, ": ", errnoMessage("open of " + dir, errno)));
  zen_status_t status = nullptr;
  while (::fsync(fd) != 0) {
    if (errno == EINTR)
      continue;
    if (errno != EINVAL && errno != ENOTSUP)
      status =
          makeStatus(ZEN_STATUS_IO_ERROR,
                     cat(what, ": ", errnoMessage("fsync of " + dir, errno)));
    break;
  }
  ::close(fd);
  return status;
}

std::string baseName(const std::string &path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/')
    p.pop_back();
  size_t slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

zen_status_t readJson(const std::string &path, json::Value &out) {
  std::string text;
  ZEN_RETURN_IF_ERROR(readWholeFile(path, size_t(16) << 20, text));
  json::ParseError error;
  if (!json::parse(text, out, error))
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(path, ": not valid JSON: ", error.message,
                          " at byte ", error.offset));
  if (out.kind != json::Kind::Object)
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(path, ": expected a JSON object, found ",
                          json::describe(out.kind)));
  return nullptr;
}

zen_status_t writeText(const std::string &path, const std::string &text) {
  ZEN_RETURN_IF_ERROR(writeFileAtomically(path, {{text.data(), text.size()}}));
  return afterWrite(path);
}

std::string jsonString(const std::string &s) {
  std::string out;
  json::appendQuoted(out, s);
  return out;
}

/// One tensor of a trainable as files hold it. A stacked expert parameter
/// "...experts.{e}.up_proj.weight" [E, out, in] (full-weight training of a
/// MoE model) is E tensors "...experts.<e>.up_proj.weight" [out, in], as in
/// HF checkpoints, so that a checkpoint's model.safetensors loads with
/// --weights and dumped gradients carry the HF names; elements
/// [offset, offset + count) of the trainable.
struct FileTensor {
  std::string name;
  std::vector<int64_t> shape;
  uint64_t offset = 0, count = 0;
};

std::vector<FileTensor> fileTensors(const Trainer::Tensor &t,
                                    const std::string &suffix) {
  size_t brace = t.name.find("{e}");
  if (brace == std::string::npos || t.shape.empty())
    return {{t.name + suffix, t.shape, 0, t.count}};
  std::vector<FileTensor> out;
  uint64_t experts = uint64_t(t.shape[0]), each = t.count / experts;
  for (uint64_t e = 0; e < experts; ++e)
    out.push_back({t.name.substr(0, brace) + cat(e) + t.name.substr(brace + 3) +
                       suffix,
                   std::vector<int64_t>(t.shape.begin() + 1, t.shape.end()),
                   e * each, each});
  return out;
}

/// Adds `data` (a trainable's value, gradient or optimizer state) under the
/// trainable's file names.
zen_status_t addTrainable(SafetensorsWriter &writer, const Trainer::Tensor &t,
                          const std::string &suffix, const void *data) {
  for (const FileTensor &f : fileTensors(t, suffix))
    ZEN_RETURN_IF_ERROR(writer.addTensor(
        f.name, ZEN_DTYPE_F32, f.shape,
        static_cast<const float *>(data) + f.offset, f.count * 4));
  return nullptr;
}

/// Values of the trainables, or of their optimizer state, by name, read
/// from one safetensors file: every name must be there with its shape, and
/// nothing else. All or nothing: the caller commits the result.
zen_status_t readTensors(const std::string &path,
                         const std::vector<Trainer::Tensor> &tensors,
                         const std::vector<std::string> &suffixes,
                         const std::string &what,
                         std::map<std::string, std::vector<float>> &out) {
  std::unique_ptr<Checkpoint> file;
  ZEN_RETURN_IF_ERROR(Checkpoint::open(path, file));
  std::set<std::string> expected;
  for (const Trainer::Tensor &t : tensors)
    for (const std::string &suffix : suffixes) {
      std::vector<float> &v = out[t.name + suffix];
      v.resize(t.count);
      for (const FileTensor &f : fileTensors(t, suffix)) {
        const std::string &name = f.name;
        expected.insert(name);
        const TensorEntry *e = file->find(name);
        if (!e)
          return makeStatus(
              ZEN_STATUS_NOT_FOUND,
              cat(path, ": tensor ", quoted(name), " not found: ", what));
        if (e->shape != f.shape)
          return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                            cat(path, ": tensor ", quoted(name),
                                ": shape mismatch: the model expects ",
                                formatShape(f.shape), ", the file has ",
                                formatShape(e->shape)));
        if (e->dtype != ZEN_DTYPE_F32 && e->dtype != ZEN_DTYPE_BF16 &&
            e->dtype != ZEN_DTYPE_F16)
          return makeStatus(ZEN_STATUS_UNSUPPORTED,
                            cat(path, ": tensor ", quoted(name), " is ",
                                dtypeName(e->dtype),
                                "; expected F32, BF16 or F16"));
        convertToF32(e->dtype, e->data, v.data() + f.offset, f.count);
      }
    }
  for (const TensorEntry &e : file->tensors())
    if (!expected.count(e.name))
      return makeStatus(
          ZEN_STATUS_INVALID_ARGUMENT,
          cat(path, ": tensor ", quoted(e.name),
              " is not one of the model's trainable tensors: ", what));
  return nullptr;
}

/// The checks of an adapter_config.json against training.lora; errors name
/// the key.
zen_status_t checkAdapterConfig(const std::string &path,
                                const TrainingDesc &tr) {
  json::Value config;
  ZEN_RETURN_IF_ERROR(readJson(path, config));
  auto mismatch = [&](const char *key, const std::string &found,
                      const std::string &expected) {
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(path, ": ", key, " is ", found,
                          ", but the model was compiled with training.lora.",
                          key, " = ", expected,
                          " (the adapter was trained for another "
                          "configuration)"));
  };
  auto number = [&](const char *key, double &v) -> zen_status_t {
    const json::Value *x = config.find(key);
    if (!x)
      return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                        cat(path, ": missing key \"", key, "\""));
    if (x->kind != json::Kind::Number)
      return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                        cat(path, ": ", key, ": expected a number, found ",
                            json::describe(x->kind)));
    v = x->number;
    return nullptr;
  };
  if (const json::Value *type = config.find("peft_type"))
    if (type->kind != json::Kind::String || type->text != "LORA")
      return makeStatus(ZEN_STATUS_UNSUPPORTED,
                        cat(path, ": peft_type is ",
                            type->kind == json::Kind::String
                                ? jsonString(type->text)
                                : json::describe(type->kind),
                            "; Zen trains LoRA adapters (\"LORA\")"));
  double r = 0, alpha = 0;
  ZEN_RETURN_IF_ERROR(number("r", r));
  if (r != double(tr.loraR))
    return mismatch("r", formatJsonNumber(r, false), cat(tr.loraR));
  ZEN_RETURN_IF_ERROR(number("lora_alpha", alpha));
  if (alpha != tr.loraAlpha)
    return mismatch("lora_alpha", formatJsonNumber(alpha, false),
                    formatJsonNumber(tr.loraAlpha, false));
  const json::Value *targets = config.find("target_modules");
  if (!targets)
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(path, ": missing key \"target_modules\""));
  std::set<std::string> want(tr.targetModules.begin(), tr.targetModules.end());
  std::string wantText;
  for (const std::string &m : tr.targetModules)
    wantText += (wantText.empty() ? "" : ", ") + m;
  if (targets->kind != json::Kind::Array)
    return mismatch("target_modules",
                    targets->kind == json::Kind::String
                        ? jsonString(targets->text)
                        : std::string(json::describe(targets->kind)),
                    "[" + wantText + "]");
  std::set<std::string> have;
  std::string haveText;
  for (const json::Value &m : targets->items) {
    if (m.kind != json::Kind::String)
      return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                        cat(path, ": target_modules: expected module names"));
    have.insert(m.text);
    haveText += (haveText.empty() ? "" : ", ") + m.text;
  }
  if (have != want)
    return mismatch("target_modules", "[" + haveText + "]",
                    "[" + wantText + "]");
  if (const json::Value *rs = config.find("use_rslora"))
    if (rs->kind == json::Kind::Bool && rs->boolean != tr.useRslora)
      return mismatch("use_rslora", rs->boolean ? "true" : "false",
                      tr.useRslora ? "true" : "false");
  for (const char *key : {"rank_pattern", "alpha_pattern"})
    if (const json::Value *p = config.find(key))
      if (p->kind == json::Kind::Object && !p->members.empty())
        return makeStatus(ZEN_STATUS_UNSUPPORTED,
                          cat(path, ": ", key,
                              " is not empty; Zen compiles one rank and "
                              "alpha for every target"));
  return nullptr;
}

std::vector<std::string> checkpointFiles() {
  return {kAdapterWeights, kAdapterConfig, kFullWeights,
          kOptimizerState, kTrainerState,  "README.md"};
}

} // namespace

void setCheckpointWriteHookForTesting(
    std::function<zen_status_t(const std::string &)> hook) {
  writeHook() = std::move(hook);
}

std::string formatJsonNumber(double v, bool forceFloat) {
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, v);
    if (std::strtod(buffer, nullptr) == v)
      break;
  }
  std::string s = buffer;
  if (forceFloat && s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s;
}

zen_status_t writeDirectoryAtomically(
    const std::string &path, const std::vector<std::string> &ownedNames,
    const std::function<zen_status_t(const std::string &)> &fill) {
  // "ckpt/" names the directory "ckpt", whose parent holds the temporary.
  std::string dir = path;
  while (dir.size() > 1 && dir.back() == '/')
    dir.pop_back();
  if (dir.empty())
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT, "directory path is empty");
  PathKind kind = pathKind(dir);
  if (kind == PathKind::RegularFile || kind == PathKind::Other)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(dir, ": exists and is not a directory"));
  bool exists = kind == PathKind::Directory;
  if (exists)
    for (const std::string &name : listDirectory(dir))
      if (std::find(ownedNames.begin(), ownedNames.end(), name) ==
          ownedNames.end())
        return makeStatus(
            ZEN_STATUS_INVALID_ARGUMENT,
            cat(dir, ": the directory exists and holds ", quoted(name),
                ", which is not part of a checkpoint or adapter; refusing to "
                "replace it (choose a new directory)"));

  std::string parent = parentDirectory(dir);
  static std::atomic<unsigned> counter{0};
  std::string tmp = joinPath(
      parent, cat(".", baseName(dir), ".tmp-", ::getpid(), "-", counter++));
  if (::mkdir(tmp.c_str(), 0777) != 0)
    return makeStatus(errno == ENOENT ? ZEN_STATUS_NOT_FOUND
                                      : ZEN_STATUS_IO_ERROR,
                      cat(dir, ": cannot create a temporary directory: ",
                          errnoMessage("mkdir of " + tmp, errno)));
  zen_status_t status = fill(tmp);
  if (!status)
    status = fsyncDirectory(tmp, dir);
  if (!status) {
    if (!exists) {
      if (::rename(tmp.c_str(), dir.c_str()) != 0)
        status = makeStatus(
            ZEN_STATUS_IO_ERROR,
            cat(dir, ": ", errnoMessage("rename from " + tmp, errno)));
    } else {
      // Swap the new directory and the old one in one step (Linux
      // renameat2 RENAME_EXCHANGE); `tmp` then names the old checkpoint.
#if defined(__linux__) && defined(SYS_renameat2)
      long swapped = ::syscall(SYS_renameat2, AT_FDCWD, tmp.c_str(), AT_FDCWD,
                               dir.c_str(), 2 /* RENAME_EXCHANGE */);
#else
      long swapped = -1;
      errno = ENOSYS;
#endif
      if (swapped != 0) {
        // No exchange on this file system: move the old one aside first.
        // A crash between the two renames leaves the old checkpoint under
        // its `.old` name, complete.
        std::string old = tmp + ".old";
        if (::rename(dir.c_str(), old.c_str()) != 0 ||
            ::rename(tmp.c_str(), dir.c_str()) != 0)
          status = makeStatus(ZEN_STATUS_IO_ERROR,
                              cat(dir, ": ", errnoMessage("rename", errno)));
        else
          removeDirectory(old);
      } else {
        removeDirectory(tmp);
      }
    }
  }
  if (status) {
    removeDirectory(tmp);
    return status;
  }
  return fsyncDirectory(parent, dir);
}

//===----------------------------------------------------------------------===//
// Trainer: adapters, checkpoints, gradients
//===----------------------------------------------------------------------===//

namespace {

zen_status_t writeTrainables(const Trainer &trainer, const std::string &path) {
  SafetensorsWriter writer;
  // What PEFT (save_pretrained) and transformers write.
  ZEN_RETURN_IF_ERROR(writer.addMetadata("format", "pt"));
  for (const Trainer::Tensor &t : trainer.tensors())
    ZEN_RETURN_IF_ERROR(addTrainable(writer, t, "", t.value.get()));
  ZEN_RETURN_IF_ERROR(writer.write(path));
  return afterWrite(path);
}

zen_status_t writeAdapterFiles(const Trainer &trainer, const std::string &dir) {
  const TrainingDesc &tr = trainer.training();
  ZEN_RETURN_IF_ERROR(writeTrainables(trainer, joinPath(dir, kAdapterWeights)));
  std::string targets;
  for (const std::string &m : tr.targetModules)
    targets += (targets.empty() ? "" : ", ") + jsonString(m);
  // The keys of PEFT's LoraConfig (all present in PEFT >= 0.7), so that
  // PeftModel.from_pretrained loads the directory.
  std::string config = "{\n"
                       "  \"alpha_pattern\": {},\n"
                       "  \"base_model_name_or_path\": " +
                       jsonString(trainer.baseModel()) +
                       ",\n"
                       "  \"bias\": \"none\",\n"
                       "  \"fan_in_fan_out\": false,\n"
                       "  \"inference_mode\": true,\n"
                       "  \"init_lora_weights\": true,\n"
                       "  \"lora_alpha\": " +
                       formatJsonNumber(tr.loraAlpha, false) +
                       ",\n"
                       "  \"lora_dropout\": " +
                       formatJsonNumber(tr.loraDropout, true) +
                       ",\n"
                       "  \"modules_to_save\": null,\n"
                       "  \"peft_type\": \"LORA\",\n"
                       "  \"r\": " +
                       cat(tr.loraR) +
                       ",\n"
                       "  \"rank_pattern\": {},\n"
                       "  \"target_modules\": [" +
                       targets +
                       "],\n"
                       "  \"task_type\": \"CAUSAL_LM\",\n"
                       "  \"use_rslora\": " +
                       (tr.useRslora ? "true" : "false") +
                       "\n"
                       "}\n";
  return writeText(joinPath(dir, kAdapterConfig), config);
}

} // namespace

zen_status_t Trainer::saveAdapter(const std::string &dir) const {
  if (!training().lora)
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      cat(dir, ": the model trains all weights "
                               "(training.lora is null), so there is no "
                               "adapter to save; save a checkpoint instead"));
  return writeDirectoryAtomically(
      dir, checkpointFiles(),
      [&](const std::string &tmp) { return writeAdapterFiles(*this, tmp); });
}

zen_status_t Trainer::loadAdapter(const std::string &dir) {
  if (!training().lora)
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      cat(dir, ": the model trains all weights "
                               "(training.lora is null); it takes no adapter"));
  if (pathKind(dir) != PathKind::Directory)
    return makeStatus(pathKind(dir) == PathKind::Missing
                          ? ZEN_STATUS_NOT_FOUND
                          : ZEN_STATUS_INVALID_ARGUMENT,
                      cat(dir, ": not a directory (an adapter is a directory "
                               "with adapter_model.safetensors and "
                               "adapter_config.json)"));
  ZEN_RETURN_IF_ERROR(
      checkAdapterConfig(joinPath(dir, kAdapterConfig), training()));
  std::map<std::string, std::vector<float>> values;
  ZEN_RETURN_IF_ERROR(readTensors(
      joinPath(dir, kAdapterWeights), tensors_, {""},
      "the adapter does not match the model's LoRA targets", values));
  for (Tensor &t : tensors_)
    std::memcpy(t.value.get(), values[t.name].data(), t.count * 4);
  return nullptr;
}

zen_status_t Trainer::saveGrads(const std::string &path) const {
  SafetensorsWriter writer;
  for (const Tensor &t : tensors_) {
    if (!t.grad)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(path, ": no gradient of ", quoted(t.name),
                            step_ == 0
                                ? " yet (run a step first)"
                                : " (the model's train_step returns no 'grad:' "
                                  "results)"));
    ZEN_RETURN_IF_ERROR(addTrainable(writer, t, "", t.grad.get()));
  }
  return writer.write(path);
}

zen_status_t Trainer::saveCheckpoint(const std::string &dir) const {
  const ModelMetadata &meta = model_->metadata();
  return writeDirectoryAtomically(
      dir, checkpointFiles(), [&](const std::string &tmp) -> zen_status_t {
        if (training().lora)
          ZEN_RETURN_IF_ERROR(writeAdapterFiles(*this, tmp));
        else
          ZEN_RETURN_IF_ERROR(
              writeTrainables(*this, joinPath(tmp, kFullWeights)));
        SafetensorsWriter optim;
        for (const Tensor &t : tensors_) {
          ZEN_RETURN_IF_ERROR(
              addTrainable(optim, t, ".exp_avg", t.expAvg.get()));
          ZEN_RETURN_IF_ERROR(
              addTrainable(optim, t, ".exp_avg_sq", t.expAvgSq.get()));
        }
        std::string optimPath = joinPath(tmp, kOptimizerState);
        ZEN_RETURN_IF_ERROR(optim.write(optimPath));
        ZEN_RETURN_IF_ERROR(afterWrite(optimPath));
        std::string state =
            "{\n  \"step\": " + cat(step_) +
            ",\n  \"model\": " + jsonString(meta.model) +
            ",\n  \"zen_version\": " + jsonString(meta.zenVersion) +
            ",\n  \"zen_runtime_version\": " +
            jsonString(zen_runtime_version()) +
            ",\n  \"algorithm\": " + jsonString(training().algorithm) +
            ",\n  \"finetune\": " +
            jsonString(training().lora ? "lora" : "full") +
            ",\n  \"num_trainables\": " + cat(tensors_.size()) +
            (hasTaskRng_ ? cat(",\n  \"task_rng\": [", taskRng_.s[0], ", ",
                               taskRng_.s[1], ", ", taskRng_.s[2], ", ",
                               taskRng_.s[3], "]")
                         : std::string()) +
            "\n}\n";
        return writeText(joinPath(tmp, kTrainerState), state);
      });
}

zen_status_t Trainer::loadCheckpoint(const std::string &dir) {
  const ModelMetadata &meta = model_->metadata();
  if (pathKind(dir) != PathKind::Directory)
    return makeStatus(pathKind(dir) == PathKind::Missing
                          ? ZEN_STATUS_NOT_FOUND
                          : ZEN_STATUS_INVALID_ARGUMENT,
                      cat(dir, ": no such checkpoint directory"));
  std::string statePath = joinPath(dir, kTrainerState);
  if (pathKind(statePath) == PathKind::Missing)
    return makeStatus(
        ZEN_STATUS_NOT_FOUND,
        cat(dir, ": not a Zen training checkpoint (no ", kTrainerState, ")"));
  json::Value state;
  ZEN_RETURN_IF_ERROR(readJson(statePath, state));
  const json::Value *step = state.find("step");
  const json::Value *model = state.find("model");
  if (!step || step->kind != json::Kind::Number || !step->isUInt ||
      step->uint > uint64_t(INT64_MAX))
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(statePath, ": \"step\": expected a non-negative "
                                     "integer"));
  if (!model || model->kind != json::Kind::String)
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(statePath, ": missing key \"model\" (a string)"));
  if (model->text != meta.model)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(dir, ": the checkpoint was saved for model ",
                          quoted(model->text), ", but ", model_->path(),
                          " is model ", quoted(meta.model)));
  if (const json::Value *finetune = state.find("finetune"))
    if (finetune->kind == json::Kind::String &&
        finetune->text != (training().lora ? "lora" : "full"))
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(dir, ": the checkpoint is of ", finetune->text,
                            " training, but ", model_->path(), " trains ",
                            training().lora ? "LoRA adapters" : "all weights"));

  // The toy task's random stream (gspo), when the run had one.
  const json::Value *rng = state.find("task_rng");
  if (rng) {
    bool ok = rng->kind == json::Kind::Array && rng->items.size() == 4;
    for (size_t i = 0; ok && i < 4; ++i)
      ok = rng->items[i].kind == json::Kind::Number && rng->items[i].isUInt;
    if (!ok)
      return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                        cat(statePath, ": \"task_rng\": expected four "
                                       "unsigned 64-bit integers"));
  }
  std::map<std::string, std::vector<float>> values, optim;
  if (training().lora) {
    ZEN_RETURN_IF_ERROR(
        checkAdapterConfig(joinPath(dir, kAdapterConfig), training()));
    ZEN_RETURN_IF_ERROR(
        readTensors(joinPath(dir, kAdapterWeights), tensors_, {""},
                    "is the checkpoint for another model?", values));
  } else {
    ZEN_RETURN_IF_ERROR(readTensors(joinPath(dir, kFullWeights), tensors_, {""},
                                    "is the checkpoint for another model?",
                                    values));
  }
  ZEN_RETURN_IF_ERROR(readTensors(
      joinPath(dir, kOptimizerState), tensors_, {".exp_avg", ".exp_avg_sq"},
      "is the checkpoint for another model?", optim));
  for (Tensor &t : tensors_) {
    std::memcpy(t.value.get(), values[t.name].data(), t.count * 4);
    std::memcpy(t.expAvg.get(), optim[t.name + ".exp_avg"].data(), t.count * 4);
    std::memcpy(t.expAvgSq.get(), optim[t.name + ".exp_avg_sq"].data(),
                t.count * 4);
    t.grad.reset();
  }
  step_ = static_cast<int64_t>(step->uint);
  if (rng) {
    for (int i = 0; i < 4; ++i)
      taskRng_.s[i] = rng->items[size_t(i)].uint;
    hasTaskRng_ = true;
  }
  return nullptr;
}

} // namespace zen::rt
