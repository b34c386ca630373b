//! GraphQL objects of the dashboards. Each field of `Dashboard` computes (or reads from the
//! cache) its own figures; departments, categories, pairings and volunteers are resolved
//! from their ids through the request's loaders, after the cache.

use async_graphql::{ComplexObject, Context, InputObject, Object, SimpleObject};

use entity::enums::SatisfactionLevel as DbLevel;
use entity::{category, department, pairing};

use crate::domain::activities::types::{Category, Department};
use crate::domain::pairings::types::Pairing;
use crate::domain::surveys::types::{EnteredSplit, LevelCount, level_counts, satisfaction_rate};
use crate::domain::users::types::{Volunteer, round_hours};
use crate::error::{AppError, GqlResult, Thing};
use crate::graphql::ContextExt;
use crate::graphql::loaders::{Loaders, by_id};
use crate::graphql::scalars::Date;

use super::queries::{
    CategoryRow, DepartmentHoursRow, HandlingRow, MonthRow, MonthSatisfactionRow, OverviewFigures,
    PairingRow, SatisfactionRow, VolunteerRow,
};
use super::service::{self, DashboardScope};

/// Days in +08:00, both inclusive; either may be left open.
#[derive(InputObject, Default, Clone, Copy, Debug)]
pub struct DateRangeInput {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// A count that fits the contract's Int.
fn int(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

async fn load_department(ctx: &Context<'_>, id: i32) -> GqlResult<Department> {
    by_id::<department::Entity>(ctx.data_unchecked::<Loaders>(), id)
        .await?
        .map(Department)
        .ok_or_else(|| AppError::not_found(Thing::Department).into())
}

/// The figures of the plan's work for a range of days and, optionally, one department.
pub struct Dashboard(pub DashboardScope);

#[Object]
impl Dashboard {
    /// The headline figures.
    async fn overview(&self, ctx: &Context<'_>) -> GqlResult<Overview> {
        let figures = service::overview(ctx.state(), &self.0).await?;
        // The overdue count changes when the next deadline passes.
        if let (Some(due), Some(valid)) = (
            figures.next_due_at,
            ctx.data_opt::<std::sync::Arc<crate::graphql::ValidUntil>>(),
        ) {
            valid.until(due);
        }
        Ok(figures.into())
    }

    /// Approved hours, volunteers and activities per primary department, most hours first; the hours add up to overview.totalServiceHours.
    async fn hours_by_department(&self, ctx: &Context<'_>) -> GqlResult<Vec<DepartmentHours>> {
        Ok(service::hours_by_department(ctx.state(), &self.0)
            .await?
            .into_iter()
            .map(DepartmentHours::from)
            .collect())
    }

    /// One row per month of the range that has any activity or hours, oldest first.
    async fn hours_by_month(&self, ctx: &Context<'_>) -> GqlResult<Vec<MonthHours>> {
        Ok(service::hours_by_month(ctx.state(), &self.0)
            .await?
            .into_iter()
            .map(MonthHours::from)
            .collect())
    }

    /// Published and completed activities per special action, in plan order.
    async fn activities_by_category(&self, ctx: &Context<'_>) -> GqlResult<Vec<CategoryCount>> {
        Ok(service::activities_by_category(ctx.state(), &self.0)
            .await?
            .into_iter()
            .map(CategoryCount::from)
            .collect())
    }

    /// Survey responses per responsible department, by department.
    async fn satisfaction_by_department(
        &self,
        ctx: &Context<'_>,
    ) -> GqlResult<Vec<DepartmentSatisfaction>> {
        Ok(service::satisfaction_by_department(ctx.state(), &self.0)
            .await?
            .into_iter()
            .map(DepartmentSatisfaction::from)
            .collect())
    }

    /// How the 差评 answered in the range were handled (好差评): overall and per
    /// department, by the day the resident answered.
    async fn feedback_handling(&self, ctx: &Context<'_>) -> GqlResult<FeedbackHandlingReport> {
        let rows = service::feedback_handling(ctx.state(), &self.0).await?;
        if let (Some(due), Some(valid)) = (
            rows.iter().filter_map(|row| row.next_due_at).min(),
            ctx.data_opt::<std::sync::Arc<crate::graphql::ValidUntil>>(),
        ) {
            valid.until(due);
        }
        let mut overall = HandlingRow::default();
        for row in &rows {
            overall.add(row);
        }
        Ok(FeedbackHandlingReport {
            overall: FeedbackHandling::from(overall),
            by_department: rows
                .into_iter()
                .filter(|row| row.department_id != 0)
                .map(FeedbackHandling::from)
                .collect(),
        })
    }

    /// 月度排名: for each month of the range with answers, the departments ranked by the
    /// satisfaction rate of their overall answers (ties share a rank; then more answers,
    /// then the department first created).
    async fn satisfaction_ranking(&self, ctx: &Context<'_>) -> GqlResult<Vec<MonthRanking>> {
        let rows = service::satisfaction_by_month(ctx.state(), &self.0).await?;
        Ok(rank_by_month(rows))
    }

    /// Care pairings (elders): visit rate per month of the range, and overdue visits today
    /// by department and by risk tier. Counts only: no recipient is ever named here.
    async fn care(&self, ctx: &Context<'_>) -> GqlResult<crate::domain::care::types::CareFigures> {
        let figures = crate::domain::care::service::figures(
            &ctx.state().db,
            self.0.filter.from,
            self.0.filter.to,
            self.0.filter.department_id,
        )
        .await?;
        // Overdue counts change at midnight without a write.
        if let Some(valid) = ctx.data_opt::<std::sync::Arc<crate::graphql::ValidUntil>>() {
            valid.until(crate::domain::calendar::start_of_day(
                crate::domain::calendar::today() + chrono::Duration::days(1),
            ));
        }
        Ok(crate::domain::care::types::CareFigures(figures))
    }

    /// Pairings active on some day of the range (all without a range), with their progress.
    async fn pairing_progress(&self, ctx: &Context<'_>) -> GqlResult<Vec<PairingProgress>> {
        Ok(service::pairing_progress(ctx.state(), &self.0)
            .await?
            .into_iter()
            .map(PairingProgress::from)
            .collect())
    }

    /// Service records still PENDING after their review deadline (10 working days after
    /// the activity ended), per primary department, most first.
    async fn overdue_reviews(&self, ctx: &Context<'_>) -> GqlResult<Vec<DepartmentOverdueReviews>> {
        let rows = service::overdue_reviews(ctx.state(), &self.0).await?;
        // The count changes when a day passes: a cached answer lasts until midnight.
        if let Some(valid) = ctx.data_opt::<std::sync::Arc<crate::graphql::ValidUntil>>() {
            let tomorrow = crate::domain::calendar::today().succ_opt();
            if let Some(day) = tomorrow {
                valid.until(crate::domain::calendar::start_of_day(day));
            }
        }
        Ok(rows
            .into_iter()
            .map(|row| DepartmentOverdueReviews {
                department_id: row.department_id,
                count: int(row.count),
            })
            .collect())
    }

    /// Volunteers with the most approved hours in the range (at most 100), ties by volunteer.
    async fn top_volunteers(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 10)] limit: Option<i32>,
    ) -> GqlResult<Vec<VolunteerHours>> {
        Ok(
            service::top_volunteers(ctx.state(), &self.0, limit.unwrap_or(10))
                .await?
                .into_iter()
                .map(VolunteerHours::from)
                .collect(),
        )
    }
}

