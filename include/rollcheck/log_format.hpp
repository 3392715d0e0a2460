/// \file log_format.hpp
/// How the log scanner reads a log's lines: text, or JSON lines (Docker's
/// json-file driver, structured loggers), and which fields of a record
/// hold its time, message and level.
#pragma once

#include <string>

namespace rollcheck {

/// How a log's lines are read.
enum class log_format {
    automatic, ///< JSON lines when the first line is a record with a time and a message, else text
    text,      ///< lines of text, each starting with its timestamp or belonging to the one above
    json,      ///< JSON lines: Docker's json-file driver, or a structured logger's records
};

/// The fields of a JSON-lines record. An empty name tries the usual ones:
/// time, timestamp, ts, @timestamp; log, msg, message; level, levelname,
/// severity. A time is ISO 8601 (or Python logging's) text, or epoch seconds.
struct json_log_fields {
    std::string time;
    std::string message;
    std::string level;
    bool match_level = false; ///< a pattern also matches a record by its level
};

} // namespace rollcheck
