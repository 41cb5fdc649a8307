//===- Npy.cpp - .npy array files -----------------------------------------===//

#include "Npy.h"

#include "AtomicFile.h"
#include "CheckedMath.h"
#include "DType.h"
#include "MappedFile.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>

namespace zen::rt {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr size_t kAlignment = 64; // numpy.lib.format.ARRAY_ALIGN

const char *npyDescr(zen_dtype_t dtype) {
  switch (dtype) {
  case ZEN_DTYPE_F32:
    return "<f4";
  case ZEN_DTYPE_I64:
    return "<i8";
  case ZEN_DTYPE_I32:
    return "<i4";
  default:
    return nullptr;
  }
}

/// A value of the header dict: a string, a boolean, or a tuple of integers.
struct Literal {
  enum Kind { String, Bool, Tuple } kind = String;
  std::string text;
  bool boolean = false;
  std::vector<int64_t> tuple;
};

/// Parses the Python dict literal numpy writes. It accepts the forms
/// numpy's writer produces and the ones ast.literal_eval would also take for
/// these keys (either quote style, optional trailing commas, any spacing).
class DictParser {
public:
  DictParser(std::string_view text) : text(text) {}

  bool parse(std::map<std::string, Literal> &out) {
    skipSpace();
    if (!consume('{'))
      return fail("expected '{'");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return false;
      skipSpace();
      if (!consume(':'))
        return fail("expected ':' after key '" + key + "'");
      skipSpace();
      Literal value;
      if (!parseValue(value))
        return false;
      if (!out.emplace(key, std::move(value)).second)
        return fail("duplicate key '" + key + "'");
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return fail("expected ',' or '}'");
    }
    skipSpace();
    if (pos != text.size())
      return fail("unexpected text after the dictionary");
    return true;
  }

  std::string error;

private:
  std::string_view text;
  size_t pos = 0;

  bool fail(const std::string &message) {
    error = cat(message, " at header byte ", pos);
    return false;
  }
  void skipSpace() {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' ||
            text[pos] == '\r'))
      ++pos;
  }
  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool parseString(std::string &out) {
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return fail("expected a quoted string");
    char quote = text[pos++];
    size_t start = pos;
    while (pos < text.size() && text[pos] != quote) {
      if (text[pos] == '\\' || text[pos] == '\n')
        return fail("unsupported character in string");
      ++pos;
    }
    if (pos >= text.size())
      return fail("unterminated string");
    out.assign(text.substr(start, pos - start));
    ++pos;
    return true;
  }
  bool parseValue(Literal &out) {
    if (pos < text.size() && (text[pos] == '\'' || text[pos] == '"')) {
      out.kind = Literal::String;
      return parseString(out.text);
    }
    if (text.substr(pos, 4) == "True") {
      pos += 4;
      out.kind = Literal::Bool;
      out.boolean = true;
      return true;
    }
    if (text.substr(pos, 5) == "False") {
      pos += 5;
      out.kind = Literal::Bool;
      out.boolean = false;
      return true;
    }
    if (consume('('))
      return parseTuple(out);
    return fail("expected a string, True, False or a tuple");
  }
  bool parseTuple(Literal &out) {
    out.kind = Literal::Tuple;
    skipSpace();
    if (consume(')'))
      return true;
    while (true) {
      skipSpace();
      size_t start = pos;
      uint64_t v = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        uint64_t digit = static_cast<uint64_t>(text[pos] - '0');
        if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / 10)
          return fail("shape entry does not fit in 63 bits");
        v = v * 10 + digit;
        ++pos;
      }
      if (pos == start)
        return fail("shape entries must be non-negative integers");
      out.tuple.push_back(static_cast<int64_t>(v));
      skipSpace();
      bool comma = consume(',');
      skipSpace();
      if (consume(')')) {
        // (5) is an int, not a tuple, in Python.
        if (out.tuple.size() == 1 && !comma)
          return fail("a one-element shape needs a trailing comma");
        return true;
      }
      if (!comma)
        return fail("expected ',' or ')' in shape");
    }
  }
};

} // namespace

