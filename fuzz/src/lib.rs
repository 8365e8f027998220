//! Helpers the fuzz targets share: the input as text, a scratch workspace
//! for the edit planners, and the provider-decoder target body. No parser
//! code lives here; every target calls the library's own entry points.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chamber_llm::{StreamEvent, Wire, decode_reply, decode_stream};

/// The input as text, invalid UTF-8 replaced (what tools and files hand over).
pub fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Files the edit planners can patch, in a scratch directory made once per
/// process. The seeds patch these names.
const FILES: &[(&str, &str)] = &[
    ("a.txt", "hello\nworld\n"),
    ("b.txt", "x\n"),
    (
        "c.py",
        "def f():\n    x = 1\n    y = 2\n    return x + y\n\n\nclass A:\n    def f(self):\n        return 1\n        pass\n",
    ),
    (
        "src/main.rs",
        "fn main() {\n    println!(\"hi\");\n    // ...\n}\n",
    ),
    ("tail.txt", "a\n\n    \n\tb\ntail"),
];

/// The scratch workspace holding [`FILES`].
pub fn workspace() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("chamber-fuzz-{}", std::process::id()));
        for (name, body) in FILES {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("scratch dir");
            }
            std::fs::write(&path, body).expect("scratch file");
        }
        dir
    })
}

/// The provider-decoder targets: the first byte picks a whole reply (odd)
/// or a stream (even) and, for streams, the size of the pieces the body
/// arrives in; the rest is the body.
///
/// Invariants: a stream decodes to the same items whole as in pieces; it
/// yields at most one error, and only as its last item.
pub fn decode(wire: Wire, data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    if mode & 1 == 1 {
        let _ = decode_reply(wire, body);
        return;
    }
    let step = usize::from(mode >> 1) + 1;
    let whole = decode_stream(wire, &[body]);
    let pieces: Vec<&[u8]> = body.chunks(step).collect();
    let split = decode_stream(wire, &pieces);
    assert_eq!(
        unrandomized(format!("{whole:?}")),
        unrandomized(format!("{split:?}")),
        "the stream decodes differently in pieces of {step}"
    );
    if let Some(i) = whole.iter().position(Result::is_err) {
        assert_eq!(i + 1, whole.len(), "items after an error");
    }
    let _ = whole
        .iter()
        .filter(|e| matches!(e, Ok(StreamEvent::Done)))
        .count();
}

/// Gemini sends no call ids, so its parser makes them up with a random tag
/// (`gemini_call_<8 hex>_<n>`); the tag is blanked before comparing.
fn unrandomized(mut text: String) -> String {
    const PREFIX: &str = "gemini_call_";
    let mut from = 0;
    while let Some(at) = text[from..].find(PREFIX) {
        let start = from + at + PREFIX.len();
        let end = (start + 8).min(text.len());
        if text.is_char_boundary(end) && text[start..end].bytes().all(|b| b.is_ascii_hexdigit()) {
            text.replace_range(start..end, "");
        }
        from = start;
    }
    text
}
