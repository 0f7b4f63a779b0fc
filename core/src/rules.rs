//! Red-flag rules and lifestyle links over the stored history and the journal.
//! Every rule cites its sentence of the seed text in docs/rules.md.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    Store(#[from] StoreError),
}
