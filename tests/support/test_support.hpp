// Shared by rollcheck's tests: temporary directories and the throwaway
// PostgreSQL cluster that ctest's `postgres` fixture starts (scripts/lib/pg-fixture).
#pragma once

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

namespace rollcheck_test {

/// The whole of `file`, byte for byte; empty when it cannot be read (a file
/// a test waits for may not be there yet).
inline std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// A fresh directory under the system's temporary directory, removed with the object.
class temp_dir {
public:
    temp_dir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "rollcheck-test.XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
        return path_ / name;
    }

    /// Writes `content` to `name` (creating parent directories) and returns its path.
    std::filesystem::path write(const std::string& name, const std::string& content) const {
        const auto file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }

private:
    std::filesystem::path path_;
};

/// A name no other test process uses now: prefix, pid and a counter.
inline std::string unique_name(const std::string& prefix) {
    static std::atomic<int> counter{0};
    return fmt::format("{}_{}_{}", prefix, ::getpid(), counter++);
}

/// Where the fixture's server listens, read from the file ctest names in
/// ROLLCHECK_TEST_PG_ENV.
struct pg_server {
    std::string socket_dir;
    int port = 0;
    std::string password; ///< of role postgres, needed over TCP only

    /// Superuser over the unix socket (trusted): for setting up test data.
    [[nodiscard]] std::string conninfo(const std::string& dbname = "postgres") const {
        return fmt::format("host={} port={} user=postgres dbname={}", socket_dir, port, dbname);
    }
    /// Over TCP on 127.0.0.1, where the password is checked.
    [[nodiscard]] std::string tcp_conninfo(const std::string& user, const std::string& password,
                                           const std::string& dbname = "postgres") const {
        return fmt::format("host=127.0.0.1 port={} user={} password={} dbname={}", port, user,
                           password, dbname);
    }
};

/// The fixture's server; throws with a clear message when the test runs
/// outside ctest's `postgres` fixture.
inline const pg_server& postgres() {
    static const pg_server server = [] {
        const char* env_file = std::getenv("ROLLCHECK_TEST_PG_ENV");
        if (env_file == nullptr)
            throw std::runtime_error(
                "ROLLCHECK_TEST_PG_ENV is not set: run this test through ctest");
        std::ifstream in(env_file);
        if (!in)
            throw std::runtime_error(fmt::format(
                "{}: not readable; is the ctest fixture 'postgres' (postgres.start) running?",
                env_file));
        std::map<std::string, std::string> vars;
        for (std::string line; std::getline(in, line);)
            if (const auto eq = line.find('='); eq != std::string::npos)
                vars[line.substr(0, eq)] = line.substr(eq + 1);
        pg_server s;
        s.socket_dir = vars["PGHOST"];
        s.port = std::stoi(vars.at("PGPORT"));
        std::ifstream pw(std::filesystem::path(env_file).parent_path() / "password");
        std::getline(pw, s.password);
        return s;
    }();
    return server;
}

#if defined(__SANITIZE_ADDRESS__)
#define ROLLCHECK_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ROLLCHECK_TEST_ASAN 1
#endif
#endif

/// AddressSanitizer keeps freed memory in quarantine (up to 256 MB), so
/// peak memory says nothing about what the code holds; memory bounds are
/// checked in the builds without it.
#ifdef ROLLCHECK_TEST_ASAN
inline constexpr bool peak_memory_is_meaningful = false;
#else
inline constexpr bool peak_memory_is_meaningful = true;
#endif

/// This process's peak resident memory so far (VmHWM), in KiB.
inline long peak_rss_kib() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

} // namespace rollcheck_test
