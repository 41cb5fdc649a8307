//===- Options.cpp - zen-run's command line -------------------------------===//

#include "Options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

namespace zen::run {

namespace {

struct CommandSpec {
  const char *name;
  std::set<std::string> valued;   // --flag VALUE
  std::set<std::string> switches; // --flag
};

const std::vector<CommandSpec> &commands() {
  static const std::vector<CommandSpec> specs = {
      {"info", {}, {"params"}},
      {"forward",
       {"weights", "random-weights", "input-ids", "attention-mask", "positions",
        "dump-logits", "entry", "device"},
       {"allow-extra-weights"}},
      {"generate",
       {"weights", "random-weights", "prompt-ids", "attention-mask",
        "max-new-tokens", "max-seq-len", "temperature", "top-k", "top-p",
        "seed", "device"},
       {"allow-extra-weights"}},
      {"bench",
       {"weights", "random-weights", "prompt-len", "decode-tokens", "batch",
        "max-seq-len", "device"},
       {"allow-extra-weights"}},
      {"train-step",
       {"weights", "random-weights", "batch", "steps", "adapter", "resume",
        "seed", "lr", "dump-grads", "save-adapter", "checkpoint"},
       {"allow-extra-weights"}},
      {"gspo",
       {"weights", "random-weights", "steps", "prompts", "prompt-len",
        "completion-len", "target", "eos", "seed", "lr", "adapter", "resume",
        "save-adapter", "checkpoint"},
       {"allow-extra-weights"}},
  };
  return specs;
}

std::string trim(const std::string &s) {
  size_t begin = s.find_first_not_of(" \t\n");
  if (begin == std::string::npos)
    return "";
  size_t end = s.find_last_not_of(" \t\n");
  return s.substr(begin, end - begin + 1);
}

std::vector<std::string> split(const std::string &s, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(separator, start);
    parts.push_back(s.substr(start, at == std::string::npos ? std::string::npos
                                                            : at - start));
    if (at == std::string::npos)
      return parts;
    start = at + 1;
  }
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status readNpyTokens(const std::string &path, const std::string &flag,
                     TokenBatch &out) {
  zen_npy_array_t array;
  Status status(zen_npy_read(path.c_str(), &array));
  if (!status.ok())
    return Status::error(flag + ": " + status.message());
  Status result;
  if (array.dtype != ZEN_DTYPE_I64 && array.dtype != ZEN_DTYPE_I32) {
    result = Status::error(flag + ": " + path + " holds " +
                           zen_dtype_name(array.dtype) +
                           " values; token data must be int64 or int32");
  } else if (array.rank != 1 && array.rank != 2) {
    result =
        Status::error(flag + ": " + path + " has rank " +
                      std::to_string(array.rank) + "; expected [T] or [B, T]");
  } else {
    out.batch = array.rank == 2 ? array.shape[0] : 1;
    out.length = array.shape[array.rank - 1];
    if (out.batch < 1 || out.length < 1) {
      result = Status::error(flag + ": " + path + " is empty");
    } else {
      out.values.resize(array.num_elements);
      for (uint64_t i = 0; i < array.num_elements; ++i)
        out.values[i] = array.dtype == ZEN_DTYPE_I64
                            ? static_cast<const int64_t *>(array.data)[i]
                            : static_cast<const int32_t *>(array.data)[i];
    }
  }
  zen_npy_array_release(&array);
  return result;
}

} // namespace

Status Options::getU64(const std::string &flag, uint64_t &out) const {
  std::string text = get(flag);
  errno = 0;
  char *end = nullptr;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || text[0] == '+' || *end != '\0' ||
      errno == ERANGE)
    return usageError("--" + flag + " expects a non-negative integer, got '" +
                      text + "'");
  out = value;
  return Status();
}

Status Options::getFloat(const std::string &flag, float &out) const {
  std::string text = get(flag);
  errno = 0;
  char *end = nullptr;
  float value = std::strtof(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(value))
    return usageError("--" + flag + " expects a number, got '" + text + "'");
  out = value;
  return Status();
}

