use super::*;

const PETS: &str = r#"openapi: 3.0.3
info:
  title: Pets
  version: "1.0"
paths:
  /pets:
    get:
      operationId: listPets
      summary: List pets
      parameters:
        - name: limit
          in: query
          required: true
          schema: {type: integer}
      responses:
        200:
          description: ok
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
      responses: {'200': {description: ok}}
    delete:
      operationId: deletePet
      responses: {'204': {description: gone}}
components:
  schemas:
    NewPet:
      type: object
      required: [name, owner]
      properties:
        name: {type: string}
        tag: {type: string}
        owner: {$ref: '#/components/schemas/Owner'}
        toys: {type: array, items: {type: string}}
    Owner:
      type: object
      required: [first-name]
      properties:
        first-name: {type: string}
        age: {type: integer}
    PetIds:
      type: array
      items: {type: integer}
"#;

fn problems(text: &str) -> Vec<String> {
    let doc = match spec::parse(text) {
        Ok(doc) => doc,
        Err(e) => return vec![e],
    };
    spec::read(&doc).err().unwrap_or_default()
}

#[test]
fn a_spec_reads_into_operations_and_schemas() {
    let api = spec::read(&spec::parse(PETS).unwrap()).unwrap();
    let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        ["listPets", "createPet", "getPetsByPetId", "deletePet"]
    );
    assert_eq!(api.operations[0].query[0].name, "limit");
    assert!(api.operations[0].query[0].required);
    assert_eq!(api.operations[2].path_params[0].ty, Ty::Integer);
    assert_eq!(api.schemas.len(), 3);
    assert_eq!(api.schemas[2].alias, Ty::Array(Box::new(Ty::Integer)));
    let body = sample::body(&api, &api.operations[1]).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"name": "sample", "owner": {"first-name": "sample"}})
    );
    assert_eq!(sample::url(&api.operations[0]), "/pets?limit=1");
    assert_eq!(sample::url(&api.operations[2]), "/pets/1");
}

#[test]
fn invalid_specs_list_every_problem() {
    assert!(problems(PETS).is_empty());
    let p = problems("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n");
    assert!(p.iter().any(|m| m.contains("Swagger 2.0")), "{p:?}");
    assert!(p.iter().any(|m| m.contains("`paths` is empty")), "{p:?}");
    let p = problems("openapi: 3.1.0\ninfo: {title: x, version: '1'}\n");
    assert_eq!(p, ["no `paths`: there is nothing to generate"]);
    let p = problems(&PETS.replace("#/components/schemas/Owner", "#/components/schemas/Nobody"));
    assert!(
        p.iter()
            .any(|m| m.contains("points to nothing") && m.contains("Nobody")),
        "{p:?}"
    );
    let p = problems(&PETS.replace("      responses: {'204': {description: gone}}\n", ""));
    assert!(
        p.iter()
            .any(|m| m.contains("paths./pets/{petId}.delete: no `responses`")),
        "{p:?}"
    );
    let p = problems(&PETS.replace(
        "    delete:\n",
        "    delete:\n      parameters: [{name: x, in: path, schema: {type: string}}]\n",
    ));
    assert!(
        p.iter().any(|m| m.contains("\"x\" is not in the path")),
        "{p:?}"
    );
    let endless = PETS
        .replace("required: [first-name]", "required: [first-name, pet]")
        .replace(
            "        age: {type: integer}\n",
            "        age: {type: integer}\n        pet: {$ref: '#/components/schemas/NewPet'}\n",
        );
    let p = problems(&endless);
    assert!(
        p.iter().any(|m| m.contains("NewPet → Owner → NewPet")),
        "{p:?}"
    );
    let p =
        problems("openapi: 3.0.0\npaths:\n  /a:\n    get: {responses: {'200': {description: x}}\n");
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("YAML syntax error") && p[0].contains("line"),
        "{p:?}"
    );
    let p = problems("{\"openapi\": \"3.0.0\",\n \"paths\": }");
    assert!(
        p[0].starts_with("JSON syntax error") && p[0].contains("line 2"),
        "{p:?}"
    );
}

fn generated(framework: Framework) -> Vec<GeneratedFile> {
    let api = spec::read(&spec::parse(PETS).unwrap()).unwrap();
    assert!(target_problems(&api, framework).is_empty());
    let tmp = tempfile::tempdir().unwrap();
    generate(&api, framework, tmp.path())
}

#[test]
fn every_framework_gets_handlers_types_and_a_test_per_operation() {
    for framework in Framework::ALL {
        let files = generated(framework);
        assert_eq!(files, generated(framework), "deterministic");
        let all: String = files.iter().map(|f| f.text.clone()).collect();
        for needle in [
            "listPets",
            "createPet",
            "getPetsByPetId",
            "deletePet",
            "not implemented",
        ] {
            assert!(all.contains(needle), "{framework:?} lacks {needle}");
        }
        let test = files.iter().find(|f| f.path.contains("test")).unwrap();
        let check = match framework {
            Framework::Express => "assert.equal(status, 501)",
            Framework::Axum => "assert_eq!(status, StatusCode::NOT_IMPLEMENTED)",
            Framework::NetHttp => "if status != http.StatusNotImplemented",
            _ => "self.assertEqual(status, 501)",
        };
        assert_eq!(
            test.text.matches(check).count(),
            4,
            "{framework:?}\n{}",
            test.text
        );
        for name in ["NewPet", "Owner", "PetIds"] {
            assert!(all.contains(name), "{framework:?} lacks type {name}");
        }
        assert!(!all.contains("{ROUTES}") && !all.contains("{TITLE}"));
    }
}

#[test]
fn names_that_collide_are_refused() {
    let text = PETS.replace("operationId: deletePet", "operationId: list_pets");
    let api = spec::read(&spec::parse(&text).unwrap()).unwrap();
    let p = target_problems(&api, Framework::Flask);
    assert!(p.iter().any(|m| m.contains("list_pets")), "{p:?}");
    let text = PETS.replace("  /pets/{petId}:\n", "  /pets/{petId}.json:\n");
    let api = spec::read(&spec::parse(&text).unwrap()).unwrap();
    assert!(!target_problems(&api, Framework::NetHttp).is_empty());
    assert!(target_problems(&api, Framework::Flask).is_empty());
}
