// Label tables: see labels.h.
#include "projections/labels.h"

#include <capnp/schema.h>

#include <cstdlib>
#include <span>

#include "ledger/event.h"
#include "ledger/json.h"
#include "schemas/event.capnp.h"

namespace probity {
namespace {

struct Label {
  std::string_view name, zh, en;
};

// Written from web/assets/js/i18n.js; tests/labels_test.cc keeps the two equal.
constexpr Label kEventType[] = {
    {"unitRegistered", "单位登记", "Unit registered"},
    {"personRegistered", "人员登记", "Person registered"},
    {"keyRegistered", "密钥登记", "Key registered"},
    {"keyRevoked", "密钥吊销", "Key revoked"},
    {"cityRegistered", "城市登记", "City registered"},
    {"groupFormed", "组建工作组", "Group formed"},
    {"groupDisbanded", "撤销工作组", "Group disbanded"},
    {"partyBranchFormed", "成立临时党支部", "Party branch formed"},
    {"trainingCompleted", "完成培训", "Training completed"},
    {"restrictionRecorded", "登记不宜派出情形", "Restriction recorded"},
    {"restrictionLifted", "解除不宜派出情形", "Restriction lifted"},
    {"assignmentMade", "派驻", "Assignment made"},
    {"assignmentEnded", "派驻结束", "Assignment ended"},
    {"leaveGranted", "准予休假", "Leave granted"},
    {"reportFiled", "提交报告", "Report filed"},
    {"evaluationRecorded", "考核评价", "Evaluation recorded"},
    {"commendationIssued", "通报表扬", "Commendation issued"},
    {"criticismIssued", "通报批评", "Criticism issued"},
    {"targetAssessed", "目标考核", "Target assessed"},
    {"explanationSubmitted", "提交情况说明", "Explanation submitted"},
    {"retraction", "撤回", "Retraction"},
    {"principalNamed", "确定主要负责人", "Principal named"},
    {"calendarPublished", "发布节假日安排", "Calendar published"},
    {"erasure", "删除敏感信息", "Erasure"},
};
constexpr Label kRole[] = {
    {"admin", "管理员", "administrator"},
    {"hr", "人事司", "HR"},
    {"dispatcher", "派员单位", "dispatching unit"},
    {"enforcement", "执法局", "Enforcement Bureau"},
    {"groupLeader", "工作组组长", "group leader"},
    {"partyCommittee", "党委", "party committee"},
    {"guarantor", "包保单位", "guarantor unit"},
    {"auditor", "审计", "auditor"},
    {"reviewer", "审阅人", "reviewer"},
};
constexpr Label kValue[] = {
    {"civilServant", "公务员", "civil servant"},
    {"referenceManaged", "参照公务员管理", "managed as civil servant"},
    {"publicInstitution", "事业编制", "public-institution staff"},
    {"contract", "聘用人员", "contract staff"},
    {"ministryDepartment", "部机关司局", "ministry department"},
    {"dispatchedAgency", "派出机构", "dispatched agency"},
    {"affiliatedInstitution", "直属单位", "affiliated institution"},
    {"provincialDepartment", "省级生态环境部门", "provincial department"},
    {"jingjinji", "京津冀及周边", "Jing-Jin-Ji and surroundings"},
    {"fenwei", "汾渭平原", "Fenwei Plain"},
    {"central", "中央组", "central"},
    {"ordinary", "普通组", "ordinary"},
    {"special", "专项组", "special"},
    {"business", "业务知识", "business knowledge"},
    {"integrity", "廉政", "integrity"},
    {"centralized", "集中培训", "centralized"},
    {"video", "视频培训", "video"},
    {"tiered", "分级培训", "tiered"},
    {"other", "其他", "other"},
    {"leader", "组长", "leader"},
    {"member", "组员", "member"},
    {"completed", "完成", "completed"},
    {"recalled", "召回", "recalled"},
    {"compensatory", "补休", "compensatory"},
    {"rotation", "轮休", "rotation"},
    {"workReport", "工作报告", "work report"},
    {"problemFound", "发现问题", "problem found"},
    {"assistance", "帮扶", "assistance"},
    {"outstanding", "优秀", "outstanding"},
    {"good", "良好", "good"},
    {"adequate", "合格", "adequate"},
    {"poor", "较差", "poor"},
    {"ministryLeaders", "部领导", "ministry leaders"},
    {"hrDepartment", "人事司", "HR department"},
    {"partyCommittee", "党委", "party committee"},
    {"sendingUnit", "派员单位", "sending unit"},
    {"poorPerformance", "工作表现差", "poor performance"},
    {"badAttitude", "工作态度差", "bad attitude"},
    {"workDiscipline", "违反工作纪律", "work discipline"},
    {"integrityDiscipline", "违反廉政纪律", "integrity discipline"},
    {"poorOrganisation", "组织工作不力", "poor organisation"},
    {"annual", "年度", "annual"},
    {"final", "终期", "final"},
};
constexpr Label kOutcome[] = {
    {"priorityInAssessment", "年终考核优先考虑", "Priority in the year-end assessment"},
    {"priorityInAwards", "评优评先优先考虑", "Priority in award selection"},
    {"gradeRaised", "绩效等级上调一级", "Performance grade raised one level"},
    {"barredFromExcellent", "年终考核不得确定为优秀", "May not be rated Excellent"},
    {"leadershipBonus", "领导班子年终考核加分", "Bonus points for the leadership team"},
    {"priorityAdvancedCollective", "优先考虑“先进集体”", "Priority for Advanced Collective"},
    {"barredFromAwards", "年度不得评优评先", "No awards or ratings of merit that year"},
};
constexpr Label kField[] = {
    {"person", "人员", "person"},
    {"unit", "单位", "unit"},
    {"name", "名称", "name"},
    {"date", "日期", "date"},
    {"from", "起", "from"},
    {"to", "止", "to"},
    {"until", "至", "until"},
    {"group", "工作组", "group"},
    {"city", "城市", "city"},
    {"kind", "类型", "kind"},
    {"category", "类别", "category"},
    {"course", "课程", "course"},
    {"mode", "方式", "mode"},
    {"reason", "原因", "reason"},
    {"position", "职务", "position"},
    {"assignment", "派驻编号", "assignment"},
    {"days", "天数", "days"},
    {"subject", "对象", "subject"},
    {"evaluation", "考核编号", "evaluation"},
    {"period", "期间", "period"},
    {"grade", "等级", "grade"},
    {"summary", "摘要", "summary"},
    {"distributedTo", "抄送", "distributedTo"},
    {"ground", "理由", "ground"},
    {"target", "目标序号", "target"},
    {"year", "年度", "year"},
    {"scope", "范围", "scope"},
    {"met", "完成", "met"},
    {"holder", "持有人", "holder"},
    {"role", "角色", "role"},
    {"publicKey", "公钥", "publicKey"},
    {"keyId", "密钥编号", "keyId"},
    {"region", "区域", "region"},
    {"guarantor", "包保单位", "guarantor"},
    {"leadUnit", "牵头单位", "leadUnit"},
    {"secretary", "书记", "secretary"},
    {"task", "任务", "task"},
    {"principal", "主要负责人", "principal"},
    {"province", "省份", "province"},
    {"note", "备注", "note"},
    {"holidays", "节假日", "holidays"},
    {"workdays", "调休工作日", "workdays"},
    // The eligibility list's columns (interface.md), for its Chinese exports.
    {"outcomes", "结果", "outcomes"},
    {"reviewRequired", "需人工复核", "reviewRequired"},
    {"reasons", "依据", "reasons"},
    {"events", "依据事件", "events"},
};

std::span<const Label> Table(LabelKind kind) {
  switch (kind) {
    case LabelKind::kEventType:
      return kEventType;
    case LabelKind::kRole:
      return kRole;
    case LabelKind::kValue:
      return kValue;
    case LabelKind::kOutcome:
      return kOutcome;
    case LabelKind::kField:
      return kField;
  }
  return {};
}

// Whether `field` of the event member `type` (its JSON names) holds an enum or a list of
// enums, by the schema: only those values have labels; text is the signer's own words or
// an id, shown as written even when it spells an enum's name.
bool IsEnumField(std::string_view type, std::string_view field) {
  auto member = capnp::Schema::from<schema::Event>().findFieldByName(std::string(type));
  KJ_IF_MAYBE (m, member) {
    if (!m->getType().isStruct()) return false;
    KJ_IF_MAYBE (f, m->getType().asStruct().findFieldByName(std::string(field))) {
      auto t = f->getType();
      return t.isEnum() || (t.isList() && t.asList().getElementType().isEnum());
    }
  }
  return false;
}

ShownText Same(std::string text) { return {text, text}; }

ShownText Labelled(LabelKind kind, std::string_view name) {
  return {std::string(probity::Label(kind, name, Lang::kZh)),
          std::string(probity::Label(kind, name, Lang::kEn))};
}

// `value` in pieces; `is_enum`: its strings are enum names, shown by their labels.
void AddValue(json::Element value, bool is_enum, std::vector<ShownText>* out) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view s = value.get_string().value_unsafe();
      out->push_back(is_enum ? Labelled(LabelKind::kValue, s) : Same(std::string(s)));
      return;
    }
    case simdjson::dom::element_type::BOOL:
      out->push_back(value.get_bool().value_unsafe() ? ShownText{"是", "yes"}
                                                     : ShownText{"否", "no"});
      return;
    case simdjson::dom::element_type::ARRAY: {
      // ", " before each item once the items before it show something (empty strings
      // show nothing).
      bool shown = false;
      json::Array items = value.get_array().value_unsafe();
      for (auto item : items) {
        if (shown) out->push_back(Same(", "));
        size_t before = out->size();
        AddValue(item, is_enum, out);
        for (size_t i = before; i < out->size(); ++i)
          shown = shown || !(*out)[i].zh.empty() || !(*out)[i].en.empty();
      }
      return;
    }
    case simdjson::dom::element_type::OBJECT: {
      bool first = true;
      json::Object members = value.get_object().value_unsafe();
      for (auto [key, item] : members) {
        if (!first) out->push_back(Same(", "));
        out->push_back(Labelled(LabelKind::kField, key));
        out->push_back(Same(" "));
        AddValue(item, false, out);  // a Subject: a person's or a unit's id
        first = false;
      }
      return;
    }
    default:
      out->push_back(Same(simdjson::to_string(value)));
  }
}

}  // namespace

