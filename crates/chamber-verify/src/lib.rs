//! Test verification: find a project's test command, run it, parse each
//! runner's output into structured failures, and compress those failures
//! into short hints a model can act on; review a change (static checks over
//! a diff and the pure parts of a model review).

pub mod detect;
mod error;
pub mod hints;
pub mod parse;
mod report;
pub mod review;
pub mod run;
pub mod select;

pub use detect::{Detected, TestConfig, Tools, detect};
pub use error::VerifyError;
pub use hints::{HintLimits, Hints, hints};
pub use parse::parse;
pub use report::{Failure, Runner, TestReport};
pub use run::{RunOptions, TestRun, run_tests, run_tests_via};
pub use select::{failure_count, only_failing};
