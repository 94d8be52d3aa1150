//! `IDENTITY.md`: who an agent says it is.
//!
//! OpenClaw reads label lines such as `- **Name:** Iris`. Labels are case-insensitive and every
//! `*`/`_` in them is ignored; values are trimmed and lose the `*`/`_` that wraps them. A value
//! that is empty, or a template placeholder wholly in parentheses (`(pick something you like)`),
//! leaves the field unset. The first occurrence of a label with a real value wins.

use serde::{Deserialize, Serialize};

use super::markdown::label_line;

/// The identity an agent declares in its `IDENTITY.md`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// `Name:` — the agent's display name.
    pub name: Option<String>,
    /// `Creature:` — what kind of being the agent thinks it is.
    pub creature: Option<String>,
    /// `Vibe:` — how the agent comes across.
    pub vibe: Option<String>,
    /// `Theme:` — a one-line theme; preferred over creature and vibe by [`Identity::theme_line`].
    pub theme: Option<String>,
    /// `Emoji:` — the agent's signature emoji.
    pub emoji: Option<String>,
    /// `Avatar:` — a workspace-relative path, an http(s) URL or a `data:` URI, kept verbatim.
    pub avatar: Option<String>,
}

impl Identity {
    /// The one-line theme to show for the agent: `theme` when set, else creature and vibe joined
    /// with `" · "` (either alone when only one is set), else `None`.
    #[must_use]
    pub fn theme_line(&self) -> Option<String> {
        if let Some(theme) = &self.theme {
            return Some(theme.clone());
        }
        match (&self.creature, &self.vibe) {
            (Some(creature), Some(vibe)) => Some(format!("{creature} · {vibe}")),
            (Some(one), None) | (None, Some(one)) => Some(one.clone()),
            (None, None) => None,
        }
    }

    /// `true` when no field is set (a missing file, or the untouched template).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Identity::default()
    }
}

/// Parses the text of an `IDENTITY.md`. Never fails: lines that are not label lines, unknown
/// labels, empty values and placeholders are skipped.
#[must_use]
pub fn parse_identity(md: &str) -> Identity {
    let mut identity = Identity::default();
    for line in md.lines() {
        let Some(parsed) = label_line(line) else {
            continue;
        };
        let slot = match parsed.label.as_str() {
            "name" => &mut identity.name,
            "creature" => &mut identity.creature,
            "vibe" => &mut identity.vibe,
            "theme" => &mut identity.theme,
            "emoji" => &mut identity.emoji,
            "avatar" => &mut identity.avatar,
            _ => continue,
        };
        if slot.is_none() && !parsed.value.is_empty() && !is_placeholder(parsed.value) {
            *slot = Some(parsed.value.to_owned());
        }
    }
    identity
}

