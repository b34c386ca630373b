//! Entity aliases, e.g. `use entity::prelude::*; User::find()`.

pub use super::activity::Entity as Activity;
pub use super::activity_department::Entity as ActivityDepartment;
pub use super::activity_location::Entity as ActivityLocation;
pub use super::answer::Entity as Answer;
pub use super::audit_entry::Entity as AuditEntry;
pub use super::calendar_feed::Entity as CalendarFeed;
pub use super::category::Entity as Category;
pub use super::community::Entity as Community;
pub use super::department::Entity as Department;
pub use super::pairing::Entity as Pairing;
pub use super::plan::Entity as Plan;
pub use super::question::Entity as Question;
pub use super::question_option::Entity as QuestionOption;
pub use super::rectification::Entity as Rectification;
pub use super::refresh_session::Entity as RefreshSession;
pub use super::registration::Entity as Registration;
pub use super::service_proof::Entity as ServiceProof;
pub use super::service_record::Entity as ServiceRecord;
pub use super::setting::Entity as Setting;
pub use super::survey::Entity as Survey;
pub use super::survey_response::Entity as SurveyResponse;
pub use super::user::Entity as User;
pub use super::volunteer::Entity as Volunteer;
