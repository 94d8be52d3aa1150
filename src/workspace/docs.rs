//! Markdown documents under `docs/`: a title and an outline of headings with GitHub anchors.
//!
//! * Title: `title:` in a YAML-style front matter block (`---` … `---` or `...` on the first
//!   lines; quotes stripped), else the first `# ` heading, else the file stem.
//! * Outline: ATX headings `#` … `######` outside fenced code blocks (```` ``` ```` and `~~~`) and
//!   outside the front matter. Heading text is the rendered text (emphasis, code-span backticks
//!   and link targets removed); headings whose text is empty are skipped.
//! * Anchors follow GitHub (github-slugger): lower-case, punctuation and symbols removed, each
//!   space turned into `-`; repeats get `-1`, `-2`, … appended.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::markdown::{atx_heading, Fences};

/// What Nexus shows about one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocMeta {
    /// The document's title; never empty unless the file stem is.
    pub title: String,
    /// Every heading, in document order.
    pub outline: Vec<Heading>,
}

/// One heading of a document's outline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Heading {
    /// 1 for `#` … 6 for `######`.
    pub level: u8,
    /// The heading's rendered text.
    pub text: String,
    /// The GitHub-style anchor (without `#`), unique within the document.
    pub anchor: String,
}

/// Heading text beyond this many characters is ignored: it bounds the work (and the recursion of
/// nested links) that one hostile heading line can cause.
pub const MAX_HEADING_CHARS: usize = 300;

/// The first `max` characters of `text`.
fn clip(text: &str, max: usize) -> &str {
    text.char_indices().nth(max).map_or(text, |(end, _)| &text[..end])
}

/// Reads a document's title and outline. Never fails.
#[must_use]
pub fn doc_meta(md: &str, file_stem: &str) -> DocMeta {
    let md = md.strip_prefix('\u{feff}').unwrap_or(md);
    let (front_title, body) = split_front_matter(md);
    let mut fences = Fences::default();
    let mut slugger = Slugger::default();
    let mut outline = Vec::new();
    for line in body.lines() {
        if fences.in_code(line) {
            continue;
        }
        let Some((level, raw)) = atx_heading(line) else {
            continue;
        };
        let text = inline_text(clip(raw, MAX_HEADING_CHARS)).trim().to_owned();
        if text.is_empty() {
            continue;
        }
        let anchor = slugger.slug(&text);
        outline.push(Heading { level, text, anchor });
    }
    let title = front_title
        .or_else(|| outline.iter().find(|h| h.level == 1).map(|h| h.text.clone()))
        .unwrap_or_else(|| file_stem.to_owned());
    DocMeta { title, outline }
}

/// The GitHub anchor of one heading text, without de-duplication: lower-cased, everything but
/// letters, digits, marks, `_`, `-` and spaces removed, then each space replaced by `-`.
#[must_use]
pub fn github_slug(text: &str) -> String {
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() || is_mark(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Combining marks GitHub keeps in anchors (the common combining blocks).
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Hands out unique anchors the way github-slugger does.
#[derive(Default)]
struct Slugger {
    occurrences: HashMap<String, usize>,
}

impl Slugger {
    fn slug(&mut self, text: &str) -> String {
        let original = github_slug(text);
        let mut slug = original.clone();
        while self.occurrences.contains_key(&slug) {
            let count = self.occurrences.entry(original.clone()).or_insert(0);
            *count += 1;
            slug = format!("{original}-{count}");
        }
        self.occurrences.insert(slug.clone(), 0);
        slug
    }
}

/// Splits off a front matter block; returns its `title` (if any) and the rest of the document.
/// Without a closing `---`/`...` line there is no front matter.
fn split_front_matter(md: &str) -> (Option<String>, &str) {
    let mut lines = md.split_inclusive('\n');
    match lines.next() {
        Some(first) if first.trim_end() == "---" => {}
        _ => return (None, md),
    }
    let mut offset = md.split_inclusive('\n').next().map_or(0, str::len);
    let mut title = None;
    for line in lines {
        offset += line.len();
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return (title, &md[offset..]);
        }
        if title.is_none() {
            title = front_matter_title(trimmed);
        }
    }
    (None, md)
}

/// `title: X` at the top level of the front matter, with quotes (or a trailing `# comment` of an
/// unquoted value) removed. Block scalars (`|`, `>`) and empty values are ignored.
fn front_matter_title(line: &str) -> Option<String> {
    let (key, value) = line.split_once(':')?;
    if !key.eq_ignore_ascii_case("title") {
        return None;
    }
    let value = value.trim();
    let title = if let Some(inner) =
        value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).filter(|_| value.len() >= 2)
    {
        inner.replace("\\\"", "\"").replace("\\\\", "\\")
    } else if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).filter(|_| value.len() >= 2)
    {
        inner.replace("''", "'")
    } else if value.starts_with(['|', '>']) {
        return None;
    } else {
        match value.find(" #") {
            Some(comment) => value[..comment].trim_end().to_owned(),
            None => value.to_owned(),
        }
    };
    let title = title.trim();
    (!title.is_empty()).then(|| title.to_owned())
}

