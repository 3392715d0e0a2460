// Phase 9-10 (API, SDK): the API is down and gone; the pipeline still runs
// directly.
#include <rollcheck/net.hpp>

#include "phase_support.hpp"

using namespace rollcheck;
using namespace rollcheck::phases;

TEST_CASE("the API no longer answers", "[phase9-10][P2]") {
    if (!system().api_url.empty()) {
        http_spec spec;
        spec.url = system().api_url;
        spec.expect_no_answer = true;
        REQUIRE_VERIFIED(check_http(spec));
    } else {
        port_spec spec;
        spec.host = system().api_host;
        spec.port = static_cast<std::uint16_t>(system().api_port);
        spec.expect_open = false;
        REQUIRE_VERIFIED(check_port(spec));
    }
}

TEST_CASE("api/ and sdk/ removed", "[phase9-10][P2]") {
    REQUIRE_VERIFIED(check_absent(removed({"api", "sdk"})));
}

TEST_CASE("scripts/unified/run_unified_pipeline.py still runs directly", "[phase9-10][P2]") {
    REQUIRE_VERIFIED(check_command(python_run({"scripts/unified/run_unified_pipeline.py"})));
}
