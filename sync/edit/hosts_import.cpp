// import-hosts: which /etc/hosts overrides the zone already answers and which need a record.
#include "horizon/edit/hosts_import.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "horizon/edit/zone_edit.hpp"
#include "horizon/edit/zone_inspect.hpp"

namespace horizon::edit {

std::vector<HostsEntry> parseHosts(const std::string& text, std::vector<std::string>* problems) {
  std::vector<HostsEntry> out;
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string address;
    if (!(fields >> address)) continue;
    if (!ip::parseAddress(address)) {
      if (problems)
        problems->push_back("line " + std::to_string(number) + ": '" + address +
                            "' is not an IPv4 or IPv6 address");
      continue;
    }
    bool any = false;
    for (std::string name; fields >> name;) {
      out.push_back({number, address, name});
      any = true;
    }
    if (!any && problems)
      problems->push_back("line " + std::to_string(number) + ": an address without a name");
  }
  return out;
}

std::vector<HostsDecision> planHostsImport(const zone::Zone& zone, const query::Snapshot& snapshot,
                                           const std::vector<HostsEntry>& entries,
                                           const std::string& view) {
  std::vector<HostsDecision> out;
  std::string error;
  const int view_index = zone::findView(zone, view);
  std::optional<ip::ClientAddress> client;
  if (!snapshot.zones.empty()) client = representativeAddress(snapshot.zones.front(), view, &error);
  // Owners with records of their own in the view (not a wildcard's answer), with a line.
  std::map<std::string, int> own_lines;
  if (view_index >= 0)
    for (const auto& rr : zone.views[view_index].records) {
      const std::string owner = relativeOwner(zone, rr.owner);
      if (owner != "@" && !own_lines.count(owner)) own_lines[owner] = rr.where.line;
    }
  std::map<std::string, std::string> planned;  // owner -> address added earlier in this file
  std::string zone_name = zone.origin_text;
  zone_name.pop_back();

  for (const auto& entry : entries) {
    HostsDecision d;
    d.entry = entry;
    d.view = view;
    std::string lowered = entry.name;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!lowered.ends_with("." + zone_name) && lowered != zone_name) {
      // Hosts names are absolute: a short name such as "nas" is not ours to guess about.
      d.kind = HostsDecision::Kind::kSkipped;
      d.reason = "outside the zone " + zone_name;
      out.push_back(d);
      continue;
    }
    std::string why;
    auto owner = relativeName(lowered + ".", zone.origin_text, &why);
    if (!owner) {
      d.kind = HostsDecision::Kind::kSkipped;
      d.reason = why;
      out.push_back(d);
      continue;
    }
    d.owner = *owner;
    if (view_index < 0 || !client) {
      d.kind = HostsDecision::Kind::kConflict;
      d.reason = error.empty() ? "no view named '" + view + "'" : error;
      out.push_back(d);
      continue;
    }
    const auto wanted = ip::parseAddress(entry.address);
    const bool v6 = wanted && wanted->size() == 16;
    if (auto it = planned.find(*owner); it != planned.end()) {
      d.kind = it->second == entry.address ? HostsDecision::Kind::kSkipped
                                           : HostsDecision::Kind::kConflict;
      d.reason = it->second == entry.address
                     ? "repeats an earlier line"
                     : "an earlier line already adds " + it->second + " for this name";
      out.push_back(d);
      continue;
    }
    QueryResult answer = queryZone(snapshot, *client, lowered + ".", v6 ? "AAAA" : "A");
    std::vector<std::string> addresses;
    bool cname = false;
    for (const auto& rr : answer.answer) {
      if (rr.type == "CNAME") cname = true;
      if (rr.type == (v6 ? "AAAA" : "A")) addresses.push_back(rr.data);
    }
    const bool covered =
        !cname && addresses.size() == 1 && wanted && ip::parseAddress(addresses[0]) == wanted;
    const bool own = own_lines.count(*owner) > 0;
    if (covered) {
      d.kind = HostsDecision::Kind::kCovered;
      if (own) {
        d.reason = "already covered by the record of " + *owner + " (line " +
                   std::to_string(own_lines[*owner]) + ")";
      } else {
        // The wildcard that answered: the nearest "*." above the name that has records.
        std::string wildcard = "*";
        for (std::string rest = *owner; !rest.empty();) {
          auto dot = rest.find('.');
          rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
          const std::string candidate = rest.empty() ? "*" : "*." + rest;
          if (own_lines.count(candidate)) {
            wildcard = candidate;
            break;
          }
        }
        d.reason = "already covered by " + wildcard + "." + zone_name;
      }
    } else if (own) {
      d.kind = HostsDecision::Kind::kConflict;
      std::string now;
      for (const auto& a : addresses) now += (now.empty() ? "" : ", ") + a;
      if (cname) now = "a CNAME";
      d.reason = *owner + " has its own entry (line " + std::to_string(own_lines[*owner]) +
                 ") answering " + (now.empty() ? "nothing" : now) + " in view " + view +
                 "; change it by hand";
    } else {
      d.kind = HostsDecision::Kind::kAdd;
      d.reason = addresses.empty() ? "not answered in view " + view
                                   : "view " + view + " answers " + addresses[0] + " (wildcard)";
      planned[*owner] = entry.address;
    }
    out.push_back(d);
  }
  return out;
}

