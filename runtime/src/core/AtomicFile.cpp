//===- AtomicFile.cpp - Crash-safe whole-file writes ----------------------===//

#include "AtomicFile.h"

#include "MappedFile.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace zen::rt {

namespace {

std::string baseName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Creates a fresh temporary file in `dir`; a per-process counter plus the pid
/// make the name unique, O_EXCL makes sure we never reuse someone's file.
zen_status_t createTemporary(const std::string &dir, const std::string &base,
                             const std::string &target, std::string &tmpPath,
                             int &fd) {
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    tmpPath = joinPath(dir, "." + base + ".tmp-" + std::to_string(::getpid()) +
                                "-" + std::to_string(counter++));
    // 0666 & ~umask, like any file the user creates.
    fd = ::open(tmpPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0)
      return nullptr;
    if (errno == EINTR || errno == EEXIST)
      continue;
    int err = errno;
    return makeStatus(err == ENOENT ? ZEN_STATUS_NOT_FOUND : ZEN_STATUS_IO_ERROR,
                      target + ": cannot create a temporary file in " + dir +
                          ": " + errnoMessage("open", err));
  }
  return makeStatus(ZEN_STATUS_IO_ERROR,
                    target + ": cannot find an unused temporary file name in " +
                        dir);
}

zen_status_t writeAll(int fd, const void *data, size_t size,
                      const std::string &target) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    // Linux transfers at most 0x7ffff000 bytes per call.
    size_t chunk = size < (size_t(1) << 30) ? size : (size_t(1) << 30);
    ssize_t n = ::write(fd, p, chunk);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return makeStatus(ZEN_STATUS_IO_ERROR,
                        target + ": " + errnoMessage("write", errno));
    if (n == 0)
      return makeStatus(ZEN_STATUS_IO_ERROR, target + ": write made no progress");
    p += n;
    size -= static_cast<size_t>(n);
  }
  return nullptr;
}

zen_status_t fsyncRetry(int fd, const std::string &what) {
  while (::fsync(fd) != 0) {
    if (errno == EINTR)
      continue;
    return makeStatus(ZEN_STATUS_IO_ERROR, what + ": " + errnoMessage("fsync", errno));
  }
  return nullptr;
}

} // namespace

zen_status_t writeFileAtomically(const std::string &path,
                                 const std::vector<ByteRange> &pieces) {
  if (path.empty() || path.back() == '/')
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      "'" + path + "' is not a file path");
  std::string dir = parentDirectory(path);
  std::string tmpPath;
  int fd;
  ZEN_RETURN_IF_ERROR(createTemporary(dir, baseName(path), path, tmpPath, fd));

  zen_status_t status = nullptr;
  for (const ByteRange &piece : pieces) {
    status = writeAll(fd, piece.data, piece.size, path);
    if (status)
      break;
  }
  // The data must be on disk before the rename publishes it; otherwise a
  // crash could leave the new name pointing at an empty or partial file.
  if (!status)
    status = fsyncRetry(fd, path);
  if (::close(fd) != 0 && !status && errno != EINTR)
    status = makeStatus(ZEN_STATUS_IO_ERROR, path + ": " + errnoMessage("close", errno));
  if (!status && ::rename(tmpPath.c_str(), path.c_str()) != 0)
    status = makeStatus(ZEN_STATUS_IO_ERROR,
                        path + ": " + errnoMessage("rename from " + tmpPath, errno));
  if (status) {
    ::unlink(tmpPath.c_str());
    return status;
  }

  // Persist the rename itself. Some file systems cannot fsync a directory
  // (EINVAL); the file is complete either way, so that is not an error.
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0)
    return makeStatus(ZEN_STATUS_IO_ERROR,
                      path + ": written, but the directory " + dir +
                          " could not be opened to make the rename durable: " +
                          errnoMessage("open", errno));
  zen_status_t dirStatus = nullptr;
  while (::fsync(dirFd) != 0) {
    if (errno == EINTR)
      continue;
    if (errno != EINVAL && errno != ENOTSUP)
      dirStatus = makeStatus(ZEN_STATUS_IO_ERROR,
                             path + ": written, but the rename may not be durable: " +
                                 errnoMessage("fsync of " + dir, errno));
    break;
  }
  ::close(dirFd);
  return dirStatus;
}

} // namespace zen::rt
