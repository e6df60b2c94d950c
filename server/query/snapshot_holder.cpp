// Quiescent-state based reclamation of snapshots (see the class comment in the header).
#include "horizon/query/snapshot_holder.hpp"

namespace horizon::query {

SnapshotHolder::SnapshotHolder(std::shared_ptr<const Snapshot> initial)
    : current_(initial.get()), current_owner_(std::move(initial)) {}

SnapshotHolder::~SnapshotHolder() = default;

// Why this is safe (all accesses to current_ and the sequences are seq_cst, so they fall in one
// total order S). A reader's section is: store sequence odd, load current_, use it, store
// sequence even. publish() stores current_, then loads every sequence.
// - If publish() loads an even value s, the reader's next odd store comes after that load in S,
//   hence after the store of current_, so that section loads the new pointer. Sections that
//   ended before s was stored are over. Nothing the reader does later can see the old pointer.
// - If it loads an odd value s, the reader may be using the old pointer; once its sequence is
//   no longer s, that section has ended (the even store is a release, and reclaim() loads it
//   before freeing), and every later section loads the new pointer by the argument above.
SnapshotHolder::ReadGuard::ReadGuard(const SnapshotHolder& holder, Reader& reader)
    : reader_(reader) {
  if (reader_.depth_++ == 0) {
    // Only this thread writes the sequence, so a load and a store make the increment.
    const auto s = reader_.sequence_.load(std::memory_order_relaxed);
    reader_.sequence_.store(s + 1, std::memory_order_seq_cst);
  }
  snapshot_ = holder.current_.load(std::memory_order_seq_cst);
}

SnapshotHolder::ReadGuard::~ReadGuard() {
  if (--reader_.depth_ == 0) {
    const auto s = reader_.sequence_.load(std::memory_order_relaxed);
    reader_.sequence_.store(s + 1, std::memory_order_release);
  }
}

SnapshotHolder::Reader& SnapshotHolder::addReader() {
  std::lock_guard lock(mutex_);
  readers_.push_back(std::make_unique<Reader>());
  return *readers_.back();
}

std::shared_ptr<const Snapshot> SnapshotHolder::currentShared() const {
  std::lock_guard lock(mutex_);
  return current_owner_;
}

void SnapshotHolder::publish(std::shared_ptr<const Snapshot> next) {
  std::lock_guard lock(mutex_);
  current_.store(next.get(), std::memory_order_seq_cst);
  Retired retired{std::move(current_owner_), {}};
  current_owner_ = std::move(next);
  retired.sequences.reserve(readers_.size());
  for (const auto& reader : readers_) {
    retired.sequences.push_back(reader->sequence_.load(std::memory_order_seq_cst));
  }
  retired_.push_back(std::move(retired));
  reclaimLocked();
}

std::size_t SnapshotHolder::reclaim() {
  std::lock_guard lock(mutex_);
  return reclaimLocked();
}

std::size_t SnapshotHolder::reclaimLocked() {
  std::erase_if(retired_, [this](const Retired& r) {
    // Readers added after the retirement are not in r.sequences: they started after the new
    // pointer was stored, so they never saw the old one.
    for (std::size_t i = 0; i < r.sequences.size(); ++i) {
      const std::uint64_t then = r.sequences[i];
      if ((then & 1) != 0 && readers_[i]->sequence_.load(std::memory_order_seq_cst) == then) {
        return false;  // that reader is still in the section that may hold this snapshot
      }
    }
    return true;
  });
  return retired_.size();
}

std::size_t SnapshotHolder::retiredCount() const {
  std::lock_guard lock(mutex_);
  return retired_.size();
}

}  // namespace horizon::query
