//===- Checkpoint.cpp - Safetensors checkpoints: file, dir, sharded -------===//

#include "Checkpoint.h"

#include "Json.h"

#include <algorithm>
#include <map>

namespace zen::rt {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Shard names come from the index file; keep them inside its directory.
bool isSafeShardName(const std::string &name) {
  if (name.empty() || name.front() == '/' ||
      name.find('\0') != std::string::npos)
    return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    if (slash == std::string::npos)
      slash = name.size();
    if (name.compare(start, slash - start, "..") == 0 && slash - start == 2)
      return false;
    start = slash + 1;
  }
  return true;
}

} // namespace

const TensorEntry *Checkpoint::find(std::string_view name) const {
  auto it = std::lower_bound(
      tensors_.begin(), tensors_.end(), name,
      [](const TensorEntry &t, std::string_view n) { return t.name < n; });
  return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

zen_status_t Checkpoint::open(const std::string &path,
                              std::unique_ptr<Checkpoint> &out) {
  if (path.empty())
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT, "checkpoint path is empty");
  std::unique_ptr<Checkpoint> ckpt(new Checkpoint());
  switch (pathKind(path)) {
  case PathKind::Missing:
    return makeStatus(ZEN_STATUS_NOT_FOUND,
                      path + ": no such file or directory");
  case PathKind::Other:
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      path + ": not a regular file or directory");
  case PathKind::Directory: {
    std::string single = joinPath(path, kSingleFileName);
    std::string index = joinPath(path, kIndexFileName);
    if (pathKind(single) != PathKind::Missing)
      ZEN_RETURN_IF_ERROR(ckpt->openSingle(single));
    else if (pathKind(index) != PathKind::Missing)
      ZEN_RETURN_IF_ERROR(ckpt->openIndex(index));
    else
      return makeStatus(ZEN_STATUS_NOT_FOUND,
                        path + ": directory contains neither " +
                            kSingleFileName + " nor " + kIndexFileName);
    break;
  }
  case PathKind::RegularFile:
    if (endsWith(path, ".json"))
      ZEN_RETURN_IF_ERROR(ckpt->openIndex(path));
    else
      ZEN_RETURN_IF_ERROR(ckpt->openSingle(path));
    break;
  }
  out = std::move(ckpt);
  return nullptr;
}

zen_status_t Checkpoint::mapFile(const std::string &path,
                                 SafetensorsContents &contents) {
  std::unique_ptr<MappedFile> file;
  ZEN_RETURN_IF_ERROR(MappedFile::open(path, file));
  ZEN_RETURN_IF_ERROR(
      parseSafetensors(path, file->data(), file->size(), contents));
  for (TensorEntry &t : contents.tensors)
    t.file = files_.size();
  files_.push_back(std::move(file));
  return nullptr;
}

zen_status_t Checkpoint::openSingle(const std::string &path) {
  SafetensorsContents contents;
  ZEN_RETURN_IF_ERROR(mapFile(path, contents));
  tensors_ = std::move(contents.tensors);
  metadata_ = std::move(contents.metadata);
  return nullptr;
}

zen_status_t Checkpoint::openIndex(const std::string &indexPath) {
  auto formatError = [&](const std::string &message) {
    return makeStatus(ZEN_STATUS_INVALID_FORMAT, indexPath + ": " + message);
  };
  std::string text;
  ZEN_RETURN_IF_ERROR(readWholeFile(indexPath, kMaxSafetensorsHeaderBytes, text));
  json::Value root;
  json::ParseError parseError;
  if (!json::parse(text, root, parseError))
    return formatError(cat("not valid JSON: ", parseError.message, " at byte ",
                           parseError.offset));
  if (root.kind != json::Kind::Object)
    return formatError(cat("expected a JSON object with a \"weight_map\", "
                           "found ",
                           json::describe(root.kind)));
  if (const json::Value *meta = root.find("metadata"))
    if (meta->kind != json::Kind::Object && meta->kind != json::Kind::Null)
      return formatError(cat("\"metadata\" must be an object, found ",
                             json::describe(meta->kind)));
  const json::Value *weightMap = root.find("weight_map");
  if (!weightMap)
    return formatError("missing \"weight_map\" (tensor name -> shard file)");
  if (weightMap->kind != json::Kind::Object)
    return formatError(cat("\"weight_map\" must be an object mapping tensor "
                           "names to shard files, found ",
                           json::describe(weightMap->kind)));
  if (weightMap->members.empty())
    return formatError("\"weight_map\" is empty");

  // tensor name -> shard name; the std::map also orders the shards.
  std::map<std::string, std::string> tensorToShard;
  std::map<std::string, size_t> shardToFile;
  for (const json::Member &m : weightMap->members) {
    if (m.value.kind != json::Kind::String)
      return formatError(cat("weight_map entry for tensor ", quoted(m.key),
                             " must be a file name, found ",
                             json::describe(m.value.kind)));
    if (!isSafeShardName(m.value.text))
      return formatError(cat("weight_map maps tensor ", quoted(m.key),
                             " to ", quoted(m.value.text),
                             ", which is not a relative path inside the "
                             "checkpoint directory"));
    if (!tensorToShard.emplace(m.key, m.value.text).second)
      return formatError(cat("tensor ", quoted(m.key),
                             " appears twice in weight_map (at byte ",
                             m.keyOffset, ")"));
    shardToFile.emplace(m.value.text, 0);
  }

  std::string dir = parentDirectory(indexPath);
  std::vector<SafetensorsContents> shards;
  for (auto &[shard, fileIndex] : shardToFile) {
    std::string shardPath = joinPath(dir, shard);
    if (pathKind(shardPath) == PathKind::Missing) {
      std::string example;
      for (const auto &[tensor, s] : tensorToShard)
        if (s == shard) {
          example = tensor;
          break;
        }
      return makeStatus(ZEN_STATUS_NOT_FOUND,
                        cat(indexPath, ": weight_map refers to shard ",
                            quoted(shard), " (for tensor ", quoted(example),
                            " and others), but ", shardPath,
                            " does not exist"));
    }
    fileIndex = files_.size();
    shards.emplace_back();
    ZEN_RETURN_IF_ERROR(mapFile(shardPath, shards.back()));
  }

  // Tensors a shard holds but the index does not list are not exposed:
  // transformers loads exactly the weight_map's tensors too.
  tensors_.reserve(tensorToShard.size());
  for (const auto &[tensor, shard] : tensorToShard) {
    const SafetensorsContents &contents = shards[shardToFile[shard]];
    auto it = std::lower_bound(
        contents.tensors.begin(), contents.tensors.end(), tensor,
        [](const TensorEntry &t, const std::string &n) { return t.name < n; });
    if (it == contents.tensors.end() || it->name != tensor)
      return makeStatus(ZEN_STATUS_NOT_FOUND,
                        cat(indexPath, ": weight_map puts tensor ",
                            quoted(tensor), " in shard ", quoted(shard),
                            ", but ", filePath(shardToFile[shard]),
                            " does not contain it"));
    tensors_.push_back(*it);
  }
  // Shards are visited in name order; the first one to define a key wins.
  for (const SafetensorsContents &contents : shards)
    for (const auto &entry : contents.metadata) {
      auto it = std::lower_bound(metadata_.begin(), metadata_.end(), entry,
                                 [](const auto &a, const auto &b) {
                                   return a.first < b.first;
                                 });
      if (it == metadata_.end() || it->first != entry.first)
        metadata_.insert(it, entry);
    }
  return nullptr;
}

} // namespace zen::rt
