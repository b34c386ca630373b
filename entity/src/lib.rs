//! Sea-ORM entities of the Tongxin database (one module per table).

pub mod enums;
pub mod prelude;

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

/// A list of texts kept as one JSON array column: an activity's content items, a
/// volunteer's skills, a pairing's commitments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct TextList(pub Vec<String>);

impl From<Vec<String>> for TextList {
    fn from(items: Vec<String>) -> Self {
        TextList(items)
    }
}

/// A volunteer activity (optionally an item of a plan) with its schedule, registration window and counters.
pub mod activity;
/// An activity that fulfils a commitment of its pairing.
pub mod activity_commitment;
/// A lead department of an activity (many-to-many link), ordered by position.
pub mod activity_department;
/// A place (or online/TBD slot) where an activity takes place, ordered by position.
pub mod activity_location;
/// What a completed activity did (做好总结).
pub mod activity_photo;
pub mod activity_summary;
/// The answer to one question within a response (one row per chosen option for multiple choice).
pub mod answer;
/// An audit-log entry: who did what to which target, when.
pub mod audit_entry;
/// A day of the working-day calendar that differs from the week's rule.
pub mod calendar_day;
/// A user's calendar feed (iCalendar) and the nonce of its secret URL.
pub mod calendar_feed;
/// A volunteer paired to a care recipient.
pub mod care_assignment;
/// A care recipient (elder) of a department's care pairing; private.
pub mod care_recipient;
/// The standing activity of a department's care visits in a community and month.
pub mod care_service_activity;
/// A visit (or call) to a care recipient.
pub mod care_visit;
/// A category of activities within a plan.
pub mod category;
/// A commendation a volunteer received.
pub mod commendation;
/// An urban community or a rural village served by activities.
pub mod community;
/// A government department (unit) that leads activities and is paired with communities.
pub mod department;
/// A department's appeal of a 差评, and the office's decision.
pub mod feedback_appeal;
pub mod job;
pub mod notification;
pub mod notification_delivery;
pub mod notification_mute;
/// A pairing between a department and a community, with its commitments and target activity count.
pub mod pairing;
/// A commitment of a pairing, with a numeric target in a unit.
pub mod pairing_commitment;
/// A pairing's quarterly report as submitted.
pub mod pairing_report;
/// A party member of a department, reporting to a residential community.
pub mod party_member;
/// An annual activity plan (e.g. a yearly civilisation-practice plan) issued by some authority.
pub mod plan;
/// A question of a survey, ordered by position.
pub mod question;
/// A choice of a single/multiple-choice question, ordered by position.
pub mod question_option;
/// One change of a service record's state or hours (its history).
pub mod record_change;
/// A volunteer's request to correct a service record, and its answer.
pub mod record_correction;
/// A rectification task opened for a dissatisfied survey response, tracked until resolved.
pub mod rectification;
/// A follow-up (回访) of a resolved rectification, or the resident's own rating.
pub mod rectification_follow_up;
/// A refresh-token session of a user (stores only the hash of the current refresh token).
pub mod refresh_session;
/// A volunteer's registration (or waitlist place) for an activity.
pub mod registration;
/// A service proof (志愿服务证明) as issued: an immutable snapshot, revocable.
pub mod service_proof;
/// Service hours of a volunteer for an activity (check-in/out or recorded), subject to review.
pub mod service_record;
/// A key/value application setting (e.g. the generated JWT secret of the embedded default).
pub mod setting;
/// A satisfaction/feedback survey, optionally about an activity or a department.
pub mod survey;
/// One submitted response to a survey, through some channel (self-service or entered by staff).
pub mod survey_response;
/// Training a volunteer received (hours of study, not service).
pub mod training;
/// A login account (phone/password and/or WeChat) with its comma-separated roles and optional department.
pub mod user;
/// A user's volunteer enrolment (real name and skills); at most one per user.
pub mod volunteer;
pub mod wechat_subscription;
