#include "runtime/mapping/ndjson_chunks.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace hubrules::runtime {

NdjsonChunks::NdjsonChunks(int fd, std::string name, std::size_t chunk_bytes)
    : fd_(fd), name_(std::move(name)), chunk_bytes_(chunk_bytes) {}

bool NdjsonChunks::next_into(ChunkBuffer& b) {
  std::size_t capacity = std::max(chunk_bytes_, carry_.size() * 2);
  if (b.bytes.size() < capacity + simdjson::SIMDJSON_PADDING) b.bytes.resize(capacity + simdjson::SIMDJSON_PADDING);
  capacity = b.bytes.size() - simdjson::SIMDJSON_PADDING;
  std::size_t n = carry_.copy(b.bytes.data(), carry_.size());
  for (;;) {
    while (!eof_ && n < capacity) {
      const ssize_t got = ::read(fd_, b.bytes.data() + n, capacity - n);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw std::runtime_error(name_ + ": " + std::strerror(errno));
      if (got == 0) eof_ = true;
      n += static_cast<std::size_t>(got);
      total_ += static_cast<std::size_t>(got);
    }
    const void* last_nl = memrchr(b.bytes.data(), '\n', n);
    std::size_t end = last_nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(last_nl) - b.bytes.data()) + 1 : 0;
    if (eof_) end = n;
    if (end == 0 && n > 0) {
      // One line longer than the chunk: make room and read on.
      b.bytes.resize(b.bytes.size() * 2);
      capacity = b.bytes.size() - simdjson::SIMDJSON_PADDING;
      continue;
    }
    carry_.assign(b.bytes.data() + end, n - end);
    b.size = end;
    return end > 0;
  }
}

std::optional<Chunk> NdjsonChunks::next() {
  if (!next_into(own_)) return std::nullopt;
  return own_.view();
}

}  // namespace hubrules::runtime
