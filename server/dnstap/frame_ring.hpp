// Private to the dnstap module: the memory one input queue's records are encoded into. fstrm keeps
// a submitted record until its thread has written or discarded it, then calls back; a ring per
// queue lets the DNS thread encode without malloc (and without the allocator's arena lock, which
// the writer thread's free() would otherwise contend on).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace horizon::dnstap {

/// A byte ring owned by one producer thread; frames are given back from any thread, in any order.
class FrameRing {
 public:
  /// A ring of `capacity` bytes (rounded up to a multiple of 8), frame headers included.
  explicit FrameRing(std::size_t capacity);
  FrameRing(const FrameRing&) = delete;
  FrameRing& operator=(const FrameRing&) = delete;

  /// `size` contiguous bytes, or nullptr when the ring has no room (what is in it is not yet
  /// given back). Owner thread only; never blocks.
  std::uint8_t* allocate(std::size_t size);
  /// Gives back a frame from allocate(): its space is reused once every older frame is back too.
  /// Any thread; a plain atomic store.
  static void release(void* frame);
  /// The largest frame allocate() can ever return.
  std::size_t maxFrame() const { return capacity_ - kHeaderSize; }

 private:
  // Precedes every frame (and the padding that skips a ring's end): the frame's span in the ring
  // and whether it was given back. Only `released` is written by another thread.
  struct Header {
    std::atomic<std::uint32_t> released;
    std::uint32_t span;
  };
  static constexpr std::size_t kHeaderSize = 8;
  static_assert(sizeof(Header) == kHeaderSize);

  Header* headerAt(std::uint64_t position) const;
  Header* place(std::uint64_t position, std::uint32_t span, bool released);
  void reclaim();

  std::size_t capacity_;
  std::unique_ptr<std::uint64_t[]> storage_;  // 8-aligned, as headers need
  std::uint64_t head_ = 0;                    // next free byte, counted since the start
  std::uint64_t tail_ = 0;                    // oldest frame not yet reclaimed
};

}  // namespace horizon::dnstap
