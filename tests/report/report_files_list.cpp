// Prints rollcheck::report_files, one a line: what check-report-files.py
// holds the lists written out in scripts and docs to.
#include <cstdio>

#include <rollcheck/report.hpp>

int main() {
    for (const auto file : rollcheck::report_files)
        std::printf("%.*s\n", static_cast<int>(file.size()), file.data());
}
