//! SQL of the hottest queries, built by SeaORM once per backend instead of on every request
//! (building the room-row query was about a tenth of a JSON history request's instructions).

use sea_orm::{DbBackend, Statement, Value};
use std::sync::OnceLock;

/// One query's SQL text per backend, kept from its first build.
pub(crate) struct BuiltOnce([OnceLock<String>; 3]);

impl BuiltOnce {
    /// Nothing built yet.
    pub(crate) const fn new() -> Self {
        Self([OnceLock::new(), OnceLock::new(), OnceLock::new()])
    }

    /// The statement `build` makes for `backend`, whose bound values are exactly `values` in
    /// this order: built the first time, then the kept SQL with `values` bound.
    pub(crate) fn statement(
        &self,
        backend: DbBackend,
        values: Vec<Value>,
        build: impl FnOnce() -> Statement,
    ) -> Statement {
        let slot = match backend {
            DbBackend::MySql => &self.0[0],
            DbBackend::Postgres => &self.0[1],
            DbBackend::Sqlite => &self.0[2],
            // A backend added to SeaORM later: built every time.
            _ => return build(),
        };
        if let Some(sql) = slot.get() {
            return Statement::from_sql_and_values(backend, sql.as_str(), values);
        }
        let built = build();
        debug_assert_eq!(
            built.values.as_ref().map(|v| v.0.as_slice()),
            Some(values.as_slice()),
            "the values given are not the ones the query binds"
        );
        let _ = slot.set(built.sql.clone());
        built
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::entities::chat;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

    fn by_key(key: &str) -> Statement {
        chat::Entity::find()
            .filter(chat::Column::HashKey.eq(key))
            .build(DbBackend::Postgres)
    }

    #[test]
    fn later_statements_equal_what_seaorm_builds() {
        let kept = BuiltOnce::new();
        for key in ["first", "second", "third"] {
            let statement = kept.statement(DbBackend::Postgres, vec![key.into()], || by_key(key));
            assert_eq!(statement, by_key(key));
        }
    }

    #[test]
    fn each_backend_keeps_its_own_sql() {
        let kept = BuiltOnce::new();
        let build = |backend| {
            chat::Entity::find()
                .filter(chat::Column::HashKey.eq("k"))
                .build(backend)
        };
        for backend in [DbBackend::Postgres, DbBackend::Sqlite, DbBackend::MySql] {
            for _ in 0..2 {
                let statement = kept.statement(backend, vec!["k".into()], || build(backend));
                assert_eq!(statement, build(backend), "{backend:?}");
            }
        }
    }
}
