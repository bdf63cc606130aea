#pragma once
// Reads NDJSON from a file descriptor in large chunks of whole lines, in one buffer that keeps
// simdjson's padding after every line: bookings are parsed where they lie, never copied.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hubrules::runtime {

struct Chunk {
  const char* begin;
  const char* end;        // one past the last line's '\n' (or the end of input)
  const char* readable;   // the buffer is readable up to here: simdjson's capacity limit
};

class NdjsonChunks {
 public:
  // name: the input's name for error messages.
  NdjsonChunks(int fd, std::string name, std::size_t chunk_bytes);
  // The next chunk, valid until the following call; nullopt at the end of input.
  // Throws std::runtime_error when reading fails.
  std::optional<Chunk> next();
  std::size_t bytes_read() const { return total_; }

 private:
  bool fill();

  int fd_;
  std::string name_;
  std::vector<char> buffer_;
  std::size_t size_ = 0;      // bytes of input in the buffer
  std::size_t consumed_ = 0;  // bytes handed out by the last chunk
  std::size_t total_ = 0;
  bool eof_ = false;
};

// Calls f(line_number, begin, length) for each line of [begin, end), numbering from first_line;
// returns the number of lines.
template <typename F>
std::size_t for_each_line(const char* begin, const char* end, std::size_t first_line, F&& f);

}  // namespace hubrules::runtime

#include <cstring>

template <typename F>
std::size_t hubrules::runtime::for_each_line(const char* begin, const char* end, std::size_t first_line, F&& f) {
  std::size_t line = first_line;
  for (const char* p = begin; p < end; ++line) {
    const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* line_end = nl != nullptr ? nl : end;
    f(line, p, static_cast<std::size_t>(line_end - p));
    p = nl != nullptr ? nl + 1 : end;
  }
  return line - first_line;
}
