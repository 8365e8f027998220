//! A config file (`config.toml`) through `chamber_config::load_text`: TOML
//! parsing, the typed settings, the merge over the defaults and the
//! semantic checks. Invariant: an accepted config, written back as TOML,
//! loads again to the same values.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = chamber_fuzz::text(data);
    let Ok(loaded) = chamber_config::load_text(&text) else {
        return;
    };
    let Ok(again) = toml::to_string(&loaded.merged) else {
        return;
    };
    let reloaded = chamber_config::load_text(&again);
    match reloaded {
        Ok(r) => assert_eq!(
            format!("{:?}", r.merged),
            format!("{:?}", loaded.merged),
            "changed on a round trip through:\n{again}"
        ),
        Err(e) => panic!("accepted once, refused when written back: {e}\n{again}"),
    }
});
