// The planner: pairs what Cloudflare holds with what the zone wants, record by record. Records
// are ours only when they carry the owner marker; everything else is looked at, judged against
// the public view (foreign_records.hpp), and written only when the operator names it: --adopt
// takes a record over, --replace deletes or takes over one that contradicts the public view.
#include "horizon/sync/record_plan.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "horizon/sync/foreign_records.hpp"

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

// Cloudflare keeps at most this many characters of a comment on its Free plan.
constexpr std::size_t kMaxComment = 100;

// An adopted record's comment: the marker, then what the person who made it wrote there, so the
// why of a hand-made record survives its adoption; cut to what Cloudflare keeps.
std::string adoptedComment(const std::string& human) {
  std::string comment = kOwnerMarker;
  if (!human.empty()) comment += "; " + human;
  if (comment.size() > kMaxComment) comment = comment.substr(0, kMaxComment - 3) + "...";
  return comment;
}

// The names given to --replace or --adopt, resolved, and which of them found something to act
// on: a name that found nothing is most likely a typo, and is said so.
class NamedRecords {
 public:
  NamedRecords(const std::vector<std::string>& given, const std::string& zone_name) {
    for (const std::string& name : given) names_.emplace(resolveRecordName(name, zone_name), false);
  }
  bool contains(const std::string& name) const { return names_.count(name) != 0; }
  void use(const std::string& name) {
    if (auto it = names_.find(name); it != names_.end()) it->second = true;
  }
  std::vector<std::string> unused() const {
    std::vector<std::string> out;
    for (const auto& [name, used] : names_)
      if (!used) out.push_back(name);
    return out;
  }

 private:
  std::map<std::string, bool> names_;  // resolved name -> acted on
};

}  // namespace

bool Plan::inSync() const {
  if (!changes.empty() || blocked || contradictingLeft() != 0) return false;
  return std::none_of(notes.begin(), notes.end(), [](const PlanNote& note) {
    return note.kind != PlanNote::Kind::kAdoptable && note.kind != PlanNote::Kind::kUnmatched;
  });
}

