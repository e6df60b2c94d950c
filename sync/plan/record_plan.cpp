// The planner: pairs what Cloudflare holds with what the zone wants, record by record. Records
// are ours only when they carry the owner marker; everything else is looked at, never written,
// unless the operator asks to adopt it.
#include "horizon/sync/record_plan.hpp"

#include <algorithm>
#include <map>

namespace horizon::sync {
namespace {

using Key = std::pair<std::string, std::string>;  // (type, name)

Key keyOf(const CloudflareRecord& r) {
  return {r.type, r.name};
}

bool sameData(const CloudflareRecord& a, const CloudflareRecord& b) {
  return a.content == b.content && a.priority == b.priority;
}

// Fields of `have` that differ from `want`. The TTL of a proxied record is Cloudflare's to pick
// (always automatic), so comparing it would give a diff that never goes away.
std::vector<std::string> differences(const CloudflareRecord& have, const CloudflareRecord& want,
                                     bool compare_comment) {
  std::vector<std::string> fields;
  if (have.content != want.content) fields.push_back("content");
  if (have.priority != want.priority) fields.push_back("priority");
  if (have.proxied != want.proxied) fields.push_back("proxied");
  if (!want.proxied && have.ttl != want.ttl) fields.push_back("ttl");
  if (compare_comment && have.comment != want.comment) fields.push_back("comment");
  return fields;
}

bool clashes(const std::string& wanted_type, const std::string& other_type) {
  // A CNAME owns its name alone (RFC 1034 3.6.2); Cloudflare enforces it for A/AAAA (81053/4).
  if (wanted_type == "CNAME") return true;
  return other_type == "CNAME";
}

// The change a patch makes: the desired fields on the existing id.
CloudflareRecord patchOf(const CloudflareRecord& existing, const CloudflareRecord& desired) {
  CloudflareRecord after = desired;
  after.id = existing.id;
  return after;
}

}  // namespace

bool Plan::inSync() const {
  if (!changes.empty() || blocked) return false;
  return std::none_of(notes.begin(), notes.end(),
                      [](const PlanNote& note) { return note.kind != PlanNote::Kind::kAdoptable; });
}

RecordChanges Plan::writes() const {
  RecordChanges out;
  if (blocked) return out;
  for (const PlannedChange& change : changes) {
    switch (change.action) {
      case PlannedChange::Action::kCreate:
        out.posts.push_back(*change.after);
        break;
      case PlannedChange::Action::kUpdate:
      case PlannedChange::Action::kAdopt:
        out.patches.push_back(*change.after);
        break;
      case PlannedChange::Action::kDelete:
        out.deletes.push_back(change.before->id);
        break;
    }
  }
  return out;
}

Plan makePlan(const DesiredState& desired, const std::vector<CloudflareRecord>& existing,
              const PlanOptions& options) {
  Plan plan;
  plan.zone_name = desired.zone_name;

  struct Group {
    std::vector<CloudflareRecord> want, owned, unowned, read_only;
  };
  std::map<Key, Group> groups;
  std::map<std::string, std::vector<const CloudflareRecord*>> others_by_name;  // for clashes
  for (const CloudflareRecord& r : desired.records) groups[keyOf(r)].want.push_back(r);
  for (const CloudflareRecord& r : existing) {
    Group& group = groups[keyOf(r)];
    if (r.read_only) {
      group.read_only.push_back(r);
    } else if (r.owned()) {
      group.owned.push_back(r);
      ++plan.owned;
    } else {
      group.unowned.push_back(r);
      ++plan.unowned;
    }
    if (!r.owned() || r.read_only) others_by_name[r.name].push_back(&r);
  }
  for (const std::string& message : desired.refused)
    plan.notes.push_back({PlanNote::Kind::kRefused, message, std::nullopt, std::nullopt});

  auto change = [&](PlannedChange::Action action, std::optional<CloudflareRecord> before,
                    std::optional<CloudflareRecord> after, std::vector<std::string> fields = {}) {
    plan.changes.push_back({action, std::move(before), std::move(after), std::move(fields)});
  };
  auto take = [](std::vector<CloudflareRecord>& from, const CloudflareRecord& like) {
    auto it = std::find_if(from.begin(), from.end(),
                           [&](const CloudflareRecord& r) { return sameData(r, like); });
    std::optional<CloudflareRecord> found;
    if (it != from.end()) {
      found = *it;
      from.erase(it);
    }
    return found;
  };

  for (auto& [key, group] : groups) {
    std::vector<CloudflareRecord> unmatched;
    for (const CloudflareRecord& want : group.want) {
      if (auto have = take(group.owned, want)) {
        auto fields = differences(*have, want, /*compare_comment=*/false);
        if (fields.empty())
          ++plan.unchanged;
        else
          change(PlannedChange::Action::kUpdate, *have, patchOf(*have, want), fields);
      } else if (auto mine = take(group.unowned, want)) {
        auto fields = differences(*mine, want, /*compare_comment=*/true);
        if (options.adopt)
          change(PlannedChange::Action::kAdopt, *mine, patchOf(*mine, want), fields);
        else
          plan.notes.push_back({PlanNote::Kind::kAdoptable,
                                describeRecord(*mine) + " (id " + mine->id +
                                    ") is identical to a desired record but not ours; left "
                                    "alone (--adopt takes it over)",
                                *mine, want});
      } else if (auto fixed = take(group.read_only, want)) {
        ++plan.unchanged;  // Cloudflare keeps it in place for us
      } else {
        unmatched.push_back(want);
      }
    }
    // Left over: owned records of this name and type are corrected in place, so the name never
    // goes without an answer; then unowned ones are conflicts (or adopted); the rest is created.
    for (const CloudflareRecord& want : unmatched) {
      if (!group.owned.empty()) {
        CloudflareRecord have = group.owned.front();
        group.owned.erase(group.owned.begin());
        change(PlannedChange::Action::kUpdate, have, patchOf(have, want),
               differences(have, want, false));
        continue;
      }
      if (!group.read_only.empty()) {
        plan.notes.push_back(
            {PlanNote::Kind::kReadOnly,
             "cannot publish " + describeRecord(want) + ": Cloudflare holds a read-only " +
                 want.type + " record there (" + formatRecordData(group.read_only.front()) + ")",
             group.read_only.front(), want});
        continue;
      }
      if (!group.unowned.empty()) {
        CloudflareRecord have = group.unowned.front();
        group.unowned.erase(group.unowned.begin());
        if (options.adopt) {
          change(PlannedChange::Action::kAdopt, have, patchOf(have, want),
                 differences(have, want, true));
        } else {
          plan.notes.push_back({PlanNote::Kind::kConflict,
                                "conflict at " + want.name + " " + want.type +
                                    ": a record that is not ours (id " + have.id + ", " +
                                    formatRecordData(have) + ") holds it; wanted " +
                                    formatRecordData(want) +
                                    "; left alone (--adopt takes it over and changes it in place)",
                                have, want});
        }
        continue;
      }
      // A record of another type that cannot share the name (CNAME rules) and is not ours.
      const CloudflareRecord* clash = nullptr;
      for (const CloudflareRecord* other : others_by_name[want.name])
        if (other->type != want.type && clashes(want.type, other->type)) clash = other;
      if (clash) {
        plan.notes.push_back({PlanNote::Kind::kConflict,
                              "conflict at " + want.name + ": " + want.type +
                                  " cannot sit beside the " + clash->type +
                                  " record that is not ours (id " + clash->id + ", " +
                                  formatRecordData(*clash) + "); left alone, even with --adopt",
                              *clash, want});
        continue;
      }
      change(PlannedChange::Action::kCreate, std::nullopt, want);
    }
    for (const CloudflareRecord& stale : group.owned)
      change(PlannedChange::Action::kDelete, stale, std::nullopt);
    // An RRset we publish that also holds someone else's record answers more than the zone says.
    if (!group.want.empty())
      for (const CloudflareRecord& extra : group.unowned)
        plan.notes.push_back({PlanNote::Kind::kConflict,
                              "conflict at " + extra.name + " " + extra.type +
                                  ": a record that is not ours (id " + extra.id + ", " +
                                  formatRecordData(extra) +
                                  ") is published beside ours; left alone (delete it in the "
                                  "dashboard if it should go)",
                              extra, std::nullopt});
  }

  // Deletes first (as Cloudflare's batch runs them), then by name for a readable plan.
  std::stable_sort(plan.changes.begin(), plan.changes.end(),
                   [](const PlannedChange& a, const PlannedChange& b) {
                     auto rank = [](const PlannedChange& c) {
                       return c.action == PlannedChange::Action::kDelete ? 0 : 1;
                     };
                     return rank(a) < rank(b);
                   });

  std::size_t risky = static_cast<std::size_t>(
      std::count_if(plan.changes.begin(), plan.changes.end(), [](const PlannedChange& c) {
        return c.action == PlannedChange::Action::kUpdate ||
               c.action == PlannedChange::Action::kDelete;
      }));
  if (!options.force && plan.owned >= options.threshold_min_owned &&
      risky * 100 > static_cast<std::size_t>(options.max_change_percent) * plan.owned) {
    plan.blocked = "refusing to change or delete " + std::to_string(risky) + " of " +
                   std::to_string(plan.owned) + " owned records (more than " +
                   std::to_string(options.max_change_percent) +
                   "%); check the zone file, then rerun with --force if this is intended";
  }
  return plan;
}

}  // namespace horizon::sync
