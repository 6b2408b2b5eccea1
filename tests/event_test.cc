// Tests for ledger/event.h: the strict JSON codec of ../shared/interface.md ("Event
// JSON") and the canonical Cap'n Proto bytes that are signed and stored.
#include "ledger/event.h"

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tests/testing.h"

namespace probity {
namespace {

using test::KeyFor;

// Asserts that the codec refuses `json` as kInvalid with a message containing `needle`
// (the field it names).
void ExpectRefused(const EventCodec& codec, const std::string& json, const std::string& needle) {
  auto r = codec.Parse(json);
  INFO("input: " << json);
  REQUIRE_FALSE(r.ok());
  INFO("message: " << r.status().message());
  CHECK(r.status().code() == Code::kInvalid);
  CHECK(r.status().message().find(needle) != std::string::npos);
}

std::string KeyPem() { return KeyFor("event-test-key").Public().ToPem(); }

// A sealed field as the signed body holds it (format v2): {"commitment": 64 hex digits}.
// Parse takes this form; Prepare makes it from the clear value.
const std::string kCommitment = R"({"commitment":")" + std::string(64, 'a') + R"("})";

// One valid example of every event type in interface.md, with every optional field set.
std::vector<std::pair<std::string, std::string>> ValidExamples() {
  std::string key_id = HexEncode(KeyFor("event-test-key").Public().KeyId());
  return {
      {"unitRegistered",
       R"({"type":"unitRegistered","unit":"U1","name":"河北省生态环境厅","kind":"provincialDepartment","province":"13"})"},
      {"personRegistered",
       R"({"type":"personRegistered","person":"P1","name":"Li \"Wei\"","unit":"U1","category":"contract"})"},
      {"keyRegistered", R"({"type":"keyRegistered","publicKey":)" + JsonQuote(KeyPem()) +
                            R"(,"holder":"Dispatch office","role":"dispatcher","unit":"U1"})"},
      {"keyRevoked", R"({"type":"keyRevoked","keyId":")" + key_id + R"(","reason":"lost laptop"})"},
      {"cityRegistered",
       R"({"type":"cityRegistered","city":"130100","name":"石家庄市","region":"jingjinji","guarantor":"U1"})"},
      {"groupFormed",
       R"({"type":"groupFormed","group":"G1","city":"130100","kind":"central","leadUnit":"U1","date":"2019-05-10","task":"coal heating"})"},
      {"groupDisbanded", R"({"type":"groupDisbanded","group":"G1","date":"2021-03-31"})"},
      {"partyBranchFormed",
       R"({"type":"partyBranchFormed","city":"130100","leadUnit":"U1","secretary":"P1","date":"2019-05-11"})"},
      {"trainingCompleted",
       R"({"type":"trainingCompleted","person":"P1","course":"integrity","mode":"other","date":"2019-05-02","note":"online course"})"},
      {"restrictionRecorded", R"({"type":"restrictionRecorded","person":"P1","reason":)" +
                                  kCommitment + R"(,"from":"2019-06-01","until":"2019-08-01"})"},
      {"restrictionLifted", R"({"type":"restrictionLifted","person":"P1","date":"2019-07-15"})"},
      {"assignmentMade",
       R"({"type":"assignmentMade","assignment":"A1","person":"P1","group":"G1","from":"2019-05-15","to":"2019-05-29","position":"leader"})"},
      {"assignmentEnded",
       R"({"type":"assignmentEnded","assignment":"A1","date":"2019-05-29","reason":"recalled"})"},
      {"leaveGranted",
       R"({"type":"leaveGranted","person":"P1","days":4,"kind":"compensatory","from":"2019-06-03"})"},
      {"reportFiled",
       R"({"type":"reportFiled","group":"G1","date":"2019-05-20","kind":"problemFound","summary":"unlicensed kiln"})"},
      {"evaluationRecorded",
       R"({"type":"evaluationRecorded","evaluation":"E1","subject":{"person":"P1"},"period":"2019 round 3","grade":"outstanding","summary":"thorough","date":"2019-06-10","distributedTo":["ministryLeaders","hrDepartment","partyCommittee","sendingUnit"]})"},
      {"commendationIssued",
       R"({"type":"commendationIssued","subject":{"unit":"U1"},"reason":"well organised","date":"2019-06-11","evaluation":"E1"})"},
      {"criticismIssued",
       R"({"type":"criticismIssued","subject":{"person":"P1"},"ground":"integrityDiscipline","reason":"accepted a gift","date":"2019-06-12","evaluation":"E1"})"},
      {"targetAssessed",
       R"({"type":"targetAssessed","city":"130100","year":2019,"scope":"annual","met":false,"date":"2020-01-15"})"},
      {"explanationSubmitted",
       R"({"type":"explanationSubmitted","city":"130100","year":2019,"scope":"final","unit":"U1","date":"2020-02-01","summary":"heating season","principal":"张三"})"},
      {"retraction", R"({"type":"retraction","target":42,"reason":"entered twice"})"},
      {"principalNamed",
       R"({"type":"principalNamed","unit":"U1","name":"张三","date":"2019-05-01"})"},
      {"calendarPublished",
       R"({"type":"calendarPublished","year":2020,"holidays":["2020-01-01","2020-01-25"],"workdays":["2020-01-19"]})"},
      {"erasure", R"({"type":"erasure","target":42,"reason":"retention period over"})"},
  };
}

// A valid assignmentMade with `field` replaced by `value` (raw JSON), or removed when
// `value` is empty.
std::string Assignment(const std::string& field = "", const std::string& value = "") {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"type", "\"assignmentMade\""}, {"assignment", "\"A1\""},
      {"person", "\"P1\""},           {"group", "\"G1\""},
      {"from", "\"2019-05-15\""},     {"to", "\"2019-05-29\""},
      {"position", "\"member\""}};
  std::string out = "{";
  for (const auto& [k, v] : fields) {
    std::string val = k == field ? value : v;
    if (k == field && value.empty()) continue;
    out += (out.size() > 1 ? "," : "") + ("\"" + k + "\":") + val;
  }
  return out + "}";
}

