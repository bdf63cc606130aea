#pragma once
// Reads NDJSON from a file descriptor in large chunks of whole lines, each followed by
// simdjson's padding: bookings are parsed where they lie, never copied one by one.
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace hubrules::runtime {

struct Chunk {
  const char* begin;
  const char* end;       // one past the last line's '\n' (or the end of input)
  const char* readable;  // the buffer is readable up to here: simdjson's capacity limit
};

// A buffer holding one chunk: whole lines, then at least simdjson's padding. Reused from chunk
// to chunk, it stops allocating once it has grown to the chunk size.
struct ChunkBuffer {
  std::vector<char> bytes;
  std::size_t size = 0;  // bytes of whole lines at the front

  Chunk view() const { return {bytes.data(), bytes.data() + size, bytes.data() + bytes.size()}; }
};

class NdjsonChunks {
 public:
  // name: the input's name for error messages.
  NdjsonChunks(int fd, std::string name, std::size_t chunk_bytes);

  // Reads the next chunk into b; false at the end of input. Throws std::runtime_error when
  // reading fails.
  bool next_into(ChunkBuffer& b);
  // The next chunk in the reader's own buffer, valid until the following call.
  std::optional<Chunk> next();
  std::size_t bytes_read() const { return total_; }

 private:
  int fd_;
  std::string name_;
  std::size_t chunk_bytes_;
  std::string carry_;  // the partial last line of the previous chunk
  ChunkBuffer own_;
  std::size_t total_ = 0;
  bool eof_ = false;
};

// Calls f(line_number, begin, length) for each line of [begin, end), numbering from first_line;
// returns the number of lines.
template <typename F>
std::size_t for_each_line(const char* begin, const char* end, std::size_t first_line, F&& f) {
  std::size_t line = first_line;
  for (const char* p = begin; p < end; ++line) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* line_end = nl != nullptr ? nl : end;
    f(line, p, static_cast<std::size_t>(line_end - p));
    p = nl != nullptr ? nl + 1 : end;
  }
  return line - first_line;
}

}  // namespace hubrules::runtime