/// `true` when the whole value is one parenthesised group, e.g. `(pick something you like)` or
/// `(workspace-relative path, http(s) URL, or data URI)`, but not `(a) and (b)`.
fn is_placeholder(value: &str) -> bool {
    if !(value.starts_with('(') && value.ends_with(')')) {
        return false;
    }
    let mut depth = 0usize;
    for (index, c) in value.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return index == value.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const README_EXAMPLE: &str = "# IDENTITY.md - Who Am I?

- **Name:** Iris
- **Creature:** mission-control familiar
- **Vibe:** calm, precise, a little wry
- **Emoji:** 🌸
- **Avatar:** avatars/iris.png
";

    /// The template OpenClaw writes into a new workspace: placeholders on the following line.
    const TEMPLATE: &str = "# IDENTITY.md - Who Am I?

*Fill this in during your first conversation. Make it yours.*

- **Name:**
  *(pick something you like)*
- **Creature:**
  *(AI? robot? familiar? ghost in the machine? something weirder?)*
- **Vibe:**
  *(how do you come across? sharp? warm? chaotic? calm?)*
- **Emoji:**
  *(your signature — pick one that feels right)*
- **Avatar:**
  *(workspace-relative path, http(s) URL, or data URI)*

---

This isn't just metadata. It's the start of figuring out who you are.

Notes:
- Save this file at the workspace root as `IDENTITY.md`.
- For avatars, use a workspace-relative path like `avatars/openclaw.png`.
";

    #[test]
    fn the_readme_example_parses_into_every_field() {
        let identity = parse_identity(README_EXAMPLE);
        assert_eq!(
            identity,
            Identity {
                name: Some("Iris".into()),
                creature: Some("mission-control familiar".into()),
                vibe: Some("calm, precise, a little wry".into()),
                theme: None,
                emoji: Some("🌸".into()),
                avatar: Some("avatars/iris.png".into()),
            }
        );
    }

    #[test]
    fn the_untouched_template_is_an_empty_identity() {
        assert!(parse_identity(TEMPLATE).is_empty());
    }

    #[test]
    fn labels_are_case_insensitive_and_ignore_stars_and_underscores() {
        let cases = [
            "- **Name:** Iris",
            "Name: Iris",
            "**Name**: Iris",
            "__Name:__ Iris",
            "NAME: Iris",
            "* **name:** Iris",
            "- _N_a_m_e_: Iris",
            "  -   **Name:**   Iris   ",
            "Name:**Iris**",
            "Name: _Iris_",
            "Name: Iris\r",
        ];
        for line in cases {
            assert_eq!(parse_identity(line).name.as_deref(), Some("Iris"), "{line:?}");
        }
    }

    #[test]
    fn placeholders_and_empty_values_leave_a_field_unset() {
        let cases = [
            "Name: (pick something you like)",
            "Name: *(pick something you like)*",
            "Name: (workspace-relative path, http(s) URL, or data URI)",
            "Name: ()",
            "Name:",
            "Name:    ",
            "Name: **",
            "- **Name:**",
        ];
        for line in cases {
            assert_eq!(parse_identity(line).name, None, "{line:?}");
        }
    }

    #[test]
    fn values_that_merely_contain_parentheses_are_kept() {
        let cases = [
            ("Name: Iris (the second)", "Iris (the second)"),
            ("Name: (Iris) and (friends)", "(Iris) and (friends)"),
            ("Name: (unclosed", "(unclosed"),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_identity(line).name.as_deref(), Some(expected), "{line:?}");
        }
    }

    #[test]
    fn the_first_real_value_of_a_label_wins() {
        let md = "Name: (pick something you like)\nName:\nName: Iris\nName: Other\n";
        assert_eq!(parse_identity(md).name.as_deref(), Some("Iris"));
    }

    #[test]
    fn unknown_labels_and_prose_are_ignored() {
        let md = "Notes: something\nThis line has no colon\nColour: blue\nEmoji: 🦊\n";
        let identity = parse_identity(md);
        assert_eq!(identity.emoji.as_deref(), Some("🦊"));
        assert_eq!(Identity { emoji: None, ..identity }, Identity::default());
    }

    #[test]
    fn avatar_urls_keep_everything_after_the_first_colon() {
        let cases = ["- **Avatar:** https://example.com/a.png", "Avatar: data:image/png;base64,AAAA"];
        let expected = ["https://example.com/a.png", "data:image/png;base64,AAAA"];
        for (line, want) in cases.iter().zip(expected) {
            assert_eq!(parse_identity(line).avatar.as_deref(), Some(want), "{line:?}");
        }
    }

    #[test]
    fn theme_line_prefers_theme_then_combines_creature_and_vibe() {
        let cases = [
            ("Theme: ops\nCreature: fox\nVibe: calm", Some("ops")),
            ("Creature: fox\nVibe: calm", Some("fox · calm")),
            ("Creature: fox", Some("fox")),
            ("Vibe: calm", Some("calm")),
            ("Name: Iris", None),
        ];
        for (md, expected) in cases {
            assert_eq!(parse_identity(md).theme_line().as_deref(), expected, "{md:?}");
        }
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_the_first_label() {
        assert_eq!(parse_identity("\u{feff}Name: Iris").name.as_deref(), Some("Iris"));
    }

    proptest! {
        #[test]
        fn parse_identity_never_panics_and_sets_only_trimmed_non_empty_values(md in any::<String>()) {
            let identity = parse_identity(&md);
            let fields = [
                &identity.name, &identity.creature, &identity.vibe,
                &identity.theme, &identity.emoji, &identity.avatar,
            ];
            for value in fields.into_iter().flatten() {
                prop_assert!(!value.is_empty());
                prop_assert_eq!(value.trim(), value.as_str());
            }
            let _ = identity.theme_line();
        }

        #[test]
        fn parse_identity_never_panics_on_label_like_lines(
            lines in proptest::collection::vec("[-*_ ]{0,3}(?i:name|emoji|theme|vibe)[*_]{0,2}:[ *_()a-z🌸]{0,12}", 0..8)
        ) {
            let _ = parse_identity(&lines.join("\n"));
        }
    }
}