TEST_CASE(
    "Every event type in interface.md is accepted and round-trips to identical canonical bytes",
    "[event]") {
  EventCodec codec;
  auto examples = ValidExamples();
  REQUIRE(examples.size() == 24);  // every type of interface.md's table (v2 added three)
  for (const auto& [type, json] : examples) {
    INFO(type << ": " << json);
    auto first = codec.Parse(json);
    INFO((first.ok() ? std::string("parsed") : first.status().message()));
    REQUIRE(first.ok());
    auto view = EventView::FromCanonical(*first);
    REQUIRE(view.ok());
    CHECK(EventTypeName(view->reader().which()) == type);

    auto text = codec.ToJson(*first);
    REQUIRE(text.ok());
    INFO("printed: " << *text);
    CHECK(text->find("\"type\":\"" + type + "\"") != std::string::npos);
    CHECK(text->find('\n') == std::string::npos);
    auto second = codec.Parse(*text);
    INFO((second.ok() ? std::string("reparsed") : second.status().message()));
    REQUIRE(second.ok());
    CHECK(*second == *first);
    // And once more: printing is a fixed point.
    auto again = codec.ToJson(*second);
    REQUIRE(again.ok());
    CHECK(*again == *text);
  }
}

TEST_CASE("Key order and white space in the JSON do not change the canonical bytes", "[event]") {
  EventCodec codec;
  auto a =
      codec.Parse(R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"dispatchedAgency"})");
  auto b = codec.Parse(
      " {\n \"kind\" : \"dispatchedAgency\", \"name\":\"N\",\t\"unit\":\"U1\", "
      "\"type\":\"unitRegistered\" }\n");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  // A different value is a different body.
  auto c =
      codec.Parse(R"({"type":"unitRegistered","unit":"U2","name":"N","kind":"dispatchedAgency"})");
  REQUIRE(c.ok());
  CHECK(*c != *a);
}

TEST_CASE("Default-valued enums and false booleans survive the round trip", "[event]") {
  EventCodec codec;
  // ministryDepartment, civilServant, admin, jingjinji, central, business, centralized,
  // leader, completed, compensatory, workReport, outstanding, poorPerformance and annual are
  // each value 0 of their enum: a printer that omitted defaults would lose them. (pregnancy,
  // value 0 of RestrictionReason, is sealed in v2: the body holds its commitment only.)
  const std::vector<std::string> zeros = {
      R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"})",
      R"({"type":"personRegistered","person":"P1","name":"N","unit":"U1","category":"civilServant"})",
      R"({"type":"groupFormed","group":"G1","city":"130100","kind":"central","leadUnit":"U1","date":"2019-05-10"})",
      R"({"type":"trainingCompleted","person":"P1","course":"business","mode":"centralized","date":"2019-05-02"})",
      R"({"type":"assignmentEnded","assignment":"A1","date":"2019-05-29","reason":"completed"})",
      R"({"type":"leaveGranted","person":"P1","days":0,"kind":"compensatory","from":"2019-06-03"})",
      R"({"type":"criticismIssued","subject":{"unit":"U1"},"ground":"poorPerformance","reason":"r","date":"2019-06-12","evaluation":"E1"})",
      R"({"type":"targetAssessed","city":"130100","year":0,"scope":"annual","met":false,"date":"2020-01-15"})",
      R"({"type":"retraction","target":0,"reason":"r"})",
  };
  for (const auto& json : zeros) {
    INFO(json);
    auto first = codec.Parse(json);
    REQUIRE(first.ok());
    auto text = codec.ToJson(*first);
    REQUIRE(text.ok());
    INFO("printed: " << *text);
    auto second = codec.Parse(*text);
    INFO((second.ok() ? std::string("reparsed") : second.status().message()));
    REQUIRE(second.ok());
    CHECK(*second == *first);
  }
}

TEST_CASE("Malformed JSON is refused", "[event]") {
  EventCodec codec;
  ExpectRefused(codec, R"({"type":"unitRegistered","unit":"U1",)", "JSON");
  ExpectRefused(codec, "", "JSON");
  ExpectRefused(codec, "not json", "JSON");
  ExpectRefused(codec, R"({"type":'unitRegistered'})", "JSON");
  ExpectRefused(codec, R"(["unitRegistered"])", "object");
  ExpectRefused(codec, R"("unitRegistered")", "object");
}

TEST_CASE("Text after the JSON object is refused", "[event]") {
  EventCodec codec;
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"} {"x":1})",
      "JSON");
  ExpectRefused(codec,
                R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"}})",
                "JSON");
}

TEST_CASE("An unknown, missing, invalid or non-string type is refused and named", "[event]") {
  EventCodec codec;
  ExpectRefused(codec, R"({"type":"unitDeleted","unit":"U1"})", "unitDeleted");
  ExpectRefused(codec, R"({"type":"invalid"})", "invalid");
  ExpectRefused(codec, R"({"type":"","unit":"U1"})", "type");
  ExpectRefused(codec, R"({"unit":"U1","name":"N","kind":"ministryDepartment"})", "'type'");
  ExpectRefused(codec, R"({"type":7,"unit":"U1"})", "'type'");
  ExpectRefused(codec, R"({"type":null})", "'type'");
  // Case matters: names are exactly interface.md's.
  ExpectRefused(codec,
                R"({"type":"UnitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"})",
                "UnitRegistered");
}

TEST_CASE("An unknown field is refused and named, at the top level and inside a subject",
          "[event]") {
  EventCodec codec;
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment","colour":"red"})",
      "'colour'");
  // A field of another event type is unknown here.
  ExpectRefused(codec, Assignment("position", "\"member\",\"days\":3"), "'days'");
  ExpectRefused(
      codec,
      R"({"type":"commendationIssued","subject":{"person":"P1","team":"x"},"reason":"r","date":"2019-06-11","evaluation":"E1"})",
      "subject.team");
  // The union member's own name is not a key either.
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","unitRegistered":{},"unit":"U1","name":"N","kind":"ministryDepartment"})",
      "'unitRegistered'");
}

TEST_CASE("A duplicate key is refused and named", "[event]") {
  EventCodec codec;
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","unit":"U1","unit":"U2","name":"N","kind":"ministryDepartment"})",
      "'unit' appears twice");
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"})",
      "'type'");
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","id":"a","id":"a","unit":"U1","name":"N","kind":"ministryDepartment"})",
      "'id' appears twice");
  ExpectRefused(
      codec,
      R"({"type":"commendationIssued","subject":{"person":"P1","person":"P2"},"reason":"r","date":"2019-06-11","evaluation":"E1"})",
      "subject.person");
}