Status parseOptions(int argc, char **argv, Options &out) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string &a : args) {
    if (a == "--help" || a == "-h") {
      out.help = true;
      return Status();
    }
    if (a == "--version") {
      out.version = true;
      return Status();
    }
  }
  if (args.empty())
    return usageError("missing MODEL.so");
  out.modelPath = args[0];
  if (out.modelPath.rfind("--", 0) == 0)
    return usageError("the first argument must be the model library, not '" +
                      out.modelPath + "'");
  if (args.size() < 2)
    return usageError("missing command after " + out.modelPath +
                      " (info, forward, generate, bench, train-step or gspo)");
  out.command = args[1];
  const CommandSpec *spec = nullptr;
  for (const CommandSpec &c : commands())
    if (out.command == c.name)
      spec = &c;
  if (!spec)
    return usageError("unknown command '" + out.command +
                      "' (expected info, forward, generate, bench, train-step or "
                      "gspo)");

  for (size_t i = 2; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg.size() == 2)
      return usageError("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2), value;
    size_t eq = name.find('=');
    bool inlineValue = eq != std::string::npos;
    if (inlineValue) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (spec->switches.count(name)) {
      if (inlineValue)
        return usageError("--" + name + " takes no value");
    } else if (spec->valued.count(name)) {
      if (!inlineValue) {
        if (i + 1 >= args.size())
          return usageError("--" + name + " needs a value");
        value = args[++i];
      }
    } else {
      return usageError("unknown option --" + name + " for " + out.command);
    }
    if (!out.flags.emplace(name, value).second)
      return usageError("--" + name + " is given twice");
  }
  return Status();
}

Status parseTokens(const std::string &text, const std::string &flag,
                   TokenBatch &out) {
  out = TokenBatch();
  if (endsWith(text, ".npy"))
    return readNpyTokens(text, flag, out);
  std::vector<std::string> sequences = split(text, ';');
  for (size_t s = 0; s < sequences.size(); ++s) {
    std::vector<std::string> tokens = split(sequences[s], ',');
    if (tokens.size() == 1 && trim(tokens[0]).empty())
      return usageError(flag + ": sequence " + std::to_string(s) +
                        " is empty (expected ids like '1,2,3')");
    for (size_t t = 0; t < tokens.size(); ++t) {
      std::string token = trim(tokens[t]);
      errno = 0;
      char *end = nullptr;
      long long value = std::strtoll(token.c_str(), &end, 10);
      if (token.empty() || *end != '\0' || errno == ERANGE)
        return usageError(flag + ": '" + token +
                          "' is not an integer (sequence " + std::to_string(s) +
                          ", token " + std::to_string(t) + ")");
      out.values.push_back(value);
    }
    if (s == 0)
      out.length = static_cast<int64_t>(tokens.size());
    else if (static_cast<int64_t>(tokens.size()) != out.length)
      return usageError(flag + ": sequence " + std::to_string(s) + " has " +
                        std::to_string(tokens.size()) +
                        (tokens.size() == 1 ? " token" : " tokens") +
                        " but sequence 0 has " + std::to_string(out.length) +
                        "; sequences must have equal length (pad them and "
                        "pass --attention-mask)");
  }
  out.batch = static_cast<int64_t>(sequences.size());
  return Status();
}

Status requireSameShape(const TokenBatch &a, const std::string &aFlag,
                        const TokenBatch &b, const std::string &bFlag) {
  if (a.batch == b.batch && a.length == b.length)
    return Status();
  auto shape = [](const TokenBatch &t) {
    return "[" + std::to_string(t.batch) + ", " + std::to_string(t.length) +
           "]";
  };
  return usageError(bFlag + " has shape " + shape(b) + " but " + aFlag +
                    " has shape " + shape(a));
}

} // namespace zen::run
