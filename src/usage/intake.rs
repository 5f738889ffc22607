//! Bounded byte intake: an upload becomes text a row at a time, in memory that does not grow
//! with the file. Gzip is recognised by its magic bytes (whatever the file is called) and
//! inflated to at most [`MAX_INFLATED_BYTES`]; a UTF-8 byte-order mark is dropped; CSV
//! records are split with their quoting (commas and line breaks inside quotes, doubled
//! quotes, CRLF), and a row longer than [`MAX_ROW_BYTES`] is reported as such and skipped
//! without being held whole. JSON documents are read through [`JsonSource`], which knows the
//! line each object started on and refuses a single value longer than a row may be.

use std::cell::Cell;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::rc::Rc;

use flate2::read::MultiGzDecoder;

/// What a gzip upload may inflate to; past it the upload is refused (a "gzip bomb" of a few
/// megabytes can claim terabytes).
pub const MAX_INFLATED_BYTES: u64 = 512 * 1024 * 1024;

/// The longest row (CSV record or JSON line, its line breaks included) read; a longer one is
/// a bad row. No export writes rows anywhere near this long.
pub const MAX_ROW_BYTES: usize = 64 * 1024;

/// How much of the (inflated) start of a file detection looks at.
pub const HEAD_BYTES: usize = 64 * 1024;

const BUFFER_BYTES: usize = 256 * 1024;

/// The gzip stream inflated past [`MAX_INFLATED_BYTES`].
#[derive(Debug, thiserror::Error)]
#[error("the file inflates to more than {limit} bytes")]
pub struct InflateLimit {
    pub limit: u64,
}

/// An error of the upload itself (its reader's), kept apart from the gzip decoder's.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SourceError(pub io::Error);

/// One JSON value (a string or a number) is longer than a row may be.
#[derive(Debug, thiserror::Error)]
#[error("a single value is longer than {} KB", MAX_ROW_BYTES / 1024)]
pub struct ValueTooLong;

/// An opened upload: its first bytes (inflated, without a byte-order mark) for detection,
/// and the whole text from its first byte on.
pub struct Intake<'a> {
    /// Up to [`HEAD_BYTES`] of the start of the text.
    pub head: Vec<u8>,
    /// Whether the upload was gzip-compressed.
    pub gzip: bool,
    /// The text, `head` included.
    pub text: Box<dyn BufRead + 'a>,
}

/// Opens `raw`: inflates it if it starts with gzip's magic bytes, drops a UTF-8 byte-order
/// mark, and reads the head for detection.
pub fn open<'a>(raw: impl Read + 'a) -> io::Result<Intake<'a>> {
    let (magic, raw) = peek(Tagged(raw), 2)?;
    let gzip = magic == [0x1f, 0x8b];
    let raw = Cursor::new(magic).chain(raw);
    let inflated: Box<dyn Read + 'a> = if gzip {
        Box::new(Capped {
            inner: MultiGzDecoder::new(BufReader::with_capacity(BUFFER_BYTES, raw)),
            left: MAX_INFLATED_BYTES,
        })
    } else {
        Box::new(raw)
    };
    let (mut head, rest) = peek(inflated, HEAD_BYTES)?;
    if head.starts_with(b"\xef\xbb\xbf") {
        head.drain(..3);
    }
    let text = BufReader::with_capacity(BUFFER_BYTES, Cursor::new(head.clone()).chain(rest));
    Ok(Intake {
        head,
        gzip,
        text: Box::new(text),
    })
}

/// The first `n` bytes of `reader` (fewer at its end), and the reader after them.
fn peek<R: Read>(mut reader: R, n: usize) -> io::Result<(Vec<u8>, R)> {
    let mut head = Vec::with_capacity(n.min(HEAD_BYTES));
    (&mut reader).take(n as u64).read_to_end(&mut head)?;
    Ok((head, reader))
}

