//! The demo data set: the 2022 plan of 泉州市民政局 through the same import as `importPlan`,
//! the communities it names, two pairings, demo accounts, registrations, reviewed hours,
//! survey responses and a rectification, so that every dashboard figure shows something.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use entity::enums::{
    ActivityStatus, CommunityKind, PairingKind, RegistrationStatus, Role, ServiceRecordSource,
    ServiceRecordStatus,
};
use entity::{activity, community, registration, service_record, user, volunteer};

use crate::auth::Viewer;
use crate::auth::viewer::SignedInUser;
use crate::context::AppState;
use crate::domain::activities::service::json_list;
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
        db,
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
    let txn = db.begin().await?;
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
            skills: Set(json_list(&[
                ["助老", "宣传", "义剪", "法律咨询"][i % 4].to_owned()
            ])),
            enrolled_at: Set(now - Duration::days(400)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        volunteers.push(volunteer);
    }
    txn.commit().await?;

    let admin_viewer = admin_viewer(&admin);
    let yuanhuai = community::Entity::find()
        .filter(community::Column::Name.eq("源淮社区"))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("源淮社区 missing"))?;
    let longtong = community::Entity::find()
        .filter(community::Column::Name.eq("感德镇龙通村"))
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("感德镇龙通村 missing"))?;
    let party_pairing = create_pairing(
        state,
        &admin_viewer,
        NewPairing {
            kind: PairingKind::CoBuilding,
            department_id: party.id,
            community_id: yuanhuai.id,
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
    let txn = db.begin().await?;
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
            2 | 3 | 6 | 7 => Some(party_pairing.id),
            // 养老科 leads 2 and 16; 2 already belongs to the co-building pairing.
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
    state.dashboards_changed().await;
    state.public_changed().await;
    tracing::info!("demo data loaded");
    Ok(())
}
