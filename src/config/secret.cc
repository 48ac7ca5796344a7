// SPDX-License-Identifier: MIT
#include "xerod/secret.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include "config/fd.h"

namespace xerod {
namespace {

constexpr std::size_t kMaxSecretBytes = 64 * 1024;

void Wipe(std::string& s) { WipeString(s); }

using config::Fd;

std::string ErrnoText(int err) { return std::strerror(err); }

Result<std::string> ResolvePath(const std::string& name) {
  if (name.empty()) return Fail(Code::kInvalidArgument, "no secret file or credential name given");
  // A value that is not an absolute path is never repeated in an error: it
  // may be the secret itself, pasted into a *_file key by mistake.
  if (name.find('/') != std::string::npos) {
    if (name.front() != '/') {
      return Fail(Code::kInvalidArgument,
                  "the secret file must be an absolute path or a credential name without '/' "
                  "(the value is not shown: if it is the secret itself, put it in a file "
                  "readable only by xerod and give that file's path)");
    }
    return name;
  }
  if (name == "." || name == "..") {
    return Fail(Code::kInvalidArgument, "\"" + name + "\" is not a valid credential name");
  }
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (dir == nullptr || *dir == '\0') {
    return Fail(Code::kNotFound,
                "the credential cannot be found: $CREDENTIALS_DIRECTORY is not set (give an "
                "absolute path, or use systemd LoadCredential=; the value is not shown: if it "
                "is the secret itself, put it in a file and give that file's path)");
  }
  std::string path(dir);
  if (path.back() != '/') path += '/';
  path += name;
  if (::access(path.c_str(), F_OK) != 0) {
    return Fail(Code::kNotFound,
                "no such credential in $CREDENTIALS_DIRECTORY (the value is not shown: if it is "
                "the secret itself, put it in a file and give that file's path, or load it "
                "with LoadCredential=)");
  }
  return path;
}

}  // namespace

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    Wipe(value_);
    value_ = other.value_;
  }
  return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    Wipe(value_);
    value_ = std::move(other.value_);
    other.value_.clear();
  }
  return *this;
}

Secret::~Secret() { Wipe(value_); }

void WipeString(std::string& s) {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

std::ostream& operator<<(std::ostream& out, const Secret& /*secret*/) { return out << "***"; }

Result<Secret> LoadSecret(const std::string& file_or_credential_name) {
  auto path = ResolvePath(file_or_credential_name);
  if (!path) return Fail(path.error());
  const std::string& file = *path;
  // O_NONBLOCK: opening a FIFO must not hang; it is refused below as not a regular file.
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    int err = errno;
    Code code = err == ENOENT || err == ENOTDIR ? Code::kNotFound
                : err == EACCES                 ? Code::kPermissionDenied
                                                : Code::kIo;
    return Fail(code, "cannot open secret file " + file + ": " + ErrnoText(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Fail(Code::kIo, "cannot stat secret file " + file + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Fail(Code::kInvalidArgument, "secret file " + file + " is not a regular file");
  }
  if ((st.st_mode & 044) != 0) {
    return Fail(Code::kPermissionDenied,
                fmt::format("secret file {} is readable by group or others (mode {:04o}); "
                            "fix with: chmod 600 {}",
                            file, st.st_mode & 07777, file));
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxSecretBytes) {
    return Fail(Code::kInvalidArgument, "secret file " + file + " is larger than 64 KiB");
  }
  std::string value;
  std::array<char, 4096> buf{};
  while (true) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      Wipe(value);
      return Fail(Code::kIo, "cannot read secret file " + file + ": " + ErrnoText(err));
    }
    if (n == 0) break;
    value.append(buf.data(), static_cast<std::size_t>(n));
    if (value.size() > kMaxSecretBytes) {
      Wipe(value);
      return Fail(Code::kInvalidArgument, "secret file " + file + " is larger than 64 KiB");
    }
  }
  volatile char* b = buf.data();
  for (std::size_t i = 0; i < buf.size(); ++i) b[i] = 0;
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  if (value.empty()) {
    return Fail(Code::kInvalidArgument, "secret file " + file + " is empty");
  }
  return Secret(std::move(value));
}

}  // namespace xerod
