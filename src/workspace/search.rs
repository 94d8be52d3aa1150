//! Plain-text search inside one file: case-insensitive, line by line, with short snippets.
//!
//! Matching lower-cases both sides one character at a time (Unicode-aware; the Greek final sigma
//! `ς` is folded to `σ`). It is not full case folding: `ß` does not match `ss`. Each line yields
//! at most one hit (its first match). Lines are split at `\n`; a `\r` before it is dropped.

use std::io::{self, BufRead};

use serde::{Deserialize, Serialize};

/// The longest snippet, in characters, including the `…` marks of a cut line.
pub const MAX_SNIPPET_CHARS: usize = 200;

/// A line that contains the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineHit {
    /// 1-based line number.
    pub line: usize,
    /// The line, or at most [`MAX_SNIPPET_CHARS`] characters of it centred on the match, with `…`
    /// where it was cut.
    pub snippet: String,
}

/// Finds up to `max_hits` lines of `text` that contain `query`, ignoring case. An empty query
/// finds nothing.
#[must_use]
pub fn search_lines(text: &str, query: &str, max_hits: usize) -> Vec<LineHit> {
    let needle = fold(query);
    if needle.is_empty() || max_hits == 0 {
        return Vec::new();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines = (!text.is_empty()).then(|| body.split('\n')).into_iter().flatten();
    lines
        .enumerate()
        .filter_map(|(index, line)| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            hit(line, &needle).map(|snippet| LineHit { line: index + 1, snippet })
        })
        .take(max_hits)
        .collect()
}

/// Like [`search_lines`], reading `reader` one line at a time: it holds one line in memory, stops
/// reading after `max_hits` hits, and reads invalid UTF-8 lossily (as `�`).
///
/// # Errors
/// Whatever the reader returns.
pub fn search_reader<R: BufRead>(mut reader: R, query: &str, max_hits: usize) -> io::Result<Vec<LineHit>> {
    let needle = fold(query);
    let mut hits = Vec::new();
    if needle.is_empty() || max_hits == 0 {
        return Ok(hits);
    }
    let mut buffer = Vec::new();
    let mut line_no = 0;
    loop {
        buffer.clear();
        if reader.read_until(b'\n', &mut buffer)? == 0 {
            return Ok(hits);
        }
        line_no += 1;
        let mut bytes = buffer.as_slice();
        bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let line = String::from_utf8_lossy(bytes);
        if let Some(snippet) = hit(&line, &needle) {
            hits.push(LineHit { line: line_no, snippet });
            if hits.len() >= max_hits {
                return Ok(hits);
            }
        }
    }
}

/// Lower-cases one character for matching.
fn fold_char(c: char) -> impl Iterator<Item = char> {
    c.to_lowercase().map(|l| if l == 'ς' { 'σ' } else { l })
}

fn fold(text: &str) -> String {
    text.chars().flat_map(fold_char).collect()
}

/// The snippet for `line` when it contains `needle` (already folded).
fn hit(line: &str, needle: &str) -> Option<String> {
    let folded = fold(line);
    let start_byte = folded.find(needle)?;
    let end_byte = start_byte + needle.len();
    // Map folded byte offsets back to character indices of the original line.
    let mut folded_offset = 0;
    let mut start_char = None;
    let mut end_char = None;
    let mut char_count = 0;
    for (index, c) in line.chars().enumerate() {
        let next = folded_offset + fold_char(c).map(char::len_utf8).sum::<usize>();
        if start_char.is_none() && next > start_byte {
            start_char = Some(index);
        }
        if end_char.is_none() && next >= end_byte {
            end_char = Some(index + 1);
        }
        folded_offset = next;
        char_count = index + 1;
    }
    let start = start_char.unwrap_or(0);
    let end = end_char.unwrap_or(char_count).max(start);
    Some(snippet(line, char_count, start, end))
}

