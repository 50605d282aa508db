//! Streaming decoding of uploaded text to UTF-8: UTF-8 (with or without BOM) or GB18030/GBK.

use std::io::{self, Read};

use encoding_rs::{DecoderResult, Encoding, GB18030, UTF_8};
use serde::{Deserialize, Serialize};

/// Bytes inspected to guess the encoding of a file without a BOM.
const SNIFF_BYTES: usize = 64 * 1024;
const CHUNK: usize = 64 * 1024;

/// A text encoding the ingest accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enc {
    /// UTF-8 (a BOM is skipped).
    Utf8,
    /// GB18030, a superset of GBK and GB2312 (a GB18030 BOM is skipped).
    Gb18030,
}

impl Enc {
    fn encoding(self) -> &'static Encoding {
        match self {
            Enc::Utf8 => UTF_8,
            Enc::Gb18030 => GB18030,
        }
    }
}

/// Raised inside the byte stream when the input cannot be decoded; carries the line.
#[derive(Debug)]
pub(crate) struct DecodeError {
    pub(crate) line: u64,
    pub(crate) encoding: Enc,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bytes that are not valid {:?} on line {}", self.encoding, self.line)
    }
}

impl std::error::Error for DecodeError {}

/// A reader yielding UTF-8, decoding its source chunk by chunk.
pub(crate) struct DecodingReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: Enc,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
    lines: u64,
    quotes: u64,
    finished: bool,
}

impl<R: Read> DecodingReader<R> {
    /// Wrap `inner`, detecting the encoding unless `forced`: a BOM decides; without one, the
    /// first 64 KiB are UTF-8 if they decode as such, GB18030 otherwise.
    pub(crate) fn new(mut inner: R, forced: Option<Enc>) -> io::Result<Self> {
        let mut raw = vec![0u8; SNIFF_BYTES.max(CHUNK)];
        let mut filled = 0;
        while filled < SNIFF_BYTES {
            let n = inner.read(&mut raw[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        let eof = filled < SNIFF_BYTES;
        let head = &raw[..filled];
        let (detected, bom) = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            (Enc::Utf8, 3)
        } else if head.starts_with(&[0x84, 0x31, 0x95, 0x33]) {
            (Enc::Gb18030, 4)
        } else if looks_utf8(head, eof) {
            (Enc::Utf8, 0)
        } else {
            (Enc::Gb18030, 0)
        };
        let encoding = forced.unwrap_or(detected);
        // A BOM of the other encoding is not skipped: it will fail to decode, which is right.
        let skip = if encoding == detected { bom } else { 0 };
        Ok(Self {
            inner,
            decoder: encoding.encoding().new_decoder_without_bom_handling(),
            encoding,
            raw,
            raw_start: skip,
            raw_end: filled,
            eof,
            out: vec![0u8; CHUNK * 2 + 16],
            out_start: 0,
            out_end: 0,
            lines: 1,
            quotes: 0,
            finished: false,
        })
    }

    /// Double quotes decoded so far: an odd count at the end means a quote left open.
    pub(crate) fn quotes(&self) -> u64 {
        self.quotes
    }

    /// The encoding in use.
    pub(crate) fn encoding(&self) -> Enc {
        self.encoding
    }

    fn fill(&mut self) -> io::Result<()> {
        loop {
            if self.raw_start == self.raw_end && !self.eof {
                let n = self.inner.read(&mut self.raw)?;
                self.raw_start = 0;
                self.raw_end = n;
                self.eof = n == 0;
            }
            let last = self.eof;
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.raw[self.raw_start..self.raw_end],
                &mut self.out,
                last,
            );
            self.raw_start += read;
            self.out_start = 0;
            self.out_end = written;
            if let DecoderResult::Malformed(_, _) = result {
                let line = self.lines + self.out[..written].iter().filter(|&&b| b == b'\n').count() as u64;
                return Err(io::Error::new(io::ErrorKind::InvalidData, DecodeError { line, encoding: self.encoding }));
            }
            for &b in &self.out[..written] {
                self.lines += u64::from(b == b'\n');
                self.quotes += u64::from(b == b'"');
            }
            if last && matches!(result, DecoderResult::InputEmpty) {
                self.finished = true;
            }
            if written > 0 || self.finished {
                return Ok(());
            }
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_start == self.out_end {
            if self.finished {
                return Ok(0);
            }
            self.fill()?;
            if self.out_start == self.out_end {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

/// Whether `head` is UTF-8, allowing a character cut at the end of the sample.
fn looks_utf8(head: &[u8], complete: bool) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => !complete && e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}
