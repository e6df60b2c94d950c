// Carving frames from the ring, and reclaiming them in order as they come back.
#include "frame_ring.hpp"

#include <new>

namespace horizon::dnstap {
namespace {

constexpr std::size_t roundUp8(std::size_t n) {
  return (n + 7) & ~std::size_t{7};
}

}  // namespace

FrameRing::FrameRing(std::size_t capacity)
    : capacity_(roundUp8(capacity < 2 * kHeaderSize ? 2 * kHeaderSize : capacity)),
      storage_(new std::uint64_t[capacity_ / 8]) {}

FrameRing::Header* FrameRing::headerAt(std::uint64_t position) const {
  return std::launder(reinterpret_cast<Header*>(reinterpret_cast<std::byte*>(storage_.get()) +
                                                position % capacity_));
}

FrameRing::Header* FrameRing::place(std::uint64_t position, std::uint32_t span, bool released) {
  auto* header = new (reinterpret_cast<std::byte*>(storage_.get()) + position % capacity_) Header;
  header->released.store(released ? 1 : 0, std::memory_order_relaxed);
  header->span = span;
  return header;
}

void FrameRing::reclaim() {
  // Frames come back in any order; space is reused only from the oldest one on, so a frame still
  // being written by fstrm's thread is never handed out again.
  while (tail_ != head_) {
    Header* header = headerAt(tail_);
    if (header->released.load(std::memory_order_acquire) == 0) break;
    tail_ += header->span;
  }
}

std::uint8_t* FrameRing::allocate(std::size_t size) {
  if (size > maxFrame()) return nullptr;
  const std::size_t span = roundUp8(kHeaderSize + size);
  reclaim();
  const std::size_t used = head_ - tail_;
  const std::size_t to_end = capacity_ - head_ % capacity_;
  // A frame is contiguous: one that does not fit before the ring's end starts over at its
  // beginning, behind a padding header that is released at once.
  const std::size_t skip = span > to_end ? to_end : 0;
  if (used + skip + span > capacity_) return nullptr;
  if (skip != 0) {
    place(head_, static_cast<std::uint32_t>(skip), true);
    head_ += skip;
  }
  Header* header = place(head_, static_cast<std::uint32_t>(span), false);
  head_ += span;
  return reinterpret_cast<std::uint8_t*>(header) + kHeaderSize;
}

void FrameRing::release(void* frame) {
  auto* header = reinterpret_cast<Header*>(static_cast<std::byte*>(frame) - kHeaderSize);
  header->released.store(1, std::memory_order_release);
}

}  // namespace horizon::dnstap
