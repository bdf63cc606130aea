#pragma once
// Bump allocation for the strings functions make while evaluating one booking. Reset between
// bookings; blocks are kept, so the steady state allocates nothing.
#include <cstddef>
#include <memory>
#include <vector>

namespace hubrules::engine {

class Arena {
 public:
  explicit Arena(std::size_t block_size = 64 * 1024) : block_size_(block_size) {}

  char* allocate(std::size_t n) {
    if (n > left_) grow(n);
    char* p = cursor_;
    cursor_ += n;
    left_ -= n;
    return p;
  }

  // Gives back the tail of the last allocation that was not used.
  void shrink_last(char* last, std::size_t used, std::size_t allocated) noexcept {
    if (last + allocated == cursor_) {
      cursor_ = last + used;
      left_ += allocated - used;
    }
  }

  void reset() noexcept {
    current_ = 0;
    cursor_ = blocks_.empty() ? nullptr : blocks_[0].data.get();
    left_ = blocks_.empty() ? 0 : blocks_[0].size;
  }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size;
  };

  void grow(std::size_t n) {
    while (current_ + 1 < blocks_.size()) {
      ++current_;
      if (blocks_[current_].size >= n) return use(current_);
    }
    const std::size_t size = n > block_size_ ? n : block_size_;
    blocks_.push_back({std::make_unique<char[]>(size), size});
    current_ = blocks_.size() - 1;
    use(current_);
  }
  void use(std::size_t i) {
    cursor_ = blocks_[i].data.get();
    left_ = blocks_[i].size;
  }

  std::size_t block_size_;
  std::vector<Block> blocks_;
  std::size_t current_ = 0;
  char* cursor_ = nullptr;
  std::size_t left_ = 0;
};

}  // namespace hubrules::engine