/// The upload's reader, whose errors are marked as its own.
struct Tagged<R>(R);

impl<R: Read> Read for Tagged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|err| io::Error::other(SourceError(err)))
    }
}

/// Inflated bytes, refused past a limit: memory stays at one buffer however far the stream
/// would inflate.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            io::Error::other(InflateLimit {
                limit: MAX_INFLATED_BYTES,
            })
        })?;
        Ok(n)
    }
}

/// One CSV record's fields, unquoted, in one reused buffer.
#[derive(Debug, Default)]
pub struct Record {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Record {
    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// How many fields the record has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// A line with nothing on it (one empty field).
    pub fn is_blank(&self) -> bool {
        self.bytes.is_empty() && self.ends.len() <= 1
    }

    /// Field `i`, unquoted; empty past the last field.
    pub fn get(&self, i: usize) -> &[u8] {
        let Some(&end) = self.ends.get(i) else {
            return &[];
        };
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..end]
    }

    /// Every field, as text where it is UTF-8.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// What reading the next row found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// A row, starting on this line (1 for the file's first line).
    Row { line: u64 },
    /// A row longer than [`MAX_ROW_BYTES`], read past and not kept.
    TooLong { line: u64 },
    /// A row whose quoted field never closes before the file ends.
    Unclosed { line: u64 },
    /// The end of the file.
    End,
}

/// Where a CSV parse is within a field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: a doubled quote, or the field's end.
    QuoteInQuoted,
}

/// Rows of text, CSV records or plain lines, counted by the line they start on.
pub struct Rows<R> {
    text: R,
    /// Lines finished so far.
    lines: u64,
}

impl<R: BufRead> Rows<R> {
    pub fn new(text: R) -> Rows<R> {
        Rows { text, lines: 0 }
    }

    /// The next CSV record into `record` (RFC 4180, leniently: a quote inside an unquoted
    /// field is kept as a character; CR outside quotes is dropped).
    pub fn next_record(&mut self, record: &mut Record) -> io::Result<Next> {
        record.clear();
        let line = self.lines + 1;
        let mut state = Quoting::FieldStart;
        let mut raw_len = 0usize;
        let mut any = false;
        loop {
            let buf = self.text.fill_buf()?;
            if buf.is_empty() {
                if !any {
                    return Ok(Next::End);
                }
                return Ok(finish(
                    record,
                    raw_len,
                    line,
                    state == Quoting::Quoted,
                    false,
                ));
            }
            any = true;
            let mut i = 0;
            let mut ended = false;
            while i < buf.len() {
                let byte = buf[i];
                match state {
                    Quoting::Unquoted | Quoting::FieldStart
                        if !matches!(byte, b',' | b'\n' | b'\r' | b'"')
                            || (byte == b'"' && state == Quoting::Unquoted) =>
                    {
                        // The common case: a run of plain bytes, taken at once.
                        let run = buf[i..]
                            .iter()
                            .position(|b| matches!(b, b',' | b'\n' | b'\r'))
                            .unwrap_or(buf.len() - i);
                        push(record, &buf[i..i + run], raw_len);
                        raw_len += run;
                        i += run;
                        state = Quoting::Unquoted;
                        continue;
                    }
                    Quoting::FieldStart if byte == b'"' => state = Quoting::Quoted,
                    Quoting::Quoted => {
                        let run = buf[i..]
                            .iter()
                            .position(|&b| b == b'"')
                            .unwrap_or(buf.len() - i);
                        let taken = &buf[i..i + run];
                        self.lines += taken.iter().filter(|&&b| b == b'\n').count() as u64;
                        push(record, taken, raw_len);
                        raw_len += run;
                        i += run;
                        if i < buf.len() {
                            state = Quoting::QuoteInQuoted;
                            raw_len += 1;
                            i += 1;
                        }
                        continue;
                    }
                    Quoting::QuoteInQuoted if byte == b'"' => {
                        push(record, b"\"", raw_len);
                        state = Quoting::Quoted;
                    }
                    _ => match byte {
                        b',' => {
                            end_field(record, raw_len);
                            state = Quoting::FieldStart;
                        }
                        b'\n' => {
                            self.lines += 1;
                            end_field(record, raw_len);
                            ended = true;
                            i += 1;
                            break;
                        }
                        b'\r' => {}
                        // Text after a closing quote is kept, as most readers do.
                        _ => {
                            push(record, &[byte], raw_len);
                            state = Quoting::Unquoted;
                        }
                    },
                }
                raw_len += 1;
                i += 1;
            }
            self.text.consume(i);
            if ended {
                return Ok(finish(record, raw_len, line, false, true));
            }
        }
    }

