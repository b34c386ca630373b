//! The merged schema and its limits (OWASP GraphQL cheat sheet): depth, complexity (every
//! field and alias counts), directives and parser recursion are bounded, so abusive
//! documents are refused before they touch the database.

use async_graphql::{MergedObject, SDLExportOptions, Schema, SchemaBuilder};

use super::subscriptions::Subscription;

use crate::domain::activities::resolver::{ActivitiesMutation, ActivitiesQuery};
use crate::domain::audit::types::AuditQuery;
use crate::domain::calendar::resolver::{CalendarMutation, CalendarQuery};
use crate::domain::care::resolver::{CareMutation, CareQuery};
use crate::domain::dashboard::resolver::DashboardQuery;
use crate::domain::hours::resolver::{HoursMutation, HoursQuery};
use crate::domain::notifications::resolver::{NotificationsMutation, NotificationsQuery};
use crate::domain::pairings::resolver::{PairingsMutation, PairingsQuery};
use crate::domain::plans::resolver::{PlansMutation, PlansQuery};
use crate::domain::proofs::resolver::{ProofsMutation, ProofsQuery};
use crate::domain::registrations::resolver::RegistrationsMutation;
use crate::domain::surveys::resolver::{SurveysMutation, SurveysQuery};
use crate::domain::users::resolver::{UsersMutation, UsersQuery};

#[derive(MergedObject, Default)]
pub struct Query(
    UsersQuery,
    ActivitiesQuery,
    PairingsQuery,
    HoursQuery,
    SurveysQuery,
    DashboardQuery,
    AuditQuery,
    CalendarQuery,
    PlansQuery,
    NotificationsQuery,
    ProofsQuery,
    CareQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    UsersMutation,
    ActivitiesMutation,
    RegistrationsMutation,
    HoursMutation,
    PairingsMutation,
    SurveysMutation,
    CalendarMutation,
    PlansMutation,
    NotificationsMutation,
    ProofsMutation,
    CareMutation,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 400;
pub const MAX_DIRECTIVES: usize = 8;
pub const MAX_RECURSIVE_DEPTH: usize = 32;

/// The schema without any data: enough to export the SDL and validate documents.
pub fn build_schema_bare() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query::default(), Mutation::default(), Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_directives(MAX_DIRECTIVES)
        .limit_recursive_depth(MAX_RECURSIVE_DEPTH)
}

pub fn build_schema(state: crate::context::AppState, suggestions: bool) -> AppSchema {
    let builder = build_schema_bare().data(state);
    if suggestions {
        builder.finish()
    } else {
        builder.disable_suggestions().finish()
    }
}

/// The SDL as committed in schema.graphql: sorted, so that diffs show real changes only.
pub fn export_sdl() -> String {
    build_schema_bare().finish().sdl_with_options(
        SDLExportOptions::new()
            .sorted_fields()
            .sorted_arguments()
            .sorted_enum_items(),
    )
}
