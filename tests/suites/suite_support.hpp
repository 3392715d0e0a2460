// What the tests of the suites share: a small Python project the Phase 1-3
// rollback left as it should, the suites as programs, their results.json.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "run_program.hpp"
#include "test_support.hpp"

namespace rollcheck_test {

/// A project the Phase 1-3 rollback left as it should: the old modules and
/// their tests, none of the new ones.
struct rolled_back_project {
    temp_dir dir;
    rolled_back_project() {
        dir.write("project/core/__init__.py", "");
        dir.write("project/core/scoring.py", "def score(x):\n    return 2 * x\n");
        dir.write("project/tests/test_scoring.py",
                  "from core.scoring import score\n\n"
                  "def test_doubles():\n    assert score(2) == 4\n\n"
                  "def test_zero():\n    assert score(0) == 0\n");
        // The old system's entry point, a script that runs its job when imported.
        dir.write("project/scripts/score_all.py",
                  "import os\nimport sys\n\n"
                  "sys.path.insert(0, os.path.join(os.path.dirname(__file__), \"..\"))\n"
                  "from core.scoring import score\n\nprint(score(21))\n");
    }
    std::filesystem::path target(const std::string& extra = {}) const {
        return dir.write("target.toml", fmt::format("[project]\nroot = \"{}\"\npython = "
                                                    "\"/usr/bin/python3\"\n"
                                                    "entry_points = [\"scripts/score_all.py\"]\n"
                                                    "old_modules = [\"core.scoring\"]\n{}",
                                                    (dir / "project").string(), extra));
    }
};

inline rollcheck::command_outcome phase1_3(std::vector<std::string> args) {
    return run_program(ROLLCHECK_PHASE1_3, std::move(args), std::chrono::seconds(120));
}

inline nlohmann::json results(const std::filesystem::path& reports) {
    std::ifstream in(reports / "results.json");
    return nlohmann::json::parse(in);
}

/// The case of `json` whose name starts with `name`.
inline const nlohmann::json& find_case(const nlohmann::json& json, const std::string& name) {
    for (const auto& c : json["cases"])
        if (c["name"].get<std::string>().rfind(name, 0) == 0) return c;
    FAIL("no case named '" << name << "...' in results.json");
    throw std::logic_error("unreachable");
}

/// The case of `json` that ran the plan's check `id`: a plan check's title
/// may change with the plan or the target, its id does not.
inline const nlohmann::json& find_check(const nlohmann::json& json, const std::string& id) {
    for (const auto& c : json["cases"])
        if (c.value("id", "") == id) return c;
    FAIL("no case of the plan's check '" << id << "' in results.json");
    throw std::logic_error("unreachable");
}

} // namespace rollcheck_test
