//! `packaging/linux/`: the launchers are valid desktop entries that start real subcommands,
//! and `install.sh` puts a man page that renders and completions that complete into a PREFIX.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{BIN, require, temp_dir};

fn packaging() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/linux")
}

fn desktop_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(packaging())
        .expect("packaging/linux")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "desktop"))
        .collect();
    files.sort();
    files
}

/// The value of `key=` in a desktop entry.
fn key<'a>(entry: &'a str, key: &str) -> Option<&'a str> {
    entry
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
}

#[test]
fn desktop_entries_are_valid_and_start_real_subcommands() {
    require("desktop-file-validate");
    let files = desktop_files();
    assert_eq!(files.len(), 3, "{files:?}");
    let mut execs = Vec::new();
    for file in &files {
        let out = Command::new("desktop-file-validate")
            .arg(file)
            .output()
            .expect("run desktop-file-validate");
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: {said}", file.display());
        // Hints (two main categories, as asked for) are fine; errors and warnings are not.
        assert!(
            !said.contains("error:") && !said.contains("warning:"),
            "{}: {said}",
            file.display()
        );
        let entry = std::fs::read_to_string(file).expect("read");
        assert_eq!(key(&entry, "Icon"), Some("tcptalk"), "{}", file.display());
        // The window's Wayland app id and X11 class, so the launcher owns its windows.
        assert_eq!(key(&entry, "StartupWMClass"), Some("tcptalk"));
        assert_eq!(key(&entry, "Categories"), Some("Network;Development;"));
        assert!(key(&entry, "Name[zh_CN]").is_some(), "{}", file.display());
        let exec = key(&entry, "Exec").expect("Exec");
        let mut words = exec.split_whitespace();
        assert_eq!(words.next(), Some("tcptalk"), "{exec}");
        let args: Vec<&str> = words.collect();
        // `--help` of a subcommand that does not exist is exit 2.
        let help = Command::new(BIN)
            .args(&args)
            .arg("--help")
            .output()
            .expect("run tcptalk");
        assert!(help.status.success(), "{exec}: {help:?}");
        execs.push(exec.to_string());
    }
    execs.sort();
    assert_eq!(execs, ["tcptalk", "tcptalk client", "tcptalk server"]);
}

#[test]
fn the_icon_is_an_svg_with_a_png_beside_it() {
    let icons = packaging().join("icons/hicolor");
    let svg = std::fs::read_to_string(icons.join("scalable/apps/tcptalk.svg")).expect("svg");
    assert!(svg.contains("<svg") && svg.contains("viewBox"), "{svg}");
    let png = std::fs::read(icons.join("256x256/apps/tcptalk.png")).expect("png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Width and height in the IHDR chunk.
    assert_eq!(&png[16..24], &[0, 0, 1, 0, 0, 0, 1, 0]);
}

#[test]
fn install_sh_puts_launchers_icons_man_page_and_completions_under_prefix() {
    require("man");
    let prefix = temp_dir("install-prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    let out = Command::new("sh")
        .arg(packaging().join("install.sh"))
        .arg(&prefix)
        .env("TCPTALK", BIN)
        .output()
        .expect("run install.sh");
    assert!(out.status.success(), "{out:?}");
    let share = prefix.join("share");
    for file in [
        "applications/tcptalk.desktop",
        "applications/tcptalk-server.desktop",
        "applications/tcptalk-client.desktop",
        "icons/hicolor/scalable/apps/tcptalk.svg",
        "icons/hicolor/256x256/apps/tcptalk.png",
        "man/man1/tcptalk.1",
        "bash-completion/completions/tcptalk",
        "zsh/site-functions/_tcptalk",
        "fish/vendor_completions.d/tcptalk.fish",
        "elvish/lib/tcptalk.elv",
    ] {
        assert!(share.join(file).is_file(), "no {file}");
    }
    assert!(prefix.join("bin/tcptalk").is_file(), "no bin/tcptalk");

    let page = share.join("man/man1/tcptalk.1");
    let rendered = Command::new("man")
        .arg("-l")
        .arg(&page)
        .env("MANWIDTH", "100")
        .output()
        .expect("man -l");
    assert!(rendered.status.success(), "{rendered:?}");
    let text = String::from_utf8_lossy(&rendered.stdout);
    for needle in [
        "TCPTALK CLIENT",
        "--no-gui",
        "--udp",
        "--tls",
        "客户端",
        "EXIT STATUS",
    ] {
        assert!(text.contains(needle), "man page lacks {needle:?}:\n{text}");
    }
    let stderr = String::from_utf8_lossy(&rendered.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");

    let bash = share.join("bash-completion/completions/tcptalk");
    let syntax = Command::new("bash")
        .arg("-n")
        .arg(&bash)
        .output()
        .expect("bash -n");
    assert!(syntax.status.success(), "{syntax:?}");
    let complete = |words: &str, cword: usize| {
        let script = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD={cword}; \
             _tcptalk tcptalk \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             echo \"${{COMPREPLY[@]}}\"",
            bash.display()
        );
        let out = Command::new("bash")
            .args(["-c", &script])
            .output()
            .expect("bash");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(complete("tcptalk cl", 1), "client");
    assert!(complete("tcptalk client --no-g", 2).contains("--no-gui"));
    let _ = std::fs::remove_dir_all(&prefix);
}