std::optional<std::vector<ShownField>> ShownFields(std::string_view event_json) {
  json::Parser parser;
  auto parsed = parser.Parse(event_json);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  std::vector<ShownField> out;
  json::Object members = parsed->get_object().value_unsafe();
  std::string_view type;
  if (auto t = members["type"].get_string(); t.error() == simdjson::SUCCESS)
    type = t.value_unsafe();
  for (auto [key, value] : members) {
    if (key == "id" || key == "type" || key == "publicKey") continue;
    ShownField f;
    f.name = std::string(key);
    f.signed_value = value.is_string() ? std::string(value.get_string().value_unsafe())
                                       : simdjson::minify(value);
    AddValue(value, IsEnumField(type, key), &f.value);
    out.push_back(std::move(f));
  }
  return out;
}

std::string InLang(const std::vector<ShownText>& pieces, Lang lang) {
  std::string out;
  for (const auto& p : pieces) out += lang == Lang::kZh ? p.zh : p.en;
  return out;
}

std::optional<Lang> ParseLang(std::string_view text) {
  if (text == "C" || text == "POSIX") return Lang::kEn;
  std::string_view lang = text.substr(0, text.find_first_of("_-.@"));
  if (lang == "zh") return Lang::kZh;
  if (lang == "en") return Lang::kEn;
  return std::nullopt;
}

Lang LangFromLocale() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value && *value) return ParseLang(value) == Lang::kZh ? Lang::kZh : Lang::kEn;
  }
  return Lang::kEn;
}

std::string_view Label(LabelKind kind, std::string_view name, Lang lang) {
  for (const auto& l : Table(kind)) {
    if (l.name == name) return lang == Lang::kZh ? l.zh : l.en;
  }
  return name;
}

std::string LabelsJson() {
  std::string out = "{";
  const std::pair<const char*, LabelKind> kinds[] = {{"eventType", LabelKind::kEventType},
                                                     {"role", LabelKind::kRole},
                                                     {"value", LabelKind::kValue},
                                                     {"outcome", LabelKind::kOutcome},
                                                     {"field", LabelKind::kField}};
  for (const auto& [kind_name, kind] : kinds) {
    out += (out.size() > 1 ? ",\"" : "\"") + std::string(kind_name) + "\":{";
    bool first = true;
    for (const auto& l : Table(kind)) {
      out += (first ? "" : ",") + JsonQuote(l.name) + ":[" + JsonQuote(l.zh) + "," +
             JsonQuote(l.en) + "]";
      first = false;
    }
    out += "}";
  }
  return out + "}";
}

}  // namespace probity
