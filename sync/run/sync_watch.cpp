// The watch loop polls the zone file's identity rather than using inotify: it is one file,
// checked four times a second, and polling sees a symlink swap (a mounted ConfigMap) as easily
// as an in-place rewrite or a rename.
#include "horizon/sync/sync_watch.hpp"

#include <sys/stat.h>

#include <sstream>
#include <string>
#include <thread>

namespace horizon::sync {
namespace {

// What identifies the file's content without reading it: a rename or a symlink swap changes the
// inode, an in-place rewrite the size or mtime.
std::string fingerprint(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  std::ostringstream out;
  out << st.st_dev << ':' << st.st_ino << ':' << st.st_size << ':' << st.st_mtim.tv_sec << '.'
      << st.st_mtim.tv_nsec;
  return out.str();
}

}  // namespace

void watchZone(const SyncSettings& settings, std::chrono::seconds interval,
               const std::atomic<bool>& stop, const WatchEvents& events) {
  std::string seen = fingerprint(settings.zone_file);
  auto due = std::chrono::steady_clock::now();
  while (!stop) {
    std::string now_seen = fingerprint(settings.zone_file);
    if (now_seen != seen) {
      // Let a writer that is still busy finish before reading (editors write in steps).
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (fingerprint(settings.zone_file) != now_seen) continue;
      seen = now_seen;
      if (events.on_change) events.on_change();
      due = std::chrono::steady_clock::now();
    }
    if (std::chrono::steady_clock::now() >= due) {
      SyncReport report = runSync(settings, /*apply=*/true);
      if (events.on_run) events.on_run(report);
      due = std::chrono::steady_clock::now() + interval;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace horizon::sync
