//===- MappedFile.cpp - Read-only memory-mapped files ---------------------===//

#include "MappedFile.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace zen::rt {

namespace {
/// Closes a descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0)
      ::close(fd);
  }
};

zen_status_t openError(const std::string &path, int err) {
  return makeStatus(err == ENOENT ? ZEN_STATUS_NOT_FOUND : ZEN_STATUS_IO_ERROR,
                    path + ": " + errnoMessage("open", err));
}

/// Opens `path` for reading and checks that it is a regular file.
zen_status_t openRegular(const std::string &path, int &fd, size_t &size) {
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return openError(path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    fd = -1;
    return makeStatus(ZEN_STATUS_IO_ERROR, path + ": " + errnoMessage("stat", err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    fd = -1;
    return makeStatus(ZEN_STATUS_INVALID_ARGUMENT,
                      path + ": " +
                          (S_ISDIR(st.st_mode) ? "is a directory"
                                               : "is not a regular file"));
  }
  size = static_cast<size_t>(st.st_size);
  return nullptr;
}
} // namespace

MappedFile::~MappedFile() {
  if (mapping_)
    ::munmap(mapping_, size_);
}

zen_status_t MappedFile::open(const std::string &path,
                              std::unique_ptr<MappedFile> &out) {
  int fd;
  size_t size;
  ZEN_RETURN_IF_ERROR(openRegular(path, fd, size));
  FdCloser closer{fd};
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  file->size_ = size;
  if (size > 0) {
    void *p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
      return makeStatus(ZEN_STATUS_IO_ERROR,
                        path + ": " + errnoMessage("mmap", errno));
    file->mapping_ = p;
    file->data_ = static_cast<const uint8_t *>(p);
  }
  out = std::move(file);
  return nullptr;
}

zen_status_t readWholeFile(const std::string &path, size_t maxBytes,
                           std::string &out) {
  int fd;
  size_t size;
  ZEN_RETURN_IF_ERROR(openRegular(path, fd, size));
  FdCloser closer{fd};
  if (size > maxBytes)
    return makeStatus(ZEN_STATUS_INVALID_FORMAT,
                      cat(path, ": file is ", size, " bytes, larger than the ",
                          maxBytes, "-byte limit for this kind of file"));
  out.resize(size);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, &out[done], size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return makeStatus(ZEN_STATUS_IO_ERROR,
                        path + ": " + errnoMessage("read", errno));
    if (n == 0) // the file shrank under us
      break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return nullptr;
}

std::string joinPath(const std::string &dir, const std::string &name) {
  if (dir.empty() || dir == ".")
    return name;
  if (dir.back() == '/')
    return dir + name;
  return dir + "/" + name;
}

std::string parentDirectory(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

PathKind pathKind(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return PathKind::Missing;
  if (S_ISDIR(st.st_mode))
    return PathKind::Directory;
  if (S_ISREG(st.st_mode))
    return PathKind::RegularFile;
  return PathKind::Other;
}

} // namespace zen::rt