TEST_CASE("A missing required field is refused and named, for several types", "[event]") {
  EventCodec codec;
  ExpectRefused(codec, R"({"type":"unitRegistered","unit":"U1","name":"N"})", "'kind'");
  ExpectRefused(codec,
                R"({"type":"personRegistered","person":"P1","name":"N","category":"contract"})",
                "'unit'");
  ExpectRefused(codec, Assignment("to"), "'to'");
  ExpectRefused(codec, Assignment("position"), "'position'");
  ExpectRefused(codec, R"({"type":"keyRegistered","holder":"h","role":"hr"})", "'publicKey'");
  ExpectRefused(codec, R"({"type":"keyRevoked","reason":"r"})", "'keyId'");
  ExpectRefused(
      codec,
      R"({"type":"evaluationRecorded","evaluation":"E1","subject":{"person":"P1"},"period":"p","grade":"good","summary":"s","date":"2019-06-10"})",
      "'distributedTo'");
  ExpectRefused(
      codec,
      R"({"type":"evaluationRecorded","evaluation":"E1","period":"p","grade":"good","summary":"s","date":"2019-06-10","distributedTo":[]})",
      "'subject'");
  ExpectRefused(
      codec,
      R"({"type":"targetAssessed","city":"130100","year":2019,"scope":"annual","date":"2020-01-15"})",
      "'met'");
  ExpectRefused(codec, R"({"type":"retraction","reason":"r"})", "'target'");
  ExpectRefused(codec,
                R"({"type":"leaveGranted","person":"P1","kind":"rotation","from":"2019-06-03"})",
                "'days'");
  ExpectRefused(codec, R"({"type":"groupDisbanded","group":"G1"})", "'date'");
  ExpectRefused(
      codec,
      R"({"type":"explanationSubmitted","city":"130100","year":2019,"scope":"final","date":"2020-02-01","summary":"s","principal":"p"})",
      "'unit'");
  // Required from format v2 on.
  ExpectRefused(
      codec,
      R"({"type":"explanationSubmitted","city":"130100","year":2019,"scope":"final","unit":"U1","date":"2020-02-01","summary":"s"})",
      "'principal'");
  ExpectRefused(
      codec,
      R"({"type":"commendationIssued","subject":{"person":"P1"},"reason":"r","date":"2019-06-11"})",
      "'evaluation'");
  ExpectRefused(
      codec,
      R"({"type":"criticismIssued","subject":{"person":"P1"},"ground":"badAttitude","reason":"r","date":"2019-06-12"})",
      "'evaluation'");
  ExpectRefused(codec, R"({"type":"erasure","reason":"r"})", "'target'");
  ExpectRefused(codec, R"({"type":"principalNamed","unit":"U1","date":"2019-05-01"})", "'name'");
}

TEST_CASE("A value of the wrong JSON type is refused and named", "[event]") {
  EventCodec codec;
  // A string where a number belongs.
  ExpectRefused(
      codec,
      R"({"type":"leaveGranted","person":"P1","days":"4","kind":"rotation","from":"2019-06-03"})",
      "'days'");
  ExpectRefused(codec, R"({"type":"retraction","target":"42","reason":"r"})", "'target'");
  ExpectRefused(
      codec,
      R"({"type":"targetAssessed","city":"130100","year":"2019","scope":"annual","met":true,"date":"2020-01-15"})",
      "'year'");
  // A number where a string belongs.
  ExpectRefused(codec,
                R"({"type":"unitRegistered","unit":1,"name":"N","kind":"ministryDepartment"})",
                "'unit'");
  ExpectRefused(codec, Assignment("from", "20190515"), "'from'");
  ExpectRefused(codec, Assignment("position", "1"), "'position'");
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","id":5,"unit":"U1","name":"N","kind":"ministryDepartment"})",
      "'id'");
  // Booleans, arrays and objects.
  ExpectRefused(
      codec,
      R"({"type":"targetAssessed","city":"130100","year":2019,"scope":"annual","met":"true","date":"2020-01-15"})",
      "'met'");
  ExpectRefused(
      codec,
      R"({"type":"targetAssessed","city":"130100","year":2019,"scope":"annual","met":1,"date":"2020-01-15"})",
      "'met'");
  ExpectRefused(
      codec,
      R"({"type":"evaluationRecorded","evaluation":"E1","subject":{"person":"P1"},"period":"p","grade":"good","summary":"s","date":"2019-06-10","distributedTo":"hrDepartment"})",
      "'distributedTo'");
  ExpectRefused(
      codec,
      R"({"type":"commendationIssued","subject":"P1","reason":"r","date":"2019-06-11","evaluation":"E1"})",
      "'subject'");
  ExpectRefused(codec,
                R"({"type":"unitRegistered","unit":["U1"],"name":"N","kind":"ministryDepartment"})",
                "'unit'");
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","unit":{"id":"U1"},"name":"N","kind":"ministryDepartment"})",
      "'unit'");
  ExpectRefused(
      codec,
      R"({"type":"commendationIssued","subject":{"person":7},"reason":"r","date":"2019-06-11","evaluation":"E1"})",
      "subject.person");
}

TEST_CASE("An unknown enum value is refused and named", "[event]") {
  EventCodec codec;
  ExpectRefused(codec, R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"ministry"})",
                "'kind'");
  ExpectRefused(codec,
                R"({"type":"keyRegistered","publicKey":"x","holder":"h","role":"superuser"})",
                "'role'");
  ExpectRefused(codec, Assignment("position", "\"Leader\""), "'position'");
  ExpectRefused(
      codec,
      R"({"type":"evaluationRecorded","evaluation":"E1","subject":{"person":"P1"},"period":"p","grade":"good","summary":"s","date":"2019-06-10","distributedTo":["ministryLeaders","mayor"]})",
      "distributedTo[1]");
  // An enum's ordinal is not its name.
  ExpectRefused(codec, R"({"type":"unitRegistered","unit":"U1","name":"N","kind":0})", "'kind'");
}

TEST_CASE("Negative, fractional and overflowing numbers are refused and named", "[event]") {
  EventCodec codec;
  auto leave = [](const std::string& days) {
    return R"({"type":"leaveGranted","person":"P1","days":)" + days +
           R"(,"kind":"rotation","from":"2019-06-03"})";
  };
  auto target = [](const std::string& year) {
    return R"({"type":"targetAssessed","city":"130100","year":)" + year +
           R"(,"scope":"annual","met":true,"date":"2020-01-15"})";
  };
  auto retraction = [](const std::string& t) {
    return R"({"type":"retraction","target":)" + t + R"(,"reason":"r"})";
  };
  ExpectRefused(codec, leave("-1"), "'days'");
  ExpectRefused(codec, leave("1.5"), "'days'");
  ExpectRefused(codec, leave("4294967296"), "'days'");
  ExpectRefused(codec, leave("1e300"), "'days'");
  ExpectRefused(codec, target("65536"), "'year'");
  ExpectRefused(codec, target("-2019"), "'year'");
  ExpectRefused(codec, target("2019.5"), "'year'");
  ExpectRefused(codec, retraction("-1"), "'target'");
  ExpectRefused(codec, retraction("0.5"), "'target'");
  ExpectRefused(codec, retraction("18446744073709551616"), "'target'");
  ExpectRefused(codec, retraction("1e300"), "'target'");
  // The largest values that fit are accepted.
  CHECK(codec.Parse(leave("4294967295")).ok());
  CHECK(codec.Parse(target("65535")).ok());
}