#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct Overview {
    /// Published and completed activities starting in the range.
    pub activity_count: i32,
    /// Completed activities starting in the range.
    pub completed_activity_count: i32,
    /// REGISTERED places at the counted activities.
    pub registration_count: i32,
    /// Every enrolled volunteer; for a department, those with a place at or approved hours from its activities.
    pub volunteer_count: i32,
    /// Volunteers with approved hours in the range.
    pub active_volunteer_count: i32,
    /// Approved hours served in the range.
    pub total_service_hours: f64,
    /// Survey responses submitted in the range.
    pub response_count: i32,
    /// Share of responses with an overall level that are VERY_SATISFIED, SATISFIED or BASICALLY_SATISFIED; null with none.
    pub satisfaction_rate: Option<f64>,
    /// The same rate split into self-service answers and answers entered by departments.
    #[graphql(flatten)]
    pub split: EnteredSplit,
    /// Rectifications OPEN or IN_PROGRESS, whatever the range: the current workload.
    pub open_rectification_count: i32,
    /// Open rectifications past their deadline.
    pub overdue_rectification_count: i32,
}

impl From<OverviewFigures> for Overview {
    fn from(f: OverviewFigures) -> Self {
        Overview {
            activity_count: int(f.activity_count),
            completed_activity_count: int(f.completed_activity_count),
            registration_count: int(f.registration_count),
            volunteer_count: int(f.volunteer_count),
            active_volunteer_count: int(f.active_volunteer_count),
            total_service_hours: round_hours(f.service_minutes),
            response_count: int(f.response_count),
            satisfaction_rate: (f.rated_count > 0)
                .then(|| f.satisfied_count as f64 / f.rated_count as f64),
            split: {
                let mut split = EnteredSplit::default();
                split.add(true, true, f.self_satisfied_count);
                split.add(true, false, f.self_rated_count - f.self_satisfied_count);
                split.add(false, true, f.satisfied_count - f.self_satisfied_count);
                split.add(
                    false,
                    false,
                    (f.rated_count - f.self_rated_count)
                        - (f.satisfied_count - f.self_satisfied_count),
                );
                split
            },
            open_rectification_count: int(f.open_rectification_count),
            overdue_rectification_count: int(f.overdue_rectification_count),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DepartmentHours {
    #[graphql(skip)]
    pub department_id: i32,
    /// Approved hours served at its activities in the range.
    pub hours: f64,
    /// Volunteers who served them.
    pub volunteer_count: i32,
    /// Its published and completed activities starting in the range.
    pub activity_count: i32,
    /// Approved hours of the activities it co-leads (another department is their primary
    /// one, which `hours` credits): shown beside, so that no hour is counted twice.
    pub co_led_hours: f64,
    /// Published and completed activities it co-leads, starting in the range.
    pub co_led_activity_count: i32,
}

#[ComplexObject]
impl DepartmentHours {
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        load_department(ctx, self.department_id).await
    }
}

impl From<DepartmentHoursRow> for DepartmentHours {
    fn from(row: DepartmentHoursRow) -> Self {
        DepartmentHours {
            department_id: row.department_id,
            hours: round_hours(row.minutes),
            volunteer_count: int(row.volunteer_count),
            activity_count: int(row.activity_count),
            co_led_hours: round_hours(row.co_led_minutes),
            co_led_activity_count: int(row.co_led_activity_count),
        }
    }
}

/// Reviews past their deadline in one department.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DepartmentOverdueReviews {
    #[graphql(skip)]
    pub department_id: i32,
    pub count: i32,
}

#[ComplexObject]
impl DepartmentOverdueReviews {
    /// Null for activities without a lead department.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        if self.department_id == 0 {
            return Ok(None);
        }
        Ok(Some(load_department(ctx, self.department_id).await?))
    }
}

