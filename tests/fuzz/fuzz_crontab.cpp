// Fuzz target: a crontab as cron reads it (user and system format), the
// linter over it, and the schedules it holds: canonical form and next and
// previous fire times in UTC and across Europe/Berlin's clock changes.
#include <chrono>
#include <cstdint>
#include <string>

#include <rollcheck/cron.hpp>
#include <rollcheck/cron_schedule.hpp>
#include <rollcheck/crontab.hpp>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace rollcheck;
    static const cron_zone berlin = [] {
        std::string why;
        auto z = cron_zone::load("Europe/Berlin", why);
        if (!z) std::abort();
        return *z;
    }();
    const auto text = rollcheck_fuzz::text_of(data, size);
    const bool system = size > 0 && (data[0] & 1) != 0;
    crontab_options options;
    options.system = system;
    options.check_programs = false;
    const auto tab = parse_crontab(text, "fuzz.crontab", options);
    for (const auto& d : tab.diagnostics)
        (void)d.text();
    const cron_time from{std::chrono::seconds(1774746000)}; // 2026-03-29 01:00 UTC, a jump
    std::size_t scheduled = 0;
    for (const auto& e : tab.entries) {
        (void)e.identity();
        (void)e.display();
        // Fire times cost up to 400 years of days each (a schedule that never fires).
        if (++scheduled > 2) continue;
        const auto next = cron_next(e.schedule, from, 3, berlin);
        for (const auto t : next)
            (void)format_cron_time(t, berlin);
        if (scheduled == 1) (void)cron_previous(e.schedule, from, cron_zone{});
    }

    std::string why;
    if (const auto s = parse_cron_schedule(text, why)) (void)cron_next(*s, from, 2, berlin);
    (void)parse_cron_time(std::string(text), berlin);

    cron_lint_spec lint;
    lint.check_programs = false;
    lint.sources.push_back(cron_source::text("fuzz.crontab", std::string(text), system));
    const auto r = check_cron_lint(lint);
    if (r.status == verdict::pass && !tab.diagnostics.empty()) std::abort();
    return 0;
}
