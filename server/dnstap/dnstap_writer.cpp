// Writer: fstrm's I/O thread and its input queues, one FrameRing and counter pair per queue, and
// the drop decisions of write().
#include "horizon/dnstap/dnstap_writer.hpp"

#include <fstrm.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "destination.hpp"
#include "frame_ring.hpp"
#include "record.hpp"
#include "unix_stream.hpp"

namespace horizon::dnstap {
namespace {

constexpr char kContentType[] = "protobuf:dnstap.Dnstap";
// Records one queue may have waiting for the I/O thread (fstrm wants a power of two). With ~200-
// byte records this is a few milliseconds of a busy worker: enough to ride out the I/O thread's
// wake-up, small enough that a stalled collector costs little memory.
constexpr unsigned kQueueSize = 1024;
// fstrm wakes its thread when a queue has this many free slots left; half full leaves it the
// other half to wake up in. Below that rate it wakes once a second by itself.
constexpr unsigned kWakeAtFreeSlots = kQueueSize / 2;
// Seconds between attempts to reach an absent collector (fstrm's default, 5, loses more).
constexpr unsigned kReopenSeconds = 1;
// Bytes of encoded records per queue: kQueueSize ordinary records, or several of the largest
// (a 64 KiB TCP message).
constexpr std::size_t kRingBytes = 1 << 20;

// fstrm's callback for a record it has written or discarded.
void releaseFrame(void* data, void*) {
  FrameRing::release(data);
}

// Counters are read by other threads but written only by the owner: a plain load and store, no
// read-modify-write.
void bump(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// Owns an fstrm object of type T until released (fstrm's destroy functions take T**).
template <typename T, void (*Destroy)(T**)>
struct Owned {
  T* p = nullptr;
  ~Owned() {
    if (p != nullptr) Destroy(&p);
  }
};

void destroyWriter(fstrm_writer** writer) {
  fstrm_writer_destroy(writer);
}

}  // namespace

// What one writing thread touches: its own cache line(s), so threads never share one.
struct alignas(64) QueueState {
  QueueState() : ring(kRingBytes) {}
  fstrm_iothr_queue* queue = nullptr;
  FrameRing ring;
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> dropped{0};
};

struct Writer::Impl {
  // Read by every write(), written once per session by the I/O thread: alone on its line.
  alignas(64) std::atomic<bool> connected{false};
  alignas(64) fstrm_iothr* iothr = nullptr;
  std::string identity;
  std::string version;
  std::vector<QueueState> queues;

