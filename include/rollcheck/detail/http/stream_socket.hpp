/// \file detail/http/stream_socket.hpp
/// A non-blocking stream socket (TCP or unix) whose every wait ends by one
/// deadline, or sooner when the run is stopped.
#pragma once

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../../stop.hpp"
#include "../unique_fd.hpp"

namespace rollcheck::detail {

/// How an I/O step ended.
enum class io_end {
    done,      ///< it did what was asked
    timed_out, ///< the deadline passed first
    stopped,   ///< the run was stopped (stop.hpp)
    closed,    ///< the peer closed the connection
    failed     ///< the system said no: see io_status::error
};

struct io_status {
    io_end end = io_end::done;
    int error = 0; ///< errno, when failed

    [[nodiscard]] bool ok() const noexcept { return end == io_end::done; }
};

/// Whether a failed connect says the port is closed: refused, reset, no
/// route, or silent until the deadline.
inline bool says_closed(const io_status& io) {
    if (io.end == io_end::timed_out || io.end == io_end::closed) return true;
    return io.end == io_end::failed && (io.error == ECONNREFUSED || io.error == ECONNRESET ||
                                        io.error == ENETUNREACH || io.error == EHOSTUNREACH);
}

/// One connection, until one deadline.
class stream_socket {
public:
    using clock = std::chrono::steady_clock;

    explicit stream_socket(clock::time_point deadline) : deadline_(deadline) {}

    [[nodiscard]] clock::time_point deadline() const noexcept { return deadline_; }

    /// Connects to `address` by `until` (the deadline when later); a socket
    /// that was connected before is closed first. A unix socket whose
    /// backlog is full fails at once with EAGAIN: no connection was begun.
    io_status connect(const sockaddr* address, socklen_t length,
                      clock::time_point until = clock::time_point::max()) {
        fd_.reset(::socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        if (fd_.get() < 0) return {io_end::failed, errno};
        if (::connect(fd_.get(), address, length) == 0) return {};
        if (errno != EINPROGRESS) return {io_end::failed, errno};
        if (const auto waited = wait(POLLOUT, std::min(until, deadline_)); !waited.ok())
            return waited;
        int error = 0;
        socklen_t size = sizeof error;
        ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &error, &size);
        if (error != 0) return {io_end::failed, error};
        return {};
    }

    /// Connects to the unix socket at `path`.
    io_status connect_unix(const std::string& path) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (path.size() >= sizeof address.sun_path) return {io_end::failed, ENAMETOOLONG};
        std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
        return connect(reinterpret_cast<const sockaddr*>(&address), sizeof address);
    }

    /// Sends all of `data` (a peer gone is `closed`, never SIGPIPE).
    io_status send_all(std::string_view data) {
        while (!data.empty()) {
            if (const auto waited = wait(POLLOUT, deadline_); !waited.ok()) return waited;
            const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (n < 0) return errno == EPIPE ? io_status{io_end::closed, 0} : failure();
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return {};
    }

    /// Appends what arrives next (up to `most` bytes) to `into`.
    io_status receive_some(std::string& into, std::size_t most) {
        const auto had = into.size();
        into.resize(had + most);
        for (;;) {
            // Checked before each read: data that keeps coming would never wait.
            if (const auto waited = wait(POLLIN, deadline_); !waited.ok()) {
                into.resize(had);
                return waited;
            }
            const ssize_t n = ::recv(fd_.get(), into.data() + had, most, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            into.resize(had + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
            if (n < 0) return failure();
            return n == 0 ? io_status{io_end::closed, 0} : io_status{};
        }
    }

private:
    static io_status failure() { return {io_end::failed, errno}; }

    /// Until the socket is ready for `events`, `until`, or a stop.
    io_status wait(short events, clock::time_point until) {
        const bool stoppable = !stop_exempt();
        for (;;) {
            if (stoppable && stop_requested()) return {io_end::stopped, 0};
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
            if (left.count() <= 0) return {io_end::timed_out, 0};
            pollfd fds[2] = {{fd_.get(), events, 0}, {stop_fd(), POLLIN, 0}};
            const int ready = ::poll(fds, stoppable ? 2 : 1,
                                     static_cast<int>(std::min<long long>(left.count(), 60'000)));
            if (ready < 0 && errno != EINTR) return failure();
            if (ready > 0 && fds[0].revents != 0) return {};
        }
    }

    clock::time_point deadline_;
    unique_fd fd_;
};

} // namespace rollcheck::detail
