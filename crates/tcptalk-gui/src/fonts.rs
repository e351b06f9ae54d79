//! Chinese text that renders everywhere.
//!
//! egui's own fonts have no Han characters. We add, after egui's fonts (so Latin text keeps
//! egui's look), a bundled subset of Noto Sans CJK SC (GB2312 plus CJK punctuation, made by
//! `scripts/make-cjk-subset.sh`, licensed OFL-1.1, see `assets/OFL.txt`): it covers every text of
//! the windows, so a machine without any CJK font still shows the tutorial's wording.
//!
//! Rarer characters a peer may send come from the system's Chinese font, found by fontconfig or
//! a known path, but only once such a character is first drawn: the font is read then, through a
//! [`FontProvider`], not at start-up. Reading it up front cost its whole file in memory (4 MB for
//! Droid Sans Fallback, about 20 MB for a Noto CJK collection) in every idle window
//! (BENCHMARKS.md, "Idle windows"). In the real windows eframe's own system font provider
//! (memory-mapped, asked first) usually answers before ours does; ours covers the case where it
//! finds nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use egui::{
    Context, FallbackRequest, FontData, FontFamily, FontInsert, FontPriority, FontProvider,
    InsertFontFamily,
};

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

/// Adds the Chinese fonts to `ctx`: the bundled subset after egui's own fonts for proportional
/// and monospace text, and the system's Chinese font for the characters the subset lacks, read
/// when the first of them is drawn.
pub fn install_fonts(ctx: &Context) {
    install_bundled_font(ctx);
    ctx.add_font_provider(Arc::new(SystemCjkProvider::default()));
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

/// Hands egui the system's Chinese font for the first CJK character no installed font has.
///
/// Once given, the font is in the fallback chain of both families, so egui asks again only for
/// characters it lacks too; those get `None` (a box), as they did when the font was loaded up
/// front.
#[derive(Debug, Default)]
struct SystemCjkProvider {
    given: AtomicBool,
}

impl FontProvider for SystemCjkProvider {
    fn font_for(&self, request: &FallbackRequest<'_>) -> Option<FontInsert> {
        let first = request.cluster.chars().next()?;
        if !is_cjk(first) || self.given.swap(true, Ordering::Relaxed) {
            return None;
        }
        let font = system_font_data()?;
        Some(FontInsert::new(
            SYSTEM_FONT_NAME,
            font.clone(),
            lowest_in_both(),
        ))
    }
}

/// The blocks a Chinese font covers beyond GB2312: Han ideographs (with extensions and
/// compatibility forms), CJK symbols and punctuation, Bopomofo, Kangxi radicals, full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(
        u32::from(c),
        0x2E80..=0x2FDF
            | 0x3000..=0x303F
            | 0x3100..=0x312F
            | 0x31A0..=0x31BF
            | 0x3200..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFFEF
            | 0x20000..=0x3FFFF
    )
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
    fn only_cjk_characters_ask_for_the_system_font() {
        assert!(is_cjk('龘'));
        assert!(is_cjk('𠀀'));
        assert!(is_cjk('，'));
        assert!(!is_cjk('a'));
        assert!(!is_cjk('é'));
    }

    #[test]
    fn the_system_font_is_given_at_most_once() {
        let provider = SystemCjkProvider::default();
        let request = |cluster| FallbackRequest {
            cluster,
            family: &FontFamily::Proportional,
        };
        assert!(provider.font_for(&request("a")).is_none());
        let first = provider.font_for(&request("龘"));
        assert_eq!(first.is_some(), system_font_data().is_some());
        assert!(provider.font_for(&request("𠀀")).is_none());
    }

    /// A character outside GB2312 still renders, from the system font read on demand (the
    /// harness panics on a character without a glyph).
    #[test]
    fn rare_character_renders_through_the_provider() {
        if system_font_data().is_none() {
            return;
        }
        let mut harness = egui_kittest::Harness::builder()
            .with_context_setup(install_fonts)
            .build_ui(|ui| {
                ui.label("龘");
            });
        harness.run();
        egui_kittest::kittest::Queryable::get_by_label(&harness, "龘");
    }

    #[test]
    fn bundled_font_is_an_opentype_font() {
        assert!(BUNDLED_CJK_FONT.len() > 1_000_000);
        assert_eq!(&BUNDLED_CJK_FONT[..4], b"OTTO");
    }
}

