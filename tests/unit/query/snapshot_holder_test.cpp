// SnapshotHolder reclamation without sockets or threads: readers are driven by hand through
// their read sections (quiescent points are the moments between sections).
#include "horizon/query/snapshot_holder.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace horizon::query {
namespace {

std::shared_ptr<const query::Snapshot> makeSnapshot() {
  return std::make_shared<const query::Snapshot>();
}

TEST(SnapshotHolder, IdleReadersLetPublishFreeTheOldSnapshotAtOnce) {
  auto first = makeSnapshot();
  std::weak_ptr<const query::Snapshot> watch = first;
  SnapshotHolder holder(std::move(first));
  SnapshotHolder::Reader& a = holder.addReader();
  SnapshotHolder::Reader& b = holder.addReader();
  {
    SnapshotHolder::ReadGuard guard(holder, a);  // a section that ends before the publish
    EXPECT_EQ(&guard.snapshot(), watch.lock().get());
  }
  (void)b;  // never read: idle
  holder.publish(makeSnapshot());
  EXPECT_EQ(holder.retiredCount(), 0u);
  EXPECT_TRUE(watch.expired());
}

TEST(SnapshotHolder, AReaderInASectionKeepsItsSnapshotUntilTheSectionEnds) {
  auto first = makeSnapshot();
  std::weak_ptr<const query::Snapshot> old_watch = first;
  SnapshotHolder holder(std::move(first));
  SnapshotHolder::Reader& busy = holder.addReader();
  SnapshotHolder::Reader& other = holder.addReader();

  auto guard = std::make_unique<SnapshotHolder::ReadGuard>(holder, busy);
  const query::Snapshot* seen = &guard->snapshot();
  auto second = makeSnapshot();
  const query::Snapshot* second_raw = second.get();
  holder.publish(std::move(second));

  // The busy reader still uses the old snapshot: it must stay alive, whatever others do.
  EXPECT_EQ(holder.retiredCount(), 1u);
  EXPECT_FALSE(old_watch.expired());
  EXPECT_EQ(&guard->snapshot(), seen);
  {
    SnapshotHolder::ReadGuard later(holder, other);  // a new section sees the new snapshot
    EXPECT_EQ(&later.snapshot(), second_raw);
  }
  EXPECT_EQ(holder.reclaim(), 1u);
  EXPECT_FALSE(old_watch.expired());

  guard.reset();  // the quiescent point
  EXPECT_EQ(holder.reclaim(), 0u);
  EXPECT_TRUE(old_watch.expired());
}

TEST(SnapshotHolder, ANewSectionAfterPublishDoesNotPinTheOldSnapshot) {
  auto first = makeSnapshot();
  std::weak_ptr<const query::Snapshot> old_watch = first;
  SnapshotHolder holder(std::move(first));
  SnapshotHolder::Reader& reader = holder.addReader();
  auto guard = std::make_unique<SnapshotHolder::ReadGuard>(holder, reader);
  holder.publish(makeSnapshot());
  guard.reset();
  // The reader is busy again, but in a section that began after the publish.
  SnapshotHolder::ReadGuard again(holder, reader);
  EXPECT_EQ(holder.reclaim(), 0u);
  EXPECT_TRUE(old_watch.expired());
}

TEST(SnapshotHolder, NestedGuardsEndTheSectionOnlyAtTheOutermost) {
  auto first = makeSnapshot();
  std::weak_ptr<const query::Snapshot> old_watch = first;
  SnapshotHolder holder(std::move(first));
  SnapshotHolder::Reader& reader = holder.addReader();
  auto outer = std::make_unique<SnapshotHolder::ReadGuard>(holder, reader);
  { SnapshotHolder::ReadGuard inner(holder, reader); }
  holder.publish(makeSnapshot());
  EXPECT_FALSE(old_watch.expired());
  outer.reset();
  holder.reclaim();
  EXPECT_TRUE(old_watch.expired());
}

TEST(SnapshotHolder, ManyPublishesRetireEverySnapshotOnceReadersMoveOn) {
  SnapshotHolder holder(makeSnapshot());
  SnapshotHolder::Reader& reader = holder.addReader();
  auto guard = std::make_unique<SnapshotHolder::ReadGuard>(holder, reader);
  for (int i = 0; i < 10; ++i) holder.publish(makeSnapshot());
  // Only the snapshot the open section saw is pinned; later ones were never visible to it...
  // but the reader's sequence is the same odd value for all of them, so all wait for it.
  EXPECT_EQ(holder.retiredCount(), 10u);
  guard.reset();
  EXPECT_EQ(holder.reclaim(), 0u);
  EXPECT_NE(holder.currentShared(), nullptr);
}

}  // namespace
}  // namespace horizon::query
