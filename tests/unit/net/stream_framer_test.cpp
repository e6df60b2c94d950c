// Length-prefixed framing of DNS messages over a stream (server/net/stream_framer.cpp): whole
// messages only, in order, however the bytes were split into reads.
#include "net/stream_framer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace horizon::net {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes frame(std::size_t size, std::uint8_t fill) {
  Bytes out = {static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)};
  out.insert(out.end(), size, fill);
  return out;
}

// Feeds `stream` in reads of at most `chunk` octets and returns the messages' first octets.
std::vector<std::pair<std::size_t, std::uint8_t>> feed(const Bytes& stream, std::size_t chunk,
                                                       StreamFramer::Next* last = nullptr) {
  StreamFramer framer(16);
  std::vector<std::pair<std::size_t, std::uint8_t>> got;
  std::size_t at = 0;
  while (at < stream.size()) {
    auto buffer = framer.readBuffer();
    EXPECT_FALSE(buffer.empty());
    const std::size_t n = std::min({chunk, buffer.size(), stream.size() - at});
    std::copy_n(stream.begin() + static_cast<long>(at), n, buffer.begin());
    framer.commit(n);
    at += n;
    std::span<const std::uint8_t> message;
    StreamFramer::Next next;
    while ((next = framer.next(message)) == StreamFramer::Next::kMessage)
      got.emplace_back(message.size(), message.front());
    if (last) *last = next;
    if (next == StreamFramer::Next::kBad) break;
    framer.compact();
  }
  return got;
}

TEST(StreamFramer, WholeMessagesInOrderWhateverTheReads) {
  Bytes stream;
  for (auto [size, fill] : {std::pair<std::size_t, int>{12, 1}, {300, 2}, {12, 3}, {5000, 4}}) {
    const Bytes f = frame(size, static_cast<std::uint8_t>(fill));
    stream.insert(stream.end(), f.begin(), f.end());
  }
  const std::vector<std::pair<std::size_t, std::uint8_t>> want = {
      {12, 1}, {300, 2}, {12, 3}, {5000, 4}};
  for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 4096u, 100000u})
    EXPECT_EQ(feed(stream, chunk), want) << "reads of " << chunk;
}

TEST(StreamFramer, TheLargestMessageFits) {
  const Bytes stream = frame(65535, 9);
  const auto got = feed(stream, 4096);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, 65535u);
}

TEST(StreamFramer, ALengthShorterThanAHeaderIsBad) {
  Bytes stream = frame(12, 1);
  const Bytes runt = frame(11, 2);
  stream.insert(stream.end(), runt.begin(), runt.end());
  StreamFramer::Next last = StreamFramer::Next::kNeedMore;
  const auto got = feed(stream, 100, &last);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(last, StreamFramer::Next::kBad);
}

TEST(StreamFramer, AnIncompleteMessageWaits) {
  StreamFramer framer;
  const Bytes f = frame(40, 7);
  auto buffer = framer.readBuffer();
  std::copy_n(f.begin(), 30, buffer.begin());
  framer.commit(30);
  std::span<const std::uint8_t> message;
  EXPECT_EQ(framer.next(message), StreamFramer::Next::kNeedMore);
  EXPECT_EQ(framer.pending(), 30u);
  framer.compact();
  buffer = framer.readBuffer();
  std::copy(f.begin() + 30, f.end(), buffer.begin());
  framer.commit(f.size() - 30);
  EXPECT_EQ(framer.next(message), StreamFramer::Next::kMessage);
  EXPECT_EQ(message.size(), 40u);
  EXPECT_EQ(framer.pending(), 0u);
}

}  // namespace
}  // namespace horizon::net