/// The widest the font atlas may be. egui makes it as wide as the GPU allows (16,384 pixels on
/// Mesa's llvmpipe), so even its first rows cost megabytes, twice over (egui's copy and the
/// driver's); 2,048 pixels (egui's own portable default) hold every glyph the windows show, and
/// egui clears and refills the atlas if a flood of new characters ever fills it.
pub const ATLAS_SIDE: usize = 2048;

/// Caps the font atlas at [`ATLAS_SIDE`] in every viewport's input, before egui reads it: a
/// plugin rather than eframe's `raw_input_hook`, which the second (immediate) viewport never
/// calls, and one cap for both, since fonts rebuild whenever two passes disagree.
/// `TCPTALK_ATLAS_SIDE` overrides the cap, for memory benchmarks.
#[derive(Debug)]
pub struct AtlasCap {
    side: usize,
}

impl AtlasCap {
    pub fn from_env() -> Self {
        let side = std::env::var("TCPTALK_ATLAS_SIDE")
            .ok()
            .and_then(|side| side.parse().ok())
            .filter(|side| *side >= 1024)
            .unwrap_or(ATLAS_SIDE);
        AtlasCap { side }
    }
}

impl egui::Plugin for AtlasCap {
    fn debug_name(&self) -> &'static str {
        "tcptalk font atlas cap"
    }

    fn input_hook(&mut self, _ctx: &egui::Context, input: &mut egui::RawInput) {
        let side = self.side;
        input.max_texture_side = Some(input.max_texture_side.map_or(side, |gpu| gpu.min(side)));
    }
}

#[cfg(test)]
mod atlas_tests {
    use super::{ATLAS_SIDE, AtlasCap};
    use egui::Plugin;

    fn capped(cap: &mut AtlasCap, gpu: Option<usize>) -> Option<usize> {
        let ctx = egui::Context::default();
        let mut input = egui::RawInput {
            max_texture_side: gpu,
            ..Default::default()
        };
        cap.input_hook(&ctx, &mut input);
        input.max_texture_side
    }

    #[test]
    fn the_atlas_is_never_wider_than_the_cap_nor_than_the_gpu_allows() {
        let mut cap = AtlasCap { side: ATLAS_SIDE };
        assert_eq!(
            capped(&mut cap, Some(16_384)),
            Some(2048),
            "llvmpipe's limit"
        );
        assert_eq!(
            capped(&mut cap, Some(1024)),
            Some(1024),
            "a smaller GPU wins"
        );
        assert_eq!(capped(&mut cap, None), Some(2048), "no limit given");
    }

    /// Both windows run one pass after the other; egui rebuilds the fonts whenever two
    /// passes ask for different atlas sizes, so the cap applies to every viewport alike.
    #[test]
    fn every_viewport_of_a_context_gets_the_same_cap() {
        let ctx = egui::Context::default();
        ctx.add_plugin(AtlasCap { side: ATLAS_SIDE });
        for viewport in [
            egui::ViewportId::ROOT,
            egui::ViewportId::from_hash_of("客户端"),
        ] {
            let input = egui::RawInput {
                viewport_id: viewport,
                viewports: std::iter::once((viewport, egui::ViewportInfo::default())).collect(),
                max_texture_side: Some(16_384),
                ..Default::default()
            };
            let mut output = ctx.run_ui(input, |_ui| {});
            output.textures_delta.clear();
            assert_eq!(ctx.input(|i| i.max_texture_side), 2048, "{viewport:?}");
        }
    }
}