std::size_t Plan::contradictingLeft() const {
  return static_cast<std::size_t>(
      std::count_if(foreign.begin(), foreign.end(), [](const ForeignRecord& f) {
        return f.contradicting && f.fate == ForeignRecord::Fate::kLeftAlone;
      }));
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
  using Fate = ForeignRecord::Fate;
  Plan plan;
  plan.zone_name = desired.zone_name;
  const PublicViewAnswers view(desired.records, desired.withheld);
  NamedRecords replacing(options.replace_names, desired.zone_name);
  NamedRecords adopting(options.adopt_names, desired.zone_name);

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
  // Takes a record that is not ours over in place when the operator named it (or said --adopt):
  // the desired fields on its id, the marker as its comment, with --adopt what the comment said
  // kept after it. Returns what became of it.
  auto takeOver = [&](const CloudflareRecord& have, const CloudflareRecord& want) {
    CloudflareRecord after = patchOf(have, want);
    Fate fate = Fate::kLeftAlone;
    if (options.adopt || adopting.contains(have.name)) {
      after.comment = adoptedComment(have.comment);
      fate = Fate::kAdopted;
    } else if (replacing.contains(have.name)) {
      fate = Fate::kTakenOver;
    } else {
      return fate;
    }
    adopting.use(have.name);
    replacing.use(have.name);
    change(PlannedChange::Action::kAdopt, have, after, differences(have, after, true));
    return fate;
  };

  // Records not ours that are judged once every group is planned; `blocks` is the desired
  // record a clash keeps out, for the reason.
  struct Leftover {
    CloudflareRecord record;
    std::optional<CloudflareRecord> blocks;
  };
  std::vector<Leftover> leftovers;
  std::map<std::string, CloudflareRecord> blocked_by_id;

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
        if (takeOver(*mine, want) == Fate::kLeftAlone)
          plan.notes.push_back({PlanNote::Kind::kAdoptable,
                                describeRecord(*mine) + " (id " + mine->id +
                                    ") is identical to a desired record but not ours; left "
                                    "alone (--adopt " +
                                    relativeRecordName(mine->name, plan.zone_name) +
                                    " takes it over)",
                                *mine, want});
      } else if (auto fixed = take(group.read_only, want)) {
        ++plan.unchanged;  // Cloudflare keeps it in place for us
      } else {
        unmatched.push_back(want);
      }
    }
    // Left over: owned records of this name and type are corrected in place, so the name never
    // goes without an answer; then unowned ones contradict (or are taken over); the rest is
    // created.
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
        ForeignVerdict verdict = judgeForeignRecord(have, view);  // 1a: contradicting
        plan.foreign.push_back(
            {have, true, verdict.private_address, verdict.reason, want, takeOver(have, want)});
        continue;
      }
      // Records of another type that cannot share the name (CNAME rules) and are not ours: a
      // read-only one stays in the way; others contradict the public view and go only with
      // --replace, in the same batch before the create (Cloudflare runs deletes first).
      const CloudflareRecord* read_only_clash = nullptr;
      const CloudflareRecord* foreign_clash = nullptr;
      for (const CloudflareRecord* other : others_by_name[want.name]) {
        if (other->type == want.type || !clashes(want.type, other->type)) continue;
        (other->read_only ? read_only_clash : foreign_clash) = other;
      }
      if (read_only_clash) {
        plan.notes.push_back({PlanNote::Kind::kConflict,
                              "conflict at " + want.name + ": " + want.type +
                                  " cannot sit beside the read-only " + read_only_clash->type +
                                  " record (id " + read_only_clash->id + ", " +
                                  formatRecordData(*read_only_clash) + "); left alone",
                              *read_only_clash, want});
        continue;
      }
      if (foreign_clash && !replacing.contains(want.name)) {
        blocked_by_id[foreign_clash->id] = want;
        continue;
      }
      change(PlannedChange::Action::kCreate, std::nullopt, want);
    }
    for (const CloudflareRecord& stale : group.owned)
      change(PlannedChange::Action::kDelete, stale, std::nullopt);
    for (const CloudflareRecord& other : group.unowned) leftovers.push_back({other, std::nullopt});
  }

  for (Leftover& left : leftovers) {
    ForeignVerdict verdict = judgeForeignRecord(left.record, view);
    ForeignRecord foreign{left.record,    verdict.contradicting, verdict.private_address,
                          verdict.reason, std::nullopt,          Fate::kLeftAlone};
    if (auto it = blocked_by_id.find(left.record.id); it != blocked_by_id.end())
      foreign.reason += "; it keeps " + describeRecord(it->second) + " from being published";
    if (foreign.contradicting && replacing.contains(left.record.name)) {
      replacing.use(left.record.name);
      foreign.fate = Fate::kDeleted;
      change(PlannedChange::Action::kDelete, left.record, std::nullopt);
    }
    plan.foreign.push_back(std::move(foreign));
  }
  std::stable_sort(plan.foreign.begin(), plan.foreign.end(),
                   [](const ForeignRecord& a, const ForeignRecord& b) {
                     return std::tie(b.contradicting, a.record.name, a.record.type) <
                            std::tie(a.contradicting, b.record.name, b.record.type);
                   });
  for (const std::string& name : replacing.unused())
    plan.notes.push_back({PlanNote::Kind::kUnmatched,
                          "--replace " + relativeRecordName(name, plan.zone_name) +
                              ": no record that is not ours contradicts the public view at " +
                              name + "; nothing replaced (unrelated records are never touched)",
                          std::nullopt, std::nullopt});
  for (const std::string& name : adopting.unused())
    plan.notes.push_back({PlanNote::Kind::kUnmatched,
                          "--adopt " + relativeRecordName(name, plan.zone_name) +
                              ": no record that is not ours at " + name +
                              " has a name and type the public view publishes; nothing adopted",
                          std::nullopt, std::nullopt});

  // Deletes first (as Cloudflare's batch runs them), then by name for a readable plan.
  std::stable_sort(plan.changes.begin(), plan.changes.end(),
                   [](const PlannedChange& a, const PlannedChange& b) {
                     auto rank = [](const PlannedChange& c) {
                       return c.action == PlannedChange::Action::kDelete ? 0 : 1;
                     };
                     return rank(a) < rank(b);
                   });

  // Every write to a record that exists counts, a record not ours as much as one of ours: a
  // wrong --replace or --adopt can take out as much as a wrong zone file.
  std::size_t risky = 0, not_ours = 0;
  for (const PlannedChange& c : plan.changes) {
    if (c.action == PlannedChange::Action::kCreate) continue;
    ++risky;
    if (!c.before->owned()) ++not_ours;
  }
  if (!options.force && plan.owned >= options.threshold_min_owned &&
      risky * 100 > static_cast<std::size_t>(options.max_change_percent) * plan.owned) {
    plan.blocked = "refusing to change or delete " + std::to_string(risky - not_ours) + " of " +
                   std::to_string(plan.owned) + " owned records" +
                   (not_ours ? " and " + std::to_string(not_ours) + " not ours" : "") +
                   " (more than " + std::to_string(options.max_change_percent) +
                   "% of the owned); check the zone file and the names given to --replace and "
                   "--adopt, then rerun with --force if this is intended";
  }
  return plan;
}

}  // namespace horizon::sync
