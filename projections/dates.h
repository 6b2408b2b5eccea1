// Business dates: whole days in China Standard Time (UTC+8), as a day count, so
// the program's rules can compare, subtract and find weekends. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace probity {

using Day = int32_t;  // days since 1970-01-01

// "YYYY-MM-DD" -> Day; nullopt unless it is a real calendar date.
std::optional<Day> ParseDay(std::string_view text);
std::string FormatDay(Day day);
int YearOf(Day day);
bool IsWeekend(Day day);
// The CST business day of an instant (microseconds since the Unix epoch, UTC).
Day CstDayOf(int64_t micros);

}  // namespace probity
