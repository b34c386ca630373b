//! Audit entries: who did what, when. Every organizer and admin mutation leaves one, in
//! its own transaction. `types` shows them to admins.

pub mod types;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use entity::audit_entry;

use crate::auth::Viewer;
use crate::domain::page::{self, KeyKind, Order, Page, PageRequest};
use crate::error::AppResult;

/// What was done. Stored as its [`AuditAction::as_str`] (e.g. `activity.publish`), on a
/// target of type [`AuditAction::target_type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    ActivityCreate,
    ActivityUpdate,
    ActivityPublish,
    ActivityComplete,
    ActivitySummarySubmit,
    ActivityPhotoUpload,
    ActivityPhotoDelete,
    ActivityCancel,
    CommunityCreate,
    PairingCreate,
    PairingEnd,
    PairingCommitmentsSet,
    ActivityCommitmentsSet,
    CareRecipientRegister,
    CareAssign,
    CareUnassign,
    CareVisitLog,
    CareEventReport,
    CareRuleSet,
    PairingReportSubmit,
    PartyMemberMark,
    PartyMemberReport,
    PartyMinimumSet,
    PlanImport,
    RectificationUpdate,
    ServiceRecordRecord,
    ServiceRecordReview,
    SurveyCreate,
    SurveyOpen,
    SurveyClose,
    SurveyResponseEnter,
    CalendarUpdate,
    StarPolicyUpdate,
    RecordCorrectionResolve,
    TrainingRecord,
    CommendationRecord,
    RectificationVerify,
    RectificationReopen,
    RectificationFollowUp,
    AppealFile,
    AppealDecide,
    UserPasswordChange,
    UserPasswordReset,
    UserRoleGrant,
    UserRoleRevoke,
    SessionRevoke,
    UserPhoneBind,
    ServiceProofRevoke,
}

