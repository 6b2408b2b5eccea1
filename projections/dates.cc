#include "projections/dates.h"

#include <cstdio>

#include "ledger/event.h"

namespace probity {
namespace {

// Days from civil date (Howard Hinnant's algorithm), proleptic Gregorian.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yy + (*m <= 2));
}

}  // namespace

std::optional<Day> ParseDay(std::string_view text) {
  if (!IsCalendarDate(text)) return std::nullopt;
  int y = std::stoi(std::string(text.substr(0, 4)));
  unsigned m = static_cast<unsigned>(std::stoi(std::string(text.substr(5, 2))));
  unsigned d = static_cast<unsigned>(std::stoi(std::string(text.substr(8, 2))));
  return static_cast<Day>(DaysFromCivil(y, m, d));
}

std::string FormatDay(Day day) {
  int y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u", y, m, d);
  return buf;
}

int YearOf(Day day) {
  int y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  return y;
}

bool IsWeekend(Day day) {
  // 1970-01-01 was a Thursday: day 0 -> weekday 4 (0 = Sunday).
  int wd = static_cast<int>(((static_cast<int64_t>(day) % 7) + 7 + 4) % 7);
  return wd == 0 || wd == 6;
}

Day CstDayOf(int64_t micros) {
  int64_t secs = micros / 1000000 - (micros % 1000000 < 0 ? 1 : 0);
  secs += 8 * 3600;
  int64_t day = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
  return static_cast<Day>(day);
}

}  // namespace probity
