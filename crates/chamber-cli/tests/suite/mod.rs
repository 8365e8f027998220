//! Test areas; `harness` holds the shared temp-project and mock-script helpers.

mod approval;
mod bench_edits;
mod cli_surface;
mod doctor_providers;
mod dry_run;
mod edit_formats;
mod fake_github;
mod fix_loop;
mod fix_projects;
mod git_delivery;
mod harness;
mod local_model;
mod local_provider;
mod pr_open;
mod pr_update;
mod providers;
mod recovery;
mod resume;
mod review;
mod run_basic;
mod test_command;
mod test_watch;
mod undo;
mod user_patches;
mod worktree_run;
