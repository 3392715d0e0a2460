/// \file detail/logs/libsystemd.hpp
/// libsystemd's sd-journal calls, loaded the first time a journal is read
/// rather than linked. A scan of log files then never loads libsystemd and
/// the seven libraries behind it (compression, libgcrypt): some 3 ms at
/// every start of the command line, a twentieth of scanning 500 MB. And a
/// machine without libsystemd gets an error naming it when a journal is
/// asked for, not a program that cannot start.
#pragma once

#include <string>
#include <type_traits>

#include <dlfcn.h>

#include <fmt/format.h>
#include <systemd/sd-journal.h>

namespace rollcheck::detail {

/// The sd-journal functions the journal source calls, under their names
/// without `sd_journal_`. When `missing` is not empty, none may be called.
struct sd_journal_calls {
    decltype(&::sd_journal_open) open = nullptr;
    decltype(&::sd_journal_open_directory) open_directory = nullptr;
    decltype(&::sd_journal_open_files) open_files = nullptr;
    decltype(&::sd_journal_close) close = nullptr;
    decltype(&::sd_journal_get_usage) get_usage = nullptr;
    decltype(&::sd_journal_add_match) add_match = nullptr;
    decltype(&::sd_journal_add_disjunction) add_disjunction = nullptr;
    decltype(&::sd_journal_add_conjunction) add_conjunction = nullptr;
    decltype(&::sd_journal_seek_head) seek_head = nullptr;
    decltype(&::sd_journal_seek_realtime_usec) seek_realtime_usec = nullptr;
    decltype(&::sd_journal_next) next = nullptr;
    decltype(&::sd_journal_get_realtime_usec) get_realtime_usec = nullptr;
    decltype(&::sd_journal_get_data) get_data = nullptr;
    decltype(&::sd_journal_get_cursor) get_cursor = nullptr;
    decltype(&::sd_journal_set_data_threshold) set_data_threshold = nullptr;
    /// Why libsystemd cannot be used, or "".
    std::string missing;
};

/// Loads libsystemd.so.0 (the soname of every libsystemd since 2014) and
/// binds the calls. The library stays loaded for the life of the process.
[[nodiscard]] inline sd_journal_calls load_sd_journal_calls() {
    sd_journal_calls calls;
    void* library = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* why = ::dlerror();
        calls.missing =
            fmt::format("libsystemd cannot be loaded ({}): on Debian, install libsystemd0",
                        why != nullptr ? why : "no reason given");
        return calls;
    }
    const auto bind = [&](auto& call, const char* name) {
        call = reinterpret_cast<std::remove_reference_t<decltype(call)>>(::dlsym(library, name));
        if (call == nullptr && calls.missing.empty())
            calls.missing = fmt::format("libsystemd.so.0 has no {}: it is too old", name);
    };
    bind(calls.open, "sd_journal_open");
    bind(calls.open_directory, "sd_journal_open_directory");
    bind(calls.open_files, "sd_journal_open_files");
    bind(calls.close, "sd_journal_close");
    bind(calls.get_usage, "sd_journal_get_usage");
    bind(calls.add_match, "sd_journal_add_match");
    bind(calls.add_disjunction, "sd_journal_add_disjunction");
    bind(calls.add_conjunction, "sd_journal_add_conjunction");
    bind(calls.seek_head, "sd_journal_seek_head");
    bind(calls.seek_realtime_usec, "sd_journal_seek_realtime_usec");
    bind(calls.next, "sd_journal_next");
    bind(calls.get_realtime_usec, "sd_journal_get_realtime_usec");
    bind(calls.get_data, "sd_journal_get_data");
    bind(calls.get_cursor, "sd_journal_get_cursor");
    bind(calls.set_data_threshold, "sd_journal_set_data_threshold");
    return calls;
}

/// The calls, loaded once for the process (safe from several threads).
[[nodiscard]] inline const sd_journal_calls& sd_journal_api() {
    static const sd_journal_calls calls = load_sd_journal_calls();
    return calls;
}

} // namespace rollcheck::detail
