// Control plane: exceptions and allocations are fine, but no input may crash the server. A
// connection may carry several requests, one per line, answered in order; it is closed on EOF,
// on a line longer than kMaxControlLine, or after kControlIdleTimeout without a request.
#include "horizon/ctl/control_server.hpp"

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>: std first.
#include <spdlog/spdlog.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "../net/log_limiter.hpp"
#include "horizon/net/spare_descriptor.hpp"

namespace horizon::ctl {
namespace {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;
using nlohmann::json;

constexpr auto kControlIdleTimeout = std::chrono::seconds(60);
// Sessions open at once; the descriptor budget's process reserve counts on a few. Beyond it a
// client hears why and is closed: a local process cannot take every descriptor through here.
constexpr std::size_t kMaxControlSessions = 16;
// A failed accept() is retried after this pause: at once, a pending connection that cannot be
// accepted (no descriptor) would spin the control thread and flood the log.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

std::string rfc3339(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

json errorResponse(const std::string& message) {
  return json{{"ok", false}, {"error", message}};
}

json statusJson(const ZoneReloader& reloader, const std::string& version) {
  const ReloaderStatus status = reloader.status();
  json zones = json::array();
  for (const auto& zone : status.zones) {
    json views = json::array();
    for (const auto& view : zone.views) {
      views.push_back(
          {{"name", view.name}, {"records", view.records}, {"recursion", view.recursion}});
    }
    zones.push_back({{"origin", zone.origin},
                     {"serial", zone.serial},
                     {"source_file", zone.source_file},
                     {"views", views}});
  }
  json last = nullptr;
  if (status.last_reload) {
    last = {{"time", rfc3339(status.last_reload->time)},
            {"trigger", triggerName(status.last_reload->trigger)},
            {"ok", status.last_reload->ok},
            {"error", status.last_reload->error}};
  }
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now() - status.started)
                          .count();
  return {{"version", version},
          {"started", rfc3339(status.started)},
          {"uptime_seconds", uptime < 0 ? 0 : uptime},
          {"zones", zones},
          {"last_reload", last},
          {"reloads", {{"ok", status.reloads_ok}, {"failed", status.reloads_failed}}}};
}

}  // namespace

std::string handleControlRequest(std::string_view line, ZoneReloader& reloader,
                                 const std::string& version,
                                 const std::function<void()>& after_reload) {
  json response;
  try {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const json request = json::parse(line, nullptr, false);
    if (request.is_discarded()) {
      response = errorResponse("the request is not valid JSON");
    } else if (!request.is_object() || !request.contains("command") ||
               !request["command"].is_string()) {
      response = errorResponse(R"(expected an object like {"command":"status"})");
    } else {
      const std::string command = request["command"].get<std::string>();
      if (command == "status") {
        response = {{"ok", true}, {"status", statusJson(reloader, version)}};
      } else if (command == "reload") {
        const ReloadResult result = reloader.reload(ReloadTrigger::kControl);
        if (after_reload) after_reload();
        if (result.ok) {
          json serials = json::object();
          for (const auto& [origin, serial] : result.serials) serials[origin] = serial;
          response = {{"ok", true}, {"serials", serials}};
        } else {
          response = errorResponse(result.error);
        }
      } else {
        response = errorResponse("unknown command '" + command + "' (known: status, reload)");
      }
    }
    // Replace rather than throw on invalid UTF-8 (a file name or an echoed command).
    return response.dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const std::exception& e) {
    return errorResponse(std::string("internal error: ") + e.what())
        .dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

class ControlServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ControlServer& server, Local::socket socket, std::shared_ptr<std::size_t> open)
      : server_(server),
        socket_(std::move(socket)),
        input_(kMaxControlLine + 1),
        timer_(socket_.get_executor()),
        open_(std::move(open)) {
    ++*open_;
  }
  ~Session() { --*open_; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start(std::shared_ptr<bool> alive) {
    alive_ = std::move(alive);
    readLine();
  }

 private:
  void readLine() {
    timer_.expires_after(kControlIdleTimeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      }
    });
    asio::async_read_until(socket_, input_, '\n',
                           [self = shared_from_this()](const boost::system::error_code& ec,
                                                       std::size_t n) { self->onLine(ec, n); });
  }

  void onLine(const boost::system::error_code& ec, std::size_t n) {
    timer_.cancel();
    if (!*alive_) return;
    if (ec == asio::error::not_found) {
      // The buffer is full without a newline: answer once, then hang up.
      input_.consume(input_.size());
      write(errorResponse("request line longer than " + std::to_string(kMaxControlLine) + " bytes")
                .dump(),
            true);
      return;
    }
    if (ec) {
      // EOF: a last request without its newline still gets an answer.
      if (ec == asio::error::eof && input_.size() > 0) {
        std::string line(asio::buffers_begin(input_.data()), asio::buffers_end(input_.data()));
        input_.consume(input_.size());
        write(
            handleControlRequest(line, server_.reloader_, server_.version_, server_.after_reload_),
            true);
      }
      return;
    }
    std::string line(asio::buffers_begin(input_.data()),
                     asio::buffers_begin(input_.data()) + static_cast<std::ptrdiff_t>(n - 1));
    input_.consume(n);
    if (line.empty() || line == "\r") {
      readLine();  // blank lines are ignored, as between JSON Lines records
      return;
    }
    write(handleControlRequest(line, server_.reloader_, server_.version_, server_.after_reload_),
          false);
  }

