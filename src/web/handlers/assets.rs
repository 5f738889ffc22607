//! `/static/{*path}`: the compiled-in stylesheet. Nothing is read from disk, so no path can
//! escape.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::web::cache_control::CacheControl;
use crate::web::error::{AppError, AppResult};
use crate::web::extractors::params::clip;
use crate::web::layout::{STYLE_CSS, STYLE_URL};

/// `GET /static/{*path}`: the stylesheet under its content-hashed URL, which browsers may
/// keep for a year, or under its plain name for five minutes.
pub async fn static_file(Path(path): Path<String>) -> AppResult<Response> {
    let name = format!("/static/{path}");
    let cache = if name == *STYLE_URL {
        CacheControl::Immutable
    } else if name == "/static/style.css" {
        CacheControl::PublicFor(300)
    } else {
        return Err(AppError::not_found(format!(
            "There is no file at {}.",
            clip(&name)
        )));
    };
    let css = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/css; charset=utf-8"),
        )],
        STYLE_CSS,
    );
    Ok(cache.apply(css.into_response()))
}
