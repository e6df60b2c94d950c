// View names as metric labels. Counters are kept per view in fixed arrays, indexed by a small id
// that a view keeps for the life of the process: the same name gets the same id after every
// reload, in every zone, so a series never changes meaning. Ids are handed out when zones are
// compiled (control plane); reading a name is lock-free.
#pragma once

#include <cstdint>
#include <string_view>

namespace horizon::stats {

/// The id of view `name`, allocating one the first time it is seen; kOtherView once the table is
/// full. Thread-safe (locks): call it when compiling zones, never per query.
std::uint16_t viewLabelId(std::string_view name);

/// The label value of id `id`: "none", a view's name, or "other". Lock-free; the text lives as
/// long as the process.
std::string_view viewLabelName(std::uint16_t id);

/// How many ids are in use, "none" and "other" included (ids below this have names).
std::uint16_t viewLabelCount();

}  // namespace horizon::stats