/// The rendered text of a heading: backslash escapes resolved, code spans kept verbatim without
/// their backticks, links and images reduced to their text, `*` emphasis removed and `_`
/// emphasis removed where it starts or ends a word (intra-word `snake_case` stays).
fn inline_text(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '`' => {
                let run = count_run(&chars, i, '`');
                match find_closing_backticks(&chars, i + run, run) {
                    Some(close) => {
                        let code: String = chars[i + run..close].iter().collect();
                        let code = match code.strip_prefix(' ').and_then(|c| c.strip_suffix(' ')) {
                            Some(inner) if !code.trim().is_empty() => inner.to_owned(),
                            _ => code,
                        };
                        out.push_str(&code);
                        i = close + run;
                    }
                    None => {
                        out.extend(&chars[i..i + run]);
                        i += run;
                    }
                }
            }
            '!' if chars.get(i + 1) == Some(&'[') => match link_at(&chars, i + 1) {
                Some((text, end)) => {
                    out.push_str(&inline_text(&text));
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
            '[' => match link_at(&chars, i) {
                Some((text, end)) => {
                    out.push_str(&inline_text(&text));
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            },
            '*' => i += 1,
            '_' => {
                let run = count_run(&chars, i, '_');
                let before = i.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(i + run).copied();
                let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                if word(before) && word(after) {
                    out.extend(&chars[i..i + run]);
                }
                i += run;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn count_run(chars: &[char], start: usize, c: char) -> usize {
    chars[start..].iter().take_while(|x| **x == c).count()
}

/// The index of a run of exactly `run` backticks at or after `from`.
fn find_closing_backticks(chars: &[char], from: usize, run: usize) -> Option<usize> {
    let mut j = from;
    while j < chars.len() {
        if chars[j] == '`' {
            let len = count_run(chars, j, '`');
            if len == run {
                return Some(j);
            }
            j += len;
        } else {
            j += 1;
        }
    }
    None
}

/// `[text](target)` starting at `open` (the `[`): the text and the index after `)`.
fn link_at(chars: &[char], open: usize) -> Option<(String, usize)> {
    let mut depth = 0usize;
    let mut close = None;
    let mut j = open;
    while j < chars.len() {
        match chars[j] {
            '\\' => j += 1,
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(j);
                    break;
                }
            }
            _ => {}
        }
        j += 1;
    }
    let close = close?;
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end = chars[close + 2..].iter().position(|c| *c == ')')? + close + 2;
    Some((chars[open + 1..close].iter().collect(), end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn outline(md: &str) -> Vec<(u8, String, String)> {
        doc_meta(md, "stem").outline.into_iter().map(|h| (h.level, h.text, h.anchor)).collect()
    }

    #[test]
    fn the_title_comes_from_front_matter_then_first_h1_then_the_stem() {
        let cases = [
            ("---\ntitle: Runbook\n---\n# Heading\n", "Runbook"),
            ("---\ntitle: \"Quoted: yes\"\n---\n# Heading\n", "Quoted: yes"),
            ("---\ntitle: 'It''s here'\n---\n", "It's here"),
            ("---\nauthor: x\ntitle:   Spaced   \ndate: 2026\n---\n", "Spaced"),
            ("---\ntitle: Plain # a comment\n---\n", "Plain"),
            ("---\ntitle: \"\"\n---\n# Fallback\n", "Fallback"),
            ("---\ntitle: |\n  block\n---\n# Fallback\n", "Fallback"),
            ("---\r\ntitle: Crlf\r\n...\r\n# H\r\n", "Crlf"),
            ("\u{feff}---\ntitle: Bom\n---\n", "Bom"),
            ("Intro\n## Sub\n# First h1\n# Second h1\n", "First h1"),
            ("# **Bold** `code` title\n", "Bold code title"),
            ("## Only h2\n", "stem"),
            ("", "stem"),
            ("---\ntitle: Unclosed\n# Heading\n", "Heading"),
            ("```\n# in code\n```\n", "stem"),
            ("#\n# \n#Not\n", "stem"),
            ("text\n---\ntitle: Late\n---\n", "stem"),
        ];
        for (md, expected) in cases {
            assert_eq!(doc_meta(md, "stem").title, expected, "{md:?}");
        }
    }

    #[test]
    fn the_outline_skips_code_blocks_and_front_matter() {
        let md = "---\ntitle: T\n# not a heading\n---\n# One\ntext\n```sh\n# comment\n```\n~~~\n## hidden\n~~~\n    # indented code\n## Two ##\n###### Six\n####### Seven\n";
        assert_eq!(
            outline(md),
            [(1, "One".into(), "one".into()), (2, "Two".into(), "two".into()), (6, "Six".into(), "six".into()),]
        );
    }

    #[test]
    fn anchors_match_github() {
        let cases = [
            ("Architecture Overview", "architecture-overview"),
            ("Knowledge & Memory Files", "knowledge--memory-files"),
            ("Configuration (JSON)", "configuration-json"),
            ("What's new?", "whats-new"),
            ("snake_case and kebab-case", "snake_case-and-kebab-case"),
            ("Émoji 🌸 time", "émoji--time"),
            ("  Trimmed  ", "trimmed"),
            ("1. Numbered", "1-numbered"),
            ("C++ & C#", "c--c"),
            ("日本語の見出し", "日本語の見出し"),
        ];
        for (text, expected) in cases {
            assert_eq!(github_slug(text), expected, "{text:?}");
        }
    }

    #[test]
    fn repeated_headings_get_numbered_anchors() {
        let md = "# Setup\n## Setup\n## Setup\n## Setup 1\n## Setup-1\n";
        let anchors: Vec<String> = outline(md).into_iter().map(|h| h.2).collect();
        assert_eq!(anchors, ["setup", "setup-1", "setup-2", "setup-1-1", "setup-1-2"]);
    }

    #[test]
    fn heading_text_is_the_rendered_text() {
        let cases = [
            ("# **Bold** and *it*", "Bold and it"),
            ("# `a*b` code", "a*b code"),
            ("# `` a`b ``", "a`b"),
            ("# [Link](https://x.test) here", "Link here"),
            ("# ![alt](img.png) image", "alt image"),
            ("# __init__ and my_var", "init and my_var"),
            ("# Escaped \\# and \\*", "Escaped # and *"),
            ("# Unclosed `tick and [bracket", "Unclosed `tick and [bracket"),
            ("# [nested [brackets]](u)", "nested [brackets]"),
            ("# C# ##", "C#"),
        ];
        for (md, expected) in cases {
            assert_eq!(doc_meta(md, "s").outline[0].text, expected, "{md:?}");
        }
    }

    #[test]
    fn a_hostile_heading_of_nested_links_costs_little_and_cannot_overflow_the_stack() {
        let n = 200_000;
        let md = format!("# {}a{}\n# {}\n", "[".repeat(n), "](x)".repeat(n), "[".repeat(n));
        // A small stack, as on a worker thread: deep recursion would abort the process.
        let worker = std::thread::Builder::new().stack_size(256 * 1024);
        let started = std::time::Instant::now();
        let meta = worker.spawn(move || doc_meta(&md, "stem")).unwrap().join().unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(meta.outline.iter().all(|h| h.text.chars().count() <= MAX_HEADING_CHARS));
    }

    proptest! {
        #[test]
        fn doc_meta_never_panics_and_gives_unique_anchors(md in any::<String>(), stem in "[a-z0-9-]{0,12}") {
            let meta = doc_meta(&md, &stem);
            let mut seen = std::collections::HashSet::new();
            for heading in &meta.outline {
                prop_assert!((1..=6).contains(&heading.level));
                prop_assert!(!heading.text.is_empty());
                prop_assert!(seen.insert(heading.anchor.clone()), "duplicate anchor {}", heading.anchor);
            }
        }

        #[test]
        fn doc_meta_never_panics_on_markdown_shaped_text(
            lines in proptest::collection::vec("(---|```|~~~|#{1,7} ?[a-z`*_\\[\\]()!\\\\ ]{0,12}|title: ?['\"]?[a-z]{0,5}['\"]?|[a-z ]{0,8})", 0..16)
        ) {
            let meta = doc_meta(&lines.join("\n"), "stem");
            prop_assert!(!meta.title.is_empty());
        }
    }
}