TEST_CASE("Null is refused for required and optional fields alike", "[event]") {
  EventCodec codec;
  ExpectRefused(codec,
                R"({"type":"unitRegistered","unit":"U1","name":null,"kind":"ministryDepartment"})",
                "'name'");
  ExpectRefused(
      codec,
      R"({"type":"groupFormed","group":"G1","city":"130100","kind":"central","leadUnit":"U1","date":"2019-05-10","task":null})",
      "'task'");
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","id":null,"unit":"U1","name":"N","kind":"ministryDepartment"})",
      "'id'");
  ExpectRefused(codec, R"({"type":"retraction","target":null,"reason":"r"})", "'target'");
  ExpectRefused(
      codec,
      R"({"type":"commendationIssued","subject":{"person":null},"reason":"r","date":"2019-06-11","evaluation":"E1"})",
      "subject.person");
}

TEST_CASE("Empty strings are refused and named", "[event]") {
  EventCodec codec;
  ExpectRefused(codec,
                R"({"type":"unitRegistered","unit":"","name":"N","kind":"ministryDepartment"})",
                "'unit'");
  ExpectRefused(codec,
                R"({"type":"unitRegistered","unit":"U1","name":"","kind":"ministryDepartment"})",
                "'name'");
  ExpectRefused(
      codec,
      R"({"type":"unitRegistered","id":"","unit":"U1","name":"N","kind":"ministryDepartment"})",
      "'id'");
  ExpectRefused(codec, R"({"type":"unitRegistered","unit":"U1","name":"N","kind":""})", "'kind'");
  ExpectRefused(
      codec,
      R"({"type":"commendationIssued","subject":{"unit":""},"reason":"r","date":"2019-06-11","evaluation":"E1"})",
      "subject.unit");
  ExpectRefused(codec, Assignment("to", "\"\""), "'to'");
}

TEST_CASE("Impossible or badly written dates are refused and named", "[event]") {
  EventCodec codec;
  ExpectRefused(codec, Assignment("from", "\"2019-02-29\""), "'from'");
  ExpectRefused(codec, Assignment("from", "\"2019-13-01\""), "'from'");
  ExpectRefused(codec, Assignment("from", "\"2019-4-1\""), "'from'");
  ExpectRefused(codec, Assignment("to", "\"2019-04-31\""), "'to'");
  ExpectRefused(codec, Assignment("to", "\"2019-00-10\""), "'to'");
  ExpectRefused(codec, Assignment("to", "\"2019-05-00\""), "'to'");
  ExpectRefused(codec, Assignment("to", "\"2019/05/29\""), "'to'");
  ExpectRefused(codec, Assignment("to", "\"2019-05-29T00:00\""), "'to'");
  ExpectRefused(codec, Assignment("to", "\" 2019-05-29\""), "'to'");
  ExpectRefused(codec, Assignment("to", "\"+019-05-29\""), "'to'");
  ExpectRefused(codec, R"({"type":"groupDisbanded","group":"G1","date":"2100-02-29"})", "'date'");
  ExpectRefused(codec,
                R"({"type":"restrictionRecorded","person":"P1","reason":)" + kCommitment +
                    R"(,"from":"2019-06-01","until":"2019-06-31"})",
                "'until'");
  ExpectRefused(
      codec, R"({"type":"calendarPublished","year":2020,"holidays":["2020-02-30"],"workdays":[]})",
      "holidays");
  // Leap days that exist are fine.
  CHECK(codec.Parse(Assignment("from", "\"2020-02-29\"")).ok());
  CHECK(codec.Parse(R"({"type":"groupDisbanded","group":"G1","date":"2000-02-29"})").ok());
}

TEST_CASE("IsCalendarDate accepts exactly the real dates written YYYY-MM-DD", "[event]") {
  CHECK(IsCalendarDate("2019-05-01"));
  CHECK(IsCalendarDate("2020-02-29"));
  CHECK(IsCalendarDate("2019-12-31"));
  CHECK_FALSE(IsCalendarDate("2019-02-29"));
  CHECK_FALSE(IsCalendarDate("2019-13-01"));
  CHECK_FALSE(IsCalendarDate("2019-4-1"));
  CHECK_FALSE(IsCalendarDate("2019-04-1"));
  CHECK_FALSE(IsCalendarDate("2019-11-31"));
  CHECK_FALSE(IsCalendarDate("20190501"));
  CHECK_FALSE(IsCalendarDate(""));
  CHECK_FALSE(IsCalendarDate("2019-05-01 "));
}

TEST_CASE("A subject must name exactly one of person and unit", "[event]") {
  EventCodec codec;
  ExpectRefused(
      codec,
      R"({"type":"commendationIssued","subject":{"person":"P1","unit":"U1"},"reason":"r","date":"2019-06-11","evaluation":"E1"})",
      "subject");
  ExpectRefused(
      codec,
      R"({"type":"commendationIssued","subject":{},"reason":"r","date":"2019-06-11","evaluation":"E1"})",
      "subject");
  ExpectRefused(
      codec,
      R"({"type":"criticismIssued","subject":{"unit":"U1","person":"P1"},"ground":"badAttitude","reason":"r","date":"2019-06-12","evaluation":"E1"})",
      "subject");
  ExpectRefused(
      codec,
      R"({"type":"evaluationRecorded","evaluation":"E1","subject":{},"period":"p","grade":"good","summary":"s","date":"2019-06-10","distributedTo":[]})",
      "subject");
  auto person = codec.Parse(
      R"({"type":"commendationIssued","subject":{"person":"P1"},"reason":"r","date":"2019-06-11","evaluation":"E1"})");
  auto unit = codec.Parse(
      R"({"type":"commendationIssued","subject":{"unit":"P1"},"reason":"r","date":"2019-06-11","evaluation":"E1"})");
  REQUIRE(person.ok());
  REQUIRE(unit.ok());
  CHECK(*person != *unit);
  auto view = EventView::FromCanonical(*unit);
  REQUIRE(view.ok());
  CHECK(view->reader().getCommendationIssued().getSubject().isUnit());
}

