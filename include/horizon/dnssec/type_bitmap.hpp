// The type bit maps of NSEC and NSEC3 records (RFC 4034 4.1.2, RFC 5155 3.2.1): which types exist
// at a name, the fact every NODATA proof rests on.
#pragma once

#include <cstdint>
#include <string_view>

namespace horizon::dnssec {

/// RFC 4034 4.1.2: true when `bitmap` is a sequence of windows in strictly increasing order, each
/// with a bitmap length of 1 to 32 that the bytes hold. Empty is valid (an empty non-terminal's
/// NSEC3, RFC 5155 7.1). Trailing zero octets in a window are tolerated: they name no type.
bool isValidTypeBitmap(std::string_view bitmap);

/// True when the type bit of `type` is set in `bitmap`; false for a bitmap isValidTypeBitmap
/// rejects.
bool bitmapHasType(std::string_view bitmap, std::uint16_t type);

}  // namespace horizon::dnssec
