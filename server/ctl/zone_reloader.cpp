// Loading and compiling happen here, off the query path; workers keep answering from the old
// snapshot until publish() swaps in the new one, and never see a half-built one.
#include "horizon/ctl/zone_reloader.hpp"

#include <arpa/inet.h>
#include <malloc.h>
#include <sys/socket.h>

#include <exception>
#include <set>
#include <utility>
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>: std first.
#include <spdlog/spdlog.h>

#include "horizon/zone/message_text.hpp"
#include "horizon/zone/zone_loader.hpp"

namespace horizon::ctl {
namespace {

std::string prefixText(const ip::Prefix& prefix) {
  char text[INET6_ADDRSTRLEN] = "?";
  inet_ntop(prefix.is_v6 ? AF_INET6 : AF_INET, prefix.address.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(prefix.length);
}

// "zone madhan.app. serial 1 from FILE: view lan [192.168.1.0/24 127.0.0.0/8] 9 records; ..."
std::string zoneSummary(const zone::Zone& zone, const query::CompiledZone* compiled) {
  std::string line = "zone " + zone.origin_text + " serial " + std::to_string(zone.serial) +
                     " from " + zone.source_file + ":";
  for (const auto& view : zone.views) {
    line += " view " + view.name + " [";
    for (std::size_t i = 0; i < view.prefixes.size(); ++i) {
      line += (i ? " " : "") + prefixText(view.prefixes[i]);
    }
    line += "]";
    if (compiled != nullptr) {
      for (const auto& compiled_view : compiled->views) {
        if (compiled_view.name == view.name) {
          line += " " + std::to_string(compiled_view.record_count) + " records";
        }
      }
    }
    line += ";";
  }
  if (!line.empty() && line.back() == ';') line.pop_back();
  return line;
}

std::string servingText(const std::vector<ZoneStatus>& zones) {
  if (zones.empty()) return "nothing";
  std::string text;
  for (std::size_t i = 0; i < zones.size(); ++i) {
    text += (i ? ", " : "") + zones[i].origin + " serial " + std::to_string(zones[i].serial);
  }
  return text;
}

}  // namespace

const char* triggerName(ReloadTrigger trigger) {
  switch (trigger) {
    case ReloadTrigger::kStartup:
      return "startup";
    case ReloadTrigger::kSignal:
      return "signal";
    case ReloadTrigger::kControl:
      return "control";
    case ReloadTrigger::kFileChange:
      return "file-change";
  }
  return "?";
}

ZoneReloader::ZoneReloader(std::vector<std::string> zone_files)
    : zone_files_(std::move(zone_files)) {
  status_.started = std::chrono::system_clock::now();
}

ReloadResult ZoneReloader::reload(ReloadTrigger trigger) {
  std::lock_guard reload_lock(reload_mutex_);
  // Loading a large zone builds YAML nodes and per-view record lists several times the size of
  // the compiled snapshot that outlives them; glibc keeps such freed memory in its arenas, so it
  // is handed back to the system once everything below has been destroyed (declared first, so
  // destroyed last). 100,000 names x 3 views: RSS after load 291 MiB without this.
  struct ReleaseFreedMemory {
    ~ReleaseFreedMemory() { malloc_trim(0); }
  } release_freed_memory;
  ReloadResult result;
  result.trigger = trigger;
  result.time = std::chrono::system_clock::now();

  std::vector<zone::Zone> zones;
  std::vector<std::string> errors;
  std::set<std::string> origins;
  for (const auto& path : zone_files_) {
    auto loaded = zone::loadZoneFile(path);
    for (const auto& diagnostic : loaded.diagnostics) {
      if (diagnostic.severity == zone::Diagnostic::Severity::kWarning) {
        spdlog::warn("{}", diagnostic.toString());
      } else {
        spdlog::error("{}", diagnostic.toString());
        errors.push_back(diagnostic.toString());
      }
    }
    if (!loaded.ok()) {
      spdlog::error("cannot load zone file {}", path);
      if (errors.empty()) errors.push_back(path + ": error: cannot load the zone file");
      continue;
    }
    if (!origins.insert(loaded.zone->origin).second) {
      errors.push_back(path + ": error: zone " + loaded.zone->origin_text +
                       " is already loaded from another file");
      spdlog::error("{}", errors.back());
      continue;
    }
    zones.push_back(std::move(*loaded.zone));
  }

  std::shared_ptr<const query::Snapshot> compiled;
  if (errors.empty()) {
    try {
      compiled = query::compileSnapshot(zones, snapshot().get());
    } catch (const std::exception& e) {
      errors.push_back("error: cannot compile the zones: " + zone::boundedMessage(e.what()));
      spdlog::error("{}", errors.back());
    }
  }

  std::lock_guard lock(mutex_);
  if (!errors.empty()) {
    for (std::size_t i = 0; i < errors.size(); ++i) result.error += (i ? "\n" : "") + errors[i];
    ++status_.reloads_failed;
    ++status_.reloads_by_trigger[static_cast<std::size_t>(trigger)][0];
    status_.last_reload = result;
    if (snapshot_ != nullptr) {
      spdlog::error("reload ({}) failed, still serving {}: {}{}", triggerName(trigger),
                    servingText(zones_), errors.front(),
                    errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more)"
                                      : std::string());
    }
    return result;
  }

  std::vector<ZoneStatus> statuses;
  std::set<std::string> included;
  for (const auto& z : zones) {
    const query::CompiledZone* cz = nullptr;
    for (const auto& candidate : compiled->zones) {
      if (candidate.origin == z.origin) cz = &candidate;
    }
    spdlog::info("{}", zoneSummary(z, cz));
    ZoneStatus status{z.origin_text, z.serial, z.source_file, {}};
    for (const auto& view : z.views) {
      ViewStatus vs{view.name, 0, view.recursion};
      if (cz != nullptr) {
        for (const auto& cv : cz->views) {
          if (cv.name != view.name) continue;
          vs.records = cv.record_count;
          vs.recursion = cv.recursion;  // after the other files had their say
        }
      }
      status.views.push_back(std::move(vs));
      // Records read from an RFC 1035 zone file name it; those files are watched too.
      for (const auto& rr : view.records) {
        if (!rr.where.file.empty() && rr.where.file != z.source_file)
          included.insert(rr.where.file);
      }
    }
    result.serials.emplace_back(z.origin_text, z.serial);
    statuses.push_back(std::move(status));
  }
  result.ok = true;
  snapshot_ = compiled;
  zones_ = std::move(statuses);
  included_files_.assign(included.begin(), included.end());
  ++status_.reloads_ok;
  ++status_.reloads_by_trigger[static_cast<std::size_t>(trigger)][1];
  status_.last_success = result.time;
  status_.last_reload = result;
  if (holder_ != nullptr) holder_->publish(compiled);
  if (trigger != ReloadTrigger::kStartup) {
    spdlog::info("reload ({}) done: serving {}", triggerName(trigger), servingText(zones_));
  }
  return result;
}

void ZoneReloader::attach(std::shared_ptr<query::SnapshotHolder> holder) {
  std::lock_guard lock(mutex_);
  holder_ = std::move(holder);
}

std::shared_ptr<const query::Snapshot> ZoneReloader::snapshot() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

std::vector<std::string> ZoneReloader::watchedFiles() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> files = zone_files_;
  files.insert(files.end(), included_files_.begin(), included_files_.end());
  return files;
}

ReloaderStatus ZoneReloader::status() const {
  std::lock_guard lock(mutex_);
  ReloaderStatus out = status_;
  out.zones = zones_;
  return out;
}

}  // namespace horizon::ctl
