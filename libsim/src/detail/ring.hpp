// FIFO of customer indices on a power-of-two ring: grows by doubling and
// never shrinks, so steady-state queueing allocates nothing.
#pragma once

#include <cstdint>
#include <vector>

namespace tiersim::detail {

class Ring {
 public:
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::uint32_t front() const noexcept { return buf_[head_]; }
  /// The i-th element from the front (0 = front).
  [[nodiscard]] std::uint32_t at(std::size_t i) const noexcept { return buf_[(head_ + i) & mask_]; }

  void push(std::uint32_t x) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & mask_] = x;
    ++size_;
  }
  std::uint32_t pop() noexcept {
    std::uint32_t x = buf_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return x;
  }

 private:
  // Out of line and marked cold: growth happens a handful of times per run,
  // and inlined it made every push a call-sized block.
  [[gnu::cold, gnu::noinline]] void grow() {
    std::vector<std::uint32_t> next(buf_.empty() ? 16 : buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) next[i] = buf_[(head_ + i) & mask_];
    buf_.swap(next);
    head_ = 0;
    mask_ = buf_.size() - 1;
  }

  std::vector<std::uint32_t> buf_;
  std::size_t mask_ = 0;  // buf_.size() - 1 once allocated
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace tiersim::detail
