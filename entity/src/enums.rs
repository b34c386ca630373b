//! Enumerations, stored as `varchar(24)` strings. The database value of every
//! variant is its SCREAMING_CASE name, which is also its serde representation.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A user's role; `users.roles` holds a comma-separated list of them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    #[sea_orm(string_value = "VOLUNTEER")]
    Volunteer,
    #[sea_orm(string_value = "RESIDENT")]
    Resident,
    #[sea_orm(string_value = "ORGANIZER")]
    Organizer,
    #[sea_orm(string_value = "VIEWER")]
    Viewer,
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

impl Role {
    /// Parses the comma-separated `users.roles` column. Whitespace around items
    /// is ignored; empty, unknown and repeated items are skipped.
    pub fn parse_list(s: &str) -> Vec<Role> {
        let mut roles = Vec::new();
        for item in s.split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            if let Ok(role) = Role::try_from_value(&item.to_owned())
                && !roles.contains(&role)
            {
                roles.push(role);
            }
        }
        roles
    }

    /// Serializes roles for the `users.roles` column, e.g. `"RESIDENT,VOLUNTEER"`.
    pub fn join(roles: &[Role]) -> String {
        roles
            .iter()
            .map(|role| role.to_value())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Lifecycle of an activity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActivityStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// State of a volunteer's registration for an activity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegistrationStatus {
    #[sea_orm(string_value = "REGISTERED")]
    Registered,
    #[sea_orm(string_value = "WAITLISTED")]
    Waitlisted,
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// Review state of a service record.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceRecordStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

/// How a service record came about: volunteer check-in/out or hours recorded by an organizer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceRecordSource {
    #[sea_orm(string_value = "CHECK_IN")]
    CheckIn,
    #[sea_orm(string_value = "RECORDED")]
    Recorded,
}

/// Urban community or rural village.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommunityKind {
    #[sea_orm(string_value = "COMMUNITY")]
    Community,
    #[sea_orm(string_value = "VILLAGE")]
    Village,
}

/// What a pairing's commitment counts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommitmentUnit {
    /// Linked activities that count towards the pairing.
    #[sea_orm(string_value = "ACTIVITIES")]
    Activities,
    /// Approved service hours of those activities.
    #[sea_orm(string_value = "HOURS")]
    Hours,
    /// Care visits (any mode) to the department's recipients in the pairing's community,
    /// made within the pairing's period.
    #[sea_orm(string_value = "VISITS")]
    Visits,
}

/// A care recipient's risk tier, which sets how often they are visited.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RiskTier {
    #[sea_orm(string_value = "HIGH")]
    High,
    #[sea_orm(string_value = "KEY")]
    Key,
    #[sea_orm(string_value = "GENERAL")]
    General,
}

/// How a care visit was made.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VisitMode {
    #[sea_orm(string_value = "VISIT")]
    Visit,
    #[sea_orm(string_value = "PHONE")]
    Phone,
    #[sea_orm(string_value = "VIDEO")]
    Video,
}

/// Kind of department-community pairing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PairingKind {
    #[sea_orm(string_value = "CO_BUILDING")]
    CoBuilding,
    #[sea_orm(string_value = "ASSISTANCE")]
    Assistance,
}

/// Five-level satisfaction scale.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SatisfactionLevel {
    #[sea_orm(string_value = "VERY_SATISFIED")]
    VerySatisfied,
    #[sea_orm(string_value = "SATISFIED")]
    Satisfied,
    #[sea_orm(string_value = "BASICALLY_SATISFIED")]
    BasicallySatisfied,
    #[sea_orm(string_value = "DISSATISFIED")]
    Dissatisfied,
    #[sea_orm(string_value = "VERY_DISSATISFIED")]
    VeryDissatisfied,
}

/// Kind of survey question.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QuestionKind {
    #[sea_orm(string_value = "SATISFACTION")]
    Satisfaction,
    #[sea_orm(string_value = "SINGLE_CHOICE")]
    SingleChoice,
    #[sea_orm(string_value = "MULTIPLE_CHOICE")]
    MultipleChoice,
    #[sea_orm(string_value = "RATING")]
    Rating,
    #[sea_orm(string_value = "TEXT")]
    Text,
}

/// Lifecycle of a survey.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SurveyStatus {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// Channel through which a survey response was submitted.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FeedbackChannel {
    #[sea_orm(string_value = "MINI_PROGRAM")]
    MiniProgram,
    #[sea_orm(string_value = "MOBILE_APP")]
    MobileApp,
    #[sea_orm(string_value = "WEB")]
    Web,
    #[sea_orm(string_value = "HOTLINE")]
    Hotline,
    #[sea_orm(string_value = "OFFLINE")]
    Offline,
}

