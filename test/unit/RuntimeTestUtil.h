//===- RuntimeTestUtil.h - Helpers for the libzenrt unit tests --*- C++ -*-===//
//
// Temporary directories, raw file writing, and status assertions. Malformed
// files are built byte by byte inside each test, so every validation branch
// is exercised without checked-in binary fixtures.
//
//===----------------------------------------------------------------------===//
#ifndef ZEN_TEST_UNIT_RUNTIMETESTUTIL_H
#define ZEN_TEST_UNIT_RUNTIMETESTUTIL_H

#include "zen/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace zen::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") +
                          "/zenrt-test-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!::mkdtemp(buffer.data()))
      ADD_FAILURE() << "mkdtemp failed";
    path_ = buffer.data();
  }
  ~TempDir() { removeTree(path_); }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

  /// Names in the directory (not "." or ".."), sorted.
  std::vector<std::string> list() const { return listDir(path_); }

  static std::vector<std::string> listDir(const std::string &dir) {
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

private:
  static void removeTree(const std::string &path) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0)
      return;
    if (S_ISDIR(st.st_mode)) {
      ::chmod(path.c_str(), 0700);
      for (const std::string &n : listDir(path))
        removeTree(path + "/" + n);
      ::rmdir(path.c_str());
    } else {
      ::unlink(path.c_str());
    }
  }
  std::string path_;
};

inline void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Little-endian bytes of an integer or float.
template <typename T>
std::string le(T value) {
  std::string s(sizeof(T), '\0');
  std::memcpy(&s[0], &value, sizeof(T));
  return s;
}

/// A safetensors image: 8-byte length, `header`, then `data`.
inline std::string safetensorsBytes(const std::string &header,
                                    const std::string &data = "") {
  return le<uint64_t>(header.size()) + header + data;
}

/// Frees a status on scope exit and formats it for assertions.
struct Status {
  zen_status_t s;
  explicit Status(zen_status_t s) : s(s) {}
  ~Status() { zen_status_free(s); }
  Status(const Status &) = delete;
  Status &operator=(const Status &) = delete;
  bool ok() const { return s == nullptr; }
  zen_status_code_t code() const { return zen_status_code(s); }
  std::string message() const { return zen_status_message(s); }
};

} // namespace zen::test

/// Asserts success, printing the runtime's message otherwise.
#define ZEN_ASSERT_OK(expr)                                                    \
  do {                                                                         \
    ::zen::test::Status zenStatus_(expr);                                      \
    ASSERT_TRUE(zenStatus_.ok()) << #expr << ": " << zenStatus_.message();     \
  } while (0)

#define ZEN_EXPECT_OK(expr)                                                    \
  do {                                                                         \
    ::zen::test::Status zenStatus_(expr);                                      \
    EXPECT_TRUE(zenStatus_.ok()) << #expr << ": " << zenStatus_.message();     \
  } while (0)

/// Expects an error with `code` whose message contains `fragment`.
#define ZEN_EXPECT_ERROR(expr, expectedCode, fragment)                         \
  do {                                                                         \
    ::zen::test::Status zenStatus_(expr);                                      \
    EXPECT_FALSE(zenStatus_.ok()) << #expr << " unexpectedly succeeded";       \
    EXPECT_EQ(zen_status_code_name(zenStatus_.code()),                         \
              std::string(zen_status_code_name(expectedCode)))                 \
        << zenStatus_.message();                                               \
    EXPECT_NE(zenStatus_.message().find(fragment), std::string::npos)          \
        << "message: " << zenStatus_.message() << "\nexpected to contain: "    \
        << (fragment);                                                         \
  } while (0)

#endif // ZEN_TEST_UNIT_RUNTIMETESTUTIL_H
