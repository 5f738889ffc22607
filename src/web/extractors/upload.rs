//! An upload, streamed to a blocking reader: the first non-empty one of a multipart form's
//! file field and paste box, handed over a chunk at a time through a short channel, so the
//! reader runs off the async threads and memory holds a few chunks, never the file. The
//! reader gets a thread of its own at the render threads' lower priority (at most
//! `UPLOAD_SLOTS` exist at once): two uploads keep both cores busy, and the cached pages
//! must still be answered first.

use std::io::{self, Read};

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use tokio::sync::mpsc;

use crate::web::error::{AppError, AppResult};
use crate::web::middleware::{UPLOAD_BYTES, lower_priority};

/// The form field of the file.
pub const FILE_FIELD: &str = "file";
/// The form field of the paste box.
pub const TEXT_FIELD: &str = "text";

/// Chunks on their way to the reader.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Why an upload stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum UploadBroke {
    #[error("the upload is larger than the limit")]
    TooLarge,
    #[error("the upload broke off before its end")]
    BrokeOff,
}

impl UploadBroke {
    fn from_multipart(err: &MultipartError) -> UploadBroke {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadBroke::TooLarge
        } else {
            UploadBroke::BrokeOff
        }
    }

    /// The answer to an upload that stopped.
    pub fn refusal(&self) -> AppError {
        match self {
            UploadBroke::TooLarge => upload_too_large(),
            UploadBroke::BrokeOff => AppError::invalid(
                FILE_FIELD,
                "The upload broke off before its end. Please send it again.",
            ),
        }
    }
}

/// The 413 of an upload past [`UPLOAD_BYTES`].
fn upload_too_large() -> AppError {
    AppError::TooLarge {
        what: "This upload",
        limit: UPLOAD_BYTES,
        advice: "Export a shorter period, or compress the file with gzip: a .gz upload of up \
                 to that size is read, inflated to at most 512 MB.",
    }
}

/// The upload's bytes as a blocking reader sees them; an upload that stops early is an
/// error carrying [`UploadBroke`].
pub struct UploadReader {
    current: Bytes,
    chunks: mpsc::Receiver<Result<Bytes, UploadBroke>>,
}

impl Read for UploadReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(broke)) => return Err(io::Error::other(broke)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// Runs `read` on a blocking thread over the first non-empty upload field of `multipart`
/// (the file, else the paste box), feeding it as the body arrives. A form with neither is
/// a 400 by the file field.
pub async fn read_upload<T: Send + 'static>(
    mut multipart: Multipart,
    read: impl FnOnce(UploadReader) -> T + Send + 'static,
) -> AppResult<T> {
    let refuse = |err: MultipartError| UploadBroke::from_multipart(&err).refusal();
    while let Some(mut field) = multipart.next_field().await.map_err(refuse)? {
        if !matches!(field.name(), Some(FILE_FIELD | TEXT_FIELD)) {
            continue;
        }
        // A file input left empty still sends its part; so does an empty paste box.
        let first = loop {
            match field.chunk().await.map_err(refuse)? {
                Some(chunk) if chunk.is_empty() => {}
                other => break other,
            }
        };
        let Some(first) = first else {
            continue;
        };
        let (sender, chunks) = mpsc::channel(CHUNKS_IN_FLIGHT);
        let (reply, reading) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("upload-reader".into())
            .spawn(move || {
                lower_priority();
                // The request may be gone (cut off by its time limit): nobody to tell.
                let _ = reply.send(read(UploadReader {
                    current: first,
                    chunks,
                }));
            })
            .map_err(AppError::internal)?;
        loop {
            let next = match field.chunk().await {
                Ok(Some(chunk)) => Ok(chunk),
                Ok(None) => break,
                Err(err) => Err(UploadBroke::from_multipart(&err)),
            };
            let stop = next.is_err();
            // The reader may have stopped early (a file in no format we read): then the
            // rest of the body is not wanted.
            if sender.send(next).await.is_err() || stop {
                break;
            }
        }
        drop(sender);
        // A reader that panicked drops its reply: a 500, as any panic.
        return reading
            .await
            .map_err(|_| AppError::internal("the upload's reader stopped without an answer"));
    }
    Err(AppError::invalid(
        FILE_FIELD,
        "Choose an export file, or paste one into the box: both were empty.",
    ))
}
