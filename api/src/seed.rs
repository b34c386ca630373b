//! The demo data set: the 2022 plan of 泉州市民政局 through the same import as `importPlan`,
//! the communities it names, two pairings, demo accounts, registrations, reviewed hours,
//! survey responses and a rectification, so that every dashboard figure shows something.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use entity::enums::{
    ActivityStatus, CommunityKind, PairingKind, RegistrationStatus, Role, ServiceRecordSource,
    ServiceRecordStatus,
};
use entity::{activity, community, registration, service_record, user, volunteer};

use crate::auth::Viewer;
use crate::auth::viewer::SignedInUser;
use crate::context::AppState;
use crate::domain::pairings::service::{NewPairing, create_pairing};
use crate::domain::plans::{ImportRequest, department_by_name, import};

pub const DEMO_PASSWORD: &str = "tongxin-demo";
pub const ADMIN_PHONE: &str = "13800000000";
pub const ORGANIZER_PHONE: &str = "13800000001";
pub const VIEWER_PHONE: &str = "13800000002";
pub const RESIDENT_PHONE: &str = "13800000030";
pub const PLAN_CSV: &str = include_str!("../data/plan-2022.csv");
pub const PLAN_TITLE: &str = "泉州市民政局2022年度“打造‘五新’民政形象 推进文明民政创建”活动方案";

/// Communities the plan table names, so its locations link to them.
const COMMUNITIES: &[(&str, CommunityKind)] = &[
    ("源淮社区", CommunityKind::Community),
    ("金山社区", CommunityKind::Community),
    ("后亭社区", CommunityKind::Community),
    ("东涂社区", CommunityKind::Community),
    ("滨海社区", CommunityKind::Community),
    ("感德镇龙通村", CommunityKind::Village),
];

const VOLUNTEER_NAMES: &[&str] = &[
    "陈志明",
    "林秀英",
    "黄建国",
    "张丽华",
    "王伟",
    "李娜",
    "吴海燕",
    "刘洋",
    "蔡文杰",
    "杨静",
    "许国强",
    "郑雅婷",
    "谢东升",
    "洪美玲",
    "曾宇航",
    "苏晓燕",
    "庄明辉",
    "何佳怡",
    "周俊杰",
    "傅丽君",
];

fn admin_viewer(user: &user::Model) -> Viewer {
    Viewer::User(SignedInUser {
        id: user.id,
        session_id: "seed".to_owned(),
        roles: vec![Role::Admin],
        department_id: None,
    })
}

