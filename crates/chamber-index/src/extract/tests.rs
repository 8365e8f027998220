use super::*;

fn defs(facts: &FileFacts) -> Vec<(String, String, u32, u32)> {
    facts
        .symbols
        .iter()
        .map(|s| {
            (
                s.kind.clone(),
                s.qualified.clone(),
                s.start_line,
                s.end_line,
            )
        })
        .collect()
}

fn has_def(facts: &FileFacts, kind: &str, qualified: &str) -> bool {
    facts
        .symbols
        .iter()
        .any(|s| s.kind == kind && s.qualified == qualified)
}

fn has_ref(facts: &FileFacts, name: &str, line: u32) -> bool {
    facts
        .references
        .iter()
        .any(|r| r.name == name && r.line == line)
}

fn targets(facts: &FileFacts) -> Vec<&str> {
    facts.imports.iter().map(|i| i.target.as_str()).collect()
}

#[test]
fn every_query_compiles() {
    for lang in [
        Lang::Rust,
        Lang::Python,
        Lang::TypeScript,
        Lang::Tsx,
        Lang::JavaScript,
        Lang::Go,
    ] {
        assert_eq!(queries::compile_error(lang), None, "{lang:?}");
    }
}

#[test]
fn rust_definitions_qualified_by_impl_and_trait() {
    let text = "use crate::store::{Store, sqlite::Pool};\nmod util;\n\
pub struct Parser {\n    depth: usize,\n}\n\
impl Parser {\n    pub fn new() -> Self {\n        Parser { depth: helper() }\n    }\n}\n\
pub trait Visit {\n    fn visit(&self);\n    type Out;\n}\n\
impl<T> Visit for Wrapper<T> {\n    fn visit(&self) { self.inner.go(); }\n}\n\
pub enum Mode { Fast, Slow }\n\
const LIMIT: usize = 3;\n\
macro_rules! shout { () => {} }\n\
fn helper() -> usize { LIMIT }\n";
    let facts = extract(Lang::Rust, "src/parse.rs", text);
    assert!(has_def(&facts, "struct", "Parser"), "{:?}", defs(&facts));
    assert!(has_def(&facts, "field", "Parser::depth"));
    assert!(has_def(&facts, "method", "Parser::new"));
    assert!(has_def(&facts, "trait", "Visit"));
    assert!(has_def(&facts, "method", "Visit::visit"));
    assert!(has_def(&facts, "type", "Visit::Out"));
    assert!(has_def(&facts, "method", "Wrapper::visit"));
    assert!(has_def(&facts, "enum", "Mode"));
    assert!(has_def(&facts, "variant", "Mode::Fast"));
    assert!(has_def(&facts, "constant", "LIMIT"));
    assert!(has_def(&facts, "macro", "shout"));
    assert!(has_def(&facts, "function", "helper"));
    assert!(has_def(&facts, "module", "util"));
    let new = facts.symbols.iter().find(|s| s.name == "new").unwrap();
    assert_eq!((new.start_line, new.end_line), (7, 9));
    assert_eq!(new.signature, "pub fn new() -> Self {");
    assert!(has_ref(&facts, "helper", 8));
    assert!(has_ref(&facts, "go", 16));
    // A definition's own name is not a reference to it.
    assert!(
        !facts
            .references
            .iter()
            .any(|r| r.name == "Parser" && r.line == 3)
    );
    assert_eq!(
        targets(&facts),
        [
            "crate::store::Store",
            "crate::store::sqlite::Pool",
            "self::util"
        ]
    );
}

#[test]
fn python_classes_methods_constants_and_imports() {
    let text = "import os.path\nfrom . import sibling\nfrom ..pkg.mod import thing as t\nfrom app.core import *\n\
MAX = 10\n\
class Store(Base):\n    def get(self, key):\n        return self.load(key)\n\n    @property\n    def size(self):\n        return len(self.items)\n\n\
def main():\n    s = Store()\n    s.get('a')\n";
    let facts = extract(Lang::Python, "app/store.py", text);
    assert!(has_def(&facts, "constant", "MAX"), "{:?}", defs(&facts));
    assert!(has_def(&facts, "class", "Store"));
    assert!(has_def(&facts, "method", "Store.get"));
    assert!(has_def(&facts, "method", "Store.size"));
    assert!(has_def(&facts, "function", "main"));
    let get = facts.symbols.iter().find(|s| s.name == "get").unwrap();
    assert_eq!((get.start_line, get.end_line), (7, 8));
    assert_eq!(get.signature, "def get(self, key):");
    assert!(has_ref(&facts, "load", 8));
    assert!(has_ref(&facts, "Store", 15));
    assert!(has_ref(&facts, "Base", 6));
    assert_eq!(
        targets(&facts),
        ["os.path", ".sibling", "..pkg.mod.thing", "app.core"]
    );
}

