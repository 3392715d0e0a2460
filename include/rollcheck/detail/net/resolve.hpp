/// \file detail/net/resolve.hpp
/// A host name to its TCP addresses, by a deadline.
#pragma once

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <netdb.h>
#include <sys/socket.h>

#include "../../stop.hpp"
#include "../../wording.hpp"

namespace rollcheck::detail {

/// One address to connect to.
struct socket_address {
    sockaddr_storage storage{};
    socklen_t length = 0;

    [[nodiscard]] const sockaddr* get() const noexcept {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
};

/// The addresses of a host, or why there are none.
struct host_addresses {
    std::vector<socket_address> found;
    std::string error;    ///< non-empty when the lookup failed
    bool stopped = false; ///< the run was stopped while the name service was asked
};

/// getaddrinfo for `host` and `port`, as stream sockets; `flags` as its hints take them.
inline host_addresses lookup_now(const std::string& host, std::uint16_t port, int flags) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = flags;
    addrinfo* list = nullptr;
    host_addresses result;
    const int status = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
    if (status != 0) {
        result.error = status == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(status);
        return result;
    }
    for (const addrinfo* a = list; a != nullptr; a = a->ai_next) {
        socket_address address;
        if (a->ai_addrlen > sizeof address.storage) continue;
        std::memcpy(&address.storage, a->ai_addr, a->ai_addrlen);
        address.length = a->ai_addrlen;
        result.found.push_back(address);
    }
    ::freeaddrinfo(list);
    return result;
}

/// Resolves `host` before `deadline`, or until the run is stopped; a
/// literal address needs no lookup. getaddrinfo can neither time out nor be
/// cancelled, so a name runs on a thread of its own, left to finish alone
/// when the deadline or the stop comes first.
inline host_addresses resolve(const std::string& host, std::uint16_t port,
                              std::chrono::steady_clock::time_point deadline,
                              std::chrono::milliseconds timeout) {
    if (auto literal = lookup_now(host, port, AI_NUMERICHOST); literal.error.empty())
        return literal;
    struct lookup {
        std::mutex mutex;
        std::condition_variable finished;
        bool done = false;
        host_addresses result;
    };
    auto shared = std::make_shared<lookup>();
    std::thread([shared, host, port] {
        auto result = lookup_now(host, port, 0);
        const std::lock_guard<std::mutex> lock(shared->mutex);
        shared->result = std::move(result);
        shared->done = true;
        shared->finished.notify_all();
    }).detach();
    const bool stoppable = !stop_exempt();
    std::unique_lock<std::mutex> lock(shared->mutex);
    while (!shared->done) {
        if (stoppable && stop_requested()) return {{}, "interrupted by " + stop_reason(), true};
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            return {{}, "no answer from the name service within " + describe_span(timeout)};
        // In slices: a stop is a descriptor, not something a condition variable sees.
        shared->finished.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)));
    }
    return std::move(shared->result);
}

} // namespace rollcheck::detail
