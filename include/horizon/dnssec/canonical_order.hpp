// Canonical DNS name order (RFC 4034 6.1): the order NSEC chains are built in, so it is the order
// in which a validator decides whether an NSEC record covers a name.
#pragma once

#include <string_view>

namespace horizon::dnssec {

/// RFC 4034 6.1: <0, 0 or >0 as wire-format name `a` sorts before, equals or sorts after `b`,
/// comparing labels from the root down and ignoring ASCII case. Malformed names compare by the
/// labels that lie within their bytes.
int canonicalCompare(std::string_view a, std::string_view b);

}  // namespace horizon::dnssec
