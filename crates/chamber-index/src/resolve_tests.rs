use super::*;

fn resolver(files: &[&str]) -> Resolver {
    Resolver::new(files.iter().copied(), &[])
}

#[test]
fn python_modules_packages_relative_and_src_layouts() {
    let r = resolver(&[
        "app/__init__.py",
        "app/core.py",
        "app/db/__init__.py",
        "app/db/models.py",
        "src/lib_pkg/util.py",
        "src/lib_pkg/api.py",
        "tests/test_core.py",
    ]);
    assert_eq!(r.resolve("tests/test_core.py", "app.core"), ["app/core.py"]);
    assert_eq!(r.resolve("app/core.py", "app.db"), ["app/db/__init__.py"]);
    // `from app.core import helper`: helper is not a module.
    assert_eq!(
        r.resolve("tests/test_core.py", "app.core.helper"),
        ["app/core.py"]
    );
    assert_eq!(r.resolve("app/db/models.py", "..core"), ["app/core.py"]);
    assert_eq!(
        r.resolve("app/db/models.py", ".models"),
        ["app/db/models.py"]
    );
    assert_eq!(r.resolve("app/db/models.py", ".x"), ["app/db/__init__.py"]);
    assert_eq!(
        r.resolve("src/lib_pkg/api.py", "lib_pkg.util"),
        ["src/lib_pkg/util.py"]
    );
    assert!(r.resolve("app/core.py", "os.path").is_empty());
    assert!(r.resolve("app/db/models.py", "json").is_empty());
}

#[test]
fn javascript_relative_paths_with_extensions_and_index_files() {
    let r = resolver(&[
        "src/app.ts",
        "src/util/index.ts",
        "src/router.tsx",
        "src/esm.ts",
        "lib/cache.js",
    ]);
    assert_eq!(r.resolve("src/app.ts", "./util"), ["src/util/index.ts"]);
    assert_eq!(r.resolve("src/app.ts", "./router"), ["src/router.tsx"]);
    assert_eq!(r.resolve("src/app.ts", "./esm.js"), ["src/esm.ts"]);
    assert_eq!(r.resolve("src/app.ts", "../lib/cache"), ["lib/cache.js"]);
    assert!(r.resolve("src/app.ts", "react").is_empty());
    assert!(r.resolve("src/app.ts", "../../outside").is_empty());
}

#[test]
fn rust_crate_self_super_mod_and_workspace_crates() {
    let r = resolver(&[
        "crates/core/src/lib.rs",
        "crates/core/src/store.rs",
        "crates/core/src/store/sqlite.rs",
        "crates/core/src/parse/mod.rs",
        "crates/core/src/parse/lexer.rs",
        "crates/cli/src/main.rs",
    ]);
    let lib = "crates/core/src/lib.rs";
    assert_eq!(r.resolve(lib, "self::store"), ["crates/core/src/store.rs"]);
    assert_eq!(
        r.resolve(lib, "self::parse"),
        ["crates/core/src/parse/mod.rs"]
    );
    assert_eq!(
        r.resolve("crates/core/src/store.rs", "self::sqlite"),
        ["crates/core/src/store/sqlite.rs"]
    );
    assert_eq!(
        r.resolve(
            "crates/core/src/parse/lexer.rs",
            "crate::store::sqlite::Pool"
        ),
        ["crates/core/src/store/sqlite.rs"]
    );
    assert_eq!(
        r.resolve(
            "crates/core/src/parse/lexer.rs",
            "super::super::store::Store"
        ),
        ["crates/core/src/store.rs"]
    );
    assert_eq!(
        r.resolve("crates/cli/src/main.rs", "core::store::Store"),
        ["crates/core/src/store.rs"]
    );
    assert!(r.resolve(lib, "std::collections::HashMap").is_empty());
}

#[test]
fn go_packages_by_module_path_and_suffix() {
    let files = [
        "go.mod",
        "internal/store/store.go",
        "internal/store/sql.go",
        "internal/store/store_test.go",
        "cmd/app/main.go",
    ];
    let go_mod = vec![(
        "go.mod".to_owned(),
        "module example.com/app\n\ngo 1.22\n".to_owned(),
    )];
    let r = Resolver::new(files.iter().copied(), &go_mod);
    assert_eq!(
        r.resolve("cmd/app/main.go", "example.com/app/internal/store"),
        ["internal/store/sql.go", "internal/store/store.go"]
    );
    let without_mod = resolver(&files);
    assert_eq!(
        without_mod
            .resolve("cmd/app/main.go", "github.com/x/app/internal/store")
            .len(),
        2
    );
    assert!(r.resolve("cmd/app/main.go", "fmt").is_empty());
}