#[derive(SimpleObject)]
pub struct MonthHours {
    /// YYYY-MM
    pub month: String,
    /// Approved hours served in the month.
    pub hours: f64,
    /// Published and completed activities starting in the month.
    pub activity_count: i32,
}

impl From<MonthRow> for MonthHours {
    fn from(row: MonthRow) -> Self {
        MonthHours {
            month: row.month,
            hours: round_hours(row.minutes),
            activity_count: int(row.activity_count),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CategoryCount {
    #[graphql(skip)]
    pub category_id: i32,
    /// Published and completed activities of the special action starting in the range.
    pub count: i32,
}

#[ComplexObject]
impl CategoryCount {
    async fn category(&self, ctx: &Context<'_>) -> GqlResult<Category> {
        by_id::<category::Entity>(ctx.data_unchecked::<Loaders>(), self.category_id)
            .await?
            .map(Category)
            .ok_or_else(|| AppError::not_found(Thing::Category).into())
    }
}

impl From<CategoryRow> for CategoryCount {
    fn from(row: CategoryRow) -> Self {
        CategoryCount {
            category_id: row.category_id,
            count: int(row.activity_count),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct DepartmentSatisfaction {
    #[graphql(skip)]
    pub department_id: i32,
    /// Responses submitted in the range that the department answers for.
    pub response_count: i32,
    /// Share of its responses with a satisfaction level that are satisfied ones; null with none.
    pub satisfaction_rate: Option<f64>,
    /// All five levels in scale order, zeros included.
    pub level_counts: Vec<LevelCount>,
    /// The rate split into self-service answers and answers the department entered.
    #[graphql(flatten)]
    pub split: EnteredSplit,
}

#[ComplexObject]
impl DepartmentSatisfaction {
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        load_department(ctx, self.department_id).await
    }
}

impl From<SatisfactionRow> for DepartmentSatisfaction {
    fn from(row: SatisfactionRow) -> Self {
        let mut counts: std::collections::HashMap<DbLevel, i64> = Default::default();
        let mut split = EnteredSplit::default();
        for (level, self_service, n) in row.levels {
            *counts.entry(level).or_default() += n;
            split.add(
                self_service,
                crate::domain::surveys::service::is_satisfied(level),
                n,
            );
        }
        let level_counts = level_counts(&counts);
        DepartmentSatisfaction {
            department_id: row.department_id,
            response_count: int(row.response_count),
            satisfaction_rate: satisfaction_rate(&level_counts),
            level_counts,
            split,
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PairingProgress {
    #[graphql(skip)]
    pub pairing_id: i32,
    /// The number of activities aimed at.
    pub target_activity_count: i32,
    /// Activities linked to the pairing that are COMPLETED.
    pub completed_activity_count: i32,
}

#[ComplexObject]
impl PairingProgress {
    async fn pairing(&self, ctx: &Context<'_>) -> GqlResult<Pairing> {
        by_id::<pairing::Entity>(ctx.data_unchecked::<Loaders>(), self.pairing_id)
            .await?
            .map(Pairing)
            .ok_or_else(|| AppError::not_found(Thing::Pairing).into())
    }
}

impl From<PairingRow> for PairingProgress {
    fn from(row: PairingRow) -> Self {
        PairingProgress {
            pairing_id: row.pairing_id,
            target_activity_count: row.target_activity_count,
            completed_activity_count: int(row.completed_activity_count),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct VolunteerHours {
    #[graphql(skip)]
    pub volunteer_id: i32,
    /// Approved hours served in the range.
    pub hours: f64,
}

#[ComplexObject]
impl VolunteerHours {
    async fn volunteer(&self, ctx: &Context<'_>) -> GqlResult<Volunteer> {
        Volunteer::load(ctx, self.volunteer_id).await
    }
}

impl From<VolunteerRow> for VolunteerHours {
    fn from(row: VolunteerRow) -> Self {
        VolunteerHours {
            volunteer_id: row.volunteer_id,
            hours: round_hours(row.minutes),
        }
    }
}

/// The 好差评 figures, overall (every department, and rectifications without one) and per
/// department.
#[derive(SimpleObject)]
pub struct FeedbackHandlingReport {
    pub overall: FeedbackHandling,
    /// Departments with a 差评 in the range, by department.
    pub by_department: Vec<FeedbackHandling>,
}

/// How 差评 were handled. Every rate is null when its denominator is zero.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct FeedbackHandling {
    #[graphql(skip)]
    pub department_id: i32,
    /// 差评 (rectifications opened), voided ones included.
    pub complaint_count: i32,
    /// Of those, CLOSED, NOT_SUBSTANTIATED or VOIDED: nothing left to do.
    pub settled_count: i32,
    /// 整改率: CLOSED, NOT_SUBSTANTIATED or VOIDED / all.
    pub rectification_rate: Option<f64>,
    /// 按期办结率: resolved by the end of `dueOn` / those resolved or past their deadline.
    pub on_time_rate: Option<f64>,
    /// 回访率: resolved ones with a follow-up / resolved ones (RESOLVED or CLOSED).
    pub follow_up_rate: Option<f64>,
    /// 回访满意率: SATISFIED and BASICALLY_SATISFIED follow-ups / follow-ups.
    pub follow_up_satisfaction_rate: Option<f64>,
    pub follow_up_count: i32,
    pub appeal_count: i32,
    pub upheld_appeal_count: i32,
}

#[ComplexObject]
impl FeedbackHandling {
    /// Null on the overall figures.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        if self.department_id == 0 {
            return Ok(None);
        }
        Ok(Some(load_department(ctx, self.department_id).await?))
    }
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl HandlingRow {
    fn add(&mut self, other: &HandlingRow) {
        self.complaint_count += other.complaint_count;
        self.settled_count += other.settled_count;
        self.due_count += other.due_count;
        self.on_time_count += other.on_time_count;
        self.resolved_count += other.resolved_count;
        self.followed_up_count += other.followed_up_count;
        self.follow_up_count += other.follow_up_count;
        self.follow_up_satisfied_count += other.follow_up_satisfied_count;
        self.appeal_count += other.appeal_count;
        self.upheld_count += other.upheld_count;
    }
}

impl From<HandlingRow> for FeedbackHandling {
    fn from(row: HandlingRow) -> Self {
        FeedbackHandling {
            department_id: row.department_id,
            complaint_count: int(row.complaint_count),
            settled_count: int(row.settled_count),
            rectification_rate: share(row.settled_count, row.complaint_count),
            on_time_rate: share(row.on_time_count, row.due_count),
            follow_up_rate: share(row.followed_up_count, row.resolved_count),
            follow_up_satisfaction_rate: share(row.follow_up_satisfied_count, row.follow_up_count),
            follow_up_count: int(row.follow_up_count),
            appeal_count: int(row.appeal_count),
            upheld_appeal_count: int(row.upheld_count),
        }
    }
}

/// One month of the 月度排名.
#[derive(SimpleObject)]
pub struct MonthRanking {
    /// YYYY-MM
    pub month: String,
    /// Best first.
    pub departments: Vec<RankedDepartment>,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RankedDepartment {
    #[graphql(skip)]
    pub department_id: i32,
    /// 1 for the best; departments with the same rate share a rank (1, 1, 3).
    pub rank: i32,
    pub satisfaction_rate: f64,
    /// Overall answers counted in the month.
    pub response_count: i32,
}

#[ComplexObject]
impl RankedDepartment {
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        load_department(ctx, self.department_id).await
    }
}

/// Orders each month's departments by rate, then answers, then id; equal rates share the
/// rank of the first of them. Rates compare as exact fractions, not floats.
pub fn rank_by_month(rows: Vec<MonthSatisfactionRow>) -> Vec<MonthRanking> {
    let mut months: Vec<MonthRanking> = Vec::new();
    let mut by_month: std::collections::BTreeMap<String, Vec<MonthSatisfactionRow>> =
        Default::default();
    for row in rows.into_iter().filter(|row| row.rated_count > 0) {
        by_month.entry(row.month.clone()).or_default().push(row);
    }
    for (month, mut rows) in by_month {
        // a/b > c/d  ⇔  a·d > c·b (b, d > 0)
        rows.sort_by(|x, y| {
            (y.satisfied_count * x.rated_count)
                .cmp(&(x.satisfied_count * y.rated_count))
                .then(y.rated_count.cmp(&x.rated_count))
                .then(x.department_id.cmp(&y.department_id))
        });
        let mut departments: Vec<RankedDepartment> = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let tied = i > 0 && {
                let previous = &rows[i - 1];
                previous.satisfied_count * row.rated_count
                    == row.satisfied_count * previous.rated_count
            };
            let rank = if tied {
                departments[i - 1].rank
            } else {
                int(i as i64 + 1)
            };
            departments.push(RankedDepartment {
                department_id: row.department_id,
                rank,
                satisfaction_rate: row.satisfied_count as f64 / row.rated_count as f64,
                response_count: int(row.rated_count),
            });
        }
        months.push(MonthRanking { month, departments });
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(month: &str, department_id: i32, rated: i64, satisfied: i64) -> MonthSatisfactionRow {
        MonthSatisfactionRow {
            month: month.to_owned(),
            department_id,
            rated_count: rated,
            satisfied_count: satisfied,
        }
    }

    #[test]
    fn ranks_each_month_by_rate_with_shared_ranks_for_ties() {
        let months = rank_by_month(vec![
            row("2026-11", 1, 4, 2),
            row("2026-11", 2, 2, 2),
            row("2026-11", 3, 2, 1),
            row("2026-11", 4, 3, 1),
            row("2026-10", 3, 1, 0),
        ]);
        assert_eq!(months.len(), 2);
        assert_eq!(months[0].month, "2026-10");
        let november: Vec<(i32, i32)> = months[1]
            .departments
            .iter()
            .map(|d| (d.department_id, d.rank))
            .collect();
        // 2: 100 %; 1 and 3: 50 % (1 has more answers, listed first, same rank); 4: 33 %.
        assert_eq!(november, vec![(2, 1), (1, 2), (3, 2), (4, 4)]);
    }
}
