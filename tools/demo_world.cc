#include "tools/demo_world.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace probity::cli::demo {
namespace {

// The 39 cities of program-rules.md, in its order.
struct CityRow {
  const char* code;
  const char* name;
  const char* region;
};
constexpr CityRow kCities[] = {
    {"110000", "北京市", "jingjinji"},   {"120000", "天津市", "jingjinji"},
    {"130100", "石家庄市", "jingjinji"}, {"130200", "唐山市", "jingjinji"},
    {"130400", "邯郸市", "jingjinji"},   {"130500", "邢台市", "jingjinji"},
    {"130600", "保定市", "jingjinji"},   {"130900", "沧州市", "jingjinji"},
    {"131000", "廊坊市", "jingjinji"},   {"131100", "衡水市", "jingjinji"},
    {"140100", "太原市", "jingjinji"},   {"140300", "阳泉市", "jingjinji"},
    {"140400", "长治市", "jingjinji"},   {"140500", "晋城市", "jingjinji"},
    {"370100", "济南市", "jingjinji"},   {"370300", "淄博市", "jingjinji"},
    {"370800", "济宁市", "jingjinji"},   {"371400", "德州市", "jingjinji"},
    {"371500", "聊城市", "jingjinji"},   {"371600", "滨州市", "jingjinji"},
    {"371700", "菏泽市", "jingjinji"},   {"410100", "郑州市", "jingjinji"},
    {"410200", "开封市", "jingjinji"},   {"410500", "安阳市", "jingjinji"},
    {"410600", "鹤壁市", "jingjinji"},   {"410700", "新乡市", "jingjinji"},
    {"410800", "焦作市", "jingjinji"},   {"410900", "濮阳市", "jingjinji"},
    {"140700", "晋中市", "fenwei"},      {"140800", "运城市", "fenwei"},
    {"141000", "临汾市", "fenwei"},      {"141100", "吕梁市", "fenwei"},
    {"410300", "洛阳市", "fenwei"},      {"411200", "三门峡市", "fenwei"},
    {"610100", "西安市", "fenwei"},      {"610200", "铜川市", "fenwei"},
    {"610300", "宝鸡市", "fenwei"},      {"610400", "咸阳市", "fenwei"},
    {"610500", "渭南市", "fenwei"},
};

struct UnitRow {
  const char* name;
  const char* kind;
  int province;
};
// Ministry departments and dispatched agencies (机关各部门、派出机构), directly
// affiliated institutions (直属单位) and provincial departments (省级生态环境部门).
constexpr UnitRow kUnits[] = {
    {"办公厅", "ministryDepartment", 0},
    {"综合司", "ministryDepartment", 0},
    {"法规与标准司", "ministryDepartment", 0},
    {"科技与财务司", "ministryDepartment", 0},
    {"自然生态保护司", "ministryDepartment", 0},
    {"水生态环境司", "ministryDepartment", 0},
    {"海洋生态环境司", "ministryDepartment", 0},
    {"大气环境司", "ministryDepartment", 0},
    {"应对气候变化司", "ministryDepartment", 0},
    {"土壤生态环境司", "ministryDepartment", 0},
    {"固体废物与化学品司", "ministryDepartment", 0},
    {"环境影响评价与排放管理司", "ministryDepartment", 0},
    {"生态环境监测司", "ministryDepartment", 0},
    {"宣传教育司", "ministryDepartment", 0},
    {"华北督察局", "dispatchedAgency", 0},
    {"华东督察局", "dispatchedAgency", 0},
    {"华南督察局", "dispatchedAgency", 0},
    {"西北督察局", "dispatchedAgency", 0},
    {"西南督察局", "dispatchedAgency", 0},
    {"东北督察局", "dispatchedAgency", 0},
    {"长江流域生态环境监督管理局", "dispatchedAgency", 0},
    {"黄河流域生态环境监督管理局", "dispatchedAgency", 0},
    {"淮河流域生态环境监督管理局", "dispatchedAgency", 0},
    {"海河流域北海海域生态环境监督管理局", "dispatchedAgency", 0},
    {"珠江流域南海海域生态环境监督管理局", "dispatchedAgency", 0},
    {"松辽流域生态环境监督管理局", "dispatchedAgency", 0},
    {"中国环境科学研究院", "affiliatedInstitution", 0},
    {"中国环境监测总站", "affiliatedInstitution", 0},
    {"生态环境部环境规划院", "affiliatedInstitution", 0},
    {"生态环境部环境工程评估中心", "affiliatedInstitution", 0},
    {"生态环境部南京环境科学研究所", "affiliatedInstitution", 0},
    {"生态环境部华南环境科学研究所", "affiliatedInstitution", 0},
    {"生态环境部卫星环境应用中心", "affiliatedInstitution", 0},
    {"生态环境部固体废物与化学品管理技术中心", "affiliatedInstitution", 0},
    {"生态环境部环境发展中心", "affiliatedInstitution", 0},
    {"生态环境部环境与经济政策研究中心", "affiliatedInstitution", 0},
    {"生态环境部信息中心", "affiliatedInstitution", 0},
    {"生态环境部对外合作与交流中心", "affiliatedInstitution", 0},
    {"生态环境部宣传教育中心", "affiliatedInstitution", 0},
    {"生态环境部核与辐射安全中心", "affiliatedInstitution", 0},
    {"北京市生态环境局", "provincialDepartment", 11},
    {"天津市生态环境局", "provincialDepartment", 12},
    {"河北省生态环境厅", "provincialDepartment", 13},
    {"山西省生态环境厅", "provincialDepartment", 14},
    {"内蒙古自治区生态环境厅", "provincialDepartment", 15},
    {"辽宁省生态环境厅", "provincialDepartment", 21},
    {"吉林省生态环境厅", "provincialDepartment", 22},
    {"黑龙江省生态环境厅", "provincialDepartment", 23},
    {"上海市生态环境局", "provincialDepartment", 31},
    {"江苏省生态环境厅", "provincialDepartment", 32},
    {"浙江省生态环境厅", "provincialDepartment", 33},
    {"安徽省生态环境厅", "provincialDepartment", 34},
    {"福建省生态环境厅", "provincialDepartment", 35},
    {"江西省生态环境厅", "provincialDepartment", 36},
    {"山东省生态环境厅", "provincialDepartment", 37},
    {"河南省生态环境厅", "provincialDepartment", 41},
    {"湖北省生态环境厅", "provincialDepartment", 42},
    {"湖南省生态环境厅", "provincialDepartment", 43},
    {"广东省生态环境厅", "provincialDepartment", 44},
    {"陕西省生态环境厅", "provincialDepartment", 61},
};

// Special groups (特别组) for key cities or tasks, with the months they ran.
struct SpecialRow {
  const char* city;
  const char* task;
  const char* formed;
  const char* disbanded;
  const char* lead_unit;
};
constexpr SpecialRow kSpecials[] = {
    {"130200", "钢铁行业超低排放改造专项帮扶", "2019-06-01", "2020-12-31", "大气环境司"},
    {"130400", "钢铁焦化企业错峰生产专项检查", "2019-10-01", "2020-04-01", "华北督察局"},
    {"130100", "重污染天气应急减排措施落实专项", "2019-10-15", "2020-03-16",
     "生态环境部环境工程评估中心"},
    {"130600", "清洁取暖与散煤治理专项", "2019-10-15", "2020-03-16", "中国环境科学研究院"},
    {"140100", "焦化行业提标改造专项帮扶", "2019-09-01", "2020-09-01", "西北督察局"},
    {"141000", "焦化钢铁集中区大气治理专项", "2019-10-01", "2021-03-31", "中国环境监测总站"},
    {"410100", "柴油货车和非道路移动机械专项", "2019-11-01", "2020-05-01", "生态环境部环境规划院"},
    {"610100", "扬尘污染综合治理专项", "2020-03-01", "2020-12-01", "黄河流域生态环境监督管理局"},
    {"370300", "工业炉窑综合治理专项", "2020-06-01", "2021-03-31", "华东督察局"},
    {"140500", "无组织排放深度治理专项", "2020-09-15", "2021-03-31", "生态环境部卫星环境应用中心"},
};

// Common surnames, roughly by frequency (weight per mille of the draw).
struct Surname {
  const char* name;
  int weight;
};
constexpr Surname kSurnames[] = {
    {"王", 72}, {"李", 72}, {"张", 68}, {"刘", 54}, {"陈", 46},  {"杨", 31},  {"黄", 22},
    {"赵", 20}, {"吴", 20}, {"周", 19}, {"徐", 13}, {"孙", 12},  {"马", 11},  {"朱", 10},
    {"胡", 10}, {"郭", 10}, {"何", 9},  {"高", 9},  {"林", 9},   {"罗", 8},   {"郑", 8},
    {"梁", 7},  {"谢", 6},  {"宋", 6},  {"唐", 6},  {"许", 5},   {"韩", 5},   {"冯", 5},
    {"邓", 5},  {"曹", 5},  {"彭", 5},  {"曾", 5},  {"肖", 4},   {"田", 4},   {"董", 4},
    {"袁", 4},  {"潘", 4},  {"于", 4},  {"蒋", 4},  {"蔡", 4},   {"余", 4},   {"杜", 4},
    {"叶", 4},  {"程", 4},  {"苏", 3},  {"魏", 3},  {"吕", 3},   {"丁", 3},   {"任", 3},
    {"沈", 3},  {"姚", 3},  {"卢", 3},  {"姜", 3},  {"崔", 3},   {"钟", 3},   {"谭", 3},
    {"陆", 3},  {"汪", 3},  {"范", 3},  {"金", 2},  {"石", 2},   {"廖", 2},   {"贾", 2},
    {"夏", 2},  {"韦", 2},  {"付", 2},  {"方", 2},  {"白", 2},   {"邹", 2},   {"孟", 2},
    {"熊", 2},  {"秦", 2},  {"邱", 2},  {"江", 2},  {"尹", 2},   {"薛", 2},   {"闫", 2},
    {"段", 2},  {"雷", 2},  {"侯", 2},  {"龙", 2},  {"史", 2},   {"陶", 1},   {"黎", 1},
    {"贺", 1},  {"顾", 1},  {"毛", 1},  {"郝", 1},  {"龚", 1},   {"邵", 1},   {"万", 1},
    {"钱", 1},  {"严", 1},  {"武", 1},  {"戴", 1},  {"孔", 1},   {"汤", 1},   {"常", 1},
    {"温", 1},  {"康", 1},  {"牛", 1},  {"樊", 1},  {"葛", 1},   {"邢", 1},   {"安", 1},
    {"齐", 1},  {"乔", 1},  {"庞", 1},  {"颜", 1},  {"聂", 1},   {"岳", 1},   {"翟", 1},
    {"申", 1},  {"耿", 1},  {"焦", 1},  {"柳", 1},  {"欧阳", 1}, {"司马", 1}, {"诸葛", 1},
};

constexpr const char* kMaleGiven[] = {
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫",
    "波", "斌", "宇", "浩", "凯", "健", "俊", "帆", "旭", "宁", "龙", "林", "峰", "亮", "成", "立",
    "新", "海", "志", "国", "东", "晓", "云", "文", "建", "永", "兵", "锋", "良", "晨", "博", "阳",
    "江", "洪", "振", "毅", "达", "彬", "坤", "晖", "卫", "民", "庆", "春", "兴", "祥", "忠", "德",
    "宏", "瑞", "昊", "泽", "航", "睿", "哲", "思", "嘉", "学", "光", "明", "中", "金", "安", "世"};
constexpr const char* kFemaleGiven[] = {
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "秀", "霞", "桂", "英", "玉", "萍", "红", "燕",
    "琳", "雪", "婷", "倩", "颖", "慧", "丹", "蕾", "璐", "佳", "欣", "悦", "彤", "洁", "莉",
    "晶", "琴", "梅", "兰", "凤", "玲", "薇", "瑶", "怡", "媛", "雯", "露", "楠", "岚", "宁",
    "晓", "文", "华", "云", "思", "嘉", "春", "月", "洋", "鑫", "亚", "小", "珊", "菲", "萌"};

constexpr const char* kFirmWords[] = {"恒达", "鑫源", "宏昌", "华兴", "永盛", "金泰",
                                      "瑞丰", "德隆", "天成", "东方", "新华", "振兴",
                                      "旭日", "金诚", "丰源", "嘉华", "盛达", "聚鑫"};
constexpr const char* kIndustries[] = {"钢铁",     "焦化", "建材", "陶瓷", "玻璃",
                                       "化工",     "铸造", "水泥", "砖瓦", "家具",
                                       "包装印刷", "石化", "铝业", "碳素", "耐火材料"};

template <typename T, size_t N>
const T& PickFrom(Rng& rng, const T (&rows)[N]) {
  return rows[rng.Below(N)];
}

std::string Id(const char* prefix, int width, int number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s%0*d", prefix, width, number);
  return buf;
}

int UnitByName(const World& w, const std::string& name) {
  for (size_t i = 0; i < w.units.size(); ++i) {
    if (w.units[i].name == name) return static_cast<int>(i);
  }
  std::abort();  // the special groups' table names only units of kUnits
}

std::string GivenName(Rng& rng, bool female) {
  auto draw = [&]() -> std::string {
    return female ? PickFrom(rng, kFemaleGiven) : PickFrom(rng, kMaleGiven);
  };
  std::string first = draw();
  if (rng.Chance(250)) return first;
  std::string second = draw();
  while (second == first) second = draw();
  return first + second;
}

std::string Surname(Rng& rng) {
  int total = 0;
  for (const auto& s : kSurnames) total += s.weight;
  int x = static_cast<int>(rng.Below(static_cast<uint64_t>(total)));
  for (const auto& s : kSurnames) {
    if (x < s.weight) return s.name;
    x -= s.weight;
  }
  return "王";
}

// Staff categories by unit kind, in per mille: civil servant, reference-managed,
// public-institution, contract.
std::string Category(Rng& rng, const std::string& kind) {
  int table[4];
  if (kind == "ministryDepartment") {
    int t[4] = {930, 0, 0, 70};
    std::copy(t, t + 4, table);
  } else if (kind == "dispatchedAgency") {
    int t[4] = {700, 220, 0, 80};
    std::copy(t, t + 4, table);
  } else if (kind == "affiliatedInstitution") {
    int t[4] = {0, 30, 800, 170};
    std::copy(t, t + 4, table);
  } else {
    int t[4] = {450, 250, 220, 80};
    std::copy(t, t + 4, table);
  }
  static const char* kNames[4] = {"civilServant", "referenceManaged", "publicInstitution",
                                  "contract"};
  int x = static_cast<int>(rng.Below(1000));
  for (int i = 0; i < 4; ++i) {
    if (x < table[i]) return kNames[i];
    x -= table[i];
  }
  return kNames[3];
}

void BuildUnits(World& w) {
  int n = 0;
  for (const auto& row : kUnits) {
    w.units.push_back(Unit{Id("U", 3, ++n), row.name, row.kind, row.province, {}});
  }
}

void BuildCities(World& w, Rng& rng) {
  // Guarantor units (包保单位): 24 ministry departments, agencies and institutions,
  // most guaranteeing two cities.
  std::vector<int> central;
  for (size_t i = 0; i < w.units.size(); ++i) {
    if (w.units[i].kind != "provincialDepartment") central.push_back(static_cast<int>(i));
  }
  rng.Shuffle(central);
  central.resize(24);
  std::sort(central.begin(), central.end());
  w.guarantors = central;
  std::vector<int> order = central;
  rng.Shuffle(order);
  int n = 0;
  for (const auto& row : kCities) {
    City c{row.code, row.name, row.region, std::stoi(std::string(row.code).substr(0, 2)),
           order[n % order.size()]};
    w.cities.push_back(c);
    ++n;
  }
}

void BuildGroups(World& w, Rng& rng) {
  Day formed = *ParseDay("2019-04-28");
  std::vector<int> helpers;  // units that may lead an ordinary group
  for (size_t i = 0; i < w.units.size(); ++i) helpers.push_back(static_cast<int>(i));
  for (size_t c = 0; c < w.cities.size(); ++c) {
    const City& city = w.cities[c];
    std::string code = city.code;
    w.groups.push_back(Group{"G" + code + "-C01", "central", "", static_cast<int>(c),
                             city.guarantor, formed, ProgramEnd(), 5});
    // Beijing, Tianjin and the provincial capitals get more ordinary groups.
    bool big = code == "110000" || code == "120000" || code.substr(2) == "0100";
    int ordinary = big ? rng.Between(7, 9) : rng.Between(5, 7);
    for (int i = 0; i < ordinary; ++i) {
      int lead = city.guarantor;
      if (!rng.Chance(450)) {
        // Cross-province help (异地执法): never a department of the city's own province.
        do lead = rng.Pick(helpers);
        while (w.units[lead].province == city.province);
      }
      // Enforcement needs at least two officers on a visit: most ordinary groups are a
      // leader and one member, some have two members.
      w.groups.push_back(Group{"G" + code + "-O" + Id("", 2, i + 2), "ordinary", "",
                               static_cast<int>(c), lead, formed, ProgramEnd(),
                               rng.Chance(300) ? 3 : 2});
    }
  }
  int n = 0;
  for (const auto& row : kSpecials) {
    int city = 0;
    while (w.cities[city].code != row.city) ++city;
    w.groups.push_back(Group{Id("G-S", 2, ++n), "special", row.task, city,
                             UnitByName(w, row.lead_unit), *ParseDay(row.formed),
                             *ParseDay(row.disbanded), 4});
  }
}

void BuildPersons(World& w, Rng& rng) {
  // Unit sizes by kind, scaled to kPersons.
  std::vector<int> weight;
  int total = 0;
  for (const auto& u : w.units) {
    int x = u.kind == "ministryDepartment"      ? rng.Between(60, 120)
            : u.kind == "dispatchedAgency"      ? rng.Between(100, 200)
            : u.kind == "affiliatedInstitution" ? rng.Between(120, 300)
                                                : rng.Between(150, 320);
    weight.push_back(x);
    total += x;
  }
  std::vector<int> unit_of;
  for (size_t i = 0; i < w.units.size(); ++i) {
    int n = weight[i] * kPersons / total;
    unit_of.insert(unit_of.end(), n, static_cast<int>(i));
  }
  while (unit_of.size() < static_cast<size_t>(kPersons))
    unit_of.push_back(static_cast<int>(rng.Below(w.units.size())));
  rng.Shuffle(unit_of);
  for (int i = 0; i < kPersons; ++i) {
    Person p;
    p.id = Id("P", 6, i + 1);
    p.unit = unit_of[i];
    const Unit& u = w.units[p.unit];
    p.female = rng.Chance(u.kind == "affiliatedInstitution" ? 450 : 330);
    p.name = Surname(rng) + GivenName(rng, p.female);
    p.category = Category(rng, u.kind);
    p.leader = p.category != "contract" && rng.Chance(330);
    p.in_rotation = !rng.Chance(40);
    if (p.leader && p.in_rotation) w.units[p.unit].leaders.push_back(i);
    w.persons.push_back(std::move(p));
  }
}

}  // namespace

uint64_t Rng::Below(uint64_t n) {
  // Rejection sampling: the largest multiple of n below 2^64 bounds the draw.
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    uint64_t x = engine_();
    if (x < limit) return x % n;
  }
}

Day ProgramStart() { return *ParseDay("2019-05-01"); }
Day ProgramEnd() { return *ParseDay("2021-03-31"); }

// Draws the units' principals' names, apart from everything else.
constexpr uint64_t kPrincipalSeed = 20190517;

World BuildWorld(Rng& rng) {
  World w;
  BuildUnits(w);
  BuildCities(w, rng);
  BuildGroups(w, rng);
  BuildPersons(w, rng);
  // Principals from their own stream, so that adding them changed nobody else's draw.
  Rng names(kPrincipalSeed);
  for (auto& u : w.units) u.principal = Surname(names) + GivenName(names, names.Chance(250));
  return w;
}

std::string Enterprise(Rng& rng, const City& city) {
  std::string place = city.name.substr(0, city.name.size() - 3);  // drop 市 (3 bytes of UTF-8)
  return place + PickFrom(rng, kFirmWords) + PickFrom(rng, kIndustries) + "有限公司";
}

}  // namespace probity::cli::demo