bool HostsImportReport::hasConflicts() const {
  return std::any_of(decisions.begin(), decisions.end(), [](const HostsDecision& d) {
    return d.kind == HostsDecision::Kind::kConflict;
  });
}

int HostsImportReport::exitStatus() const {
  if (const int status = edit.exitStatus(); status != kEditExitOk) return status;
  return hasConflicts() ? kEditExitRefused : kEditExitOk;
}

HostsImportReport importHosts(const std::string& zone_path, const std::vector<HostsEntry>& entries,
                              const std::vector<std::string>& views, bool dry_run,
                              EditFollowUps& follow_ups, bool allow_read_only) {
  HostsImportReport report;
  // Owner -> (view, address) its new entry holds, owners in the order first added.
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> values;
  auto change = [&](const std::string& text, const zone::Zone& zone) -> TextEdit {
    if (views.empty()) return {TextEdit::Status::kRefused, text, "no view given"};
    for (const auto& view : views)
      if (zone::findView(zone, view) < 0)
        return {TextEdit::Status::kRefused, text, "no view named '" + view + "'"};
    auto snapshot = query::compileSnapshot({zone});
    std::vector<std::vector<HostsDecision>> per_view;
    for (const auto& view : views)
      per_view.push_back(planHostsImport(zone, *snapshot, entries, view));
    report.decisions.clear();
    for (std::size_t e = 0; e < entries.size(); ++e)
      for (auto& decided : per_view) report.decisions.push_back(decided[e]);
    if (dry_run) return {TextEdit::Status::kUnchanged, text, "dry run"};

    values.clear();
    auto valuesOf = [&](const std::string& owner) -> auto& {
      for (auto& [o, v] : values)
        if (o == owner) return v;
      values.push_back({owner, {}});
      return values.back().second;
    };
    auto has = [](const auto& list, const std::string& view) {
      return std::any_of(list.begin(), list.end(), [&](const auto& p) { return p.first == view; });
    };
    for (const auto& d : report.decisions)
      if (d.kind == HostsDecision::Kind::kAdd)
        valuesOf(d.owner).push_back({d.view, d.entry.address});
    // A view given that a wildcard already answers with the same address would lose that answer
    // to the new entry (a name with an entry of its own is not matched by the wildcard): the
    // entry answers it too.
    for (const auto& d : report.decisions) {
      if (d.kind != HostsDecision::Kind::kCovered) continue;
      for (auto& [owner, list] : values)
        if (owner == d.owner && !has(list, d.view)) list.push_back({d.view, d.entry.address});
    }
    for (auto& [owner, list] : values)  // in the order the views were given
      std::stable_sort(list.begin(), list.end(), [&](const auto& a, const auto& b) {
        return std::find(views.begin(), views.end(), a.first) <
               std::find(views.begin(), views.end(), b.first);
      });

    std::string current = text;
    for (auto it = values.begin(); it != values.end();) {
      const auto& [owner, list] = *it;
      TextEdit added = addViewRecord(current, owner, list);
      if (added.status == TextEdit::Status::kChanged) {
        current = added.text;
        ++it;
        continue;
      }
      for (auto& d : report.decisions)
        if (d.kind == HostsDecision::Kind::kAdd && d.owner == owner) {
          d.kind = HostsDecision::Kind::kConflict;
          d.reason = added.message;
        }
      it = values.erase(it);
    }
    if (current == text) return {TextEdit::Status::kUnchanged, text, "nothing to add"};
    return {TextEdit::Status::kChanged, current, {}};
  };
  // Every new entry must now answer its address in each of its views, whatever else the file
  // says.
  auto check = [&](const zone::Zone& edited) -> std::string {
    auto snapshot = query::compileSnapshot({edited});
    for (const auto& [owner, list] : values) {
      for (const auto& [view, address] : list) {
        std::string error;
        auto client = representativeAddress(snapshot->zones.front(), view, &error);
        if (!client) return error;
        const bool v6 = ip::parseAddress(address)->size() == 16;
        auto r = queryZone(*snapshot, *client, owner + "." + edited.origin_text, v6 ? "AAAA" : "A");
        if (r.answer.size() != 1 || ip::parseAddress(r.answer[0].data) != ip::parseAddress(address))
          return owner + " does not answer " + address + " in view " + view;
      }
    }
    return {};
  };
  report.edit = runEditTransaction(zone_path, change, check, follow_ups, allow_read_only);
  return report;
}

}  // namespace horizon::edit
