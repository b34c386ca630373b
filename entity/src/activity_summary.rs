use sea_orm::entity::prelude::*;

/// What a completed activity did (做好总结): its organizers' account, how many it served
/// and who.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "activity_summaries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub activity_id: i32,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub served_count: i32,
    /// Who was served: 困难群众, 空巢老人, 留守儿童 …
    pub served_groups: crate::TextList,
    pub submitted_by: i32,
    pub submitted_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
