//! The usage documents of OpenAI's and Anthropic's APIs, read as they stream: a page
//! (`{"data": [bucket, …], "has_more": …}`, or a list of pages) of time buckets, each with a
//! list of results. Every result is a row, handed to its format as soon as it is parsed and
//! then dropped, so a document of any length is read in the memory of one result. A
//! skipped result is named by the line its object starts on.
//!
//! A document that is not valid JSON, or whose fields have the wrong JSON types, cannot be
//! read past the break: the reading fails there, with its line, rather than guessing.

use std::fmt;
use std::io::{self, BufRead};
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::usage::intake::{JsonPosition, JsonSource, ValueTooLong};
use crate::usage::mix::{Tally, Thresholds};
use crate::usage::{Format, Reading, UsageError};

/// One API's usage document.
pub(super) trait Report {
    const FORMAT: Format;
    /// The bucket's keys for its start and (exclusive) end.
    const START: &'static str;
    const END: &'static str;
    /// How the bucket's moments are written.
    type Moment: DeserializeOwned;
    /// A moment in Unix seconds.
    fn seconds(moment: &Self::Moment, field: &str) -> Result<u64, String>;
    /// One result of a bucket.
    type Result: DeserializeOwned;
    fn read_result(result: Self::Result, tally: &mut Tally) -> Result<(), String>;
}

/// Reads a whole document.
pub(super) fn read<K: Report, R: BufRead>(
    text: R,
    thresholds: &Thresholds,
) -> io::Result<Result<Reading, UsageError>> {
    let (source, position) = JsonSource::new(text);
    let mut tally = Tally::new(K::FORMAT, thresholds);
    let mut json = serde_json::Deserializer::from_reader(source);
    let read = Walk::<K, Pages> {
        tally: &mut tally,
        position: &position,
        shape: PhantomData,
    }
    .deserialize(&mut json)
    .and_then(|()| json.end());
    match read {
        Ok(()) => Ok(Ok(tally.finish())),
        Err(err) if err.is_io() => {
            let err = io::Error::from(err);
            if err.get_ref().is_some_and(|e| e.is::<ValueTooLong>()) {
                return Ok(Err(UsageError::BrokenJson {
                    line: position.line(),
                    message: ValueTooLong.to_string(),
                }));
            }
            Err(err)
        }
        Err(err) => {
            let message = err.to_string();
            // serde_json appends the position; the error carries the line on its own.
            let message = match message.rsplit_once(" at line ") {
                Some((message, _)) => message.to_owned(),
                None => message,
            };
            Ok(Err(UsageError::BrokenJson {
                line: err.line() as u64,
                message,
            }))
        }
    }
}

/// The days a bucket covers, from its start and (exclusive) end in Unix seconds.
pub(super) fn bucket_days(
    start: u64,
    end: u64,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate), String> {
    if end <= start {
        return Err("the bucket's end is not after its start".into());
    }
    Ok((
        crate::usage::cells::unix_day(start, "start")?,
        crate::usage::cells::unix_day(end - 1, "end")?,
    ))
}

/// Where the walk through a document is: the reading it adds to, the source's position, and
/// (as types) the report and the level being read ([`Pages`], [`Buckets`], [`Bucket`],
/// [`Results`]), each level a seed that reads its part and hands the rest to the next.
struct Walk<'a, 't, K, Level> {
    tally: &'a mut Tally<'t>,
    position: &'a JsonPosition,
    shape: PhantomData<(K, Level)>,
}

impl<'t, K, L> Walk<'_, 't, K, L> {
    /// The walk one level down.
    fn down<M>(&mut self) -> Walk<'_, 't, K, M> {
        Walk {
            tally: &mut *self.tally,
            position: self.position,
            shape: PhantomData,
        }
    }
}

/// A page, or a list of pages.
struct Pages;
/// A page's list of buckets.
struct Buckets;
/// One time bucket: its moments and its results.
struct Bucket;
/// A bucket's results: the rows.
struct Results;

impl<'de, K: Report> DeserializeSeed<'de> for Walk<'_, '_, K, Pages> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, K: Report> Visitor<'de> for Walk<'_, '_, K, Pages> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a usage page or a list of pages")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut pages: A) -> Result<(), A::Error> {
        while pages.next_element_seed(self.down::<Pages>())?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut page: A) -> Result<(), A::Error> {
        while let Some(key) = page.next_key::<String>()? {
            match key.as_str() {
                "data" => page.next_value_seed(self.down::<Buckets>())?,
                "has_more" => {
                    if page.next_value::<Option<bool>>()? == Some(true) {
                        self.tally.notes.pages_with_more += 1;
                    }
                }
                _ => {
                    page.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl<'de, K: Report> DeserializeSeed<'de> for Walk<'_, '_, K, Buckets> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, K: Report> Visitor<'de> for Walk<'_, '_, K, Buckets> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of time buckets")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut buckets: A) -> Result<(), A::Error> {
        while buckets.next_element_seed(self.down::<Bucket>())?.is_some() {}
        Ok(())
    }
}

impl<'de, K: Report> DeserializeSeed<'de> for Walk<'_, '_, K, Bucket> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, K: Report> Visitor<'de> for Walk<'_, '_, K, Bucket> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a time bucket")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut bucket: A) -> Result<(), A::Error> {
        let (mut start, mut end) = (None, None);
        while let Some(key) = bucket.next_key::<String>()? {
            if key == K::START {
                start = bucket.next_value::<Option<K::Moment>>()?;
            } else if key == K::END {
                end = bucket.next_value::<Option<K::Moment>>()?;
            } else if key == "results" {
                bucket.next_value_seed(self.down::<Results>())?;
            } else {
                bucket.next_value::<IgnoredAny>()?;
            }
        }
        let days = match (start, end) {
            (Some(start), Some(end)) => K::seconds(&start, K::START)
                .and_then(|start| K::seconds(&end, K::END).and_then(|end| bucket_days(start, end))),
            _ => Err(format!("a bucket without {} and {}", K::START, K::END)),
        };
        match days {
            Ok(days) => self.tally.cover(Some(days)),
            // Its results were read; only the period cannot take it in.
            Err(reason) => self.tally.skip(self.position.last_closed_started(), reason),
        }
        Ok(())
    }
}

impl<'de, K: Report> DeserializeSeed<'de> for Walk<'_, '_, K, Results> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, K: Report> Visitor<'de> for Walk<'_, '_, K, Results> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of usage results")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut results: A) -> Result<(), A::Error> {
        while let Some(result) = results.next_element::<K::Result>()? {
            // The result's object has just closed: the line it opened on is its line.
            let line = self.position.last_closed_started();
            match K::read_result(result, self.tally) {
                Ok(()) => self.tally.rows_read += 1,
                Err(reason) => self.tally.skip(line, reason),
            }
        }
        Ok(())
    }
}