    /// The next line into `line` (without its line end), for JSON lines.
    pub fn next_line(&mut self, out: &mut Vec<u8>) -> io::Result<Next> {
        out.clear();
        let line = self.lines + 1;
        let mut raw_len = 0usize;
        let mut any = false;
        loop {
            let buf = self.text.fill_buf()?;
            if buf.is_empty() {
                return Ok(match (any, raw_len > MAX_ROW_BYTES) {
                    (false, _) => Next::End,
                    (true, true) => Next::TooLong { line },
                    (true, false) => Next::Row { line },
                });
            }
            any = true;
            let (taken, ended) = match buf.iter().position(|&b| b == b'\n') {
                Some(at) => (at, true),
                None => (buf.len(), false),
            };
            if raw_len + taken <= MAX_ROW_BYTES {
                out.extend_from_slice(&buf[..taken]);
            }
            raw_len += taken;
            self.text.consume(taken + usize::from(ended));
            if ended {
                self.lines += 1;
                if out.last() == Some(&b'\r') {
                    out.pop();
                }
                return Ok(if raw_len > MAX_ROW_BYTES {
                    Next::TooLong { line }
                } else {
                    Next::Row { line }
                });
            }
        }
    }
}

/// Appends field bytes unless the row is already over the limit (then it is only read past).
fn push(record: &mut Record, bytes: &[u8], raw_len: usize) {
    if raw_len + bytes.len() <= MAX_ROW_BYTES {
        record.bytes.extend_from_slice(bytes);
    }
}

fn end_field(record: &mut Record, raw_len: usize) {
    if raw_len <= MAX_ROW_BYTES {
        record.ends.push(record.bytes.len());
    }
}

fn finish(
    record: &mut Record,
    raw_len: usize,
    line: u64,
    unclosed: bool,
    line_ended: bool,
) -> Next {
    if raw_len > MAX_ROW_BYTES {
        record.clear();
        return Next::TooLong { line };
    }
    if unclosed {
        record.clear();
        return Next::Unclosed { line };
    }
    // The line break ended the last field; at the end of the file nothing did.
    if !line_ended {
        record.ends.push(record.bytes.len());
    }
    Next::Row { line }
}

/// Where a JSON document's reader is: the line it is on, and the line the object or list it
/// closed last started on (so a reader of one entry can name the entry's first line).
#[derive(Clone, Default)]
pub struct JsonPosition {
    line: Rc<Cell<u64>>,
    last_closed_started: Rc<Cell<u64>>,
}

impl JsonPosition {
    /// The line the object or list closed last started on.
    pub fn last_closed_started(&self) -> u64 {
        self.last_closed_started.get()
    }

    /// The line being read.
    pub fn line(&self) -> u64 {
        self.line.get()
    }
}

/// A JSON document as serde_json reads it (a byte at a time), watched: it tracks lines and
/// where each object starts, and refuses a string or number longer than a row may be, so a
/// document of any size is read in bounded memory.
pub struct JsonSource<R> {
    text: R,
    position: JsonPosition,
    /// The line each open object or list started on (only the first levels are kept).
    open: Vec<u64>,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// Bytes in the current string or bare value.
    value_len: usize,
}