TEST_CASE("Optional fields may be absent and stay absent", "[event]") {
  EventCodec codec;
  auto read = [&](const std::string& json) {
    auto body = codec.Parse(json);
    INFO(json << " -> " << (body.ok() ? std::string("ok") : body.status().message()));
    REQUIRE(body.ok());
    auto view = EventView::FromCanonical(*body);
    REQUIRE(view.ok());
    auto text = codec.ToJson(*body);
    REQUIRE(text.ok());
    return std::make_pair(std::move(*view), *text);
  };
  {
    auto [view, text] =
        read(R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"})");
    CHECK_FALSE(view.reader().hasId());
    CHECK(text.find("\"id\"") == std::string::npos);
    auto [with_id, text2] = read(
        R"({"type":"unitRegistered","id":"batch-7.1","unit":"U1","name":"N","kind":"ministryDepartment"})");
    CHECK(std::string(with_id.reader().getId()) == "batch-7.1");
    CHECK(text2.find("\"id\":\"batch-7.1\"") != std::string::npos);
    CHECK_FALSE(view.reader().getUnitRegistered().hasProvince());
    CHECK(text.find("\"province\"") == std::string::npos);
  }
  {
    auto [view, text] = read(
        R"({"type":"groupFormed","group":"G1","city":"130100","kind":"special","leadUnit":"U1","date":"2019-05-10"})");
    CHECK_FALSE(view.reader().getGroupFormed().hasTask());
    CHECK(text.find("\"task\"") == std::string::npos);
  }
  {
    auto [view, text] = read(R"({"type":"restrictionRecorded","person":"P1","reason":)" +
                             kCommitment + R"(,"from":"2019-06-01"})");
    CHECK_FALSE(view.reader().getRestrictionRecorded().hasUntil());
    CHECK(text.find("\"until\"") == std::string::npos);
  }
  // v2: a mark's evaluation is required ("A missing required field..."); a training's note
  // is the optional field that may be absent.
  {
    auto [view, text] = read(
        R"({"type":"trainingCompleted","person":"P1","course":"business","mode":"video","date":"2019-05-02"})");
    CHECK_FALSE(view.reader().getTrainingCompleted().hasNote());
    CHECK(text.find("\"note\"") == std::string::npos);
  }
  {
    auto [view, text] = read(R"({"type":"keyRegistered","publicKey":)" + JsonQuote(KeyPem()) +
                             R"(,"holder":"HR office","role":"hr"})");
    CHECK_FALSE(view.reader().getKeyRegistered().hasUnit());
    CHECK_FALSE(view.reader().getKeyRegistered().hasPerson());
    CHECK(text.find("\"unit\"") == std::string::npos);
    CHECK(text.find("\"person\"") == std::string::npos);
  }
  {
    auto [view, text] = read(R"({"type":"keyRegistered","publicKey":)" + JsonQuote(KeyPem()) +
                             R"(,"holder":"Leader","role":"groupLeader","person":"P1"})");
    CHECK(std::string(view.reader().getKeyRegistered().getPerson()) == "P1");
    CHECK_FALSE(view.reader().getKeyRegistered().hasUnit());
  }
  {
    // An empty list is present, not absent.
    auto [view, text] = read(
        R"({"type":"evaluationRecorded","evaluation":"E1","subject":{"unit":"U1"},"period":"p","grade":"poor","summary":"s","date":"2019-06-10","distributedTo":[]})");
    CHECK(view.reader().getEvaluationRecorded().getDistributedTo().size() == 0);
  }
}

void ExpectTargetPrintsAsInteger(const std::vector<uint64_t>& targets) {
  EventCodec codec;
  for (uint64_t target : targets) {
    std::string json =
        R"({"type":"retraction","target":)" + std::to_string(target) + R"(,"reason":"r"})";
    auto body = codec.Parse(json);
    INFO(json);
    REQUIRE(body.ok());
    auto view = EventView::FromCanonical(*body);
    REQUIRE(view.ok());
    CHECK(view->reader().getRetraction().getTarget() == target);
    auto text = codec.ToJson(*body);
    REQUIRE(text.ok());
    INFO("printed: " << *text);
    CHECK(text->find("\"target\":" + std::to_string(target) + ",") != std::string::npos);
    CHECK(text->find("\"target\":\"") == std::string::npos);
  }
}

TEST_CASE("A retraction's target prints as a JSON number", "[event]") {
  ExpectTargetPrintsAsInteger({0, 1, 42, 65536, 123456789012, 99999999999999, 999999999999999});
}

// Seqs are integers: a reader that parses them as integers (jq's tonumber aside, most
// strict JSON-to-uint64 decoders) must not meet exponent notation.
TEST_CASE("A retraction's target of 10^15 or more is refused, so no seq ever prints as an exponent",
          "[event]") {
  EventCodec codec;
  for (const char* target : {"1000000000000000", "9007199254740992", "18446744073709551615"}) {
    auto body = codec.Parse(std::string(R"({"type":"retraction","target":)") + target +
                            R"(,"reason":"r"})");
    INFO(target);
    REQUIRE_FALSE(body.ok());
    CHECK(body.status().message().find("target") != std::string::npos);
  }
}

TEST_CASE("Numbers print as plain integers", "[event]") {
  EventCodec codec;
  auto body = codec.Parse(
      R"({"type":"leaveGranted","person":"P1","days":4294967295,"kind":"rotation","from":"2019-06-03"})");
  REQUIRE(body.ok());
  auto text = codec.ToJson(*body);
  REQUIRE(text.ok());
  INFO(*text);
  CHECK(text->find("\"days\":4294967295") != std::string::npos);
  auto year = codec.Parse(
      R"({"type":"targetAssessed","city":"130100","year":2019,"scope":"final","met":true,"date":"2021-03-31"})");
  REQUIRE(year.ok());
  auto year_text = codec.ToJson(*year);
  REQUIRE(year_text.ok());
  INFO(*year_text);
  CHECK(year_text->find("\"year\":2019") != std::string::npos);
  CHECK(year_text->find("\"met\":true") != std::string::npos);
}

// The canonical bytes of the groupFormed example, built by hand in a builder that is
// not canonicalized: the union member's struct first, then `id` (canonical order is
// pointer order: `id`'s text before the member's struct).
kj::Array<capnp::word> NonCanonicalEvent(bool canonicalize) {
  capnp::MallocMessageBuilder message;
  auto event = message.initRoot<schema::Event>();
  auto g = event.initGroupFormed();
  g.setGroup("G1");
  g.setCity("130100");
  g.setKind(schema::GroupKind::ORDINARY);
  g.setLeadUnit("U1");
  g.setDate("2019-05-10");
  event.setId("id-1");
  if (canonicalize) return capnp::canonicalize(event.asReader());
  auto segments = message.getSegmentsForOutput();
  REQUIRE(segments.size() == 1);
  return kj::heapArray<capnp::word>(segments[0]);
}

