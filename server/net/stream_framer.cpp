// Length-prefixed message framing over a stream.
#include "stream_framer.hpp"

#include <algorithm>
#include <cstring>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"

namespace horizon::net {
namespace {

constexpr std::size_t kMaxFrame = 2 + 65535;  // length prefix plus the largest message

}  // namespace

std::span<std::uint8_t> StreamFramer::readBuffer() {
  if (len_ == in_.size()) in_.resize(std::min(in_.size() * 2, kMaxFrame));
  return {in_.data() + len_, in_.size() - len_};
}

StreamFramer::Next StreamFramer::next(std::span<const std::uint8_t>& message) {
  if (len_ - pos_ < 2) return Next::kNeedMore;
  const std::size_t size = wire::readU16(in_.data() + pos_);
  if (size < wire::kHeaderSize) return Next::kBad;  // no DNS message is this short
  if (len_ - pos_ - 2 < size) return Next::kNeedMore;
  message = {in_.data() + pos_ + 2, size};
  pos_ += 2 + size;
  return Next::kMessage;
}

void StreamFramer::compact() {
  if (pos_ > 0) {
    std::memmove(in_.data(), in_.data() + pos_, len_ - pos_);
    len_ -= pos_;
    pos_ = 0;
  }
  // Make room for the whole next message at once when its length is known.
  if (len_ >= 2) {
    const std::size_t need = 2 + wire::readU16(in_.data());
    if (need > in_.size()) in_.resize(need);
  }
}

}  // namespace horizon::net
