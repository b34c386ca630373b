//! The working-day calendar: the days that differ from "Monday to Friday work, the weekend
//! rests". A listed OFF day is a statutory holiday (法定节假日, or a day of its 调休) even on
//! a weekday; a listed WORK day is a weekend day worked to make up for one (调休上班).
//! Filled with the State Council's published arrangements for 2022–2026; admins add later
//! years and correct days through the API.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::prelude::ChronoDate as NaiveDate;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum CalendarDays {
    Table,
    Day,
    Kind,
    Name,
    Source,
}

/// (year's notice, holiday name, first day off, last day off, weekend days worked)
type Arrangement = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

/// 国务院办公厅关于部分节假日安排的通知, one entry per holiday.
const ARRANGEMENTS: &[Arrangement] = &[
    (
        "国办发明电〔2021〕11号",
        "元旦",
        "2022-01-01",
        "2022-01-03",
        &[],
    ),
    (
        "国办发明电〔2021〕11号",
        "春节",
        "2022-01-31",
        "2022-02-06",
        &["2022-01-29", "2022-01-30"],
    ),
    (
        "国办发明电〔2021〕11号",
        "清明节",
        "2022-04-03",
        "2022-04-05",
        &["2022-04-02"],
    ),
    (
        "国办发明电〔2021〕11号",
        "劳动节",
        "2022-04-30",
        "2022-05-04",
        &["2022-04-24", "2022-05-07"],
    ),
    (
        "国办发明电〔2021〕11号",
        "端午节",
        "2022-06-03",
        "2022-06-05",
        &[],
    ),
    (
        "国办发明电〔2021〕11号",
        "中秋节",
        "2022-09-10",
        "2022-09-12",
        &[],
    ),
    (
        "国办发明电〔2021〕11号",
        "国庆节",
        "2022-10-01",
        "2022-10-07",
        &["2022-10-08", "2022-10-09"],
    ),
    (
        "国办发明电〔2022〕16号",
        "元旦",
        "2022-12-31",
        "2023-01-02",
        &[],
    ),
    (
        "国办发明电〔2022〕16号",
        "春节",
        "2023-01-21",
        "2023-01-27",
        &["2023-01-28", "2023-01-29"],
    ),
    (
        "国办发明电〔2022〕16号",
        "清明节",
        "2023-04-05",
        "2023-04-05",
        &[],
    ),
    (
        "国办发明电〔2022〕16号",
        "劳动节",
        "2023-04-29",
        "2023-05-03",
        &["2023-04-23", "2023-05-06"],
    ),
    (
        "国办发明电〔2022〕16号",
        "端午节",
        "2023-06-22",
        "2023-06-24",
        &["2023-06-25"],
    ),
    (
        "国办发明电〔2022〕16号",
        "中秋节、国庆节",
        "2023-09-29",
        "2023-10-06",
        &["2023-10-07", "2023-10-08"],
    ),
    (
        "国办发明电〔2023〕7号",
        "元旦",
        "2024-01-01",
        "2024-01-01",
        &[],
    ),
    (
        "国办发明电〔2023〕7号",
        "春节",
        "2024-02-10",
        "2024-02-17",
        &["2024-02-04", "2024-02-18"],
    ),
    (
        "国办发明电〔2023〕7号",
        "清明节",
        "2024-04-04",
        "2024-04-06",
        &["2024-04-07"],
    ),
    (
        "国办发明电〔2023〕7号",
        "劳动节",
        "2024-05-01",
        "2024-05-05",
        &["2024-04-28", "2024-05-11"],
    ),
    (
        "国办发明电〔2023〕7号",
        "端午节",
        "2024-06-10",
        "2024-06-10",
        &[],
    ),
    (
        "国办发明电〔2023〕7号",
        "中秋节",
        "2024-09-15",
        "2024-09-17",
        &["2024-09-14"],
    ),
    (
        "国办发明电〔2023〕7号",
        "国庆节",
        "2024-10-01",
        "2024-10-07",
        &["2024-09-29", "2024-10-12"],
    ),
    (
        "国办发明电〔2024〕12号",
        "元旦",
        "2025-01-01",
        "2025-01-01",
        &[],
    ),
    (
        "国办发明电〔2024〕12号",
        "春节",
        "2025-01-28",
        "2025-02-04",
        &["2025-01-26", "2025-02-08"],
    ),
    (
        "国办发明电〔2024〕12号",
        "清明节",
        "2025-04-04",
        "2025-04-06",
        &[],
    ),
    (
        "国办发明电〔2024〕12号",
        "劳动节",
        "2025-05-01",
        "2025-05-05",
        &["2025-04-27"],
    ),
    (
        "国办发明电〔2024〕12号",
        "端午节",
        "2025-05-31",
        "2025-06-02",
        &[],
    ),
    (
        "国办发明电〔2024〕12号",
        "国庆节、中秋节",
        "2025-10-01",
        "2025-10-08",
        &["2025-09-28", "2025-10-11"],
    ),
    (
        "国办发明电〔2025〕7号",
        "元旦",
        "2026-01-01",
        "2026-01-03",
        &["2026-01-04"],
    ),
    (
        "国办发明电〔2025〕7号",
        "春节",
        "2026-02-15",
        "2026-02-23",
        &["2026-02-14", "2026-02-28"],
    ),
    (
        "国办发明电〔2025〕7号",
        "清明节",
        "2026-04-04",
        "2026-04-06",
        &[],
    ),
    (
        "国办发明电〔2025〕7号",
        "劳动节",
        "2026-05-01",
        "2026-05-05",
        &["2026-05-09"],
    ),
    (
        "国办发明电〔2025〕7号",
        "端午节",
        "2026-06-19",
        "2026-06-21",
        &[],
    ),
    (
        "国办发明电〔2025〕7号",
        "中秋节",
        "2026-09-25",
        "2026-09-27",
        &[],
    ),
    (
        "国办发明电〔2025〕7号",
        "国庆节",
        "2026-10-01",
        "2026-10-07",
        &["2026-09-20", "2026-10-10"],
    ),
];

fn days(first: &str, last: &str) -> Vec<String> {
    let parse =
        |day: &str| NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a date of the table");
    let (mut day, last) = (parse(first), parse(last));
    let mut out = Vec::new();
    while day <= last {
        out.push(day.format("%Y-%m-%d").to_string());
        day = day.succ_opt().expect("within the calendar");
    }
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CalendarDays::Table)
                    .col(date(CalendarDays::Day).primary_key())
                    .col(string_len(CalendarDays::Kind, 8))
                    .col(string_len(CalendarDays::Name, 32))
                    .col(string_len(CalendarDays::Source, 64))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let placeholders = match backend {
            DbBackend::Postgres => "($1, $2, $3, $4)",
            _ => "(?, ?, ?, ?)",
        };
        let sql =
            format!("INSERT INTO calendar_days (day, kind, name, source) VALUES {placeholders}");
        for (source, name, first, last, worked) in ARRANGEMENTS {
            let off = days(first, last).into_iter().map(|day| (day, "OFF"));
            let work = worked.iter().map(|day| ((*day).to_owned(), "WORK"));
            for (day, kind) in off.chain(work) {
                let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").expect("a date of the table");
                db.execute_raw(Statement::from_sql_and_values(
                    backend,
                    &sql,
                    [
                        day.into(),
                        kind.into(),
                        format!("{name}{}", if kind == "WORK" { "调休上班" } else { "" }).into(),
                        (*source).into(),
                    ],
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CalendarDays::Table).to_owned())
            .await
    }
}
