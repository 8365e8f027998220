use chamber_edit::symbols::{
    SymbolError, SymbolKind, delete_symbol, find_symbol, insert_after_symbol, insert_before_symbol,
    rename_symbol, replace_symbol,
};
use chamber_edit::syntax::Lang;

const SRC: &str = r#""""Inventory service."""

import logging

log = logging.getLogger(__name__)


@dataclass
@register("inventory")
class Inventory:
    """Holds stock per item."""

    class Entry:
        def total(self):
            return self.count * self.price

    @property
    def size(self):
        # size counts entries, not units
        return len(self.entries)

    @size.setter
    def size(self, value):
        self.entries = value

    def add(self, name, count):
        log.info(f"adding {count} of {name}")
        self.entries[name] = count


def load(path):
    def parse(line):
        return line.split(",")

    return [parse(l) for l in open(path)]


def size():
    return "size"
"#;

#[test]
fn finds_nested_and_decorated_definitions() {
    let inv = find_symbol(Lang::Python, SRC, "Inventory").unwrap();
    assert_eq!((inv.kind, inv.line), (SymbolKind::Class, 10));
    assert!(
        SRC[inv.span.clone()].starts_with("@dataclass\n@register(\"inventory\")\nclass Inventory:")
    );
    assert!(SRC[inv.definition.clone()].starts_with("class Inventory:"));

    let total = find_symbol(Lang::Python, SRC, "Inventory.Entry.total").unwrap();
    assert_eq!((total.kind, total.line), (SymbolKind::Method, 14));
    assert_eq!(
        find_symbol(Lang::Python, SRC, "Entry.total").unwrap().line,
        14
    );
    assert_eq!(
        find_symbol(Lang::Python, SRC, "Inventory::add")
            .unwrap()
            .line,
        26
    );
    let parse = find_symbol(Lang::Python, SRC, "load.parse").unwrap();
    assert_eq!(
        (parse.kind, parse.path.as_str()),
        (SymbolKind::Function, "load.parse")
    );

    let size = find_symbol(Lang::Python, SRC, "Inventory.size@18").unwrap();
    assert_eq!(
        &SRC[size.span],
        "@property\n    def size(self):\n        # size counts entries, not units\n        return len(self.entries)"
    );
}

#[test]
fn ambiguity_and_typos_list_candidates() {
    // A property getter and its setter share a path.
    let err = find_symbol(Lang::Python, SRC, "Inventory.size").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, SymbolError::Ambiguous { .. }));
    assert!(msg.contains("`Inventory.size` (method, line 18)"), "{msg}");
    assert!(msg.contains("`Inventory.size` (method, line 23)"), "{msg}");
    assert!(msg.contains("`Inventory.size@18`"), "{msg}");
    assert_eq!(
        find_symbol(Lang::Python, SRC, "Inventory.size@24")
            .unwrap()
            .line,
        23
    );
    // A whole-path match wins over paths that merely end with the query.
    let top = find_symbol(Lang::Python, SRC, "size").unwrap();
    assert_eq!((top.kind, top.line), (SymbolKind::Function, 38));

    let err = find_symbol(Lang::Python, SRC, "Inventory.ad").unwrap_err();
    assert!(
        err.to_string()
            .contains("`Inventory.add` (method, line 26)"),
        "{err}"
    );
}

#[test]
fn replace_reindents_and_keeps_decorators() {
    let out = replace_symbol(
        Lang::Python,
        SRC,
        "Inventory.size@18",
        "def size(self):\n    return sum(self.entries.values())\n",
    )
    .unwrap();
    assert!(out.text.contains(
        "    @property\n    def size(self):\n        return sum(self.entries.values())\n\n    @size.setter"
    ));

    let out = replace_symbol(
        Lang::Python,
        SRC,
        "Inventory.size@18",
        "@cached_property\ndef size(self):\n    return 0",
    )
    .unwrap();
    assert!(
        out.text
            .contains("    @cached_property\n    def size(self):\n        return 0\n\n")
    );
    assert!(!out.text.contains("@property"));
}

#[test]
fn inserts_follow_pep8_spacing() {
    let out =
        insert_after_symbol(Lang::Python, SRC, "load", "def save(path, rows):\n    pass").unwrap();
    assert!(out.text.contains(
        "    return [parse(l) for l in open(path)]\n\n\ndef save(path, rows):\n    pass\n\n\ndef size():"
    ));
    let out = insert_before_symbol(
        Lang::Python,
        SRC,
        "Inventory.add",
        "def clear(self):\n    self.entries = {}",
    )
    .unwrap();
    assert!(out.text.contains(
        "        self.entries = value\n\n    def clear(self):\n        self.entries = {}\n\n    def add"
    ));
    // After the last definition of the module.
    let out =
        insert_after_symbol(Lang::Python, SRC, "size", "def count():\n    return 0\n").unwrap();
    assert!(
        out.text
            .ends_with("    return \"size\"\n\n\ndef count():\n    return 0\n")
    );
}

#[test]
fn delete_takes_decorators_and_blank_lines() {
    let out = delete_symbol(Lang::Python, SRC, "Inventory.size@18").unwrap();
    assert!(
        out.text
            .contains("            return self.count * self.price\n\n    @size.setter\n")
    );
    let out = delete_symbol(Lang::Python, SRC, "Inventory").unwrap();
    assert!(
        out.text
            .contains("log = logging.getLogger(__name__)\n\n\ndef load(path):")
    );
    // A block cannot be left empty.
    let out = delete_symbol(Lang::Python, SRC, "Inventory.Entry.total").unwrap();
    assert!(
        out.text
            .contains("    class Entry:\n        pass\n\n    @property")
    );
    let out = delete_symbol(Lang::Python, SRC, "size").unwrap();
    assert!(
        out.text
            .ends_with("    return [parse(l) for l in open(path)]\n")
    );
}

#[test]
fn rename_leaves_strings_and_comments_alone() {
    let out = rename_symbol(Lang::Python, SRC, "count", "qty").unwrap();
    // `self.count`, the parameter, the f-string interpolation and the use.
    assert_eq!(out.occurrences, 4);
    assert!(out.text.contains("f\"adding {qty} of {name}\""));
    assert!(out.text.contains("self.entries[name] = qty"));
    assert!(out.text.contains("# size counts entries, not units"));

    let out = rename_symbol(Lang::Python, SRC, "size", "length").unwrap();
    // Getter, `@size.setter`, setter and the module-level function.
    assert_eq!(out.occurrences, 4);
    assert!(
        out.text
            .contains("    @length.setter\n    def length(self, value):")
    );
    assert!(out.text.contains("return \"size\""));
    assert!(out.text.contains("# size counts entries"));
    let err = rename_symbol(Lang::Python, SRC, "size", "class").unwrap_err();
    assert!(err.to_string().contains("reserved"));
}

#[test]
fn refuses_an_edit_that_breaks_the_block() {
    let err = replace_symbol(
        Lang::Python,
        SRC,
        "load.parse",
        "def parse(line):\n    return (line\n",
    )
    .unwrap_err();
    assert!(matches!(err, SymbolError::Rejected(_)), "{err}");
    assert!(err.to_string().contains("the edit was not applied"));
}
