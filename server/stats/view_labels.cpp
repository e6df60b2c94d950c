// The process-wide table of view label ids.
#include "horizon/stats/view_labels.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <string>

#include "horizon/stats/query_counters.hpp"

namespace horizon::stats {
namespace {

struct Table {
  std::mutex mutex;  // held while an id is handed out
  // Slots are written once, before `count` is raised past them, and never again: a reader that
  // sees an id below `count` sees its name.
  std::array<std::string, kMaxViews> names;
  std::atomic<std::uint16_t> count{1};  // slot 0 is "none"
};

Table& table() {
  static Table t;
  return t;
}

}  // namespace

std::uint16_t viewLabelId(std::string_view name) {
  Table& t = table();
  const std::lock_guard lock(t.mutex);
  const std::uint16_t count = t.count.load(std::memory_order_relaxed);
  for (std::uint16_t id = 1; id < count; ++id)
    if (t.names[id] == name) return id;
  if (count >= kOtherView) return kOtherView;
  t.names[count] = std::string(name);
  t.count.store(count + 1, std::memory_order_release);
  return count;
}

std::string_view viewLabelName(std::uint16_t id) {
  if (id == kNoView) return "none";
  if (id >= kOtherView) return "other";
  if (id >= table().count.load(std::memory_order_acquire)) return "other";
  return table().names[id];
}

std::uint16_t viewLabelCount() {
  return table().count.load(std::memory_order_acquire);
}

}  // namespace horizon::stats
