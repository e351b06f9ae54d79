//! `tcptalk generate man|bash|zsh|fish|elvish|powershell`: the manual page and the shell
//! completions, made from the clap definition itself so they never drift from `--help`.
//!
//! Hidden from `--help`: it is for packagers and `packaging/linux/install.sh`, as ripgrep's
//! `rg --generate` is. The text is made in memory and written at once, so a closed pipe
//! (`tcptalk generate man | head`) is not an error.

use std::io::{self, Write};

use clap::{CommandFactory, ValueEnum};
use clap_complete::Shell;

use crate::args::Cli;

/// What `tcptalk generate` writes to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Artifact {
    /// The manual page, tcptalk(1), in roff (`man -l -` reads it).
    Man,
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// Writes `artifact` to stdout; a reader that went away early is success.
pub fn to_stdout(artifact: Artifact) -> io::Result<()> {
    let text = render(artifact)?;
    match io::stdout().lock().write_all(&text) {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => Err(err),
        _ => Ok(()),
    }
}

/// The bytes of `artifact`.
pub fn render(artifact: Artifact) -> io::Result<Vec<u8>> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    let shell = match artifact {
        Artifact::Man => {
            man_page(cmd, &mut out)?;
            return Ok(out);
        }
        Artifact::Bash => Shell::Bash,
        Artifact::Zsh => Shell::Zsh,
        Artifact::Fish => Shell::Fish,
        Artifact::Elvish => Shell::Elvish,
        Artifact::Powershell => Shell::PowerShell,
    };
    clap_complete::generate(shell, &mut cmd, "tcptalk", &mut out);
    Ok(out)
}

/// One page for the whole program. clap_mangen would write a page per subcommand
/// (`tcptalk-server(1)`), but nearly everything is in `server` and `client`, and one page is
/// what `man tcptalk` finds: each subcommand gets a section with its synopsis and options.
fn man_page(mut cmd: clap::Command, out: &mut Vec<u8>) -> io::Result<()> {
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    // Not `help`: the page is the help.
    let documented = |sub: &&clap::Command| !sub.is_hide_set() && sub.get_name() != "help";
    for sub in cmd.get_subcommands().filter(documented) {
        let name = format!("TCPTALK {}", sub.get_name().to_uppercase());
        writeln!(out, ".SH \"{name}\"")?;
        let sub_man = clap_mangen::Man::new(sub.clone());
        let mut section = Vec::new();
        sub_man.render_description_section(&mut section)?;
        sub_man.render_synopsis_section(&mut section)?;
        sub_man.render_options_section(&mut section)?;
        out.extend(demote_headings(&section));
    }
    out.extend_from_slice(EXIT_STATUS.as_bytes());
    man.render_version_section(out)?;
    Ok(())
}

/// A subcommand's sections (`.SH OPTIONS`) as subsections (`.SS`) of its own section, and
/// its description without a heading: it opens the section.
fn demote_headings(roff: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    let mut out = String::new();
    for line in text.lines() {
        match line.strip_prefix(".SH ") {
            Some("DESCRIPTION") => {}
            Some(heading) => {
                out.push_str(".SS ");
                out.push_str(heading);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out.into_bytes()
}

const EXIT_STATUS: &str = "\
.SH \"EXIT STATUS\"
.TP
0
done (with \\fB\\-\\-no\\-gui\\fR: the peer closed, \\fB\\-\\-once\\fR or \\fB\\-\\-count\\fR ended, or Ctrl\\-C)
.TP
1
a network failure: cannot listen or connect, connection reset
.TP
2
bad arguments; nothing was started
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_has_every_subcommand_and_its_options() {
        let page = String::from_utf8(render(Artifact::Man).expect("render")).expect("UTF-8");
        assert!(page.contains("\n.TH tcptalk 1 "), "no title");
        for needle in [
            "TCPTALK SERVER",
            "TCPTALK CLIENT",
            "TCPTALK INTERFACES",
            "no\\-gui",
            "udp",
            "tls",
            "EXIT STATUS",
        ] {
            assert!(page.contains(needle), "no {needle:?} in the page");
        }
        assert!(
            !page.contains("TCPTALK GENERATE"),
            "the hidden command is listed"
        );
    }

    #[test]
    fn every_shell_gets_completions() {
        for artifact in Artifact::value_variants().iter().skip(1) {
            let text = render(*artifact).expect("render");
            let text = String::from_utf8_lossy(&text);
            assert!(text.contains("client"), "{artifact:?}");
        }
    }
}
