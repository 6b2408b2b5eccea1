// The State Council's public-holiday schedules for the program's years (R5), as the
// demo publishes them with calendarPublished, and the rest days they make. Sources,
// notice by notice: docs/program-rules.md ("Holiday calendar").
#pragma once

#include <string>
#include <vector>

#include "projections/dates.h"

namespace probity::cli::demo {

struct HolidaySchedule {
  int year;
  const char* notice;     // e.g. "国办发明电〔2018〕15号"
  const char* published;  // the day it is recorded in the demo
  std::vector<std::string> holidays, workdays;
};

// In publication order; a later schedule for the same year replaces the earlier one.
const std::vector<HolidaySchedule>& HolidaySchedules();

// Whether `day` is a rest day by the last schedule of its year (weekends otherwise).
bool IsRestDay(Day day);

}  // namespace probity::cli::demo
