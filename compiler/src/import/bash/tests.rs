//! Tests of the bash reader.

use super::*;

fn run(text: &str) -> Script {
    let mut env = BTreeMap::new();
    env.insert("HOME".to_string(), Var::Str("/home/stack".to_string()));
    parse(text, &env)
}

fn cmds(text: &str) -> Vec<Vec<String>> {
    run(text)
        .commands
        .iter()
        .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
        .collect()
}

#[test]
fn continuations_quotes_and_comments() {
    let c = cmds(
        "#!/bin/bash\n# a comment\nopenstack overcloud deploy \\\n  --stack dcn0 \\\n  -e 'a b.yaml' -e \"$HOME/x.yaml\" # trailing\n",
    );
    assert_eq!(
        c,
        vec![vec![
            "openstack",
            "overcloud",
            "deploy",
            "--stack",
            "dcn0",
            "-e",
            "a b.yaml",
            "-e",
            "/home/stack/x.yaml"
        ]]
    );
}

#[test]
fn words_know_their_place() {
    let s = run("STACK=dcn0\nopenstack overcloud deploy \\\n    --stack $STACK\n");
    let w = &s.commands[0].words[4];
    assert_eq!(w.text, "dcn0");
    assert_eq!((w.span.line, w.span.column), (3, 13));
}

#[test]
fn variables_defaults_tilde_and_unresolved() {
    let s = run("DIR=~/dcn0\nT=${THT:-/usr/share/openstack-tripleo-heat-templates}\necho $DIR $T/x $(pwd) $NOPE\n");
    let w = s.commands[0].texts();
    assert_eq!(w[1], "/home/stack/dcn0");
    assert_eq!(w[2], "/usr/share/openstack-tripleo-heat-templates/x");
    assert!(!s.commands[0].words[3].exact);
    assert!(!s.commands[0].words[4].exact);
    assert_eq!(s.unresolved.len(), 2);
}

#[test]
fn arrays_as_dcnc_writes_them() {
    let c = cmds(
        "ENV_FILES=(\n  -e \"${THT}/a.yaml\"\n  -e b.yaml\n)\nif true; then\n  ENV_FILES+=(-e c.yaml)\nfi\nopenstack overcloud deploy \"${ENV_FILES[@]}\" --stack-only\n",
    );
    assert_eq!(
        c.last().unwrap(),
        &vec![
            "openstack",
            "overcloud",
            "deploy",
            "-e",
            "${THT}/a.yaml",
            "-e",
            "b.yaml",
            "-e",
            "c.yaml",
            "--stack-only"
        ]
    );
}

#[test]
fn for_loops_unroll() {
    let c = cmds("for s in dcn0 dcn1; do\n  openstack overcloud deploy --stack $s\ndone\n");
    assert_eq!(c.len(), 2);
    assert_eq!(c[1][4], "dcn1");
}

#[test]
fn heredocs_become_files() {
    let s = run("S=dcn0\ncat > az.yaml <<EOF\nparameter_defaults:\n  NovaComputeAvailabilityZone: $S\nEOF\necho done\n");
    assert_eq!(s.heredocs.len(), 1);
    assert_eq!(s.heredocs[0].target.text, "az.yaml");
    assert_eq!(s.heredocs[0].first_line, 3);
    assert!(s.heredocs[0].body.contains("Zone: dcn0"));
    assert_eq!(s.commands.last().unwrap().texts(), vec!["echo", "done"]);
    let q = run("cat <<'EOF' > x.yaml\na: $S\nEOF\n");
    assert_eq!(q.heredocs[0].body, "a: $S\n");
}

#[test]
fn wrappers_case_and_functions() {
    let c = cmds(
        "deploy() {\n  sudo -E openstack overcloud deploy --stack x\n}\ncase \"$1\" in\n  a) echo a ;;\nesac\ntime openstack overcloud export --stack x\n",
    );
    assert_eq!(c[0][0], "openstack");
    assert_eq!(
        c[1],
        vec!["openstack", "overcloud", "export", "--stack", "x"]
    );
}

#[test]
fn nested_loops_are_bounded() {
    let words = (0..400)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let text = format!("for a in {words}; do for b in {words}; do echo $a $b; done; done\n");
    let s = run(&text);
    assert!(s.truncated);
    assert!(s.commands.len() <= MAX_COMMANDS);
    let deep = "for a in x; do ".repeat(5000) + "echo; " + &"done; ".repeat(5000);
    assert!(run(&deep).truncated, "no stack overflow on deep nesting");
}

#[test]
fn positional_parameters() {
    let mut env = BTreeMap::new();
    env.insert(
        "@".to_string(),
        Var::Array(vec!["-e".into(), "x.yaml".into()]),
    );
    env.insert("1".to_string(), Var::Str("-e".into()));
    let s = parse(
        "openstack overcloud deploy --stack a \"$@\"\necho $1\n",
        &env,
    );
    assert_eq!(s.commands[0].texts()[5..], ["-e", "x.yaml"]);
    assert_eq!(s.commands[1].texts(), ["echo", "-e"]);
    let mut env = BTreeMap::new();
    env.insert("@".to_string(), Var::Array(Vec::new()));
    let s = parse("openstack overcloud deploy --stack a \"$@\"\n", &env);
    assert_eq!(s.commands[0].texts().len(), 5, "no arguments: nothing");
}

#[test]
fn export_sets_variables() {
    let s = run("export STACK=central\nopenstack overcloud deploy --stack \"$STACK\"\n");
    assert_eq!(s.commands.len(), 1);
    assert_eq!(s.commands[0].words[4].text, "central");
}