ByteSpan SpanOf(const kj::Array<capnp::word>& words) {
  auto b = words.asBytes();
  return ByteSpan(b.begin(), b.size());
}

TEST_CASE("FromCanonical accepts the codec's bytes and refuses every non-canonical encoding",
          "[event]") {
  EventCodec codec;
  auto body = codec.Parse(
      R"({"type":"groupFormed","id":"id-1","group":"G1","city":"130100","kind":"ordinary","leadUnit":"U1","date":"2019-05-10"})");
  REQUIRE(body.ok());
  auto view = EventView::FromCanonical(*body);
  REQUIRE(view.ok());
  CHECK(Bytes(view->bytes().begin(), view->bytes().end()) == *body);

  SECTION("the same event canonicalized by hand is the codec's bytes") {
    auto words = NonCanonicalEvent(true);
    auto span = SpanOf(words);
    CHECK(Bytes(span.begin(), span.end()) == *body);
    CHECK(EventView::FromCanonical(span).ok());
  }
  SECTION("a builder's layout that is not canonical is refused") {
    auto words = NonCanonicalEvent(false);
    auto span = SpanOf(words);
    REQUIRE(Bytes(span.begin(), span.end()) != *body);
    // It is a readable message with the same content...
    kj::ArrayPtr<const capnp::word> segs[1] = {words.asPtr()};
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segs, 1));
    REQUIRE(std::string(reader.getRoot<schema::Event>().getGroupFormed().getGroup()) == "G1");
    // ...but not in canonical form.
    auto r = EventView::FromCanonical(span);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalid);
    CHECK_FALSE(codec.ToJson(span).ok());
  }
  SECTION("a trailing word is refused") {
    Bytes longer = *body;
    longer.insert(longer.end(), 8, 0);
    CHECK_FALSE(EventView::FromCanonical(longer).ok());
  }
  SECTION("a stream framing (segment table) in front is refused") {
    // What capnp::messageToFlatArray writes for one segment: (count - 1) and the
    // segment's size in words, little-endian, then the segment.
    Bytes framed(8, 0);
    uint32_t words = static_cast<uint32_t>(body->size() / 8);
    for (int i = 0; i < 4; ++i) framed[4 + i] = static_cast<uint8_t>(words >> (8 * i));
    framed.insert(framed.end(), body->begin(), body->end());
    CHECK_FALSE(EventView::FromCanonical(framed).ok());
  }
  SECTION("truncated, empty and unaligned bytes are refused") {
    CHECK_FALSE(EventView::FromCanonical(ByteSpan()).ok());
    CHECK_FALSE(EventView::FromCanonical(ByteSpan(body->data(), 7)).ok());
    CHECK_FALSE(EventView::FromCanonical(ByteSpan(body->data(), body->size() - 8)).ok());
    CHECK_FALSE(EventView::FromCanonical(ByteSpan(body->data(), body->size() - 1)).ok());
  }
}

TEST_CASE("A canonical body of the `invalid` type is refused", "[event]") {
  for (bool with_id : {false, true}) {
    capnp::MallocMessageBuilder message;
    auto event = message.initRoot<schema::Event>();
    if (with_id) event.setId("x");
    event.setInvalid();
    auto words = capnp::canonicalize(event.asReader());
    auto span = SpanOf(words);
    INFO("with id: " << with_id);
    auto r = EventView::FromCanonical(span);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalid);
    EventCodec codec;
    CHECK_FALSE(codec.ToJson(span).ok());
  }
}

TEST_CASE("Envelope JSON round-trips and refuses an event that does not match its body",
          "[event]") {
  EventCodec codec;
  auto key = KeyFor("envelope-signer");
  auto body = codec.Parse(
      R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"})");
  REQUIRE(body.ok());
  Envelope env = SignEnvelope(*body, test::kTestOrigin, key);
  CHECK(VerifyEnvelope(env, test::kTestOrigin, key.Public()));
  std::string line = EnvelopeToJson(env, codec);
  auto back = EnvelopeFromJson(line, codec);
  INFO(line);
  REQUIRE(back.ok());
  CHECK(back->body == env.body);
  CHECK(back->key_id == env.key_id);
  CHECK(back->signature == env.signature);

  // The same envelope whose human-readable `event` says something else.
  std::string lie = line;
  auto at = lie.find("\"unit\":\"U1\"");
  REQUIRE(at != std::string::npos);
  lie.replace(at, 11, "\"unit\":\"U9\"");
  auto refused = EnvelopeFromJson(lie, codec);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("event") != std::string::npos);

  // An unsigned event is not an envelope.
  auto unsigned_event = EnvelopeFromJson(
      R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"})", codec);
  CHECK_FALSE(unsigned_event.ok());
}

}  // namespace
}  // namespace probity

namespace probity {
namespace {
TEST_CASE(
    "Text must be clean UTF-8: invalid bytes and control characters are refused, CJK and newlines "
    "kept",
    "[event]") {
  EventCodec codec;
  auto unit = [&](const std::string& name) {
    return codec.Parse(R"({"type":"unitRegistered","unit":"U1","name":")" + name +
                       R"(","kind":"ministryDepartment"})");
  };
  CHECK(unit("大气环境司").ok());
  CHECK(unit("line one\\nline two").ok());
  for (const std::string& bad :
       {std::string("a\xff"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("bell\\u0007"), std::string("nul\\u0000x"), std::string("\xe5\xa4")}) {
    auto r = unit(bad);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("'name'") != std::string::npos);
  }
}
}  // namespace
}  // namespace probity

namespace probity {
namespace {
TEST_CASE("JsonQuote escapes quotes, backslashes and every control character, and round-trips",
          "[event]") {
  CHECK(JsonQuote("a\"b\\c") == R"("a\"b\\c")");
  CHECK(JsonQuote(std::string("x\x01y\n", 4)) == R"("x\u0001y\n")");
  CHECK(JsonQuote("大气") == "\"大气\"");
  EventCodec codec;
  auto body = codec.Parse(R"({"type":"unitRegistered","unit":"U1","name":)" +
                          JsonQuote("名\"称\\ \t") + R"(,"kind":"ministryDepartment"})");
  REQUIRE(body.ok());
  auto view = EventView::FromCanonical(*body);
  REQUIRE(view.ok());
  CHECK(std::string(view->reader().getUnitRegistered().getName()) == "名\"称\\ \t");
}
}  // namespace
}  // namespace probity

// ---- format v2: ids and sealed fields (EventCodec::Prepare) ----------------------------------

