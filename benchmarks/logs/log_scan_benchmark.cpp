// Counting the lines of a generated 1 GB Python-logging log that match
// ERROR|CRITICAL|Traceback: `rollcheck logs scan` beside `rg -c`, `grep -cE`,
// a plain memmem scan of the mapped file and `dd` reading it (the floor:
// the copy out of the page cache alone), in alternating rounds; then
// --since over the last 1% against the full scan, and peak RSS for 1 GB and
// 10 GB. Generates its data in a temporary directory and removes it.
//
//     log_scan_benchmark [--dir DIR] [--gib N] [--big-gib N] [--rounds N] [--before ROLLCHECK]
//
// --before: another build of the rollcheck command line (say, main's), in the same rounds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <rollcheck/command.hpp>
#include <rollcheck/time.hpp>

#ifndef ROLLCHECK_CLI
#error "the benchmark runs the rollcheck command line: build it with ROLLCHECK_BUILD_VERIFIERS"
#endif

namespace {

using clock_type = std::chrono::steady_clock;
const std::string pattern = "ERROR|CRITICAL|Traceback";
constexpr long long first_millis = 1795824000000LL; // 2026-11-28T00:00:00Z
constexpr int millis_per_line = 5;

struct options {
    std::string dir = "/tmp";
    double gib = 1;
    double big_gib = 10;
    int rounds = 5;
    std::string before; ///< another rollcheck binary to time beside this one
};

std::string log_time(long long line) {
    return rollcheck::format_utc(
        rollcheck::time_point(std::chrono::milliseconds(first_millis + line * millis_per_line)));
}

/// Python logging lines with rising times; about 0.01% ERROR lines, one in
/// five followed by a traceback, none in the last 1.5% (after the rollback).
/// Returns the number of lines written.
long long generate(const std::string& path, std::uint64_t bytes) {
    static const char* const messages[] = {
        "INFO scoring.batch: processed {} submissions from r/sample in 0.{} s",
        "DEBUG scoring.fetch: fetched {} posts, cursor t3_{}",
        "INFO scoring.db: wrote {} rows to opportunities_unified in {} ms",
        "WARNING scoring.http: retrying request {} after {} ms"};
    std::FILE* out = std::fopen(path.c_str(), "w");
    std::string buffer;
    unsigned state = 12345;
    long long line = 0;
    std::uint64_t written = 0;
    const std::uint64_t quiet_from = bytes / 1000 * 985; // the last 1% of lines is well inside
    while (written < bytes) {
        state = state * 1103515245u + 12345u;
        const long long t = first_millis + line * millis_per_line;
        const std::time_t seconds = static_cast<std::time_t>(t / 1000);
        std::tm tm{};
        ::gmtime_r(&seconds, &tm);
        const auto stamp =
            fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03} ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t % 1000);
        const std::size_t before = buffer.size();
        if (state % 10000 == 7 && written < quiet_from) {
            buffer +=
                stamp + fmt::format("ERROR scoring.batch: scoring failed for batch {}\n", line);
            if ((state >> 16) % 5 == 0)
                buffer +=
                    "Traceback (most recent call last):\n  File \"score.py\", line 40, in run\n"
                    "    score(batch)\n  File \"score.py\", line 12, in score\n"
                    "ValueError: empty batch\n";
        } else {
            buffer +=
                stamp +
                fmt::format(messages[(state >> 8) % 4], (state >> 4) % 1000, (state >> 12) % 100) +
                '\n';
        }
        written += buffer.size() - before;
        ++line;
        if (buffer.size() > (1 << 20)) {
            std::fwrite(buffer.data(), 1, buffer.size(), out);
            buffer.clear();
        }
    }
    std::fwrite(buffer.data(), 1, buffer.size(), out);
    // Written back before timing: the kernel's writeback would take a core
    // from whoever runs while it goes on (a two-thread scan most of all).
    std::fflush(out);
    ::fsync(::fileno(out));
    std::fclose(out);
    return line;
}

/// The 1 GB file `times` over: real log content, for the memory figure.
void repeat(const std::string& from, const std::string& to, int times) {
    for (int i = 0; i < times; ++i)
        if (!rollcheck::run_command(
                 rollcheck::command_spec::shell(fmt::format("cat '{}' >> '{}'", from, to)))
                 .succeeded())
            throw std::runtime_error("cannot write " + to);
}

struct sample {
    double seconds;
    std::string output;
};

