//! The CSV exports (`/api/models.csv`, `/api/price-tags.csv`, the calculator's and the
//! price tags' CSV): one quoting rule, one row writer, one response.

use axum::http::header;
use axum::response::{IntoResponse, Response};

pub use crate::format::csv_field as field;

/// Appends one row of fields, each quoted by [`field`], and its line end.
pub fn push_row<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&field(f.as_ref()));
    }
    out.push('\n');
}

/// How a browser should treat the file.
#[derive(Clone, Copy)]
pub enum Disposition {
    /// Shown in the browser where it can be (the exports a reader opens from a page).
    Inline,
    /// Saved as a file.
    Attachment,
}

/// A CSV body as a response, named `filename`.
pub fn response(body: String, filename: &str, disposition: Disposition) -> Response {
    let how = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("{how}; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_defused() {
        let mut out = String::new();
        push_row(
            &mut out,
            &["a,b", "say \"hi\"", "=SUM(A1)", "-1.5", "plain"],
        );
        assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",'=SUM(A1),-1.5,plain\n");
    }
}
