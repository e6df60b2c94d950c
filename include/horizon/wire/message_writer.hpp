// The one writer of DNS messages: the answer engine's responses, answers rendered from the
// resolver's cache, and the resolver's own queries all go through it, so header flags, section
// counts, truncation (TC) and the OPT record are handled in one place. Allocation-free and
// exception-free; the hot-path methods are inline.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "horizon/wire/constants.hpp"
#include "horizon/wire/message.hpp"

namespace horizon::wire {

/// What the OPT record at the end of a message says (RFC 6891 6.1.2); its extended rcode comes
/// from MessageWriter::setRcode.
struct OptRecord {
  std::uint16_t udp_size = kAdvertisedUdpPayload;
  bool dnssec_ok = false;                 // the DO bit (RFC 3225)
  std::span<const std::uint8_t> options;  // encoded options; at most what start() reserved
};

/// The sections a record can go to.
enum class Section : std::uint8_t { kAnswer, kAuthority, kAdditional };

/// Writes one DNS message into a caller's buffer: header, one question, records, and an optional
/// OPT record whose room is reserved when the message starts, so records can never crowd it out.
/// Every write is checked against the limit; a write that does not fit writes nothing and marks
/// the writer overflowed, and the caller rolls back to a mark or truncates. Flags, rcode and
/// counts live in the writer until finish() puts them in the header.
class MessageWriter {
 public:
  /// A position to roll back to: the end of the message and the counts at that point.
  struct Mark {
    std::size_t pos;
    std::uint16_t counts[3];
  };

  /// A writer over `out` that uses at most `limit` octets of it.
  MessageWriter(std::span<std::uint8_t> out, std::size_t limit)
      : data_(out.data()), limit_(std::min(limit, out.size())) {}

  /// Writes the id and the question (the name exactly as given), sets the flags, and reserves
  /// room for an OPT record with `option_bytes` of options when `with_opt`. False when the
  /// header, question and OPT do not fit (or the name is empty or longer than 255 octets); the
  /// writer is then unusable.
  bool start(std::uint16_t id, std::uint16_t flags, const std::uint8_t* qname,
             std::size_t qname_len, std::uint16_t qtype, std::uint16_t qclass, bool with_opt,
             std::size_t option_bytes = 0) {
    opt_reserved_ = with_opt ? kEdnsOptSize + option_bytes : 0;
    const std::size_t question_end = kHeaderSize + qname_len + 4;
    if (qname_len == 0 || qname_len > kMaxNameLength || question_end + opt_reserved_ > limit_)
      return false;
    writeU16(data_, id);
    std::memcpy(data_ + kHeaderSize, qname, qname_len);
    writeU16(data_ + kHeaderSize + qname_len, qtype);
    writeU16(data_ + kHeaderSize + qname_len + 2, qclass);
    qname_len_ = static_cast<std::uint16_t>(qname_len);
    question_end_ = pos_ = question_end;
    flags_ = flags;
    return true;
  }

  /// start() for a reply to `query`: its id, its question as the client wrote it, and an OPT
  /// record (with room for `option_bytes` of options) when the query had one. `flags` are the
  /// reply's header flags (rcode aside).
  bool startReply(const ParsedQuery& query, std::uint16_t flags, std::size_t option_bytes = 0) {
    return start(query.id, flags, query.qname, query.qname_len, query.qtype, query.qclass,
                 query.has_edns, option_bytes);
  }

  /// Sets header flag bits (kFlagAA, kFlagTC, kFlagRA, ...).
  void setFlags(std::uint16_t bits) { flags_ |= bits; }
  /// Sets the rcode: its low 4 bits go in the header, the upper 8 in the OPT record (RFC 6891
  /// 6.1.3), so an extended rcode needs a message with OPT.
  void setRcode(std::uint16_t rcode) { rcode_ = rcode; }

  /// The current end of the message and its counts.
  Mark mark() const { return {pos_, {counts_[0], counts_[1], counts_[2]}}; }
  /// Drops everything written after `mark`.
  void rollback(const Mark& mark) {
    pos_ = mark.pos;
    std::copy(mark.counts, mark.counts + 3, counts_);
    overflowed_ = false;
  }