/// How many levels of nesting keep their starting line.
const TRACKED_DEPTH: usize = 16;

impl<R: BufRead> JsonSource<R> {
    pub fn new(text: R) -> (JsonSource<R>, JsonPosition) {
        let position = JsonPosition::default();
        position.line.set(1);
        let source = JsonSource {
            text,
            position: position.clone(),
            open: Vec::new(),
            depth: 0,
            in_string: false,
            escaped: false,
            value_len: 0,
        };
        (source, position)
    }

    fn watch(&mut self, byte: u8) -> io::Result<()> {
        if byte == b'\n' {
            self.position.line.set(self.position.line.get() + 1);
        }
        if self.in_string {
            self.value_len += 1;
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
                self.value_len = 0;
            }
        } else {
            match byte {
                b'"' => {
                    self.in_string = true;
                    self.value_len = 0;
                }
                b'{' | b'[' => {
                    if self.depth < TRACKED_DEPTH {
                        self.open.push(self.position.line.get());
                    }
                    self.depth += 1;
                    self.value_len = 0;
                }
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth < TRACKED_DEPTH
                        && let Some(started) = self.open.pop()
                    {
                        self.position.last_closed_started.set(started);
                    }
                    self.value_len = 0;
                }
                b',' | b':' | b' ' | b'\t' | b'\n' | b'\r' => self.value_len = 0,
                _ => self.value_len += 1,
            }
        }
        if self.value_len > MAX_ROW_BYTES {
            return Err(io::Error::other(ValueTooLong));
        }
        Ok(())
    }
}