sample timed(const std::vector<std::string>& argv) {
    rollcheck::command_spec spec;
    spec.argv = argv;
    spec.timeout = std::chrono::minutes(10);
    const auto start = clock_type::now();
    const auto run = rollcheck::run_command(spec);
    const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    if (run.status != rollcheck::command_status::exited || run.exit_code > 1)
        throw std::runtime_error(
            fmt::format("{}: {}\n{}", run.command, run.describe(), run.err.text()));
    return {seconds, run.out.text()};
}

/// Lines holding any of the three words, found with memmem over the mapping.
sample memmem_scan(const std::string& path) {
    const auto start = clock_type::now();
    const int fd = ::open(path.c_str(), O_RDONLY);
    struct stat st {};
    ::fstat(fd, &st);
    const auto size = static_cast<std::size_t>(st.st_size);
    const char* data =
        static_cast<const char*>(::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0));
    std::vector<const char*> line_starts;
    for (const char* needle : {"ERROR", "CRITICAL", "Traceback"}) {
        const std::size_t n = std::strlen(needle);
        for (const char* p = data;
             (p = static_cast<const char*>(::memmem(p, size - (p - data), needle, n)));) {
            const void* nl = ::memrchr(data, '\n', p - data);
            line_starts.push_back(nl ? static_cast<const char*>(nl) + 1 : data);
            p += n;
        }
    }
    std::sort(line_starts.begin(), line_starts.end());
    const auto count = std::unique(line_starts.begin(), line_starts.end()) - line_starts.begin();
    ::munmap(const_cast<char*>(data), size);
    ::close(fd);
    return {std::chrono::duration<double>(clock_type::now() - start).count(),
            fmt::format("{}\n", count)};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

/// error_lines from rollcheck's JSON, the figure the other tools print.
std::string rollcheck_count(const std::string& json) {
    const auto at = json.find("\"error_lines\": ");
    return json.substr(at + 15, json.find_first_of(",\n", at + 15) - at - 15);
}

/// elapsed_ms from rollcheck's JSON: the check alone, without process start.
double elapsed_seconds(const std::string& json) {
    const auto at = json.find("\"elapsed_ms\": ");
    return std::stod(json.substr(at + 14)) / 1000;
}

