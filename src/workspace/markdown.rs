//! Small Markdown helpers shared by the workspace parsers: label lines, fenced code blocks and ATX
//! headings. Only what the parsers need; this is not a Markdown implementation.

/// Strips one leading list marker (`-`, `*` or `+` followed by whitespace) from a trimmed line.
pub(super) fn strip_bullet(line: &str) -> &str {
    let trimmed = line.trim();
    let mut chars = trimmed.chars();
    match (chars.next(), chars.next()) {
        (Some('-' | '*' | '+'), Some(c)) if c.is_whitespace() => trimmed[1..].trim_start(),
        (Some('-' | '*' | '+'), None) => "",
        _ => trimmed,
    }
}

/// Trims a value and strips the `*`/`_` emphasis that wraps it (`**x**`, `_x_`, `** x`).
pub(super) fn strip_wrapping_emphasis(value: &str) -> &str {
    value.trim().trim_matches(|c| c == '*' || c == '_').trim()
}

/// A label line such as `- **Name:** Iris`, `Name: Iris`, `**Name**: Iris` or `__Name:__ Iris`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LabelLine<'a> {
    /// The label, lower-cased, with every `*` and `_` removed and whitespace trimmed.
    pub(super) label: String,
    /// The value, trimmed, with wrapping `*`/`_` removed. May be empty.
    pub(super) value: &'a str,
}

/// Splits a line at its first `:` into a normalised label and value. Returns `None` for lines
/// without a colon or with an empty label.
pub(super) fn label_line(line: &str) -> Option<LabelLine<'_>> {
    let body = strip_bullet(line.trim_start_matches('\u{feff}'));
    let (raw_label, raw_value) = body.split_once(':')?;
    let label: String = raw_label.chars().filter(|c| *c != '*' && *c != '_').collect::<String>().trim().to_lowercase();
    if label.is_empty() {
        return None;
    }
    Some(LabelLine { label, value: strip_wrapping_emphasis(raw_value) })
}

/// Tracks fenced code blocks (```` ``` ```` and `~~~`) line by line, CommonMark style: a fence is
/// indented by at most three spaces, the closing fence uses the same character, is at least as
/// long as the opening one and carries nothing but whitespace after it. An unclosed fence runs to
/// the end of the document.
#[derive(Debug, Default, Clone)]
pub(super) struct Fences {
    open: Option<(char, usize)>,
}

impl Fences {
    /// Feeds the next line; returns `true` when the line belongs to a code block (the fence lines
    /// themselves included) and so must not be read as Markdown structure.
    pub(super) fn in_code(&mut self, line: &str) -> bool {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        if indent > 3 {
            return self.open.is_some();
        }
        match self.open {
            Some((ch, len)) => {
                let run = rest.chars().take_while(|c| *c == ch).count();
                if run >= len && rest[run * ch.len_utf8()..].trim().is_empty() {
                    self.open = None;
                }
                true
            }
            None => {
                let Some(ch) = rest.chars().next().filter(|c| *c == '`' || *c == '~') else {
                    return false;
                };
                let run = rest.chars().take_while(|c| *c == ch).count();
                if run < 3 {
                    return false;
                }
                let info = &rest[run..];
                if ch == '`' && info.contains('`') {
                    return false;
                }
                self.open = Some((ch, run));
                true
            }
        }
    }
}

/// Parses an ATX heading (`#` … `######`, at most three spaces of indentation, a space or the end
/// of the line after the hashes, optional closing hashes). Returns the level and the raw text.
pub(super) fn atx_heading(line: &str) -> Option<(u8, &str)> {
    let line = line.trim_end_matches(['\r', '\n']);
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let hashes = rest.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let after = &rest[hashes..];
    if !(after.is_empty() || after.starts_with([' ', '\t'])) {
        return None;
    }
    let mut text = after.trim();
    // A closing sequence of `#` is dropped when it stands alone or follows whitespace.
    let without_closing = text.trim_end_matches('#');
    if without_closing.is_empty() || without_closing.ends_with([' ', '\t']) {
        text = without_closing.trim_end();
    }
    // `hashes` is at most 6, so the cast cannot truncate.
    Some((hashes as u8, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_lines_accept_every_documented_spelling() {
        let cases = [
            ("- **Name:** Iris", "name", "Iris"),
            ("Name: Iris", "name", "Iris"),
            ("**Name**: Iris", "name", "Iris"),
            ("__Name:__ Iris", "name", "Iris"),
            ("* **NAME:** Iris", "name", "Iris"),
            ("+ name : *Iris*", "name", "Iris"),
            ("  - **Avatar:** https://x.test/a.png", "avatar", "https://x.test/a.png"),
            ("- **Name:**", "name", ""),
        ];
        for (line, label, value) in cases {
            let parsed = label_line(line).unwrap_or_else(|| panic!("{line:?} is a label line"));
            assert_eq!(parsed.label, label, "{line:?}");
            assert_eq!(parsed.value, value, "{line:?}");
        }
    }

    #[test]
    fn lines_without_a_colon_or_label_are_not_label_lines() {
        for line in ["", "just prose", "- item", ": value", "**:** x", "-"] {
            assert_eq!(label_line(line), None, "{line:?}");
        }
    }

    #[test]
    fn fences_hide_their_content_and_close_only_on_a_matching_fence() {
        let lines = [
            ("# a", false),
            ("```rust", true),
            ("# hidden", true),
            ("~~~", true),
            ("```", true),
            ("# b", false),
            ("~~~~", true),
            ("```", true),
            ("~~~", true),
            ("~~~~~", true),
            ("    ```", false),
            ("``` not `a` fence", false),
        ];
        let mut fences = Fences::default();
        for (line, code) in lines {
            assert_eq!(fences.in_code(line), code, "{line:?}");
        }
    }

    #[test]
    fn atx_headings_follow_commonmark_rules() {
        let cases = [
            ("# Title", Some((1, "Title"))),
            ("###### Six", Some((6, "Six"))),
            ("####### Seven", None),
            ("#hashtag", None),
            ("   ## Indented", Some((2, "Indented"))),
            ("    # code", None),
            ("## Closed ##", Some((2, "Closed"))),
            ("## C# ", Some((2, "C#"))),
            ("#", Some((1, ""))),
            ("## ###", Some((2, ""))),
            ("#\tTab", Some((1, "Tab"))),
        ];
        for (line, expected) in cases {
            assert_eq!(atx_heading(line), expected, "{line:?}");
        }
    }
}
