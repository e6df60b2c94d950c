// Reload as a transaction: load every zone file and compile a new snapshot to the side; publish
// it only when everything succeeded, otherwise keep serving the old one and say why. Control
// plane only: it allocates, locks and may take a while.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "horizon/query/compiled_zone.hpp"
#include "horizon/query/snapshot_holder.hpp"

namespace horizon::ctl {

/// What asked for a reload.
enum class ReloadTrigger { kStartup, kSignal, kControl, kFileChange };
inline constexpr std::size_t kReloadTriggers = 4;

/// "startup", "signal", "control" or "file-change".
const char* triggerName(ReloadTrigger trigger);

/// The outcome of one reload attempt.
struct ReloadResult {
  bool ok = false;
  ReloadTrigger trigger = ReloadTrigger::kStartup;
  std::chrono::system_clock::time_point time;
  std::string error;  // every error diagnostic, one per line ("file:line:col: error: ...")
  std::vector<std::pair<std::string, std::uint32_t>> serials;  // origin text -> serial, if ok
};

/// One view of a served zone, for status.
struct ViewStatus {
  std::string name;
  std::size_t records = 0;
  bool recursion = false;
};

/// One served zone, for status.
struct ZoneStatus {
  std::string origin;  // "example.test."
  std::uint32_t serial = 0;
  std::string source_file;
  std::vector<ViewStatus> views;
};

/// Everything the control socket reports.
struct ReloaderStatus {
  std::vector<ZoneStatus> zones;  // what is being served now
  std::optional<ReloadResult> last_reload;
  std::uint64_t reloads_ok = 0;  // the startup load counts as one
  std::uint64_t reloads_failed = 0;
  // Attempts by trigger (indexed by ReloadTrigger): [trigger][0] failed, [trigger][1] succeeded.
  std::array<std::array<std::uint64_t, 2>, kReloadTriggers> reloads_by_trigger{};
  std::optional<std::chrono::system_clock::time_point> last_success;
  std::chrono::system_clock::time_point started;
};

/// Owns the zone file list; loads, compiles and publishes snapshots. Thread-safe.
class ZoneReloader {
 public:
  /// `zone_files` as configured; nothing is loaded until reload() is called.
  explicit ZoneReloader(std::vector<std::string> zone_files);

  /// Loads and compiles every zone file; on success publishes the snapshot (to the attached
  /// holder, else keeps it for snapshot()), on failure keeps the old one. Logs either way.
  ReloadResult reload(ReloadTrigger trigger);
  /// From now on successful reloads are published through `holder`.
  void attach(std::shared_ptr<query::SnapshotHolder> holder);
  /// The snapshot of the last successful reload (nullptr before the first).
  std::shared_ptr<const query::Snapshot> snapshot() const;
  /// The files whose changes matter: the configured zone files and, as of the last successful
  /// load, the RFC 1035 zone files they include.
  std::vector<std::string> watchedFiles() const;
  /// A copy of the current status.
  ReloaderStatus status() const;

 private:
  const std::vector<std::string> zone_files_;
  mutable std::mutex reload_mutex_;  // one reload at a time, whoever asks
  mutable std::mutex mutex_;         // guards everything below
  std::shared_ptr<query::SnapshotHolder> holder_;
  std::shared_ptr<const query::Snapshot> snapshot_;
  std::vector<ZoneStatus> zones_;
  std::vector<std::string> included_files_;
  ReloaderStatus status_;
};

}  // namespace horizon::ctl