long long peak_rss_kib(const std::vector<std::string>& argv) {
    std::vector<std::string> wrapped = {"/usr/bin/time", "-f", "%M"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    rollcheck::command_spec spec;
    spec.argv = wrapped;
    spec.timeout = std::chrono::minutes(10);
    const auto run = rollcheck::run_command(spec);
    const auto err = run.err.text();
    const auto last = err.find_last_of('\n', err.size() - 2);
    return std::stoll(err.substr(last == std::string::npos ? 0 : last + 1));
}

void run(const options& opt) {
    char dir_template[4096];
    std::snprintf(dir_template, sizeof dir_template, "%s/rollcheck-log-bench.XXXXXX",
                  opt.dir.c_str());
    const std::string dir = ::mkdtemp(dir_template);
    const std::string log = dir + "/app.log";
    const auto bytes = static_cast<std::uint64_t>(opt.gib * (1ULL << 30));
    fmt::print("generating {} ({:.2f} GiB)…\n", log, opt.gib);
    const long long lines = generate(log, bytes);
    const double gb = static_cast<double>(bytes) / 1e9;
    timed({"cat", log}); // warm the page cache

    const std::vector<std::string> rollcheck_scan = {
        ROLLCHECK_CLI, "logs", "scan", log, "-e", pattern, "--max-errors", "1000000000", "--json"};
    struct tool {
        std::string name;
        std::function<sample()> run;
        std::function<std::string(const std::string&)> count;
        std::vector<double> seconds;
    };
    std::vector<tool> tools = {
        {"rollcheck logs scan", [&] { return timed(rollcheck_scan); }, rollcheck_count, {}},
        {"rg -c",
         [&] {
             return timed({"rg", "-c", pattern, log});
         },
         first_line,
         {}},
        {"grep -cE",
         [&] {
             return timed({"grep", "-cE", pattern, log});
         },
         first_line,
         {}},
        {"memmem over mmap (in process)", [&] { return memmem_scan(log); }, first_line, {}},
        {"dd bs=256k (reading only)",
         [&] {
             return timed({"dd", "if=" + log, "of=/dev/null", "bs=256k"});
         },
         [](const std::string&) { return std::string("-"); },
         {}},
        {"run_command(true) (process start cost)",
         [&] { return timed({"true"}); },
         [](const std::string&) { return std::string("-"); },
         {}}};
    if (!opt.before.empty()) {
        auto argv = rollcheck_scan;
        argv[0] = opt.before;
        tools.push_back({"rollcheck logs scan (--before)",
                         [argv] { return timed(argv); },
                         rollcheck_count,
                         {}});
    }
    for (int round = 0; round < opt.rounds; ++round)
        for (std::size_t k = 0; k < tools.size(); ++k) {
            auto& t = tools[(k + round) % tools.size()]; // alternate who goes first
            const auto s = t.run();
            t.seconds.push_back(s.seconds);
            if (round == 0) fmt::print("{:<42} counts {}\n", t.name, t.count(s.output));
        }
    const double read_floor = median(std::find_if(tools.begin(), tools.end(), [](const tool& t) {
                                         return t.name.rfind("dd ", 0) == 0;
                                     })->seconds);
    fmt::print("\n{} lines, {:.3f} GB, {} rounds, median wall time (fastest–slowest), of dd's:\n",
               lines, gb, opt.rounds);
    for (const auto& t : tools)
        fmt::print("{:<42} {:8.3f} s ({:.3f}–{:.3f})  {:6.2f} GB/s  {:5.2f}x\n", t.name,
                   median(t.seconds), *std::min_element(t.seconds.begin(), t.seconds.end()),
                   *std::max_element(t.seconds.begin(), t.seconds.end()), gb / median(t.seconds),
                   median(t.seconds) / read_floor);

    const auto since_quiet = log_time(lines - lines / 100);
    const auto since_errors = log_time(lines - lines * 3 / 100);
    struct since_run {
        std::string label;
        std::vector<std::string> argv;
        std::vector<double> wall, check;
    };
    std::vector<since_run> runs = {
        {"full scan", rollcheck_scan, {}, {}},
        {"--since " + since_quiet + " (last 1%, no error)", rollcheck_scan, {}, {}},
        {"--since " + since_errors + " (last 3%, errors)", rollcheck_scan, {}, {}}};
    runs[1].argv.insert(runs[1].argv.end(), {"--since", since_quiet});
    runs[2].argv.insert(runs[2].argv.end(), {"--since", since_errors});
    for (int round = 0; round < opt.rounds; ++round)
        for (auto& r : runs) {
            const auto s = timed(r.argv);
            r.wall.push_back(s.seconds);
            r.check.push_back(elapsed_seconds(s.output));
        }
    fmt::print("\n{:<58} {:>10} {:>8} {:>12} {:>8}\n", "rollcheck logs scan", "wall", "of full",
               "check only", "of full");
    for (const auto& r : runs)
        fmt::print("{:<58} {:8.3f} s {:7.1f}% {:10.3f} s {:7.1f}%\n", r.label, median(r.wall),
                   100 * median(r.wall) / median(runs[0].wall), median(r.check),
                   100 * median(r.check) / median(runs[0].check));

    fmt::print("\npeak RSS, {:g} GiB: rollcheck {} KiB, rg {} KiB\n", opt.gib,
               peak_rss_kib(rollcheck_scan), peak_rss_kib({"rg", "-c", pattern, log}));
    if (opt.big_gib > 0) {
        const std::string big = dir + "/big.log";
        const int times = static_cast<int>(opt.big_gib / opt.gib);
        repeat(log, big, times);
        auto argv = rollcheck_scan;
        argv[3] = big;
        const auto start = clock_type::now();
        const long long rss = peak_rss_kib(argv);
        fmt::print("peak RSS, {} GiB: rollcheck {} KiB ({:.1f} s, the file just written, so mostly "
                   "in the page cache)\n",
                   times * opt.gib, rss,
                   std::chrono::duration<double>(clock_type::now() - start).count());
        std::remove(big.c_str());
    }
    std::remove(log.c_str());
    ::rmdir(dir.c_str());
}

} // namespace

int main(int argc, char** argv) {
    options opt;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--dir")
            opt.dir = argv[i + 1];
        else if (flag == "--gib")
            opt.gib = std::stod(argv[i + 1]);
        else if (flag == "--big-gib")
            opt.big_gib = std::stod(argv[i + 1]);
        else if (flag == "--rounds")
            opt.rounds = std::stoi(argv[i + 1]);
        else if (flag == "--before")
            opt.before = argv[i + 1];
    }
    try {
        run(opt);
    } catch (const std::exception& e) {
        fmt::print(stderr, "log_scan_benchmark: {}\n", e.what());
        return 1;
    }
}
