#include "runtime/ndjson_chunks.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace hubrules::runtime {

NdjsonChunks::NdjsonChunks(int fd, std::string name, std::size_t chunk_bytes)
    : fd_(fd), name_(std::move(name)), buffer_(chunk_bytes + simdjson::SIMDJSON_PADDING) {}

// Reads until the buffer (less its padding) is full or the input ends.
bool NdjsonChunks::fill() {
  const std::size_t usable = buffer_.size() - simdjson::SIMDJSON_PADDING;
  while (!eof_ && size_ < usable) {
    const ssize_t n = ::read(fd_, buffer_.data() + size_, usable - size_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(name_ + ": " + std::strerror(errno));
    if (n == 0) eof_ = true;
    size_ += static_cast<std::size_t>(n);
    total_ += static_cast<std::size_t>(n);
  }
  return size_ > 0;
}

std::optional<Chunk> NdjsonChunks::next() {
  // Keep the partial last line of the previous chunk.
  std::memmove(buffer_.data(), buffer_.data() + consumed_, size_ - consumed_);
  size_ -= consumed_;
  consumed_ = 0;
  for (;;) {
    if (!fill()) return std::nullopt;
    const char* data = buffer_.data();
    const void* last_nl = memrchr(data, '\n', size_);
    std::size_t end = last_nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(last_nl) - data) + 1 : 0;
    if (eof_) end = size_;
    if (end == 0) {
      // One line longer than the buffer: make room and read on.
      buffer_.resize(buffer_.size() * 2);
      continue;
    }
    consumed_ = end;
    return Chunk{data, data + end, data + buffer_.size()};
  }
}

}  // namespace hubrules::runtime
