// Why the directory and not the file: editors and dnsctl replace a file by renaming a new one
// over it, and Kubernetes swaps a `..data` symlink, so the inode a file watch would follow goes
// away. A directory watch sees every such change as an event on an entry; the decision to reload
// is then made by comparing what the path (symlinks followed) holds now with the baseline, so
// unrelated entries of the directory cost a stat and a hash, never a reload.
#include "horizon/ctl/zone_watcher.hpp"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>: std first.
#include <spdlog/spdlog.h>

namespace horizon::ctl {
namespace {

namespace asio = boost::asio;

constexpr std::uint32_t kDirectoryEvents = IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO |
                                           IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB |
                                           IN_DELETE_SELF | IN_MOVE_SELF;

std::string directoryOf(const std::string& path) {
  // Lexically, without resolving symlinks: for a ConfigMap the swap happens in this directory.
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  return parent.string();
}

}  // namespace

FileFingerprint fingerprintFile(const std::string& path, bool hash) {
  FileFingerprint fp;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fp;
  fp.exists = true;
  fp.device = st.st_dev;
  fp.inode = st.st_ino;
  fp.size = static_cast<std::uint64_t>(st.st_size);
  fp.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  // Only a regular file has contents to hash: reading a FIFO would block, and take the bytes
  // the zone loader is waiting for.
  if (hash && S_ISREG(st.st_mode)) {
    std::ifstream in(path, std::ios::binary);
    std::uint64_t h = 14695981039346656037ull;
    std::array<char, 8192> buffer;
    while (in) {
      in.read(buffer.data(), buffer.size());
      for (std::streamsize i = 0; i < in.gcount(); ++i) {
        h = (h ^ static_cast<unsigned char>(buffer[static_cast<std::size_t>(i)])) *
            1099511628211ull;
      }
    }
    fp.content_hash = h;
  }
  return fp;
}

ZoneWatcher::ZoneWatcher(asio::io_context& io, std::function<std::vector<std::string>()> files,
                         std::function<void()> on_change, Options options)
    : io_(io),
      files_(std::move(files)),
      on_change_(std::move(on_change)),
      options_(options),
      debounce_timer_(io),
      poll_timer_(io),
      alive_(std::make_shared<bool>(true)) {}

ZoneWatcher::~ZoneWatcher() {
  stop();
}

void ZoneWatcher::start() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    spdlog::warn("zone watcher: inotify unavailable ({}); polling the zone files every {} ms",
                 std::strerror(errno), options_.poll_interval.count());
  } else {
    inotify_.emplace(io_, fd);
  }
  refresh();
  if (inotify_) readEvents();
  armPoll();
}

void ZoneWatcher::refresh() {
  // Known files keep their baseline: it was taken before the reload read them, so a write that
  // lands between the reload and now still differs from it and gets its own reload. (Hashing
  // again here would adopt that write without anyone loading it.)
  std::map<std::string, FileFingerprint> next;
  for (const auto& file : files_()) {
    auto known = baseline_.find(file);
    next[file] = known != baseline_.end() ? known->second : fingerprintFile(file, true);
  }
  baseline_ = std::move(next);
  updateWatches();
}

void ZoneWatcher::stop() {
  *alive_ = false;
  boost::system::error_code ec;
  debounce_timer_.cancel();
  poll_timer_.cancel();
  if (inotify_) {
    inotify_->close(ec);  // also drops every watch
    inotify_.reset();
  }
  directory_watches_.clear();
}

void ZoneWatcher::updateWatches() {
  if (!inotify_) return;
  std::set<std::string> wanted;
  for (const auto& [file, fp] : baseline_) wanted.insert(directoryOf(file));
  for (auto it = directory_watches_.begin(); it != directory_watches_.end();) {
    if (wanted.count(it->first) == 0) {
      ::inotify_rm_watch(inotify_->native_handle(), it->second);
      it = directory_watches_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& dir : wanted) {
    // Adding an existing watch again is harmless (same descriptor), and re-adds a directory
    // that was deleted and created again.
    const int wd = ::inotify_add_watch(inotify_->native_handle(), dir.c_str(), kDirectoryEvents);
    if (wd < 0) {
      spdlog::warn("zone watcher: cannot watch {}: {}; relying on polling", dir,
                   std::strerror(errno));
      directory_watches_.erase(dir);
      continue;
    }
    directory_watches_[dir] = wd;
  }
}

void ZoneWatcher::readEvents() {
  inotify_->async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, alive = alive_](const boost::system::error_code& ec) {
        if (!*alive || ec) return;
        // Drain: the events' details do not matter, only that something moved.
        alignas(inotify_event) std::array<char, 16384> buffer;
        bool overflow = false;
        for (;;) {
          const ssize_t n = ::read(inotify_->native_handle(), buffer.data(), buffer.size());
          if (n <= 0) break;
          for (ssize_t pos = 0; pos < n;) {
            const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + pos);
            if (event->mask & (IN_Q_OVERFLOW | IN_IGNORED)) overflow = true;
            pos += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
          }
        }
        // A removed directory drops its watch (IN_IGNORED): set it up again.
        if (overflow) updateWatches();
        scheduleCheck();
        readEvents();
      });
}

void ZoneWatcher::scheduleCheck() {
  // Every event restarts the quiet period, so a burst (truncate, write, close, rename) gives one
  // check after it ends.
  debounce_timer_.expires_after(options_.debounce);
  debounce_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!*alive || ec) return;
    check(true);
  });
}

void ZoneWatcher::check(bool hash_always) {
  bool changed = false;
  for (auto& [file, old] : baseline_) {
    FileFingerprint now = fingerprintFile(file, false);
    // Polling hashes only what stat() says may have changed; after an event, hash anyway: a
    // rewrite in place can keep the size and, on coarse clocks, the mtime.
    if (!hash_always && !now.statDiffers(old)) continue;
    now = fingerprintFile(file, true);
    if (now.contentDiffers(old)) changed = true;
    old = now;
  }
  if (!changed) return;
  // The baseline now holds what was hashed before the reload reads the files (see refresh()).
  on_change_();
  refresh();  // the reload may have changed which files matter
}

void ZoneWatcher::armPoll() {
  if (options_.poll_interval.count() <= 0) return;
  poll_timer_.expires_after(options_.poll_interval);
  poll_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (!*alive || ec) return;
    if (inotify_) updateWatches();  // a watched directory may have been created meanwhile
    check(false);
    armPoll();
  });
}

}  // namespace horizon::ctl
