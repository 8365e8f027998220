use super::*;

fn red(text: &str) -> String {
    Redactor::builtin().redact(text).into_owned()
}

/// Asserts `secret` is replaced by `[REDACTED:label]` inside `context`.
fn hides(context: &str, secret: &str, label: &str) {
    let text = context.replace("{}", secret);
    let out = red(&text);
    assert!(!out.contains(secret), "{secret} survived in {out}");
    assert!(
        out.contains(&placeholder(label)),
        "{label} missing in {out}"
    );
}

fn untouched(text: &str) {
    assert_eq!(red(text), text, "changed: {text}");
}

#[test]
fn every_builtin_compiles() {
    assert_eq!(BUILTIN.len(), rules::builtins().len());
}

#[test]
fn openai_keys() {
    hides(
        "OPENAI_API_KEY={}\n",
        "sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE",
        "openai-key",
    );
    hides(
        "key: {} end",
        "sk-4fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE1fG3",
        "openai-key",
    );
    untouched("use the sk-learn package; task-abcdefghijklmnopqrstuvwxyz0123");
    untouched("sk-this-is-just-a-long-kebab-case-identifier");
    untouched("sk-short1");
}

#[test]
fn anthropic_keys_get_their_own_label() {
    hides(
        "export ANTHROPIC_API_KEY=\"{}\"",
        "sk-ant-api03-Zq8xW2vU4tS6rQ8pO0nM2lK4jI6hG8fE0dC2bA4zY6xW8vU0tS2rQ4pO6nM8lK0jI2hG4fE6dC8bA0-zY2xWAA",
        "anthropic-key",
    );
    assert!(!red("sk-ant-api03-Zq8xW2vU4tS6rQ8pO0nM2lK4jI6hG8").contains("openai-key"));
}

#[test]
fn aws_keys() {
    hides(
        "aws_access_key_id = {}",
        "AKIAIOSFODNN7EXAMPLE",
        "aws-access-key-id",
    );
    hides("id={}", "ASIAY34FZKBOKMUTVV7A", "aws-access-key-id");
    hides(
        "aws_secret_access_key = {}\n",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws-secret-key",
    );
    untouched("AKIA is a prefix; AKIAIOSFODNN7 is too short; XAKIAIOSFODNN7EXAMPLEX");
}

#[test]
fn github_tokens() {
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        let token = format!("{prefix}16C7e42F292c6912E7710c838347Ae178B4a");
        hides("token {} here", &token, "github-token");
    }
    hides(
        "{}",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH",
        "github-token",
    );
    untouched("ghp_short and gh_pages_branch_name_is_long_enough_here");
}

#[test]
fn slack_and_google() {
    hides(
        "SLACK={}",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "slack-token",
    );
    hides(
        "post to {} now",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "slack-webhook",
    );
    hides(
        "key={}&q=1",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        "google-api-key",
    );
    untouched("xoxo-hugs and AIza is a prefix and https://hooks.slack.com/docs");
}

#[test]
fn private_key_blocks_go_whole() {
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MqHLGuWSN8Q3MO4X\nRzV3kQ2T7oHcMlhbzUuZzXvfz6ZpuN39Q7BpJbT6e0Bs3ZoSxyUc3Up0hHD9Iu5A\n-----END RSA PRIVATE KEY-----";
    let out = red(&format!("before\n{pem}\nafter"));
    assert_eq!(out, "before\n[REDACTED:private-key]\nafter");
    // Cut off before END (truncated output): the key material still goes.
    let cut = &pem[..120];
    assert_eq!(red(cut), "[REDACTED:private-key]");
    // Code that only names the header keeps it.
    untouched("const HEADER: &str = \"-----BEGIN PRIVATE KEY-----\";\nfn parse() {}\n");
    untouched("if line.starts_with(\"-----BEGIN OPENSSH PRIVATE KEY-----\") { return; }");
    untouched(
        "const BEGIN: &str = \"-----BEGIN PRIVATE KEY-----\";\nconst BODY_MIN: usize = 64;\n\
         fn parse(text: &str) -> Option<Vec<u8>> {\n    decode(text)\n}\n\
         const END: &str = \"-----END PRIVATE KEY-----\";\n",
    );
}

