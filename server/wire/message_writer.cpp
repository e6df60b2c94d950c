// The record-at-a-time part of MessageWriter (the cache renders its answers this way).
#include "horizon/wire/message_writer.hpp"

#include "horizon/wire/name.hpp"

namespace horizon::wire {
namespace {

// Case-insensitive equality of two uncompressed wire names.
bool sameName(std::string_view a, const std::uint8_t* b, std::size_t b_len) {
  if (a.size() != b_len) return false;
  for (std::size_t i = 0; i < b_len; ++i)
    if (foldCase(static_cast<std::uint8_t>(a[i])) != foldCase(b[i])) return false;
  return true;
}

}  // namespace

bool MessageWriter::addRecord(Section section, std::string_view owner, std::uint16_t type,
                              std::uint16_t rclass, std::uint32_t ttl, std::string_view rdata) {
  auto& count = counts_[static_cast<int>(section)];
  // The owner is the question name in the common case, and then a pointer to it is all the
  // compression worth doing.
  const bool is_question = sameName(owner, data_ + kHeaderSize, qname_len_);
  const std::size_t owner_size = is_question ? 2 : (owner.empty() ? 1 : owner.size());
  const std::size_t size = owner_size + 10 + rdata.size();
  if (rdata.size() > 0xFFFF || size > room() || count == 0xFFFF) {
    overflowed_ = true;
    return false;
  }
  std::uint8_t* p = data_ + pos_;
  if (is_question) {
    writeU16(p, 0xC000 | kHeaderSize);
  } else if (owner.empty()) {
    p[0] = 0;  // the root label: keeps a malformed record from breaking the message's framing
  } else {
    std::memcpy(p, owner.data(), owner.size());
  }
  p += owner_size;
  writeU16(p, type);
  writeU16(p + 2, rclass);
  writeU32(p + 4, ttl);
  writeU16(p + 8, static_cast<std::uint16_t>(rdata.size()));
  std::memcpy(p + 10, rdata.data(), rdata.size());
  pos_ += size;
  ++count;
  return true;
}

}  // namespace horizon::wire
