// The per-queue memory records are encoded into (server/dnstap/frame_ring.cpp): frames come back
// in any order, space is reused from the oldest on, a full ring says so instead of waiting.
#include "dnstap/frame_ring.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace horizon::dnstap {
namespace {

TEST(FrameRing, FramesAreDistinctAndAFullRingRefuses) {
  FrameRing ring(1024);
  std::vector<std::uint8_t*> frames;
  // Each 120-byte frame spans 128 bytes with its header: eight fill the ring.
  for (int i = 0; i < 8; ++i) {
    std::uint8_t* frame = ring.allocate(120);
    ASSERT_NE(frame, nullptr) << i;
    std::memset(frame, i, 120);
    frames.push_back(frame);
  }
  EXPECT_EQ(ring.allocate(1), nullptr);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(frames[i][119], i) << "frame " << i << " was overwritten";
}

TEST(FrameRing, SpaceIsReusedOnlyFromTheOldestFrameOn) {
  FrameRing ring(1024);
  std::vector<std::uint8_t*> frames;
  for (int i = 0; i < 8; ++i) frames.push_back(ring.allocate(120));
  // The newest ones back first: the oldest still holds its space, so nothing is free yet.
  for (int i = 7; i >= 1; --i) FrameRing::release(frames[i]);
  EXPECT_EQ(ring.allocate(120), nullptr);
  FrameRing::release(frames[0]);
  // Now all of it is free again, wrapped around the ring's end as needed.
  for (int i = 0; i < 8; ++i) EXPECT_NE(ring.allocate(120), nullptr) << i;
}

TEST(FrameRing, AFrameThatWouldCrossTheEndStartsOverAtTheBeginning) {
  FrameRing ring(1024);
  std::uint8_t* first = ring.allocate(500);   // 512 bytes
  std::uint8_t* second = ring.allocate(300);  // 312: 200 bytes are left at the end
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(ring.allocate(400), nullptr);  // neither the 200 at the end nor the start is free
  FrameRing::release(first);
  std::uint8_t* third = ring.allocate(400);  // skips the end, takes the start
  ASSERT_NE(third, nullptr);
  EXPECT_LT(third, second);
  std::memset(third, 0xab, 400);
  EXPECT_EQ(ring.allocate(400), nullptr);  // only 104 bytes are left before `second`
}

TEST(FrameRing, AFrameLargerThanTheRingIsRefused) {
  FrameRing ring(4096);
  EXPECT_EQ(ring.allocate(ring.maxFrame() + 1), nullptr);
  EXPECT_NE(ring.allocate(ring.maxFrame()), nullptr);
}

// Another thread gives frames back while the owner allocates (what fstrm's I/O thread does); run
// under ThreadSanitizer or ASan, this is where a missing barrier would show.
TEST(FrameRing, FramesGivenBackByAnotherThreadAreReused) {
  FrameRing ring(8192);
  constexpr int kFrames = 200000;
  std::vector<std::uint8_t*> handed(kFrames, nullptr);
  std::atomic<int> published{0};
  std::thread consumer([&] {
    for (int i = 0; i < kFrames; ++i) {
      while (published.load(std::memory_order_acquire) <= i) std::this_thread::yield();
      const std::uint8_t* frame = handed[i];
      ASSERT_EQ(frame[0], static_cast<std::uint8_t>(i));
      ASSERT_EQ(frame[63], static_cast<std::uint8_t>(i));
      FrameRing::release(handed[i]);
    }
  });
  for (int i = 0; i < kFrames; ++i) {
    std::uint8_t* frame;
    while ((frame = ring.allocate(64)) == nullptr) std::this_thread::yield();
    std::memset(frame, static_cast<std::uint8_t>(i), 64);
    handed[i] = frame;
    published.store(i + 1, std::memory_order_release);
  }
  consumer.join();
}

}  // namespace
}  // namespace horizon::dnstap