#[test]
fn private_keys_in_numbered_escaped_and_encrypted_forms() {
    let body = "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MqHLGuWSN8Q3MO4X";
    // A numbered file view, as tools and the context show files.
    let numbered = format!(
        "    6│ KEY = '''\n    7│ -----BEGIN RSA PRIVATE KEY-----\n    8│ {body}\n    9│ -----END RSA PRIVATE KEY-----\n   10│ '''\n"
    );
    let out = red(&numbered);
    assert!(!out.contains(body), "{out}");
    assert!(
        out.contains("    7│ [REDACTED:private-key]\n   10│ '''"),
        "{out}"
    );
    // JSON-escaped, as in a log line.
    let escaped = format!(
        "{{\"k\":\"-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----\\n\"}}"
    );
    assert_eq!(red(&escaped), "{\"k\":\"[REDACTED:private-key]\\n\"}");
    // Encrypted PEM headers inside the block.
    let encrypted = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n{body}\n-----END RSA PRIVATE KEY-----"
    );
    assert_eq!(red(&encrypted), "[REDACTED:private-key]");
    // Cut off mid-block, followed by more output: the key lines go.
    let cut = format!("-----BEGIN EC PRIVATE KEY-----\n{body}\n{body}\n[output truncated]\n");
    assert_eq!(red(&cut), "[REDACTED:private-key][output truncated]\n");
}

#[test]
fn jwts() {
    hides(
        "Authorization: Bearer {}",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "jwt",
    );
    untouched("eyJ is how base64 JSON starts; a.b.c and eyJhbGci.short.x");
}

#[test]
fn high_entropy_assignments() {
    hides("password = \"{}\"", "Xk9#mP2$vL7qR4wZ", "secret-assignment");
    hides(
        "SECRET_KEY={}\n",
        "8f2k1LmZq9xW3vB7nY4t",
        "secret-assignment",
    );
    hides(
        "{\"api_key\": \"{}\"}",
        "a8Fk2LmQ9zX3vB7nY4tR",
        "secret-assignment",
    );
    hides("db_password: '{}'", "Tr0ub4dor&3xyzQ", "secret-assignment");
    hides(
        "{\\\"api_key\\\":\\\"{}\\\"}",
        "a8Fk2LmQ9zX3vB7nY4tR",
        "secret-assignment",
    );
    let out = red("password = \"Xk9#mP2$vL7qR4wZ\"");
    assert_eq!(out, "password = \"[REDACTED:secret-assignment]\"");
}

#[test]
fn ordinary_code_is_not_an_assignment_secret() {
    for code in [
        "password = input()",
        "token = None",
        "let token: String = read_token()?;",
        "api_key: Option<String>,",
        "fn check_password(password: SecretString) -> bool",
        "password = os.environ[\"DB_PASSWORD\"]",
        "secret_key = settings.SECRET_KEY_NAME",
        "max_tokens = 4096",
        "token_url = \"https://example.com/oauth/token\"",
        "password = \"Enter your password:\"",
        "TOKEN=${GITHUB_TOKEN}",
        "api_key = \"{{ api_key }}\"",
        "secret = \"aaaaaaaaaaaa\"",
        "tokenizer = AutoTokenizer.from_pretrained(\"bert-base-uncased\")",
        "password_hash = hash(password)",
        "auth_token_header = \"X-Auth-Token\"",
    ] {
        untouched(code);
    }
}