#[test]
fn typescript_interfaces_classes_types_and_imports() {
    let text = "import { Router } from './router';\nimport fs from \"fs\";\nexport * from '../shared/util';\n\
export interface Handler {\n  handle(req: Request): Response;\n}\n\
export type Id = string;\n\
export enum Color { Red }\n\
export class Server implements Handler {\n  handle(req: Request): Response {\n    return route(req);\n  }\n}\n\
export const start = (port: number) => new Server();\n\
function route(r: Request): Response { return r as any; }\n";
    let facts = extract(Lang::TypeScript, "src/server.ts", text);
    assert!(
        has_def(&facts, "interface", "Handler"),
        "{:?}",
        defs(&facts)
    );
    assert!(has_def(&facts, "method", "Handler.handle"));
    assert!(has_def(&facts, "type", "Id"));
    assert!(has_def(&facts, "enum", "Color"));
    assert!(has_def(&facts, "class", "Server"));
    assert!(has_def(&facts, "method", "Server.handle"));
    assert!(has_def(&facts, "function", "start"));
    assert!(has_def(&facts, "function", "route"));
    assert!(has_ref(&facts, "route", 11));
    assert!(has_ref(&facts, "Server", 14));
    assert!(has_ref(&facts, "Request", 15));
    assert_eq!(targets(&facts), ["./router", "fs", "../shared/util"]);
}

#[test]
fn tsx_parses_jsx_components() {
    let text = "import React from 'react';\nexport function App(props: Props) {\n  return <div>{render(props)}</div>;\n}\n";
    let facts = extract(Lang::Tsx, "src/App.tsx", text);
    assert!(has_def(&facts, "function", "App"), "{:?}", defs(&facts));
    assert!(has_ref(&facts, "render", 3));
    assert_eq!(targets(&facts), ["react"]);
}

#[test]
fn javascript_functions_classes_and_require() {
    let text = "const util = require('./util');\nimport { x } from './x.js';\n\
class Cache extends Base {\n  get(key) { return lookup(key); }\n}\n\
function lookup(k) { return util.find(k); }\n\
module.exports.build = function () { return new Cache(); };\n";
    let facts = extract(Lang::JavaScript, "lib/cache.js", text);
    assert!(has_def(&facts, "class", "Cache"), "{:?}", defs(&facts));
    assert!(has_def(&facts, "method", "Cache.get"));
    assert!(has_def(&facts, "function", "lookup"));
    assert!(has_def(&facts, "function", "build"));
    assert!(has_ref(&facts, "lookup", 4));
    assert!(has_ref(&facts, "find", 6));
    assert!(has_ref(&facts, "Base", 3));
    assert!(has_ref(&facts, "Cache", 7));
    // `require` itself is an import, not a call reference.
    assert!(!facts.references.iter().any(|r| r.name == "require"));
    assert_eq!(targets(&facts), ["./util", "./x.js"]);
}

#[test]
fn go_methods_qualified_by_receiver() {
    let text = "package server\n\nimport (\n\t\"fmt\"\n\t\"example.com/app/internal/store\"\n)\n\n\
const Version = \"1\"\n\n\
type Server struct {\n\tAddr string\n}\n\n\
type Handler interface {\n\tServe() error\n}\n\n\
func (s *Server) Run() error {\n\treturn fmt.Errorf(\"%s\", store.Open(s.Addr))\n}\n\n\
func New() *Server { return &Server{} }\n";
    let facts = extract(Lang::Go, "internal/server/server.go", text);
    assert!(has_def(&facts, "constant", "Version"), "{:?}", defs(&facts));
    assert!(has_def(&facts, "struct", "Server"));
    assert!(has_def(&facts, "field", "Server.Addr"));
    assert!(has_def(&facts, "interface", "Handler"));
    assert!(has_def(&facts, "method", "Handler.Serve"));
    assert!(has_def(&facts, "method", "Server.Run"));
    assert!(has_def(&facts, "function", "New"));
    let run = facts.symbols.iter().find(|s| s.name == "Run").unwrap();
    assert_eq!((run.start_line, run.end_line), (18, 20));
    assert!(has_ref(&facts, "Errorf", 19));
    assert!(has_ref(&facts, "Open", 19));
    assert!(has_ref(&facts, "Server", 22));
    assert_eq!(targets(&facts), ["fmt", "example.com/app/internal/store"]);
}

#[test]
fn broken_code_still_yields_what_parses() {
    let text = "def ok():\n    pass\n\ndef broken(:\n    pass\n";
    let facts = extract(Lang::Python, "x.py", text);
    assert!(has_def(&facts, "function", "ok"));
}

#[test]
fn long_signatures_are_capped() {
    let text = format!("fn f() {{ let x = \"{}\"; }}\n", "a".repeat(500));
    let facts = extract(Lang::Rust, "x.rs", &text);
    assert_eq!(facts.symbols[0].signature.chars().count(), SIGNATURE_CHARS);
}
