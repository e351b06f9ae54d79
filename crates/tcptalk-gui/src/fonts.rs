//! Chinese text that renders everywhere.
//!
//! egui's own fonts have no Han characters. We add, after egui's fonts (so Latin text keeps
//! egui's look), first the system's Chinese font when fontconfig or a known path finds one, then
//! a bundled subset of Noto Sans CJK SC (GB2312 plus CJK punctuation, made by
//! `scripts/make-cjk-subset.sh`, licensed OFL-1.1, see `assets/OFL.txt`). The bundled font means
//! a machine without any CJK font still shows the tutorial's wording instead of boxes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use egui::{Context, FontData, FontFamily, FontInsert, FontPriority, InsertFontFamily};

/// The bundled fallback: Noto Sans CJK SC cut down to GB2312 (OFL-1.1).
pub const BUNDLED_CJK_FONT: &[u8] = include_bytes!("../assets/NotoSansSC-GB2312-subset.otf");

const SYSTEM_FONT_NAME: &str = "tcptalk-system-cjk";
const BUNDLED_FONT_NAME: &str = "tcptalk-bundled-cjk";

/// Known places of Chinese fonts, with the face index of Simplified Chinese in each.
const KNOWN_FONTS: [(&str, u32); 4] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
        2,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        0,
    ),
];

/// A font file on this machine and the face to use in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemFont {
    pub path: PathBuf,
    pub index: u32,
}

/// Adds the Chinese fonts to `ctx`: the system's Chinese font if one is found, then the
/// bundled subset, both after egui's own fonts for proportional and monospace text.
pub fn install_fonts(ctx: &Context) {
    if let Some(font) = system_font_data() {
        ctx.add_font(FontInsert::new(
            SYSTEM_FONT_NAME,
            font.clone(),
            lowest_in_both(),
        ));
    }
    install_bundled_font(ctx);
}

/// Adds only the bundled subset; tests use it to prove it covers every text of the windows.
pub fn install_bundled_font(ctx: &Context) {
    ctx.add_font(FontInsert::new(
        BUNDLED_FONT_NAME,
        FontData::from_static(BUNDLED_CJK_FONT),
        lowest_in_both(),
    ));
}

fn lowest_in_both() -> Vec<InsertFontFamily> {
    [FontFamily::Proportional, FontFamily::Monospace]
        .into_iter()
        .map(|family| InsertFontFamily {
            family,
            priority: FontPriority::Lowest,
        })
        .collect()
}

/// The system's Chinese font, read once per process (the file is large and fontconfig slow).
fn system_font_data() -> Option<&'static FontData> {
    static FONT: OnceLock<Option<FontData>> = OnceLock::new();
    FONT.get_or_init(|| {
        let found = find_system_cjk_font()?;
        match std::fs::read(&found.path) {
            Ok(bytes) => {
                tracing::debug!(path = %found.path.display(), index = found.index, "system CJK font");
                Some(FontData::from_blob(Arc::new(bytes), found.index))
            }
            Err(err) => {
                tracing::debug!(path = %found.path.display(), %err, "cannot read the CJK font");
                None
            }
        }
    })
    .as_ref()
}

/// Finds a font for Simplified Chinese: asks fontconfig, then looks at known paths.
pub fn find_system_cjk_font() -> Option<SystemFont> {
    ask_fontconfig().or_else(|| {
        KNOWN_FONTS
            .iter()
            .map(|(path, index)| SystemFont {
                path: PathBuf::from(path),
                index: *index,
            })
            .find(|font| font.path.is_file())
    })
}

/// `fc-match` answers with *some* font even when none covers Chinese (DejaVu on a bare Debian),
/// so its answer counts only when the font's languages include `zh-cn`.
fn ask_fontconfig() -> Option<SystemFont> {
    let output = Command::new("fc-match")
        .args(["-f", "%{file}\n%{index}\n%{lang}", "sans-serif:lang=zh-cn"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    parse_fc_match(&String::from_utf8_lossy(&output.stdout))
}

fn parse_fc_match(answer: &str) -> Option<SystemFont> {
    let mut lines = answer.lines();
    let path = Path::new(lines.next()?.trim());
    let index = lines.next()?.trim().parse().ok()?;
    let covers_chinese = lines
        .next()?
        .split('|')
        .any(|lang| lang.trim().eq_ignore_ascii_case("zh-cn"));
    (covers_chinese && path.is_file()).then(|| SystemFont {
        path: path.to_path_buf(),
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fontconfig_answer_without_chinese_is_refused() {
        let answer = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf\n0\naa|af|en|fr";
        assert_eq!(parse_fc_match(answer), None);
    }

    #[test]
    fn fontconfig_answer_with_chinese_is_taken_when_the_file_exists() {
        let dir = std::env::temp_dir().join(format!("tcptalk-font-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("fake.ttc");
        std::fs::write(&file, b"not really a font").expect("temp file");
        let answer = format!("{}\n2\nen|ja|zh-cn|zh-tw", file.display());
        assert_eq!(
            parse_fc_match(&answer),
            Some(SystemFont {
                path: file.clone(),
                index: 2
            })
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bundled_font_is_an_opentype_font() {
        assert!(BUNDLED_CJK_FONT.len() > 1_000_000);
        assert_eq!(&BUNDLED_CJK_FONT[..4], b"OTTO");
    }
}