  explicit Impl(unsigned count) : queues(count) {}
  ~Impl() {
    // Drains the queues into the stream and closes it; frees every frame still held, so the
    // rings (destroyed after) are no longer referenced.
    if (iothr != nullptr) fstrm_iothr_destroy(&iothr);
  }
};

std::unique_ptr<Writer> Writer::open(const std::string& destination, unsigned queues,
                                     std::string identity, std::string version,
                                     std::string* error) {
  auto fail = [&](std::string message) -> std::unique_ptr<Writer> {
    if (error) *error = std::move(message);
    return nullptr;
  };
  const auto parsed = parseDestination(destination, error);
  if (!parsed) return nullptr;
  if (queues == 0) return fail("dnstap needs at least one input queue");

  auto impl = std::make_unique<Impl>(queues);
  impl->identity = std::move(identity);
  impl->version = std::move(version);

  Owned<fstrm_writer_options, fstrm_writer_options_destroy> writer_options{
      fstrm_writer_options_init()};
  fstrm_writer_options_add_content_type(writer_options.p, kContentType, sizeof kContentType - 1);
  Owned<fstrm_writer, destroyWriter> writer;
  if (parsed->kind == Destination::Kind::kFile) {
    Owned<fstrm_file_options, fstrm_file_options_destroy> file_options{fstrm_file_options_init()};
    fstrm_file_options_set_file_path(file_options.p, parsed->path.c_str());
    writer.p = fstrm_file_writer_init(file_options.p, writer_options.p);
    if (writer.p == nullptr) return fail("cannot set up a dnstap file writer");
    // Opened here rather than by the I/O thread so that a path that cannot be written is an
    // error now, not records silently lost.
    errno = 0;
    if (fstrm_writer_open(writer.p) != fstrm_res_success) {
      return fail("cannot write dnstap file " + parsed->path + ": " +
                  (errno != 0 ? std::strerror(errno) : "fstrm refused it"));
    }
    impl->connected.store(true, std::memory_order_relaxed);
  } else {
    writer.p = makeUnixWriter(parsed->path, writer_options.p, &impl->connected);
    if (writer.p == nullptr) return fail("cannot set up a dnstap socket writer");
    // One attempt now, so that a collector already listening gets the first records too; when it
    // is absent (or stalls, for up to kStallTimeout) the I/O thread keeps trying.
    fstrm_writer_open(writer.p);
  }

  Owned<fstrm_iothr_options, fstrm_iothr_options_destroy> options{fstrm_iothr_options_init()};
  if (fstrm_iothr_options_set_num_input_queues(options.p, queues) != fstrm_res_success ||
      fstrm_iothr_options_set_input_queue_size(options.p, kQueueSize) != fstrm_res_success ||
      fstrm_iothr_options_set_queue_notify_threshold(options.p, kWakeAtFreeSlots) !=
          fstrm_res_success ||
      fstrm_iothr_options_set_reopen_interval(options.p, kReopenSeconds) != fstrm_res_success ||
      fstrm_iothr_options_set_queue_model(options.p, FSTRM_IOTHR_QUEUE_MODEL_SPSC) !=
          fstrm_res_success) {
    return fail("fstrm refused the dnstap queue options");
  }
  // fstrm takes the writer (and nulls writer.p) only when it succeeds.
  impl->iothr = fstrm_iothr_init(options.p, &writer.p);
  if (impl->iothr == nullptr) return fail("cannot start the dnstap writer thread");
  for (unsigned i = 0; i < queues; ++i) {
    impl->queues[i].queue = fstrm_iothr_get_input_queue_idx(impl->iothr, i);
    if (impl->queues[i].queue == nullptr) return fail("fstrm has fewer dnstap queues than asked");
  }
  return std::unique_ptr<Writer>(new Writer(std::move(impl)));
}

Writer::Writer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Writer::~Writer() = default;

bool Writer::write(unsigned queue, const Event& event) {
  if (queue >= impl_->queues.size()) return false;
  QueueState& state = impl_->queues[queue];
  // No session: fstrm would take the record only to discard it; counting it dropped here is both
  // cheaper and true.
  if (!impl_->connected.load(std::memory_order_relaxed)) {
    bump(state.dropped);
    return false;
  }
  const Record record(event, impl_->identity, impl_->version);
  std::uint8_t* frame = nullptr;
  std::size_t size = 0;
  if (record.valid()) {
    size = record.size();
    frame = state.ring.allocate(size);  // nullptr: too large, or the collector is behind
  }
  if (frame == nullptr) {
    bump(state.dropped);
    return false;
  }
  record.pack(frame);
  if (fstrm_iothr_submit(impl_->iothr, state.queue, frame, size, releaseFrame, nullptr) !=
      fstrm_res_success) {
    FrameRing::release(frame);  // fstrm_res_again: the queue is full
    bump(state.dropped);
    return false;
  }
  bump(state.written);
  return true;
}

std::uint64_t Writer::written() const {
  std::uint64_t total = 0;
  for (const auto& state : impl_->queues) total += state.written.load(std::memory_order_relaxed);
  return total;
}

std::uint64_t Writer::dropped() const {
  std::uint64_t total = 0;
  for (const auto& state : impl_->queues) total += state.dropped.load(std::memory_order_relaxed);
  return total;
}

}  // namespace horizon::dnstap
