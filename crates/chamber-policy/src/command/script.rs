//! The parsed form of a command line: simple commands with their words and
//! redirections, the pipelines that connect them, the substitutions inside
//! words, and function definitions.

/// One word after quote removal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Word {
    /// The text a shell would see after quote removal. Variables stay as
    /// written (`$HOME`, `${X}`); substitutions read `$(…)`.
    pub text: String,
    /// Contains an expansion whose value is unknown before it runs
    /// (a variable, `$(…)`, backticks, arithmetic).
    pub dynamic: bool,
    /// Contains an unquoted glob character (`*`, `?`, `[`).
    pub glob: bool,
    /// The command substitutions inside this word (indices into
    /// [`Script::subs`]).
    pub subs: Vec<usize>,
}

impl Word {
    /// A plain literal word.
    pub fn lit(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }
}

/// What a redirection does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirOp {
    /// `<`: reads a file.
    Read,
    /// `>`, `>|`, `&>`: writes a file.
    Write,
    /// `>>`, `&>>`: appends to a file.
    Append,
    /// `<>`: opens a file for reading and writing.
    ReadWrite,
    /// `>&N`, `<&N`, `N>&-`: duplicates or closes a descriptor.
    Dup,
    /// `<<DELIM`: a here-document (its body is in [`Redirect::body`]).
    HereDoc,
    /// `<<< word`: a here-string.
    HereString,
}

/// One redirection of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The redirected descriptor, when written (`2>`).
    pub fd: Option<u32>,
    /// The operation.
    pub op: RedirOp,
    /// The target word (a file, a descriptor, or a here-doc delimiter).
    pub target: Word,
    /// Standard input text for here-documents and here-strings.
    pub body: Option<String>,
}

impl Redirect {
    /// Whether the target is a file the redirection writes.
    pub fn writes_file(&self) -> bool {
        match self.op {
            RedirOp::Write | RedirOp::Append | RedirOp::ReadWrite => true,
            RedirOp::Dup => {
                let t = &self.target.text;
                !(t == "-" || t.chars().all(|c| c.is_ascii_digit()))
            }
            _ => false,
        }
    }
}

/// One simple command: words and redirections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimpleCommand {
    /// The words, assignments and command name included.
    pub words: Vec<Word>,
    /// The redirections, in order.
    pub redirects: Vec<Redirect>,
}

impl SimpleCommand {
    /// The words' texts joined by spaces.
    pub fn joined(&self) -> String {
        self.words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Commands joined by `|`: each stage lists the simple commands that make
/// it up (more than one for a `( … )` or `{ …; }` group).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pipeline {
    /// Stages in order; each holds indices into [`Script::commands`].
    pub stages: Vec<Vec<usize>>,
    /// Ended by `&` (runs in the background).
    pub background: bool,
}

/// A `name() { … }` or `function name { … }` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// The function's name.
    pub name: String,
    /// The commands of its body (indices into [`Script::commands`]).
    pub body: Vec<usize>,
}

/// A whole parsed command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// Every simple command, in the order a shell meets them (the commands
    /// of a substitution come before the command that uses its output).
    pub commands: Vec<SimpleCommand>,
    /// Every pipeline (a lone command is a one-stage pipeline).
    pub pipelines: Vec<Pipeline>,
    /// Command substitutions, process substitutions and backticks: the
    /// commands each one runs.
    pub subs: Vec<Vec<usize>>,
    /// Function definitions.
    pub functions: Vec<Function>,
}
