//! `chamber api scaffold`: a spec becomes handlers, types and tests; for
//! Python's standard library target the generated tests run here and pass
//! (and fail once a stub answers something else); invalid specs are
//! refused with every problem and nothing is written.

use std::process::{Command, Output};

use super::harness::{NO_MODEL, Project, snapshot};

const SPEC: &str = r#"openapi: 3.0.3
info:
  title: Pets
  version: "1.0"
paths:
  /pets:
    get:
      operationId: listPets
      summary: List pets
      parameters:
        - {name: limit, in: query, required: true, schema: {type: integer}}
      responses:
        200: {description: ok}
    post:
      operationId: createPet
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/NewPet'}
      responses:
        '201': {description: created}
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: integer}}
    get:
      operationId: showPet
      responses: {'200': {description: ok}}
    head:
      operationId: petExists
      responses: {'200': {description: ok}}
    delete:
      operationId: deletePet
      responses: {'204': {description: gone}}
components:
  schemas:
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        tag: {type: string}
        owner: {$ref: '#/components/schemas/Owner'}
    Owner:
      type: object
      properties:
        first-name: {type: string}
"#;

fn unittest(p: &Project) -> Output {
    Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", "tests", "-v"])
        .current_dir(p.path())
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_stdlib_scaffold_is_one_diff_and_its_tests_pass() {
    let p = Project::git(NO_MODEL);
    p.write("main.py", "print('shop')\n");
    p.write("spec.yaml", SPEC);

    let out = p.run(&["api", "scaffold", "spec.yaml", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    let payload = &env["payload"];
    assert_eq!(payload["framework"], "python-http", "{env}");
    assert_eq!(payload["detected"], true);
    assert_eq!(payload["written"], true);
    assert_eq!(payload["operations"].as_array().unwrap().len(), 5);
    let paths: Vec<&str> = payload["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "api/__init__.py",
            "api/models.py",
            "api/handlers.py",
            "api/server.py",
            "tests/test_api.py",
            "tests/__init__.py"
        ]
    );
    let diff = payload["diff"].as_str().unwrap();
    for path in &paths {
        assert!(
            diff.contains(&format!("diff --git a/{path} b/{path}\nnew file mode")),
            "{path} missing from the diff"
        );
        assert!(p.path().join(path).exists(), "{path} was not written");
    }
    let models = p.read("api/models.py").unwrap();
    assert!(
        models.contains("class NewPet:") && models.contains("first_name: Optional[str] = None"),
        "{models}"
    );

    let run = unittest(&p);
    let log = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "{log}");
    assert!(log.contains("Ran 5 tests"), "{log}");
    for test in [
        "test_list_pets",
        "test_create_pet",
        "test_show_pet",
        "test_pet_exists",
        "test_delete_pet",
    ] {
        assert!(
            log.contains(&format!("{test} ")) && !log.contains("FAIL"),
            "{test}: {log}"
        );
    }

    // The tests check the stubs' answers: one that answers otherwise fails.
    let handlers = p.read("api/handlers.py").unwrap();
    p.write(
        "api/handlers.py",
        &handlers.replace(
            "    return not_implemented(\"showPet\")",
            "    return 200, {\"id\": 1}",
        ),
    );
    let run = unittest(&p);
    let log = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(!run.status.success(), "{log}");
    assert!(log.contains("FAIL: test_show_pet"), "{log}");
    p.write("api/handlers.py", &handlers);

    // A second scaffold refuses to overwrite, listing the files; --dry-run
    // --force shows the same diff and writes nothing.
    let before = snapshot(p.path());
    let again = p.run(&["api", "scaffold", "spec.yaml", "--json"]).await;
    again.assert_code(9);
    let env = again.envelope();
    assert_eq!(env["error"]["code"], "files_exist");
    assert!(
        env["error"]["message"]
            .as_str()
            .unwrap()
            .contains("api/handlers.py"),
        "{env}"
    );
    let dry = p
        .run(&[
            "api",
            "scaffold",
            "spec.yaml",
            "--dry-run",
            "--force",
            "--json",
        ])
        .await;
    dry.assert_code(0);
    let env = dry.envelope();
    assert_eq!(env["payload"]["written"], false);
    assert_eq!(
        env["payload"]["diff"], "",
        "the same spec generates the same files"
    );
    assert_eq!(snapshot(p.path()), before, "nothing was written");
}

async fn refused(p: &Project, spec: &str, needle: &str) {
    p.write("spec.yaml", spec);
    let before = snapshot(p.path());
    let out = p
        .run(&[
            "api",
            "scaffold",
            "spec.yaml",
            "--framework",
            "python-http",
            "--json",
        ])
        .await;
    out.assert_code(19);
    let env = out.envelope();
    assert_eq!(env["error"]["code"], "invalid_spec", "{env}");
    let message = env["error"]["message"].as_str().unwrap();
    assert!(message.contains(needle), "{needle:?} not in {message}");
    assert_eq!(
        snapshot(p.path()),
        before,
        "nothing was written for {needle:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_specs_are_refused_with_their_errors_and_nothing_is_written() {
    let p = Project::git(NO_MODEL);
    refused(
        &p,
        "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n",
        "Swagger 2.0",
    )
    .await;
    refused(
        &p,
        "openapi: 3.0.0\ninfo: {title: x, version: '1'}\n",
        "no `paths`",
    )
    .await;
    refused(
        &p,
        &SPEC.replace("#/components/schemas/Owner", "#/components/schemas/Nobody"),
        "$ref \"#/components/schemas/Nobody\" points to nothing",
    )
    .await;
    refused(
        &p,
        &SPEC.replace("      responses: {'204': {description: gone}}\n", ""),
        "paths./pets/{petId}.delete: no `responses`",
    )
    .await;
    refused(
        &p,
        "openapi: 3.0.0\npaths:\n  /a:\n    get: {responses: {'200'}\n",
        "line 4",
    )
    .await;

    // Several problems at once are all listed.
    let both = SPEC
        .replace("#/components/schemas/Owner", "#/components/schemas/Nobody")
        .replace("      responses: {'204': {description: gone}}\n", "");
    refused(&p, &both, "(2 problems)").await;

    let out = p
        .run(&["api", "scaffold", "missing.yaml", "--framework", "flask"])
        .await;
    out.assert_code(8);
    assert!(out.stderr.contains("no spec file at"), "{}", out.stderr);

    p.write("spec.yaml", SPEC);
    let out = p
        .run(&[
            "api",
            "scaffold",
            "spec.yaml",
            "--framework",
            "rails",
            "--json",
        ])
        .await;
    out.assert_code(2);
    let message = out.envelope()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("fastapi") && message.contains("python-http"),
        "{message}"
    );

    let out = p.run(&["api", "scaffold", "spec.yaml", "--json"]).await;
    out.assert_code(5);
    assert_eq!(out.envelope()["error"]["code"], "no_framework");
}