impl<R: BufRead> Read for JsonSource<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.text.read(buf)?;
        for &byte in &buf[..n] {
            self.watch(byte)?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn records(text: &[u8]) -> Vec<(Next, Vec<String>)> {
        let mut rows = Rows::new(text);
        let mut record = Record::default();
        let mut out = Vec::new();
        loop {
            let next = rows.next_record(&mut record).unwrap();
            if next == Next::End {
                return out;
            }
            let fields = record
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((next, fields));
        }
    }

    #[test]
    fn quoted_commas_line_breaks_and_doubled_quotes_stay_inside_their_field() {
        let text = b"a,b,c\r\n\"x, y\",\"two\r\nlines\",\"say \"\"hi\"\"\"\r\nlast,,\n";
        let got = records(text);
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[0],
            (
                Next::Row { line: 1 },
                vec!["a".into(), "b".into(), "c".into()]
            )
        );
        assert_eq!(
            got[1],
            (
                Next::Row { line: 2 },
                vec!["x, y".into(), "two\r\nlines".into(), "say \"hi\"".into()]
            )
        );
        // The record after a quoted line break starts on line 4.
        assert_eq!(
            got[2],
            (
                Next::Row { line: 4 },
                vec!["last".into(), String::new(), String::new()]
            )
        );
    }

    #[test]
    fn the_last_row_needs_no_line_break_and_blank_lines_are_blank() {
        let got = records(b"a,b\n\nc,d");
        assert_eq!(got[1].1, vec![String::new()]);
        assert_eq!(
            got[2],
            (Next::Row { line: 3 }, vec!["c".into(), "d".into()])
        );
    }

    #[test]
    fn an_overlong_row_is_reported_and_the_next_one_is_read() {
        let mut text = b"h1,h2\n\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_ROW_BYTES));
        text.extend(b"\n,still quoted\",2\nok,3\n");
        let got = records(&text);
        assert_eq!(got[1].0, Next::TooLong { line: 2 });
        assert!(got[1].1.is_empty(), "nothing of it is kept");
        assert_eq!(
            got[2],
            (Next::Row { line: 4 }, vec!["ok".into(), "3".into()])
        );
    }

    #[test]
    fn a_row_of_exactly_the_limit_is_read() {
        let mut text = vec![b'y'; MAX_ROW_BYTES];
        text.push(b'\n');
        let got = records(&text);
        assert_eq!(got[0].0, Next::Row { line: 1 });
        assert_eq!(got[0].1[0].len(), MAX_ROW_BYTES);
    }

    #[test]
    fn a_quote_that_never_closes_is_its_own_reason() {
        let got = records(b"a,b\n\"open,2\n3,4\n");
        assert_eq!(got[1].0, Next::Unclosed { line: 2 });
    }

    #[test]
    fn lines_are_capped_without_being_kept() {
        let mut text = vec![b'z'; MAX_ROW_BYTES + 1];
        text.extend(b"\r\n{\"a\":1}\r\n");
        let mut rows = Rows::new(&text[..]);
        let mut line = Vec::new();
        assert_eq!(
            rows.next_line(&mut line).unwrap(),
            Next::TooLong { line: 1 }
        );
        assert_eq!(rows.next_line(&mut line).unwrap(), Next::Row { line: 2 });
        assert_eq!(line, b"{\"a\":1}");
        assert_eq!(rows.next_line(&mut line).unwrap(), Next::End);
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_is_recognised_by_its_magic_bytes_and_a_bom_is_dropped() {
        let compressed = gzip(b"\xef\xbb\xbfmodel,requests\n");
        let mut intake = open(&compressed[..]).unwrap();
        assert!(intake.gzip);
        assert_eq!(intake.head, b"model,requests\n");
        let mut all = String::new();
        intake.text.read_to_string(&mut all).unwrap();
        assert_eq!(all, "model,requests\n");

        let plain = open(&b"model\n"[..]).unwrap();
        assert!(!plain.gzip);
    }

    /// 520 MB of zeros in about half a megabyte: one compressed megabyte, repeated as
    /// concatenated gzip members (which a gzip reader must read on through).
    pub(crate) fn gzip_bomb() -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![0u8; 1 << 20]).unwrap();
        encoder.finish().unwrap().repeat(520)
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_inflate_limit() {
        let bomb = gzip_bomb();
        assert!(bomb.len() < 2 << 20);
        let mut intake = open(&bomb[..]).unwrap();
        let err = io::copy(&mut intake.text, &mut io::sink()).unwrap_err();
        assert!(
            err.get_ref().is_some_and(|e| e.is::<InflateLimit>()),
            "{err}"
        );
    }

    #[test]
    fn concatenated_gzip_members_read_as_one_file() {
        let mut two = gzip(b"model,requests\n");
        two.extend(gzip(b"m,1\n"));
        let mut intake = open(&two[..]).unwrap();
        let mut all = String::new();
        intake.text.read_to_string(&mut all).unwrap();
        assert_eq!(all, "model,requests\nm,1\n");
    }

    #[test]
    fn json_objects_are_known_by_the_line_they_start_on() {
        let text = b"{\"data\": [\n  {\"a\": 1,\n   \"b\": {\"c\": 2}},\n  {\"a\": 3}\n]}";
        let (mut source, position) = JsonSource::new(&text[..]);
        let mut seen = Vec::new();
        let mut byte = [0u8];
        while source.read(&mut byte).unwrap() == 1 {
            if byte[0] == b'}' {
                seen.push(position.last_closed_started());
            }
        }
        // {"c"} on line 3, the first entry from line 2, the second on line 4, the root on 1.
        assert_eq!(seen, vec![3, 2, 4, 1]);
    }

    #[test]
    fn an_endless_json_string_is_refused() {
        let mut text = b"{\"model\": \"".to_vec();
        text.extend(std::iter::repeat_n(b'm', MAX_ROW_BYTES + 1));
        let (mut source, _) = JsonSource::new(&text[..]);
        let err = io::copy(&mut source, &mut io::sink()).unwrap_err();
        assert!(err.get_ref().is_some_and(|e| e.is::<ValueTooLong>()));
    }
}
