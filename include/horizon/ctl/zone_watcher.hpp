// Notices changes of the zone files and asks for a reload: inotify on each file's directory
// (which survives rewrites in place, replacement by rename and Kubernetes ConfigMap symlink
// swaps), debounced, plus a slow stat() poll as a fallback. Runs on the control io_context.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>: std first.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>

namespace horizon::ctl {

/// What a file looked like when last checked; a change of any field is a change of the file.
struct FileFingerprint {
  bool exists = false;
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t content_hash = 0;  // FNV-1a of the bytes
  /// True when the contents differ (or the file appeared or vanished).
  bool contentDiffers(const FileFingerprint& other) const {
    return exists != other.exists || content_hash != other.content_hash;
  }
  /// True when stat() says something may have changed.
  bool statDiffers(const FileFingerprint& other) const {
    return exists != other.exists || device != other.device || inode != other.inode ||
           size != other.size || mtime_ns != other.mtime_ns;
  }
};

/// stat()s `path` following symlinks; with `hash`, also reads and hashes the contents.
FileFingerprint fingerprintFile(const std::string& path, bool hash);

/// Watches files and calls back (debounced) when their contents change.
class ZoneWatcher {
 public:
  /// Timing knobs; see README "Live reload".
  struct Options {
    std::chrono::milliseconds debounce{150};        // quiet time after the last event
    std::chrono::milliseconds poll_interval{2000};  // 0: no polling
  };

  /// `files` says what to watch (asked again on refresh()); `on_change` runs on `io` when a
  /// watched file's contents changed.
  ZoneWatcher(boost::asio::io_context& io, std::function<std::vector<std::string>()> files,
              std::function<void()> on_change, Options options);
  ~ZoneWatcher();
  ZoneWatcher(const ZoneWatcher&) = delete;
  ZoneWatcher& operator=(const ZoneWatcher&) = delete;

  /// Records the files' current state and starts watching; never throws for inotify trouble
  /// (it logs and relies on polling).
  void start();
  /// Re-reads the file list (e.g. after a reload that another trigger caused); files new to the
  /// list are fingerprinted now, known ones keep their baseline.
  void refresh();
  /// Stops watching; pending callbacks are cancelled.
  void stop();

 private:
  void updateWatches();
  void readEvents();
  void scheduleCheck();
  void check(bool hash_always);
  void armPoll();

  boost::asio::io_context& io_;
  std::function<std::vector<std::string>()> files_;
  std::function<void()> on_change_;
  Options options_;
  std::optional<boost::asio::posix::stream_descriptor> inotify_;
  std::map<std::string, int> directory_watches_;  // directory -> watch descriptor
  std::map<std::string, FileFingerprint> baseline_;
  boost::asio::steady_timer debounce_timer_;
  boost::asio::steady_timer poll_timer_;
  std::shared_ptr<bool> alive_;  // handlers check it so none runs after stop()
};

}  // namespace horizon::ctl
