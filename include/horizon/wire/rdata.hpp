// Record data in presentation form <-> uncompressed wire form (control plane). Type mnemonics
// are in presentation.hpp, which this header includes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "horizon/wire/presentation.hpp"

namespace horizon::wire {

/// Parses rdata text of `type` into uncompressed wire rdata. Names inside the rdata without a
/// trailing dot are relative to `origin` (wire format). Supported: A, AAAA, NS, CNAME, PTR, MX,
/// TXT, SRV, CAA, SOA. Returns nullopt and sets *error (one short sentence) on bad input.
std::optional<std::string> rdataFromText(std::uint16_t type, std::string_view text,
                                         std::string_view origin, std::string* error = nullptr);

/// Renders wire rdata of `type` as presentation text (the inverse of rdataFromText); unknown
/// types use the RFC 3597 "\\# len hex" form.
std::string rdataToText(std::uint16_t type, std::string_view rdata);

/// For types whose rdata holds a domain name that the answer engine needs (CNAME target, NS, MX
/// exchange, SRV target, PTR), returns the offset of that name in the rdata; otherwise nullopt.
std::optional<std::size_t> rdataNameOffset(std::uint16_t type);

}  // namespace horizon::wire
