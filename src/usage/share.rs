//! The share link's `mix` parameter: our mix CSV (the aggregate alone: per model, place and
//! band, requests and token sums; never a row, key, user or workspace), deflated and written
//! in URL-safe base64 without padding, so the link fits the query-string limit for any
//! real mix. Reading one back inflates at most [`MAX_MIX_BYTES`].

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

/// The largest mix a share link may inflate to: far above any mix a URL can carry
/// compressed, and a bound on what a crafted link can make the server inflate.
pub const MAX_MIX_BYTES: u64 = 1024 * 1024;

/// The mix CSV as a share link's parameter.
pub fn encode(mix_csv: &str) -> String {
    let mut deflated = DeflateEncoder::new(Vec::new(), Compression::best());
    // Writing to a Vec cannot fail.
    let _ = deflated.write_all(mix_csv.as_bytes());
    URL_SAFE_NO_PAD.encode(deflated.finish().unwrap_or_default())
}

/// A share link's parameter back to the mix CSV, or why it cannot be.
pub fn decode(param: &str) -> Result<Vec<u8>, String> {
    let deflated = URL_SAFE_NO_PAD.decode(param.trim()).map_err(|_| {
        "The mix in this link is not in the form our share links write.".to_string()
    })?;
    let mut mix = Vec::new();
    DeflateDecoder::new(deflated.as_slice())
        .take(MAX_MIX_BYTES + 1)
        .read_to_end(&mut mix)
        .map_err(|_| "The mix in this link is cut off or damaged.".to_string())?;
    if mix.len() as u64 > MAX_MIX_BYTES {
        return Err(format!(
            "The mix in this link inflates to more than {} KB; a share link holds sums only.",
            MAX_MIX_BYTES / 1024
        ));
    }
    Ok(mix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_goes_through_a_link_and_back_unchanged() {
        let mix = "model,requests\n\"a, b\",3\n";
        let param = encode(mix);
        assert!(
            param
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(decode(&param).unwrap(), mix.as_bytes());
    }

    #[test]
    fn a_damaged_or_oversized_link_is_refused_with_its_reason() {
        assert!(
            decode("not base64!")
                .unwrap_err()
                .contains("not in the form")
        );
        assert!(decode(&encode("abc")[..2]).is_err());
        let huge = "0".repeat(MAX_MIX_BYTES as usize + 10);
        assert!(decode(&encode(&huge)).unwrap_err().contains("inflates"));
    }
}