namespace probity {
namespace {

TEST_CASE("An event id is 1 to 64 of A-Z a-z 0-9 . _ : - (format v2)", "[event]") {
  EventCodec codec;
  auto with_id = [](const std::string& id) {
    return R"({"type":"unitRegistered","id":)" + JsonQuote(id) +
           R"(,"unit":"U1","name":"N","kind":"ministryDepartment"})";
  };
  for (const std::string& good :
       std::vector<std::string>{"a", "ev-0123abcd", "hr:2019.42_x", std::string(64, 'z')}) {
    INFO(good);
    CHECK(IsValidEventId(good));
    CHECK(codec.Parse(with_id(good)).ok());
  }
  for (const std::string& bad :
       std::vector<std::string>{"batch-7/1", "has space", std::string(65, 'z'), "名", "a+b"}) {
    CHECK_FALSE(IsValidEventId(bad));
    ExpectRefused(codec, with_id(bad), "'id'");
  }
}

TEST_CASE("Prepare adds a fresh id when there is none and keeps the one given", "[event]") {
  EventCodec codec;
  const std::string json =
      R"({"type":"unitRegistered","unit":"U1","name":"N","kind":"ministryDepartment"})";
  auto random = SeededRandom("event-test");
  auto a = codec.Prepare(json, random);
  auto b = codec.Prepare(json, random);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->sealed.empty());
  auto va = EventView::FromCanonical(a->body);
  auto vb = EventView::FromCanonical(b->body);
  REQUIRE(va.ok());
  REQUIRE(vb.ok());
  std::string ida = va->reader().getId(), idb = vb->reader().getId();
  CHECK(ida.size() == 3 + 32);
  CHECK(ida.rfind("ev-", 0) == 0);
  CHECK(IsValidEventId(ida));
  CHECK(ida != idb);  // a fresh id each time
  // The rest of the body is Parse's, id aside.
  auto parsed = codec.Parse(R"({"type":"unitRegistered","id":")" + ida +
                            R"(","unit":"U1","name":"N","kind":"ministryDepartment"})");
  REQUIRE(parsed.ok());
  CHECK(*parsed == a->body);
  // An id given is kept.
  auto given = codec.Prepare(
      R"({"type":"unitRegistered","id":"mine","unit":"U1","name":"N","kind":"ministryDepartment"})",
      random);
  REQUIRE(given.ok());
  CHECK(std::string(EventView::FromCanonical(given->body)->reader().getId()) == "mine");
}

TEST_CASE(
    "Prepare seals a restriction's reason: the body holds SHA-256(salt || value), the value "
    "travels beside",
    "[event]") {
  EventCodec codec;
  auto random = SeededRandom("event-test-sealed");
  for (std::string reason : {"pregnancy", "breastfeeding", "health"}) {
    INFO(reason);
    auto p = codec.Prepare(R"({"type":"restrictionRecorded","id":"r1","person":"P1","reason":")" +
                               reason + R"(","from":"2019-06-01"})",
                           random);
    INFO((p.ok() ? std::string("ok") : p.status().message()));
    REQUIRE(p.ok());
    REQUIRE(p->sealed.size() == 1);
    const SealedValue& v = p->sealed[0];
    CHECK(v.field == "reason");
    CHECK(v.value == reason);
    // The clear value is nowhere in the signed bytes, nor in their JSON.
    std::string body_text(AsChars(p->body));
    CHECK(body_text.find(reason) == std::string::npos);
    auto json = codec.ToJson(p->body);
    REQUIRE(json.ok());
    CHECK(json->find(reason) == std::string::npos);
    auto view = EventView::FromCanonical(p->body);
    REQUIRE(view.ok());
    auto fields = SealedFieldsOf(view->reader());
    REQUIRE(fields.size() == 1);
    CHECK(fields[0].name == "reason");
    CHECK(fields[0].value_type == "RestrictionReason");
    CHECK(fields[0].commitment == SealCommitment(v.salt, reason));
    CHECK(json->find(HexEncode(fields[0].commitment)) != std::string::npos);
    CHECK(CheckSealedValue(fields[0], v).ok());
    // Another value, or another salt, does not match the commitment.
    SealedValue other = v;
    other.value = reason == "health" ? "pregnancy" : "health";
    CHECK(CheckSealedValue(fields[0], other).code() == Code::kRefused);
    other = v;
    other.salt[0] ^= 1;
    CHECK(CheckSealedValue(fields[0], other).code() == Code::kRefused);
    // How people see it: withheld, the value when asked for with it, "erased" without it.
    auto withheld = codec.ToDisplayJson(view->reader(), false, p->sealed);
    CHECK(withheld.find(reason) == std::string::npos);
    CHECK(withheld.find("withheld") != std::string::npos);
    CHECK(codec.ToDisplayJson(view->reader(), true, p->sealed)
              .find("\"reason\":\"" + reason + "\"") != std::string::npos);
    CHECK(codec.ToDisplayJson(view->reader(), true, {}).find("\"reason\":\"erased\"") !=
          std::string::npos);
  }
  // Two preparations of the same event differ in salt, so in commitment.
  const std::string json =
      R"({"type":"restrictionRecorded","id":"r2","person":"P1","reason":"health","from":"2019-06-01"})";
  auto a = codec.Prepare(json, random);
  auto b = codec.Prepare(json, random);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->sealed[0].salt != b->sealed[0].salt);
  CHECK(a->body != b->body);
  // A value that is not a reason, or not a string, is refused naming the field.
  for (std::string bad : {R"("sick")", "2", R"({"commitment":"00"})"}) {
    auto r = codec.Prepare(R"({"type":"restrictionRecorded","person":"P1","reason":)" + bad +
                               R"(,"from":"2019-06-01"})",
                           random);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("reason") != std::string::npos);
  }
  // Parse, for already-sealed bodies, refuses the clear value and a commitment of the wrong size.
  ExpectRefused(
      codec,
      R"({"type":"restrictionRecorded","person":"P1","reason":"health","from":"2019-06-01"})",
      "reason");
  ExpectRefused(
      codec,
      R"({"type":"restrictionRecorded","person":"P1","reason":{"commitment":"abcd"},"from":"2019-06-01"})",
      "commitment");
}