zen_status_t parseNpy(const std::string &label, const uint8_t *bytes,
                      size_t size, NpyHeader &out) {
  auto formatError = [&](const std::string &message) {
    return makeStatus(ZEN_STATUS_INVALID_FORMAT, label + ": " + message);
  };
  if (size < kMagicSize + 2 || std::memcmp(bytes, kMagic, kMagicSize) != 0)
    return formatError("not a .npy file (missing the \\x93NUMPY magic)");
  unsigned major = bytes[6], minor = bytes[7];
  size_t lengthSize;
  if (major == 1 && minor == 0)
    lengthSize = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    lengthSize = 4;
  else
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      cat(label, ": .npy format version ", major, ".", minor,
                          " is not supported (Zen reads 1.0, 2.0 and 3.0)"));
  size_t prefix = kMagicSize + 2 + lengthSize;
  if (size < prefix)
    return formatError("file ends inside the .npy header length");
  uint64_t headerLength = 0;
  for (size_t i = 0; i < lengthSize; ++i)
    headerLength |= static_cast<uint64_t>(bytes[8 + i]) << (8 * i);
  if (headerLength > size - prefix)
    return formatError(cat("header length ", headerLength,
                           " extends beyond the end of the file (", size,
                           " bytes)"));
  std::string_view dictText(reinterpret_cast<const char *>(bytes) + prefix,
                            headerLength);

  std::map<std::string, Literal> dict;
  DictParser parser(dictText);
  if (!parser.parse(dict))
    return formatError("malformed header dictionary: " + parser.error);
  for (const char *key : {"descr", "fortran_order", "shape"})
    if (!dict.count(key))
      return formatError(cat("header dictionary lacks '", key, "'"));
  if (dict.size() != 3)
    return formatError("header dictionary has keys other than 'descr', "
                       "'fortran_order' and 'shape'");
  const Literal &descr = dict["descr"];
  const Literal &fortran = dict["fortran_order"];
  const Literal &shape = dict["shape"];
  if (descr.kind != Literal::String)
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      label + ": structured dtypes are not supported");
  if (fortran.kind != Literal::Bool)
    return formatError("'fortran_order' must be True or False");
  if (shape.kind != Literal::Tuple)
    return formatError("'shape' must be a tuple of integers");

  if (descr.text == "<f4")
    out.dtype = ZEN_DTYPE_F32;
  else if (descr.text == "<i8")
    out.dtype = ZEN_DTYPE_I64;
  else if (descr.text == "<i4")
    out.dtype = ZEN_DTYPE_I32;
  else if (descr.text == ">f4" || descr.text == ">i8" || descr.text == ">i4")
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      label + ": big-endian data ('" + descr.text +
                          "') is not supported; save with "
                          "arr.astype(arr.dtype.newbyteorder('<'))");
  else
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      label + ": dtype '" + descr.text +
                          "' is not supported (Zen reads float32 '<f4', "
                          "int64 '<i8' and int32 '<i4')");
  // A 0-d or 1-d array is both C- and Fortran-contiguous; numpy writes
  // fortran_order False for them, but True would mean the same bytes.
  if (fortran.boolean && shape.tuple.size() > 1)
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      label + ": Fortran-order arrays are not supported; "
                              "save np.ascontiguousarray(arr) instead");
  if (shape.tuple.size() > ZEN_NPY_MAX_RANK)
    return makeStatus(ZEN_STATUS_UNSUPPORTED,
                      cat(label, ": rank ", shape.tuple.size(),
                          " is above the supported maximum of ",
                          ZEN_NPY_MAX_RANK));
  out.shape = shape.tuple;
  if (!checkedProduct(out.shape, out.numElements) ||
      !checkedMul(out.numElements, dtypeSize(out.dtype), out.numBytes))
    return formatError("shape is too large");
  out.dataOffset = prefix + headerLength;
  uint64_t available = size - out.dataOffset;
  if (available < out.numBytes)
    return formatError(cat("data is truncated: ", dtypeName(out.dtype), " shape ",
                           formatShape(out.shape), " needs ", out.numBytes,
                           " bytes, found ", available));
  if (available > out.numBytes)
    return formatError(cat("file has ", available - out.numBytes,
                           " trailing bytes after the ", out.numBytes,
                           " bytes of array data"));
  return nullptr;
}