/// Lifecycle of a rectification.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RectificationStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// Verified as not substantiated (核实不属实): ended with the reason.
    #[sea_orm(string_value = "NOT_SUBSTANTIATED")]
    NotSubstantiated,
    /// Its 差评 was appealed and the appeal upheld: it no longer counts.
    #[sea_orm(string_value = "VOIDED")]
    Voided,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_list_round_trip() {
        let roles = Role::parse_list(" RESIDENT, VOLUNTEER,,BOGUS,RESIDENT");
        assert_eq!(roles, vec![Role::Resident, Role::Volunteer]);
        assert_eq!(Role::join(&roles), "RESIDENT,VOLUNTEER");
        assert_eq!(Role::join(&[]), "");
        assert!(Role::parse_list("").is_empty());
    }

    #[test]
    fn db_and_serde_values_agree() {
        fn check<E: ActiveEnum<Value = String> + sea_orm::Iterable + Serialize>() {
            use sea_orm::sea_query::value::prelude::serde_json;
            for v in E::iter() {
                let json = serde_json::to_value(&v).unwrap();
                assert_eq!(json.as_str(), Some(v.to_value().as_str()));
            }
        }
        check::<Role>();
        check::<ActivityStatus>();
        check::<RegistrationStatus>();
        check::<ServiceRecordStatus>();
        check::<ServiceRecordSource>();
        check::<CommunityKind>();
        check::<PairingKind>();
        check::<SatisfactionLevel>();
        check::<QuestionKind>();
        check::<SurveyStatus>();
        check::<FeedbackChannel>();
        check::<RectificationStatus>();
    }
}

/// How a listed day of the working-day calendar differs from the week's rule.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DayKind {
    /// A day off, even on a weekday (法定节假日, or a day of its 调休).
    #[sea_orm(string_value = "OFF")]
    Off,
    /// A working day, even on a weekend (调休上班).
    #[sea_orm(string_value = "WORK")]
    Work,
}

/// A correction request's state: one OPEN per record at most.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CorrectionStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    #[sea_orm(string_value = "REFUSED")]
    Refused,
}

/// What changed a service record.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RecordChangeKind {
    /// Recorded, checked in or out.
    #[sea_orm(string_value = "RECORD")]
    Record,
    /// Approved or rejected by the organizer.
    #[sea_orm(string_value = "REVIEW")]
    Review,
    /// A volunteer's correction, accepted.
    #[sea_orm(string_value = "CORRECTION")]
    Correction,
}

/// How a follow-up (回访) reached the resident.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FollowUpChannel {
    #[sea_orm(string_value = "PHONE")]
    Phone,
    #[sea_orm(string_value = "VISIT")]
    Visit,
    #[sea_orm(string_value = "MINI_PROGRAM")]
    MiniProgram,
}

/// The resident's verdict on a rectification's result.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FollowUpRating {
    #[sea_orm(string_value = "SATISFIED")]
    Satisfied,
    #[sea_orm(string_value = "BASICALLY_SATISFIED")]
    BasicallySatisfied,
    #[sea_orm(string_value = "DISSATISFIED")]
    Dissatisfied,
}

/// Why a department contests a 差评.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AppealReason {
    #[sea_orm(string_value = "MISTAKEN")]
    Mistaken,
    #[sea_orm(string_value = "MALICIOUS")]
    Malicious,
    #[sea_orm(string_value = "OUT_OF_SCOPE")]
    OutOfScope,
}

/// An appeal's state.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AppealStatus {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "UPHELD")]
    Upheld,
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
}

/// What a notification tells.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    /// A place came free and the volunteer moved up from the waitlist.
    #[sea_orm(string_value = "WAITLIST_PROMOTED")]
    WaitlistPromoted,
    /// The activity the volunteer registered for was cancelled.
    #[sea_orm(string_value = "ACTIVITY_CANCELLED")]
    ActivityCancelled,
    /// The time or place of the activity changed.
    #[sea_orm(string_value = "ACTIVITY_CHANGED")]
    ActivityChanged,
    /// The activity starts within 24 hours.
    #[sea_orm(string_value = "ACTIVITY_REMINDER")]
    ActivityReminder,
    #[sea_orm(string_value = "HOURS_APPROVED")]
    HoursApproved,
    #[sea_orm(string_value = "HOURS_REJECTED")]
    HoursRejected,
    #[sea_orm(string_value = "HOURS_CORRECTED")]
    HoursCorrected,
    /// A dissatisfied answer opened a rectification for the organizer's department.
    #[sea_orm(string_value = "RECTIFICATION_ASSIGNED")]
    RectificationAssigned,
    /// An open rectification is due within one working day.
    #[sea_orm(string_value = "RECTIFICATION_DUE_SOON")]
    RectificationDueSoon,
    #[sea_orm(string_value = "RECTIFICATION_OVERDUE")]
    RectificationOverdue,
    /// A service proof (志愿服务证明) was issued to the volunteer.
    #[sea_orm(string_value = "PROOF_ISSUED")]
    ProofIssued,
}

/// What a scheduled job does.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobKind {
    /// Remind the registered volunteers of an activity 24 hours before it starts.
    #[sea_orm(string_value = "ACTIVITY_REMINDER")]
    ActivityReminder,
    /// Tell the department that a rectification is due within a working day.
    #[sea_orm(string_value = "RECTIFICATION_DUE_SOON")]
    RectificationDueSoon,
    /// Tell the department that a rectification is overdue.
    #[sea_orm(string_value = "RECTIFICATION_OVERDUE")]
    RectificationOverdue,
}

/// Where a scheduled job is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobState {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "RUNNING")]
    Running,
    #[sea_orm(string_value = "DONE")]
    Done,
    /// Failed too often; kept for an operator (dead letter).
    #[sea_orm(string_value = "FAILED")]
    Failed,
}

/// Where a WeChat delivery of a notification is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryState {
    #[sea_orm(string_value = "PENDING")]
    Pending,
    #[sea_orm(string_value = "SENDING")]
    Sending,
    #[sea_orm(string_value = "SENT")]
    Sent,
    /// Refused by WeChat (no subscription, a bad openid) or failed too often: not retried.
    #[sea_orm(string_value = "DEAD")]
    Dead,
}