TEST_CASE("Envelope JSON carries the sealed values beside the body and reads them back",
          "[event]") {
  EventCodec codec;
  auto key = KeyFor("envelope-signer");
  Envelope env = test::SignJson(
      codec,
      R"({"type":"restrictionRecorded","person":"P1","reason":"health","from":"2019-06-01"})", key);
  REQUIRE(env.sealed.size() == 1);
  std::string line = EnvelopeToJson(env, codec);
  INFO(line);
  CHECK(line.find("\"sealed\":[") != std::string::npos);
  auto back = EnvelopeFromJson(line, codec);
  REQUIRE(back.ok());
  CHECK(back->body == env.body);
  CHECK(back->sealed == env.sealed);
  CHECK(VerifyEnvelope(*back, test::kTestOrigin, key.Public()));
  // The sealed values are not signed: dropping them leaves a valid signature (Submit then
  // refuses the envelope for lacking them).
  Envelope bare = *back;
  bare.sealed.clear();
  CHECK(VerifyEnvelope(bare, test::kTestOrigin, key.Public()));
  CHECK(EnvelopeToJson(bare, codec).find("sealed") == std::string::npos);
  // Malformed sealed values are refused.
  auto salt_at = line.find("\"salt\":\"") + 8;
  std::string short_salt = line;
  short_salt.erase(salt_at, 2);
  CHECK_FALSE(EnvelopeFromJson(short_salt, codec).ok());
}

// CheckBody reads a body by the schema; CheckBodyByJson is the definition it must agree
// with (the body is what its own JSON form parses to). Mutants of every event type's
// body that are still canonical Cap'n Proto are checked by both, and both must decide
// alike (fuzz/body_fuzz.cc does the same, unguided by a seed).
TEST_CASE("CheckBody accepts exactly the bodies the JSON round trip accepts (property, 25 types)",
          "[event][hostile]") {
  EventCodec codec;
  std::mt19937_64 random(20261130);
  size_t canonical = 0, accepted = 0, refused = 0;
  for (const auto& [type, json] : ValidExamples()) {
    std::string with_id = json;
    with_id.insert(1, R"("id":"ev-property",)");
    for (const std::string& source : {json, with_id}) {
      auto body = codec.Parse(source);
      REQUIRE(body.ok());
      auto view = EventView::FromCanonical(*body);
      REQUIRE(view.ok());
      REQUIRE(codec.CheckBody(*view).ok());
      for (int round = 0; round < 1500; ++round) {
        Bytes mutant = *body;
        int edits = 1 + static_cast<int>(random() % 3);
        for (int e = 0; e < edits; ++e) {
          size_t at = random() % mutant.size();
          switch (random() % 3) {
            case 0:  // one bit
              mutant[at] ^= static_cast<uint8_t>(1u << (random() % 8));
              break;
            case 1:  // one byte, small values are where enums and discriminants live
              mutant[at] = static_cast<uint8_t>(random() % 8);
              break;
            default:  // one byte, anything
              mutant[at] = static_cast<uint8_t>(random());
          }
        }
        auto mv = EventView::FromCanonical(mutant);
        if (!mv.ok()) continue;
        ++canonical;
        Status fast = codec.CheckBody(*mv);
        Status reference = codec.CheckBodyByJson(*mv);
        INFO(type << " mutant " << HexEncode(mutant) << "\n  CheckBody: " << fast.message()
                  << "\n  by JSON: " << reference.message());
        REQUIRE(fast.ok() == reference.ok());
        (fast.ok() ? accepted : refused) += 1;
      }
    }
  }
  INFO("canonical mutants " << canonical << ", accepted " << accepted << ", refused " << refused);
  // Not vacuous: many mutants stay canonical, and both outcomes occur often.
  CHECK(accepted > 1000);
  CHECK(refused > 1000);
}

// Mutants a byte flip rarely makes, built field by field: each is refused by both, with
// CheckBody's message naming the field.
TEST_CASE("CheckBody refuses, naming the field, what the JSON form would refuse",
          "[event][hostile]") {
  EventCodec codec;
  struct Case {
    const char* what;
    std::string json;                                           // a valid event...
    std::function<void(capnp::DynamicStruct::Builder)> mutate;  // ...changed so
    const char* needle;
  };
  auto member = [](capnp::DynamicStruct::Builder root) {
    return root.get(KJ_ASSERT_NONNULL(root.which())).as<capnp::DynamicStruct>();
  };
  std::vector<Case> cases = {
      {"an enum value the schema does not know", Assignment(),
       [&](auto root) {
         auto m = member(root);
         m.set("position",
               capnp::DynamicEnum(m.getSchema().getFieldByName("position").getType().asEnum(), 77));
       },
       "'position'"},
      {"a control character in an id-like text", Assignment(),
       [&](auto root) { member(root).set("person", "P\x01"); }, "'person'"},
      {"an impossible date", Assignment(),
       [&](auto root) { member(root).set("from", "2019-02-30"); }, "'from'"},
      {"an empty required text", Assignment(), [&](auto root) { member(root).set("group", ""); },
       "'group' is empty"},
      {"a required text missing", Assignment(), [&](auto root) { member(root).clear("group"); },
       "missing required field 'group'"},
      {"a retraction target of 10^15", R"({"type":"retraction","target":42,"reason":"twice"})",
       [&](auto root) { member(root).set("target", uint64_t{1000000000000000}); }, "'target'"},
      {"a holiday that is not a date",
       R"({"type":"calendarPublished","year":2020,"holidays":["2020-01-01"],"workdays":["2020-01-19"]})",
       [&](auto root) {
         member(root).get("holidays").template as<capnp::DynamicList>().set(0, "2020-13-01");
       },
       "'holidays[0]'"},
      {"an id with a space", Assignment(), [&](auto root) { root.set("id", "ev 1"); }, "'id'"},
      {"a commitment of 31 bytes",
       R"({"type":"restrictionRecorded","person":"P1","reason":)" + kCommitment +
           R"(,"from":"2019-06-01"})",
       [&](auto root) {
         uint8_t short_hash[31] = {};
         member(root).get("reason").template as<capnp::DynamicStruct>().set(
             "commitment", capnp::Data::Reader(short_hash, sizeof(short_hash)));
       },
       "'reason.commitment'"},
  };
  for (const auto& c : cases) {
    auto body = codec.Parse(c.json);
    REQUIRE(body.ok());
    auto view = EventView::FromCanonical(*body);
    REQUIRE(view.ok());
    capnp::MallocMessageBuilder message;
    message.setRoot(view->reader());
    auto root = message.getRoot<capnp::DynamicStruct>(capnp::Schema::from<schema::Event>());
    c.mutate(root);
    auto words = capnp::canonicalize(root.asReader().as<schema::Event>());
    auto mv = EventView::FromCanonical(SpanOf(words));
    INFO(c.what);
    REQUIRE(mv.ok());
    Status fast = codec.CheckBody(*mv);
    INFO(fast.message());
    CHECK_FALSE(fast.ok());
    CHECK(fast.message().find(c.needle) != std::string::npos);
    CHECK_FALSE(codec.CheckBodyByJson(*mv).ok());
  }
}

}  // namespace
}  // namespace probity
