//! Helpers over words: command names, option parsing, and the families of
//! programs the policy cares about (shells, interpreters, downloaders,
//! decoders).

use super::script::Word;

/// The command name without its directory (`/usr/bin/rm` → `rm`).
pub(crate) fn basename(text: &str) -> &str {
    text.rsplit('/').next().unwrap_or(text)
}

/// Is `word` a `NAME=value` assignment?
pub(crate) fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            let name = name.strip_suffix('+').unwrap_or(name);
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Shells that run `-c` scripts or read a script from standard input.
pub(crate) fn is_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash"
            | "zsh"
            | "dash"
            | "ksh"
            | "mksh"
            | "ash"
            | "fish"
            | "rbash"
            | "yash"
            | "csh"
            | "tcsh"
            | "posh"
    )
}

/// Interpreters of other languages: they run inline code (`-c`/`-e`) or a
/// script from standard input.
pub(crate) fn is_interpreter(name: &str) -> bool {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    matches!(
        stem,
        "python"
            | "pypy"
            | "perl"
            | "ruby"
            | "node"
            | "nodejs"
            | "php"
            | "lua"
            | "luajit"
            | "tclsh"
            | "deno"
            | "bun"
            | "Rscript"
            | "osascript"
            | "pwsh"
            | "irb"
    )
}

/// The option that takes inline code for an interpreter.
pub(crate) fn inline_code_flag(name: &str, word: &str) -> bool {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    match stem {
        "python" | "pypy" => {
            word == "-c"
                || (word.starts_with('-') && !word.starts_with("--") && word.ends_with('c'))
        }
        "perl" => word.starts_with('-') && !word.starts_with("--") && word.contains(['e', 'E']),
        "php" => word == "-r",
        "node" | "nodejs" | "deno" | "bun" => {
            matches!(word, "-e" | "--eval" | "-p" | "--print" | "eval")
        }
        _ => matches!(word, "-e" | "-c" | "--eval" | "-command" | "-Command"),
    }
}

/// Programs that fetch data from the network.
pub(crate) fn is_downloader(name: &str) -> bool {
    matches!(
        name,
        "curl"
            | "wget"
            | "wget2"
            | "fetch"
            | "aria2c"
            | "axel"
            | "lwp-request"
            | "lwp-download"
            | "GET"
            | "http"
            | "https"
            | "xh"
            | "nc"
            | "ncat"
            | "netcat"
            | "socat"
            | "telnet"
            | "ftp"
            | "tftp"
            | "ssh"
            | "scp"
            | "sftp"
            | "rsync"
            | "openssl"
    )
}

/// Programs that decode or unscramble text (so a script hides what it is).
pub(crate) fn is_decoder(name: &str, args: &[Word]) -> bool {
    let has = |flags: &[&str]| args.iter().any(|a| flags.contains(&a.text.as_str()));
    let cluster = |letter: char| {
        args.iter().any(|a| {
            a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains(letter)
        })
    };
    match name {
        "base64" | "base32" | "basenc" => cluster('d') || cluster('D') || has(&["--decode"]),
        "xxd" => cluster('r') || has(&["--revert"]),
        "od" | "hexdump" => false,
        "uudecode" | "rev" | "tr" | "gunzip" | "zcat" | "bzcat" | "xzcat" | "unxz" | "bunzip2"
        | "zstdcat" | "lzcat" | "unzstd" | "uncompress" | "gpg" | "rot13" => true,
        "gzip" | "bzip2" | "xz" | "zstd" | "lzma" => cluster('d') || has(&["--decompress"]),
        "printf" => args
            .iter()
            .any(|a| a.text.contains('\\') || a.text.contains("%b")),
        "echo" => cluster('e') || args.iter().any(|a| a.text.contains("\\x")),
        _ => false,
    }
}

/// Removes the program name and its options from `words`. `with_arg` lists
/// the short options that take a value (`-u root`), `long_with_arg` the long
/// ones (`--user root`; `--user=root` is handled for all). Stops at the
/// first word that is not an option, after `--`.
pub(crate) fn strip_options(words: &mut Vec<Word>, with_arg: &[char], long_with_arg: &[&str]) {
    if !words.is_empty() {
        words.remove(0);
    }
    while let Some(first) = words.first() {
        let t = first.text.clone();
        if t == "--" {
            words.remove(0);
            return;
        }
        if !t.starts_with('-') || t == "-" {
            return;
        }
        words.remove(0);
        if let Some(long) = t.strip_prefix("--") {
            if !long.contains('=') && long_with_arg.contains(&long) && !words.is_empty() {
                words.remove(0);
            }
            continue;
        }
        // A short cluster: `-Eu root`, `-uroot`.
        let letters: Vec<char> = t[1..].chars().collect();
        for (i, c) in letters.iter().enumerate() {
            if with_arg.contains(c) {
                if i + 1 == letters.len() && !words.is_empty() {
                    words.remove(0);
                }
                break;
            }
        }
    }
}

/// Non-option words (everything after `--` counts), skipping the values of
/// the given short and long options.
pub(crate) fn operands<'w>(args: &'w [Word], with_arg: &[&str]) -> Vec<&'w Word> {
    let mut out = Vec::new();
    let mut ended = false;
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        let t = a.text.as_str();
        if ended || !t.starts_with('-') || t == "-" {
            out.push(a);
        } else if t == "--" {
            ended = true;
        } else if with_arg.contains(&t) {
            skip = true;
        }
    }
    out
}

/// The value of an option: `-o F`, `-oF`, `--output F`, `--output=F`.
pub(crate) fn option_values(args: &[Word], short: &str, long: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        let t = a.text.as_str();
        if t == "--" {
            break;
        }
        if t == short || (!long.is_empty() && t == long) {
            if let Some(v) = it.next() {
                out.push(v.clone());
            }
        } else if !long.is_empty() && t.starts_with(&format!("{long}=")) {
            out.push(Word {
                text: t[long.len() + 1..].to_string(),
                ..a.clone()
            });
        } else if !short.is_empty()
            && t.starts_with(short)
            && !t.starts_with("--")
            && t.len() > short.len()
        {
            out.push(Word {
                text: t[short.len()..].to_string(),
                ..a.clone()
            });
        }
    }
    out
}

/// Does any short-option cluster contain `letter`, or any word equal one of `long`?
pub(crate) fn has_flag(args: &[Word], letter: char, long: &[&str]) -> bool {
    for a in args {
        let t = a.text.as_str();
        if t == "--" {
            return false;
        }
        if long.contains(&t) || long.iter().any(|l| l.ends_with('=') && t.starts_with(l)) {
            return true;
        }
        if letter != '\0' && t.starts_with('-') && !t.starts_with("--") && t[1..].contains(letter) {
            return true;
        }
    }
    false
}
