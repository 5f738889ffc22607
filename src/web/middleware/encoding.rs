//! Content coding: which coding a client gets (`Accept-Encoding`, RFC 9110 §12.5.3), and
//! compressing a rendered page into it once, for the page cache to keep.
//!
//! Ours, not tower-http's `CompressionLayer`: that layer compresses every response as it
//! streams out, so a cached page would be compressed again on every hit; the page cache keeps
//! the compressed bytes per data version instead, and needs the negotiated coding before the
//! handler runs (it is part of the cache key and the ETag). tower-http's negotiation is not
//! public, and the effort levels below differ by page.

use std::io::Write;

use axum::http::{HeaderMap, Uri, header};

/// Below this size compression is not worth a header.
const MIN_COMPRESS: usize = 1024;

/// How a response body is encoded for a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// Chooses by `Accept-Encoding` as RFC 9110 §12.5.3 reads: codings and parameter names are
    /// case-insensitive, the highest q-value wins (brotli, then gzip, then identity on a tie),
    /// `*` stands for every coding not named, `q=0` refuses, and identity is acceptable unless
    /// refused. No header, or nothing acceptable, means identity.
    pub fn negotiate(headers: &HeaderMap) -> Encoding {
        let mut named = Vec::new();
        let mut any_header = false;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            any_header = true;
            let Ok(text) = value.to_str() else {
                return Encoding::Identity;
            };
            for element in text.split(',') {
                let mut pieces = element.split(';');
                let coding = pieces
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                if coding.is_empty() {
                    continue;
                }
                let mut weight = Some(1000);
                for parameter in pieces {
                    if let Some((name, value)) = parameter.split_once('=')
                        && name.trim().eq_ignore_ascii_case("q")
                    {
                        weight = qvalue(value.trim());
                    }
                }
                // An element with a malformed weight is ignored, as if it were not sent.
                if let Some(weight) = weight {
                    named.push((coding, weight));
                }
            }
        }
        if !any_header {
            return Encoding::Identity;
        }
        let weight_of = |names: &[&str]| {
            named
                .iter()
                .find(|(c, _)| names.contains(&c.as_str()))
                .or_else(|| named.iter().find(|(c, _)| c == "*"))
                .map(|(_, w)| *w)
        };
        let candidates = [
            (Encoding::Brotli, weight_of(&["br"]).unwrap_or(0)),
            // RFC 9110 §8.4.1.3: x-gzip is gzip.
            (Encoding::Gzip, weight_of(&["gzip", "x-gzip"]).unwrap_or(0)),
            // Identity is always acceptable unless refused, and never preferred unless named.
            (Encoding::Identity, weight_of(&["identity"]).unwrap_or(1)),
        ];
        candidates
            .iter()
            .filter(|(_, w)| *w > 0)
            // `max_by_key` keeps the last of equals; iterate in reverse so brotli wins ties.
            .rev()
            .max_by_key(|(_, w)| *w)
            .map_or(Encoding::Identity, |(e, _)| *e)
    }

    /// The `Content-Encoding` value, none for identity.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }

    /// The coding a body of `length` bytes is sent in to a client that negotiated `self`:
    /// identity when it is too small to be worth compressing.
    pub fn for_length(self, length: usize) -> Encoding {
        if length < MIN_COMPRESS {
            Encoding::Identity
        } else {
            self
        }
    }

    /// `body` in this coding.
    pub fn compress(self, body: &[u8], effort: Effort) -> std::io::Result<Vec<u8>> {
        let (gzip_level, brotli_quality) = match effort {
            Effort::Small => (6, 6),
            Effort::Fast => (1, 0),
        };
        match self {
            Encoding::Identity => Ok(body.to_vec()),
            Encoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(gzip_level));
                encoder.write_all(body)?;
                encoder.finish()
            }
            Encoding::Brotli => {
                let mut out = Vec::new();
                {
                    let mut writer =
                        brotli::CompressorWriter::new(&mut out, 4096, brotli_quality, 22);
                    writer.write_all(body)?;
                }
                Ok(out)
            }
        }
    }
}

/// How hard a page is compressed (issue 14). A page reached without a query string (the
/// site's own pages, asked for again and again) is compressed hard, once per data version.
/// One with a query (a reader's own workload or filters, mostly asked for once) is
/// compressed at a fast level, as its render is paid by the request that asks: on the
/// calculator's 40 KB page brotli 0 takes 104 µs against 133 µs at brotli 1 and 650 µs at
/// brotli 6, for 9.2 KB instead of 8.8 KB and 7.2 KB (`examples/calculator_stages.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effort {
    Small,
    Fast,
}

impl Effort {
    /// The effort a page at `uri` is worth.
    pub fn for_uri(uri: &Uri) -> Effort {
        if uri.query().is_some_and(|q| !q.is_empty()) {
            Effort::Fast
        } else {
            Effort::Small
        }
    }
}

/// A q-value in thousandths: `0`, `0.5`, `1`, `1.000` (at most three decimals, at most 1).
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    fn negotiated(value: &str) -> Encoding {
        Encoding::negotiate(&with_accept(value))
    }

    #[test]
    fn encoding_prefers_brotli_then_gzip_and_honours_q_zero() {
        assert_eq!(negotiated("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(negotiated("gzip"), Encoding::Gzip);
        assert_eq!(negotiated("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(negotiated("identity"), Encoding::Identity);
        assert_eq!(Encoding::negotiate(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn accept_encoding_follows_rfc_9110() {
        // Parameter names and codings are case-insensitive.
        assert_eq!(negotiated("br;Q=0, gzip"), Encoding::Gzip);
        assert_eq!(negotiated("BR"), Encoding::Brotli);
        // The q-value orders the choice; server preference only breaks ties.
        assert_eq!(negotiated("gzip;q=1, br;q=0.1"), Encoding::Gzip);
        assert_eq!(negotiated("gzip;q=0.5, br;q=0.5"), Encoding::Brotli);
        assert_eq!(negotiated("identity;q=1, br;q=0.5"), Encoding::Identity);
        // `*` covers what is not named.
        assert_eq!(negotiated("*"), Encoding::Brotli);
        assert_eq!(negotiated("br;q=0, *;q=0.5"), Encoding::Gzip);
        assert_eq!(negotiated("*;q=0"), Encoding::Identity);
        assert_eq!(negotiated("x-gzip"), Encoding::Gzip);
        // An empty value asks for no coding; a malformed weight drops its element.
        assert_eq!(negotiated(""), Encoding::Identity);
        assert_eq!(negotiated("br;q=2, gzip;q=0.9"), Encoding::Gzip);
        assert_eq!(negotiated("br;q=0.0001"), Encoding::Identity);
    }

    #[test]
    fn q_values_are_read_in_thousandths() {
        assert_eq!(qvalue("1"), Some(1000));
        assert_eq!(qvalue("1.000"), Some(1000));
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.05"), Some(50));
        assert_eq!(qvalue("0"), Some(0));
        assert_eq!(qvalue("1.5"), None);
        assert_eq!(qvalue(".5"), None);
        assert_eq!(qvalue("0.5000"), None);
    }
}