  void write(std::string response, bool then_close) {
    output_ = std::move(response) + "\n";
    asio::async_write(
        socket_, asio::buffer(output_),
        [self = shared_from_this(), then_close](const boost::system::error_code& ec, std::size_t) {
          if (ec || then_close || !*self->alive_) {
            boost::system::error_code ignored;
            self->socket_.shutdown(Local::socket::shutdown_both, ignored);
            self->socket_.close(ignored);
            return;
          }
          self->readLine();
        });
  }

  ControlServer& server_;
  Local::socket socket_;
  asio::streambuf input_;
  asio::steady_timer timer_;
  std::string output_;
  std::shared_ptr<bool> alive_;
  std::shared_ptr<std::size_t> open_;  // sessions open now, this one included
};

// What the accept loop keeps between attempts: the pause timer, the descriptor held back so an
// operator can still connect when every other one is taken, and the cap on its log lines.
struct ControlServer::AcceptState {
  explicit AcceptState(asio::io_context& io) : retry(io) {}
  asio::steady_timer retry;
  net::SpareDescriptor spare;
  net::LogLimiter log;
  std::shared_ptr<std::size_t> sessions = std::make_shared<std::size_t>(0);  // open now
};

ControlServer::ControlServer(asio::io_context& io, std::string path, ZoneReloader& reloader,
                             std::string version, std::function<void()> after_reload)
    : io_(io),
      path_(std::move(path)),
      reloader_(reloader),
      version_(std::move(version)),
      after_reload_(std::move(after_reload)),
      alive_(std::make_shared<bool>(true)),
      accept_state_(std::make_unique<AcceptState>(io)) {}

ControlServer::~ControlServer() {
  close();
}

void ControlServer::open() {
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw std::runtime_error("control socket " + path_ +
                               ": the path exists and is not a socket; not removing it");
    }
    // Something listening there means another horizond (or a mistake): refuse rather than steal
    // its socket. A socket file nobody answers on is left over from a crash: remove it.
    asio::io_context probe_io;
    Local::socket probe(probe_io);
    boost::system::error_code ec;
    probe.open(Local(), ec);
    // Non-blocking, so a listener with a full backlog cannot stall startup: EAGAIN also means
    // someone is there. ECONNREFUSED means nobody is.
    if (!ec) probe.non_blocking(true, ec);
    if (!ec) probe.connect(Local::endpoint(path_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again ||
        ec == asio::error::in_progress) {
      ec = {};
    }
    if (!ec) {
      throw std::runtime_error("control socket " + path_ +
                               " is in use: another process answers on it (another horizond?)");
    }
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
      throw std::runtime_error("control socket " + path_ +
                               ": cannot remove the stale socket: " + std::strerror(errno));
    }
  }
  auto acceptor = std::make_unique<Local::acceptor>(io_);
  acceptor->open(Local());
  // Bind under a umask so the socket is never reachable with wider permissions than 0660, even
  // for a moment; chmod afterwards in case the umask was stricter than needed.
  const mode_t old_mask = ::umask(0117);
  boost::system::error_code ec;
  acceptor->bind(Local::endpoint(path_), ec);
  ::umask(old_mask);
  if (ec) throw std::runtime_error("control socket " + path_ + ": cannot bind: " + ec.message());
  if (::chmod(path_.c_str(), 0660) != 0) {
    throw std::runtime_error("control socket " + path_ + ": chmod: " + std::strerror(errno));
  }
  acceptor->listen(16);
  acceptor_ = std::move(acceptor);
  accept();
}

void ControlServer::close() {
  *alive_ = false;
  if (!acceptor_) return;
  boost::system::error_code ec;
  acceptor_->close(ec);
  acceptor_.reset();
  ::unlink(path_.c_str());
}

// One line into the new socket's empty buffer without waiting, then closed: the refused client
// (dnsctl) prints why instead of hanging.
void ControlServer::refuse(Local::socket socket) {
  static const std::string kBusy =
      errorResponse("too many control connections open (at most " +
                    std::to_string(kMaxControlSessions) + "); try again")
          .dump() +
      "\n";
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(kBusy), ignored);
  socket.shutdown(Local::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void ControlServer::accept() {
  acceptor_->async_accept([this, alive = alive_](const boost::system::error_code& ec,
                                                 Local::socket socket) {
    if (!*alive) return;
    if (!ec) {
      accept_state_->spare.refill();
      if (*accept_state_->sessions >= kMaxControlSessions) {
        refuse(std::move(socket));
      } else {
        std::make_shared<Session>(*this, std::move(socket), accept_state_->sessions)->start(alive_);
      }
      return accept();
    }
    if (ec == asio::error::operation_aborted) return;
    // Out of descriptors: the spare's slot is given to the waiting client (an operator's
    // `dnsctl status`), once, before pausing.
    if (net::SpareDescriptor::exhausted(ec.value()) && accept_state_->spare.release())
      return accept();
    accept_state_->log.warn("control socket: accept: {}", ec.message());
    accept_state_->retry.expires_after(kAcceptRetryDelay);
    accept_state_->retry.async_wait([this, alive](const boost::system::error_code& wait_ec) {
      if (!wait_ec && *alive && acceptor_) accept();
    });
  });
}

}  // namespace horizon::ctl
