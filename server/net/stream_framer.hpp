// Private to the network module: DNS messages over a byte stream, each after a two-octet length
// (RFC 1035 4.2.2, RFC 7766 8). TCP uses it; DNS over TLS frames messages the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace horizon::net {

/// Collects stream input and cuts it into whole messages. The buffer starts small and grows to
/// hold the largest message the stream announces (at most 2 + 65535 octets).
class StreamFramer {
 public:
  /// What next() found.
  enum class Next {
    kMessage,   // a whole message
    kNeedMore,  // an incomplete one: read more
    kBad,       // a length no DNS message can have: the stream cannot be trusted
  };

  /// An empty framer whose buffer starts at `initial` octets.
  explicit StreamFramer(std::size_t initial = 4096) : in_(initial) {}

  /// Where the next read should put its bytes; empty only while a whole message waits in it.
  std::span<std::uint8_t> readBuffer();
  /// Records that `n` octets were read into readBuffer().
  void commit(std::size_t n) { len_ += n; }

  /// The next whole message after those already taken, valid until compact().
  Next next(std::span<const std::uint8_t>& message);
  /// Drops the messages taken by next() and makes room for the whole next one when its length is
  /// already known. Call after each batch of next() calls.
  void compact();

  /// Octets buffered and not yet taken.
  std::size_t pending() const { return len_ - pos_; }

 private:
  std::vector<std::uint8_t> in_;
  std::size_t len_ = 0;  // octets in in_
  std::size_t pos_ = 0;  // octets taken by next()
};

}  // namespace horizon::net