impl AuditAction {
    pub const fn as_str(self) -> &'static str {
        match self {
            AuditAction::ActivityCreate => "activity.create",
            AuditAction::ActivityUpdate => "activity.update",
            AuditAction::ActivityPublish => "activity.publish",
            AuditAction::ActivityComplete => "activity.complete",
            AuditAction::ActivitySummarySubmit => "activity.summarize",
            AuditAction::ActivityPhotoUpload => "activity.photo.upload",
            AuditAction::ActivityPhotoDelete => "activity.photo.delete",
            AuditAction::ActivityCancel => "activity.cancel",
            AuditAction::CommunityCreate => "community.create",
            AuditAction::PairingCreate => "pairing.create",
            AuditAction::PairingEnd => "pairing.end",
            AuditAction::PairingCommitmentsSet => "pairing.setCommitments",
            AuditAction::ActivityCommitmentsSet => "activity.setCommitments",
            AuditAction::CareRecipientRegister => "care.register",
            AuditAction::CareAssign => "care.assign",
            AuditAction::CareUnassign => "care.unassign",
            AuditAction::CareVisitLog => "care.logVisit",
            AuditAction::CareEventReport => "care.reportEvent",
            AuditAction::CareRuleSet => "care.setVisitRule",
            AuditAction::PairingReportSubmit => "pairing.submitReport",
            AuditAction::PartyMemberMark => "partyMember.mark",
            AuditAction::PartyMemberReport => "partyMember.report",
            AuditAction::PartyMinimumSet => "partyMember.setMinimum",
            AuditAction::PlanImport => "plan.import",
            AuditAction::RectificationUpdate => "rectification.update",
            AuditAction::ServiceRecordRecord => "serviceRecord.record",
            AuditAction::ServiceRecordReview => "serviceRecord.review",
            AuditAction::SurveyCreate => "survey.create",
            AuditAction::SurveyOpen => "survey.open",
            AuditAction::SurveyClose => "survey.close",
            AuditAction::SurveyResponseEnter => "surveyResponse.enter",
            AuditAction::CalendarUpdate => "calendar.update",
            AuditAction::StarPolicyUpdate => "starPolicy.update",
            AuditAction::RecordCorrectionResolve => "recordCorrection.resolve",
            AuditAction::TrainingRecord => "training.record",
            AuditAction::CommendationRecord => "commendation.record",
            AuditAction::RectificationVerify => "rectification.verify",
            AuditAction::RectificationReopen => "rectification.reopen",
            AuditAction::RectificationFollowUp => "rectification.followUp",
            AuditAction::AppealFile => "appeal.file",
            AuditAction::AppealDecide => "appeal.decide",
            AuditAction::UserPasswordChange => "user.changePassword",
            AuditAction::UserPasswordReset => "user.resetPassword",
            AuditAction::UserRoleGrant => "user.grantRole",
            AuditAction::UserRoleRevoke => "user.revokeRole",
            AuditAction::SessionRevoke => "session.revoke",
            AuditAction::UserPhoneBind => "user.bindPhone",
            AuditAction::ServiceProofRevoke => "serviceProof.revoke",
        }
    }

    /// The GraphQL type of the target.
    pub const fn target_type(self) -> &'static str {
        match self {
            AuditAction::ActivityCreate
            | AuditAction::ActivityUpdate
            | AuditAction::ActivityPublish
            | AuditAction::ActivityComplete
            | AuditAction::ActivitySummarySubmit
            | AuditAction::ActivityCommitmentsSet
            | AuditAction::ActivityCancel => "Activity",
            AuditAction::ActivityPhotoUpload | AuditAction::ActivityPhotoDelete => "ActivityPhoto",
            AuditAction::CommunityCreate => "Community",
            AuditAction::PairingCreate
            | AuditAction::PairingEnd
            | AuditAction::PairingCommitmentsSet => "Pairing",
            AuditAction::CareRecipientRegister
            | AuditAction::CareAssign
            | AuditAction::CareUnassign
            | AuditAction::CareEventReport => "CareRecipient",
            AuditAction::CareVisitLog => "CareVisit",
            AuditAction::CareRuleSet => "CareVisitRule",
            AuditAction::PairingReportSubmit => "PairingReport",
            AuditAction::PartyMemberMark | AuditAction::PartyMemberReport => "PartyMember",
            AuditAction::PartyMinimumSet => "PartyServiceMinimum",
            AuditAction::PlanImport => "Plan",
            AuditAction::RectificationUpdate => "Rectification",
            AuditAction::ServiceRecordRecord | AuditAction::ServiceRecordReview => "ServiceRecord",
            AuditAction::SurveyCreate | AuditAction::SurveyOpen | AuditAction::SurveyClose => {
                "Survey"
            }
            AuditAction::SurveyResponseEnter => "SurveyResponse",
            AuditAction::CalendarUpdate => "WorkingCalendar",
            AuditAction::StarPolicyUpdate => "StarPolicy",
            AuditAction::RecordCorrectionResolve => "RecordCorrection",
            AuditAction::TrainingRecord => "Training",
            AuditAction::CommendationRecord => "Commendation",
            AuditAction::RectificationVerify
            | AuditAction::RectificationReopen
            | AuditAction::RectificationFollowUp => "Rectification",
            AuditAction::AppealFile | AuditAction::AppealDecide => "FeedbackAppeal",
            AuditAction::UserPasswordChange
            | AuditAction::UserPasswordReset
            | AuditAction::UserRoleGrant
            | AuditAction::UserRoleRevoke
            | AuditAction::SessionRevoke
            | AuditAction::UserPhoneBind => "User",
            AuditAction::ServiceProofRevoke => "ServiceProof",
        }
    }
}

/// Records an action in the caller's transaction, so it exists exactly when the change does.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    action: AuditAction,
    target_id: Option<i32>,
) -> AppResult<()> {
    audit_entry::ActiveModel {
        actor_id: Set(viewer.user().map(|user| user.id)),
        action: Set(action.as_str().to_owned()),
        target_type: Set(action.target_type().to_owned()),
        target_id: Set(target_id.map(|id| id.to_string())),
        detail: Set(None),
        at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Entries, newest first.
pub async fn newest_first<C: ConnectionTrait>(
    db: &C,
    page: PageRequest,
) -> AppResult<Page<audit_entry::Model>> {
    let order = Order::new().desc(audit_entry::Column::Id, KeyKind::Int);
    page::fetch(db, audit_entry::Entity::find(), &order, &page, |e| {
        vec![e.id.into()]
    })
    .await
}
