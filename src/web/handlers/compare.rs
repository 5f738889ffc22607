//! `/compare?ids=a,b,…`: two to six models side by side.

use crate::web::error::AppResult;
use crate::web::extractors::Query;
use crate::web::extractors::compare::CompareQuery;
use crate::web::pages::compare::ComparePage;

/// `GET /compare`: the empty form without ids, each problem with them (a 400), or the
/// models side by side.
pub async fn compare(query: Query<CompareQuery>) -> AppResult<ComparePage> {
    Ok(ComparePage::build(
        &query.catalogue,
        &query.value,
        query.errors.clone(),
    ))
}