/// At most [`MAX_SNIPPET_CHARS`] characters of `line` around characters `start..end`.
fn snippet(line: &str, len: usize, start: usize, end: usize) -> String {
    if len <= MAX_SNIPPET_CHARS {
        return line.to_owned();
    }
    // Room for the text once both `…` marks are accounted for.
    let room = MAX_SNIPPET_CHARS - 2;
    let matched = end - start;
    let from = if matched >= room { start } else { start.saturating_sub((room - matched) / 2) };
    let from = from.min(len - room);
    let to = from + room;
    let mut out = String::with_capacity(room * 4 + 6);
    if from > 0 {
        out.push('…');
    }
    out.extend(line.chars().skip(from).take(room));
    if to < len {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::{Cursor, Read};

    #[test]
    fn matches_ignore_case_across_scripts() {
        let cases = [
            ("Gateway RESTARTED", "restarted", true),
            ("gateway restarted", "RESTARTED", true),
            ("ÉCOLE", "école", true),
            ("Straße", "STRASSE", false),
            ("ΟΔΥΣΣΕΥΣ", "οδυσσευς", true),
            ("İstanbul", "i̇stanbul", true),
            ("日本語のメモ", "メモ", true),
            ("nothing here", "gateway", false),
        ];
        for (text, query, found) in cases {
            assert_eq!(!search_lines(text, query, 10).is_empty(), found, "{text:?} / {query:?}");
        }
    }

    #[test]
    fn hits_carry_one_based_line_numbers_and_stop_at_max_hits() {
        let text = "alpha\nBeta\r\nalphabet\n\nALPHA again\n";
        let hits = search_lines(text, "alpha", 10);
        let lines: Vec<usize> = hits.iter().map(|h| h.line).collect();
        assert_eq!(lines, [1, 3, 5]);
        assert_eq!(hits[2].snippet, "ALPHA again");
        assert_eq!(search_lines(text, "alpha", 2).len(), 2);
        assert_eq!(search_lines(text, "beta", 10)[0].snippet, "Beta");
        assert!(search_lines(text, "alpha", 0).is_empty());
        assert!(search_lines(text, "", 10).is_empty());
        assert!(search_lines("", "a", 10).is_empty());
    }

    #[test]
    fn long_lines_are_cut_to_200_chars_centred_on_the_match() {
        let line = format!("{}NEEDLE{}", "a".repeat(500), "b".repeat(500));
        let hit = &search_lines(&line, "needle", 1)[0];
        assert_eq!(hit.snippet.chars().count(), MAX_SNIPPET_CHARS);
        assert!(hit.snippet.starts_with('…') && hit.snippet.ends_with('…'));
        let centre = hit.snippet.find("NEEDLE").unwrap();
        let before = hit.snippet[..centre].chars().count();
        let after = hit.snippet[centre + 6..].chars().count();
        assert!(before.abs_diff(after) <= 1, "{before} vs {after}");
    }

    #[test]
    fn snippets_at_the_ends_of_a_line_are_cut_on_one_side_only() {
        let line = format!("NEEDLE{}", "x".repeat(400));
        let snippet = &search_lines(&line, "needle", 1)[0].snippet;
        assert!(snippet.starts_with("NEEDLE") && snippet.ends_with('…'));
        assert_eq!(snippet.chars().count(), 199);

        let line = format!("{}NEEDLE", "x".repeat(400));
        let snippet = &search_lines(&line, "needle", 1)[0].snippet;
        assert!(snippet.starts_with('…') && snippet.ends_with("NEEDLE"));

        let line = "y".repeat(MAX_SNIPPET_CHARS);
        assert_eq!(search_lines(&line, "y", 1)[0].snippet, line);
    }

    #[test]
    fn multibyte_text_is_cut_on_character_boundaries() {
        let line = format!("{}🌸needle🌸{}", "é".repeat(300), "日".repeat(300));
        let snippet = &search_lines(&line, "NEEDLE", 1)[0].snippet;
        assert!(snippet.contains("🌸needle🌸"));
        assert!(snippet.chars().count() <= MAX_SNIPPET_CHARS);
    }

    #[test]
    fn a_match_longer_than_the_snippet_starts_at_the_match() {
        let query = "q".repeat(300);
        let line = format!("start {query} end");
        let snippet = &search_lines(&line, &query, 1)[0].snippet;
        assert!(snippet.starts_with("…q"));
        assert_eq!(snippet.chars().count(), MAX_SNIPPET_CHARS);
    }

    #[test]
    fn the_reader_variant_reads_lossily_and_stops_after_max_hits() {
        let bytes: Vec<u8> = b"ok hit\n\xff\xfe hit\nhit three\nhit four\n".to_vec();
        let hits = search_reader(Cursor::new(&bytes), "HIT", 2).unwrap();
        assert_eq!(
            hits,
            [
                LineHit { line: 1, snippet: "ok hit".into() },
                LineHit { line: 2, snippet: "\u{fffd}\u{fffd} hit".into() },
            ]
        );

        // A reader that fails once everything up to the second hit has been consumed proves
        // that reading stops there.
        struct FailAfter(Cursor<Vec<u8>>);
        impl Read for FailAfter {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match self.0.read(buf)? {
                    0 => Err(io::Error::other("read past the second hit")),
                    n => Ok(n),
                }
            }
        }
        let reader = io::BufReader::with_capacity(4, FailAfter(Cursor::new(b"a\nb\na\n".to_vec())));
        assert_eq!(search_reader(reader, "a", 2).unwrap().len(), 2);
        let reader = io::BufReader::with_capacity(4, FailAfter(Cursor::new(b"a\nb\n".to_vec())));
        assert!(search_reader(reader, "a", 2).is_err());
    }

    proptest! {
        #[test]
        fn search_lines_never_panics_and_keeps_snippets_short(
            text in any::<String>(),
            query in any::<String>(),
            max_hits in 0usize..20,
        ) {
            let hits = search_lines(&text, &query, max_hits);
            prop_assert!(hits.len() <= max_hits);
            let mut last = 0;
            for hit in &hits {
                prop_assert!(hit.line > last);
                last = hit.line;
                prop_assert!(hit.snippet.chars().count() <= MAX_SNIPPET_CHARS);
            }
            let streamed = search_reader(Cursor::new(text.as_bytes()), &query, max_hits).unwrap();
            prop_assert_eq!(hits, streamed);
        }

        #[test]
        fn a_substring_of_a_line_is_always_found_in_it(
            prefix in "\\PC{0,300}",
            needle in "\\PC{1,20}",
            suffix in "\\PC{0,300}",
        ) {
            let line = format!("{prefix}{needle}{suffix}").replace(['\n', '\r'], " ");
            let needle = needle.replace(['\n', '\r'], " ");
            let hits = search_lines(&line, &needle.to_uppercase(), 1);
            // Upper-casing can change a character's lower-case form (e.g. 'ſ' → 'S' → 's'), so
            // only assert on the unchanged needle.
            let exact = search_lines(&line, &needle, 1);
            prop_assert_eq!(exact.len(), 1);
            prop_assert!(hits.len() <= 1);
        }
    }
}