#[test]
fn realistic_sources_pass_unchanged() {
    let rust = include_str!("../budget.rs");
    untouched(rust);
    untouched(include_str!("../command_split.rs"));
    let python = r#"
import os
from typing import Optional

class Client:
    def __init__(self, api_key: Optional[str] = None, timeout: float = 30.0):
        self.api_key = api_key or os.environ.get("SERVICE_API_KEY")
        self.token = None
        self.session_id = "3f2a9c1e"  # short id

    def login(self, username: str, password: str) -> bool:
        if not password:
            raise ValueError("password must not be empty")
        token = self._request("/auth", {"user": username, "password": password})
        self.token = token["access_token"]
        return True

SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
UUID = "123e4567-e89b-12d3-a456-426614174000"
"#;
    untouched(python);
}

#[test]
fn redacting_twice_is_stable() {
    let text = "k=sk-proj-Ab3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA7bC9dE password = \"Xk9#mP2$vL7qR4wZ\" \
                AKIAIOSFODNN7EXAMPLE eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_X";
    let once = red(text);
    assert!(once.contains("[REDACTED:"));
    assert_eq!(red(&once), once);
    let spec = SecretSpec {
        values: vec![SecretValue {
            value: "REDACTED:jwt".into(),
            label: "env".into(),
        }],
        ..Default::default()
    };
    // Even a value that occurs inside placeholders is replaced only once.
    let r = Redactor::new(&spec).unwrap();
    let twice = r.redact(&r.redact(text)).into_owned();
    assert_eq!(r.redact(&twice), twice);
}

#[test]
fn literal_values_and_allow_list() {
    let spec = SecretSpec {
        values: vec![
            SecretValue {
                value: "hunter2-correct-horse".into(),
                label: "dotenv".into(),
            },
            SecretValue {
                value: "short".into(),
                label: "env".into(),
            },
            SecretValue {
                value: "fixture-value-123".into(),
                label: "env".into(),
            },
        ],
        patterns: vec![r"ACME-(?P<secret>[0-9]{10})".into()],
        allow: vec![
            "fixture-value-123".into(),
            "sk-test-AAAAAAAAAAAAAAAAAAAA1111".into(),
        ],
    };
    let r = Redactor::new(&spec).unwrap();
    assert_eq!(r.value_count(), 1);
    let out = r.redact(
        "pw hunter2-correct-horse; short stays; fixture-value-123; \
         sk-test-AAAAAAAAAAAAAAAAAAAA1111; ACME-0123456789",
    );
    assert_eq!(
        out,
        "pw [REDACTED:dotenv]; short stays; fixture-value-123; \
         sk-test-AAAAAAAAAAAAAAAAAAAA1111; ACME-[REDACTED:custom]"
    );
    let bad = SecretSpec {
        patterns: vec!["(".into()],
        ..Default::default()
    };
    assert!(matches!(
        Redactor::new(&bad),
        Err(RedactError::BadPattern { .. })
    ));
}

#[test]
fn json_values_and_secret_keys() {
    let r = Redactor::builtin();
    let mut v = serde_json::json!({
        "content": "key is AKIAIOSFODNN7EXAMPLE",
        "nested": [{"clientSecret": "q8Z2mX7vN4bL1kJ9"}, "plain"],
        "token_count": "12",
        "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    });
    r.redact_json(&mut v);
    assert_eq!(v["content"], "key is [REDACTED:aws-access-key-id]");
    assert_eq!(v["nested"][0]["clientSecret"], "[REDACTED:secret-value]");
    assert_eq!(v["nested"][1], "plain");
    assert_eq!(v["token_count"], "12");
    assert!(v["sha256"].as_str().unwrap().starts_with("e3b0"));
}

#[test]
fn disabled_changes_nothing() {
    let text = "AKIAIOSFODNN7EXAMPLE";
    assert_eq!(Redactor::disabled().redact(text), text);
}

#[test]
fn entropy_and_names() {
    assert!(shannon_entropy("aaaa") < 0.01);
    assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
    assert!(is_secret_name("FOO_API_KEY") && is_secret_name("github_token"));
    assert!(!is_secret_name("HOME") && !is_secret_name("PATH"));
}
