// What the program's users read: a person's record replayed from the log, rosters,
// year-end eligibility (R13, R14), leave balances (R5) and open explanations (R9).
// Each is computed from one read-only view of the store and names the checkpoint
// (tree size and root) it was computed at. Functions over a const Ledger; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "projections/records.h"

namespace probity {

// The tree a report was computed on, so a reader can later prove it untampered.
struct ReportBasis {
  uint64_t tree_size = 0;
  Hash root{};
};
Result<ReportBasis> BasisAt(const LedgerView& ledger, uint64_t tree_size);

// ---- record (reviewers) ----
struct RecordLine {
  uint64_t seq = 0;
  std::string date;  // business date (CST)
  std::string type;
  std::string signer;  // key id prefix and holder
  std::string event_json;
  std::string summary;
  std::optional<uint64_t> withdrawn_by;  // retraction seq, if withdrawn
  std::string withdrawn_reason;
};
struct PersonRecordReport {
  std::string person, name, unit;
  std::string category;
  std::vector<RecordLine> lines;
  ReportBasis basis;
  // R1 reduced to yes or no (a dispatcher's view); unset elsewhere.
  std::optional<bool> restricted;
};
struct AsOf {
  std::optional<std::string> date;  // business date, YYYY-MM-DD
  std::optional<uint64_t> seq;      // ledger as it stood after this seq
};
Result<PersonRecordReport> ReplayRecord(const LedgerView& ledger, const std::string& person,
                                        const AsOf& as_of, bool include_sensitive);
// Whether a restriction (R1) of `person` is in force on the as-of date (or `today`), as
// the ledger stood after the as-of seq (or now): restrictions and lifts recorded, and
// not withdrawn, by then.
Result<bool> RestrictedAsOf(const LedgerView& ledger, const std::string& person, const AsOf& as_of,
                            Day today);

// ---- roster ----
struct RosterMember {
  std::string person, name, unit;
  schema::Position position = schema::Position::MEMBER;
  std::string from, to;
  // R1: a restriction recorded while this assignment runs or is planned is in force
  // during it, and it has not been ended: the person is to be recalled. Never says why.
  bool recall_due = false;
};
struct RosterGroup {
  std::string group, kind, lead_unit, lead_unit_name, task;
  std::optional<RosterMember> leader;
  std::vector<RosterMember> members;
};
struct RosterCity {
  std::string city, name, region, secretary, secretary_name;
  std::vector<RosterGroup> groups;
};
struct RosterReport {
  std::string date;
  std::vector<RosterCity> cities;
  ReportBasis basis;
};
Result<RosterReport> Roster(const LedgerView& ledger, const std::string& date,
                            const std::optional<std::string>& city);

// ---- eligibility (HR) ----
struct EligibilityLine {
  std::string id, name, unit;                     // unit empty for units
  std::optional<schema::StaffCategory> category;  // persons only
  std::vector<std::string> outcomes;
  bool review_required = false;
  std::string reasons;
  std::vector<uint64_t> events;
};
struct EligibilityReport {
  int year = 0;
  bool units = false;
  std::vector<EligibilityLine> lines;
  ReportBasis basis;
};
Result<EligibilityReport> Eligibility(const LedgerView& ledger, int year, bool units);

// ---- leave ----
struct LeaveReport {
  std::string person;
  uint32_t accrued = 0, granted = 0, left = 0, rotation_granted = 0;
  ReportBasis basis;
};
Result<LeaveReport> LeaveBalance(const LedgerView& ledger, const std::string& person);

// ---- explanations ----
struct OpenExplanation {
  std::string city, name, scope, guarantor, assessed_on;
  int year = 0;
  uint64_t seq = 0;
};
struct ExplanationsReport {
  std::vector<OpenExplanation> open;
  ReportBasis basis;
};
Result<ExplanationsReport> OpenExplanations(const LedgerView& ledger, std::optional<int> year);

// ---- unevaluated (R10) ----
// A person who served on site in the year with service no evaluation covers: an
// assignment (live) with a day in the year is covered by a live evaluation of that
// person dated on or after its last day on site.
struct UnevaluatedPerson {
  std::string person, name, unit;
  std::vector<std::string> assignments;  // the uncovered ones, in the order made
};
struct UnevaluatedReport {
  int year = 0;
  std::vector<UnevaluatedPerson> persons;  // by person id
  ReportBasis basis;
};
Result<UnevaluatedReport> Unevaluated(const LedgerView& ledger, int year);

// ---- directory: find and list persons, units and keys (lookups: no basis) ----
struct PersonRow {
  std::string person, name, unit, category;
};
struct PersonsReport {
  std::vector<PersonRow> persons;  // by id
  bool more = false;               // `limit` was reached and more match
};
// Who a reader may see: all, one unit's persons, or one person (a server's grant).
struct PersonScope {
  std::string only_unit, only_person;
};
// Registered persons (not withdrawn) whose id or name contains `text` (ASCII letters
// case folded; Chinese as written; empty: everyone), within `scope`, at most `limit`
// (0: no limit).
Result<PersonsReport> FindPersons(const LedgerView& ledger, const std::string& text, size_t limit,
                                  const PersonScope& scope = {});
// The person registered under `id` (withdrawn or not), or nullopt.
Result<std::optional<PersonRow>> PersonById(const LedgerView& ledger, const std::string& id);
// The persons whose name is exactly `name`, by id.
Result<std::vector<PersonRow>> PersonsNamed(const LedgerView& ledger, const std::string& name);

struct UnitRow {
  std::string unit, name, kind, province;
};
struct UnitsReport {
  std::vector<UnitRow> units;  // by id
};
// Registered units whose id or name contains `text` (as FindPersons; empty: all).
Result<UnitsReport> FindUnits(const LedgerView& ledger, const std::string& text);

struct KeyRow {
  Hash key_id{};
  KeyInfo info;
};
struct KeysReport {
  std::vector<KeyRow> keys;  // by registration seq
};
// Every key ever registered, revoked ones included, with role, scope and seqs.
Result<KeysReport> ListKeys(const LedgerView& ledger);

// The retraction that withdrew `seq` (R15): its seq and reason, or nullopt.
struct Withdrawal {
  uint64_t by = 0;
  std::string reason;
};
Result<std::optional<Withdrawal>> WithdrawalOf(const LedgerView& ledger, uint64_t seq);

// The business date of an event: its date field (date, from), or else the CST day it
// was recorded on.
std::string BusinessDate(schema::Event::Reader event, int64_t recorded_at_us);

}  // namespace probity
