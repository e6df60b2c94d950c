// Private to the dnstap module: the Frame Streams transport to a collector's unix socket.
//
// fstrm's own unix writer uses a blocking socket with no timeout: a collector that accepts and
// then stops reading (or never answers the handshake) parks fstrm's writer thread in send() or
// recv() for good, and fstrm_iothr_destroy() then never returns. This one gives up after
// kStallTimeout of no progress, so fstrm closes the connection, discards what was queued and
// reconnects later; and it says whether a session is up, so that writes made while there is none
// are dropped and counted by the caller instead of being queued only for fstrm to discard.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

struct fstrm_writer;
struct fstrm_writer_options;

namespace horizon::dnstap {

/// How long one send or receive may make no progress before the collector is given up on.
inline constexpr std::chrono::milliseconds kStallTimeout{1000};

/// An fstrm writer (bidirectional: READY/ACCEPT/START handshake) to the unix socket at `path`,
/// which need not exist yet: fstrm opens it, and again after a failure. `*connected` is true from
/// the end of a handshake until the connection is closed or fails; it must outlive the writer.
/// nullptr when fstrm refuses the writer.
fstrm_writer* makeUnixWriter(const std::string& path, const fstrm_writer_options* options,
                             std::atomic<bool>* connected);

}  // namespace horizon::dnstap