std::string buildNpyHeader(zen_dtype_t dtype, const std::vector<int64_t> &shape) {
  std::string dict = std::string("{'descr': '") + npyDescr(dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i)
    dict += cat(i ? ", " : "", shape[i]);
  if (shape.size() == 1)
    dict += ',';
  dict += "), }";
  // Pad with spaces so that magic + version + length + dict + '\n' is a
  // multiple of 64, as numpy does.
  size_t lengthSize = 2;
  size_t unpadded = kMagicSize + 2 + lengthSize + dict.size() + 1;
  if (((unpadded + kAlignment - 1) / kAlignment) * kAlignment -
          (kMagicSize + 2 + lengthSize) >
      0xFFFF) {
    lengthSize = 4;
    unpadded += 2;
  }
  size_t padded = (unpadded + kAlignment - 1) / kAlignment * kAlignment;
  dict.append(padded - unpadded, ' ');
  dict += '\n';
  std::string header(kMagic, kMagicSize);
  header += static_cast<char>(lengthSize == 2 ? 1 : 2);
  header += '\0';
  uint64_t length = dict.size();
  for (size_t i = 0; i < lengthSize; ++i)
    header += static_cast<char>((length >> (8 * i)) & 0xFF);
  return header + dict;
}

zen_status_t readNpyFile(const std::string &path, zen_npy_array_t &out) {
  std::unique_ptr<MappedFile> file;
  ZEN_RETURN_IF_ERROR(MappedFile::open(path, file));
  NpyHeader header;
  ZEN_RETURN_IF_ERROR(parseNpy(path, file->data(), file->size(), header));
  // At least one byte, so that a successful read never returns NULL data.
  size_t bytes = static_cast<size_t>(header.numBytes);
  size_t allocation = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void *data = std::aligned_alloc(kAlignment, allocation ? allocation : kAlignment);
  if (!data)
    return makeStatus(ZEN_STATUS_OUT_OF_MEMORY,
                      cat(path, ": cannot allocate ", bytes, " bytes"));
  if (bytes)
    std::memcpy(data, file->data() + header.dataOffset, bytes);
  zen_npy_array_t result{};
  result.dtype = header.dtype;
  result.rank = static_cast<int32_t>(header.shape.size());
  for (size_t i = 0; i < header.shape.size(); ++i)
    result.shape[i] = header.shape[i];
  result.num_elements = header.numElements;
  result.data = data;
  out = result;
  return nullptr;
}

zen_status_t writeNpyFile(const std::string &path, zen_dtype_t dtype,
                          const std::vector<int64_t> &shape, const void *data) {
  if (!npyDescr(dtype))
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(path, ": .npy files can hold F32, I64 or I32, not ",
                          dtypeName(dtype)));
  if (shape.size() > ZEN_NPY_MAX_RANK)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      cat(path, ": rank ", shape.size(), " is above the maximum ",
                          ZEN_NPY_MAX_RANK));
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] < 0)
      return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                        cat(path, ": shape[", i, "] is ", shape[i],
                            "; dimensions must be non-negative"));
  uint64_t elements, bytes;
  if (!checkedProduct(shape, elements) ||
      !checkedMul(elements, dtypeSize(dtype), bytes))
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT, path + ": shape is too large");
  if (bytes && !data)
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT, path + ": data is NULL");
  std::string header = buildNpyHeader(dtype, shape);
  std::vector<ByteRange> pieces{{header.data(), header.size()}};
  if (bytes)
    pieces.push_back({data, static_cast<size_t>(bytes)});
  return writeFileAtomically(path, pieces);
}

} // namespace zen::rt
