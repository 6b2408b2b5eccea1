#include "tools/demo_calendar.h"

#include <algorithm>

namespace probity::cli::demo {
namespace {

// "MM-DD..MM-DD" ranges and single days of one year, expanded to dates.
std::vector<std::string> Days(int year, std::initializer_list<const char*> spans) {
  std::vector<std::string> out;
  for (std::string span : spans) {
    std::string y = std::to_string(year) + "-";
    size_t dots = span.find("..");
    Day from = *ParseDay(y + span.substr(0, dots));
    Day to = dots == std::string::npos ? from : *ParseDay(y + span.substr(dots + 2));
    for (Day d = from; d <= to; ++d) out.push_back(FormatDay(d));
  }
  return out;
}

}  // namespace

const std::vector<HolidaySchedule>& HolidaySchedules() {
  static const std::vector<HolidaySchedule> kSchedules = {
      // 2019, as amended for Labour Day by 国办发明电〔2019〕3号 (2019-03-22).
      {2019, "国办发明电〔2018〕15号, 国办发明电〔2019〕3号", "2019-04-01",
       Days(2019, {"01-01", "02-04..02-10", "04-05..04-07", "05-01..05-04", "06-07..06-09",
                   "09-13..09-15", "10-01..10-07"}),
       Days(2019, {"02-02", "02-03", "04-28", "05-05", "09-29", "10-12"})},
      {2020, "国办发明电〔2019〕16号", "2019-11-21",
       Days(2020, {"01-01", "01-24..01-30", "04-04..04-06", "05-01..05-05", "06-25..06-27",
                   "10-01..10-08"}),
       Days(2020, {"01-19", "02-01", "04-26", "05-09", "06-28", "09-27", "10-10"})},
      // The Spring Festival extended to 2 February (国办发明电〔2020〕1号): 1 February is
      // no longer a make-up working day.
      {2020, "国办发明电〔2020〕1号", "2020-01-27",
       Days(2020, {"01-01", "01-24..02-02", "04-04..04-06", "05-01..05-05", "06-25..06-27",
                   "10-01..10-08"}),
       Days(2020, {"01-19", "04-26", "05-09", "06-28", "09-27", "10-10"})},
      {2021, "国办发明电〔2020〕27号", "2020-11-25",
       Days(2021, {"01-01..01-03", "02-11..02-17", "04-03..04-05", "05-01..05-05", "06-12..06-14",
                   "09-19..09-21", "10-01..10-07"}),
       Days(2021, {"02-07", "02-20", "04-25", "05-08", "09-18", "09-26", "10-09"})},
  };
  return kSchedules;
}

bool IsRestDay(Day day) {
  const HolidaySchedule* last = nullptr;
  for (const auto& s : HolidaySchedules()) {
    if (s.year == YearOf(day)) last = &s;
  }
  if (last) {
    std::string text = FormatDay(day);
    auto has = [&](const std::vector<std::string>& v) {
      return std::find(v.begin(), v.end(), text) != v.end();
    };
    if (has(last->workdays)) return false;
    if (has(last->holidays)) return true;
  }
  return IsWeekend(day);
}

}  // namespace probity::cli::demo
