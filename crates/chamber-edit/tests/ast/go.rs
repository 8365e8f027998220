use chamber_edit::symbols::{
    SymbolError, SymbolKind, delete_symbol, find_symbol, insert_after_symbol, insert_before_symbol,
    rename_symbol, replace_symbol,
};
use chamber_edit::syntax::Lang;

const SRC: &str = r#"// Package server runs the HTTP API.
package server

import (
	"fmt"
	"net/http"
)

// Server serves the API.
type Server struct {
	addr string
	mux  *http.ServeMux
}

// Handler handles one route.
type Handler interface {
	Serve(w http.ResponseWriter, r *http.Request) error
}

// New returns a Server listening on addr.
func New(addr string) *Server {
	return &Server{addr: addr, mux: http.NewServeMux()}
}

// Start starts serving.
// It blocks until the server stops.
func (s *Server) Start() error {
	// Server address is logged first
	fmt.Println("Server listening on", s.addr)
	return http.ListenAndServe(s.addr, s.mux)
}

func (s Server) Addr() string { return s.addr }

type Worker struct{}

// Start runs the worker.
func (w *Worker) Start() error { return nil }

type (
	// Route is one path.
	Route      string
	Middleware func(http.Handler) http.Handler
)

const DefaultAddr = ":8080"
"#;

fn find(query: &str) -> chamber_edit::symbols::Symbol {
    find_symbol(Lang::Go, SRC, query).unwrap_or_else(|e| panic!("{query}: {e}"))
}

#[test]
fn finds_types_functions_and_receiver_methods() {
    let server = find("Server");
    assert_eq!((server.kind, server.line), (SymbolKind::Struct, 10));
    assert!(SRC[server.span].starts_with("// Server serves the API.\ntype Server struct {"));
    let start = find("Server.Start");
    assert_eq!((start.kind, start.line), (SymbolKind::Method, 27));
    assert!(SRC[start.span].starts_with(
        "// Start starts serving.\n// It blocks until the server stops.\nfunc (s *Server)"
    ));
    assert_eq!(find("Server::Addr").line, 33);
    assert_eq!(find("Handler").kind, SymbolKind::Interface);
    assert_eq!(find("Handler.Serve").kind, SymbolKind::Method);
    assert_eq!(find("New").kind, SymbolKind::Function);
    let route = find("Route");
    assert_eq!((route.kind, route.line), (SymbolKind::TypeAlias, 42));
    assert_eq!(
        &SRC[route.span],
        "// Route is one path.\n\tRoute      string"
    );
    assert_eq!(find("DefaultAddr").kind, SymbolKind::Constant);
}

#[test]
fn same_method_on_two_types_is_ambiguous() {
    let err = find_symbol(Lang::Go, SRC, "Start").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SymbolError::Ambiguous { .. }));
    assert!(msg.contains("`Server.Start` (method, line 27)"), "{msg}");
    assert!(msg.contains("`Worker.Start` (method, line 38)"), "{msg}");
    let err = find_symbol(Lang::Go, SRC, "Server.Stop").unwrap_err();
    assert!(
        err.to_string().contains("`Server.Start` (method, line 27)"),
        "{err}"
    );
}

#[test]
fn edits_keep_go_layout() {
    let out = replace_symbol(
        Lang::Go,
        SRC,
        "Server.Addr",
        "func (s Server) Addr() string {\n\treturn \"http://\" + s.addr\n}",
    )
    .unwrap();
    assert!(out.text.contains(
        "}\n\nfunc (s Server) Addr() string {\n\treturn \"http://\" + s.addr\n}\n\ntype Worker"
    ));

    let out = insert_after_symbol(Lang::Go, SRC, "New", "// Default returns a Server on DefaultAddr.\nfunc Default() *Server { return New(DefaultAddr) }")
        .unwrap();
    assert!(out.text.contains(
        "mux: http.NewServeMux()}\n}\n\n// Default returns a Server on DefaultAddr.\nfunc Default() *Server { return New(DefaultAddr) }\n\n// Start starts serving."
    ));

    let out = insert_before_symbol(Lang::Go, SRC, "Middleware", "Name string").unwrap();
    assert!(
        out.text
            .contains("\tRoute      string\n\tName string\n\tMiddleware func")
    );

    let out = delete_symbol(Lang::Go, SRC, "Server.Start").unwrap();
    assert!(
        out.text
            .contains("mux: http.NewServeMux()}\n}\n\nfunc (s Server) Addr()")
    );
    assert!(!out.text.contains("It blocks"));
}

#[test]
fn rename_type_keeps_strings_and_comments() {
    let out = rename_symbol(Lang::Go, SRC, "Server", "APIServer").unwrap();
    assert_eq!(out.occurrences, 5);
    assert!(out.text.contains("type APIServer struct {"));
    assert!(out.text.contains("func (s *APIServer) Start() error {"));
    assert!(out.text.contains("\"Server listening on\""));
    assert!(out.text.contains("// Server serves the API."));
    assert!(out.text.contains("// Server address is logged first"));
    assert!(rename_symbol(Lang::Go, SRC, "Server", "func").is_err());
}

#[test]
fn broken_edit_is_refused() {
    let err = replace_symbol(
        Lang::Go,
        SRC,
        "New",
        "func New(addr string) *Server {\n\treturn &Server{addr: addr\n}",
    )
    .unwrap_err();
    assert!(matches!(err, SymbolError::Rejected(_)), "{err}");
}
