use chamber_edit::symbols::{
    SymbolError, SymbolKind, delete_symbol, find_symbol, insert_after_symbol, insert_before_symbol,
    rename_symbol, replace_symbol,
};
use chamber_edit::syntax::Lang;

const SRC: &str = r#""use strict";

const { EventEmitter } = require("events");

/**
 * A job queue.
 */
class Queue extends EventEmitter {
  #jobs = [];

  /** Adds a job. */
  push(job) {
    this.#jobs.push(job);
    this.emit("push", job); // push event
    return this;
  }

  get size() {
    return this.#jobs.length;
  }

  set size(n) {
    this.#jobs.length = n;
  }

  static from(items) {
    const queue = new Queue();
    items.forEach((item) => queue.push(item));
    return queue;
  }
}

/** Runs every job. */
const drain = async (queue) => {
  const results = [];
  for (const job of queue) results.push(await job());
  return { results };
};

function* ids() {
  let id = 0;
  while (true) yield id++;
}

module.exports = { Queue, drain, ids };
"#;

fn find(query: &str) -> chamber_edit::symbols::Symbol {
    find_symbol(Lang::JavaScript, SRC, query).unwrap_or_else(|e| panic!("{query}: {e}"))
}

#[test]
fn finds_classes_methods_and_arrow_functions() {
    let queue = find("Queue");
    assert_eq!((queue.kind, queue.line), (SymbolKind::Class, 8));
    assert!(SRC[queue.span].starts_with("/**\n * A job queue.\n */\nclass Queue"));
    let push = find("Queue.push");
    assert_eq!((push.kind, push.line), (SymbolKind::Method, 12));
    assert!(SRC[push.span].starts_with("/** Adds a job. */\n  push(job) {"));
    assert_eq!(find("Queue::from").line, 26);
    assert_eq!(find("push").path, "Queue.push");
    let drain = find("drain");
    assert_eq!((drain.kind, drain.line), (SymbolKind::Function, 34));
    assert!(SRC[drain.span].starts_with("/** Runs every job. */\nconst drain = async"));
    assert_eq!(find("ids").kind, SymbolKind::Function);
    // The destructuring `require` binds no single name.
    assert!(find_symbol(Lang::JavaScript, SRC, "EventEmitter").is_err());
}

#[test]
fn accessor_pairs_are_ambiguous_and_typos_get_suggestions() {
    let err = find_symbol(Lang::JavaScript, SRC, "Queue.size").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SymbolError::Ambiguous { .. }));
    assert!(msg.contains("line 18") && msg.contains("line 22"), "{msg}");
    assert_eq!(find("Queue.size@22").line, 22);

    let err = find_symbol(Lang::JavaScript, SRC, "Queue.pop").unwrap_err();
    let SymbolError::NotFound { closest, .. } = &err else {
        panic!("expected not found: {err}");
    };
    assert_eq!(closest.first().map(|c| c.path.as_str()), Some("Queue.push"));
}

#[test]
fn edits_keep_layout() {
    let out = replace_symbol(
        Lang::JavaScript,
        SRC,
        "Queue.from",
        "static from(items) {\n  return items.reduce((q, i) => q.push(i), new Queue());\n}",
    )
    .unwrap();
    assert!(out.text.contains(
        "  static from(items) {\n    return items.reduce((q, i) => q.push(i), new Queue());\n  }\n}\n"
    ));

    let out = insert_before_symbol(
        Lang::JavaScript,
        SRC,
        "Queue.push",
        "clear() {\n  this.#jobs = [];\n}",
    )
    .unwrap();
    assert!(out.text.contains(
        "  #jobs = [];\n\n  clear() {\n    this.#jobs = [];\n  }\n\n  /** Adds a job. */\n  push(job) {"
    ));

    let out =
        insert_after_symbol(Lang::JavaScript, SRC, "drain", "const noop = () => {};").unwrap();
    assert!(
        out.text
            .contains("  return { results };\n};\n\nconst noop = () => {};\n\nfunction* ids()")
    );

    let out = delete_symbol(Lang::JavaScript, SRC, "ids").unwrap();
    assert!(
        out.text
            .contains("  return { results };\n};\n\nmodule.exports")
    );
    let out = delete_symbol(Lang::JavaScript, SRC, "Queue.push").unwrap();
    assert!(out.text.contains("  #jobs = [];\n\n  get size() {"));
}

#[test]
fn rename_is_syntactic_and_skips_strings() {
    let out = rename_symbol(Lang::JavaScript, SRC, "queue", "q").unwrap();
    assert_eq!(out.occurrences, 5);
    assert!(out.text.contains("class Queue extends"));

    let out = rename_symbol(Lang::JavaScript, SRC, "push", "enqueue").unwrap();
    // The method, `queue.push(...)` and, being a plain name match, the
    // array pushes too; the string and the comment are untouched.
    assert_eq!(out.occurrences, 4);
    assert!(out.text.contains("this.emit(\"push\", job); // push event"));

    let out = rename_symbol(Lang::JavaScript, SRC, "jobs", "tasks").unwrap();
    assert_eq!(out.occurrences, 4);
    assert!(out.text.contains("  #tasks = [];\n"));
    assert!(out.text.contains("this.#tasks.length = n;"));
    let hashed = rename_symbol(Lang::JavaScript, SRC, "#jobs", "#tasks").unwrap();
    assert_eq!(hashed.text, out.text);
}

#[test]
fn broken_insert_is_refused() {
    let err = insert_after_symbol(Lang::JavaScript, SRC, "Queue.from", "stop( {").unwrap_err();
    assert!(
        err.to_string().contains("fix the syntax and retry"),
        "{err}"
    );
}