  /// Copies pre-rendered records (`answer`, `authority` and `additional` of them, in that order)
  /// and returns where they start in the buffer, for the caller to patch; nullptr, with nothing
  /// written, when they do not fit.
  std::uint8_t* appendRecords(std::span<const std::uint8_t> bytes, std::uint16_t answer,
                              std::uint16_t authority, std::uint16_t additional) {
    if (bytes.size() > room() || answer > 0xFFFF - counts_[0] || authority > 0xFFFF - counts_[1] ||
        additional > 0xFFFF - counts_[2]) {
      overflowed_ = true;
      return nullptr;
    }
    std::uint8_t* at = data_ + pos_;
    std::memcpy(at, bytes.data(), bytes.size());
    pos_ += bytes.size();
    counts_[0] += answer;
    counts_[1] += authority;
    counts_[2] += additional;
    return at;
  }

  /// Appends one record to `section`. An owner equal to the question name (ignoring case) is
  /// written as a pointer to the question; other owners uncompressed (`owner` in wire format;
  /// empty means the root). False, with nothing written, when it does not fit.
  bool addRecord(Section section, std::string_view owner, std::uint16_t type, std::uint16_t rclass,
                 std::uint32_t ttl, std::string_view rdata);

  /// True once a write did not fit (until a rollback or truncate).
  bool overflowed() const { return overflowed_; }
  /// Octets written so far.
  std::size_t size() const { return pos_; }

  /// Sets TC and drops every record after the question: a partial answer would be cached by the
  /// client as if it were complete (RFC 2181 9), so it asks again over TCP for the whole.
  void truncate() {
    flags_ |= kFlagTC;
    pos_ = question_end_;
    counts_[0] = counts_[1] = counts_[2] = 0;
    overflowed_ = false;
  }

  /// Writes the flags, rcode and counts into the header and the OPT record into the room
  /// reserved for it; returns the size of the message.
  std::size_t finish(const OptRecord& opt = {}) {
    writeU16(data_ + 2, static_cast<std::uint16_t>(flags_ | (rcode_ & 0x0F)));
    writeU16(data_ + 4, 1);
    writeU16(data_ + 6, counts_[0]);
    writeU16(data_ + 8, counts_[1]);
    writeU16(data_ + 10, static_cast<std::uint16_t>(counts_[2] + (opt_reserved_ ? 1 : 0)));
    if (opt_reserved_) {
      std::uint8_t* o = data_ + pos_;
      o[0] = 0;  // the root owner
      writeU16(o + 1, type::OPT);
      writeU16(o + 3, opt.udp_size);
      o[5] = static_cast<std::uint8_t>(rcode_ >> 4);  // extended rcode
      o[6] = 0;                                       // version 0
      o[7] = opt.dnssec_ok ? 0x80 : 0;                // DO, then the other flag bits (zero)
      o[8] = 0;
      // Options that were not reserved for are left out rather than overrun the limit.
      const std::size_t options =
          opt.options.size() <= opt_reserved_ - kEdnsOptSize ? opt.options.size() : 0;
      writeU16(o + 9, static_cast<std::uint16_t>(options));
      if (options) std::memcpy(o + kEdnsOptSize, opt.options.data(), options);
      pos_ += kEdnsOptSize + options;
    }
    return pos_;
  }

  /// Writes a header-only reply to `query` (FORMERR, NOTIMP): no question, since it may be the
  /// very thing that was malformed; id, opcode and RD as the query had them, and CD too except
  /// for NOTIMP. Returns the size, or 0 when `out` cannot hold a header.
  static std::size_t writeBareReply(const ParsedQuery& query, std::uint8_t rcode,
                                    std::span<std::uint8_t> out) {
    if (out.size() < kHeaderSize) return 0;
    // CD asks a resolver not to validate (RFC 4035 3.2.2); an opcode we do not implement was
    // never going to be validated, and the peer servers answer NOTIMP without it.
    const std::uint16_t copied =
        kOpcodeMask | kFlagRD | (rcode == rcode::NOTIMP ? std::uint16_t{0} : kFlagCD);
    writeU16(&out[0], query.id);
    writeU16(&out[2], static_cast<std::uint16_t>(kFlagQR | (query.flags & copied) | rcode));
    std::memset(&out[4], 0, 8);
    return kHeaderSize;
  }

 private:
  std::size_t room() const { return limit_ - opt_reserved_ - pos_; }

  std::uint8_t* data_;
  std::size_t limit_;
  std::size_t pos_ = 0;
  std::size_t question_end_ = 0;
  std::size_t opt_reserved_ = 0;
  std::uint16_t qname_len_ = 0;
  std::uint16_t flags_ = 0;
  std::uint16_t rcode_ = 0;
  std::uint16_t counts_[3] = {0, 0, 0};
  bool overflowed_ = false;
};

}  // namespace horizon::wire
