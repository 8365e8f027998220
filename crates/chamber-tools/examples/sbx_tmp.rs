fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "__sandbox") {
        std::process::exit(chamber_tools::sandbox::helper_main(&args[2..]));
    }
    let ws = std::env::current_dir().unwrap();
    let mut cfg = chamber_config::SandboxConfig::default();
    if let Ok(m) = std::env::var("SBX_MAX") { cfg.max_processes = m.parse().unwrap(); }
    let p = chamber_tools::sandbox::SandboxProfile::from_config(&cfg, &ws);
    println!("{}", p.encode());
}