#[tracing::instrument(skip(state), err(Debug))]
pub async fn seed_demo(state: &AppState) -> anyhow::Result<()> {
    let db = &state.db;
    if user::Entity::find()
        .filter(user::Column::Phone.eq(ADMIN_PHONE))
        .one(db)
        .await?
        .is_some()
    {
        tracing::info!("demo data already present; nothing to do");
        return Ok(());
    }
    let now = Utc::now();
    for (name, kind) in COMMUNITIES {
        if community::Entity::find()
            .filter(community::Column::Name.eq(*name))
            .one(db)
            .await?
            .is_none()
        {
            community::ActiveModel {
                name: Set((*name).to_owned()),
                district: Set(None),
                kind: Set(*kind),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }

    let outcome = import(
        &state.writer,
        None,
        &ImportRequest {
            title: PLAN_TITLE.to_owned(),
            year: 2022,
            issuer: Some("泉州市民政局".to_owned()),
            csv: PLAN_CSV.to_owned(),
            publish: true,
        },
    )
    .await?;
    tracing::info!(activities = outcome.created_count, "demo plan imported");

    // One hash for every demo account: they share the published demo password.
    let hash = crate::auth::password::hash(DEMO_PASSWORD).await?;
    let elderly = department_by_name(db, "养老科").await?;
    let party = department_by_name(db, "机关党委").await?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let account =
        |phone: &str, name: &str, roles: &[Role], department_id: Option<i32>| user::ActiveModel {
            phone: Set(Some(phone.to_owned())),
            password_hash: Set(Some(hash.clone())),
            display_name: Set(name.to_owned()),
            wechat_openid: Set(None),
            roles: Set(Role::join(roles)),
            department_id: Set(department_id),
            created_at: Set(now),
            ..Default::default()
        };
    let admin = account(
        ADMIN_PHONE,
        "系统管理员",
        &[Role::Resident, Role::Admin],
        None,
    )
    .insert(&txn)
    .await?;
    account(
        ORGANIZER_PHONE,
        "养老科 组织员",
        &[Role::Resident, Role::Organizer],
        Some(elderly.id),
    )
    .insert(&txn)
    .await?;
    account(
        VIEWER_PHONE,
        "文明办 观察员",
        &[Role::Resident, Role::Viewer],
        None,
    )
    .insert(&txn)
    .await?;
    account(RESIDENT_PHONE, "居民 小陈", &[Role::Resident], None)
        .insert(&txn)
        .await?;
    let mut volunteers = Vec::new();
    for (i, name) in VOLUNTEER_NAMES.iter().enumerate() {
        let phone = format!("138000000{:02}", 10 + i);
        let user = account(
            &phone,
            &format!("{}志愿者", name.chars().next().unwrap_or('张')),
            &[Role::Resident, Role::Volunteer],
            None,
        )
        .insert(&txn)
        .await?;
        let volunteer = volunteer::ActiveModel {
            user_id: Set(user.id),
            real_name: Set((*name).to_owned()),
            skills: Set(vec![["助老", "宣传", "义剪", "法律咨询"][i % 4].to_owned()].into()),
            enrolled_at: Set(now - Duration::days(400)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        volunteers.push(volunteer);
    }
    txn.commit().await?;

    let admin_viewer = admin_viewer(&admin);
    let longtong = community::Entity::find()
        .filter(community::Column::Name.eq("感德镇龙通村"))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("感德镇龙通村 missing"))?;
    // 机关党委's co-building with the village where it held 学雷锋 and 义务植树 (rows 2 and
    // 3 of the table): only activities held at the pairing's community count towards it.
    let party_pairing = create_pairing(
        state,
        &admin_viewer,
        NewPairing {
            kind: PairingKind::CoBuilding,
            department_id: party.id,
            community_id: longtong.id,
            starts_on: chrono::NaiveDate::from_ymd_opt(2022, 1, 1).expect("valid date"),
            ends_on: None,
            commitments: vec![
                "开展志愿服务“十个一”行动".to_owned(),
                "每季度走访慰问社区困难群众".to_owned(),
            ],
            target_activity_count: 10,
        },
    )
    .await?;
    let elderly_pairing = create_pairing(
        state,
        &admin_viewer,
        NewPairing {
            kind: PairingKind::Assistance,
            department_id: elderly.id,
            community_id: longtong.id,
            starts_on: chrono::NaiveDate::from_ymd_opt(2022, 3, 1).expect("valid date"),
            ends_on: None,
            commitments: vec!["结对帮扶孤寡老人、空巢老人".to_owned()],
            target_activity_count: 6,
        },
    )
    .await?;

    let activities = activity::Entity::find()
        .filter(activity::Column::PlanId.eq(outcome.plan.id))
        .order_by_asc(activity::Column::SeqNo)
        .all(db)
        .await?;
    let txn = crate::db::begin_write(&state.writer).await?;
    for activity in &activities {
        let seq = activity.seq_no.unwrap_or(0);
        let mut model: activity::ActiveModel = activity.clone().into();
        // The first half of the 2022 plan took place; the rest is still published.
        if (2..=10).contains(&seq) {
            model.status = Set(ActivityStatus::Completed);
        }
        model.capacity = Set(Some(if seq == 1 { 15 } else { 20 }));
        model.service_minutes = Set(Some(180));
        model.pairing_id = Set(match seq {
            // Rows 2 and 3 were held at 感德镇龙通村; rows 6 and 7 (局机关, 江南颐乐园),
            // linked before, were not, so they would count for nothing.
            2 | 3 => Some(party_pairing.id),
            // 养老科 leads 2 and 16; 2 already belongs to the co-building pairing. 16 is
            // still published: linked, not yet counted.
            16 => Some(elderly_pairing.id),
            _ => None,
        });
        let registered = match seq {
            1 => 15,
            2..=10 => 8 + (seq as usize % 5),
            _ => 3,
        };
        model.registered_count = Set(registered as i32);
        model.waitlist_count = Set(if seq == 1 { 3 } else { 0 });
        model.update(&txn).await?;

        let created = activity
            .starts_at
            .map(|at| at - Duration::days(7))
            .unwrap_or(now - Duration::days(3));
        let total = registered + if seq == 1 { 3 } else { 0 };
        for (i, volunteer) in volunteers
            .iter()
            .cycle()
            .skip(seq as usize)
            .take(total)
            .enumerate()
        {
            let status = if i < registered {
                RegistrationStatus::Registered
            } else {
                RegistrationStatus::Waitlisted
            };
            registration::ActiveModel {
                activity_id: Set(activity.id),
                volunteer_id: Set(volunteer.id),
                status: Set(status),
                created_at: Set(created + Duration::minutes(i as i64)),
                updated_at: Set(created + Duration::minutes(i as i64)),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            if (2..=10).contains(&seq) && status == RegistrationStatus::Registered {
                let start =
                    activity.starts_at.unwrap_or(now) + Duration::days(3) + Duration::hours(1);
                let minutes = 120 + 30 * ((i as i32 + seq) % 4);
                let review = match (i + seq as usize) % 11 {
                    0 => ServiceRecordStatus::Pending,
                    5 => ServiceRecordStatus::Rejected,
                    _ => ServiceRecordStatus::Approved,
                };
                service_record::ActiveModel {
                    activity_id: Set(activity.id),
                    volunteer_id: Set(volunteer.id),
                    source: Set(ServiceRecordSource::CheckIn),
                    checked_in_at: Set(Some(start)),
                    checked_out_at: Set(Some(start + Duration::minutes(minutes as i64))),
                    minutes: Set(minutes),
                    status: Set(review),
                    service_date: Set(Some(crate::graphql::scalars::local_date(start))),
                    review_note: Set((review == ServiceRecordStatus::Rejected)
                        .then(|| "未按时签到，时长不予认定".to_owned())),
                    reviewed_by: Set((review != ServiceRecordStatus::Pending).then_some(admin.id)),
                    reviewed_at: Set((review != ServiceRecordStatus::Pending)
                        .then_some(start + Duration::days(1))),
                    created_at: Set(start),
                    updated_at: Set(start),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    txn.commit().await?;
    let resident = user::Entity::find()
        .filter(user::Column::Phone.eq(RESIDENT_PHONE))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo resident missing"))?;
    seed_feedback(state, &admin_viewer, &activities, &volunteers, &resident).await?;
    seed_care(db, elderly.id, longtong.id, &volunteers).await?;
    // The demo's approved hours were written directly, not through a review.
    crate::domain::hours::rollups::rebuild(db).await?;
    state.dashboards_changed().await;
    state.public_changed().await;
    tracing::info!("demo data loaded");
    Ok(())
}

fn viewer_of(user_id: i32, roles: Vec<Role>) -> Viewer {
    Viewer::User(SignedInUser {
        id: user_id,
        session_id: "seed".to_owned(),
        roles,
        department_id: None,
    })
}

/// A survey about the 学雷锋日 activity with answers from volunteers and the hotline, two
/// complaints being handled, and an anonymous survey of 养老科's services.
async fn seed_feedback(
    state: &AppState,
    admin: &Viewer,
    activities: &[activity::Model],
    volunteers: &[volunteer::Model],
    resident: &user::Model,
) -> anyhow::Result<()> {
    use crate::domain::surveys::service as surveys;
    use crate::domain::surveys::types::{
        AnswerInput, FeedbackChannel, QuestionInput, QuestionKind, SatisfactionLevel as Level,
        SurveyInput, SurveyResponseInput,
    };
    use async_graphql::ID;
    use entity::enums::{RectificationStatus, SurveyStatus};
    use entity::{question, question_option};

    let lei_feng = activities
        .iter()
        .find(|a| a.seq_no == Some(2))
        .ok_or_else(|| anyhow::anyhow!("activity 2 missing"))?;
    let question = |kind, prompt: &str, options: &[&str]| QuestionInput {
        kind,
        prompt: prompt.to_owned(),
        required: Some(kind != QuestionKind::Text),
        options: (!options.is_empty()).then(|| options.iter().map(|o| (*o).to_owned()).collect()),
        overall: None,
    };
    let survey = surveys::create(
        state,
        admin,
        SurveyInput {
            rectification_working_days: None,
            title: "“学雷锋日”志愿服务满意度调查".to_owned(),
            description: Some(
                "请对本次志愿服务活动进行评价，您的意见将帮助我们改进工作。".to_owned(),
            ),
            activity_id: Some(ID(lei_feng.id.to_string())),
            department_id: None,
            anonymous: Some(false),
            opens_at: None,
            closes_at: None,
            questions: vec![
                question(
                    QuestionKind::Satisfaction,
                    "您对本次志愿服务的总体评价",
                    &[],
                ),
                question(
                    QuestionKind::SingleChoice,
                    "您是通过什么渠道了解本次活动的",
                    &["社区通知", "微信群", "志愿者上门"],
                ),
                question(QuestionKind::Rating, "志愿者服务态度评分（1-5分）", &[]),
                question(QuestionKind::Text, "意见和建议", &[]),
            ],
        }
        .try_into()?,
    )
    .await?;
    surveys::transition(state, admin, survey.id, SurveyStatus::Open).await?;
    let questions = question::Entity::find()
        .filter(question::Column::SurveyId.eq(survey.id))
        .order_by_asc(question::Column::Position)
        .all(&state.db)
        .await?;
    let options = question_option::Entity::find()
        .filter(question_option::Column::QuestionId.eq(questions[1].id))
        .order_by_asc(question_option::Column::Position)
        .all(&state.db)
        .await?;
    let id = |n: i32| ID(n.to_string());
    let levels = [
        Level::VerySatisfied,
        Level::VerySatisfied,
        Level::Satisfied,
        Level::VerySatisfied,
        Level::Satisfied,
        Level::BasicallySatisfied,
        Level::VerySatisfied,
        Level::Dissatisfied,
        Level::Satisfied,
        Level::VerySatisfied,
        Level::VeryDissatisfied,
        Level::Satisfied,
    ];
    let complaints = [
        (
            Level::Dissatisfied,
            "活动现场秩序有些混乱，老人排队等候时间过长。",
        ),
        (
            Level::VeryDissatisfied,
            "约定上门服务的时间没有人来，也没有提前通知。",
        ),
    ];
    let mut rectified = Vec::new();
    for (i, level) in levels.iter().enumerate() {
        let volunteer = &volunteers[i % volunteers.len()];
        let text = complaints
            .iter()
            .find(|(l, _)| l == level)
            .map(|(_, t)| (*t).to_owned());
        let rating = if text.is_some() {
            2
        } else {
            4 + (i as i32 % 2)
        };
        let mut answers = vec![
            AnswerInput {
                question_id: id(questions[0].id),
                level: Some(*level),
                option_ids: None,
                rating: None,
                text: None,
            },
            AnswerInput {
                question_id: id(questions[1].id),
                level: None,
                option_ids: Some(vec![id(options[i % options.len()].id)]),
                rating: None,
                text: None,
            },
            AnswerInput {
                question_id: id(questions[2].id),
                level: None,
                option_ids: None,
                rating: Some(rating),
                text: None,
            },
        ];
        if text.is_some() {
            answers.push(AnswerInput {
                question_id: id(questions[3].id),
                level: None,
                option_ids: None,
                rating: None,
                text,
            });
        }
        let response = crate::domain::surveys::submission::submit(
            state,
            &viewer_of(volunteer.user_id, vec![Role::Resident, Role::Volunteer]),
            SurveyResponseInput {
                survey_id: id(survey.id),
                channel: if i % 3 == 0 {
                    FeedbackChannel::MobileApp
                } else {
                    FeedbackChannel::MiniProgram
                },
                answers,
                request_id: None,
                answered_on: None,
            }
            .try_into()?,
        )
        .await?
        .response;
        if matches!(level, Level::Dissatisfied | Level::VeryDissatisfied) {
            rectified.push(response.id);
        }
    }
    // A call to the 12345 hotline, entered by the office.
    crate::domain::surveys::submission::submit(
        state,
        admin,
        SurveyResponseInput {
            survey_id: id(survey.id),
            channel: FeedbackChannel::Hotline,
            answers: vec![
                AnswerInput {
                    question_id: id(questions[0].id),
                    level: Some(Level::Satisfied),
                    option_ids: None,
                    rating: None,
                    text: None,
                },
                AnswerInput {
                    question_id: id(questions[1].id),
                    level: None,
                    option_ids: Some(vec![id(options[0].id)]),
                    rating: None,
                    text: None,
                },
                AnswerInput {
                    question_id: id(questions[2].id),
                    level: None,
                    option_ids: None,
                    rating: Some(5),
                    text: None,
                },
            ],
            request_id: Some("hotline-20220306-001".to_owned()),
            answered_on: None,
        }
        .try_into()?,
    )
    .await?;
    // The answers came in the week after the activity, in March 2022, so that the 2022
    // dashboards show them; the complaint still unresolved is long overdue.
    let answered = lei_feng.starts_at.unwrap_or_else(Utc::now) + Duration::days(7);
    entity::survey_response::Entity::update_many()
        .col_expr(
            entity::survey_response::Column::SubmittedAt,
            sea_orm::sea_query::Expr::value(answered),
        )
        .col_expr(
            entity::survey_response::Column::SubmittedOn,
            sea_orm::sea_query::Expr::value(crate::graphql::scalars::local_date(answered)),
        )
        .col_expr(
            entity::survey_response::Column::AnsweredOn,
            sea_orm::sea_query::Expr::value(crate::graphql::scalars::local_date(answered)),
        )
        .filter(entity::survey_response::Column::SurveyId.eq(survey.id))
        .exec(&state.db)
        .await?;
    entity::rectification::Entity::update_many()
        .col_expr(
            entity::rectification::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(answered),
        )
        .col_expr(
            entity::rectification::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(answered),
        )
        .col_expr(
            entity::rectification::Column::DueAt,
            sea_orm::sea_query::Expr::value(answered + Duration::days(15)),
        )
        .filter(entity::rectification::Column::SurveyId.eq(survey.id))
        .exec(&state.db)
        .await?;
    let open = entity::rectification::Entity::find()
        .filter(entity::rectification::Column::ResponseId.is_in(rectified))
        .order_by_asc(entity::rectification::Column::Id)
        .all(&state.db)
        .await?;
    if let Some(first) = open.first() {
        crate::domain::surveys::rectifications::update_rectification(
            state,
            admin,
            first.id,
            RectificationStatus::InProgress,
            None,
        )
        .await?;
        crate::domain::surveys::rectifications::update_rectification(
            state,
            admin,
            first.id,
            RectificationStatus::Resolved,
            Some("已增设引导志愿者和座椅，分时段叫号，后续活动不再出现长时间排队。".to_owned()),
        )
        .await?;
    }

    // 养老科's anonymous survey of its services, answered by the demo resident.
    let anonymous = surveys::create(
        state,
        admin,
        SurveyInput {
            rectification_working_days: None,
            title: "养老服务满意度调查（匿名）".to_owned(),
            description: Some("匿名填写，工作人员无法看到您的身份。".to_owned()),
            activity_id: None,
            department_id: Some(ID(crate::domain::plans::department_by_name(
                &state.db,
                "养老科",
            )
            .await?
            .id
            .to_string())),
            anonymous: Some(true),
            opens_at: None,
            closes_at: None,
            questions: vec![question(
                QuestionKind::Satisfaction,
                "您对本辖区养老服务的总体评价",
                &[],
            )],
        }
        .try_into()?,
    )
    .await?;
    surveys::transition(state, admin, anonymous.id, SurveyStatus::Open).await?;
    let question = question::Entity::find()
        .filter(question::Column::SurveyId.eq(anonymous.id))
        .one(&state.db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("question missing"))?;
    crate::domain::surveys::submission::submit(
        state,
        &viewer_of(resident.id, vec![Role::Resident]),
        SurveyResponseInput {
            survey_id: id(anonymous.id),
            channel: FeedbackChannel::MiniProgram,
            answers: vec![AnswerInput {
                question_id: id(question.id),
                level: Some(Level::Satisfied),
                option_ids: None,
                rating: None,
                text: None,
            }],
            request_id: Some("demo-resident-1".to_owned()),
            answered_on: None,
        }
        .try_into()?,
    )
    .await?;
    Ok(())
}

/// The care side of 养老科's 挂点帮扶 with 感德镇龙通村: four elders (fictional), paired
/// with demo volunteers and visited through 2022 and lately, so the care figures show a
/// visit rate per month, and some overdue visits by tier.
async fn seed_care<C: sea_orm::ConnectionTrait>(
    db: &C,
    department_id: i32,
    community_id: i32,
    volunteers: &[volunteer::Model],
) -> anyhow::Result<()> {
    use entity::enums::{RiskTier, VisitMode};
    use entity::{care_assignment, care_recipient, care_visit};

    let consent = chrono::NaiveDate::from_ymd_opt(2022, 3, 1).expect("valid date");
    let now = Utc::now();
    // (name, tier, situations, months of 2022 visited, days ago of the latest visit)
    type Elder = (
        &'static str,
        RiskTier,
        &'static [&'static str],
        &'static [u32],
        Option<i64>,
    );
    let elders: [Elder; 4] = [
        (
            "陈阿婆",
            RiskTier::High,
            &["孤寡", "独居"],
            &[3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
            Some(2),
        ),
        (
            "林大爷",
            RiskTier::Key,
            &["空巢"],
            &[3, 4, 5, 6, 8, 9, 10, 12],
            Some(12),
        ),
        (
            "黄奶奶",
            RiskTier::General,
            &["空巢", "失能"],
            &[3, 6, 9, 12],
            None,
        ),
        (
            "苏爷爷",
            RiskTier::General,
            &["独居"],
            &[4, 7, 10],
            Some(40),
        ),
    ];
    for (i, (name, tier, situations, months, latest)) in elders.into_iter().enumerate() {
        let recipient = care_recipient::ActiveModel {
            department_id: Set(department_id),
            community_id: Set(community_id),
            name: Set(name.to_owned()),
            address: Set(Some(format!("感德镇龙通村{}组", i + 1))),
            risk_tier: Set(tier),
            situations: Set(situations
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>()
                .into()),
            consent_on: Set(consent),
            event_reported_at: Set(None),
            event_note: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        let volunteer = &volunteers[i % volunteers.len()];
        care_assignment::ActiveModel {
            recipient_id: Set(recipient.id),
            volunteer_id: Set(volunteer.id),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        let mut times: Vec<chrono::DateTime<Utc>> = months
            .iter()
            .filter_map(|m| chrono::NaiveDate::from_ymd_opt(2022, *m, 10))
            .map(crate::domain::calendar::start_of_day)
            .map(|at| at + Duration::hours(10))
            .collect();
        times.extend(latest.map(|days| now - Duration::days(days)));
        for (n, at) in times.into_iter().enumerate() {
            care_visit::ActiveModel {
                recipient_id: Set(recipient.id),
                visitor_user_id: Set(volunteer.user_id),
                visited_at: Set(at),
                visited_on: Set(crate::domain::calendar::local_date(at)),
                mode: Set(if n % 3 == 2 {
                    VisitMode::Phone
                } else {
                    VisitMode::Visit
                }),
                minutes: Set(if n % 3 == 2 { 15 } else { 60 }),
                notes: Set(Some("了解近况，帮助打扫卫生".to_owned())),
                issues: Set(None),
                follow_up_needed: Set(false),
                created_at: Set(at),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}
