// The current snapshot for the data plane's readers and the reloader that replaces it: lock-free
// reads, atomic publication, and reclamation of old snapshots once no reader can still see them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "horizon/query/compiled_zone.hpp"

namespace horizon::query {

/// Holds the current snapshot for lock-free readers. publish() swaps in a new one; an old one
/// is freed once every reader that could still see it has passed a quiescent point.
///
/// Reclamation is quiescent-state based (QSBR). Each reader thread owns a Reader whose sequence
/// number is odd while it is inside a read section (a ReadGuard) and even otherwise. publish()
/// stores the new pointer, then records every reader's sequence; the old snapshot may be freed
/// once each recorded sequence was even (that reader was between sections, so its next section
/// loads the new pointer) or has since changed (the section that was open has ended). Readers do
/// two atomic stores per section and nothing else: no lock, no allocation.
class SnapshotHolder {
 public:
  /// One reader thread's state; registered once with addReader() and used only by that thread.
  class Reader {
   public:
    Reader() = default;
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

   private:
    friend class SnapshotHolder;
    // On its own cache line: written by its thread on every section, read by publish().
    alignas(64) std::atomic<std::uint64_t> sequence_{0};
    unsigned depth_ = 0;  // nested guards; only the outermost one touches sequence_
  };

  /// A read section: the snapshot it returns stays valid until the guard is destroyed. Keep
  /// sections short (one handler invocation): a section that never ends blocks reclamation.
  class ReadGuard {
   public:
    ReadGuard(const SnapshotHolder& holder, Reader& reader);
    ~ReadGuard();
    ReadGuard(const ReadGuard&) = delete;
    ReadGuard& operator=(const ReadGuard&) = delete;
    /// The snapshot to answer from during this section.
    const Snapshot& snapshot() const { return *snapshot_; }

   private:
    Reader& reader_;
    const Snapshot* snapshot_;
  };

  explicit SnapshotHolder(std::shared_ptr<const Snapshot> initial);
  ~SnapshotHolder();
  SnapshotHolder(const SnapshotHolder&) = delete;
  SnapshotHolder& operator=(const SnapshotHolder&) = delete;

  /// Registers a reader; call before the reader's thread starts reading. The Reader lives as
  /// long as the holder. Control plane only.
  Reader& addReader();
  /// The current snapshot, shared: for the control plane, never the query path.
  std::shared_ptr<const Snapshot> currentShared() const;
  /// Makes `next` current and retires the old one (freed by this or a later reclaim()).
  /// Control plane only.
  void publish(std::shared_ptr<const Snapshot> next);
  /// Frees the retired snapshots no reader can still see; returns how many remain retired.
  /// Control plane only; call it now and then (horizond does so every second).
  std::size_t reclaim();
  /// How many retired snapshots are still held (for tests and status).
  std::size_t retiredCount() const;

 private:
  struct Retired {
    std::shared_ptr<const Snapshot> snapshot;
    std::vector<std::uint64_t> sequences;  // each reader's sequence when it was retired
  };
  std::size_t reclaimLocked();

  std::atomic<const Snapshot*> current_;
  mutable std::mutex mutex_;  // control plane: guards everything below
  std::shared_ptr<const Snapshot> current_owner_;
  std::vector<std::unique_ptr<Reader>> readers_;
  std::vector<Retired> retired_;
};

}  // namespace horizon::query
