use std::path::Path;

use chamber_edit::symbols::{
    SymbolError, SymbolKind, delete_symbol, find_symbol, insert_after_symbol, insert_before_symbol,
    rename_symbol, replace_symbol,
};
use chamber_edit::syntax::Lang;

const SRC: &str = r#"import { Logger } from "./logger";

/** Options for a {@link Client}. */
export interface ClientOptions {
  baseUrl: string;
  retries?: number;
}

/**
 * HTTP client.
 */
@Injectable()
export class Client {
  private retries: number;

  constructor(private readonly options: ClientOptions) {
    this.retries = options.retries ?? 3;
  }

  /** Fetches a resource. */
  async get(path: string): Promise<Response> {
    // ClientOptions are read-only here
    return fetch(`${this.options.baseUrl}/${path}`);
  }

  @log
  close(): void {}

  onError = (err: Error) => {
    Logger.warn("Client failed", err);
  };
}

export const createClient = (options: ClientOptions): Client => new Client(options);

export namespace Http {
  export function status(code: number): string {
    return code >= 400 ? "error" : "ok";
  }
}

export type Method = "GET" | "POST";

export function parse(input: string): number;
export function parse(input: number): number;
export function parse(input: string | number): number {
  return Number(input);
}
"#;

fn find(query: &str) -> chamber_edit::symbols::Symbol {
    find_symbol(Lang::TypeScript, SRC, query).unwrap_or_else(|e| panic!("{query}: {e}"))
}

#[test]
fn finds_classes_members_and_exports() {
    let client = find("Client");
    assert_eq!((client.kind, client.line), (SymbolKind::Class, 13));
    assert!(
        SRC[client.span.clone()]
            .starts_with("/**\n * HTTP client.\n */\n@Injectable()\nexport class Client {")
    );
    assert!(SRC[client.definition.clone()].starts_with("export class Client {"));

    let get = find("Client.get");
    assert_eq!((get.kind, get.line), (SymbolKind::Method, 21));
    assert!(SRC[get.span.clone()].starts_with("/** Fetches a resource. */\n  async get("));
    assert_eq!(&SRC[find("Client.close").span], "@log\n  close(): void {}");
    assert_eq!(find("Client::onError").kind, SymbolKind::Method);
    assert_eq!(find("Client.constructor").line, 16);
    assert_eq!(find("createClient").kind, SymbolKind::Function);
    assert!(SRC[find("createClient").span].starts_with("export const createClient ="));
    assert_eq!(find("Http.status").path, "Http.status");
    assert_eq!(find("Http").kind, SymbolKind::Module);
    assert_eq!(find("ClientOptions").kind, SymbolKind::Interface);
    assert_eq!(find("Method").kind, SymbolKind::TypeAlias);
}

#[test]
fn overloads_are_ambiguous_and_typos_get_suggestions() {
    let err = find_symbol(Lang::TypeScript, SRC, "parse").unwrap_err();
    let SymbolError::Ambiguous { candidates, .. } = &err else {
        panic!("expected ambiguity: {err}");
    };
    assert_eq!(
        candidates.iter().map(|c| c.line).collect::<Vec<_>>(),
        [44, 45, 46]
    );
    assert!(find_symbol(Lang::TypeScript, SRC, "parse@46").is_ok());

    let err = find_symbol(Lang::TypeScript, SRC, "Client.gett").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("`Client.get` (method, line 21)"), "{msg}");
}

#[test]
fn replace_insert_and_delete_members() {
    let out = replace_symbol(
        Lang::TypeScript,
        SRC,
        "Client.get",
        "async get(path: string): Promise<Response> {\n  return fetch(path);\n}",
    )
    .unwrap();
    assert!(out.text.contains(
        "  /** Fetches a resource. */\n  async get(path: string): Promise<Response> {\n    return fetch(path);\n  }\n\n  @log"
    ));

    let out =
        insert_after_symbol(Lang::TypeScript, SRC, "Client.close", "open(): void {}").unwrap();
    assert!(
        out.text
            .contains("  close(): void {}\n\n  open(): void {}\n\n  onError =")
    );

    let out = insert_before_symbol(
        Lang::TypeScript,
        SRC,
        "Http.status",
        "/** Default. */\nexport const OK = 200;",
    )
    .unwrap();
    assert!(out.text.contains(
        "export namespace Http {\n  /** Default. */\n  export const OK = 200;\n\n  export function status"
    ));

    let out = delete_symbol(Lang::TypeScript, SRC, "Client.close").unwrap();
    assert!(
        out.text
            .contains("    return fetch(`${this.options.baseUrl}/${path}`);\n  }\n\n  onError =")
    );
    assert!(!out.text.contains("@log"));
    let out = delete_symbol(Lang::TypeScript, SRC, "Client").unwrap();
    assert!(
        out.text
            .contains("  retries?: number;\n}\n\nexport const createClient")
    );
    assert!(!out.text.contains("HTTP client"));
}

#[test]
fn rename_touches_code_only() {
    let out = rename_symbol(Lang::TypeScript, SRC, "ClientOptions", "ClientConfig").unwrap();
    assert_eq!(out.occurrences, 3);
    assert!(out.text.contains("// ClientOptions are read-only here"));
    let out = rename_symbol(Lang::TypeScript, SRC, "Client", "HttpClient").unwrap();
    assert_eq!(out.occurrences, 3);
    assert!(out.text.contains("\"Client failed\""));
    assert!(out.text.contains("/** Options for a {@link Client}. */"));
    assert!(
        out.text
            .contains("(options: ClientOptions): HttpClient => new HttpClient(options)")
    );
    // Template substitutions are code.
    let out = rename_symbol(Lang::TypeScript, SRC, "path", "route").unwrap();
    assert!(out.text.contains("async get(route: string)"));
    assert!(out.text.contains("/${route}`"));
    assert!(rename_symbol(Lang::TypeScript, SRC, "path", "$route").is_ok());
}

#[test]
fn broken_replacement_is_refused() {
    let err = replace_symbol(Lang::TypeScript, SRC, "Client.close", "close(): void {").unwrap_err();
    assert!(matches!(err, SymbolError::Rejected(_)), "{err}");
}

#[test]
fn tsx_components() {
    let src = "export const App = ({ title }: Props) => <Title text={title} />;\n\nfunction Title(p: Props) {\n  return <h1>{p.text}</h1>;\n}\n";
    assert_eq!(Lang::from_path(Path::new("ui/App.tsx")), Some(Lang::Tsx));
    assert_eq!(
        find_symbol(Lang::Tsx, src, "App").unwrap().kind,
        SymbolKind::Function
    );
    let out = rename_symbol(Lang::Tsx, src, "Title", "Heading").unwrap();
    assert_eq!(out.occurrences, 2);
    assert!(out.text.contains("<Heading text={title} />"));
}
