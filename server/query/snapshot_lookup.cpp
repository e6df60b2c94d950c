// The read side of a snapshot, on the query path: the zone for a name, the view for a client, the
// node for a name and the answer for a type. No allocation, no locks.
#include <algorithm>

#include "horizon/query/compiled_zone.hpp"
#include "name_table.hpp"

namespace horizon::query {

const NameNode* CompiledView::find(const std::uint8_t* name, std::size_t len) const {
  const std::uint32_t entry =
      table[detail::findSlot(*this, name, len, detail::hashName(name, len))];
  return entry == 0 ? nullptr : &nodes[entry - 1];
}

const RenderedAnswer& CompiledView::answerFor(const NameNode& node, std::uint16_t qtype) const {
  const auto candidates = typedOf(node);
  auto it = std::lower_bound(candidates.begin(), candidates.end(), qtype,
                             [](const TypedAnswer& a, std::uint16_t t) { return a.qtype < t; });
  if (it != candidates.end() && it->qtype == qtype) return answers[it->answer];
  return answers[node.default_answer];
}

const CompiledView* CompiledZone::selectView(const ip::ClientAddress& client) const {
  const std::uint32_t view = view_of.find(client);
  return view == PrefixTable::kNoMatch ? nullptr : &views[view];
}

const CompiledZone* Snapshot::findZone(const std::uint8_t* qname, std::size_t len) const {
  const CompiledZone* best = nullptr;
  for (const auto& z : zones) {
    std::size_t olen = z.origin.size();
    if (olen > len || (best && olen <= best->origin.size())) continue;
    // The origin must match at a label boundary of the question name.
    std::size_t i = 0;
    while (len - i > olen) i += qname[i] + 1u;
    if (len - i == olen &&
        std::equal(qname + i, qname + len, z.origin.begin(),
                   [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }))
      best = &z;
  }
  return best;
}

const CompiledView* Snapshot::recursionView(const ip::ClientAddress& client) const {
  // Every zone is asked: one file's explicit "no" for the client's view must outweigh a view of
  // another file that recurses by default (zones/FORMAT.md, `recursion`).
  const CompiledView* allowed = nullptr;
  for (const auto& z : zones) {
    const CompiledView* view = z.selectView(client);
    if (view == nullptr) continue;
    if (view->recursion_refused) return nullptr;
    if (view->recursion && allowed == nullptr) allowed = view;
  }
  return allowed;
}

const CompiledView* Snapshot::anyViewOf(const ip::ClientAddress& client) const {
  if (const CompiledView* view = recursionView(client)) return view;
  for (const auto& z : zones)
    if (const CompiledView* view = z.selectView(client)) return view;
  return nullptr;
}

}  // namespace horizon::query
